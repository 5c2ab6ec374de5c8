// Hash family: HSET HSETNX HGET HMGET HMSET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HSTRLEN HINCRBY
// HINCRBYFLOAT HRANDFIELD HSCAN. Values are HashValue (a Map<string, Buffer>, see src/structures/hash.ts).

import type { Client } from "../client.js";
import { I64_MAX, I64_MIN, parseI64Big, str, token } from "../args.js";
import { E, wrongArity } from "../errors.js";
import { addLongDouble, formatLongDouble, parseLongDouble, type LongDouble } from "../longdouble.js";
import { N } from "../store.js";
import { HASHTABLE, HashValue, LISTPACK, adoptHash, dupHash, hashEncoding, hashLimits, type HashLimits } from "../structures/hash.js";
import { parseCursor, sampleInOrder, sampleShuffled } from "../structures/scannable.js";
import { globMatch } from "../glob.js";
import { RDB_TYPE, RdbFormatError, listpackDecode, listpackEncode, registerDump, registerRestore } from "../dump.js";
import { registerType, type EncodingConfig } from "../values.js";
import type { CommandEntry } from "./types.js";

const RW = (f: string) => [{ begin: 1, flags: ["RW", ...f.split(" ")] }];
const RO = (f: string) => [{ begin: 1, flags: f ? ["RO", ...f.split(" ")] : ["RO"] }];

export const commands: CommandEntry[] = [
  { name: "hset", arity: -4, flags: ["write", "denyoom", "fast"], acl: ["hash"], keys: RW("UPDATE"), run: hset },
  { name: "hsetnx", arity: 4, flags: ["write", "denyoom", "fast"], acl: ["hash"], keys: RW("INSERT"), run: hsetnx },
  { name: "hget", arity: 3, flags: ["readonly", "fast"], acl: ["hash"], keys: RO("ACCESS"), run: hget },
  { name: "hmget", arity: -3, flags: ["readonly", "fast"], acl: ["hash"], keys: RO("ACCESS"), run: hmget },
  { name: "hmset", arity: -4, flags: ["write", "denyoom", "fast"], acl: ["hash"], keys: RW("UPDATE"), run: hmset },
  { name: "hgetall", arity: 2, flags: ["readonly"], acl: ["hash"], keys: RO("ACCESS"), tips: ["nondeterministic_output_order"], run: hgetall },
  { name: "hdel", arity: -3, flags: ["write", "fast"], acl: ["hash"], keys: RW("DELETE"), run: hdel },
  { name: "hexists", arity: 3, flags: ["readonly", "fast"], acl: ["hash"], keys: RO(""), run: hexists },
  { name: "hlen", arity: 2, flags: ["readonly", "fast"], acl: ["hash"], keys: RO(""), run: hlen },
  { name: "hkeys", arity: 2, flags: ["readonly"], acl: ["hash"], keys: RO("ACCESS"), tips: ["nondeterministic_output_order"], run: hkeys },
  { name: "hvals", arity: 2, flags: ["readonly"], acl: ["hash"], keys: RO("ACCESS"), tips: ["nondeterministic_output_order"], run: hvals },
  { name: "hstrlen", arity: 3, flags: ["readonly", "fast"], acl: ["hash"], keys: RO(""), run: hstrlen },
  { name: "hincrby", arity: 4, flags: ["write", "denyoom", "fast"], acl: ["hash"], keys: RW("ACCESS UPDATE"), run: hincrby },
  { name: "hincrbyfloat", arity: 4, flags: ["write", "denyoom", "fast"], acl: ["hash"], keys: RW("ACCESS UPDATE"), run: hincrbyfloat },
  { name: "hrandfield", arity: -2, flags: ["readonly"], acl: ["hash"], keys: RO("ACCESS"), tips: ["nondeterministic_output"], run: hrandfield },
  { name: "hscan", arity: -3, flags: ["readonly"], acl: ["hash"], keys: RO("ACCESS"), tips: ["nondeterministic_output"], run: hscan },
];

/** Config parameters by name (a ReadonlyMap of the server's params, or cfgParams' view of a numeric config). */
export interface Params {
  get(name: string): string | undefined;
}

/** The Params view of the numeric config the value hooks and codecs receive; defaults without one. */
export function cfgParams(cfg: EncodingConfig | undefined): Params {
  return { get: (n) => (cfg === undefined ? undefined : String(cfg(n))) };
}

/** OBJECT ENCODING for a hash value ("listpack" | "hashtable"); `params` is the server's config params. */
export function encodingOf(value: Map<string, Buffer>, params: Params): string {
  return hashEncoding(value, hashLimits((n) => params.get(n)));
}

