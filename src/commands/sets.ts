// Set family: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERSTORE
// SINTERCARD SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN. Values are SetValue (a Set<string>, see
// src/structures/set.ts), which keeps Valkey's encodings and the member order they imply.

import type { Client } from "../client.js";
import { I64_MAX, parseI64Big, str, token } from "../args.js";
import { E } from "../errors.js";
import { N, type Entry } from "../store.js";
import { parseCursor, sampleInOrder, sampleShuffled } from "../structures/scannable.js";
import { globMatch } from "../glob.js";
import {
  HASHTABLE,
  INTSET,
  LISTPACK,
  SetValue,
  adoptSet,
  createSet,
  dupSet,
  isInt64,
  setEncoding,
  setLimits,
  type SetLimits,
} from "../structures/set.js";
import { MAX_RANDOM_COUNT, cfgParams, emptyScan, scanOptions, type Params } from "./hashes.js";
import { RDB_TYPE, RdbFormatError, intsetDecode, intsetEncode, listpackDecode, listpackEncode, registerDump, registerRestore } from "../dump.js";
import { registerType } from "../values.js";
import type { CommandEntry, KeySpec } from "./types.js";

const one = (...f: string[]): KeySpec[] => [{ begin: 1, flags: f }];
const many: KeySpec[] = [{ begin: 1, range: [-1, 1, 0], flags: ["RO", "ACCESS"] }];
const store: KeySpec[] = [
  { begin: 1, flags: ["OW", "UPDATE"] },
  { begin: 2, range: [-1, 1, 0], flags: ["RO", "ACCESS"] },
];

export const commands: CommandEntry[] = [
  { name: "sadd", arity: -3, flags: ["write", "denyoom", "fast"], acl: ["set"], keys: one("RW", "INSERT"), run: sadd },
  { name: "srem", arity: -3, flags: ["write", "fast"], acl: ["set"], keys: one("RW", "DELETE"), run: srem },
  { name: "smembers", arity: 2, flags: ["readonly"], acl: ["set"], keys: one("RO", "ACCESS"), tips: ["nondeterministic_output_order"], run: smembers },
  { name: "sismember", arity: 3, flags: ["readonly", "fast"], acl: ["set"], keys: one("RO"), run: sismember },
  { name: "smismember", arity: -3, flags: ["readonly", "fast"], acl: ["set"], keys: one("RO", "ACCESS"), run: smismember },
  { name: "scard", arity: 2, flags: ["readonly", "fast"], acl: ["set"], keys: one("RO"), run: scard },
  { name: "spop", arity: -2, flags: ["write", "fast"], acl: ["set"], keys: one("RW", "ACCESS", "DELETE"), tips: ["nondeterministic_output"], run: spop },
  { name: "srandmember", arity: -2, flags: ["readonly"], acl: ["set"], keys: one("RO", "ACCESS"), tips: ["nondeterministic_output"], run: srandmember },
  {
    name: "smove",
    arity: 4,
    flags: ["write", "fast"],
    acl: ["set"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, flags: ["RW", "INSERT"] },
    ],
    run: smove,
  },
  { name: "sinter", arity: -2, flags: ["readonly"], acl: ["set"], keys: many, tips: ["nondeterministic_output_order"], run: sinter },
  { name: "sinterstore", arity: -3, flags: ["write", "denyoom"], acl: ["set"], keys: store, run: sinterstore },
  { name: "sintercard", arity: -3, flags: ["readonly"], acl: ["set"], keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }], run: sintercard },
  { name: "sunion", arity: -2, flags: ["readonly"], acl: ["set"], keys: many, tips: ["nondeterministic_output_order"], run: sunion },
  { name: "sunionstore", arity: -3, flags: ["write", "denyoom"], acl: ["set"], keys: store, run: sunionstore },
  { name: "sdiff", arity: -2, flags: ["readonly"], acl: ["set"], keys: many, tips: ["nondeterministic_output_order"], run: sdiff },
  { name: "sdiffstore", arity: -3, flags: ["write", "denyoom"], acl: ["set"], keys: store, run: sdiffstore },
  { name: "sscan", arity: -3, flags: ["readonly"], acl: ["set"], keys: one("RO", "ACCESS"), tips: ["nondeterministic_output"], run: sscan },
];

