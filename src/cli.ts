#!/usr/bin/env node
// The `valkey-bun` command: `valkey-bun [redis-server style flags | redis.conf]`, `valkey-bun dev`,
// `valkey-bun health`. Imports stay lazy so a sidecar answers PING within milliseconds of spawn.

import { currentRuntime, delegate, isBun, RuntimeError, takeRuntimeFlag, wantedRuntime } from "./runtime.js";
import { VERSION } from "./version.js";

const HELP = `valkey-bun ${VERSION} — a Valkey/Redis-compatible in-memory server (Bun and Node.js 20+)

Usage:
  valkey-bun [/path/to/redis.conf] [--flag value ...]   start the server
  valkey-bun dev [--manifest config/stack.json]          start the server and your apps (stack manifest)
  valkey-bun health [--url redis://...] [--wait 30s]     exit 0 when a server answers PING and is not loading
  valkey-bun --help | --version

--ui [port] also serves the key browser on http://127.0.0.1:<port>/ (a free port without one): keys, values,
  pub/sub, MONITOR, SLOWLOG and INFO, behind the server's password.

--runtime bun|node|auto (or VALKEY_RUNTIME) picks the runtime that serves. auto, the default: Bun when Bun
  runs or launched this command (bun src/cli.ts, bunx valkey-bun, bun run start), otherwise Node.

Flags are redis-server's: --port 6380 --bind 127.0.0.1 --requirepass secret --databases 4
  --maxclients 100 --loglevel warning --protected-mode no --save '' --appendonly no ...
  --cluster-size N [--cluster-port-base P]   a cluster of N shards on ports P.. (default: --port) (docs/cluster.md)
  (any Valkey config parameter works as --name value; --test-clock exposes DEBUG CLOCK and DEBUG to local clients for tests;
   DEBUG is otherwise off, as enable-debug-command no in Valkey)

Environment (a .env file in the working directory is read too; real environment wins, flags win over both):
  VALKEY_HOST VALKEY_PORT VALKEY_PASSWORD VALKEY_DBCOUNT VALKEY_MAXCLIENTS VALKEY_LOGLEVEL VALKEY_CLUSTER_SIZE

Data lives in memory only: nothing is ever written to disk.`;

/** The launcher that handed over to us (runtime.ts delegate()), whose death must stop the server. */
let parentPid = NaN;

async function main(all: string[]): Promise<number> {
  let argv: string[];
  try {
    const taken = takeRuntimeFlag(all);
    argv = taken.argv;
    // bin/valkey-bun.cjs marks the installed command: only there does Bun's user agent mean "serve on Bun".
    const target = wantedRuntime(taken.choice, process.env, (globalThis as { __valkeyBunBin?: boolean }).__valkeyBunBin === true);
    // Consumed here: the processes this one starts (the dev stack's server and apps) choose for themselves.
    parentPid = Number(process.env.VALKEY_BUN_PARENT_PID);
    delete process.env.VALKEY_RUNTIME;
    delete process.env.VALKEY_BUN_PARENT_PID;
    if (target !== currentRuntime) return await delegate(target, argv);
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    console.error(`valkey-bun: ${e.message}`);
    return 2;
  }
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(HELP);
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    console.log(`valkey-bun ${VERSION}`);
    return 0;
  }
  // Each of these is its own bundle in the build (scripts/bundle.mjs): a health probe loads no server code.
  if (argv[0] === "health") return (await import("./stack/health.js")).main(argv.slice(1));
  // Bun runs a full collection at its first event-loop turn after the entry script, however small or large the
  // heap: with the server's modules loaded (~2.4 MB) it took ~3.5 ms before the first client was served. One turn
  // here, before the command's bundle loads, has it find the entry's ~0.5 MB instead; the server's tables are
  // traced later, when the heap has grown enough for the collector's own reasons.
  if (isBun) await new Promise((resolve) => setImmediate(resolve));
  if (argv[0] === "dev") return (await import("./stack/dev.js")).main(argv.slice(1));
  return (await import("./serve.js")).serve(argv, parentPid);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`valkey-bun: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
