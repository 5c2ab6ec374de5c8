// Generic keyspace family: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY TOUCH, the
// EXPIRE/TTL family, PERSIST, OBJECT, DUMP, RESTORE.

import { lfuDecayed } from "../lfu.js";
import type { Client } from "../client.js";
import { bigint, int, parseI64, str, token, I64_MAX, I64_MIN } from "../args.js";
import { CE, E } from "../errors.js";
import { Database, LOOKUP_NONOTIFY, LOOKUP_NOTOUCH, N, type Entry, type ValueType } from "../store.js";
import { globMatcher } from "../glob.js";
import { keyspaceLog, parseCursor } from "../scan.js";
import { cloneValue, objectEncoding } from "../values.js";
import { RdbFormatError, canDump, createDumpPayload, loadDumpPayload, verifyDumpPayload } from "../dump.js";
import type { CommandEntry } from "./types.js";

const ONE_KEY_RO = [{ begin: 1, range: [0, 1, 0] as [number, number, number], flags: ["RO", "ACCESS"] }];
const ONE_KEY_RW_UPDATE = [{ begin: 1, range: [0, 1, 0] as [number, number, number], flags: ["RW", "UPDATE"] }];
const ALL_KEYS = (flags: string[]) => [{ begin: 1, range: [-1, 1, 0] as [number, number, number], flags }];
const MULTI_SHARD_SUM = ["request_policy:multi_shard", "response_policy:agg_sum"];
const OBJECT_KEY = [{ begin: 2, range: [0, 1, 0] as [number, number, number], flags: ["RO"] }];

export const commands: CommandEntry[] = [
  { name: "del", arity: -2, flags: ["write"], acl: ["keyspace"], keys: ALL_KEYS(["RM", "DELETE"]), tips: MULTI_SHARD_SUM, run: del },
  { name: "unlink", arity: -2, flags: ["write", "fast"], acl: ["keyspace"], keys: ALL_KEYS(["RM", "DELETE"]), tips: MULTI_SHARD_SUM, run: del },
  { name: "exists", arity: -2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ALL_KEYS(["RO"]), tips: MULTI_SHARD_SUM, run: exists },
  { name: "type", arity: 2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: [{ begin: 1, range: [0, 1, 0], flags: ["RO"] }], run: type },
  {
    name: "rename",
    arity: 3,
    flags: ["write"],
    acl: ["keyspace"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
    ],
    run: (c, argv) => rename(c, argv, false),
  },
  {
    name: "renamenx",
    arity: 3,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, range: [0, 1, 0], flags: ["OW", "INSERT"] },
    ],
    run: (c, argv) => rename(c, argv, true),
  },
  {
    name: "copy",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["keyspace"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RO", "ACCESS"] },
      { begin: 2, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
    ],
    run: copy,
  },
  { name: "move", arity: 3, flags: ["write", "fast"], acl: ["keyspace"], keys: [{ begin: 1, range: [0, 1, 0], flags: ["RW", "ACCESS", "UPDATE"] }], run: move },
  { name: "keys", arity: 2, flags: ["readonly"], acl: ["keyspace", "dangerous"], tips: ["request_policy:all_shards", "nondeterministic_output_order"], run: keys },
  {
    name: "scan",
    arity: -2,
    flags: ["readonly", "touches_arbitrary_keys"],
    acl: ["keyspace"],
    tips: ["nondeterministic_output", "request_policy:special", "response_policy:special"],
    run: scan,
  },
  {
    name: "randomkey",
    arity: 1,
    flags: ["readonly", "touches_arbitrary_keys"],
    acl: ["keyspace"],
    tips: ["request_policy:all_shards", "response_policy:special", "nondeterministic_output"],
    run: randomkey,
  },
  { name: "touch", arity: -2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ALL_KEYS(["RO"]), tips: MULTI_SHARD_SUM, run: touch },
  { name: "expire", arity: -3, flags: ["write", "fast"], acl: ["keyspace"], keys: ONE_KEY_RW_UPDATE, run: (c, a) => expire(c, a, c.server.store.now, 1000) },
  { name: "pexpire", arity: -3, flags: ["write", "fast"], acl: ["keyspace"], keys: ONE_KEY_RW_UPDATE, run: (c, a) => expire(c, a, c.server.store.now, 1) },
  { name: "expireat", arity: -3, flags: ["write", "fast"], acl: ["keyspace"], keys: ONE_KEY_RW_UPDATE, run: (c, a) => expire(c, a, 0, 1000) },
  { name: "pexpireat", arity: -3, flags: ["write", "fast"], acl: ["keyspace"], keys: ONE_KEY_RW_UPDATE, run: (c, a) => expire(c, a, 0, 1) },
  { name: "ttl", arity: 2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ONE_KEY_RO, tips: ["nondeterministic_output"], run: (c, a) => ttl(c, a, false, false) },
  { name: "pttl", arity: 2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ONE_KEY_RO, tips: ["nondeterministic_output"], run: (c, a) => ttl(c, a, true, false) },
  { name: "expiretime", arity: 2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ONE_KEY_RO, run: (c, a) => ttl(c, a, false, true) },
  { name: "pexpiretime", arity: 2, flags: ["readonly", "fast"], acl: ["keyspace"], keys: ONE_KEY_RO, run: (c, a) => ttl(c, a, true, true) },
  { name: "persist", arity: 2, flags: ["write", "fast"], acl: ["keyspace"], keys: ONE_KEY_RW_UPDATE, run: persist },
  {
    name: "object",
    arity: -2,
    flags: [],
    acl: [],
    subcommands: [
      { name: "encoding", arity: 3, flags: ["readonly"], acl: ["keyspace"], keys: OBJECT_KEY, tips: ["nondeterministic_output"], run: objectEncodingCmd },
      { name: "freq", arity: 3, flags: ["readonly"], acl: ["keyspace"], keys: OBJECT_KEY, tips: ["nondeterministic_output"], run: objectFreq },
      { name: "idletime", arity: 3, flags: ["readonly"], acl: ["keyspace"], keys: OBJECT_KEY, tips: ["nondeterministic_output"], run: objectIdletime },
      { name: "refcount", arity: 3, flags: ["readonly"], acl: ["keyspace"], keys: OBJECT_KEY, tips: ["nondeterministic_output"], run: objectRefcount },
      { name: "help", arity: 2, flags: ["loading", "stale"], acl: ["keyspace"], run: objectHelp },
    ],
  },
  { name: "dump", arity: 2, flags: ["readonly"], acl: ["keyspace"], keys: ONE_KEY_RO, tips: ["nondeterministic_output"], run: dump },
  {
    name: "restore",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["keyspace", "dangerous"],
    keys: [{ begin: 1, range: [0, 1, 0], flags: ["OW", "UPDATE"] }],
    run: restore,
  },
];

