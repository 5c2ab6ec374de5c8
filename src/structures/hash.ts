// The hash value: a Map<string, Buffer> to its users (field latin1 -> value bytes) that also remembers Valkey's
// encoding and, once scanned or sampled while large, keeps a ScanIndex in step with every insert and delete.
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
 * listpack does. Once a hashtable (for good), `lp` is null and a PackedTable `t` holds the entries (packed
 * buckets, see below).
 *
 * Code outside this family still sees a Map<string, Buffer> (get, iteration and forEach hand out Buffers;
 * Symbol.toStringTag says "Map", see values.ts isMapLike); the family's own hot paths use the `raw` accessors. Not a
 * Map subclass: a Map's own table, empty here, cost Node ~160 bytes per hash (a 10-field hash ~600 -> ~440).
 */
export class HashValue implements Map<string, Buffer> {
  idx: ScanIndex | null = null;
  /** The packed entries while a listpack; null once a hashtable. */
  lp: string | null = "";
  /** Number of entries in `lp`. */
  private n = 0;
  /** The entries once a hashtable. */
  t: PackedTable | null = null;

  get [Symbol.toStringTag](): string {
    return "Map";
  }

  /** Valkey's encoding: a hashtable once `lp` is gone (a getter, not a field: a fifth field costs a small hash
   *  ~30 bytes on Bun, which keeps four properties inline). */
  get enc(): 0 | 1 {
    return this.lp === null ? HASHTABLE : LISTPACK;
  }

  get size(): number {
    return this.lp !== null ? this.n : this.t!.size;
  }

  /** The value as a latin1 string (no copy). */
  getRaw(field: string): string | undefined {
    const s = this.lp;
    if (s === null) return this.t!.get(field);
    return find(s, field) < 0 ? undefined : s.slice(foundValue, foundEnd);
  }

  has(field: string): boolean {
    const s = this.lp;
    return s === null ? this.t!.get(field) !== undefined : find(s, field) >= 0;
  }

  /** [field, value] pairs with values as latin1 strings. */
  rawEntries(): IterableIterator<[string, string]> {
    const s = this.lp;
    return s === null ? this.t!.entries() : packedEntries(s);
  }

  /** Every entry as bounds in the strings that hold it: replies write them without slicing (HGETALL, HKEYS, HVALS;
   *  for 500k fields through rawEntries(), HGETALL took 2-3x HKEYS + HVALS on Node). */
  eachRaw(fn: RawEntryFn): void {
    const s = this.lp;
    if (s === null) this.t!.eachRaw(fn);
    else eachPacked(s, fn);
  }

  rawValues(): IterableIterator<string> {
    const s = this.lp;
    return s === null ? this.t!.values() : packedValues(s);
  }

  keys(): MapIterator<string> {
    const s = this.lp;
    return (s === null ? this.t!.keys() : packedKeys(s)) as MapIterator<string>;
  }

  get(field: string): Buffer | undefined {
    const v = this.getRaw(field);
    return v === undefined ? undefined : Buffer.from(v, "latin1");
  }

