// SORT and SORT_RO (Valkey's sort.c): sort the elements of a list, set or sorted set numerically or
// lexicographically, by the element itself or by external keys (BY pattern, with `*` and hash `->field`),
// project them through GET patterns, page with LIMIT and optionally STORE the result as a list.

import type { Client } from "../client.js";
import { parseI64, str, token } from "../args.js";
import { ACL_E, CE, E, errorText } from "../errors.js";
import { aclReadsAllKeys } from "../acl/state.js";
import { patternInKeySlot } from "../cluster/slots.js";
import type { Database, Entry } from "../store.js";
import { N } from "../store.js";
import type { SortedSet } from "../structures/sortedset.js";
import { listFrom, type ListValue } from "./lists.js";
import { strtod } from "./zsets.js";
import type { CommandEntry, KeySpec } from "./types.js";

const BY_GET_KEYS: KeySpec = {
  begin: "unknown",
  flags: ["RO", "ACCESS"],
  notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
};

export const commands: CommandEntry[] = [
  {
    name: "sort",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["set", "sortedset", "list", "dangerous"],
    keys: [
      { begin: 1, flags: ["RO", "ACCESS"] },
      BY_GET_KEYS,
      {
        begin: "unknown",
        flags: ["OW", "UPDATE"],
        notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
      },
    ],
    run: (c, argv) => sortGeneric(c, argv, false),
  },
  {
    name: "sort_ro",
    arity: -2,
    flags: ["readonly"],
    acl: ["set", "sortedset", "list", "dangerous"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }, BY_GET_KEYS],
    run: (c, argv) => sortGeneric(c, argv, true),
  },
];

const badScore = errorText("ERR One or more scores can't be converted into double");

// ---------------------------------------------------------------------------------------------------------
// What SORT needs from each collection type: its size and its elements (latin1 strings).

/** Elements of a set value: any iterable of members (strings, or bytes). */
function setMembers(v: Iterable<string | Uint8Array>): string[] {
  const out: string[] = [];
  for (const m of v) out.push(typeof m === "string" ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString("latin1"));
  return out;
}

function sizeOf(e: Entry): number {
  const v = e.value;
  if (e.type === "list") return (v as ListValue).length;
  return (v as { size: number }).size;
}

/** A hash field's value, or null (hash values are Maps of field -> bytes, or anything with get()). */
function hashField(v: { get(field: string): unknown }, field: string): Buffer | string | null {
  const x = v.get(field);
  if (x === undefined || x === null) return null;
  if (typeof x === "string" || Buffer.isBuffer(x)) return x;
  if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return String(x);
}

/**
 * lookupKeyByPattern: "#" is the element itself; otherwise the first `*` is replaced by the element and the key
 * read as a string, or, with `->field` after the `*`, the field of the hash at that key. Null when missing or of
 * another type, or when the pattern has no `*`.
 */
function lookupByPattern(db: Database, pattern: string, subst: string): Buffer | string | null {
  if (pattern === "#") return subst;
  const star = pattern.indexOf("*");
  if (star === -1) return null;
  const arrow = pattern.indexOf("->", star + 1);
  const hasField = arrow !== -1 && arrow + 2 < pattern.length;
  const key = pattern.slice(0, star) + subst + pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const e = db.read(key);
  if (e === undefined) return null;
  if (hasField) return e.type === "hash" ? hashField(e.value, pattern.slice(arrow + 2)) : null;
  return e.type === "string" ? (e.value as Buffer) : null;
}

const latin1 = (v: Buffer | string): string => (typeof v === "string" ? v : v.toString("latin1"));

/** The sort weight as sortCommand reads it with strtod: leading spaces allowed, nothing after the number. */
function weight(v: Buffer | string): number | null {
  const s = latin1(v);
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  const r = strtod(s.slice(i));
  // no conversion leaves the end pointer at the start of the string
  const end = r.len === 0 ? 0 : i + r.len;
  if ((end < s.length && s.charCodeAt(end) !== 0) || r.range || Number.isNaN(r.value)) return null;
  return r.len === 0 ? 0 : r.value;
}

