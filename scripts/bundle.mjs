// Bundles the CLI into dist/cli.js (+ lazily loaded chunks) after `tsc` has built dist/: one file to load
// instead of dozens, and zod/mini tree-shaken, so a Node sidecar answers PING sooner. The library entry
// (dist/index.js) stays the plain tsc build. Packages that are only needed by `dev`, `health` or scripts
// stay external and load on demand.
import { build } from "esbuild";
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
  external: ["ioredis", "concurrently", "lua-redis-wasm", "dotenv"],
  logLevel: "warning",
});