// ---------------------------------------------------------------------------------------------------------
// helpers

/** getIntFromObjectOrReply: an integer that fits a C int. */
function int32(b: Buffer): number {
  const v = int(b);
  if (v < -2147483648 || v > 2147483647) throw E.notInt32;
  return v;
}

/** The database with that index, or "ERR DB index is out of range". */
function dbByIndex(c: Client, id: number): Database {
  const db = c.server.store.dbs[id];
  if (db === undefined || id < 0) throw E.dbIndexOutOfRange;
  return db;
}

/** Valkey: the key exists but its TTL has passed (not deleted here: KEYS does not delete). */
function isExpired(db: Database, key: string): boolean {
  if (db.expires.size === 0) return false;
  const at = db.expires.get(key);
  return at !== undefined && at <= db.store.now;
}

function lfuPolicy(c: Client): boolean {
  return c.server.param("maxmemory-policy").includes("lfu");
}

const TYPES: readonly ValueType[] = ["string", "list", "set", "zset", "hash", "stream"];

// ---------------------------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TYPE / TOUCH / RANDOMKEY

// DEL key [key ...]   and   UNLINK key [key ...]
function del(c: Client, argv: Buffer[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = str(argv[i]!);
    if (c.db.peek(key) !== undefined && c.db.delete(key)) {
      c.db.changed(key, "del", N.GENERIC);
      n++;
    }
  }
  c.w.integer(n);
}

// EXISTS key [key ...]
function exists(c: Client, argv: Buffer[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.read(str(argv[i]!), LOOKUP_NOTOUCH) !== undefined) n++;
  c.w.integer(n);
}

// TYPE key
function type(c: Client, argv: Buffer[]): void {
  const e = c.db.read(str(argv[1]!), LOOKUP_NOTOUCH);
  c.w.simple(e === undefined ? "none" : e.type);
}

// TOUCH key [key ...]
function touch(c: Client, argv: Buffer[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.read(str(argv[i]!)) !== undefined) n++;
  c.w.integer(n);
}

