// What the generic keyspace commands need to know about each value type, filled in by the family files:
// a deep copy for COPY and the encoding name OBJECT ENCODING reports. A family registers at module load:
//
//   registerType("hash", { clone: (h) => h.clone(), encoding: (e, cfg) => (e.value.big ? "hashtable" : "listpack") });
//
// Without a registered `clone`, values built from Buffers, Maps, Sets, arrays, plain objects and classes
// with a clone() method are copied structurally. Without a registered `encoding`, the name is derived
// from the value's shape with the helpers below (Map = hash, Set = set, array = list), which is right for a
// value that never outgrew its small encoding; families whose encoding is sticky (Valkey does not convert
// back when a collection shrinks) should register their own.

import type { Entry, ValueType } from "./store.js";
import { parseI64 } from "./args.js";

/** Reads a numeric config parameter, e.g. cfg("hash-max-listpack-entries"). */
export type EncodingConfig = (param: string) => number;

export interface TypeHooks {
  /** A deep copy sharing nothing mutable with `value`; `cfg` is given when the copy's encoding depends on config. */
  clone?: (value: any, cfg?: EncodingConfig) => any;
  /** Valkey's encoding name for this entry: listpack, hashtable, quicklist, skiplist, intset, stream... */
  encoding?: (entry: Entry, cfg: EncodingConfig) => string;
}

const hooks = new Map<ValueType, TypeHooks>();

export function registerType(type: ValueType, h: TypeHooks): void {
  hooks.set(type, { ...hooks.get(type), ...h });
}

/** A Map, or a value that stands in for one without a Map's own storage (HashValue says "Map" by Symbol.toStringTag). */
export function isMapLike(v: unknown): v is Map<any, any> {
  return v instanceof Map || tagOf(v) === "Map";
}

/** A Set, or a value that stands in for one without a Set's own storage (SetValue says "Set"). */
export function isSetLike(v: unknown): v is Set<any> {
  return v instanceof Set || tagOf(v) === "Set";
}

function tagOf(v: unknown): unknown {
  return typeof v === "object" && v !== null ? (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] : undefined;
}

/** Structural deep copy for the shapes families use. */
export function deepClone(v: any): any {
  if (v === null || typeof v !== "object") return v;
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v.clone === "function") return v.clone();
  if (isMapLike(v)) {
    const m = new Map();
    for (const [k, x] of v) m.set(k, deepClone(x));
    return m;
  }
  if (isSetLike(v)) {
    const s = new Set();
    for (const x of v) s.add(deepClone(x));
    return s;
  }
  if (Array.isArray(v)) return v.map(deepClone);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = deepClone(v[k]);
    return o;
  }
  throw new Error(`cannot deep-copy a ${v.constructor?.name ?? typeof v}: register a clone hook for its type`);
}

/** COPY's deep copy of a value. */
export function cloneValue(type: ValueType, value: any, cfg?: EncodingConfig): any {
  const h = hooks.get(type)?.clone;
  return h !== undefined ? h(value, cfg) : deepClone(value);
}

const EMBSTR_SIZE_LIMIT = 44;

/** Valkey's string encoding: int for a canonical int64 of up to 20 chars, embstr up to 44 bytes, raw after. */
export function stringEncoding(value: Buffer, raw: boolean): string {
  if (raw) return "raw";
  if (value.length <= 20 && parseI64(value) !== null) return "int";
  return value.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
}

function longest(items: Iterable<Buffer | string>): number {
  let n = 0;
  for (const x of items) if (x.length > n) n = x.length;
  return n;
}

/** hash: listpack while entries <= hash-max-listpack-entries and every field/value <= hash-max-listpack-value. */
export function hashEncoding(count: number, maxLen: number, cfg: EncodingConfig): string {
  return count <= cfg("hash-max-listpack-entries") && maxLen <= cfg("hash-max-listpack-value") ? "listpack" : "hashtable";
}

/** zset: listpack while entries <= zset-max-listpack-entries and every member <= zset-max-listpack-value. */
export function zsetEncoding(count: number, maxLen: number, cfg: EncodingConfig): string {
  return count <= cfg("zset-max-listpack-entries") && maxLen <= cfg("zset-max-listpack-value") ? "listpack" : "skiplist";
}

/** set: intset (all members canonical int64, count <= set-max-intset-entries), listpack, or hashtable. */
export function setEncoding(members: Iterable<string>, count: number, cfg: EncodingConfig): string {
  let allInts = true;
  let maxLen = 0;
  for (const m of members) {
    if (m.length > maxLen) maxLen = m.length;
    if (allInts && (m.length > 20 || parseI64(m) === null)) allInts = false;
  }
  if (allInts && count <= cfg("set-max-intset-entries")) return "intset";
  return count <= cfg("set-max-listpack-entries") && maxLen <= cfg("set-max-listpack-value") ? "listpack" : "hashtable";
}

/**
 * list: listpack while it fits one quicklist node: list-max-listpack-size > 0 limits the entry count,
 * -1..-5 limit the node to 4/8/16/32/64 KB (approximated by the payload bytes plus per-entry overhead).
 */
export function listEncoding(count: number, bytes: number, cfg: EncodingConfig): string {
  const fill = cfg("list-max-listpack-size");
  if (fill >= 0) return count <= fill ? "listpack" : "quicklist";
  const limit = 4096 << Math.min(4, -fill - 1);
  return bytes + count * 2 + 7 <= limit ? "listpack" : "quicklist";
}

function shapeEncoding(entry: Entry, cfg: EncodingConfig): string {
  const v = entry.value;
  switch (entry.type) {
    case "hash":
      if (isMapLike(v)) return hashEncoding(v.size, Math.max(longest(v.keys()), longest(v.values())), cfg);
      break;
    case "set":
      if (isSetLike(v)) return setEncoding(v, v.size, cfg);
      break;
    case "list":
      if (Array.isArray(v)) {
        let bytes = 0;
        for (const x of v) bytes += x.length;
        return listEncoding(v.length, bytes, cfg);
      }
      break;
    case "stream":
      return "stream";
  }
  throw new Error(`no OBJECT ENCODING hook registered for type ${entry.type}`);
}

/** OBJECT ENCODING */
export function objectEncoding(entry: Entry, cfg: EncodingConfig): string {
  if (entry.type === "string") return stringEncoding(entry.value, entry.raw);
  const h = hooks.get(entry.type)?.encoding;
  return h !== undefined ? h(entry, cfg) : shapeEncoding(entry, cfg);
}