/** A copy of a hash value with the same encoding (COPY). */
export function copyValue(value: Map<string, Buffer>, params: Params): HashValue {
  return dupHash(value, hashLimits((n) => params.get(n)));
}

/**
 * Largest reply a random-count command builds. Valkey would try to send any count and exhaust memory; we
 * refuse counts whose reply could not be held in one buffer.
 */
export const MAX_RANDOM_COUNT = 2 ** 25;

function limits(c: Client): HashLimits {
  return hashLimits((n) => c.server.param(n));
}

/** The hash at `key` for reading (counts a hit/miss), undefined if missing, WRONGTYPE otherwise. */
function readHash(c: Client, key: string): HashValue | undefined {
  const e = c.db.read(key);
  if (e === undefined) return undefined;
  if (e.type !== "hash") throw E.wrongType;
  return e.value instanceof HashValue ? e.value : (e.value = adoptHash(e.value, limits(c)));
}

/** The hash at `key` for writing, undefined if missing, WRONGTYPE otherwise. */
function writeHash(c: Client, key: string, lim: HashLimits): HashValue | undefined {
  const e = c.db.write(key);
  if (e === undefined) return undefined;
  if (e.type !== "hash") throw E.wrongType;
  return e.value instanceof HashValue ? e.value : (e.value = adoptHash(e.value, lim));
}

// HSET key field value [field value ...]
function hset(c: Client, argv: Buffer[]): void {
  c.w.integer(setPairs(c, argv, "hset"));
}

// HMSET key field value [field value ...]
function hmset(c: Client, argv: Buffer[]): void {
  setPairs(c, argv, "hmset");
  c.w.ok();
}

function setPairs(c: Client, argv: Buffer[], name: string): number {
  if (argv.length % 2 === 1) throw wrongArity(name);
  const key = str(argv[1]!);
  const lim = limits(c);
  const found = writeHash(c, key, lim);
  const h = found ?? new HashValue();
  if (h.enc === LISTPACK) {
    if ((argv.length - 2) / 2 > lim.entries) h.toHashtable();
    else for (let i = 2; i < argv.length; i++) if (argv[i]!.length > lim.value) h.toHashtable();
  }
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    const n = h.size;
    h.set(str(argv[i]!), str(argv[i + 1]!));
    if (h.size !== n) created++;
  }
  h.checkSize(lim);
  if (found === undefined) c.db.set(key, "hash", h);
  c.db.changed(key, "hset", N.HASH);
  return created;
}

// HSETNX key field value
function hsetnx(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const field = str(argv[2]!);
  const lim = limits(c);
  const found = writeHash(c, key, lim);
  if (found !== undefined && found.has(field)) return c.w.integer(0);
  const h = found ?? new HashValue();
  if (lim.entries < 1) h.toHashtable();
  h.checkLengths(field.length, argv[3]!.length, lim);
  h.set(field, str(argv[3]!));
  h.checkSize(lim);
  if (found === undefined) c.db.set(key, "hash", h);
  c.db.changed(key, "hset", N.HASH);
  c.w.integer(1);
}

/** Store a computed value (HINCRBY*), creating the hash if needed. */
function storeField(c: Client, key: string, found: HashValue | undefined, field: string, value: string, lim: HashLimits): void {
  const h = found ?? new HashValue();
  h.checkLengths(field.length, value.length, lim);
  h.set(field, value);
  h.checkSize(lim);
  if (found === undefined) c.db.set(key, "hash", h);
}

// HGET key field
function hget(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  c.w.bulkOrNull(h?.getRaw(str(argv[2]!)));
}

// HMGET key field [field ...]
function hmget(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  c.w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.w.bulkOrNull(h?.getRaw(str(argv[i]!)));
}

// HGETALL key
function hgetall(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  if (h === undefined) return c.w.map(0);
  const w = c.w;
  w.map(h.size);
  h.eachRaw((fs, f, fe, vs, v, ve) => {
    w.bulkOf(fs, f, fe);
    w.bulkOf(vs, v, ve);
  });
}

// HKEYS key
function hkeys(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  if (h === undefined) return c.w.array(0);
  const w = c.w;
  w.array(h.size);
  h.eachRaw((fs, f, fe) => w.bulkOf(fs, f, fe));
}

// HVALS key
function hvals(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  if (h === undefined) return c.w.array(0);
  const w = c.w;
  w.array(h.size);
  h.eachRaw((_fs, _f, _fe, vs, v, ve) => w.bulkOf(vs, v, ve));
}

// HDEL key field [field ...]
function hdel(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const h = writeHash(c, key, limits(c));
  if (h === undefined) return c.w.integer(0);
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(str(argv[i]!))) {
      deleted++;
      if (h.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.db.changed(key, "hdel", N.HASH);
    if (removed) c.db.notify("del", key, N.GENERIC);
  }
  c.w.integer(deleted);
}

