// One Config from three sources, highest first: CLI flags (redis-server style, or a redis.conf path),
// VALKEY_* environment (a .env file is loaded with dotenv; the real environment wins), embedded defaults.
// Every setting is a Valkey config parameter: the same table answers CONFIG GET/SET/REWRITE and validates flags.

import { createRequire } from "node:module";
import { parseI64Big } from "./args.js";
import { splitArgs } from "./resp.js";
import { parseUserList } from "./acl/users-env.js";
import { builtin } from "./runtime.js";
import { globMatch } from "./glob.js";

/** node:fs on first use (a config file, CONFIG REWRITE, `dir`): under Bun its load is ~1 ms of a start. */
const fs = () => builtin("node:fs");

export type LogLevel = "debug" | "verbose" | "notice" | "warning" | "nothing";

export class ConfigError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Parameter table

type Kind = "bool" | "int" | "memory" | "enum" | "string" | "special";

export interface ParamDef {
  name: string;
  kind: Kind;
  /** Canonical default (what CONFIG GET shows on a fresh server). */
  default: string;
  alias?: string;
  /** int/memory bounds (inclusive). */
  min?: bigint;
  max?: bigint;
  /** memory values may also be given as a percentage ("10%"), stored negative as Valkey does. */
  percent?: boolean;
  /** enum values in Valkey's order (its error text lists them in this order). */
  values?: string[];
  /** enum names that mean the same as another one: CONFIG GET shows the first (Valkey's configEnumGetName). */
  same?: Record<string, string>;
  /** Can only be set at startup (CONFIG SET refuses). */
  immutable?: boolean;
  /** Settable only when enable-protected-configs allows it. */
  protected?: boolean;
  /** CONFIG SET redacts the value from MONITOR and SLOWLOG. */
  sensitive?: boolean;
  /** An empty string means "unset": CONFIG REWRITE drops the line (Valkey's EMPTY_STRING_IS_NULL). */
  emptyIsNull?: boolean;
  /** Accepted, validated and reported, but shapes nothing in an in-memory server. */
  inert?: boolean;
  /** Validation and canonical form for string/special kinds: return the stored form, throw ConfigError. */
  parse?: (v: string, current: string) => string;
  /** Multi-argument parameters (save, bind, client-output-buffer-limit) take the rest of a config line. */
  multi?: boolean;
  /** Valkey's HIDDEN_CONFIG: CONFIG GET returns it by its exact name only, never for a pattern. */
  hidden?: boolean;
  /** What CONFIG GET / REWRITE show when it differs from the stored form (notify-keyspace-events). */
  show?: (stored: string) => string;
}

/** The value CONFIG GET and CONFIG REWRITE show for a stored parameter value. */
export function shownValue(p: ParamDef, stored: string): string {
  return p.show ? p.show(stored) : stored;
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
export const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;
const ULLONG_MAX = 18446744073709551615n;

const MEM_UNITS: Record<string, bigint> = {
  "": 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n ** 2n,
  mb: 1024n ** 2n,
  g: 1000n ** 3n,
  gb: 1024n ** 3n,
};

/** Valkey's memtoull: "100mb", "1gb", "512" -> bytes; null when malformed (no sign, known unit). */
export function parseMemoryBig(v: string): bigint | null {
  const m = /^(\d*)([a-z]*)$/i.exec(v);
  if (!m) return null;
  const unit = MEM_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const n = BigInt(m[1] || "0") * unit;
  return n > ULLONG_MAX ? null : n;
}

/** parseMemoryBig as a number (for settings the core reads). */
export function parseMemory(v: string): number | null {
  const n = parseMemoryBig(v);
  return n === null ? null : Number(n);
}

/** Valkey's rewriteConfigFormatMemory: 1073741824 -> "1gb", 1048576 -> "1mb", 1024 -> "1kb". */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n ** 3n;
  const mb = 1024n ** 2n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % 1024n === 0n) return `${bytes / 1024n}kb`;
  return String(bytes);
}

const bool = (name: string, def: "yes" | "no", extra: Partial<ParamDef> = {}): ParamDef => ({ name, kind: "bool", default: def, ...extra });
const int = (name: string, def: number, min: bigint, max: bigint, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "int",
  default: String(def),
  min,
  max,
  ...extra,
});
const mem = (name: string, def: bigint, min: bigint, max: bigint, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "memory",
  default: String(def),
  min,
  max,
  ...extra,
});
const en = (name: string, def: string, values: string[], extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "enum",
  default: def,
  values,
  ...extra,
});
const strp = (name: string, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({ name, kind: "string", default: def, ...extra });

function parseOctalPerm(v: string): string {
  if (!/^[0-7]+$/.test(v) || parseInt(v, 8) > 0o777) throw new ConfigError("argument must be an octal number between 0 and 0777");
  return parseInt(v, 8).toString(8);
}
const special = (name: string, def: string, parse: ParamDef["parse"], extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "special",
  default: def,
  parse,
  ...extra,
});

// --- keyspace notification classes (Valkey's NOTIFY_* bits; the store's N uses the same values) ---------

const NOTIFY: Record<string, number> = {
  K: 1 << 0,
  E: 1 << 1,
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  t: 1 << 10,
  m: 1 << 11,
  d: 1 << 12,
  n: 1 << 14,
};
/** 'A' = g$lshzxetd (not m, not n). */
const NOTIFY_ALL = NOTIFY.g! | NOTIFY.$! | NOTIFY.l! | NOTIFY.s! | NOTIFY.h! | NOTIFY.z! | NOTIFY.x! | NOTIFY.e! | NOTIFY.t! | NOTIFY.d!;

/** Valkey's keyspaceEventsStringToFlags: null on an unknown class character. */
export function parseNotifyFlags(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    if (ch === "A") flags |= NOTIFY_ALL;
    else if (NOTIFY[ch] !== undefined) flags |= NOTIFY[ch]!;
    else return null;
  }
  return flags;
}

/** Valkey's keyspaceEventsFlagsToString (with its quirk: 'A' swallows 'n'). */
export function notifyFlagsToString(flags: number): string {
  let s = "";
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = "A";
  else for (const ch of "g$lshzxetdn") if (flags & NOTIFY[ch]!) s += ch;
  if (flags & NOTIFY.K!) s += "K";
  if (flags & NOTIFY.E!) s += "E";
  if (flags & NOTIFY.m!) s += "m";
  return s;
}

// --- parsers for the special parameters ----------------------------------------------------------------