// RANDOMKEY
function randomkey(c: Client): void {
  const db = c.db;
  if (db.keys.size === 0) return c.w.null();
  // O(1) picks from the scan log; expired picks are deleted on the way, as Valkey's dbRandomKey does
  const log = keyspaceLog(db);
  for (let i = 0; i < 100; i++) {
    const key = log.sample();
    if (key === undefined) break;
    if (db.peek(key) !== undefined) return c.w.bulk(key);
  }
  c.w.bulkOrNull(db.randomKey());
}

// ---------------------------------------------------------------------------------------------------------
// RENAME / RENAMENX / MOVE / COPY

// RENAME key newkey   and   RENAMENX key newkey
function rename(c: Client, argv: Buffer[], nx: boolean): void {
  const src = str(argv[1]!);
  const dst = str(argv[2]!);
  const db = c.db;
  const e = db.write(src);
  if (e === undefined) throw E.noSuchKey;
  if (src === dst) {
    if (nx) c.w.integer(0);
    else c.w.ok();
    return;
  }
  const at = db.getExpire(src);
  if (db.write(dst) !== undefined) {
    if (nx) {
      c.w.integer(0);
      return;
    }
    db.delete(dst);
  }
  db.delete(src);
  db.put(dst, e);
  if (at !== undefined) db.setExpire(dst, at);
  db.changed(src, "rename_from", N.GENERIC);
  db.changed(dst, "rename_to", N.GENERIC);
  if (nx) c.w.integer(1);
  else c.w.ok();
}

// MOVE key db
function move(c: Client, argv: Buffer[]): void {
  if (c.server.cluster !== null) throw CE.moveNotAllowed;
  const key = str(argv[1]!);
  const dst = dbByIndex(c, int32(argv[2]!));
  const src = c.db;
  if (dst === src) throw E.sourceDestSame;
  const e = src.write(key);
  if (e === undefined || dst.write(key) !== undefined) {
    c.w.integer(0);
    return;
  }
  const at = src.getExpire(key);
  src.delete(key);
  dst.put(key, e);
  if (at !== undefined) dst.setExpire(key, at);
  src.changed(key, "move_from", N.GENERIC);
  dst.changed(key, "move_to", N.GENERIC);
  c.w.integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
function copy(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const newkey = str(argv[2]!);
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = token(argv[j]!);
    if (opt === "replace") replace = true;
    else if (opt === "db" && j + 1 < argv.length) dst = dbByIndex(c, int32(argv[++j]!));
    else throw E.syntax;
  }
  const src = c.db;
  if (src !== dst && c.server.cluster !== null) throw CE.copyDbNotAllowed;
  if (src === dst && key === newkey) throw E.sourceDestSame;
  const e = src.read(key);
  if (e === undefined) {
    c.w.integer(0);
    return;
  }
  const at = src.getExpire(key);
  const exists = dst.write(newkey) !== undefined;
  if (exists && !replace) {
    c.w.integer(0);
    return;
  }
  const value = cloneValue(e.type, e.value, (p) => Number(c.server.param(p)));
  if (exists) dst.delete(newkey);
  const ne = dst.set(newkey, e.type, value);
  ne.raw = e.raw;
  if (at !== undefined) dst.setExpire(newkey, at);
  dst.changed(newkey, "copy_to", N.GENERIC);
  c.w.integer(1);
}

// ---------------------------------------------------------------------------------------------------------
// KEYS / SCAN

