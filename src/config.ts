// One Config from three sources, highest first: CLI flags (redis-server style, or a redis.conf path),
// VALKEY_* environment (a .env file is loaded with dotenv; the real environment wins), embedded defaults.
// Every setting is a Valkey config parameter: the same table answers CONFIG GET/SET and validates flags.

import { readFileSync } from "node:fs";
import * as z from "zod"; // namespace import: the named `z` export is undefined under vitest on Bun

export type LogLevel = "debug" | "verbose" | "notice" | "warning" | "nothing";

export class ConfigError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Parameter table

type Kind = "bool" | "int" | "memory" | "enum" | "string" | "special";

export interface ParamDef {
  name: string;
  kind: Kind;
  default: string;
  alias?: string;
  min?: number;
  max?: number;
  /** enum values */
  values?: string[];
  /** Can only be set at startup (CONFIG SET refuses). */
  immutable?: boolean;
  /** Accepted and reported, but shapes nothing in an in-memory server. */
  inert?: boolean;
  /** Extra validation for special/string kinds: return an error text or null. */
  check?: (v: string) => string | null;
  /** Canonical form for CONFIG GET. */
  normalize?: (v: string) => string;
  /** Multi-argument parameters (save, client-output-buffer-limit) take the rest of the line. */
  multi?: boolean;
}

const MEM_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

/** Valkey's memtoull: "100mb", "1gb", "512" -> bytes; null when malformed. */
export function parseMemory(v: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(v.trim());
  if (!m) return null;
  const unit = MEM_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : null;
}