/** CONFIG SET splits multi-argument values on single spaces (sdssplitlen), so "" and "a  b" keep empty words. */
function words(v: string): string[] {
  return v === "" ? [] : v.split(" ");
}

function parseSave(v: string): string {
  const w = words(v);
  const args = w.length === 1 && w[0] === "" ? [] : w;
  if (args.length % 2 !== 0) throw new ConfigError("Invalid save parameters");
  args.forEach((a, j) => {
    const n = /^-?\d+$/.test(a) ? Number(a) : a === "" ? 0 : NaN;
    if (Number.isNaN(n) || (j % 2 === 0 && n < 1) || (j % 2 === 1 && n < 0)) throw new ConfigError("Invalid save parameters");
  });
  // Accepted, and reported as off: this server never saves (see DESIGN.md, the product boundary).
  return "";
}

const OBUF_CLASSES = ["normal", "replica", "pubsub"] as const;

function parseObufLimits(v: string, current: string): string {
  const w = words(v);
  if (w.length % 4 !== 0) throw new ConfigError("Wrong number of arguments in buffer limit configuration.");
  const cur = current.split(" ");
  const table: Record<string, string[]> = {};
  for (let i = 0; i + 3 < cur.length; i += 4) table[cur[i] === "slave" ? "replica" : cur[i]!] = cur.slice(i + 1, i + 4);
  for (let i = 0; i < w.length; i += 4) {
    let cls = w[i]!.toLowerCase();
    if (cls === "slave") cls = "replica";
    if (!(OBUF_CLASSES as readonly string[]).includes(cls)) {
      throw new ConfigError("Invalid client class specified in buffer limit configuration.");
    }
    const hard = parseMemoryBig(w[i + 1]!);
    const soft = parseMemoryBig(w[i + 2]!);
    const secs = w[i + 3]!;
    if (hard === null || soft === null || !/^-?\d*$/.test(secs) || Number(secs) < 0) {
      throw new ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    table[cls] = [String(hard), String(soft), String(Number(secs))];
  }
  return OBUF_CLASSES.map((c) => `${c === "replica" ? "slave" : c} ${table[c]!.join(" ")}`).join(" ");
}

/** Stored losslessly: Valkey shows "KEAn" as "AKE" yet still fires "new" events, so 'n' is kept after 'A'. */
function parseNotify(v: string): string {
  const f = parseNotifyFlags(v);
  if (f === null) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  const shown = notifyFlagsToString(f);
  return (f & NOTIFY_ALL) === NOTIFY_ALL && f & NOTIFY.n! ? shown + "n" : shown;
}

function parseBind(v: string): string {
  const w = words(v).filter((a) => a !== "");
  if (w.length > 16) throw new ConfigError("Too many bind addresses specified.");
  return w.join(" ");
}

function parseDir(v: string): string {
  const p = builtin("node:path").resolve(v);
  if (!fs().existsSync(p)) throw new ConfigError("No such file or directory");
  if (!fs().statSync(p).isDirectory()) throw new ConfigError("Not a directory");
  return p;
}

function baseName(what: string): (v: string) => string {
  return (v) => {
    if (v.includes("/") || v.includes("\\")) throw new ConfigError(`${what} can't be a path, just a filename`);
    return v;
  };
}

function parsePercentiles(v: string): string {
  const w = words(v);
  if (w.length === 1 && w[0] === "") return "";
  return w
    .map((a) => {
      const d = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a) ? Number(a) : NaN;
      if (Number.isNaN(d)) throw new ConfigError("Invalid latency-tracking-info-percentiles parameters");
      if (d > 100 || d < 0) throw new ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
      return String(d);
    })
    .join(" ");
}

function parseReplicaof(v: string): string {
  if (v === "") return "";
  const w = words(v);
  if (w.length !== 2) throw new ConfigError("wrong number of arguments");
  if (w[0]!.toLowerCase() === "no" && w[1]!.toLowerCase() === "one") return "";
  const port = Number(w[1]);
  if (!/^\d+$/.test(w[1]!) || port > 65535) throw new ConfigError("Invalid primary port");
  return `${w[0]} ${port}`;
}

/** Valkey's error for an enum value outside its table. */
const notOneOf = (values: string[]) => new ConfigError(`argument(s) must be one of the following: ${values.join(", ")}`);

/** oom-score-adj-values: three integers in -2000..2000 (Valkey's setConfigOOMScoreAdjValuesOption), shown as parsed. */
function parseOomValues(v: string): string {
  const w = words(v);
  if (w.length !== 3) throw new ConfigError("wrong number of arguments");
  return w
    .map((a) => {
      if (!/^[+-]?\d+$/.test(a) || Math.abs(Number(a)) > 2000) throw new ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
      return String(Number(a));
    })
    .join(" ");
}

/** shutdown-on-sigint / shutdown-on-sigterm: a set of SHUTDOWN's flags, shown as Valkey's multi-arg enums are (the
 *  flags in table order; "default" alone when none). Nothing is saved and there are no replicas to wait for, so
 *  every combination shuts down the same way here. */
const SHUTDOWN_FLAGS = ["default", "save", "nosave", "now", "force"];
function parseShutdownFlags(v: string): string {
  const set = new Set<string>();
  const w = words(v).filter((a) => a !== "");
  if (w.length === 0) throw notOneOf(SHUTDOWN_FLAGS);
  for (const a of w) {
    const f = a.toLowerCase();
    if (!SHUTDOWN_FLAGS.includes(f)) throw notOneOf(SHUTDOWN_FLAGS);
    if (f !== "default") set.add(f);
  }
  if (set.has("save") && set.has("nosave")) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
  return set.size === 0 ? "default" : SHUTDOWN_FLAGS.filter((f) => set.has(f)).join(" ");
}

const LOGLEVELS = ["debug", "verbose", "notice", "warning", "nothing"];
const PROTECTED_ACTION = ["no", "yes", "local"];

