// The elements of a big list (Valkey's quicklist): a sequence of chunks, each a packed latin1 string of up to
// CHUNK entries (the entry format of packed.ts: varint length, bytes, the varint reversed), so an element costs
// its bytes plus two, not a JS string and an array slot (~40 bytes more on either runtime).
//
// Layout: [fr reversed] [chunks ...] [bk]. Pushes go into a plain array at that end (`fr` holds the front
// elements last-first, so both ends push and pop at the array's end), packed into a new chunk once it holds
// CHUNK elements: O(1) amortised. A pop with an empty array unpacks the end chunk into it (once per CHUNK pops).
// Index i inside the chunks is found by binary search over their start offsets, then a walk of at most
// CHUNK / 2 entries from the nearest of the chunk's ends and the last position found (so a sequential scan is
// linear). Inserts and removals in the middle rewrite one chunk and renumber the starts after it,
// O(chunks + CHUNK). The starts are absolute (the first chunk starts at st[0], which moves when chunks come and
// go at the front), so operations at the ends never renumber the other chunks.

import { latin1 } from "../args.js";
import { after, backLenChars, cat2, cat5, eachEntry, lenChars, next, readLen, seek } from "./packed.js";

/** Elements per chunk. */
export const CHUNK = 128;
/** A chunk is cut after the entry that reaches this many chars (big elements: a chunk each, nearly). */
const CHUNK_CHARS = 8192;

/** Where writeRange puts elements (the reply writer). */
export interface BulkSink {
  bulk(s: string): void;
  bulkOf(s: string, start: number, end: number): void;
}

export class PackedDeque {
  length = 0;
  /** The front elements, last first (fr[fr.length - 1] is element 0). */
  private fr: string[] = [];
  /** The back elements, in order. */
  private bk: string[] = [];
  /** The packed chunks, head to tail. */
  private c: string[] = [];
  /** Element count of each chunk. */
  private n: number[] = [];
  /** Absolute start of each chunk: st[k + 1] = st[k] + n[k]. */
  private st: number[] = [];
  /** Elements in chunks. */
  private cn = 0;
  /** The last position found in a chunk: chunk (-1: none), entry index in it, char position. */
  private ck = -1;
  private cj = 0;
  private cp = 0;

  /** The packed chunks and the two open ends' sizes (memory model, tests). */
  chunks(): { packed: readonly string[]; front: number; back: number } {
    return { packed: this.c, front: this.fr.length, back: this.bk.length };
  }

