// Sorted sets family. A zset is a SortedSet (src/structures/sortedset.ts) in Valkey's listpack encoding (two
// sorted arrays) or its skiplist encoding (Map member -> score plus an order-statistic B+tree).
// Scores parse and print exactly as Valkey 8 does (strtod rules, `inf`, `(` exclusive bounds, shortest
// round-trip output).

import type { Client } from "../client.js";
import { Args, LONG_MAX, int, positiveInt, rangeInt, str, token } from "../args.js";
import { E, errorText, wrongArity } from "../errors.js";
import { formatDouble } from "../resp.js";
import { N } from "../store.js";
import { globMatch } from "../glob.js";
import { SortedSet, ZScanTags } from "../structures/sortedset.js";
import { RDB_TYPE, RdbFormatError, listpackDecode, listpackEncode, registerDump, registerRestore } from "../dump.js";
import { registerType } from "../values.js";
import type { CommandEntry } from "./types.js";
import { block, blockTimeout, canBlock } from "../blocking.js";

export const commands: CommandEntry[] = [
  {
    name: "zadd",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "UPDATE"] }],
    run: zadd,
  },
  {
    name: "zincrby",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "UPDATE"] }],
    run: zincrby,
  },
  {
    name: "zrem",
    arity: -3,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: zrem,
  },
  {
    name: "zcard",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO"] }],
    run: zcard,
  },
  {
    name: "zscore",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zscore,
  },
  {
    name: "zmscore",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zmscore,
  },
  {
    name: "zrank",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrank,
  },
  {
    name: "zrevrank",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrevrank,
  },
  {
    name: "zcount",
    arity: 4,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zcount,
  },
  {
    name: "zlexcount",
    arity: 4,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zlexcount,
  },
  {
    name: "zrange",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrange,
  },
  {
    name: "zrangestore",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["OW", "UPDATE"] }, { begin: 2, flags: ["RO", "ACCESS"] }],
    run: zrangestore,
  },
  {
    name: "zrevrange",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrevrange,
  },
  {
    name: "zrangebyscore",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrangebyscore,
  },
  {
    name: "zrevrangebyscore",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrevrangebyscore,
  },
  {
    name: "zrangebylex",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrangebylex,
  },
  {
    name: "zrevrangebylex",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: zrevrangebylex,
  },
  {
    name: "zremrangebyrank",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: zremrangebyrank,
  },
  {
    name: "zremrangebyscore",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: zremrangebyscore,
  },
  {
    name: "zremrangebylex",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: zremrangebylex,
  },
  {
    name: "zpopmin",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "DELETE"] }],
    run: zpopmin,
  },
  {
    name: "zpopmax",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "DELETE"] }],
    run: zpopmax,
  },
  {
    name: "zmpop",
    arity: -4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RW", "ACCESS", "DELETE"] }],
    run: zmpop,
  },
  {
    name: "bzpopmin",
    arity: -3,
    flags: ["write", "fast", "blocking"],
    acl: ["sortedset"],
    keys: [{ begin: 1, range: [-2, 1, 0], flags: ["RW", "ACCESS", "DELETE"] }],
    run: (c, a) => bzpop(c, a, "min"),
  },
  {
    name: "bzpopmax",
    arity: -3,
    flags: ["write", "fast", "blocking"],
    acl: ["sortedset"],
    keys: [{ begin: 1, range: [-2, 1, 0], flags: ["RW", "ACCESS", "DELETE"] }],
    run: (c, a) => bzpop(c, a, "max"),
  },
  {
    name: "bzmpop",
    arity: -5,
    flags: ["write", "blocking"],
    acl: ["sortedset"],
    keys: [{ begin: 2, keynum: [0, 1, 1], flags: ["RW", "ACCESS", "DELETE"] }],
    run: bzmpop,
  },
  {
    name: "zrandmember",
    arity: -2,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    tips: ["nondeterministic_output"],
    run: zrandmember,
  },
  {
    name: "zunion",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zunion,
  },
  {
    name: "zinter",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zinter,
  },
  {
    name: "zdiff",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zdiff,
  },
  {
    name: "zunionstore",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["OW", "UPDATE"] }, { begin: 2, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zunionstore,
  },
  {
    name: "zinterstore",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["OW", "UPDATE"] }, { begin: 2, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zinterstore,
  },
  {
    name: "zdiffstore",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["OW", "UPDATE"] }, { begin: 2, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zdiffstore,
  },
  {
    name: "zintercard",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }],
    run: zintercard,
  },
  {
    name: "zscan",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    tips: ["nondeterministic_output"],
    run: zscan,
  },

];

// ---------------------------------------------------------------------------------------------------------
// Encoding, copies, parsing

/** OBJECT ENCODING for a sorted set. */
export function encodingOf(z: SortedSet, _params?: Map<string, string>): string {
  return z.skiplist ? "skiplist" : "listpack";
}

/** Deep copy for COPY. */
export function copyZset(z: SortedSet): SortedSet {
  return z.clone();
}

export interface Limits {
  entries: number;
  value: number;
}

let limEntries = "";
let limValue = "";
let limits: Limits = { entries: 0, value: 0 };

/** The listpack limits; the parsed pair is kept while the config texts stay the same (ZADD calls this each time). */
export function limitsOf(c: Client): Limits {
  const e = c.server.param("zset-max-listpack-entries");
  const v = c.server.param("zset-max-listpack-value");
  if (e !== limEntries || v !== limValue) {
    limits = { entries: Number(e), value: Number(v) };
    limEntries = e;
    limValue = v;
  }
  return limits;
}

/** A new zset for `size` elements whose longest member is `maxLen` bytes (zsetTypeCreate). */
function createZset(lim: Limits, size: number, maxLen: number): SortedSet {
  return new SortedSet(!(size <= lim.entries && maxLen <= lim.value));
}