export const PARAMS: ParamDef[] = [
  // networking and clients
  special("bind", "* -::*", parseBind, { multi: true }),
  int("port", 6379, 0n, 65535n),
  bool("protected-mode", "yes"),
  int("maxclients", 10000, 1n, UINT_MAX),
  int("timeout", 0, 0n, INT_MAX),
  int("tcp-keepalive", 300, 0n, INT_MAX),
  int("tcp-backlog", 511, 0n, INT_MAX, { immutable: true, inert: true }),
  strp("unixsocket", "", { immutable: true, emptyIsNull: true }),
  // Valkey's OCTAL_CONFIG: given and shown in octal (0 leaves the socket file's mode to the umask).
  strp("unixsocketperm", "0", { immutable: true, parse: parseOctalPerm }),
  // a group name (getgrnam's, from /etc/group here): the socket file's group (src/server.ts listenUnix)
  strp("unixsocketgroup", "", { immutable: true, emptyIsNull: true }),
  strp("requirepass", "", { sensitive: true, emptyIsNull: true }),
  strp("primaryauth", "", { alias: "masterauth", sensitive: true, emptyIsNull: true, inert: true }),
  strp("primaryuser", "", { alias: "masteruser", sensitive: true, emptyIsNull: true, inert: true }),
  int("databases", 16, 1n, INT_MAX, { immutable: true }),
  en("loglevel", "notice", LOGLEVELS),
  strp("logfile", "", { immutable: true }),
  bool("syslog-enabled", "no", { immutable: true, inert: true }),
  strp("syslog-ident", "valkey", { immutable: true, inert: true }),
  en("syslog-facility", "local0", ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], {
    immutable: true,
    inert: true,
  }),
  mem("proto-max-bulk-len", 512n * 1024n * 1024n, 1024n * 1024n, LONG_MAX),
  mem("client-query-buffer-limit", 1024n * 1024n * 1024n, 1024n * 1024n, LONG_MAX),
  special("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", parseObufLimits, {
    multi: true,
  }),
  mem("maxmemory-clients", 0n, -100n, LONG_MAX, { percent: true }),
  int("max-new-connections-per-cycle", 10, 1n, 1000n, { inert: true }),
  int("max-new-tls-connections-per-cycle", 1, 1n, 1000n, { inert: true }),
  int("acllog-max-len", 128, 0n, LONG_MAX),
  strp("aclfile", "", { immutable: true }),
  en("acl-pubsub-default", "resetchannels", ["allchannels", "resetchannels"]),
  en("enable-protected-configs", "no", PROTECTED_ACTION, { immutable: true }),
  // Valkey's default is "no"; a dev/test server allows DEBUG (SLEEP, SET-ACTIVE-EXPIRE, CLOCK) out of the box.
  en("enable-debug-command", "no", PROTECTED_ACTION, { immutable: true }),
  en("enable-module-command", "no", PROTECTED_ACTION, { immutable: true, inert: true }),
  bool("extended-redis-compatibility", "no"),
  strp("locale-collate", "", { inert: true }),
  strp("ignore-warnings", "", { inert: true }),
  int("io-threads", 1, 1n, 128n, { immutable: true, inert: true }),
  bool("set-proc-title", "yes", { immutable: true, inert: true }),
  strp("proc-title-template", "{title} {listen-addr} {server-mode}", { inert: true }),
  bool("daemonize", "no", { immutable: true, inert: true }),
  strp("pidfile", "", { immutable: true, inert: true, emptyIsNull: true }),
  en("supervised", "no", ["upstart", "systemd", "auto", "no"], { immutable: true, inert: true }),
  bool("always-show-logo", "no", { immutable: true, inert: true }),
  bool("disable-thp", "yes", { immutable: true, inert: true }),
  bool("crash-log-enabled", "yes", { inert: true }),
  bool("crash-memcheck-enabled", "yes", { inert: true }),
  bool("jemalloc-bg-thread", "yes", { inert: true }),
  int("socket-mark-id", 0, 0n, UINT_MAX, { immutable: true, inert: true }),
  strp("bind-source-addr", "", { emptyIsNull: true, inert: true }),
  int("shutdown-timeout", 10, 0n, INT_MAX, { inert: true }),
  en("oom-score-adj", "no", ["no", "yes", "relative", "absolute"], { same: { relative: "yes" }, inert: true }),
  special("oom-score-adj-values", "0 200 800", parseOomValues, { multi: true, inert: true }),
  special("shutdown-on-sigint", "default", parseShutdownFlags, { multi: true, inert: true }),
  special("shutdown-on-sigterm", "default", parseShutdownFlags, { multi: true, inert: true }),
  bool("hide-user-data-from-log", "yes", { inert: true }),
  // threads and CPU affinity: one server thread here, pinned nowhere
  bool("io-threads-do-reads", "yes", { immutable: true, inert: true }),
  int("events-per-io-thread", 2, 0n, INT_MAX, { inert: true }),
  int("prefetch-batch-max-size", 16, 0n, 128n, { inert: true }),
  strp("server-cpulist", "", { alias: "server_cpulist", immutable: true, emptyIsNull: true, inert: true }),
  strp("bio-cpulist", "", { alias: "bio_cpulist", immutable: true, emptyIsNull: true, inert: true }),
  strp("aof-rewrite-cpulist", "", { alias: "aof_rewrite_cpulist", immutable: true, emptyIsNull: true, inert: true }),
  strp("bgsave-cpulist", "", { alias: "bgsave_cpulist", immutable: true, emptyIsNull: true, inert: true }),
  // memory and eviction
  mem("maxmemory", 0n, 0n, ULLONG_MAX),
  en("maxmemory-policy", "noeviction", [
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
  ]),
  int("maxmemory-samples", 5, 1n, 64n),
  int("maxmemory-eviction-tenacity", 10, 0n, 100n, { inert: true }),
  int("lfu-log-factor", 10, 0n, INT_MAX),
  int("lfu-decay-time", 1, 0n, INT_MAX),
  bool("activedefrag", "no", { inert: true }),
  int("active-defrag-cycle-min", 1, 1n, 99n, { inert: true }),
  int("active-defrag-cycle-max", 25, 1n, 99n, { inert: true }),
  int("active-defrag-threshold-lower", 10, 0n, 1000n, { inert: true }),
  int("active-defrag-threshold-upper", 100, 0n, 1000n, { inert: true }),
  mem("active-defrag-ignore-bytes", 100n << 20n, 1n, LONG_MAX, { inert: true }),
  int("active-defrag-max-scan-fields", 1000, 1n, LONG_MAX, { inert: true }),
  bool("lazyfree-lazy-eviction", "no", { inert: true }),
  bool("lazyfree-lazy-expire", "no", { inert: true }),
  bool("lazyfree-lazy-server-del", "no", { inert: true }),
  bool("lazyfree-lazy-user-del", "no", { inert: true }),
  bool("lazyfree-lazy-user-flush", "no", { inert: true }),
  bool("activerehashing", "yes", { inert: true }),
  bool("dynamic-hz", "yes", { inert: true }),
  // Valkey clamps hz into 1..500 and reports the clamped value.
  int("hz", 10, 0n, INT_MAX),
  int("active-expire-effort", 1, 1n, 10n, { inert: true }),
  // events, slowlog, latency, scripts, tracking
  special("notify-keyspace-events", "", parseNotify, { show: (v) => notifyFlagsToString(parseNotifyFlags(v)!) }),
  int("slowlog-log-slower-than", 10000, -1n, LONG_MAX),
  int("slowlog-max-len", 128, 0n, LONG_MAX),
  int("latency-monitor-threshold", 0, 0n, LONG_MAX),
  bool("latency-tracking", "yes"),
  special("latency-tracking-info-percentiles", "50 99 99.9", parsePercentiles, { multi: true }),
  int("busy-reply-threshold", 5000, 0n, LONG_MAX, { alias: "lua-time-limit" }),
  int("tracking-table-max-keys", 1000000, 0n, LONG_MAX),
  // encodings: they shape only Valkey's internals; accepted, validated and reported (OBJECT ENCODING uses them)
  int("hash-max-listpack-entries", 512, 0n, LONG_MAX, { alias: "hash-max-ziplist-entries" }),
  mem("hash-max-listpack-value", 64n, 0n, LONG_MAX, { alias: "hash-max-ziplist-value" }),
  int("list-max-listpack-size", -2, INT_MIN, INT_MAX, { alias: "list-max-ziplist-size" }),
  int("list-compress-depth", 0, 0n, INT_MAX, { inert: true }),
  int("set-max-intset-entries", 512, 0n, LONG_MAX),
  int("set-max-listpack-entries", 128, 0n, LONG_MAX),
  int("set-max-listpack-value", 64, 0n, LONG_MAX),
  int("zset-max-listpack-entries", 128, 0n, LONG_MAX, { alias: "zset-max-ziplist-entries" }),
  mem("zset-max-listpack-value", 64n, 0n, LONG_MAX, { alias: "zset-max-ziplist-value" }),
  mem("hll-sparse-max-bytes", 3000n, 0n, LONG_MAX),
  mem("stream-node-max-bytes", 4096n, 0n, LONG_MAX),
  int("stream-node-max-entries", 100, 0n, LONG_MAX),
  // persistence: this server never writes; the settings are accepted and reported as off
  special("save", "", parseSave, { multi: true }),
  bool("appendonly", "no", { parse: () => "no" }),
  en("appendfsync", "everysec", ["everysec", "always", "no"], { inert: true }),
  strp("appendfilename", "appendonly.aof", { immutable: true, inert: true, parse: baseName("appendfilename") }),
  strp("appenddirname", "appendonlydir", { immutable: true, inert: true, parse: baseName("appenddirname") }),
  strp("dbfilename", "dump.rdb", { protected: true, inert: true, parse: baseName("dbfilename") }),
  special("dir", process.cwd(), parseDir, { protected: true, inert: true }),
  bool("rdbcompression", "yes", { inert: true }),
  bool("rdbchecksum", "yes", { immutable: true, inert: true }),
  bool("rdb-del-sync-files", "no", { inert: true }),
  bool("rdb-save-incremental-fsync", "yes", { inert: true }),
  bool("stop-writes-on-bgsave-error", "yes", { inert: true }),
  bool("aof-use-rdb-preamble", "yes", { inert: true }),
  bool("aof-load-truncated", "yes", { inert: true }),
  bool("aof-timestamp-enabled", "no", { inert: true }),
  bool("aof-rewrite-incremental-fsync", "yes", { inert: true }),
  bool("no-appendfsync-on-rewrite", "no", { inert: true }),
  int("auto-aof-rewrite-percentage", 100, 0n, INT_MAX, { inert: true }),
  mem("auto-aof-rewrite-min-size", 64n * 1024n * 1024n, 0n, LONG_MAX, { inert: true }),
  en("sanitize-dump-payload", "no", ["no", "yes", "clients"]),
  // replication: this server is always a primary without replicas; the settings are accepted and reported
  special("replicaof", "", parseReplicaof, { alias: "slaveof", immutable: true, multi: true }),
  bool("replica-read-only", "yes", { alias: "slave-read-only", inert: true }),
  bool("replica-serve-stale-data", "yes", { alias: "slave-serve-stale-data", inert: true }),
  bool("replica-lazy-flush", "no", { alias: "slave-lazy-flush", inert: true }),
  bool("replica-ignore-maxmemory", "yes", { alias: "slave-ignore-maxmemory", inert: true }),
  bool("replica-announced", "yes", { inert: true }),
  int("replica-priority", 100, 0n, INT_MAX, { alias: "slave-priority", inert: true }),
  strp("replica-announce-ip", "", { alias: "slave-announce-ip", emptyIsNull: true, inert: true }),
  int("replica-announce-port", 0, 0n, 65535n, { alias: "slave-announce-port", inert: true }),
  mem("repl-backlog-size", 1024n * 1024n, 1n, LONG_MAX, { inert: true }),
  int("repl-backlog-ttl", 3600, 0n, LONG_MAX, { inert: true }),
  int("repl-timeout", 60, 1n, INT_MAX, { inert: true }),
  int("repl-ping-replica-period", 10, 1n, INT_MAX, { alias: "repl-ping-slave-period", inert: true }),
  bool("repl-diskless-sync", "yes", { inert: true }),
  int("repl-diskless-sync-delay", 5, 0n, INT_MAX, { inert: true }),
  int("repl-diskless-sync-max-replicas", 0, 0n, INT_MAX, { inert: true }),
  en("repl-diskless-load", "disabled", ["disabled", "on-empty-db", "swapdb"], { inert: true }),
  bool("repl-disable-tcp-nodelay", "no", { inert: true }),
  int("min-replicas-to-write", 0, 0n, INT_MAX, { alias: "min-slaves-to-write" }),
  int("min-replicas-max-lag", 10, 0n, INT_MAX, { alias: "min-slaves-max-lag" }),
  en("propagation-error-behavior", "ignore", ["ignore", "panic", "panic-on-replicas"], { inert: true }),
  bool("replica-ignore-disk-write-errors", "no", { inert: true }),
  bool("dual-channel-replication-enabled", "no", { inert: true }),
  bool("cluster-enabled", "no", { immutable: true }),
  strp("availability-zone", ""),
  // Valkey 8.0's hidden (testing and debugging) configs: CONFIG GET shows them by exact name only.
  int("key-load-delay", 0, INT_MIN, INT_MAX, { hidden: true, inert: true }),
  int("loading-process-events-interval-bytes", 2097152, 1024n, INT_MAX, { hidden: true, inert: true }),
  int("rdb-key-save-delay", 0, INT_MIN, INT_MAX, { hidden: true, inert: true }),
  bool("aof-disable-auto-gc", "no", { hidden: true, inert: true }),
  int("cluster-ping-interval", 0, 0n, INT_MAX, { hidden: true, inert: true }),
  strp("debug-context", "", { hidden: true, inert: true }),
  bool("enable-debug-assert", "no", { hidden: true, immutable: true, inert: true }),
  bool("use-exit-on-panic", "no", { hidden: true, immutable: true, inert: true }),
  int("watchdog-period", 0, 0n, INT_MAX, { hidden: true, inert: true }),
  // cluster mode (--cluster-size N, src/cluster/): what addresses the nodes report, and the settings a
  // docker-compose recipe passes that have nothing to shape here (no bus, no failover, no nodes.conf)
  strp("cluster-announce-ip", "", { emptyIsNull: true }),
  strp("cluster-announce-hostname", "", { emptyIsNull: true }),
  en("cluster-preferred-endpoint-type", "ip", ["ip", "hostname", "unknown-endpoint"]),
  strp("cluster-config-file", "nodes.conf", { immutable: true, inert: true }),
  int("cluster-node-timeout", 15000, 0n, LONG_MAX, { inert: true }),
  int("cluster-port", 0, 0n, 65535n, { immutable: true, inert: true }),
  int("cluster-announce-port", 0, 0n, 65535n, { inert: true }),
  int("cluster-announce-bus-port", 0, 0n, 65535n, { inert: true }),
  bool("cluster-require-full-coverage", "yes", { inert: true }),
  bool("cluster-allow-reads-when-down", "no", { inert: true }),
  bool("cluster-allow-pubsubshard-when-down", "yes", { inert: true }),
  bool("cluster-allow-replica-migration", "yes", { inert: true }),
  int("cluster-migration-barrier", 1, 0n, INT_MAX, { inert: true }),
  bool("cluster-replica-no-failover", "no", { alias: "cluster-slave-no-failover", inert: true }),
  int("cluster-replica-validity-factor", 10, 0n, INT_MAX, { alias: "cluster-slave-validity-factor", inert: true }),
  int("cluster-blacklist-ttl", 60, LONG_MIN, LONG_MAX, { inert: true }),
  mem("cluster-link-sendbuf-limit", 0n, 0n, LONG_MAX, { inert: true }),
  int("cluster-announce-tls-port", 0, 0n, 65535n, { inert: true }),
  strp("cluster-announce-client-ipv4", "", { emptyIsNull: true, inert: true }),
  strp("cluster-announce-client-ipv6", "", { emptyIsNull: true, inert: true }),
  strp("cluster-announce-human-nodename", "", { emptyIsNull: true, inert: true }),
  // Valkey 8.0 counts CPU time and network bytes per slot for CLUSTER SLOT-STATS with this on; here SLOT-STATS
  // reports key-count only, on or off
  bool("cluster-slot-stats-enabled", "no", { inert: true }),
];