const bool = (name: string, def: "yes" | "no", extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "bool",
  default: def,
  ...extra,
});
const int = (name: string, def: number, min: number, max: number, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "int",
  default: String(def),
  min,
  max,
  ...extra,
});
const mem = (name: string, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "memory",
  default: def,
  min: 0,
  ...extra,
});
const en = (name: string, def: string, values: string[], extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "enum",
  default: def,
  values,
  ...extra,
});
const strp = (name: string, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind: "string",
  default: def,
  ...extra,
});

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const PARAMS: ParamDef[] = [
  // networking and clients
  strp("bind", "* -::*", { immutable: false }),
  int("port", 6379, 0, 65535, { immutable: true }),
  bool("protected-mode", "yes"),
  int("maxclients", 10000, 1, INT_MAX),
  int("timeout", 0, 0, INT_MAX),
  int("tcp-keepalive", 300, 0, INT_MAX),
  int("tcp-backlog", 511, 0, INT_MAX, { immutable: true, inert: true }),
  strp("requirepass", ""),
  int("databases", 16, 1, INT_MAX, { immutable: true }),
  en("loglevel", "notice", ["debug", "verbose", "notice", "warning", "nothing"]),
  strp("logfile", "", { immutable: true }),
  strp("unixsocket", "", { immutable: true, inert: true }),
  mem("proto-max-bulk-len", "512mb", { min: 1024 * 1024 }),
  mem("client-query-buffer-limit", "1gb", { min: 1024 * 1024 }),
  {
    name: "client-output-buffer-limit",
    kind: "special",
    default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    multi: true,
  },
  // memory
  mem("maxmemory", "0"),
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
  int("maxmemory-samples", 5, 1, 64, { inert: true }),
  int("lfu-log-factor", 10, 0, INT_MAX, { inert: true }),
  int("lfu-decay-time", 1, 0, INT_MAX, { inert: true }),
  // events, slowlog, scripts
  { name: "notify-keyspace-events", kind: "special", default: "" },
  int("slowlog-log-slower-than", 10000, -1, LONG_MAX),
  int("slowlog-max-len", 128, 0, LONG_MAX),
  int("latency-monitor-threshold", 0, 0, LONG_MAX),
  int("busy-reply-threshold", 5000, 0, LONG_MAX, { alias: "lua-time-limit" }),
  int("hz", 10, 0, INT_MAX),
  bool("dynamic-hz", "yes", { inert: true }),
  bool("activerehashing", "yes", { inert: true }),
  bool("lazyfree-lazy-eviction", "no", { inert: true }),
  bool("lazyfree-lazy-expire", "no", { inert: true }),
  bool("lazyfree-lazy-server-del", "no", { inert: true }),
  bool("lazyfree-lazy-user-del", "no", { inert: true }),
  bool("lazyfree-lazy-user-flush", "no", { inert: true }),
  int("active-expire-effort", 1, 1, 10, { inert: true }),
  // encodings: they shape only Valkey's internals; accepted, validated and reported (OBJECT ENCODING uses them)
  int("hash-max-listpack-entries", 128, 0, LONG_MAX, { alias: "hash-max-ziplist-entries" }),
  int("hash-max-listpack-value", 64, 0, LONG_MAX, { alias: "hash-max-ziplist-value" }),
  int("list-max-listpack-size", -2, -5, INT_MAX, { alias: "list-max-ziplist-size" }),
  int("list-compress-depth", 0, 0, INT_MAX, { inert: true }),
  int("set-max-intset-entries", 512, 0, LONG_MAX),
  int("set-max-listpack-entries", 128, 0, LONG_MAX),
  int("set-max-listpack-value", 64, 0, LONG_MAX),
  int("zset-max-listpack-entries", 128, 0, LONG_MAX, { alias: "zset-max-ziplist-entries" }),
  int("zset-max-listpack-value", 64, 0, LONG_MAX, { alias: "zset-max-ziplist-value" }),
  int("hll-sparse-max-bytes", 3000, 0, LONG_MAX),
  int("stream-node-max-bytes", 4096, 0, LONG_MAX, { inert: true }),
  int("stream-node-max-entries", 100, 0, LONG_MAX, { inert: true }),
  // persistence: this server never writes; the settings are accepted and reported as off
  {
    name: "save",
    kind: "special",
    default: "",
    multi: true,
    check: (v) => (/^(\s*\d+\s+\d+)*\s*$/.test(v) ? null : "Invalid save parameters"),
  },
  bool("appendonly", "no"),
  en("appendfsync", "everysec", ["always", "everysec", "no"], { inert: true }),
  strp("appendfilename", "appendonly.aof", { immutable: true, inert: true }),
  strp("appenddirname", "appendonlydir", { immutable: true, inert: true }),
  strp("dbfilename", "dump.rdb", { inert: true }),
  strp("dir", process.cwd(), { inert: true }),
  bool("rdbcompression", "yes", { inert: true }),
  bool("rdbchecksum", "yes", { inert: true }),
  bool("stop-writes-on-bgsave-error", "yes", { inert: true }),
  // misc
  bool("daemonize", "no", { immutable: true, inert: true }),
  strp("pidfile", "", { immutable: true, inert: true }),
  en("supervised", "no", ["upstart", "systemd", "auto", "no"], { immutable: true, inert: true }),
  bool("always-show-logo", "no", { immutable: true, inert: true }),
  en("enable-debug-command", "yes", ["no", "yes", "local"], { immutable: true }),
  bool("latency-tracking", "yes", { inert: true }),
  strp("replica-announce-ip", "", { inert: true }),
  bool("replica-read-only", "yes", { alias: "slave-read-only", inert: true }),
  bool("cluster-enabled", "no", { immutable: true }),
  int("io-threads", 1, 1, 128, { immutable: true, inert: true }),
  bool("extended-redis-compatibility", "no"),
];

const byName = new Map<string, ParamDef>();
for (const p of PARAMS) {
  byName.set(p.name, p);
  if (p.alias) byName.set(p.alias, p);
}

export function findParam(name: string): ParamDef | undefined {
  return byName.get(name.toLowerCase());
}