  /** The chunk holding chunk-region index j (0 <= j < cn). */
  private chunkOf(j: number): number {
    const st = this.st;
    const a = st[0]! + j;
    let hi = st.length - 1;
    if (a >= st[hi]!) return hi;
    if (a < st[1]!) return 0;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (st[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Position of entry e of chunk k (string s). */
  private pos(k: number, s: string, e: number): number {
    const p = seek(s, this.n[k]!, e, this.ck === k ? this.cj : -1, this.cp);
    this.ck = k;
    this.cj = e;
    this.cp = p;
    return p;
  }

  /** Element at 0 <= i < length. */
  get(i: number): string {
    const f = this.fr.length;
    if (i < f) return this.fr[f - 1 - i]!;
    const j = i - f;
    if (j >= this.cn) return this.bk[j - this.cn]!;
    const k = this.chunkOf(j);
    const ch = this.c[k]!;
    const p = this.pos(k, ch, j - (this.st[k]! - this.st[0]!));
    const len = readLen(ch, p);
    return ch.slice(next, next + len);
  }

  set(i: number, v: string): void {
    const f = this.fr.length;
    if (i < f) {
      this.fr[f - 1 - i] = v;
      return;
    }
    const j = i - f;
    if (j >= this.cn) {
      this.bk[j - this.cn] = v;
      return;
    }
    const k = this.chunkOf(j);
    const ch = this.c[k]!;
    const p = this.pos(k, ch, j - (this.st[k]! - this.st[0]!));
    const h = lenChars(v.length);
    this.c[k] = cat5(ch.slice(0, p), h, v, backLenChars(h), ch.slice(after(ch, p)));
    this.ck = -1;
  }

  first(): string | undefined {
    return this.length === 0 ? undefined : this.get(0);
  }

  last(): string | undefined {
    return this.length === 0 ? undefined : this.get(this.length - 1);
  }

  pushBack(v: string): void {
    this.length++;
    if (this.bk.push(v) === CHUNK) this.flushBack();
  }

  pushFront(v: string): void {
    this.length++;
    if (this.fr.push(v) === CHUNK) this.flushFront();
  }

  popBack(): string | undefined {
    if (this.length === 0) return undefined;
    this.length--;
    if (this.bk.length > 0) return this.bk.pop();
    if (this.cn > 0) {
      this.bk = this.unpackChunk(this.c.length - 1, false);
      return this.bk.pop();
    }
    return this.fr.shift();
  }

  popFront(): string | undefined {
    if (this.length === 0) return undefined;
    this.length--;
    if (this.fr.length > 0) return this.fr.pop();
    if (this.cn > 0) {
      this.fr = this.unpackChunk(0, true);
      return this.fr.pop();
    }
    return this.bk.shift();
  }

  /** Insert so that the new element ends up at index i (0 <= i <= length). */
  insert(i: number, v: string): void {
    if (i <= 0) return this.pushFront(v);
    if (i >= this.length) return this.pushBack(v);
    this.length++;
    const f = this.fr.length;
    if (i < f) {
      this.fr.splice(f - i, 0, v);
      if (this.fr.length >= CHUNK) this.flushFront();
      return;
    }
    const j = i - f;
    if (j >= this.cn) {
      this.bk.splice(j - this.cn, 0, v);
      if (this.bk.length >= CHUNK) this.flushBack();
      return;
    }
    const k = this.chunkOf(j);
    const arr = this.decode(k);
    arr.splice(j - (this.st[k]! - this.st[0]!), 0, v);
    this.cn++;
    this.n[k]!++;
    this.restart(k + 1);
    this.replace(k, arr);
  }

  /** Remove `count` elements starting at index `start` (clamped to the deque). */
  removeRange(start: number, count: number): void {
    if (start < 0) start = 0;
    if (count > this.length - start) count = this.length - start;
    if (count <= 0) return;
    if (count === this.length) return this.clear();
    const end = start + count;
    const f = this.fr.length;
    const cn = this.cn;
    // back array, chunks, front array: each region's offsets are taken before any of them changes
    if (end > f + cn) {
      const a = Math.max(start, f + cn) - f - cn;
      this.bk.splice(a, end - f - cn - a);
    }
    if (start < f + cn && end > f) {
      const a = Math.max(start, f) - f;
      this.removeChunked(a, Math.min(end, f + cn) - f - a);
    }
    if (start < f) {
      const b = Math.min(end, f);
      this.fr.splice(f - b, b - start);
    }
    this.length -= count;
  }

  clear(): void {
    this.fr = [];
    this.bk = [];
    this.clearChunks();
    this.length = 0;
  }

  /** Elements [start, end) as an array. */
  slice(start = 0, end = this.length): string[] {
    const out: string[] = new Array(Math.max(0, end - start));
    let o = 0;
    this.walk(start, end, (s) => (out[o++] = s));
    return out;
  }

  toArray(): string[] {
    return this.slice();
  }

  /** Elements [start, end) into `out` (LRANGE): packed entries are written from their chunk, not sliced out. */
  writeRange(start: number, end: number, out: BulkSink): void {
    this.walkRaw(start, end, (ch, s, e) => out.bulkOf(ch, s, e), (v) => out.bulk(v));
  }

  /** Calls each(element) for [start, end) in order. */
  private walk(start: number, end: number, each: (s: string) => void): void {
    this.walkRaw(start, end, (ch, s, e) => each(ch.slice(s, e)), each);
  }

  /** [start, end) in order: a packed element as its chunk and bounds, an unpacked one as itself. */
  private walkRaw(
    start: number,
    end: number,
    packed: (chunk: string, s: number, e: number) => void,
    plain: (s: string) => void,
  ): void {
    const f = this.fr.length;
    const cn = this.cn;
    let i = start;
    for (; i < end && i < f; i++) plain(this.fr[f - 1 - i]!);
    while (i < end && i < f + cn) {
      const j = i - f;
      const k = this.chunkOf(j);
      const e = j - (this.st[k]! - this.st[0]!);
      const take = Math.min(this.n[k]! - e, end - i);
      const ch = this.c[k]!;
      eachEntry(ch, this.pos(k, ch, e), take, packed);
      i += take;
    }
    for (; i < end; i++) plain(this.bk[i - f - cn]!);
  }

  /** The packed form of all elements, one string (the listpack encoding of a small list). */
  packAll(): string {
    const parts: string[] = [];
    for (let t = this.fr.length - 1; t >= 0; t--) entryParts(parts, this.fr[t]!);
    for (let k = 0; k < this.c.length; k++) parts.push(this.c[k]!);
    for (let t = 0; t < this.bk.length; t++) entryParts(parts, this.bk[t]!);
    return parts.join("");
  }

  /** Adopt a packed string of `count` entries (a listpack list becoming a quicklist) as the only chunk. */
  static fromPacked(s: string, count: number): PackedDeque {
    const d = new PackedDeque();
    if (count > 0) {
      d.c.push(s);
      d.n.push(count);
      d.st.push(0);
      d.cn = count;
      d.length = count;
    }
    return d;
  }

  // ---- chunks

  private clearChunks(): void {
    this.c = [];
    this.n = [];
    this.st = [];
    this.cn = 0;
    this.ck = -1;
  }

  /** Chunk k's elements as a new array. */
  private decode(k: number): string[] {
    const ch = this.c[k]!;
    const out: string[] = new Array(this.n[k]!);
    let t = 0;
    eachEntry(ch, 0, out.length, (x, a, b) => (out[t++] = x.slice(a, b)));
    return out;
  }

  /** Take end chunk k (the first or the last) out of the chunks as an array, reversed for the front. */
  private unpackChunk(k: number, front: boolean): string[] {
    const arr = this.decode(k);
    this.cn -= this.n[k]!;
    if (front) {
      arr.reverse();
      this.c.shift();
      this.n.shift();
      this.st.shift();
    } else {
      this.c.pop();
      this.n.pop();
      this.st.pop();
    }
    this.ck = -1;
    return arr;
  }

  /** The back array becomes chunk(s) after the last. */
  private flushBack(): void {
    const at = this.c.length;
    const start = at === 0 ? 0 : this.st[at - 1]! + this.n[at - 1]!;
    this.insertChunks(at, start, this.bk);
    this.bk = [];
  }

  /** The front array (reversed) becomes chunk(s) before the first. */
  private flushFront(): void {
    const arr = this.fr.reverse();
    this.fr = [];
    this.insertChunks(0, this.c.length === 0 ? 0 : this.st[0]! - arr.length, arr);
  }

  /** Pack `arr` into chunks inserted at index `at`, the first starting at absolute `start`. */
  private insertChunks(at: number, start: number, arr: string[]): void {
    const chunks: string[] = [];
    const counts: number[] = [];
    seal(arr, chunks, counts);
    const starts: number[] = new Array(chunks.length);
    for (let t = 0, s = start; t < chunks.length; s += counts[t]!, t++) starts[t] = s;
    if (at === this.c.length && chunks.length === 1) {
      this.c.push(chunks[0]!);
      this.n.push(counts[0]!);
      this.st.push(starts[0]!);
    } else {
      this.c.splice(at, 0, ...chunks);
      this.n.splice(at, 0, ...counts);
      this.st.splice(at, 0, ...starts);
    }
    this.cn += arr.length;
    this.ck = -1;
  }

  /** Chunk k becomes the packed form of `arr` (same count as n[k]), split when it outgrew one chunk. */
  private replace(k: number, arr: string[]): void {
    const chunks: string[] = [];
    const counts: number[] = [];
    seal(arr, chunks, counts);
    const starts: number[] = new Array(chunks.length);
    for (let t = 0, s = this.st[k]!; t < chunks.length; s += counts[t]!, t++) starts[t] = s;
    this.c.splice(k, 1, ...chunks);
    this.n.splice(k, 1, ...counts);
    this.st.splice(k, 1, ...starts);
    this.ck = -1;
  }

  /** Remove `count` elements of the chunks from chunk-region index `start` (in range). */
  private removeChunked(start: number, count: number): void {
    if (count === this.cn) return this.clearChunks();
    const { c, n, st } = this;
    const toEnd = start + count === this.cn;
    const firstK = this.chunkOf(start);
    let k = firstK;
    let from = start - (st[k]! - st[0]!);
    let left = count;
    let frontCut = 0;
    while (left > 0) {
      const cnt = n[k]!;
      const take = Math.min(cnt - from, left);
      if (take === cnt) {
        c.splice(k, 1);
        n.splice(k, 1);
        st.splice(k, 1);
      } else {
        this.cut(k, from, take);
        n[k] = cnt - take;
        if (start === 0) frontCut = take;
        k++;
      }
      left -= take;
      from = 0;
    }
    this.cn -= count;
    this.ck = -1;
    if (start === 0) st[0]! += frontCut;
    else if (!toEnd) this.restart(Math.max(firstK, 1));
  }

  /** Remove `take` entries of chunk k from its entry `from` (not the whole chunk). */
  private cut(k: number, from: number, take: number): void {
    const ch = this.c[k]!;
    const p0 = from === 0 ? 0 : this.pos(k, ch, from);
    const p1 = from + take === this.n[k] ? ch.length : this.pos(k, ch, from + take);
    this.c[k] = p0 === 0 ? ch.slice(p1) : p1 === ch.length ? ch.slice(0, p0) : cat2(ch.slice(0, p0), ch.slice(p1));
    this.ck = -1;
  }

  /** Recompute the starts of chunks k.. from their predecessors. */
  private restart(k: number): void {
    const { n, st } = this;
    for (let i = Math.max(k, 1); i < st.length; i++) st[i] = st[i - 1]! + n[i - 1]!;
  }
}

/** Append the packed entry parts of v. */
function entryParts(parts: string[], v: string): void {
  const h = lenChars(v.length);
  parts.push(h, v, backLenChars(h));
}

/** Pack arr into chunks of at most CHUNK entries, cut after the entry that reaches CHUNK_CHARS chars. */
function seal(arr: readonly string[], chunks: string[], counts: number[]): void {
  let from = 0;
  let chars = 0;
  for (let t = 0; t < arr.length; t++) {
    chars += arr[t]!.length;
    if (t + 1 - from === CHUNK || chars >= CHUNK_CHARS) {
      chunks.push(packRange(arr, from, t + 1));
      counts.push(t + 1 - from);
      from = t + 1;
      chars = 0;
    }
  }
  if (from < arr.length) {
    chunks.push(packRange(arr, from, arr.length));
    counts.push(arr.length - from);
  }
}

let scratch = Buffer.allocUnsafe(16384);

/**
 * The packed entries of arr[from, to), written into a scratch Buffer and read back as one latin1 string:
 * several times cheaper than joining three parts per entry on both runtimes (this runs once per CHUNK pushes).
 */
function packRange(arr: readonly string[], from: number, to: number): string {
  let size = 0;
  for (let t = from; t < to; t++) size += arr[t]!.length + 10;
  let b = scratch;
  if (size > b.length) {
    b = Buffer.allocUnsafe(size);
    if (size <= 65536) scratch = b;
  }
  let p = 0;
  for (let t = from; t < to; t++) {
    const v = arr[t]!;
    const n = v.length;
    if (n < 128) b[p++] = n;
    else p += b.write(lenChars(n), p, "latin1");
    if (n <= 32) for (let i = 0; i < n; i++) b[p++] = v.charCodeAt(i);
    else p += b.write(v, p, "latin1");
    if (n < 128) b[p++] = n;
    else p += b.write(backLenChars(lenChars(n)), p, "latin1");
  }
  return latin1(b, 0, p);
}