// HEXISTS key field
function hexists(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  c.w.integer(h !== undefined && h.has(str(argv[2]!)) ? 1 : 0);
}

// HLEN key
function hlen(c: Client, argv: Buffer[]): void {
  c.w.integer(readHash(c, str(argv[1]!))?.size ?? 0);
}

// HSTRLEN key field
function hstrlen(c: Client, argv: Buffer[]): void {
  const h = readHash(c, str(argv[1]!));
  c.w.integer(h?.getRaw(str(argv[2]!))?.length ?? 0);
}

// HINCRBY key field increment
function hincrby(c: Client, argv: Buffer[]): void {
  const incr = parseI64Big(argv[3]!);
  if (incr === null) throw E.notInteger;
  const key = str(argv[1]!);
  const field = str(argv[2]!);
  const lim = limits(c);
  const h = writeHash(c, key, lim);
  const cur = h?.getRaw(field);
  let value = 0n;
  if (cur !== undefined) {
    const v = parseI64Big(cur);
    if (v === null) throw E.hashNotInteger;
    value = v;
  }
  if ((incr < 0n && value < 0n && incr < I64_MIN - value) || (incr > 0n && value > 0n && incr > I64_MAX - value)) throw E.overflow;
  value += incr;
  storeField(c, key, h, field, value.toString(), lim);
  c.db.changed(key, "hincrby", N.HASH);
  c.w.integer(value);
}

// HINCRBYFLOAT key field increment
function hincrbyfloat(c: Client, argv: Buffer[]): void {
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) throw E.notFloat;
  if (incr.inf) throw E.nanOrInfinity;
  const key = str(argv[1]!);
  const field = str(argv[2]!);
  const lim = limits(c);
  const h = writeHash(c, key, lim);
  const cur = h?.getRaw(field);
  let value: LongDouble = { neg: false, m: 0n, e: 0, inf: false };
  if (cur !== undefined) {
    const v = parseLongDouble(cur);
    if (v === null) throw E.hashNotFloat;
    value = v;
  }
  const sum = addLongDouble(value, incr);
  if (sum.inf) throw E.incrNanOrInf;
  const text = formatLongDouble(sum);
  storeField(c, key, h, field, text, lim);
  c.db.changed(key, "hincrbyfloat", N.HASH);
  c.w.bulk(text);
}

const LONG_MAX = I64_MAX;

