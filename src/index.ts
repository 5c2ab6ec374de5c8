// Public API for tests and tools: start a server in-process, load config, types.

import { loadConfig, type Config, ConfigError } from "./config.js";
import { listen, type Server } from "./server.js";
import { Clock } from "./store.js";
import { parseUserList } from "./acl/users-env.js";

export { loadConfig, ConfigError, Clock };
export type { Config, Server };
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
}

export interface StartedServer {
  /** redis://[:password@]host:port */
  url: string;
  host: string;
  port: number;
  /** The store's clock: advance(ms) / set(ms) move TTLs without sleeping. */
  clock: Clock;
  server: Server;
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
 */
export async function startServer(opts: StartOptions = {}): Promise<StartedServer> {
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
  const clock = new Clock();
  const running = await listen({ config, clock, log: opts.log });
  const host = running.server.addresses[0] === "0.0.0.0" ? "127.0.0.1" : running.server.addresses[0]!;
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
  return {
    url: `redis://${auth}${host.includes(":") ? `[${host}]` : host}:${running.port}`,
    host,
    port: running.port,
    clock,
    server: running.server,
    close: () => running.close(),
    [Symbol.asyncDispose]: () => running.close(),
  };
}