/** Add or update one member, converting to skiplist as zsetAdd does. Returns true when the member is new. */
export function zsetPut(z: SortedSet, lim: Limits, member: string, score: number): boolean {
  if (!z.skiplist && !z.has(member) && (z.size + 1 > lim.entries || member.length > lim.value)) z.skiplist = true;
  return z.set(member, score);
}

/** Final encoding of a freshly computed result (zsetConvertToListpackIfNeeded). */
function settleEncoding(z: SortedSet, lim: Limits): void {
  let maxLen = 0;
  if (z.size <= lim.entries) for (const [m] of z) if (m.length > maxLen) maxLen = m.length;
  z.skiplist = !(z.size <= lim.entries && maxLen <= lim.value);
}

const SPACE = /^[ \t\n\v\f\r]/;
const DEC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const INF = /^([+-]?)(?:infinity|inf)/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

export interface Strtod {
  value: number;
  /** Characters consumed (0: no conversion). */
  len: number;
  /** ERANGE: overflow, or underflow to zero. */
  range: boolean;
}

/** glibc strtod without the leading-whitespace skip: the longest valid prefix of `s`. */
export function strtod(s: string): Strtod {
  let m = HEX.exec(s);
  if (m) {
    const [int, frac = ""] = m[2]!.split(".");
    const digits = (int ?? "") + frac;
    let v = 0;
    for (const ch of digits) v = v * 16 + parseInt(ch, 16);
    v *= 2 ** (Number(m[3] ?? 0) - 4 * frac.length);
    if (m[1] === "-") v = -v;
    return { value: v, len: m[0].length, range: !Number.isFinite(v) };
  }
  m = INF.exec(s);
  if (m) return { value: m[1] === "-" ? -Infinity : Infinity, len: m[0].length, range: false };
  m = NAN.exec(s);
  if (m) return { value: NaN, len: m[0].length, range: false };
  m = DEC.exec(s);
  if (!m) return { value: 0, len: 0, range: false };
  const v = Number(m[0]);
  const range = !Number.isFinite(v) || (v === 0 && /[1-9]/.test(m[0].replace(/[eE].*$/, "")));
  return { value: v, len: m[0].length, range };
}

/** Valkey's string2d (scores, weights, increments): the whole argument, no spaces, no NaN, no overflow. */
export function parseDouble(b: Buffer | string): number | null {
  if (typeof b !== "string") {
    const v = smallInteger(b);
    if (v !== undefined) return v;
  }
  const s = typeof b === "string" ? b : b.toString("latin1");
  const plain = plainDecimal(s);
  if (plain !== undefined) return plain;
  if (s.length === 0 || SPACE.test(s)) return null;
  const r = strtod(s);
  if (r.len !== s.length || r.range || Number.isNaN(r.value)) return null;
  return r.value;
}

/**
 * Fast path of parseDouble for what clients send almost always: `-?digits[.digits]` in at most 15 characters,
 * where Number() and strtod agree exactly (correctly rounded, no exponent, so no overflow or underflow).
 * undefined: not that shape, take the strtod path (ZADD spent more time in its regexes than in the tree).
 */
function plainDecimal(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 15) return undefined;
  let digits = 0;
  let dot = false;
  for (let i = s.charCodeAt(0) === 45 ? 1 : 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return undefined;
  }
  return digits === 0 ? undefined : Number(s);
}

