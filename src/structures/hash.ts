// The hash value: a Map<string, Buffer> (field latin1 -> value bytes) that also remembers Valkey's encoding
// and, once scanned or sampled while large, keeps a ScanIndex in step with every insert and delete.
//
// Encoding follows Valkey: a hash starts as a listpack and becomes a hashtable for good when it grows past
// hash-max-listpack-entries or receives a field/value longer than hash-max-listpack-value. A listpack keeps
// insertion order (an update stays in place, a re-added field goes last), which is exactly a JS Map's
// order; so replies from small hashes list fields in the same order as Valkey.

import { ScanIndex } from "./scannable.js";
import { cat2, cat4, cat5, lenChars, next, readLen } from "./packed.js";

export const LISTPACK = 0;
export const HASHTABLE = 1;

/** Collections at most this large are sampled by walking them; larger ones build a ScanIndex. */
export const SMALL = 64;

export interface HashLimits {
  entries: number;
  value: number;
}

/** The config parameters the hash encoding depends on. */
export function hashLimits(param: (name: string) => string | undefined): HashLimits {
  return {
    entries: Number(param("hash-max-listpack-entries") ?? 128),
    value: Number(param("hash-max-listpack-value") ?? 64),
  };
}

/**
 * While a listpack, the entries live packed in ONE latin1 string `lp` (no per-entry objects, as Valkey's
 * listpack): field length, field, value length, value, ... in insertion order, each length a little-endian
 * base-128 varint of latin1 chars. A JS string is about 12 bytes of header plus one byte per char, where a
 * Map entry with two strings costs ~70 bytes before its content; a 10-field hash drops from ~1100 to ~250
 * bytes. Lookups scan it and writes rebuild it, O(n) in at most hash-max-listpack-entries entries, as Valkey's
 * listpack does. Once a hashtable (for good), `lp` is null and the Map itself holds field -> value (latin1).
 *
 * Code outside this family still sees a Map<string, Buffer> (get, iteration and forEach hand out Buffers);
 * the family's own hot paths use the `raw` accessors.
 */
export class HashValue extends Map<string, Buffer> {
  enc: 0 | 1 = LISTPACK;
  idx: ScanIndex | null = null;
  /** The packed entries while a listpack; null once a hashtable. */
  lp: string | null = "";
  /** Number of entries in `lp`. */
  private n = 0;

  override get size(): number {
    return this.lp !== null ? this.n : super.size;
  }

  /** The value as a latin1 string (no copy). */
  getRaw(field: string): string | undefined {
    const s = this.lp;
    if (s === null) return baseGet.call(this, field) as string | undefined;
    return find(s, field) < 0 ? undefined : s.slice(foundValue, foundEnd);
  }

  override has(field: string): boolean {
    const s = this.lp;
    return s === null ? super.has(field) : find(s, field) >= 0;
  }

  /** [field, value] pairs with values as latin1 strings. */
  rawEntries(): IterableIterator<[string, string]> {
    const s = this.lp;
    return s === null ? (baseEntries.call(this) as IterableIterator<[string, string]>) : packedEntries(s);
  }

  rawValues(): IterableIterator<string> {
    const s = this.lp;
    return s === null ? (baseValues.call(this) as IterableIterator<string>) : packedValues(s);
  }

  override keys(): MapIterator<string> {
    const s = this.lp;
    return s === null ? super.keys() : (packedKeys(s) as MapIterator<string>);
  }

  override get(field: string): Buffer | undefined {
    const v = this.getRaw(field);
    return v === undefined ? undefined : Buffer.from(v, "latin1");
  }

  override set(field: string, value: Buffer | string): this {
    const v = typeof value === "string" ? value : value.toString("latin1");
    const s = this.lp;
    if (s === null) {
      const n = super.size;
      baseSet.call(this, field, v);
      if (super.size !== n && this.idx !== null) this.idx.added(field);
      return this;
    }
    if (find(s, field) >= 0) {
      // an update stays in place (and rewriting the same bytes changes nothing)
      if (foundEnd - foundValue === v.length && s.startsWith(v, foundValue)) return this;
      this.lp = cat4(s.slice(0, foundValueHeader), lenChars(v.length), v, s.slice(foundEnd));
      return this;
    }
    this.lp = cat5(s, lenChars(field.length), field, lenChars(v.length), v);
    this.n++;
    if (this.idx !== null) this.idx.added(field);
    return this;
  }

  override delete(field: string): boolean {
    const s = this.lp;
    if (s === null) {
      if (!super.delete(field)) return false;
    } else {
      const at = find(s, field);
      if (at < 0) return false;
      this.lp = cat2(s.slice(0, at), s.slice(foundEnd));
      this.n--;
    }
    if (this.idx !== null) this.idx.deleted(field);
    return true;
  }

  override clear(): void {
    if (this.lp !== null) {
      this.lp = "";
      this.n = 0;
    } else super.clear();
    this.idx?.cleared();
  }

  override *entries(): MapIterator<[string, Buffer]> {
    for (const [f, v] of this.rawEntries()) yield [f, Buffer.from(v, "latin1")];
  }