// KEYS pattern
function keys(c: Client, argv: Buffer[]): void {
  const db = c.db;
  const pattern = argv[1]!;
  const all = pattern.length === 1 && pattern[0] === 42;
  const match = globMatcher(pattern);
  const w = c.w;
  const mark = w.mark();
  let n = 0;
  for (const m of db.keys.maps()) {
    for (const key of m.keys()) {
      if ((all || match(key)) && !isExpired(db, key)) {
        w.bulk(key);
        n++;
      }
    }
  }
  w.insertArray(mark, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
function scan(c: Client, argv: Buffer[]): void {
  const cursor = parseCursor(argv[1]!);
  let count = 10;
  let match: ((s: string) => boolean) | null = null;
  let wantType: ValueType | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = token(argv[i]!);
    const more = i + 1 < argv.length;
    if (opt === "count" && more) {
      count = int(argv[i + 1]!);
      if (count < 1) throw E.syntax;
    } else if (opt === "match" && more) {
      const p = argv[i + 1]!;
      match = p.length === 1 && p[0] === 42 ? null : globMatcher(p);
    } else if (opt === "type" && more) {
      const name = token(argv[i + 1]!);
      wantType = TYPES.find((t) => t === name) ?? null;
      if (wantType === null) throw E.unknownTypeName(str(argv[i + 1]!));
    } else throw E.syntax;
  }
  const db = c.db;
  const w = c.w;
  const mark = w.mark();
  let n = 0;
  const next = keyspaceLog(db).scan(cursor, count, (key) => {
    if (wantType !== null && db.keys.get(key)!.type !== wantType) return;
    if (match !== null && !match(key)) return;
    // expired: deleted now, as Valkey's scan callback does (the log only visits present keys: without TTLs,
    // nothing to look up again)
    if (db.expires.size !== 0 && db.peek(key) === undefined) return;
    w.bulk(key);
    n++;
  });
  w.insertArray(mark, n, next);
}

// ---------------------------------------------------------------------------------------------------------
// EXPIRE family, TTL family, PERSIST

const MS_PER_S = 1000n;

// EXPIRE key seconds [NX | XX | GT | LT]   (PEXPIRE, EXPIREAT, PEXPIREAT: same shape)
/**
 * The absolute deadline in ms that EXPIRE-family argv[2] names, or Valkey's errors. Up to 12 characters the
 * arithmetic is exact in doubles (|value| < 1e12, times 1000, plus a clock near 2e12, stays below 2^53) and can
 * not overflow int64; longer ones are checked in BigInt as Valkey checks them.
 */
function expireTime(argv: Buffer[], basetime: number, unit: 1 | 1000): number {
  const a = argv[2]!;
  if (a.length <= 12) {
    const v = parseI64(a);
    if (v === null) throw E.notInteger;
    return v * unit + basetime;
  }
  let when = bigint(a);
  const name = str(argv[0]!).toLowerCase();
  if (unit === 1000) {
    if (when > I64_MAX / MS_PER_S || when < I64_MIN / MS_PER_S) throw E.invalidExpire(name);
    when *= MS_PER_S;
  }
  const base = BigInt(basetime);
  if (when > I64_MAX - base) throw E.invalidExpire(name);
  return Number(when + base);
}

function expire(c: Client, argv: Buffer[], basetime: number, unit: 1 | 1000): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = token(argv[j]!);
    if (opt === "nx") nx = true;
    else if (opt === "xx") xx = true;
    else if (opt === "gt") gt = true;
    else if (opt === "lt") lt = true;
    else throw E.unsupportedOption(str(argv[j]!));
  }
  if (nx && (xx || gt || lt)) throw E.nxXxGtLt;
  if (gt && lt) throw E.gtAndLt;
  const at = expireTime(argv, basetime, unit);
  const key = str(argv[1]!);
  const db = c.db;
  if (db.write(key) === undefined) {
    c.w.integer(0);
    return;
  }
  if (nx || xx || gt || lt) {
    const current = db.getExpire(key);
    if (nx && current !== undefined) return c.w.integer(0);
    if (xx && current === undefined) return c.w.integer(0);
    // no TTL counts as an infinite one: GT never passes, LT always does
    if (gt && (current === undefined || at <= current)) return c.w.integer(0);
    if (lt && current !== undefined && at >= current) return c.w.integer(0);
  }
  if (at <= c.server.store.now) {
    db.delete(key);
    db.changed(key, "del", N.GENERIC);
  } else {
    db.setExpire(key, at);
    db.changed(key, "expire", N.GENERIC);
  }
  c.w.integer(1);
}

// TTL key   (PTTL, EXPIRETIME, PEXPIRETIME)
function ttl(c: Client, argv: Buffer[], ms: boolean, absolute: boolean): void {
  const key = str(argv[1]!);
  if (c.db.read(key, LOOKUP_NOTOUCH) === undefined) return c.w.integer(-2);
  const at = c.db.getExpire(key);
  if (at === undefined) return c.w.integer(-1);
  let t = absolute ? at : at - c.server.store.now;
  if (t < 0) t = 0;
  c.w.integer(ms ? t : Math.floor((t + 500) / 1000));
}

// PERSIST key
function persist(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  if (c.db.write(key) !== undefined && c.db.persist(key)) {
    c.db.changed(key, "persist", N.GENERIC);
    c.w.integer(1);
  } else c.w.integer(0);
}

// ---------------------------------------------------------------------------------------------------------
// OBJECT

