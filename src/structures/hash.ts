// The hash value: a Map<string, Buffer> (field latin1 -> value bytes) that also remembers Valkey's encoding
// and, once scanned or sampled while large, keeps a ScanIndex in step with every insert and delete.
//
// Encoding follows Valkey: a hash starts as a listpack and becomes a hashtable for good when it grows past
// hash-max-listpack-entries or receives a field/value longer than hash-max-listpack-value. A listpack keeps
// insertion order (an update stays in place, a re-added field goes last), which is exactly a JS Map's
// order; so replies from small hashes list fields in the same order as Valkey.

import { ScanIndex } from "./scannable.js";

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
 * Values are kept as latin1 strings: on V8 a small Buffer costs about 140 bytes, a short string about 30,
 * and a hash is mostly small values. Code outside this family still sees a Map<string, Buffer> (get,
 * iteration and forEach hand out Buffers); the family's own hot paths use the `raw` accessors.
 */
export class HashValue extends Map<string, Buffer> {
  enc: 0 | 1 = LISTPACK;
  idx: ScanIndex | null = null;

  /** The value as a latin1 string (no copy). */
  getRaw(field: string): string | undefined {
    return baseGet.call(this, field) as string | undefined;
  }

  /** [field, value] pairs with values as latin1 strings. */
  rawEntries(): IterableIterator<[string, string]> {
    return baseEntries.call(this) as IterableIterator<[string, string]>;
  }

  rawValues(): IterableIterator<string> {
    return baseValues.call(this) as IterableIterator<string>;
  }

  override get(field: string): Buffer | undefined {
    const v = this.getRaw(field);
    return v === undefined ? undefined : Buffer.from(v, "latin1");
  }

  override set(field: string, value: Buffer | string): this {
    const n = this.size;
    baseSet.call(this, field, typeof value === "string" ? value : value.toString("latin1"));
    if (this.size !== n && this.idx !== null) this.idx.added(field);
    return this;
  }

  override delete(field: string): boolean {
    if (!super.delete(field)) return false;
    if (this.idx !== null) this.idx.deleted(field);
    return true;
  }

  override clear(): void {
    super.clear();
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

  /** Convert for good when a write would cross a listpack limit (hashTypeTryConversion / hashTypeSet). */
  checkLengths(fieldLen: number, valueLen: number, lim: HashLimits): void {
    if (this.enc === LISTPACK && (fieldLen > lim.value || valueLen > lim.value)) this.enc = HASHTABLE;
  }

  checkSize(lim: HashLimits): void {
    if (this.enc === LISTPACK && this.size > lim.entries) this.enc = HASHTABLE;
  }
}

const baseGet = Map.prototype.get;
const baseSet = Map.prototype.set;
const baseEntries = Map.prototype.entries;
const baseValues = Map.prototype.values;

/** Wrap a plain Map written by other code (RESTORE, COPY...) so it gets an encoding and an index. */
export function adoptHash(v: Map<string, Buffer>, lim: HashLimits): HashValue {
  if (v instanceof HashValue) return v;
  const h = new HashValue();
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
  for (const [k, val] of src.rawEntries()) h.set(k, val);
  h.enc = src.enc;
  return h;
}

/** OBJECT ENCODING name. */
export function hashEncoding(v: Map<string, Buffer>, lim: HashLimits): "listpack" | "hashtable" {
  return adoptHash(v, lim).enc === LISTPACK ? "listpack" : "hashtable";
}