  override *values(): MapIterator<Buffer> {
    for (const v of this.rawValues()) yield Buffer.from(v, "latin1");
  }

  override [Symbol.iterator](): MapIterator<[string, Buffer]> {
    return this.entries();
  }

  override forEach(fn: (value: Buffer, key: string, map: Map<string, Buffer>) => void, thisArg?: unknown): void {
    for (const [f, v] of this.entries()) fn.call(thisArg, v, f, this);
  }

  /** The index, built on first use. */
  index(): ScanIndex {
    return (this.idx ??= new ScanIndex(this, this.keys()));
  }

  /** Uniformly random field. Must not be empty. */
  randomField(): string {
    if (this.size <= SMALL && this.idx === null) {
      let skip = Math.floor(Math.random() * this.size);
      for (const k of this.keys()) if (skip-- === 0) return k;
    }
    return this.index().random();
  }

  /** listpack -> hashtable, for good (the Map takes the entries in their order). */
  toHashtable(): void {
    const s = this.lp;
    this.enc = HASHTABLE;
    if (s === null) return;
    this.lp = null;
    this.n = 0;
    for (const [f, v] of packedEntries(s)) baseSet.call(this, f, v);
  }

  /** Convert for good when a write would cross a listpack limit (hashTypeTryConversion / hashTypeSet). */
  checkLengths(fieldLen: number, valueLen: number, lim: HashLimits): void {
    if (this.enc === LISTPACK && (fieldLen > lim.value || valueLen > lim.value)) this.toHashtable();
  }

  checkSize(lim: HashLimits): void {
    if (this.enc === LISTPACK && this.size > lim.entries) this.toHashtable();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The packed form (see packed.ts). Hand-written scanning: this is the hot path of every small hash.

/** Set by find: where the found entry's value length starts, its value starts, and the entry ends. */
let foundValueHeader = 0;
let foundValue = 0;
let foundEnd = 0;

/** Start of the entry whose field is `f`, or -1. One-char lengths are read inline (the common case). */
function find(s: string, f: string): number {
  const len = s.length;
  const fl = f.length;
  let p = 0;
  while (p < len) {
    const at = p;
    let n = s.charCodeAt(p);
    let fs = p + 1;
    if (n >= 128) (n = readLen(s, p)), (fs = next);
    p = fs + n;
    let m = s.charCodeAt(p);
    let vs = p + 1;
    if (m >= 128) (m = readLen(s, p)), (vs = next);
    // the last char first: fields often share a prefix ("field1", "field2")
    if (n === fl && (n === 0 || s.charCodeAt(p - 1) === f.charCodeAt(n - 1)) && s.startsWith(f, fs)) {
      foundValueHeader = p;
      foundValue = vs;
      foundEnd = vs + m;
      return at;
    }
    p = vs + m;
  }
  return -1;
}

function* packedEntries(s: string): Generator<[string, string], undefined> {
  for (let p = 0; p < s.length; ) {
    const n = readLen(s, p);
    const f = s.slice(next, next + n);
    const m = readLen(s, next + n);
    p = next + m;
    yield [f, s.slice(next, p)];
  }
  return undefined;
}

function* packedKeys(s: string): Generator<string, undefined> {
  for (let p = 0; p < s.length; ) {
    const n = readLen(s, p);
    const f = s.slice(next, next + n);
    p = next + n;
    p = readLen(s, p) + next;
    yield f;
  }
  return undefined;
}

function* packedValues(s: string): Generator<string, undefined> {
  for (let p = 0; p < s.length; ) {
    p = readLen(s, p) + next;
    const m = readLen(s, p);
    p = next + m;
    yield s.slice(next, p);
  }
  return undefined;
}

const baseGet = Map.prototype.get;
const baseSet = Map.prototype.set;
const baseEntries = Map.prototype.entries;
const baseValues = Map.prototype.values;

/** Wrap a plain Map written by other code (RESTORE, COPY...) so it gets an encoding and an index. */
export function adoptHash(v: Map<string, Buffer>, lim: HashLimits): HashValue {
  if (v instanceof HashValue) return v;
  const h = new HashValue();
  if (v.size > lim.entries) h.toHashtable(); // not packed first: building a packed value is O(n) per field
  for (const [k, val] of v) {
    h.set(k, val);
    h.checkLengths(k.length, val.length, lim);
  }
  h.checkSize(lim);
  return h;
}

/** A copy with the same encoding (COPY). */
export function dupHash(v: Map<string, Buffer>, lim: HashLimits): HashValue {
  const src = adoptHash(v, lim);
  const h = new HashValue();
  if (src.enc === HASHTABLE) h.toHashtable();
  for (const [k, val] of src.rawEntries()) h.set(k, val);
  return h;
}

/** OBJECT ENCODING name. */
export function hashEncoding(v: Map<string, Buffer>, lim: HashLimits): "listpack" | "hashtable" {
  return adoptHash(v, lim).enc === LISTPACK ? "listpack" : "hashtable";
}
