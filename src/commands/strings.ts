// Strings family: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY
// DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS. Values are Buffers; APPEND/SETRANGE (and the bit commands)
// grow and modify them in place, so a command that makes a second key share a value must copy it.

import type { Client } from "../client.js";
import { I64_MAX, I64_MIN, copyBytes, parseI64, parseI64Big, str, token } from "../args.js";
import { parseMemory } from "../config.js";
import { E, wrongArity } from "../errors.js";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../longdouble.js";
import { N, type Entry } from "../store.js";
import { isHandedOver, keepArgAt } from "../resp.js";
import { BIG_BUFFER, outsideMalloc, type ResizableArrayBuffer } from "../reclaim.js";
import type { CommandEntry } from "./types.js";

const RW_ACCESS_UPDATE = ["RW", "ACCESS", "UPDATE"];

export const commands: CommandEntry[] = [
  { name: "get", arity: 2, flags: ["readonly", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["RO", "ACCESS"] }], run: get },
  {
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "UPDATE", "VARIABLE_FLAGS"] }],
    run: set,
  },
  { name: "setnx", arity: 3, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["OW", "INSERT"] }], run: setnx },
  { name: "setex", arity: 4, flags: ["write", "denyoom"], acl: ["string"], keys: [{ begin: 1, flags: ["OW", "UPDATE"] }], run: setex },
  { name: "psetex", arity: 4, flags: ["write", "denyoom"], acl: ["string"], keys: [{ begin: 1, flags: ["OW", "UPDATE"] }], run: psetex },
  { name: "getset", arity: 3, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: getset },
  { name: "getdel", arity: 2, flags: ["write", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["RW", "ACCESS", "DELETE"] }], run: getdel },
  { name: "getex", arity: -2, flags: ["write", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: getex },
  {
    name: "mget",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["string"],
    keys: [{ begin: 1, range: [-1, 1, 0], flags: ["RO", "ACCESS"] }],
    tips: ["request_policy:multi_shard"],
    run: mget,
  },
  {
    name: "mset",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ begin: 1, range: [-1, 2, 0], flags: ["OW", "UPDATE"] }],
    tips: ["request_policy:multi_shard", "response_policy:all_succeeded"],
    run: mset,
  },
  {
    name: "msetnx",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ begin: 1, range: [-1, 2, 0], flags: ["OW", "INSERT"] }],
    run: msetnx,
  },
  { name: "append", arity: 3, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["RW", "INSERT"] }], run: append },
  { name: "strlen", arity: 2, flags: ["readonly", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["RO"] }], run: strlen },
  { name: "incr", arity: 2, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: incr },
  { name: "decr", arity: 2, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: decr },
  { name: "incrby", arity: 3, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: incrby },
  { name: "decrby", arity: 3, flags: ["write", "denyoom", "fast"], acl: ["string"], keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }], run: decrby },
  {
    name: "incrbyfloat",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    acl: ["string"],
    keys: [{ begin: 1, flags: RW_ACCESS_UPDATE }],
    run: incrbyfloat,
  },
  { name: "getrange", arity: 4, flags: ["readonly"], acl: ["string"], keys: [{ begin: 1, flags: ["RO", "ACCESS"] }], run: getrange },
  { name: "substr", arity: 4, flags: ["readonly"], acl: ["string"], keys: [{ begin: 1, flags: ["RO", "ACCESS"] }], run: getrange },
  { name: "setrange", arity: 4, flags: ["write", "denyoom"], acl: ["string"], keys: [{ begin: 1, flags: ["RW", "UPDATE"] }], run: setrange },
  { name: "lcs", arity: -3, flags: ["readonly"], acl: ["string"], keys: [{ begin: 1, range: [1, 1, 0], flags: ["RO", "ACCESS"] }], run: lcs },
];

const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (also used by bitops.ts)

