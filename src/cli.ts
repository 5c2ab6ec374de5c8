#!/usr/bin/env node
// The `valkey-bun` command: `valkey-bun [redis-server style flags | redis.conf]`, `valkey-bun dev`,
// `valkey-bun health`. Imports stay lazy so a sidecar answers PING within milliseconds of spawn.

import { loadEnvFile } from "./envfile.js";
import { builtin, currentRuntime, delegate, runtimeLabel, RuntimeError, takeRuntimeFlag, wantedRuntime, watchParent } from "./runtime.js";
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
  if (argv[0] === "dev" || argv[0] === "health") {
    const mod = argv[0] === "dev" ? await import("./stack/dev.js") : await import("./stack/health.js");
    return mod.main(argv.slice(1));
  }
  return serve(argv);
}

async function serve(all: string[]): Promise<number> {
  // The modules' top level builds a few hundred pre-made errors (the catalog in errors.ts, family tables): their
  // stacks are never shown, and capturing them is ~1 ms of a Bun start.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const [{ loadConfig, ConfigError, cfg }, { listen, PortInUseError }] = await Promise.all([
    import("./config.js"),
    import("./server.js"),
  ]).finally(() => (Error.stackTraceLimit = stackTraceLimit));
  // --ui [port]: the key browser (src/ui), not a Valkey parameter. Loaded only when asked for.
  let argv = all;
  let uiPort: number | null = null;
  if (all.some((a) => a === "--ui" || a.startsWith("--ui="))) {
    try {
      ({ argv, port: uiPort } = (await import("./ui/server.js")).takeUiFlag(all));
    } catch (e) {
      console.error(`valkey-bun: ${(e as Error).message}`);
      return 1;
    }
  }
  const envFile = await loadEnvFile();
  let config;
  try {
    config = loadConfig({ argv, envFile });
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split("\n")) console.error(`valkey-bun: ${line}`);
      return 1;
    }
    throw e;
  }
  const log = (line: string) => console.log(line);
  for (const d of config.persistenceDirectives.slice(0, 1)) {
    console.warn(
      `valkey-bun: persistence directive '${d}'${config.persistenceDirectives.length > 1 ? " (and others)" : ""} accepted; this server keeps data in memory only and never writes to disk`,
    );
  }
  const runtime = runtimeLabel();
  if ((config.cluster?.size ?? 0) > 0) {
    const { serveCluster } = await import("./cluster/launcher.js");
    return serveCluster(config, (urls) => `valkey-bun ${VERSION} cluster of ${urls.length} shards ready on ${urls.join(" ")} (${runtime}, pid ${process.pid})`);
  }
  let running;
  try {
    running = await listen({ config, log });
  } catch (e) {
    if (e instanceof PortInUseError || e instanceof ConfigError) {
      console.error(`valkey-bun: ${e.message}`);
      return 1;
    }
    console.error(`valkey-bun: cannot listen: ${(e as Error).message}`);
    return 1;
  }
  const host = cfg.bind(config).split(/\s+/)[0]!.replace(/^-/, "");
  const shown = host === "*" || host === "0.0.0.0" || host === "::*" ? "127.0.0.1" : host;
  let ui: { url: string; close(): Promise<void> } | null = null;
  if (uiPort !== null) {
    try {
      const { startUi } = await import("./ui/server.js");
      ui = await startUi({ port: uiPort, redisHost: shown, redisPort: running.port, password: () => cfg.password(running.server.config) });
    } catch (e) {
      console.error(`valkey-bun: cannot start the key browser on 127.0.0.1:${uiPort}: ${(e as Error).message}`);
      await running.close();
      return 1;
    }
  }
  // Signals are handled before the ready line: whoever waits for it may stop the server the moment it appears.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      running.server.log("notice", `${why}, shutting down (nothing to save: data lives in memory only)`);
      await ui?.close();
      await running.close();
      resolve(0);
    };
    process.on("SIGTERM", () => void stop("Received SIGTERM"));
    process.on("SIGINT", () => void stop("Received SIGINT"));
    running.server.onShutdown = () => void stop("Received SHUTDOWN");
    watchParent(() => void stop("The process that started this server is gone"), parentPid);
  });
  if (cfg.loglevel(config) !== "nothing") {
    const unix = cfg.unixsocket(config);
    printLine(`valkey-bun ${VERSION} ready on redis://${shown}:${running.port}${unix !== null ? ` and unix socket ${unix}` : ""} (${runtime}, pid ${process.pid})`);
  }
  if (ui) console.log(`valkey-bun key browser on ${ui.url}`);
  return stopped;
}

/**
 * A line on stdout written straight to fd 1: Node's first console.log builds process.stdout (a stream, and for a
 * terminal the tty and readline modules), ~2-3 ms of a start that waits for nothing else. Console when that fails.
 * Bun's console.log writes at once and builds nothing, while loading node:fs there costs 1.5-2 ms.
 */
function printLine(line: string): void {
  if (currentRuntime === "bun") return console.log(line);
  let buf = Buffer.from(`${line}\n`);
  try {
    const fs = builtin("node:fs");
    while (buf.length > 0) buf = buf.subarray(fs.writeSync(1, buf));
  } catch {
    if (buf.length > 0) process.stdout.write(buf);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`valkey-bun: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
