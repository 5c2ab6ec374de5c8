#!/usr/bin/env node
// The installed `valkey-bun` command (package.json "bin"). Plain JavaScript that needs no build and keeps its run
// bit from git, whatever installed it. It loads the CLI for the runtime it runs on (Bun: the bytecode bundle
// dist/bun/cli.js in an installed package, the TypeScript sources in a git checkout or without that build; Node:
// the build's CommonJS entry dist/cli.cjs); the CLI then serves on the runtime the user asked for
// (src/runtime.ts): `bunx valkey-bun` and `bun run start` start here on Node through the shebang and hand over to
// Bun. CommonJS, like dist/cli.cjs: Node then starts without its ES module loader (~7 ms of CPU to the first PONG).
const { existsSync } = require("node:fs");
const { join } = require("node:path");

globalThis.__valkeyBunBin = true;
const root = join(__dirname, "..");
const src = join(root, "src", "cli.ts");
const dist = join(root, "dist", "cli.cjs");
const bunBundle = join(root, "dist", "bun", "cli.js");
const onBun = typeof globalThis.Bun !== "undefined";
// The same choice as src/runtime.ts cliEntry("bun"): a checkout runs its sources, so that edits need no build.
const bunFromSources = existsSync(src) && (existsSync(join(root, ".git")) || !existsSync(bunBundle));

if (onBun && bunFromSources) import(Bun.pathToFileURL(src).href);
else if (onBun && existsSync(bunBundle)) import(Bun.pathToFileURL(bunBundle).href);
else if (existsSync(dist)) require(dist);
else if (existsSync(join(root, "dist", "cli.js"))) import(require("node:url").pathToFileURL(join(root, "dist", "cli.js")).href); // tsc's build, no bundle
else {
  // Node, and no build: a package manager installed the sources without running `prepare` (Bun does that for
  // git and path dependencies). Bun runs the sources as they are, when there is one.
  const { spawn } = require("node:child_process");
  const bun = (process.env.npm_config_user_agent ?? "").startsWith("bun/") ? process.env.npm_execpath : "bun";
  const child = spawn(bun, [src, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, VALKEY_RUNTIME: "bun" } });
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => child.kill(s));
  child.once("error", () => {
    console.error(
      `valkey-bun: ${dist} is missing (this copy was installed without its build) and no \`bun\` was found to run the sources.\n` +
        `Install from the packed tarball or the registry, or build it once: (cd ${root} && npm install && npm run build)`,
    );
    process.exit(1);
  });
  child.once("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 143)));
}