/** `-?digits` in at most 9 bytes, read without making a string (benchmarks and counters send these). */
function smallInteger(b: Buffer): number | undefined {
  const n = b.length;
  if (n === 0 || n > 9) return undefined;
  const neg = b[0] === 45;
  if (neg && n === 1) return undefined;
  let v = 0;
  for (let i = neg ? 1 : 0; i < n; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function score(b: Buffer): number {
  const v = parseDouble(b);
  if (v === null) throw E.notFloat;
  return v;
}

/** A score range bound as zslParseRange reads it: strtod (leading spaces allowed, no ERANGE check), `(` exclusive. */
function rangeBound(s: string): [value: number, exclusive: boolean] | null {
  let ex = false;
  if (s.charCodeAt(0) === 40) {
    ex = true;
    s = s.slice(1);
  }
  let i = 0;
  while (i < s.length && SPACE.test(s[i]!)) i++;
  const r = strtod(s.slice(i));
  const end = r.len === 0 ? 0 : i + r.len;
  if (end !== s.length || Number.isNaN(r.value)) return null;
  return [r.value, ex];
}

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

export function parseScoreRange(minArg: Buffer, maxArg: Buffer): ScoreRange {
  const a = rangeBound(str(minArg));
  const b = rangeBound(str(maxArg));
  if (a === null || b === null) throw errorText("ERR min or max is not a float");
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

/** Lex bound: inf -1 is "-", +1 is "+", 0 a string with `ex` for "(". */
interface LexBound {
  s: string;
  ex: boolean;
  inf: -1 | 0 | 1;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

function lexBound(s: string): LexBound | null {
  switch (s.charCodeAt(0)) {
    case 43:
      return s.length === 1 ? { s: "", ex: true, inf: 1 } : null;
    case 45:
      return s.length === 1 ? { s: "", ex: true, inf: -1 } : null;
    case 40:
      return { s: s.slice(1), ex: true, inf: 0 };
    case 91:
      return { s: s.slice(1), ex: false, inf: 0 };
    default:
      return null;
  }
}

export function parseLexRange(minArg: Buffer, maxArg: Buffer): LexRange {
  const min = lexBound(str(minArg));
  const max = lexBound(str(maxArg));
  if (min === null || max === null) throw errorText("ERR min or max not valid string range item");
  return { min, max };
}

function lexGteMin(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf < 0;
  return b.ex ? v > b.s : v >= b.s;
}

function lexLteMax(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf > 0;
  return b.ex ? v < b.s : v <= b.s;
}

/** [first rank, end rank) of the elements within a score range. */
export function scoreRangeRanks(z: SortedSet, r: ScoreRange): [number, number] {
  const start = z.countWhile(r.minex ? (s) => s <= r.min : (s) => s < r.min);
  const end = z.countWhile(r.maxex ? (s) => s < r.max : (s) => s <= r.max);
  return [start, Math.max(start, end)];
}

function cmpLexBounds(a: LexBound, b: LexBound): number {
  if (a.inf !== 0 && a.inf === b.inf) return 0;
  if (a.inf < 0 || b.inf > 0) return -1;
  if (a.inf > 0 || b.inf < 0) return 1;
  return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
}

/**
 * [first rank, end rank) of the elements within a lex range. Lex ranges are meant for sets whose scores are all
 * equal; for other sets the result follows Valkey's own walk: the same emptiness checks, then a linear scan
 * for listpack-encoded sets (forward from the head, or backward from the tail when `reverse`) and an ordered
 * search for skiplist-encoded ones.
 */
export function lexRangeRanks(z: SortedSet, r: LexRange, reverse = false): [number, number] {
  const n = z.size;
  const cmp = cmpLexBounds(r.min, r.max);
  if (n === 0 || cmp > 0 || (cmp === 0 && (r.min.ex || r.max.ex))) return [0, 0];
  if (!lexGteMin(z.at(n - 1)[0], r.min) || !lexLteMax(z.at(0)[0], r.max)) return [0, 0];
  if (z.skiplist) {
    const start = z.countWhile((_s, m) => !lexGteMin(m, r.min));
    const end = z.countWhile((_s, m) => lexLteMax(m, r.max));
    return [start, Math.max(start, end)];
  }
  const ms: string[] = [];
  z.range(0, n, false, (m) => {
    ms.push(m);
  });
  if (!reverse) {
    let a = 0;
    while (a < n && !lexGteMin(ms[a]!, r.min)) a++;
    let b = a;
    while (b < n && lexLteMax(ms[b]!, r.max)) b++;
    return [a, b];
  }
  let b = n - 1;
  while (b >= 0 && !lexLteMax(ms[b]!, r.max)) b--;
  let a = b;
  while (a >= 0 && lexGteMin(ms[a]!, r.min)) a--;
  return [a + 1, b + 1];
}

/** Resolve [start, stop] ranks like Valkey (negative from the end); null when empty. */
function clampRanks(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function zsetRead(c: Client, key: string): SortedSet | undefined {
  return c.db.readAs(key, "zset");
}

function zsetWrite(c: Client, key: string): SortedSet | undefined {
  return c.db.writeAs(key, "zset");
}

/** After removing n > 0 members: event, deletion of an emptied key (then "del"), signal. */
function membersRemoved(c: Client, key: string, z: SortedSet, event: string, n: number): void {
  if (z.size === 0) {
    c.db.delete(key);
    c.db.changed(key, event, N.ZSET);
    c.db.notify("del", key, N.GENERIC);
  } else c.db.changed(key, event, N.ZSET);
  if (n > 1) c.server.store.dirty += n - 1;
}

/** Store a computed result at `dst` (or delete `dst` when empty), as the *STORE commands do. */
function storeResult(c: Client, dst: string, z: SortedSet, event: string): void {
  if (z.size > 0) {
    c.db.set(dst, "zset", z);
    c.db.changed(dst, event, N.ZSET);
  } else if (c.db.peek(dst) !== undefined) {
    c.db.delete(dst);
    c.db.changed(dst, "del", N.GENERIC);
  }
  c.w.integer(z.size);
}

/** Reply with members, or members and scores in Valkey's WITHSCORES shape. */
function replyScored(c: Client, members: string[], scores: number[] | null): void {
  if (scores === null) return c.w.bulks(members);
  c.w.scoredArray(members.length);
  for (let i = 0; i < members.length; i++) {
    c.w.scoredPair();
    c.w.bulk(members[i]!);
    c.w.double(scores[i]!);
  }
}

// ---------------------------------------------------------------------------------------------------------
// ZADD / ZINCRBY / ZREM

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
function zadd(c: Client, argv: Buffer[]): void {
  zaddGeneric(c, argv, false);
}

// ZINCRBY key increment member
function zincrby(c: Client, argv: Buffer[]): void {
  zaddGeneric(c, argv, true);
}

function zaddGeneric(c: Client, argv: Buffer[], incrCmd: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    // options are 2 or 4 letters: a score (digits, sign, dot, "inf") is not lowered to a token
    const b = argv[idx]!;
    if ((b.length !== 2 && b.length !== 4) || ((b[0]! | 0x20) - 0x61) >>> 0 > 25) break;
    const t = token(b);
    if (t === "nx") nx = true;
    else if (t === "xx") xx = true;
    else if (t === "ch") ch = true;
    else if (t === "incr") incr = true;
    else if (t === "gt") gt = true;
    else if (t === "lt") lt = true;
    else break;
  }
  const rest = argv.length - idx;
  if (rest % 2 !== 0 || rest === 0) throw E.syntax;
  const n = rest / 2;
  if (nx && xx) throw errorText("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw E.gtLtNx;
  if (incr && n > 1) throw errorText("ERR INCR option supports a single increment-element pair");
  const scores: number[] = new Array(n);
  const members: string[] = new Array(n);
  let maxLen = 0;
  for (let j = 0; j < n; j++) {
    scores[j] = score(argv[idx + 2 * j]!);
    members[j] = str(argv[idx + 2 * j + 1]!);
    if (members[j]!.length > maxLen) maxLen = members[j]!.length;
  }
  const key = str(argv[1]!);
  let z = zsetWrite(c, key);
  const lim = limitsOf(c);
  let created = false;
  if (z === undefined) {
    if (xx) return incr ? c.w.null() : c.w.integer(0);
    z = createZset(lim, n, maxLen);
    created = true;
  } else if (!z.skiplist && (n > lim.entries || maxLen > lim.value)) z.skiplist = true;

  let added = 0;
  let updated = 0;
  let processed = 0;
  let last = 0;
  for (let j = 0; j < n; j++) {
    const m = members[j]!;
    let s = scores[j]!;
    const cur = z.score(m);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (Number.isNaN(s)) throw errorText("ERR resulting score is not a number (NaN)");
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      last = s;
      if (s !== cur) {
        z.set(m, s);
        updated++;
      }
    } else if (!xx) {
      zsetPut(z, lim, m, s);
      added++;
      processed++;
      last = s;
    }
  }
  if (created && z.size > 0) c.db.set(key, "zset", z);
  if (added || updated) {
    c.db.changed(key, incr ? "zincr" : "zadd", N.ZSET);
    if (added + updated > 1) c.server.store.dirty += added + updated - 1;
  }
  if (incr) {
    if (processed) c.w.double(last);
    else c.w.null();
  } else c.w.integer(ch ? added + updated : added);
}

// ZREM key member [member ...]
function zrem(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const z = zsetWrite(c, key);
  if (z === undefined) return c.w.integer(0);
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (z.delete(str(argv[j]!))) deleted++;
    if (z.size === 0) break;
  }
  if (deleted) membersRemoved(c, key, z, "zrem", deleted);
  c.w.integer(deleted);
}

// ---------------------------------------------------------------------------------------------------------
// Reads

// ZCARD key
function zcard(c: Client, argv: Buffer[]): void {
  const z = zsetRead(c, str(argv[1]!));
  c.w.integer(z === undefined ? 0 : z.size);
}

// ZSCORE key member
function zscore(c: Client, argv: Buffer[]): void {
  const z = zsetRead(c, str(argv[1]!));
  const s = z?.score(str(argv[2]!));
  if (s === undefined) c.w.null();
  else c.w.double(s);
}

// ZMSCORE key member [member ...]
function zmscore(c: Client, argv: Buffer[]): void {
  const z = zsetRead(c, str(argv[1]!));
  c.w.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(str(argv[j]!));
    if (s === undefined) c.w.null();
    else c.w.double(s);
  }
}

// ZRANK key member [WITHSCORE]
function zrank(c: Client, argv: Buffer[]): void {
  rankGeneric(c, argv, false);
}

// ZREVRANK key member [WITHSCORE]
function zrevrank(c: Client, argv: Buffer[]): void {
  rankGeneric(c, argv, true);
}

function rankGeneric(c: Client, argv: Buffer[], reverse: boolean): void {
  if (argv.length > 4) throw wrongArity(reverse ? "zrevrank" : "zrank");
  let withScore = false;
  if (argv.length === 4) {
    if (token(argv[3]!) !== "withscore") throw E.syntax;
    withScore = true;
  }
  const z = zsetRead(c, str(argv[1]!));
  const m = str(argv[2]!);
  const r = z === undefined ? -1 : z.rank(m);
  if (r < 0) return withScore ? c.w.nullArray() : c.w.null();
  const rank = reverse ? z!.size - 1 - r : r;
  if (!withScore) return c.w.integer(rank);
  c.w.array(2);
  c.w.integer(rank);
  c.w.double(z!.score(m)!);
}

// ZCOUNT key min max
function zcount(c: Client, argv: Buffer[]): void {
  const r = parseScoreRange(argv[2]!, argv[3]!);
  const z = zsetRead(c, str(argv[1]!));
  if (z === undefined) return c.w.integer(0);
  const [a, b] = scoreRangeRanks(z, r);
  c.w.integer(b - a);
}

// ZLEXCOUNT key min max
function zlexcount(c: Client, argv: Buffer[]): void {
  const r = parseLexRange(argv[2]!, argv[3]!);
  const z = zsetRead(c, str(argv[1]!));
  if (z === undefined) return c.w.integer(0);
  const [a, b] = lexRangeRanks(z, r);
  c.w.integer(b - a);
}

// ---------------------------------------------------------------------------------------------------------
// ZRANGE and its older forms

type RangeType = "auto" | "rank" | "score" | "lex";
type Direction = "auto" | "forward" | "reverse";

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
function zrange(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "auto", "auto");
}

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
function zrangestore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 2, str(argv[1]!), "auto", "auto");
}