/** proto-max-bulk-len in bytes: the largest string APPEND/SETRANGE/SETBIT may build. */
export function maxStringLength(c: Client): number {
  const p = c.server.param("proto-max-bulk-len");
  if (p !== maxParam) {
    maxParam = p;
    maxBytes = parseMemory(p) ?? 512 * 1024 * 1024;
  }
  return maxBytes;
}
let maxParam = "";
let maxBytes = 0;

/** From BIG_BUFFER bytes on, a string grows in place in a resizable ArrayBuffer reserving this many bytes. */
const BIG_STRING_MAX = 1024 * 1024 * 1024;

/** Backing stores allocated here with spare capacity; a value viewing one from offset 0 may grow into it. */
const growable = new WeakSet<ArrayBufferLike>();

/**
 * `v` lengthened to `len` bytes (its content kept, the new tail zeroed when `zero`), reusing spare capacity
 * when `v` owns it, else reallocating with room to grow (as sds does: double below 1MB, then +1MB).
 */
export function growString(v: Buffer, len: number, zero: boolean): Buffer {
  if (len <= v.length) return v;
  const ab = v.buffer as ResizableArrayBuffer;
  let out: Buffer;
  if (v.byteOffset === 0 && ab.byteLength >= len && growable.has(ab)) out = Buffer.from(ab, 0, len);
  else if (len >= BIG_BUFFER) {
    // Large strings live in a resizable ArrayBuffer that grows in place (address space reserved, pages
    // committed as written), as realloc/mremap does for Valkey: APPENDing 100 MB chunks copies nothing.
    if (v.byteOffset === 0 && ab.resizable === true && len <= ab.maxByteLength) {
      if (ab.byteLength < len) ab.resize(len);
      out = Buffer.from(ab, 0, len);
    } else {
      out = outsideMalloc(len, BIG_STRING_MAX);
      v.copy(out, 0);
    }
  } else {
    const cap = v.length === 0 ? len : len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
    const nb = Buffer.allocUnsafeSlow(cap);
    growable.add(nb.buffer);
    v.copy(nb, 0);
    out = nb.subarray(0, len);
  }
  if (zero) out.fill(0, v.length, len);
  return out;
}

// Options of SET and GETEX (Valkey's parseExtendedStringArgumentsOrReply).
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const EX = 16;
const PX = 32;
const EXAT = 64;
const PXAT = 128;
const PERSIST = 256;
const EXPIRE = EX | PX | EXAT | PXAT;

/** Index of the expire argument found by the last parseExtended() (the last EX/PX/EXAT/PXAT given wins). */
let expireArg = 0;