/** OBJECT ENCODING for a set value ("intset" | "listpack" | "hashtable"); `params` is the server's config params. */
export function encodingOf(value: Set<string>, params: Params): string {
  return setEncoding(value, setLimits((n) => params.get(n)));
}

/** A copy of a set value with the same encoding and order (COPY). */
export function copyValue(value: Set<string>, params: Params): SetValue {
  return dupSet(value, setLimits((n) => params.get(n)));
}

function limits(c: Client): SetLimits {
  return setLimits((n) => c.server.param(n));
}

function asSet(c: Client, e: Entry): SetValue {
  if (e.type !== "set") throw E.wrongType;
  return e.value instanceof SetValue ? e.value : (e.value = adoptSet(e.value, limits(c)));
}

function readSet(c: Client, key: string): SetValue | undefined {
  const e = c.db.read(key);
  return e === undefined ? undefined : asSet(c, e);
}

function writeSet(c: Client, key: string): SetValue | undefined {
  const e = c.db.write(key);
  return e === undefined ? undefined : asSet(c, e);
}

function replyMembers(c: Client, members: Iterable<string>, n: number): void {
  c.w.set(n);
  for (const m of members) c.w.bulk(m);
}

// SADD key member [member ...]
function sadd(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const lim = limits(c);
  const found = writeSet(c, key);
  const s = found ?? createSet(str(argv[2]!), argv.length - 2, lim);
  found?.maybeConvert(argv.length - 2, lim);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.addMember(str(argv[i]!), lim)) added++;
  if (found === undefined) c.db.set(key, "set", s);
  if (added > 0) c.db.changed(key, "sadd", N.SET);
  c.w.integer(added);
}

