#!/usr/bin/env node
// The installed `valkey-bun` command (package.json "bin"). Plain JavaScript that needs no build and keeps its run
// bit from git, whatever installed it. It loads the CLI for the runtime it runs on (Bun: the bytecode bundle
// dist/bun/cli.js in an installed package, the TypeScript sources in a git checkout or without that build; Node:
// the build in dist/); the CLI then serves on the runtime the user asked for (src/runtime.ts): `bunx
// valkey-bun` and `bun run start` start here on Node through the shebang and hand over to Bun.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

globalThis.__valkeyBunBin = true;
const src = new URL("../src/cli.ts", import.meta.url);
const dist = new URL("../dist/cli.js", import.meta.url);
const bunBundle = new URL("../dist/bun/cli.js", import.meta.url);
const onBun = typeof globalThis.Bun !== "undefined";
// The same choice as src/runtime.ts cliEntry("bun"): a checkout runs its sources, so that edits need no build.
const bunFromSources = existsSync(src) && (existsSync(new URL("../.git", import.meta.url)) || !existsSync(bunBundle));

if (onBun && bunFromSources) await import(src.href);
else if (onBun && existsSync(bunBundle)) await import(bunBundle.href);
else if (existsSync(dist)) await import(dist.href);
else {
  // Node, and no build: a package manager installed the sources without running `prepare` (Bun does that for
  // git and path dependencies). Bun runs the sources as they are, when there is one.
  const bun = (process.env.npm_config_user_agent ?? "").startsWith("bun/") ? process.env.npm_execpath : "bun";
  const child = spawn(bun, [src.pathname, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, VALKEY_RUNTIME: "bun" } });
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => child.kill(s));
  child.once("error", () => {
    console.error(
      `valkey-bun: ${dist.pathname} is missing (this copy was installed without its build) and no \`bun\` was found to run the sources.\n` +
        `Install from the packed tarball or the registry, or build it once: (cd ${new URL("..", import.meta.url).pathname} && npm install && npm run build)`,
    );
    process.exit(1);
  });
  child.once("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 143)));
}