function parseExtended(argv: Buffer[], from: number, isSet: boolean): number {
  let f = 0;
  expireArg = 0;
  const argc = argv.length;
  for (let j = from; j < argc; j++) {
    const b = argv[j]!;
    const opt = b.length <= 7 ? token(b) : "";
    const next = j < argc - 1;
    if (opt === "nx" && isSet && !(f & XX)) f |= NX;
    else if (opt === "xx" && isSet && !(f & NX)) f |= XX;
    else if (opt === "get" && isSet) f |= GET;
    else if (opt === "keepttl" && isSet && !(f & (PERSIST | EXPIRE))) f |= KEEPTTL;
    else if (opt === "persist" && !isSet && !(f & (EXPIRE | KEEPTTL))) f |= PERSIST;
    else if (opt === "ex" && next && !(f & (KEEPTTL | PERSIST | EXAT | PX | PXAT))) {
      f |= EX;
      expireArg = ++j;
    } else if (opt === "px" && next && !(f & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) {
      f |= PX;
      expireArg = ++j;
    } else if (opt === "exat" && next && !(f & (KEEPTTL | PERSIST | EX | PX | PXAT))) {
      f |= EXAT;
      expireArg = ++j;
    } else if (opt === "pxat" && next && !(f & (KEEPTTL | PERSIST | EX | EXAT | PX))) {
      f |= PXAT;
      expireArg = ++j;
    } else throw E.syntax;
  }
  return f;
}

const LLONG_MAX_DIV_1000 = I64_MAX / 1000n;

/** Valkey's getExpireMillisecondsOrReply: the absolute expiry in ms, or the command's expire-time error. */
function expireAt(c: Client, b: Buffer, flags: number, cmd: string): number {
  const v = parseI64(b);
  if (v === null) throw E.notInteger;
  if (v <= 0) throw E.invalidExpire(cmd);
  const seconds = (flags & (EX | EXAT)) !== 0;
  const relative = (flags & (EX | PX)) !== 0;
  const now = c.server.store.now;
  if (seconds ? v <= 8e12 : v <= 8e15) {
    const ms = seconds ? v * 1000 : v;
    return relative ? ms + now : ms;
  }
  // near int64: exact arithmetic, overflow is an invalid expire time as in Valkey
  let ms = parseI64Big(b)!;
  if (seconds) {
    if (ms > LLONG_MAX_DIV_1000) throw E.invalidExpire(cmd);
    ms *= 1000n;
  }
  if (relative) ms += BigInt(now);
  if (ms > I64_MAX) throw E.invalidExpire(cmd);
  return Number(ms);
}

/**
 * Valkey's setGenericCommand: SET and its variants. Writes the GET reply itself when asked; returns whether
 * the value was set (false: NX/XX condition not met), for the caller's own reply.
 */
function setGeneric(c: Client, key: string, argv: Buffer[], valueAt: number, flags: number, expire: Buffer | null, cmd: string): boolean {
  const db = c.db;
  let at = 0;
  if (expire !== null) at = expireAt(c, expire, flags, cmd);
  if (flags & GET) {
    const old = db.readAs(key, "string");
    if (old === undefined) c.w.null();
    else c.w.bulk(old);
  }
  const found = db.write(key) !== undefined;
  if ((flags & NX && found) || (flags & XX && !found)) return false;
  if (expire !== null && at <= c.server.store.now) {
    // already expired (EXAT/PXAT in the past): nothing is stored, an old value is deleted
    if (found) {
      db.delete(key);
      db.changed(key, "del", N.GENERIC);
    }
    return true;
  }
  // With a new TTL the old one is overwritten, not deleted first: a Map delete + re-add of the same key costs
  // V8 ~5x an overwrite (SET k v EX n on one key: ~20% of Node's busy time went to that delete).
  db.set(key, "string", keepArgAt(argv, valueAt), (flags & KEEPTTL) !== 0 || expire !== null);
  if (expire !== null) db.setExpire(key, at);
  db.changed(key, "set", N.STRING);
  if (expire !== null) db.notify("expire", key, N.GENERIC);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// GET / SET family

// GET key
function get(c: Client, argv: Buffer[]): void {
  const v = c.db.readAs(str(argv[1]!), "string");
  if (v === undefined) c.w.null();
  else c.w.bulk(v);
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
function set(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  if (argv.length === 3) {
    if (c.server.store.lfu) c.db.write(key); // Valkey's lookupKeyWrite: an LFU access
    c.db.set(key, "string", keepArgAt(argv, 2));
    c.db.changed(key, "set", N.STRING);
    c.w.ok();
    return;
  }
  const flags = parseExtended(argv, 3, true);
  const done = setGeneric(c, key, argv, 2, flags, flags & EXPIRE ? argv[expireArg]! : null, "set");
  if (flags & GET) return;
  if (done) c.w.ok();
  else c.w.null();
}

// SETNX key value
function setnx(c: Client, argv: Buffer[]): void {
  c.w.integer(setGeneric(c, str(argv[1]!), argv, 2, NX, null, "setnx") ? 1 : 0);
}

// SETEX key seconds value
function setex(c: Client, argv: Buffer[]): void {
  setGeneric(c, str(argv[1]!), argv, 3, EX, argv[2]!, "setex");
  c.w.ok();
}

// PSETEX key milliseconds value
function psetex(c: Client, argv: Buffer[]): void {
  setGeneric(c, str(argv[1]!), argv, 3, PX, argv[2]!, "psetex");
  c.w.ok();
}

// GETSET key value
function getset(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const old = c.db.readAs(key, "string");
  if (old === undefined) c.w.null();
  else c.w.bulk(old);
  c.db.set(key, "string", keepArgAt(argv, 2));
  c.db.changed(key, "set", N.STRING);
}

// GETDEL key
function getdel(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const old = c.db.readAs(key, "string");
  if (old === undefined) {
    c.w.null();
    return;
  }
  c.w.bulk(old);
  c.db.delete(key);
  c.db.changed(key, "del", N.GENERIC);
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
function getex(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const flags = parseExtended(argv, 2, false);
  const db = c.db;
  const e = db.read(key);
  if (e === undefined) {
    c.w.null();
    return;
  }
  if (e.type !== "string") throw E.wrongType;
  // the expire time is checked only for an existing string, as in Valkey
  const at = flags & EXPIRE ? expireAt(c, argv[expireArg]!, flags, "getex") : 0;
  c.w.bulk(e.value as Buffer);
  if (flags & (EXAT | PXAT) && at <= c.server.store.now) {
    db.delete(key);
    db.changed(key, "del", N.GENERIC);
  } else if (flags & EXPIRE) {
    db.setExpire(key, at);
    db.changed(key, "expire", N.GENERIC);
  } else if (flags & PERSIST) {
    if (db.persist(key)) db.changed(key, "persist", N.GENERIC);
  }
}

// MGET key [key ...]
function mget(c: Client, argv: Buffer[]): void {
  const n = argv.length;
  c.w.array(n - 1);
  for (let i = 1; i < n; i++) {
    const e = c.db.read(str(argv[i]!));
    if (e === undefined || e.type !== "string") c.w.null();
    else c.w.bulk(e.value as Buffer);
  }
}

// MSET key value [key value ...]
function mset(c: Client, argv: Buffer[]): void {
  const n = argv.length;
  if ((n & 1) === 0) throw wrongArity("mset");
  const db = c.db;
  for (let i = 1; i < n; i += 2) {
    const key = str(argv[i]!);
    db.set(key, "string", keepArgAt(argv, i + 1));
    db.changed(key, "set", N.STRING);
  }
  c.w.ok();
}

// MSETNX key value [key value ...]
function msetnx(c: Client, argv: Buffer[]): void {
  const n = argv.length;
  if ((n & 1) === 0) throw wrongArity("msetnx");
  const db = c.db;
  for (let i = 1; i < n; i += 2) {
    if (db.write(str(argv[i]!)) !== undefined) {
      c.w.integer(0);
      return;
    }
  }
  for (let i = 1; i < n; i += 2) {
    const key = str(argv[i]!);
    db.set(key, "string", keepArgAt(argv, i + 1));
    db.changed(key, "set", N.STRING);
  }
  c.w.integer(1);
}

// APPEND key value
function append(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const add = argv[2]!;
  const e = c.db.write(key);
  let len: number;
  if (e === undefined) {
    c.db.set(key, "string", keepArgAt(argv, 2));
    len = add.length;
  } else {
    if (e.type !== "string") throw E.wrongType;
    const v = e.value as Buffer;
    len = v.length + add.length;
    if (len > maxStringLength(c)) throw E.stringTooLong;
    const out = growString(v, len, false);
    add.copy(out, v.length);
    e.value = out;
    e.raw = true;
  }
  c.db.changed(key, "append", N.STRING);
  c.w.integer(len);
}

// STRLEN key
function strlen(c: Client, argv: Buffer[]): void {
  const v = c.db.readAs(str(argv[1]!), "string");
  c.w.integer(v === undefined ? 0 : (v as Buffer).length);
}

// ---------------------------------------------------------------------------------------------------------
// Counters

// INCR key
function incr(c: Client, argv: Buffer[]): void {
  incrDecr(c, str(argv[1]!), 1);
}

// DECR key
function decr(c: Client, argv: Buffer[]): void {
  incrDecr(c, str(argv[1]!), -1);
}

// INCRBY key increment
function incrby(c: Client, argv: Buffer[]): void {
  const b = argv[2]!;
  if (b.length <= 15) {
    const n = parseI64(b);
    if (n === null) throw E.notInteger;
    incrDecr(c, str(argv[1]!), n);
  } else {
    const n = parseI64Big(b);
    if (n === null) throw E.notInteger;
    const key = str(argv[1]!);
    incrDecrBig(c, key, c.db.write(key), n);
  }
}

// DECRBY key decrement
function decrby(c: Client, argv: Buffer[]): void {
  const b = argv[2]!;
  if (b.length <= 15) {
    const n = parseI64(b);
    if (n === null) throw E.notInteger;
    incrDecr(c, str(argv[1]!), n === 0 ? 0 : -n);
  } else {
    const n = parseI64Big(b);
    if (n === null) throw E.notInteger;
    if (n === I64_MIN) throw E.decrementOverflow;
    const key = str(argv[1]!);
    incrDecrBig(c, key, c.db.write(key), -n);
  }
}

/** INCRBY with |incr| < 10^15: plain numbers unless the stored value is long enough to need int64 math. */
function incrDecr(c: Client, key: string, incr: number): void {
  const e = c.db.write(key);
  let old = 0;
  if (e !== undefined) {
    if (e.type !== "string") throw E.wrongType;
    const v = e.value as Buffer;
    if (v.length > 15) {
      incrDecrBig(c, key, e, BigInt(incr));
      return;
    }
    const p = parseI64(v);
    if (p === null) throw E.notInteger;
    old = p;
  }
  const n = old + incr;
  storeCounter(c, key, e, String(n));
  c.w.integer(n);
}

function incrDecrBig(c: Client, key: string, e: Entry | undefined, incr: bigint): void {
  let old = 0n;
  if (e !== undefined) {
    if (e.type !== "string") throw E.wrongType;
    const p = parseI64Big(e.value as Buffer);
    if (p === null) throw E.notInteger;
    old = p;
  }
  const n = old + incr;
  if (n > I64_MAX || n < I64_MIN) throw E.overflow;
  storeCounter(c, key, e, n.toString());
  c.w.integer(n);
}

function storeCounter(c: Client, key: string, e: Entry | undefined, s: string): void {
  if (e === undefined) c.db.set(key, "string", digits(Buffer.allocUnsafe(s.length), s));
  else {
    const v = e.value as Buffer;
    // same length: overwrite the digits in place (values are never shared between keys), unless the value may
    // still be a pipelined SET's argument that SLOWLOG has yet to copy (keepArgAt)
    e.value = digits(v.length === s.length && !isHandedOver(v) ? v : Buffer.allocUnsafe(s.length), s);
    e.raw = false;
  }
  c.db.changed(key, "incrby", N.STRING);
}

/** `s` (ASCII) written into `out`: for a counter's few digits, a loop costs half of Buffer.from(s, "latin1"). */
function digits(out: Buffer, s: string): Buffer {
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// INCRBYFLOAT key increment
function incrbyfloat(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const e = c.db.write(key);
  if (e !== undefined && e.type !== "string") throw E.wrongType;
  const cur = e === undefined ? LD_ZERO : parseLongDouble(e.value as Buffer);
  if (cur === null) throw E.notFloat;
  const inc = parseLongDouble(argv[2]!);
  if (inc === null) throw E.notFloat;
  const sum = addLongDouble(cur, inc);
  if (sum.inf) throw E.incrNanOrInf;
  const out = Buffer.from(formatLongDouble(sum), "latin1");
  if (e === undefined) c.db.set(key, "string", out);
  else {
    e.value = out;
    e.raw = false;
  }
  c.db.changed(key, "incrbyfloat", N.STRING);
  c.w.bulk(out);
}

const LD_ZERO = parseLongDouble(Buffer.from("0"))!;

// ---------------------------------------------------------------------------------------------------------
// Ranges

// GETRANGE key start end  (SUBSTR key start end)
function getrange(c: Client, argv: Buffer[]): void {
  let start = parseI64(argv[2]!);
  let end = parseI64(argv[3]!);
  if (start === null || end === null) throw E.notInteger;
  const v = c.db.readAs(str(argv[1]!), "string") as Buffer | undefined;
  if (v === undefined) {
    c.w.bulk(EMPTY);
    return;
  }
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.w.bulk(EMPTY);
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.w.bulk(EMPTY);
  else c.w.bulk(v.subarray(start, end + 1));
}

// SETRANGE key offset value
function setrange(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const offset = parseI64(argv[2]!);
  if (offset === null) throw E.notInteger;
  if (offset < 0) throw E.offsetOutOfRange;
  const value = argv[3]!;
  const e = c.db.write(key);
  if (e === undefined) {
    if (value.length === 0) {
      c.w.integer(0);
      return;
    }
    if (offset + value.length > maxStringLength(c)) throw E.stringTooLong;
    const out = growString(EMPTY, offset + value.length, true);
    value.copy(out, offset);
    c.db.set(key, "string", out).raw = true;
    c.db.changed(key, "setrange", N.STRING);
    c.w.integer(out.length);
    return;
  }
  if (e.type !== "string") throw E.wrongType;
  const v = e.value as Buffer;
  if (value.length === 0) {
    c.w.integer(v.length);
    return;
  }
  if (offset + value.length > maxStringLength(c)) throw E.stringTooLong;
  const out = growString(v, offset + value.length, true);
  value.copy(out, offset);
  e.value = out;
  e.raw = true;
  c.db.changed(key, "setrange", N.STRING);
  c.w.integer(out.length);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
function lcs(c: Client, argv: Buffer[]): void {
  const ea = c.db.read(str(argv[1]!));
  const eb = c.db.read(str(argv[2]!));
  if ((ea !== undefined && ea.type !== "string") || (eb !== undefined && eb.type !== "string")) throw E.lcsWrongType;
  const a: Buffer = ea === undefined ? EMPTY : ea.value;
  const b: Buffer = eb === undefined ? EMPTY : eb.value;
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = token(argv[j]!);
    if (opt === "idx") getidx = true;
    else if (opt === "len") getlen = true;
    else if (opt === "withmatchlen") withmatchlen = true;
    else if (opt === "minmatchlen" && j < argv.length - 1) {
      const n = parseI64(argv[++j]!);
      if (n === null) throw E.notInteger;
      minmatchlen = n < 0 ? 0 : n;
    } else throw E.syntax;
  }
  if (getlen && getidx) throw E.lcsLenAndIdx;
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  if ((alen + 1) * w * 4 > maxStringLength(c)) throw E.lcsMemory;
  // table[i*w + j] = LCS length of a[0..i) and b[0..j)
  const table = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const l1 = table[prev + j]!;
        const l2 = table[row + j - 1]!;
        table[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = table[alen * w + blen]!;
  if (getlen) {
    c.w.integer(total);
    return;
  }
  // Walk back from the end, collecting the LCS bytes and (for IDX) the matching ranges, as Valkey does.
  const result = Buffer.allocUnsafe(total);
  const ranges: number[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = alen; // alen = no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = alen;
    }
  }
  if (!getidx) {
    c.w.bulk(result);
    return;
  }
  c.w.map(2);
  c.w.bulk("matches");
  c.w.array(ranges.length / 5);
  for (let k = 0; k < ranges.length; k += 5) {
    c.w.array(withmatchlen ? 3 : 2);
    c.w.array(2);
    c.w.integer(ranges[k]!);
    c.w.integer(ranges[k + 1]!);
    c.w.array(2);
    c.w.integer(ranges[k + 2]!);
    c.w.integer(ranges[k + 3]!);
    if (withmatchlen) c.w.integer(ranges[k + 4]!);
  }
  c.w.bulk("len");
  c.w.integer(total);
}