  set(field: string, value: Buffer | string): this {
    const v = typeof value === "string" ? value : value.toString("latin1");
    const s = this.lp;
    if (s === null) {
      if (this.t!.set(field, v) && this.idx !== null) this.idx.added(field);
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

  delete(field: string): boolean {
    const s = this.lp;
    if (s === null) {
      if (!this.t!.delete(field)) return false;
    } else {
      const at = find(s, field);
      if (at < 0) return false;
      this.lp = cat2(s.slice(0, at), s.slice(foundEnd));
      this.n--;
    }
    if (this.idx !== null) this.idx.deleted(field);
    return true;
  }

  clear(): void {
    if (this.lp !== null) {
      this.lp = "";
      this.n = 0;
    } else this.t = new PackedTable();
    this.idx?.cleared();
  }

  *entries(): MapIterator<[string, Buffer]> {
    for (const [f, v] of this.rawEntries()) yield [f, Buffer.from(v, "latin1")];
  }

  *values(): MapIterator<Buffer> {
    for (const v of this.rawValues()) yield Buffer.from(v, "latin1");
  }

  [Symbol.iterator](): MapIterator<[string, Buffer]> {
    return this.entries();
  }

  forEach(fn: (value: Buffer, key: string, map: Map<string, Buffer>) => void, thisArg?: unknown): void {
    for (const [f, v] of this.entries()) fn.call(thisArg, v, f, this);
  }

  /** The index, built on first use (with fields of their own: a slice would keep its old bucket alive). */
  index(): ScanIndex {
    return (this.idx ??= new ScanIndex(this, ownCopies(this.keys())));
  }

  /** Uniformly random field. Must not be empty. */
  randomField(): string {
    if (this.size <= SMALL && this.idx === null) {
      let skip = Math.floor(Math.random() * this.size);
      for (const k of this.keys()) if (skip-- === 0) return k;
    }
    return this.index().random();
  }

  /** listpack -> hashtable, for good. */
  toHashtable(): void {
    const s = this.lp;
    if (s === null) return;
    const t = new PackedTable();
    for (const [f, v] of packedEntries(s)) t.set(f, v);
    this.t = t;
    this.lp = null;
    this.n = 0;
  }

  /** Convert for good when a write would cross a listpack limit (hashTypeTryConversion / hashTypeSet). */
  checkLengths(fieldLen: number, valueLen: number, lim: HashLimits): void {
    if (this.enc === LISTPACK && (fieldLen > lim.value || valueLen > lim.value)) this.toHashtable();
  }

  checkSize(lim: HashLimits): void {
    if (this.enc === LISTPACK && this.size > lim.entries) this.toHashtable();
  }
}

/** Strings that share no storage with a packed string (V8 and JSC slices keep their whole parent alive). */
function* ownCopies(it: Iterable<string>): Generator<string, undefined> {
  for (const k of it) yield k.length < 13 ? k : Buffer.from(k, "latin1").toString("latin1");
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The hashtable encoding: linear hashing over packed buckets. Each bucket is one latin1 string of entries in
// the listpack form (field length, field, value length, value), about LOAD of them, so a field costs its
// bytes plus two, a share of one string header and one array slot (~35 bytes for "member:1234" -> "value:1234"),
// where a JS Map entry with two strings costs ~105 on Node and ~90 on Bun. Lookups hash the field and scan
// one bucket; writes rebuild that bucket (~LOAD entries). Linear hashing grows the table one bucket split
// per insert past the load (and shrinks it one merge at a time), so no write ever rehashes the whole table.
// Entries too long for a bucket (their bucket would be copied on every write beside them) live in `big`.

/** Average entries per bucket at which the table grows. */
const LOAD = 6;
/** An entry with more chars than this lives in the side Map. */
const BIG_ENTRY = 512;
const MIN_LEVEL = 3;

const SEED = (Math.random() * 0x7fffffff) | 0;

/** FNV-1a with a random seed and a final mix (the low bits pick the bucket). */
function hashOf(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

export class PackedTable {
  size = 0;
  /** Buckets: 2^level + split of them ("" when empty). */
  private b: string[] = new Array<string>(1 << MIN_LEVEL).fill("");
  private level = MIN_LEVEL;
  /** The next bucket to split. */
  private split = 0;
  /** Long entries (field -> value). */
  private big: Map<string, string> | null = null;

  private bucketOf(h: number): number {
    const i = h & ((1 << this.level) - 1);
    return i < this.split ? h & ((2 << this.level) - 1) : i;
  }

  get(f: string): string | undefined {
    const s = this.b[this.bucketOf(hashOf(f))]!;
    if (s.length > 0 && find(s, f) >= 0) return s.slice(foundValue, foundEnd);
    return this.big === null ? undefined : this.big.get(f);
  }

  /** Set f to v; true when f is new. */
  set(f: string, v: string): boolean {
    const i = this.bucketOf(hashOf(f));
    const s = this.b[i]!;
    const at = s.length > 0 ? find(s, f) : -1;
    if (f.length + v.length > BIG_ENTRY) {
      const big = (this.big ??= new Map());
      if (at >= 0) {
        this.b[i] = cat2(s.slice(0, at), s.slice(foundEnd));
        big.set(f, v);
        return false;
      }
      const isNew = !big.has(f);
      big.set(f, v);
      if (isNew) this.grown();
      return isNew;
    }
    if (at >= 0) {
      if (foundEnd - foundValue === v.length && s.startsWith(v, foundValue)) return false;
      this.b[i] = cat4(s.slice(0, foundValueHeader), lenChars(v.length), v, s.slice(foundEnd));
      return false;
    }
    this.b[i] = cat5(s, lenChars(f.length), f, lenChars(v.length), v);
    if (this.big !== null && this.big.delete(f)) return false;
    this.grown();
    return true;
  }

  delete(f: string): boolean {
    const i = this.bucketOf(hashOf(f));
    const s = this.b[i]!;
    if (s.length > 0) {
      const at = find(s, f);
      if (at >= 0) {
        this.b[i] = at === 0 && foundEnd === s.length ? "" : cat2(s.slice(0, at), s.slice(foundEnd));
        this.shrunk();
        return true;
      }
    }
    if (this.big === null || !this.big.delete(f)) return false;
    this.shrunk();
    return true;
  }

  private grown(): void {
    if (++this.size <= LOAD * this.b.length) return;
    // split bucket `split` into itself and split + 2^level
    const lo = this.split;
    const s = this.b[lo]!;
    const mask = (2 << this.level) - 1;
    const keep: string[] = [];
    const move: string[] = [];
    for (let p = 0; p < s.length; ) {
      const at = p;
      const n = readLen(s, p);
      const f = s.slice(next, next + n);
      p = next + n;
      p = readLen(s, p) + next;
      ((hashOf(f) & mask) === lo ? keep : move).push(s.slice(at, p));
    }
    this.b[lo] = keep.join("");
    this.b.push(move.join(""));
    if (++this.split === 1 << this.level) {
      this.level++;
      this.split = 0;
    }
  }

  private shrunk(): void {
    this.size--;
    if (this.level === MIN_LEVEL && this.split === 0) return;
    if (this.size * 4 >= LOAD * this.b.length) return;
    // merge the last bucket back into the one it was split from
    if (this.split === 0) {
      this.level--;
      this.split = 1 << this.level;
    }
    this.split--;
    const last = this.b.pop()!;
    if (last.length > 0) this.b[this.split] = cat2(this.b[this.split]!, last);
  }

  entries(): Generator<[string, string], undefined> {
    return this.each((s, f, fe, v, ve) => [s.slice(f, fe), s.slice(v, ve)], (m) => m.entries());
  }

  keys(): Generator<string, undefined> {
    return this.each((s, f, fe) => s.slice(f, fe), (m) => m.keys());
  }

  values(): Generator<string, undefined> {
    return this.each((s, _f, _fe, v, ve) => s.slice(v, ve), (m) => m.values());
  }

  /** Every entry's field and value as bounds in the strings holding them, nothing sliced out (HGETALL). */
  eachRaw(fn: RawEntryFn): void {
    const b = this.b;
    for (let i = 0; i < b.length; i++) eachPacked(b[i]!, fn);
    if (this.big !== null) for (const [f, v] of this.big) fn(f, 0, f.length, v, 0, v.length);
  }

  /** Every entry, bucket by bucket, as `pick` makes it from its field and value bounds; then the long ones. */
  private *each<T>(
    pick: (s: string, f: number, fe: number, v: number, ve: number) => T,
    long: (m: Map<string, string>) => Iterable<T>,
  ): Generator<T, undefined> {
    const b = this.b;
    for (let i = 0; i < b.length; i++) {
      const s = b[i]!;
      for (let p = 0; p < s.length; ) {
        const n = readLen(s, p);
        const f = next;
        const m = readLen(s, f + n);
        p = next + m;
        yield pick(s, f, f + n, next, p);
      }
    }
    if (this.big !== null) yield* long(this.big);
    return undefined;
  }

  /** For the memory model: bucket count and long entries (their own strings and Map slot). */
  shape(): { buckets: number; big: number } {
    return { buckets: this.b.length, big: this.big === null ? 0 : this.big.size };
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

/** A field at fs[f, fe) and its value at vs[v, ve). */
export type RawEntryFn = (fs: string, f: number, fe: number, vs: string, v: number, ve: number) => void;

/** The entries of one packed string (a listpack, or a bucket), as bounds. */
function eachPacked(s: string, fn: RawEntryFn): void {
  for (let p = 0; p < s.length; ) {
    const n = readLen(s, p);
    const f = next;
    const m = readLen(s, f + n);
    p = next + m;
    fn(s, f, f + n, s, next, p);
  }
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


/** Wrap a plain Map written by other code (RESTORE, COPY...) so it gets an encoding and an index. */
export function adoptHash(v: Map<string, Buffer>, lim: HashLimits): HashValue {
  if (v instanceof HashValue) return v;
  const h = new HashValue();
  if (v.size > lim.entries) h.toHashtable(); // not packed first: building a listpack value is O(n) per field
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