const byName = new Map<string, ParamDef>();
for (const p of PARAMS) {
  byName.set(p.name, p);
  if (p.alias) byName.set(p.alias, p);
}

export function findParam(name: string): ParamDef | undefined {
  return byName.get(name.toLowerCase());
}

/** Every name CONFIG GET patterns match against: canonical names and aliases (as Valkey's config dict). */
export function allParamNames(): Array<[string, ParamDef]> {
  const out: Array<[string, ParamDef]> = [];
  for (const p of PARAMS) {
    if (p.hidden) continue;
    out.push([p.name, p]);
    if (p.alias) out.push([p.alias, p]);
  }
  return out;
}

/**
 * Validate one value for a parameter. Returns the canonical stored form (what CONFIG GET shows), or throws
 * ConfigError with Valkey's reason text. `current` is the value being replaced (partial updates).
 */
export function validateParam(p: ParamDef, raw: string, current = p.default): string {
  switch (p.kind) {
    case "bool": {
      const v = raw.toLowerCase();
      if (v !== "yes" && v !== "no") throw new ConfigError("argument must be 'yes' or 'no'");
      return p.parse ? p.parse(v, current) : v;
    }
    case "int": {
      const n = parseI64Big(raw);
      if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
      if (n < p.min! || n > p.max!) throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      if (p.name === "hz") return String(n < 1n ? 1n : n > 500n ? 500n : n);
      return String(n);
    }
    case "memory": {
      let n = parseMemoryBig(raw);
      if (n === null && p.percent && raw.length > 1 && raw.endsWith("%")) {
        const pc = parseI64Big(raw.slice(0, -1));
        if (pc !== null && pc >= 0n) {
          if (-pc < p.min!) throw new ConfigError(`percentage argument must be less or equal to ${-p.min!}`);
          return `${pc}%`;
        }
      }
      if (n === null) throw new ConfigError(p.percent ? "argument must be a memory or percent value" : "argument must be a memory value");
      if (n < p.min! || n > p.max!) throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return String(n);
    }
    case "enum": {
      const v = raw.toLowerCase();
      if (!p.values!.includes(v)) throw notOneOf(p.values!);
      return p.same?.[v] ?? v;
    }
    default:
      return p.parse ? p.parse(raw, current) : raw;
  }
}