// HRANDFIELD key [count [WITHVALUES]]
function hrandfield(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  if (argv.length === 2) {
    const h = readHash(c, key);
    if (h === undefined) return c.w.null();
    return c.w.bulk(h.randomField());
  }
  const l = parseI64Big(argv[2]!);
  if (l === null) throw E.notInteger;
  if (l < -LONG_MAX) throw E.outOfRangeLong;
  if (argv.length > 4 || (argv.length === 4 && token(argv[3]!) !== "withvalues")) throw E.syntax;
  const withValues = argv.length === 4;
  if (withValues && (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n)) throw E.outOfRange;
  const h = readHash(c, key);
  if (h === undefined || l === 0n) return c.w.array(0);
  const uniq = l > 0n;
  const big = uniq ? l : -l;
  const size = h.size;
  if ((!uniq || big === 1n) && big > BigInt(MAX_RANDOM_COUNT)) throw E.outOfRange;
  const count = Number(big);
  const pairs = withValues && c.proto === 3;
  const emit = (f: string) => {
    if (pairs) c.w.array(2);
    c.w.bulk(f);
    if (withValues) c.w.bulk(h.getRaw(f)!);
  };
  const header = (n: number) => c.w.array(withValues && !pairs ? n * 2 : n);

  // Repeats allowed (or a single pick): independent uniform picks, in random order.
  if (!uniq || count === 1) {
    header(count);
    for (let i = 0; i < count; i++) emit(h.randomField());
    return;
  }
  // The whole hash, in its own order.
  if (count >= size) {
    header(size);
    for (const f of h.keys()) emit(f);
    return;
  }
  header(count);
  // A listpack samples distinct fields in listpack order; a hashtable picks at random.
  if (h.enc === LISTPACK) for (const f of sampleInOrder(h.keys(), size, count)) emit(f);
  else if (count * 3 > size) for (const f of sampleShuffled([...h.keys()], count)) emit(f);
  else {
    const picked = new Set<string>();
    while (picked.size < count) picked.add(h.randomField());
    for (const f of picked) emit(f);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
function hscan(c: Client, argv: Buffer[]): void {
  const cursor = parseCursor(argv[2]!);
  if (cursor === null) throw E.invalidCursor;
  const h = readHash(c, str(argv[1]!));
  if (h === undefined) return emptyScan(c);
  const opts = scanOptions(argv, "hash");
  const out: string[] = [];
  const visit = (f: string) => {
    if (opts.match === null || globMatch(opts.match, f)) out.push(f);
  };
  let next = 0;
  if (h.enc === LISTPACK) for (const f of h.keys()) visit(f);
  else next = h.index().scan(cursor, opts.count, visit);
  c.w.array(2);
  c.w.bulk(String(next));
  c.w.array(opts.noValues ? out.length : out.length * 2);
  for (const f of out) {
    c.w.bulk(f);
    if (!opts.noValues) c.w.bulk(h.getRaw(f)!);
  }
}

export function emptyScan(c: Client): void {
  c.w.array(2);
  c.w.bulk("0");
  c.w.array(0);
}

export interface ScanOptions {
  count: number;
  /** null when there is no pattern or it is exactly "*". */
  match: string | null;
  noValues: boolean;
}

/** Valkey's scanGenericCommand option loop for HSCAN / SSCAN (ZSCAN passes "zset"). */
export function scanOptions(argv: Buffer[], type: "hash" | "set" | "zset"): ScanOptions {
  const o: ScanOptions = { count: 10, match: null, noValues: false };
  for (let i = 3; i < argv.length; ) {
    const opt = token(argv[i]!);
    const left = argv.length - i;
    if (opt === "count" && left >= 2) {
      const n = parseI64Big(argv[i + 1]!);
      if (n === null) throw E.notInteger;
      if (n < 1n) throw E.syntax;
      o.count = n > 2n ** 31n ? 2 ** 31 : Number(n);
      i += 2;
    } else if (opt === "match" && left >= 2) {
      const p = str(argv[i + 1]!);
      o.match = p === "*" ? null : p;
      i += 2;
    } else if (opt === "novalues") {
      if (type !== "hash") throw E.novaluesOnlyHscan;
      o.noValues = true;
      i++;
    } else if (opt === "noscores") {
      if (type !== "zset") throw E.noscoresOnlyZscan;
      o.noValues = true;
      i++;
    } else throw E.syntax;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// COPY, OBJECT ENCODING, DUMP / RESTORE

registerType("hash", {
  clone: (v, cfg) => copyValue(v, cfgParams(cfg)),
  encoding: (e, cfg) => encodingOf(e.value, cfgParams(cfg)),
});

registerDump("hash", (value: Map<string, Buffer>, w, _e, cfg) => {
  const h = adoptHash(value, hashLimits((n) => String(cfg(n))));
  if (h.enc === LISTPACK) {
    w.byte(RDB_TYPE.HASH_LISTPACK);
    const items: string[] = [];
    for (const [f, v] of h.rawEntries()) items.push(f, v);
    w.string(listpackEncode(items));
    return;
  }
  w.byte(RDB_TYPE.HASH);
  w.len(h.size);
  for (const [f, v] of h.rawEntries()) {
    w.string(Buffer.from(f, "latin1"));
    w.string(Buffer.from(v, "latin1"));
  }
});

// Loaded as Valkey's rdbLoadObject does: a listpack in payload order unless it has too many entries or
// (HASH only: a HASH_LISTPACK keeps long values) a field/value exceeds hash-max-listpack-value. Duplicate
// fields are refused (Valkey checks them only under sanitize-dump-payload, but a Map cannot hold them).
registerRestore([RDB_TYPE.HASH, RDB_TYPE.HASH_LISTPACK], (t, r, cfg) => {
  const lim = hashLimits((n) => String(cfg(n)));
  const h = new HashValue();
  const add = (f: Buffer, v: Buffer) => {
    const k = f.toString("latin1");
    if (h.has(k)) throw new RdbFormatError("duplicate hash field");
    h.set(k, v);
    if (t === RDB_TYPE.HASH) h.checkLengths(f.length, v.length, lim);
  };
  if (t === RDB_TYPE.HASH_LISTPACK) {
    const items = listpackDecode(r.string());
    if (items.length % 2 !== 0) throw new RdbFormatError("odd hash listpack");
    if (items.length / 2 > lim.entries) h.toHashtable(); // not packed first: O(n) per field
    for (let i = 0; i < items.length; i += 2) add(items[i]!, items[i + 1]!);
  } else {
    const n = r.len();
    if (n > lim.entries) h.toHashtable();
    for (let i = 0; i < n; i++) {
      const f = r.string();
      add(f, r.string());
    }
  }
  if (h.size === 0) throw new RdbFormatError("empty hash");
  h.checkSize(lim);
  return { type: "hash", value: h };
});