// ZREVRANGE key start stop [WITHSCORES]
function zrevrange(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "rank", "reverse");
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
function zrangebyscore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "score", "forward");
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
function zrevrangebyscore(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "score", "reverse");
}

// ZRANGEBYLEX key min max [LIMIT offset count]
function zrangebylex(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "lex", "forward");
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
function zrevrangebylex(c: Client, argv: Buffer[]): void {
  rangeGeneric(c, argv, 1, null, "lex", "reverse");
}

function rangeGeneric(c: Client, argv: Buffer[], keyIdx: number, dst: string | null, type: RangeType, dir: Direction): void {
  const store = dst !== null;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyIdx + 3; j < argv.length; j++) {
    const t = token(argv[j]!);
    const left = argv.length - j - 1;
    if (!store && t === "withscores") withScores = true;
    else if (t === "limit" && left >= 2) {
      offset = int(argv[j + 1]!);
      limit = int(argv[j + 2]!);
      j += 2;
    } else if (dir === "auto" && t === "rev") dir = "reverse";
    else if (type === "auto" && t === "bylex") type = "lex";
    else if (type === "auto" && t === "byscore") type = "score";
    else throw E.syntax;
  }
  if (dir === "auto") dir = "forward";
  if (type === "auto") type = "rank";
  if (limit !== -1 && type === "rank")
    throw errorText("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (withScores && type === "lex") throw errorText("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  const reverse = dir === "reverse";
  let minArg = argv[keyIdx + 1]!;
  let maxArg = argv[keyIdx + 2]!;
  if (reverse && type !== "rank") [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (type === "rank") {
    start = int(minArg);
    end = int(maxArg);
  } else if (type === "score") sr = parseScoreRange(minArg, maxArg);
  else lr = parseLexRange(minArg, maxArg);

  const z = zsetRead(c, str(argv[keyIdx]!));
  let from = 0;
  let count = 0;
  if (z !== undefined) {
    if (type === "rank") {
      const r = clampRanks(start, end, z.size);
      if (r !== null) {
        from = reverse ? z.size - 1 - r[0] : r[0];
        count = r[1] - r[0] + 1;
      }
    } else {
      const [a, b] = sr !== null ? scoreRangeRanks(z, sr) : lexRangeRanks(z, lr!, reverse);
      const inRange = b - a;
      if (offset >= 0 && offset < inRange && limit !== 0) {
        count = inRange - offset;
        if (limit > 0 && limit < count) count = limit;
        from = reverse ? b - 1 - offset : a + offset;
      }
    }
  }
  if (store) {
    const out = new SortedSet();
    z?.range(from, count, reverse, (m, s) => {
      out.set(m, s);
    });
    settleEncoding(out, limitsOf(c));
    return storeResult(c, dst, out, "zrangestore");
  }
  // Straight into the reply, no array of the range first: collecting 500k members and scores into growing arrays
  // was 56% of a ZRANGEBYSCORE's time on Node. `count` is exact (ranks clamped to the set; 0 without a set).
  const w = c.w;
  if (withScores) {
    w.scoredArray(count);
    z?.range(from, count, reverse, (m, s) => {
      w.scoredPair();
      w.bulk(m);
      w.double(s);
    });
  } else {
    w.array(count);
    z?.range(from, count, reverse, (m) => {
      w.bulk(m);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Range removals

// ZREMRANGEBYRANK key start stop
function zremrangebyrank(c: Client, argv: Buffer[]): void {
  const start = int(argv[2]!);
  const end = int(argv[3]!);
  const key = str(argv[1]!);
  const z = zsetWrite(c, key);
  if (z === undefined) return c.w.integer(0);
  const r = clampRanks(start, end, z.size);
  if (r === null) return c.w.integer(0);
  removeRanks(c, key, z, r[0], r[1] + 1, "zremrangebyrank");
}

// ZREMRANGEBYSCORE key min max
function zremrangebyscore(c: Client, argv: Buffer[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  const key = str(argv[1]!);
  const z = zsetWrite(c, key);
  if (z === undefined) return c.w.integer(0);
  const [a, b] = scoreRangeRanks(z, range);
  removeRanks(c, key, z, a, b, "zremrangebyscore");
}

// ZREMRANGEBYLEX key min max
function zremrangebylex(c: Client, argv: Buffer[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  const key = str(argv[1]!);
  const z = zsetWrite(c, key);
  if (z === undefined) return c.w.integer(0);
  const [a, b] = lexRangeRanks(z, range);
  removeRanks(c, key, z, a, b, "zremrangebylex");
}

function removeRanks(c: Client, key: string, z: SortedSet, from: number, to: number, event: string): void {
  const n = to - from;
  if (n > 0) {
    z.removeRange(from, to - 1);
    membersRemoved(c, key, z, event, n);
  }
  c.w.integer(Math.max(0, n));
}

// ---------------------------------------------------------------------------------------------------------
// Pops and random members

// ZPOPMIN key [count]
function zpopmin(c: Client, argv: Buffer[]): void {
  popMinMax(c, argv, "min");
}

// ZPOPMAX key [count]
function zpopmax(c: Client, argv: Buffer[]): void {
  popMinMax(c, argv, "max");
}

function popMinMax(c: Client, argv: Buffer[], where: "min" | "max"): void {
  if (argv.length > 3) throw E.syntax;
  const count = argv.length === 3 ? positiveInt(argv[2]!) : -1;
  const key = str(argv[1]!);
  const z = zsetWrite(c, key);
  if (z === undefined || count === 0) return c.w.array(0);
  const popped = zpopFrom(c, key, z, where, count === -1 ? 1 : count);
  // RESP3 nests [member, score] pairs only when a count was given
  if (count === -1) {
    c.w.array(2);
    c.w.bulk(popped[0]![0]);
    c.w.double(popped[0]![1]);
  } else replyScored(c, popped.map((p) => p[0]), popped.map((p) => p[1]));
}

/**
 * Pop up to `count` (>= 1) members from the low or high end of an existing zset: emits zpopmin/zpopmax,
 * deletes the emptied key (then "del"), signals. For BZPOPMIN/BZPOPMAX/BZMPOP to reuse.
 */
export function zpopFrom(c: Client, key: string, z: SortedSet, where: "min" | "max", count: number): Array<[string, number]> {
  const n = Math.min(count, z.size);
  const out = where === "min" ? z.removeRange(0, n - 1) : z.removeRange(z.size - n, z.size - 1).reverse();
  membersRemoved(c, key, z, where === "min" ? "zpopmin" : "zpopmax", n);
  return out;
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
function zmpop(c: Client, argv: Buffer[]): void {
  if (!serveZmpop(c, parseZmpop(argv, 1))) c.w.nullArray();
}

interface ZmpopRequest {
  keys: string[];
  where: "min" | "max";
  count: number;
}

/** ZMPOP / BZMPOP arguments from argv[at] = numkeys. */
function parseZmpop(argv: Buffer[], at: number): ZmpopRequest {
  const numkeys = rangeInt(argv[at]!, 1n, LONG_MAX, "ERR numkeys should be greater than 0");
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) throw E.syntax;
  const t = token(argv[whereIdx]!);
  if (t !== "min" && t !== "max") throw E.syntax;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && token(argv[j]!) === "count" && more) {
      count = rangeInt(argv[++j]!, 1n, LONG_MAX, "ERR count should be greater than 0");
    } else throw E.syntax;
  }
  const keys: string[] = [];
  for (let k = at + 1; k < whereIdx; k++) keys.push(str(argv[k]!));
  return { keys, where: t, count: count === -1 ? 1 : count };
}

/** Pop from the first non-empty zset and reply [key, [[member, score]...]]; false if all are empty. */
function serveZmpop(c: Client, req: ZmpopRequest): boolean {
  for (const key of req.keys) {
    const z = zsetWrite(c, key);
    if (z === undefined) continue;
    const popped = zpopFrom(c, key, z, req.where, req.count);
    c.w.array(2);
    c.w.bulk(key);
    c.w.array(popped.length);
    for (const [m, sc] of popped) {
      c.w.array(2);
      c.w.bulk(m);
      c.w.double(sc);
    }
    return true;
  }
  return false;
}

// BZPOPMIN key [key ...] timeout  /  BZPOPMAX key [key ...] timeout
function bzpop(c: Client, argv: Buffer[], where: "min" | "max"): void {
  const timeout = blockTimeout(argv[argv.length - 1]!);
  const keys: string[] = [];
  for (let k = 1; k < argv.length - 1; k++) {
    const key = str(argv[k]!);
    const z = zsetWrite(c, key);
    if (z !== undefined) {
      const [[m, sc]] = zpopFrom(c, key, z, where, 1) as [[string, number]];
      c.w.array(3);
      c.w.bulk(key);
      c.w.bulk(m);
      c.w.double(sc);
      return;
    }
    keys.push(key);
  }
  if (canBlock(c)) block(c, argv, keys, timeout, { type: "zset", timeoutReply: "nullArray" });
  else c.w.nullArray();
}

// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
function bzmpop(c: Client, argv: Buffer[]): void {
  const timeout = blockTimeout(argv[1]!);
  const req = parseZmpop(argv, 2);
  if (serveZmpop(c, req)) return;
  if (canBlock(c)) block(c, argv, req.keys, timeout, { type: "zset", timeoutReply: "nullArray" });
  else c.w.nullArray();
}

// ZRANDMEMBER key [count [WITHSCORES]]
function zrandmember(c: Client, argv: Buffer[]): void {
  if (argv.length === 2) {
    const z = zsetRead(c, str(argv[1]!));
    if (z === undefined) return c.w.null();
    return c.w.bulk(z.at(Math.floor(Math.random() * z.size))[0]);
  }
  const l = rangeInt(argv[2]!, -LONG_MAX, LONG_MAX);
  let withScores = false;
  if (argv.length > 4 || (argv.length === 4 && token(argv[3]!) !== "withscores")) throw E.syntax;
  if (argv.length === 4) {
    withScores = true;
    if (l < -Number(LONG_MAX / 2n) || l > Number(LONG_MAX / 2n)) throw errorText("ERR value is out of range");
  }
  const z = zsetRead(c, str(argv[1]!));
  if (z === undefined || l === 0) return c.w.array(0);
  const size = z.size;
  const picks: Array<[string, number]> = [];
  if (l < 0 || l === 1) {
    const count = l < 0 ? -l : 1;
    for (let i = 0; i < count; i++) picks.push(z.at(Math.floor(Math.random() * size)));
  } else if (l >= size) {
    // the whole set, walked from the highest element down as Valkey's iterator does
    z.range(size - 1, size, true, (m, s) => {
      picks.push([m, s]);
    });
  } else {
    // a uniform sample of distinct ranks (Floyd)
    const chosen = new Set<number>();
    for (let j = size - l; j < size; j++) {
      const t = Math.floor(Math.random() * (j + 1));
      chosen.add(chosen.has(t) ? j : t);
    }
    for (const r of chosen) picks.push(z.at(r));
  }
  replyScored(
    c,
    picks.map((p) => p[0]),
    withScores ? picks.map((p) => p[1]) : null,
  );
}

// ---------------------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD

/**
 * A source for the set operations: a zset, or a plain set whose members all score 1. Sets are owned by the
 * sets family; any value with `size`, `has(member)` and iteration over member strings works here.
 */
interface OpSource {
  size: number;
  has(m: string): boolean;
  score(m: string): number | undefined;
  entries(): Iterable<[string, number]>;
  weight: number;
  identity: unknown;
}

interface MemberSet {
  size: number;
  has(m: string): boolean;
  [Symbol.iterator](): Iterator<string>;
}

function sourceOf(value: unknown, type: string): OpSource {
  if (type === "zset") {
    const z = value as SortedSet;
    return {
      size: z.size,
      has: (m) => z.has(m),
      score: (m) => z.score(m),
      entries: () => z,
      weight: 1,
      identity: z,
    };
  }
  const s = value as MemberSet;
  return {
    size: s.size,
    has: (m) => s.has(m),
    score: (m) => (s.has(m) ? 1 : undefined),
    entries: function* () {
      for (const m of s) yield [m, 1] as [string, number];
    },
    weight: 1,
    identity: s,
  };
}

const EMPTY_SOURCE: OpSource = {
  size: 0,
  has: () => false,
  score: () => undefined,
  entries: () => [],
  weight: 1,
  identity: null,
};

type SetOp = "union" | "inter" | "diff";
type Aggregate = "sum" | "min" | "max";

function aggregate(target: number, v: number, agg: Aggregate): number {
  if (agg === "sum") {
    const r = target + v;
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === "min") return v < target ? v : target;
  return v > target ? v : target;
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
function zunionstore(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, str(argv[1]!), 2, "union", false);
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
function zinterstore(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, str(argv[1]!), 2, "inter", false);
}

// ZDIFFSTORE destination numkeys key [key ...]
function zdiffstore(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, str(argv[1]!), 2, "diff", false);
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
function zunion(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, null, 1, "union", false);
}

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
function zinter(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, null, 1, "inter", false);
}

// ZDIFF numkeys key [key ...] [WITHSCORES]
function zdiff(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, null, 1, "diff", false);
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
function zintercard(c: Client, argv: Buffer[]): void {
  setOpGeneric(c, argv, null, 1, "inter", true);
}

function setOpGeneric(c: Client, argv: Buffer[], dst: string | null, numIdx: number, op: SetOp, cardOnly: boolean): void {
  const setnum = int(argv[numIdx]!);
  if (setnum < 1) throw errorText(`ERR at least 1 input key is needed for '${str(argv[0]!).toLowerCase()}' command`);
  if (setnum > argv.length - (numIdx + 1)) throw E.syntax;
  const src: OpSource[] = [];
  let j = numIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const e = c.db.read(str(argv[j]!));
    if (e === undefined) src.push({ ...EMPTY_SOURCE });
    else if (e.type === "zset" || e.type === "set") src.push(sourceOf(e.value, e.type));
    else throw E.wrongType;
  }
  let agg: Aggregate = "sum";
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const t = token(argv[j]!);
    if (op !== "diff" && !cardOnly && remaining >= setnum + 1 && t === "weights") {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]!);
        if (w === null) throw errorText("ERR weight value is not a float");
        src[i]!.weight = w;
      }
    } else if (op !== "diff" && !cardOnly && remaining >= 2 && t === "aggregate") {
      const a = token(argv[j + 1]!);
      if (a !== "sum" && a !== "min" && a !== "max") throw E.syntax;
      agg = a;
      j += 2;
    } else if (remaining >= 1 && dst === null && !cardOnly && t === "withscores") {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && t === "limit") {
      limit = positiveInt(argv[j + 1]!, "ERR LIMIT can't be negative");
      j += 2;
    } else throw E.syntax;
  }

  const result = new Map<string, number>();
  let card = 0;
  if (op === "inter") {
    const order = src.slice().sort((a, b) => a.size - b.size);
    const first = order[0]!;
    if (first.size > 0) {
      for (const [m, s0] of first.entries()) {
        let sc = first.weight * s0;
        if (Number.isNaN(sc)) sc = 0;
        let k = 1;
        for (; k < order.length; k++) {
          const o = order[k]!;
          const v = o.identity === first.identity ? s0 : o.score(m);
          if (v === undefined) break;
          sc = aggregate(sc, v * o.weight, agg);
        }
        if (k < order.length) continue;
        if (cardOnly) {
          card++;
          if (limit && card >= limit) break;
        } else result.set(m, sc);
      }
    }
  } else if (op === "union") {
    for (const o of src) {
      if (o.size === 0) continue;
      for (const [m, s0] of o.entries()) {
        let sc = o.weight * s0;
        if (Number.isNaN(sc)) sc = 0;
        const cur = result.get(m);
        result.set(m, cur === undefined ? sc : aggregate(cur, sc, agg));
      }
    }
  } else {
    const first = src[0]!;
    if (first.size > 0 && !src.slice(1).some((o) => o.identity === first.identity && o.identity !== null)) {
      for (const [m, s0] of first.entries()) {
        if (!src.slice(1).some((o) => o.has(m))) result.set(m, s0);
      }
    }
  }
  if (cardOnly) return c.w.integer(card);

  const out = new SortedSet();
  for (const [m, s] of result) out.set(m, s);
  if (dst !== null) {
    settleEncoding(out, limitsOf(c));
    return storeResult(c, dst, out, op === "union" ? "zunionstore" : op === "inter" ? "zinterstore" : "zdiffstore");
  }
  const members: string[] = [];
  const scores: number[] = [];
  for (const [m, s] of out) {
    members.push(m);
    scores.push(s);
  }
  replyScored(c, members, withScores ? scores : null);
}

