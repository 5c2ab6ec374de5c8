#!/usr/bin/env node
// The `valkey-bun` command: `valkey-bun [redis-server style flags | redis.conf]`, `valkey-bun dev`,
// `valkey-bun health`. Imports stay lazy so a sidecar answers PING within milliseconds of spawn.

import { VERSION } from "./version.js";

const HELP = `valkey-bun ${VERSION} — a Valkey/Redis-compatible in-memory server (Bun and Node.js 20+)

Usage:
  valkey-bun [/path/to/redis.conf] [--flag value ...]   start the server
  valkey-bun dev [--manifest config/stack.json]          start the server and your apps (stack manifest)
  valkey-bun health [--url redis://...] [--wait 30s]     exit 0 when a server answers PING and is not loading
  valkey-bun --help | --version

Flags are redis-server's: --port 6380 --bind 127.0.0.1 --requirepass secret --databases 4
  --maxclients 100 --loglevel warning --protected-mode no --save '' --appendonly no ...
  --cluster-size N [--cluster-port-base P]   a cluster of N shards on ports P.. (default: --port) (docs/cluster.md)
  (any Valkey config parameter works as --name value; --test-clock exposes DEBUG CLOCK for tests)

Environment (a .env file in the working directory is read too; real environment wins, flags win over both):
  VALKEY_HOST VALKEY_PORT VALKEY_PASSWORD VALKEY_DBCOUNT VALKEY_MAXCLIENTS VALKEY_LOGLEVEL VALKEY_CLUSTER_SIZE

Data lives in memory only: nothing is ever written to disk.`;

async function main(argv: string[]): Promise<number> {
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

async function serve(argv: string[]): Promise<number> {
  const [{ loadConfig, ConfigError, cfg }, { listen, PortInUseError }] = await Promise.all([
    import("./config.js"),
    import("./server.js"),
  ]);
  const dotenv = await import("dotenv");
  dotenv.config({ quiet: true });
  let config;
  try {
    config = loadConfig({ argv });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`valkey-bun: ${e.message}`);
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
  const runtime = typeof (globalThis as { Bun?: { version: string } }).Bun !== "undefined" ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.version}`;
  if ((config.cluster?.size ?? 0) > 0) {
    const { serveCluster } = await import("./cluster/launcher.js");
    return serveCluster(config, (urls) => `valkey-bun ${VERSION} cluster of ${urls.length} shards ready on ${urls.join(" ")} (${runtime}, pid ${process.pid})`);
  }
  let running;
  try {
    running = await listen({ config, log });
  } catch (e) {
    if (e instanceof PortInUseError) {
      console.error(`valkey-bun: ${e.message}`);
      return 1;
    }
    console.error(`valkey-bun: cannot listen: ${(e as Error).message}`);
    return 1;
  }
  const host = cfg.bind(config).split(/\s+/)[0]!.replace(/^-/, "");
  const shown = host === "*" || host === "0.0.0.0" || host === "::*" ? "127.0.0.1" : host;
  if (cfg.loglevel(config) !== "nothing") {
    const unix = cfg.unixsocket(config);
    console.log(
      `valkey-bun ${VERSION} ready on redis://${shown}:${running.port}${unix !== null ? ` and unix socket ${unix}` : ""} (${runtime}, pid ${process.pid})`,
    );
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      running.server.log("notice", `Received ${sig}, shutting down (nothing to save: data lives in memory only)`);
      await running.close();
      resolve(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
    running.server.onShutdown = () => void stop("SHUTDOWN");
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`valkey-bun: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