// SREM key member [member ...]
function srem(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const s = writeSet(c, key);
  if (s === undefined) return c.w.integer(0);
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (s.delete(str(argv[i]!))) {
      deleted++;
      if (s.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.db.changed(key, "srem", N.SET);
    if (removed) c.db.notify("del", key, N.GENERIC);
  }
  c.w.integer(deleted);
}

// SMEMBERS key
function smembers(c: Client, argv: Buffer[]): void {
  const s = readSet(c, str(argv[1]!));
  if (s === undefined) return c.w.set(0);
  replyMembers(c, s.members(), s.size);
}

// SISMEMBER key member
function sismember(c: Client, argv: Buffer[]): void {
  const s = readSet(c, str(argv[1]!));
  c.w.integer(s !== undefined && s.has(str(argv[2]!)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
function smismember(c: Client, argv: Buffer[]): void {
  const s = readSet(c, str(argv[1]!));
  c.w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.w.integer(s !== undefined && s.has(str(argv[i]!)) ? 1 : 0);
}

// SCARD key
function scard(c: Client, argv: Buffer[]): void {
  c.w.integer(readSet(c, str(argv[1]!))?.size ?? 0);
}

// SPOP key [count]
function spop(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) return spopCount(c, argv);
  if (argv.length > 3) throw E.syntax;
  const key = str(argv[1]!);
  const s = writeSet(c, key);
  if (s === undefined) return c.w.null();
  const m = s.randomMember();
  s.delete(m);
  const emptied = s.size === 0;
  if (emptied) c.db.delete(key);
  c.db.changed(key, "spop", N.SET);
  if (emptied) c.db.notify("del", key, N.GENERIC);
  c.w.bulk(m);
}

/** How much larger the set must be than what stays for SPOP to pop one by one (Valkey's SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopCount(c: Client, argv: Buffer[]): void {
  const l = parseI64Big(argv[2]!);
  if (l === null || l < 0n) throw E.outOfRangePositive;
  const key = str(argv[1]!);
  const s = writeSet(c, key);
  if (s === undefined || l === 0n) return c.w.set(0);
  const lim = limits(c);
  const size = s.size;
  if (l >= BigInt(size)) {
    // The whole set, listed the way SUNION of this one set would list it; then the key goes.
    const all = new SetValue();
    for (const m of s.members()) all.addMember(m, lim);
    replyMembers(c, all.members(), all.size);
    c.db.delete(key);
    c.db.changed(key, "spop", N.SET);
    c.db.notify("del", key, N.GENERIC);
    return;
  }
  const count = Number(l);
  const remaining = size - count;
  c.w.set(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // Pop one by one (a listpack yields its picks in listpack order).
    if (s.enc === LISTPACK) {
      for (const m of sampleInOrder(s, size, count)) {
        c.w.bulk(m);
        s.delete(m);
      }
    } else {
      for (let i = 0; i < count; i++) {
        const m = s.randomMember();
        s.delete(m);
        c.w.bulk(m);
      }
    }
  } else {
    // Choose what stays, pop everything else. Valkey rebuilds the set from what stays, so its encoding may
    // go back down to listpack/intset; the value is changed in place so running SSCANs keep their cursor.
    const keep = s.enc === LISTPACK ? sampleInOrder(s, size, remaining) : sampleShuffled([...s], remaining);
    const kept = new Set(keep);
    const popped: string[] = [];
    for (const m of s.members()) if (!kept.has(m)) popped.push(m);
    for (const m of popped) {
      c.w.bulk(m);
      s.delete(m);
    }
    if (s.enc === INTSET) s.enc = remaining > Math.min(lim.intset, 1 << 30) ? HASHTABLE : INTSET;
    else s.enc = remaining <= lim.entries && keep.every((m) => m.length <= lim.value) ? LISTPACK : HASHTABLE;
  }
  c.db.changed(key, "spop", N.SET);
}

/** SRANDMEMBER's switch to copying the whole set (Valkey's SRANDMEMBER_SUB_STRATEGY_MUL). */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

// SRANDMEMBER key [count]
function srandmember(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw E.syntax;
  const key = str(argv[1]!);
  if (argv.length === 2) {
    const s = readSet(c, key);
    if (s === undefined) return c.w.null();
    return c.w.bulk(s.randomMember());
  }
  const l = parseI64Big(argv[2]!);
  if (l === null) throw E.notInteger;
  if (l < -I64_MAX) throw E.outOfRangeLong;
  const s = readSet(c, key);
  if (s === undefined || l === 0n) return c.w.array(0);
  const uniq = l > 0n;
  const big = uniq ? l : -l;
  const size = s.size;
  if ((!uniq || big === 1n) && big > BigInt(MAX_RANDOM_COUNT)) throw E.outOfRange;
  const count = Number(big);
  if (!uniq || count === 1) {
    c.w.array(count);
    for (let i = 0; i < count; i++) c.w.bulk(s.randomMember());
    return;
  }
  if (count >= size) {
    c.w.array(size);
    for (const m of s.members()) c.w.bulk(m);
    return;
  }
  let picks: Iterable<string>;
  if (s.enc === LISTPACK) picks = sampleInOrder(s, size, count);
  else if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) picks = sampleShuffled([...s], count);
  else {
    const picked = new Set<string>();
    while (picked.size < count) picked.add(s.randomMember());
    picks = picked;
  }
  c.w.array(count);
  for (const m of picks) c.w.bulk(m);
}

// SMOVE source destination member
function smove(c: Client, argv: Buffer[]): void {
  const srcKey = str(argv[1]!);
  const dstKey = str(argv[2]!);
  const member = str(argv[3]!);
  const se = c.db.write(srcKey);
  const de = c.db.write(dstKey);
  if (se === undefined) return c.w.integer(0);
  const src = asSet(c, se);
  const dst = de === undefined ? undefined : asSet(c, de);
  if (src === dst) return c.w.integer(src.has(member) ? 1 : 0);
  if (!src.delete(member)) return c.w.integer(0);
  const emptied = src.size === 0;
  if (emptied) c.db.delete(srcKey);
  c.db.changed(srcKey, "srem", N.SET);
  if (emptied) c.db.notify("del", srcKey, N.GENERIC);
  const lim = limits(c);
  const target = dst ?? createSet(member, 1, lim);
  if (dst === undefined) c.db.set(dstKey, "set", target);
  if (target.addMember(member, lim)) c.db.changed(dstKey, "sadd", N.SET);
  c.w.integer(1);
}

/** The sets named by `keys` (null for a missing key); WRONGTYPE if any key holds something else. */
function lookupSets(c: Client, keys: Buffer[]): Array<SetValue | null> {
  const out: Array<SetValue | null> = [];
  for (const k of keys) {
    const e = c.db.read(str(k));
    out.push(e === undefined ? null : asSet(c, e));
  }
  return out;
}

/** Store a STORE variant's result, or delete the destination when the result is empty. */
function storeResult(c: Client, dst: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.set(dst, "set", result);
    c.db.changed(dst, event, N.SET);
    c.w.integer(result.size);
  } else {
    c.w.integer(0);
    if (c.db.peek(dst) !== undefined && c.db.delete(dst)) c.db.changed(dst, "del", N.GENERIC);
  }
}

/** SINTER / SINTERSTORE / SINTERCARD (Valkey's sinterGenericCommand). */
function interGeneric(c: Client, keys: Buffer[], dst: string | null, cardOnly: boolean, limit: number): void {
  const found = lookupSets(c, keys);
  if (found.includes(null)) {
    if (dst !== null) storeResult(c, dst, new SetValue(), "sinterstore");
    else if (cardOnly) c.w.integer(0);
    else c.w.set(0);
    return;
  }
  const sets = (found as SetValue[]).sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const lim = limits(c);
  let result: SetValue | null = null;
  if (dst !== null) {
    result = new SetValue();
    result.enc = first.enc === INTSET ? INTSET : LISTPACK;
  }
  const out: string[] = [];
  let card = 0;
  let onlyInts = true;
  for (const m of first.members()) {
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] === first) continue;
      if (!sets[j]!.has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    if (cardOnly) {
      card++;
      if (limit > 0 && card >= limit) break;
    } else if (result === null) out.push(m);
    else {
      if (onlyInts && !isInt64(m)) onlyInts = false;
      result.addMember(m, lim);
    }
  }
  if (cardOnly) c.w.integer(card);
  else if (result !== null) {
    if (onlyInts) result.maybeToIntset(lim);
    storeResult(c, dst!, result, "sinterstore");
  } else replyMembers(c, out, out.length);
}