interface Item {
  ele: string;
  score: number;
  cmp: string | null;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
function sortGeneric(c: Client, argv: Buffer[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = token(argv[j]!);
    if (opt === "asc") desc = false;
    else if (opt === "desc") desc = true;
    else if (opt === "alpha") alpha = true;
    else if (opt === "limit" && left >= 2) {
      const a = parseI64(argv[j + 1]!);
      const b = parseI64(argv[j + 2]!);
      if (a === null || b === null) throw E.notInteger;
      limitStart = a;
      limitCount = b;
      j += 2;
    } else if (!readonly && opt === "store" && left >= 1) {
      storekey = str(argv[++j]!);
    } else if (opt === "by" && left >= 1) {
      sortby = str(argv[++j]!);
      if (!sortby.includes("*")) dontsort = true;
      else if (c.server.cluster !== null && !patternInKeySlot(argv[j]!, argv[1]!)) throw CE.sortBy;
      else if (!aclReadsAllKeys(c, argv)) throw ACL_E.sortOption("BY");
    } else if (opt === "get" && left >= 1) {
      if (c.server.cluster !== null && !patternInKeySlot(argv[j + 1]!, argv[1]!)) throw CE.sortGet;
      if (!aclReadsAllKeys(c, argv)) throw ACL_E.sortOption("GET");
      gets.push(str(argv[++j]!));
    } else throw E.syntax;
  }

  const db = c.db;
  const e = db.read(str(argv[1]!));
  if (e !== undefined && e.type !== "set" && e.type !== "list" && e.type !== "zset") throw E.wrongType;
  const type = e === undefined ? "list" : e.type;

  // A set has no order of its own: sort it when the result is stored or replayed by a script.
  if (dontsort && type === "set" && (storekey !== null || c.inScript)) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Valkey converts a listpack sorted set to its skiplist encoding for SORT.
  if (type === "zset") (e!.value as SortedSet).skiplist = true;

  let vectorlen = e === undefined ? 0 : sizeOf(e);
  let start = Math.min(Math.max(limitStart, 0), vectorlen);
  limitCount = Math.min(Math.max(limitCount, -1), vectorlen);
  let end = limitCount < 0 ? vectorlen - 1 : start + limitCount - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  let vector: Item[];
  if ((type === "list" || type === "zset") && dontsort) {
    // Native order (reversed by DESC), only the LIMIT window.
    vector = [];
    if (end >= start && e !== undefined) {
      const n = end - start + 1;
      if (type === "list") {
        const l = e.value as ListValue;
        for (let k = 0; k < n; k++) vector.push(item(l.get(desc ? l.length - 1 - start - k : start + k)));
      } else {
        const z = e.value as SortedSet;
        z.range(desc ? z.size - 1 - start : start, n, desc, (m) => {
          vector.push(item(m));
        });
      }
    }
    end -= start;
    start = 0;
    vectorlen = vector.length;
  } else if (e === undefined) vector = [];
  else if (type === "list") vector = (e.value as ListValue).toArray().map(item);
  else if (type === "zset") vector = [...(e.value as SortedSet).dict!.keys()].map(item);
  else vector = setMembers(e.value).map(item);

  let conversionError = false;
  if (!dontsort) {
    for (const it of vector) {
      let byval: Buffer | string | null;
      if (sortby !== null) {
        byval = lookupByPattern(db, sortby, it.ele);
        if (byval === null) continue;
      } else byval = it.ele;
      if (alpha) {
        if (sortby !== null) it.cmp = latin1(byval);
      } else {
        const w = weight(byval);
        if (w === null) conversionError = true;
        else it.score = w;
      }
    }
    const sign = desc ? -1 : 1;
    const byPattern = sortby !== null;
    vector.sort((a, b) => sign * compare(a, b, alpha, byPattern));
  }

  const outputlen = gets.length > 0 ? gets.length * (end - start + 1) : end - start + 1;
  if (conversionError) throw badScore;
  if (storekey === null) {
    c.w.array(outputlen);
    for (let j = start; j <= end; j++) {
      const ele = vector[j]!.ele;
      if (gets.length === 0) c.w.bulk(ele);
      for (const g of gets) {
        const v = lookupByPattern(db, g, ele);
        if (v === null) c.w.null();
        else c.w.bulk(v);
      }
    }
    return;
  }
  const out: string[] = [];
  for (let j = start; j <= end; j++) {
    const ele = vector[j]!.ele;
    if (gets.length === 0) out.push(ele);
    for (const g of gets) {
      const v = lookupByPattern(db, g, ele);
      out.push(v === null ? "" : latin1(v));
    }
  }
  if (outputlen > 0) {
    db.set(storekey, "list", listFrom(c, out));
    db.changed(storekey, "sortstore", N.LIST);
    c.server.store.dirty += outputlen - 1;
  } else if (db.delete(storekey)) {
    db.changed(storekey, "del", N.GENERIC);
  }
  c.w.integer(outputlen);
}

function item(ele: string): Item {
  return { ele, score: 0, cmp: null };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortCompare */
function compare(a: Item, b: Item, alpha: boolean, byPattern: boolean): number {
  if (!alpha) {
    if (a.score > b.score) return 1;
    if (a.score < b.score) return -1;
    return cmpStr(a.ele, b.ele);
  }
  if (byPattern) {
    if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
    return cmpStr(a.cmp, b.cmp);
  }
  return cmpStr(a.ele, b.ele);
}
