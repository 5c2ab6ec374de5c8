// Bundles the CLI into dist/cli.js (+ lazily loaded chunks) after `tsc` has built dist/: one file to load
// instead of dozens, and zod/mini tree-shaken, so a Node sidecar answers PING sooner. The library entry
// (dist/index.js) stays the plain tsc build. Packages that are only needed by `dev`, `health` or scripts
// stay external and load on demand.
// With Bun at hand it also writes dist/bun/cli.js + cli.js.jsc: the same CLI as one CommonJS file with Bun's
// bytecode beside it, which an installed package runs under Bun (bin/valkey-bun.js, src/runtime.ts) instead of
// transpiling and parsing ~100 TypeScript files at every start. A Bun of another version ignores the bytecode and
// parses the file.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const external = ["ioredis", "concurrently", "lua-redis-wasm", "luaparse", "dotenv"];
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
  external,
  logLevel: "warning",
});
// dist/cli.js is a command too (`node dist/cli.js`, and older installs link it as the bin): keep it executable.
chmodSync(join(ROOT, "dist", "cli.js"), 0o755);

const bun = [join(ROOT, "node_modules", ".bin", "bun")].find((p) => existsSync(p)) ?? "bun";
const bunDir = join(ROOT, "dist", "bun");
rmSync(bunDir, { recursive: true, force: true });
if (spawnSync(bun, ["--version"], { stdio: "ignore" }).status === 0) {
  // Bun's bytecode needs CommonJS, and `bun build` would freeze import.meta.url to this machine's src/ paths:
  // esbuild writes the CommonJS bundle first, where import.meta.url is the bundle's own location at run time
  // (dist/bun/cli.js: PKG_ROOT, createRequire and the cluster's shard entry all resolve from there).
  const tmp = join(ROOT, "dist", ".bun-cjs");
  const cjs = join(tmp, "cli.js");
  await build({
    entryPoints: [join(ROOT, "src", "cli.ts")],
    outfile: cjs,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    external,
    define: { "import.meta.url": "__bundleUrl" },
    banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: "warning",
  });
  const args = ["build", cjs, "--target=bun", "--format=cjs", "--bytecode", "--outdir", bunDir, ...external.flatMap((e) => ["--external", e])];
  const r = spawnSync(bun, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) {
    console.error("bundle: bun build failed; Bun will run the sources");
    rmSync(bunDir, { recursive: true, force: true });
  }
}