/** SUNION / SDIFF and their STORE variants (Valkey's sunionDiffGenericCommand). */
function unionDiffGeneric(c: Client, keys: Buffer[], dst: string | null, op: "union" | "diff"): void {
  const sets = lookupSets(c, keys);
  const lim = limits(c);
  const result = new SetValue();
  const first = sets[0];
  const sameset = first != null && sets.some((s, j) => j > 0 && s === first);
  if (op === "union") {
    for (const s of sets) if (s !== null) for (const m of s.members()) result.addMember(m, lim);
  } else if (first != null && !sameset) {
    let algoOne = 0;
    let algoTwo = 0;
    for (const s of sets) {
      if (s === null) continue;
      algoOne += first.size;
      algoTwo += s.size;
    }
    if (Math.floor(algoOne / 2) <= algoTwo) {
      // Algorithm 1: keep the members of the first set that no other set has.
      for (const m of first.members()) {
        let keep = true;
        for (let j = 1; j < sets.length; j++) {
          const s = sets[j];
          if (s != null && s.has(m)) {
            keep = false;
            break;
          }
        }
        if (keep) result.addMember(m, lim);
      }
    } else {
      // Algorithm 2: add the whole first set, then remove every other set's members.
      for (let j = 0; j < sets.length; j++) {
        const s = sets[j];
        if (s == null) continue;
        for (const m of s.members()) {
          if (j === 0) result.addMember(m, lim);
          else result.delete(m);
        }
        if (result.size === 0) break;
      }
    }
  }
  if (dst === null) replyMembers(c, result.members(), result.size);
  else storeResult(c, dst, result, op === "union" ? "sunionstore" : "sdiffstore");
}

// SINTER key [key ...]
function sinter(c: Client, argv: Buffer[]): void {
  interGeneric(c, argv.slice(1), null, false, 0);
}