// ---------------------------------------------------------------------------------------------------------
// ZSCAN
//
// Cursor design. A skiplist-encoded zset is scanned in the insertion order of its member map, through a live
// Map iterator kept server side under the cursor number: a JS Map iterator visits every entry that is not
// deleted before it gets there, whatever else is added, removed or re-scored meanwhile. So a member present
// for the whole scan is always returned (score changes do not move it). To make sure the scan ends even
// while members keep arriving, the set tags members inserted while a scan runs (SortedSet.zscan) and the
// scan stops at the first member newer than its own start: every entry after it in insertion order is newer
// too. A cursor that is unknown (never issued, evicted from the bounded table, idle too long, or issued for a
// value the key no longer holds) restarts the scan from the beginning: duplicates, never misses. Small
// (listpack) zsets are returned whole with cursor 0, as Valkey does.

interface ScanState {
  z: SortedSet;
  it: Iterator<[string, number]>;
  startSeq: number;
  touched: number;
}

const SCAN_TABLE_MAX = 1024;
const SCAN_IDLE_MS = 10 * 60 * 1000;
/** cursor -> state, least recently used first */
const scans = new Map<string, ScanState>();
let nextCursor = 1;

function beginScan(z: SortedSet): ScanState {
  const tags = (z.zscan ??= new ZScanTags());
  tags.active++;
  return { z, it: z.dict!.entries(), startSeq: tags.seq, touched: Date.now() };
}