/** Quote a string the way Valkey's sdscatrepr does (CONFIG REWRITE string values). */
export function repr(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, "utf8")) {
    if (ch === 92) out += "\\\\";
    else if (ch === 34) out += '\\"';
    else if (ch === 10) out += "\\n";
    else if (ch === 13) out += "\\r";
    else if (ch === 9) out += "\\t";
    else if (ch === 7) out += "\\a";
    else if (ch === 8) out += "\\b";
    else if (ch < 32 || ch > 126) out += "\\x" + ch.toString(16).padStart(2, "0");
    else out += String.fromCharCode(ch);
  }
  return out + '"';
}

/**
 * The config-file lines CONFIG REWRITE writes for a parameter's current value, and whether they must be written
 * even when the option is not in the file yet (Valkey writes values that differ from the default).
 * `lines: null` means "drop the option from the file".
 */
export function rewriteLines(p: ParamDef, stored: string): { lines: string[] | null; force: boolean } {
  const value = shownValue(p, stored);
  const force = value !== p.default;
  switch (p.name) {
    case "save":
      return { lines: [value === "" ? 'save ""' : `save ${value}`], force: true };
    case "dir":
      return { lines: [`dir ${repr(value)}`], force: true };
    case "bind":
      return value === p.default ? { lines: null, force: false } : { lines: [`bind ${value || '""'}`], force: true };
    case "replicaof":
      return value === "" ? { lines: null, force: false } : { lines: [`replicaof ${value}`], force: true };
    case "notify-keyspace-events":
      return { lines: [`notify-keyspace-events ${repr(value)}`], force: value !== "" };
    case "latency-tracking-info-percentiles":
      return { lines: [`latency-tracking-info-percentiles ${value === "" ? '""' : value}`], force: true };
    case "client-output-buffer-limit": {
      const w = value.split(" ");
      const d = p.default.split(" ");
      const lines: string[] = [];
      let any = false;
      for (let i = 0; i < w.length; i += 4) {
        if (w.slice(i, i + 4).join(" ") !== d.slice(i, i + 4).join(" ")) any = true;
        const cls = w[i] === "slave" ? "replica" : w[i];
        lines.push(`client-output-buffer-limit ${cls} ${formatMemory(BigInt(w[i + 1]!))} ${formatMemory(BigInt(w[i + 2]!))} ${w[i + 3]}`);
      }
      return { lines, force: any };
    }
  }
  switch (p.kind) {
    case "memory":
      return { lines: [`${p.name} ${value.endsWith("%") ? value : formatMemory(BigInt(value))}`], force };
    case "string":
      if (p.emptyIsNull && value === "") return { lines: null, force: false };
      return { lines: [`${p.name} ${repr(value)}`], force };
    default:
      return { lines: [`${p.name} ${value}`], force };
  }
}