/** Validate one value for a parameter. Returns the canonical stored form, or throws ConfigError(reason). */
export function validateParam(p: ParamDef, raw: string): string {
  switch (p.kind) {
    case "bool": {
      const v = raw.toLowerCase();
      if (v !== "yes" && v !== "no") throw new ConfigError("argument must be 'yes' or 'no'");
      return v;
    }
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError("argument couldn't be parsed into an integer");
      const n = Number(raw);
      if (n < p.min! || n > p.max!) throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return String(n);
    }
    case "memory": {
      const n = parseMemory(raw);
      if (n === null) throw new ConfigError("argument must be a memory value");
      if (n < (p.min ?? 0)) throw new ConfigError(`argument must be between ${p.min} and ${LONG_MAX} inclusive`);
      return String(n);
    }
    case "enum": {
      const v = raw.toLowerCase();
      if (!p.values!.includes(v)) throw new ConfigError(`argument(s) must be one of the following: ${p.values!.join(", ")}`);
      return v;
    }
    default: {
      const e = p.check?.(raw);
      if (e) throw new ConfigError(e);
      return p.normalize ? p.normalize(raw) : raw;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Config sources

export interface Config {
  /** Every parameter's canonical value, by canonical name. */
  params: Map<string, string>;
  /** redis.conf path the server was started with (CONFIG REWRITE target), if any. */
  configFile: string | null;
  /** Expose the test clock over the protocol (DEBUG CLOCK ...). Off by default. */
  testClock: boolean;
  /** Persistence directives seen at startup (warned about once). */
  persistenceDirectives: string[];
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

const envSchema = z.object(
  Object.fromEntries(ENV_VARS.map((v) => [v.env, z.string().optional()])) as Record<string, z.ZodOptional<z.ZodString>>,
);

const PERSISTENCE = new Set(["save", "appendonly", "appendfsync", "dbfilename", "dir", "appendfilename"]);

export interface LoadOptions {
  argv?: string[];
  env?: Record<string, string | undefined>;
  /** Load `.env` from cwd with dotenv (the CLI does; the in-process API does not). */
  dotenv?: boolean;
  /** Direct overrides (in-process API), highest priority. */
  overrides?: Record<string, string | number | boolean>;
}

/** Parse redis-server style flags: `[config-file] --name value [value...] ...` into [name, value] pairs. */
export function parseFlags(argv: string[]): { file: string | null; pairs: Array<[string, string]>; testClock: boolean } {
  const pairs: Array<[string, string]> = [];
  let file: string | null = null;
  let testClock = false;
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
    const p = findParam(name);
    if (!p) throw new ConfigError(`unknown flag --${name}`);
    if (value.length === 0) {
      if (p.kind === "bool") value = ["yes"];
      else if (p.name === "save") value = [""];
      else throw new ConfigError(`flag --${name} needs a value`);
    }
    pairs.push([p.name, value.join(" ")]);
  }
  return { file, pairs, testClock };
}

/** Parse a redis.conf file into [name, value] pairs. */
export function parseConfFile(path: string): Array<[string, string]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file '${path}': ${(e as Error).message}`);
  }
  const pairs: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) return;
    const m = /^(\S+)\s*(.*)$/.exec(t)!;
    const name = m[1]!.toLowerCase();
    const p = findParam(name);
    if (!p) throw new ConfigError(`${path}:${n + 1}: unknown directive '${m[1]}'`);
    let v = m[2]!.trim();
    if (/^".*"$/.test(v) || /^'.*'$/.test(v)) v = v.slice(1, -1);
    pairs.push([p.name, v]);
  });
  return pairs;
}

/** Build the Config. Throws ConfigError naming the variable or flag at fault. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const envAll = opts.env ?? process.env;
  const env = envSchema.parse(Object.fromEntries(ENV_VARS.map((v) => [v.env, envAll[v.env]])));
  const params = new Map<string, string>();
  for (const p of PARAMS) params.set(p.name, p.default);
  const persistence: string[] = [];
  const apply = (p: ParamDef, raw: string, source: string) => {
    try {
      params.set(p.name, validateParam(p, raw));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`invalid ${source}: '${raw}' — ${e.message}`);
      throw e;
    }
  };
  for (const v of ENV_VARS) {
    const raw = env[v.env];
    if (raw === undefined || raw === "") continue;
    let value = raw;
    if (v.env === "VALKEY_HOST") value = raw.replace(/,/g, " ");
    apply(findParam(v.param)!, value, `${v.env}`);
  }
  const { file, pairs, testClock } = parseFlags(opts.argv ?? []);
  const all = file ? [...parseConfFile(file), ...pairs] : pairs;
  for (const [name, value] of all) {
    const p = findParam(name)!;
    if (PERSISTENCE.has(p.name)) persistence.push(`${p.name} ${value}`);
    apply(p, value, `--${name}`);
  }
  for (const [name, value] of Object.entries(opts.overrides ?? {})) {
    const p = findParam(name);
    if (!p) throw new ConfigError(`unknown option '${name}'`);
    apply(p, typeof value === "boolean" ? (value ? "yes" : "no") : String(value), `option ${name}`);
  }
  return { params, configFile: file, testClock, persistenceDirectives: persistence };
}
