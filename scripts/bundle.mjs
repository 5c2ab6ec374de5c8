// Bundles the CLI into dist/cli.js (+ lazily loaded chunks) after `tsc` has built dist/: one file to load
// instead of dozens, and zod/mini tree-shaken, so a Node sidecar answers PING sooner. The library entry
// (dist/index.js) stays the plain tsc build. Packages that are only needed by `dev`, `health` or scripts
// stay external and load on demand.
import { build } from "esbuild";
import { chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  // The cluster shard is a worker thread entry of its own (dist/cluster/shard.js).
  entryPoints: [join(ROOT, "src", "cli.ts"), join(ROOT, "src", "cluster", "shard.ts")],
  outdir: join(ROOT, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  // ESM builds first: jsonc-parser's "main" is a UMD file whose dynamic require()s cannot live in an ESM bundle.
  mainFields: ["module", "main"],
  external: ["ioredis", "concurrently", "lua-redis-wasm", "luaparse", "dotenv"],
  logLevel: "warning",
});
// dist/cli.js is a command too (`node dist/cli.js`, and older installs link it as the bin): keep it executable.
chmodSync(join(ROOT, "dist", "cli.js"), 0o755);