function endScan(st: ScanState): void {
  if (--st.z.zscan!.active === 0) st.z.zscan = null;
}

function resumeScan(z: SortedSet, cursor: string): ScanState {
  const now = Date.now();
  for (const [id, st] of scans) {
    if (now - st.touched < SCAN_IDLE_MS) break;
    scans.delete(id);
    endScan(st);
  }
  const st = scans.get(cursor);
  if (st === undefined) return beginScan(z);
  scans.delete(cursor);
  if (st.z === z) return st;
  endScan(st);
  return beginScan(z);
}

function parkScan(st: ScanState): string {
  const id = String(nextCursor);
  nextCursor = nextCursor >= Number.MAX_SAFE_INTEGER ? 1 : nextCursor + 1;
  st.touched = Date.now();
  scans.set(id, st);
  if (scans.size > SCAN_TABLE_MAX) {
    const [oldId, old] = scans.entries().next().value!;
    scans.delete(oldId);
    endScan(old);
  }
  return id;
}

/** "%.17Lg" as Valkey prints skiplist scores in ZSCAN. */
export function format17g(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const e = d.toExponential(16);
  const ePos = e.indexOf("e");
  const exp = Number(e.slice(ePos + 1));
  const neg = d < 0;
  const digits = e.slice(neg ? 1 : 0, ePos).replace(".", "");
  let out: string;
  if (exp >= -4 && exp < 17) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1);
      const frac = digits.slice(exp + 1).replace(/0+$/, "");
      out = frac ? `${intPart}.${frac}` : intPart;
    } else {
      out = ("0." + "0".repeat(-exp - 1) + digits).replace(/0+$/, "");
    }
  } else {
    const frac = digits.slice(1).replace(/0+$/, "");
    const ex = Math.abs(exp);
    out = `${digits[0]}${frac ? "." + frac : ""}e${exp < 0 ? "-" : "+"}${ex < 10 ? "0" + ex : ex}`;
  }
  return neg ? "-" + out : out;
}

// ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES]
function zscan(c: Client, argv: Buffer[]): void {
  const cursor = str(argv[2]!);
  if (!/^\d+$/.test(cursor) || BigInt(cursor) > 2n ** 64n - 1n) throw errorText("ERR invalid cursor");
  const z = zsetRead(c, str(argv[1]!));
  if (z === undefined) {
    c.w.array(2);
    c.w.bulk("0");
    return c.w.array(0);
  }
  let count = 10;
  let pattern: string | null = null;
  let noScores = false;
  const a = new Args(argv, 3);
  while (a.more()) {
    const t = a.peekToken();
    const left = a.remaining();
    if (t === "count" && left >= 2) {
      a.i++;
      count = a.int();
      if (count < 1) throw E.syntax;
    } else if (t === "match" && left >= 2) {
      a.i++;
      pattern = a.key();
      if (pattern === "*") pattern = null;
    } else if (t === "novalues") {
      throw errorText("ERR NOVALUES option can only be used in HSCAN");
    } else if (t === "noscores") {
      noScores = true;
      a.i++;
    } else throw E.syntax;
  }
  const out: string[] = [];
  let next = "0";
  if (!z.skiplist) {
    for (const [m, s] of z) {
      if (pattern !== null && !globMatch(pattern, m)) continue;
      out.push(m);
      if (!noScores) out.push(formatDouble(s));
    }
  } else {
    const st = /^0+$/.test(cursor) ? beginScan(z) : resumeScan(z, cursor);
    let done = false;
    for (let visited = 0; visited < count; visited++) {
      const r = st.it.next();
      if (r.done) {
        done = true;
        break;
      }
      const [m, s] = r.value;
      const tag = z.zscan!.tags.get(m);
      if (tag !== undefined && tag > st.startSeq) {
        done = true;
        break;
      }
      if (pattern !== null && !globMatch(pattern, m)) continue;
      out.push(m);
      if (!noScores) out.push(format17g(s));
    }
    if (done) endScan(st);
    else next = parkScan(st);
  }
  c.w.array(2);
  c.w.bulk(next);
  c.w.bulks(out);
}