function objectLookup(c: Client, argv: Buffer[]): Entry | undefined {
  const e = c.db.read(str(argv[2]!), LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
  if (e === undefined) c.w.null();
  return e;
}

// OBJECT ENCODING key
function objectEncodingCmd(c: Client, argv: Buffer[]): void {
  const e = objectLookup(c, argv);
  if (e !== undefined) c.w.bulk(objectEncoding(e, (p) => Number(c.server.param(p))));
}

// OBJECT FREQ key
function objectFreq(c: Client, argv: Buffer[]): void {
  const e = objectLookup(c, argv);
  if (e === undefined) return;
  if (!lfuPolicy(c)) throw E.lfuNotSelected;
  const store = c.server.store;
  c.w.integer(lfuDecayed(e.freq, e.lru, store.now, store.lfuDecayTime));
}

// OBJECT IDLETIME key
function objectIdletime(c: Client, argv: Buffer[]): void {
  const e = objectLookup(c, argv);
  if (e === undefined) return;
  if (lfuPolicy(c)) throw E.lfuSelected;
  c.w.integer(Math.max(0, Math.floor((c.server.store.now - e.lru) / 1000)));
}

const OBJ_SHARED_REFCOUNT = 2147483647;

// OBJECT REFCOUNT key
function objectRefcount(c: Client, argv: Buffer[]): void {
  const e = objectLookup(c, argv);
  if (e === undefined) return;
  // Valkey shares the integers 0..9999 between string values unless an LRU/LFU policy needs per-key data.
  let shared = false;
  if (e.type === "string" && !e.raw && e.value.length <= 4) {
    const v = parseI64(e.value);
    const policy = c.server.param("maxmemory-policy");
    shared = v !== null && v >= 0 && v < 10000 && (c.server.param("maxmemory") === "0" || !(policy.includes("lru") || policy.includes("lfu")));
  }
  c.w.integer(shared ? OBJ_SHARED_REFCOUNT : 1);
}

const OBJECT_HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Print this help.",
];

// OBJECT HELP
function objectHelp(c: Client): void {
  c.w.array(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) c.w.simple(line);
}

// ---------------------------------------------------------------------------------------------------------
// DUMP / RESTORE

// DUMP key
function dump(c: Client, argv: Buffer[]): void {
  const e = c.db.read(str(argv[1]!));
  if (e === undefined) return c.w.null();
  if (!canDump(e.type)) throw E.dumpUnsupported(e.type);
  c.w.bulk(createDumpPayload(e, c.server.param("rdbcompression") === "yes", (p) => Number(c.server.param(p))));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
export function restore(c: Client, argv: Buffer[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const opt = token(argv[j]!);
    const more = j + 1 < argv.length;
    if (opt === "replace") replace = true;
    else if (opt === "absttl") absttl = true;
    else if (opt === "idletime" && more && freq === -1) {
      const v = bigint(argv[++j]!);
      if (v < 0n) throw E.invalidIdletime;
      idle = Number(v);
    } else if (opt === "freq" && more && idle === -1) {
      const v = bigint(argv[++j]!);
      if (v < 0n || v > 255n) throw E.invalidFreq;
      freq = Number(v);
    } else throw E.syntax;
  }
  const key = str(argv[1]!);
  const db = c.db;
  if (!replace && db.write(key) !== undefined) throw E.busyKey;
  let ttlMs = bigint(argv[2]!);
  if (ttlMs < 0n) throw E.badTtl;
  const payload = argv[3]!;
  if (!verifyDumpPayload(payload)) throw E.dumpPayload;
  let loaded: { type: ValueType; value: any };
  try {
    loaded = loadDumpPayload(payload, (p) => Number(c.server.param(p)));
  } catch (err) {
    if (err instanceof RdbFormatError) throw E.badDataFormat;
    throw err;
  }
  const deleted = replace && db.delete(key);
  const now = c.server.store.now;
  if (ttlMs !== 0n && !absttl) ttlMs += BigInt(now);
  if (ttlMs !== 0n && ttlMs <= BigInt(now)) {
    // already expired: nothing is created, a replaced key is gone
    if (deleted) db.changed(key, "del", N.GENERIC);
    c.w.ok();
    return;
  }
  const e = db.set(key, loaded.type, loaded.value);
  if (ttlMs !== 0n) db.setExpire(key, Number(ttlMs));
  if (lfuPolicy(c)) {
    if (freq >= 0) e.freq = freq;
  } else if (idle >= 0) e.lru = now - idle * 1000;
  db.changed(key, "restore", N.GENERIC);
  c.w.ok();
}