const REWRITE_SIGNATURE = "# Generated by CONFIG REWRITE";

/**
 * Valkey's rewrite algorithm: keep comments and unknown lines, reuse each option's existing lines for its
 * current value, blank leftover lines of options it rewrote, append options that differ from their default
 * after a signature comment, and squeeze runs of empty lines.
 */
export function rewriteConfigText(file: string, params: Map<string, string>, users: string[] | null = null): string {
  let old = "";
  try {
    old = fs().readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const lines: string[] = [];
  const optionLines = new Map<string, number[]>();
  let needsSignature = true;
  if (old !== "") {
    for (const raw of old.split("\n")) {
      const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, "");
      if (line === "" || line.startsWith("#")) {
        if (line === REWRITE_SIGNATURE) needsSignature = false;
        lines.push(line);
        continue;
      }
      const b = Buffer.from(line, "utf8");
      const args = splitArgs(b, 0, b.length);
      // `user` lines are ACL users (Valkey's rewriteConfigUserOption): replaced by the users given, if any.
      if (users !== null && args && args.length > 0 && args[0]!.toString("utf8").toLowerCase() === "user") {
        lines.push(line);
        optionLines.set("user", [...(optionLines.get("user") ?? []), lines.length - 1]);
        continue;
      }
      // include and rename-command lines stay as they are (Valkey's rewrite keeps them, and loadmodule lines)
      const directive = args && args.length > 0 ? args[0]!.toString("utf8").toLowerCase() : "";
      if ((directive === "include" && args!.length === 2) || (directive === "rename-command" && args!.length === 3)) {
        lines.push(line);
        continue;
      }
      const p = args && args.length > 0 ? findParam(args[0]!.toString("utf8")) : undefined;
      if (!p) {
        lines.push(`# ??? ${line}`);
        continue;
      }
      lines.push(line);
      const at = optionLines.get(p.name) ?? [];
      at.push(lines.length - 1);
      optionLines.set(p.name, at);
    }
  }
  const processed = new Set<string>();
  const put = (name: string, line: string, force: boolean): void => {
    processed.add(name);
    const at = optionLines.get(name);
    if (at && at.length > 0) {
      lines[at.shift()!] = line;
      return;
    }
    if (!force) return;
    if (needsSignature) {
      lines.push(REWRITE_SIGNATURE);
      needsSignature = false;
    }
    lines.push(line);
  };
  for (const [name, value] of params) {
    const p = findParam(name)!;
    const { lines: out, force } = rewriteLines(p, value);
    processed.add(name);
    if (out === null) continue;
    for (const l of out) put(name, l, force);
  }
  if (users !== null) for (const l of users) put("user", l, true);
  processed.add("user");
  // Leftover lines of options that were rewritten are orphans: blank them.
  for (const [name, at] of optionLines) if (processed.has(name)) for (const i of at) lines[i] = "";
  let text = "";
  let wasEmpty = false;
  for (const l of lines) {
    if (l === "") {
      if (wasEmpty) continue;
      wasEmpty = true;
    } else wasEmpty = false;
    text += l + "\n";
  }
  return text;
}

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  let mode: number | undefined;
  try {
    mode = fs().statSync(file).mode & 0o777;
  } catch {
    mode = undefined;
  }
  fs().writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  fs().renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------------------
// Config sources

export interface Config {
  /** Every parameter's canonical value, by canonical name. */
  params: Map<string, string>;
  /** Absolute path of the config file the server was started with (CONFIG REWRITE target), if any. */
  configFile: string | null;
  /** Expose the test clock over the protocol (DEBUG CLOCK ...). Off by default. */
  testClock: boolean;
  /** Persistence directives seen at startup (warned about once). */
  persistenceDirectives: string[];
  /** ACL users from `user` lines / --user flags and VALKEY_USERS: [name, ...rules] each (src/acl/state.ts). */
  users?: string[][];
  /** Cluster mode (src/cluster/): shard count (0 = standalone) and the first shard's port when not `port`. */
  cluster?: { size: number; portBase: number | null };
  /** `rename-command old new` lines, in order: [old, new ("" removes it), where (file:line)] (commands/index.ts). */
  renames?: Array<[string, string, string]>;
}

/** VALKEY_CLUSTER_SIZE / --cluster-size: shards of a cluster started together (0 = standalone). */
export const CLUSTER_SIZE_MAX = 64;

/**
 * A cluster setting checked with zod/mini. zod is required here only when such a setting is given: importing it
 * on every start cost ~20 ms of Bun's CPU time to first PONG (see envStrings below).
 */
