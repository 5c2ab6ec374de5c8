// Stable cursors and O(1) random picks over a JS Map/Set, plus Valkey's glob matcher and cursor parser.
//
// Why a side index: a JS Map/Set iterates in insertion order but cannot be indexed by number, and a
// deletion shifts nothing we could address. So a collection that is scanned or sampled gets a ScanIndex:
//
//   keys[i], seqs[i]   every key ever inserted since the last compaction, in insertion order, each with
//                      a sequence number taken from ONE process-wide counter (so seqs only ever grow,
//                      within an index and across a value replaced by a new one).
//
// A slot is live when its key is still in the collection and the slot is that key's latest insertion
// (a key deleted and re-added leaves a stale slot behind; `reborn` remembers the new seq of such keys,
// `graveyard` the keys deleted since the last compaction). Deleting never touches the arrays: the slot
// just stops being live. When dead slots outnumber live ones the arrays are compacted, which keeps the
// live slots in order with their seqs unchanged (amortised O(1) per deletion).
//
// SCAN cursor = the seq of the last slot visited. Resuming binary-searches the first slot with a larger
// seq. An element present for the whole scan keeps its seq (value updates do not reinsert) and its slot
// survives compaction, so it is visited exactly once when the cursor passes it: never missed, even while
// the collection grows or shrinks. Elements added during the scan get larger seqs and may be returned;
// duplicates cannot happen because only a key's latest slot is live. A cursor from another value (the key
// was deleted and re-created) is smaller than every seq of the new index, so the scan restarts from the
// beginning instead of skipping anything.
//
// Random pick = a random slot, retried while it is dead; with at most as many dead as live slots (plus a
// small constant) the expected number of tries is below 2, and every live key has exactly one live slot,
// so picks are uniform. Memory: two array slots per element (16 bytes), paid only by collections that
// were scanned or sampled while large.

export interface Membership {
  has(key: string): boolean;
  keys(): Iterable<string>;
  readonly size: number;
}

let globalSeq = 0;

export class ScanIndex {
  private keys: string[] = [];
  private seqs: number[] = [];
  private dead = 0;
  private graveyard: Set<string> | null = null;
  private reborn: Map<string, number> | null = null;

  constructor(
    private readonly owner: Membership,
    initial: Iterable<string>,
  ) {
    // sized up front: building a large index by push() would leave its discarded backing stores behind
    const n = owner.size;
    const keys: string[] = new Array(n);
    const seqs: number[] = new Array(n);
    let i = 0;
    for (const k of initial) {
      keys[i] = k;
      seqs[i++] = ++globalSeq;
    }
    this.keys = keys;
    this.seqs = seqs;
  }

  /** Number of slots (live + dead), for tests. */
  get slots(): number {
    return this.keys.length;
  }

  /** A key was inserted (it was not in the collection before). */
  added(key: string): void {
    const seq = ++globalSeq;
    this.keys.push(key);
    this.seqs.push(seq);
    if (this.graveyard !== null && this.graveyard.has(key)) (this.reborn ??= new Map()).set(key, seq);
  }

  /** A key was removed. */
  deleted(key: string): void {
    (this.graveyard ??= new Set()).add(key);
    this.reborn?.delete(key);
    this.dead++;
    if (this.dead > 16 && this.dead > this.owner.size) this.compact();
  }

  /** The collection was emptied. */
  cleared(): void {
    this.keys = [];
    this.seqs = [];
    this.dead = 0;
    this.graveyard = null;
    this.reborn = null;
  }

  private live(i: number): boolean {
    const k = this.keys[i]!;
    if (!this.owner.has(k)) return false;
    if (this.reborn === null || this.reborn.size === 0) return true;
    const r = this.reborn.get(k);
    return r === undefined || r === this.seqs[i];
  }

  compact(): void {
    const keys: string[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (this.live(i)) {
        keys.push(this.keys[i]!);
        seqs.push(this.seqs[i]!);
      }
    }
    this.keys = keys;
    this.seqs = seqs;
    this.dead = 0;
    this.graveyard = null;
    this.reborn = null;
  }

  /** Uniformly random live key. The collection must not be empty. */
  random(): string {
    for (let tries = 0; ; tries++) {
      if (tries === 64) this.compact();
      // only reachable if the collection was changed behind the index's back: start over from it
      if (tries === 128) this.rebuild();
      const i = Math.floor(Math.random() * this.keys.length);
      if (this.live(i)) return this.keys[i]!;
    }
  }

  private rebuild(): void {
    this.cleared();
    for (const k of this.owner.keys()) this.added(k);
  }

  /**
   * Visit up to `count` live keys after `cursor`, in insertion order. Returns the next cursor, 0 when the
   * end was reached.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    const seqs = this.seqs;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= cursor) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    let n = 0;
    for (; i < seqs.length && n < count; i++) {
      if (this.live(i)) {
        visit(this.keys[i]!);
        n++;
      }
    }
    return i >= seqs.length ? 0 : seqs[i - 1]!;
  }
}

/**
 * Valkey's SCAN cursor parsing (string2ull): a canonical non-negative int64, otherwise whatever strtoull
 * accepts in full (leading spaces, '+', leading zeros), up to 2^64-1. Returns null for "invalid cursor".
 */
export function parseCursor(b: Buffer): number | null {
  const s = b.toString("latin1");
  if (/^(?:0|-?[1-9]\d*)$/.test(s) && s.length <= 20) {
    const v = BigInt(s);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return v < 0n ? null : Number(v);
  }
  // strtoull: optional whitespace, optional sign, digits; the whole string must be consumed.
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (m === null) return null;
  let v = BigInt(m[2]!);
  if (v > 2n ** 64n - 1n) return null;
  if (m[1] === "-") v = (2n ** 64n - v) % 2n ** 64n;
  return Number(v);
}



/** k distinct members chosen uniformly, listed in iteration order (Knuth's selection sampling). */
export function sampleInOrder<T>(items: Iterable<T>, size: number, k: number): T[] {
  const out: T[] = [];
  let left = size;
  for (const it of items) {
    if (out.length === k) break;
    if (Math.random() * left < k - out.length) out.push(it);
    left--;
  }
  return out;
}

/** k distinct items chosen uniformly from an array, in random order (partial Fisher-Yates; shuffles `a`). */
export function sampleShuffled<T>(a: T[], k: number): T[] {
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(Math.random() * (a.length - i));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  a.length = k;
  return a;
}
