// `prepare` / `prepack`: build dist/ when it is missing or older than src/, so that every way of installing the
// package ends with a runnable `valkey-bun` and `import ... from "valkey-bun"` on Node:
// - a clone's `npm install` and npm's preparation of a git dependency (dev dependencies present): build;
// - `npm install <path>` runs `prepare` inside the linked folder, whose dev dependencies may be absent: without
//   TypeScript there is nothing to build with, so say so and succeed (an install must not fail on `tsc: not found`);
// - `npm pack` / publish (`prepack`, with --require): the tarball must ship dist/, so failing to build is an error.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { restore } from "./pack-manifest.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const required = process.argv.includes("--require");
restore(); // a pack that died between prepack and postpack left the stripped package.json behind

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const built = join(ROOT, "dist", "cli.cjs");
if (existsSync(built) && existsSync(join(ROOT, "dist", "index.js")) && statSync(built).mtimeMs >= newest(join(ROOT, "src"))) {
  chmodSync(built, 0o755);
  chmodSync(join(ROOT, "dist", "cli.js"), 0o755);
  process.exit(0);
}
const require = createRequire(join(ROOT, "package.json"));
let tools;
try {
  tools = { tsc: require.resolve("typescript/bin/tsc"), esbuild: require.resolve("esbuild") };
} catch {
  const msg = "valkey-bun: not building dist/ here (TypeScript and esbuild, its dev dependencies, are not installed)";
  if (required) {
    console.error(`${msg}; run \`npm install\` first`);
    process.exit(1);
  }
  console.error(`${msg}; Bun runs the sources as they are, Node needs \`npm install && npm run build\` in ${ROOT}`);
  process.exit(0);
}
const tsc = spawnSync(process.execPath, [tools.tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit", cwd: ROOT });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const bundle = spawnSync(process.execPath, [join(ROOT, "scripts", "bundle.mjs")], { stdio: "inherit", cwd: ROOT });
process.exit(bundle.status ?? 1);