function clusterNumber(raw: string, source: string, max: number, what: string): number {
  const z = createRequire(import.meta.url)("zod/mini") as typeof import("zod/mini");
  const schema = z.string().check(
    z.regex(/^(0|[1-9][0-9]*)$/),
    z.refine((s) => Number(s) <= max),
  );
  if (!z.safeParse(schema, raw).success) throw new ConfigError(`invalid ${source}: '${raw}' — ${what}`);
  return Number(raw);
}

/** Typed accessors for the settings the core reads. */
export const cfg = {
  port: (c: Config) => Number(c.params.get("port")),
  bind: (c: Config) => c.params.get("bind")!,
  password: (c: Config) => c.params.get("requirepass") || null,
  databases: (c: Config) => Number(c.params.get("databases")),
  maxclients: (c: Config) => Number(c.params.get("maxclients")),
  loglevel: (c: Config) => c.params.get("loglevel") as LogLevel,
  protectedMode: (c: Config) => c.params.get("protected-mode") === "yes",
  unixsocket: (c: Config) => c.params.get("unixsocket") || null,
  unixsocketperm: (c: Config) => parseInt(c.params.get("unixsocketperm") ?? "0", 8),
  unixsocketgroup: (c: Config) => c.params.get("unixsocketgroup") || null,
};

/** VALKEY_* environment variables and the parameter each sets. */
export const ENV_VARS: Array<{ env: string; param: string; meaning: string }> = [
  { env: "VALKEY_HOST", param: "bind", meaning: "address(es) to listen on (default 0.0.0.0 and ::, like Valkey's `bind * -::*`)" },
  { env: "VALKEY_PORT", param: "port", meaning: "TCP port (0 picks a free port)" },
  { env: "VALKEY_PASSWORD", param: "requirepass", meaning: "password for the default user (empty = no AUTH)" },
  { env: "VALKEY_DBCOUNT", param: "databases", meaning: "number of logical databases for SELECT" },
  { env: "VALKEY_MAXCLIENTS", param: "maxclients", meaning: "maximum simultaneous client connections" },
  { env: "VALKEY_LOGLEVEL", param: "loglevel", meaning: "debug | verbose | notice | warning | nothing" },
];

/**
 * The VALKEY_* variables as strings. Not a zod schema: the only rule is "a string or absent" (each value's real
 * checks are its parameter's, in validateParam), and loading zod/mini was 40% of Bun's CPU time to first PONG
 * (50 -> 30 ms; Bun runs src/ unbundled, so `export * as locales` loads every locale). zod stays where the
 * shapes are real (the stack manifest).
 */
function envStrings(all: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const { env } of ENV_VARS) {
    const v = all[env];
    if (v !== undefined && typeof v !== "string") throw new ConfigError(`invalid ${env}: expected a string, got ${typeof v}`);
    out[env] = v;
  }
  return out;
}

const PERSISTENCE = new Set(["save", "appendonly", "appendfsync", "dbfilename", "dir", "appendfilename"]);

export interface LoadOptions {
  argv?: string[];
  env?: Record<string, string | undefined>;
  /** Load `.env` from cwd with dotenv (the CLI does; the in-process API does not). */
  dotenv?: boolean;
  /** Names of the variables in `env` that came from a .env file (see envfile.ts), for messages. */
  envFile?: ReadonlySet<string>;
  /** Direct overrides (in-process API), highest priority. */
  overrides?: Record<string, string | number | boolean>;
}

/** Parse redis-server style flags: `[config-file] --name value [value...] ...` into [name, value] pairs. */
export function parseFlags(
  argv: string[],
  problems?: string[],
): {
  file: string | null;
  pairs: Array<[string, string]>;
  testClock: boolean;
  users: string[][];
  cluster: { "cluster-size"?: string; "cluster-port-base"?: string };
  renames: Array<[string, string, string]>;
} {
  const cluster: { "cluster-size"?: string; "cluster-port-base"?: string } = {};
  const pairs: Array<[string, string]> = [];
  const users: string[][] = [];
  let file: string | null = null;
  let testClock = false;
  const renames: Array<[string, string, string]> = [];
  const report = (problem: string) => {
    if (!problems) throw new ConfigError(problem);
    problems.push(problem);
  };
  let i = 0;
  if (argv.length > 0 && !argv[0]!.startsWith("-")) file = argv[i++]!;
  while (i < argv.length) {
    const a = argv[i++]!;
    if (!a.startsWith("--")) throw new ConfigError(`unexpected argument '${a}' (flags look like --port 6380)`);
    let name = a.slice(2);
    let value: string[] = [];
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = [name.slice(eq + 1)];
      name = name.slice(0, eq);
    } else while (i < argv.length && !argv[i]!.startsWith("--")) value.push(argv[i++]!);
    if (name === "test-clock") {
      testClock = value.length === 0 || value[0] === "yes";
      continue;
    }
    if (name === "user") {
      // redis-server joins a flag's words into one config line: --user "app on >secret ~app:* +@all"
      users.push(value.join(" ").split(" ").filter((w) => w !== ""));
      continue;
    }
    if (name === "rename-command") {
      // as a config line after the file's, like every flag: --rename-command FLUSHALL ""
      if (value.length !== 2) report("flag --rename-command needs two values: the command and its new name");
      else renames.push([value[0]!, value[1]!, "--rename-command"]);
      continue;
    }
    if (name === "cluster-size" || name === "cluster-port-base") {
      if (value.length !== 1) report(`flag --${name} needs one value`);
      else cluster[name] = value[0]!;
      continue;
    }
    const p = findParam(name);
    const problem = !p ? `unknown flag --${name}` : value.length === 0 && p.kind !== "bool" && p.name !== "save" ? `flag --${name} needs a value` : null;
    if (problem !== null) {
      report(problem);
      continue;
    }
    if (value.length === 0) value = [p!.kind === "bool" ? "yes" : ""];
    pairs.push([p!.name, value.join(" ")]);
  }
  return { file, pairs, testClock, users, cluster, renames };
}