// SINTERSTORE destination key [key ...]
function sinterstore(c: Client, argv: Buffer[]): void {
  interGeneric(c, argv.slice(2), str(argv[1]!), false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
function sintercard(c: Client, argv: Buffer[]): void {
  const numkeys = parseI64Big(argv[1]!);
  if (numkeys === null || numkeys < 1n) throw E.numkeysPositive;
  if (numkeys > BigInt(argv.length - 2)) throw E.numkeysTooMany;
  const n = Number(numkeys);
  let limit = 0;
  for (let j = 2 + n; j < argv.length; j++) {
    if (token(argv[j]!) === "limit" && j + 1 < argv.length) {
      const v = parseI64Big(argv[++j]!);
      if (v === null || v < 0n) throw E.limitNegative;
      limit = Number(v);
    } else throw E.syntax;
  }
  interGeneric(c, argv.slice(2, 2 + n), null, true, limit);
}

// SUNION key [key ...]
function sunion(c: Client, argv: Buffer[]): void {
  unionDiffGeneric(c, argv.slice(1), null, "union");
}

// SUNIONSTORE destination key [key ...]
function sunionstore(c: Client, argv: Buffer[]): void {
  unionDiffGeneric(c, argv.slice(2), str(argv[1]!), "union");
}

// SDIFF key [key ...]
function sdiff(c: Client, argv: Buffer[]): void {
  unionDiffGeneric(c, argv.slice(1), null, "diff");
}

// SDIFFSTORE destination key [key ...]
function sdiffstore(c: Client, argv: Buffer[]): void {
  unionDiffGeneric(c, argv.slice(2), str(argv[1]!), "diff");
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
function sscan(c: Client, argv: Buffer[]): void {
  const cursor = parseCursor(argv[2]!);
  if (cursor === null) throw E.invalidCursor;
  const s = readSet(c, str(argv[1]!));
  if (s === undefined) return emptyScan(c);
  const opts = scanOptions(argv, "set");
  const out: string[] = [];
  const visit = (m: string) => {
    if (opts.match === null || globMatch(opts.match, m)) out.push(m);
  };
  let next = 0;
  if (s.enc !== HASHTABLE) for (const m of s.members()) visit(m);
  else next = s.index().scan(cursor, opts.count, visit);
  c.w.array(2);
  c.w.bulk(String(next));
  c.w.array(out.length);
  for (const m of out) c.w.bulk(m);
}

// ---------------------------------------------------------------------------------------------------------
// COPY, OBJECT ENCODING, DUMP / RESTORE

registerType("set", {
  clone: (v, cfg) => copyValue(v, cfgParams(cfg)),
  encoding: (e, cfg) => encodingOf(e.value, cfgParams(cfg)),
});

registerDump("set", (value: Set<string>, w, _e, cfg) => {
  const s = adoptSet(value, setLimits((n) => String(cfg(n))));
  if (s.enc === INTSET) {
    w.byte(RDB_TYPE.SET_INTSET);
    w.string(intsetEncode([...s].map((m) => BigInt(m))));
  } else if (s.enc === LISTPACK) {
    w.byte(RDB_TYPE.SET_LISTPACK);
    w.string(listpackEncode(s.members()));
  } else {
    w.byte(RDB_TYPE.SET);
    w.len(s.size);
    for (const m of s) w.string(Buffer.from(m, "latin1"));
  }
});

// Loaded as Valkey's rdbLoadObject does. SET: an intset while the length allows, members added one by one
// with setTypeAdd's conversions; SET_INTSET / SET_LISTPACK: kept unless over the entry limit. Duplicate
// members are refused.
registerRestore([RDB_TYPE.SET, RDB_TYPE.SET_INTSET, RDB_TYPE.SET_LISTPACK], (t, r, cfg) => {
  const lim = setLimits((n) => String(cfg(n)));
  const s = new SetValue();
  const dup = () => new RdbFormatError("duplicate set member");
  if (t === RDB_TYPE.SET) {
    const n = r.len();
    if (n > Math.min(lim.intset, 1 << 30)) s.enc = HASHTABLE;
    for (let i = 0; i < n; i++) if (!s.addMember(r.string().toString("latin1"), lim)) throw dup();
  } else if (t === RDB_TYPE.SET_INTSET) {
    // loaded as a hashtable, then packed once if it stays an intset
    s.enc = HASHTABLE;
    for (const v of intsetDecode(r.string())) s.add(String(v));
    if (s.size <= lim.intset) s.enc = INTSET;
  } else {
    s.enc = HASHTABLE;
    for (const m of listpackDecode(r.string())) {
      const k = m.toString("latin1");
      if (s.has(k)) throw dup();
      s.add(k);
    }
    if (s.size <= lim.entries) s.enc = LISTPACK;
  }
  if (s.size === 0) throw new RdbFormatError("empty set");
  return { type: "set", value: s };
});
