// Public API for tests and tools: start a server in-process, load config, types.

import { loadConfig, type Config, ConfigError } from "./config.js";
import { listen, type Server } from "./server.js";
import { Clock } from "./store.js";
import { parseUserList } from "./acl/users-env.js";

export { loadConfig, ConfigError, Clock };
export type { Config, Server };
export { SLOTS, keySlot } from "./cluster/slots.js";
export { VERSION } from "./version.js";

export interface StartOptions {
  /** TCP port; 0 (the default here) picks a free one. */
  port?: number;
  /** Listen address(es), Valkey `bind` syntax. Default 127.0.0.1 for in-process servers. */
  host?: string;
  password?: string;
  databases?: number;
  maxclients?: number;
  loglevel?: "debug" | "verbose" | "notice" | "warning" | "nothing";
  /** ACL users, one "name rules..." each, e.g. ["app on >secret ~app:* +@all"] (docs/acl.md). */
  users?: string[];
  /** Any other Valkey config parameter, e.g. { "notify-keyspace-events": "KEA" }. */
  config?: Record<string, string | number | boolean>;
  /** Expose the test clock over the protocol (DEBUG CLOCK ...). */
  testClock?: boolean;
  /** Log sink; quiet by default. */
  log?: (line: string) => void;
  /**
   * Cluster mode: N shards, each a server on its own worker thread (docs/cluster.md). With `port: 0` every shard
   * gets its own free port; with a port P they listen on P .. P+N-1. 0 or unset: one standalone server.
   */
  clusterSize?: number;
}

/** What startServer({ clusterSize: N }) returns: every node's URL; close() stops them all. */
export interface StartedCluster {
  /** The first node's URL (a cluster client discovers the rest from it). */
  url: string;
  host: string;
  port: number;
  /** Every node's URL, shard 0 first. */
  nodes: string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartedServer {
  /** redis://[:password@]host:port */
  url: string;
  host: string;
  port: number;
  /** The store's clock: advance(ms) / set(ms) move TTLs without sleeping. */
  clock: Clock;
  server: Server;
  /** [url]: the same shape as a cluster's node list. */
  nodes: string[];
  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void>;
  /** `await using s = await startServer()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Start a server in this process (vitest/jest global setup, `bun test` preload, scripts). Each call gets its
 * own store, clients and clock: several servers in one process stay isolated.
 *
 *   const s = await startServer({ port: 0 });   // s.url = "redis://127.0.0.1:<free port>"
 *   s.clock.advance(60_000);                     // TTLs move on without sleeping
 *   await s.close();
 *
 *   const c = await startServer({ clusterSize: 3, port: 0 });   // c.nodes = three redis:// URLs
 *   new Redis.Cluster(c.nodes.map((u) => new URL(u)).map((u) => ({ host: u.hostname, port: +u.port })));
 */
export async function startServer(opts: StartOptions & { clusterSize: number }): Promise<StartedCluster>;
export async function startServer(opts?: StartOptions): Promise<StartedServer>;
export async function startServer(opts: StartOptions = {}): Promise<StartedServer | StartedCluster> {
  const overrides: Record<string, string | number | boolean> = {
    port: opts.port ?? 0,
    bind: opts.host ?? "127.0.0.1",
    ...(opts.password !== undefined ? { requirepass: opts.password } : {}),
    ...(opts.databases !== undefined ? { databases: opts.databases } : {}),
    ...(opts.maxclients !== undefined ? { maxclients: opts.maxclients } : {}),
    ...(opts.loglevel !== undefined ? { loglevel: opts.loglevel } : {}),
    ...(opts.config ?? {}),
  };
  const config: Config = loadConfig({ env: {}, overrides });
  config.testClock = opts.testClock ?? false;
  if (opts.users !== undefined) config.users = [...(config.users ?? []), ...parseUserList(opts.users.join("\n"))];
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
  if ((opts.clusterSize ?? 0) > 0) {
    const { startCluster } = await import("./cluster/launcher.js");
    const size = opts.clusterSize!;
    const running = await startCluster({ config, size, portBase: opts.port ?? 0, log: opts.log });
    const nodes = running.nodes.map((n) => n.url.replace("redis://", `redis://${auth}`));
    return {
      url: nodes[0]!,
      host: running.nodes[0]!.host,
      port: running.nodes[0]!.port,
      nodes,
      close: () => running.close(),
      [Symbol.asyncDispose]: () => running.close(),
    };
  }
  const clock = new Clock();
  const running = await listen({ config, clock, log: opts.log });
  const host = running.server.addresses[0] === "0.0.0.0" ? "127.0.0.1" : running.server.addresses[0]!;
  const url = `redis://${auth}${host.includes(":") ? `[${host}]` : host}:${running.port}`;
  return {
    url,
    nodes: [url],
    host,
    port: running.port,
    clock,
    server: running.server,
    close: () => running.close(),
    [Symbol.asyncDispose]: () => running.close(),
  };
}