/** Parse a redis.conf file into [name, value] pairs (Valkey's line grammar: quotes, escapes, comments). */
export function parseConfFile(
  path: string,
  problems?: string[],
  where?: string[],
  users: string[][] = [],
  depth = 0,
  renames: Array<[string, string, string]> = [],
): Array<[string, string]> {
  let text: string;
  try {
    text = fs().readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file '${path}': ${(e as Error).message}`);
  }
  const pairs: Array<[string, string]> = [];
  text.split("\n").forEach((line, n) => {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) return;
    const b = Buffer.from(t, "utf8");
    const args = splitArgs(b, 0, b.length)?.map((x) => x.toString("utf8"));
    const fail = (why: string) => {
      if (!problems) throw new ConfigError(`${path}:${n + 1}: ${why}`);
      problems.push(`${path}:${n + 1}: ${why}`);
    };
    if (!args) return fail("Unbalanced quotes in configuration line");
    if (args.length === 0) return;
    const directive = args[0]!.toLowerCase();
    if (directive === "user") {
      if (args.length < 2) return fail("Bad directive or wrong number of arguments: 'user'");
      users.push(args.slice(1));
      return;
    }
    if (directive === "rename-command" && args.length === 3) {
      // checked against the command table when the server is made (src/commands/index.ts buildRenames)
      renames.push([args[1]!, args[2]!, `${path}:${n + 1}`]);
      return;
    }
    if (directive === "include" && args.length === 2) {
      // Valkey reads an included file's lines in place; a pattern (* ? [) takes its matches in name order and
      // may match none (an empty conf.d), a plain path must exist. Nothing stops a loop in Valkey; 16 deep does here.
      if (depth >= 16) return fail(`include nested more than 16 deep: '${args[1]}'`);
      for (const file of includedFiles(args[1]!)) {
        try {
          pairs.push(...parseConfFile(file, problems, where, users, depth + 1, renames));
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          fail(e.message);
        }
      }
      return;
    }
    const p = findParam(args[0]!);
    if (!p) return fail(`Bad directive or wrong number of arguments: '${args[0]}'`);
    if (!p.multi && args.length !== 2) return fail(`wrong number of arguments for '${args[0]}'`);
    pairs.push([p.name, args.slice(1).join(" ")]);
    where?.push(`${path}:${n + 1}`);
  });
  return pairs;
}

/** The files an `include` names: the path itself, or with a wildcard in it, glob(3)'s matches in sorted order
 *  (a wildcard may stand in any path component; names starting with a dot match only a pattern that does). */
function includedFiles(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const { readdirSync, statSync } = fs();
  let found = [pattern.startsWith("/") ? "/" : ""];
  for (const part of pattern.split("/").filter((x) => x !== "")) {
    const next: string[] = [];
    for (const dir of found) {
      const join = (name: string) => (dir === "" ? name : dir.endsWith("/") ? dir + name : `${dir}/${name}`);
      if (!/[*?[]/.test(part)) {
        next.push(join(part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir === "" ? "." : dir);
      } catch {
        continue;
      }
      for (const name of names) if ((name[0] !== "." || part[0] === ".") && globMatch(part, name)) next.push(join(name));
    }
    found = next;
  }
  return found
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * Build the Config. Throws one ConfigError listing every problem, one line each, naming where the value came from:
 * the environment (`VALKEY_PORT`), `.env` (names in `opts.envFile`), a flag (`--port`), a config file line.
 * A VALKEY_* variable that a flag or the config file overrides is not read at all.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const envAll = opts.env ?? process.env;
  const env = envStrings(envAll);
  const params = new Map<string, string>();
  // Defaults in canonical form too ("512mb" -> "536870912"), as CONFIG GET shows them and the core reads them.
  for (const p of PARAMS) params.set(p.name, p.kind === "memory" ? String(parseMemory(p.default)) : p.default);
  const persistence: string[] = [];
  const problems: string[] = [];
  const apply = (p: ParamDef, raw: string, source: string) => {
    try {
      params.set(p.name, validateParam(p, raw, params.get(p.name)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(`invalid ${source}: '${raw}' — ${e.message}`);
    }
  };
  const { file, pairs, testClock, users: flagUsers, cluster, renames: flagRenames } = parseFlags(opts.argv ?? [], problems);
  const where: string[] = [];
  const users: string[][] = [];
  const renames: Array<[string, string, string]> = [];
  const fromFile = file ? parseConfFile(file, problems, where, users, 0, renames) : [];
  renames.push(...flagRenames);
  const overridden = new Set([...fromFile, ...pairs].map(([name]) => name));
  for (const name of Object.keys(opts.overrides ?? {})) overridden.add(findParam(name)?.name ?? name);
  for (const v of ENV_VARS) {
    const raw = env[v.env];
    if (raw === undefined || raw === "" || overridden.has(v.param)) continue;
    let value = raw;
    if (v.env === "VALKEY_HOST") value = raw.replace(/,/g, " ");
    apply(findParam(v.param)!, value, opts.envFile?.has(v.env) ? `${v.env} in .env` : v.env);
  }
  users.push(...flagUsers, ...parseUserList(envAll.VALKEY_USERS ?? ""));
  const all = [...fromFile.map(([n, val], i) => [n, val, `'${n}' at ${where[i]}`]), ...pairs.map(([n, val]) => [n, val, `--${n}`])];
  for (const [name, value, source] of all) {
    const p = findParam(name!)!;
    if (PERSISTENCE.has(p.name)) persistence.push(value === "" ? `${p.name} ""` : `${p.name} ${value}`);
    apply(p, value!, source!);
  }
  for (const [name, value] of Object.entries(opts.overrides ?? {})) {
    const p = findParam(name);
    if (!p) {
      problems.push(`unknown option '${name}'`);
      continue;
    }
    apply(p, typeof value === "boolean" ? (value ? "yes" : "no") : String(value), `option ${name}`);
  }
  let size = 0;
  let portBase: number | null = null;
  try {
    const sizeRaw = cluster["cluster-size"] ?? envAll.VALKEY_CLUSTER_SIZE;
    const sizeSource = cluster["cluster-size"] !== undefined ? "--cluster-size" : "VALKEY_CLUSTER_SIZE";
    size = sizeRaw === undefined || sizeRaw === "" ? 0 : clusterNumber(sizeRaw, sizeSource, CLUSTER_SIZE_MAX, `must be a whole number from 0 (standalone) to ${CLUSTER_SIZE_MAX}`);
    const baseRaw = cluster["cluster-port-base"];
    portBase = baseRaw === undefined ? null : clusterNumber(baseRaw, "--cluster-port-base", 65535, "must be a port number from 0 to 65535");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(e.message);
  }
  if (size === 0 && params.get("cluster-enabled") === "yes") {
    problems.push("cluster-enabled yes: a lone node cannot join a cluster here; start a whole cluster with --cluster-size N (or VALKEY_CLUSTER_SIZE)");
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return {
    params,
    configFile: file ? builtin("node:path").resolve(file) : null,
    testClock,
    persistenceDirectives: persistence,
    users,
    cluster: { size, portBase },
    ...(renames.length > 0 ? { renames } : {}),
  };
}
