// Server family: INFO CONFIG DBSIZE FLUSHDB ... (Being completed.)

import type { Client } from "../client.js";
import { token } from "../args.js";
import { E } from "../errors.js";
import { REDIS_COMPAT_VERSION, VALKEY_VERSION } from "../version.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  { name: "dbsize", arity: 1, flags: ["readonly", "fast"], acl: ["keyspace"], tips: ["request_policy:all_shards", "response_policy:agg_sum"], run: dbsize },
  { name: "info", arity: -1, flags: ["loading", "stale"], acl: ["dangerous"], tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], run: info },
  { name: "flushall", arity: -1, flags: ["write"], acl: ["keyspace", "dangerous"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: flushall },
  { name: "flushdb", arity: -1, flags: ["write"], acl: ["keyspace", "dangerous"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: flushdb },
];

// DBSIZE
function dbsize(c: Client): void {
  c.w.integer(c.db.size);
}

// INFO [section [section ...]]  (minimal until the server family lands)
function info(c: Client): void {
  const s = c.server;
  const lines = [
    "# Server",
    `redis_version:${REDIS_COMPAT_VERSION}`,
    `valkey_version:${VALKEY_VERSION}`,
    "redis_mode:standalone",
    `process_id:${process.pid}`,
    `run_id:${s.runId}`,
    `tcp_port:${s.port}`,
    "",
    "# Persistence",
    "loading:0",
    "",
    "# Replication",
    "role:master",
    "",
    "# Keyspace",
  ];
  for (const db of s.store.dbs) if (db.size > 0) lines.push(`db${db.id}:keys=${db.size},expires=${db.expires.size},avg_ttl=0`);
  c.w.verbatim(lines.join("\r\n") + "\r\n");
}

function flushMode(argv: Buffer[]): void {
  if (argv.length > 2) throw E.syntax;
  if (argv.length === 2) {
    const m = token(argv[1]!);
    if (m !== "sync" && m !== "async") throw E.syntax;
  }
}

// FLUSHALL [ASYNC | SYNC]
function flushall(c: Client, argv: Buffer[]): void {
  flushMode(argv);
  c.server.store.flushAll();
  c.w.ok();
}

// FLUSHDB [ASYNC | SYNC]
function flushdb(c: Client, argv: Buffer[]): void {
  flushMode(argv);
  c.db.clear();
  c.w.ok();
}