// ---------------------------------------------------------------------------------------------------------
// COPY, OBJECT ENCODING, DUMP / RESTORE

registerType("zset", { clone: copyZset, encoding: (e) => encodingOf(e.value) });

/** A score as zzlInsertAt stores it in a listpack: an integer when double2ll allows, else d2string's text. */
function listpackScore(s: number): string {
  return s === 0 ? "0" : formatDouble(s);
}

registerDump("zset", (z: SortedSet, w) => {
  if (!z.skiplist) {
    w.byte(RDB_TYPE.ZSET_LISTPACK);
    const items: string[] = [];
    for (const [m, s] of z) items.push(m, listpackScore(s));
    w.string(listpackEncode(items));
    return;
  }
  // ZSET_2: from the greatest element down, so loading appends at the head
  w.byte(RDB_TYPE.ZSET_2);
  w.len(z.size);
  z.range(z.size - 1, z.size, true, (m, s) => {
    w.string(Buffer.from(m, "latin1"));
    w.binaryDouble(s);
  });
});

registerRestore([RDB_TYPE.ZSET, RDB_TYPE.ZSET_2, RDB_TYPE.ZSET_LISTPACK], (t, r, cfg) => {
  const lim = { entries: cfg("zset-max-listpack-entries"), value: cfg("zset-max-listpack-value") };
  const z = new SortedSet();
  let maxLen = 0;
  if (t === RDB_TYPE.ZSET_LISTPACK) {
    const items = listpackDecode(r.string());
    if (items.length % 2 !== 0) throw new RdbFormatError("odd zset listpack");
    for (let i = 0; i < items.length; i += 2) {
      const m = items[i]!.toString("latin1");
      const sc = strtod(items[i + 1]!.toString("latin1"));
      if (sc.len === 0 || Number.isNaN(sc.value)) throw new RdbFormatError("bad zset score");
      z.set(m, sc.value);
      if (m.length > maxLen) maxLen = m.length;
    }
  } else {
    const n = r.len();
    for (let i = 0; i < n; i++) {
      const m = r.string().toString("latin1");
      const s = t === RDB_TYPE.ZSET_2 ? r.binaryDouble() : r.asciiDouble();
      if (Number.isNaN(s)) throw new RdbFormatError("zset with NaN score");
      if (!z.set(m, s)) throw new RdbFormatError("duplicate zset member");
      if (m.length > maxLen) maxLen = m.length;
    }
  }
  if (z.size === 0) throw new RdbFormatError("empty zset");
  z.skiplist = !(z.size <= lim.entries && maxLen <= lim.value);
  return { type: "zset", value: z };
});
