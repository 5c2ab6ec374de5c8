// SCAN-style cursors, shared by SCAN (the keyspace) and HSCAN / SSCAN / ZSCAN (big collections).
//
// Valkey walks its hash tables with a reverse-binary bucket cursor. A JS Map or Set has no buckets we can
// address, and resuming a Map iteration at a position costs O(position), so a cursor here is a position in
// an insertion log that sits beside the collection:
//
//   * Every name gets a sequence number when it enters the collection; `names`/`seqs` list them in
//     increasing sequence order. The cursor handed to the client is the sequence number of the next log
//     entry to examine (0 = start / finished), so resuming is a binary search: O(log n + COUNT) per call.
//   * Removing a name does not touch the log: the entry becomes a tombstone, recognised because the
//     collection no longer `has()` it, and skipped. Positions of the other entries never move.
//   * A name added again after removal gets a new, larger sequence number (a second entry). Compaction
//     (when tombstones outnumber the live names) keeps only the last entry of each live name, preserving
//     sequence numbers, so outstanding cursors stay valid.
//
// Guarantees, as Valkey's: a name present for the whole scan is returned at least once (its entry exists
// and keeps its sequence number from before the scan started until it ends, and the cursor only moves
// forward over entries it has examined); names added during the scan may or may not be returned; a name may
// be returned twice if it was removed and added back. The cursor is stateless on the server: any number is
// accepted, a replayed cursor repeats its batch, abandoned scans cost nothing. Termination is as Valkey
// documents it: each call moves past COUNT live names (or 10*COUNT tombstones), so a full iteration ends
// unless names are inserted, and stay, faster than the scan advances.
//
// Use: create the log lazily on the first scan (`new ScanLog(collection, [...its names])`), call
// `added(name)` whenever a name that was absent is inserted, `cleared()` when the collection is emptied in
// place, and `scan(cursor, count, visit)` to serve a call. Small collections that Valkey would keep as a
// listpack/intset are simply returned whole with cursor 0, as Valkey does; they need no log.

import { parseI64Big } from "./args.js";
import { E } from "./errors.js";
import type { Database } from "./store.js";

/** The part of a Map or Set the log needs. */
export interface Membership {
  has(name: string): boolean;
  readonly size: number;
}

export class ScanLog {
  private names: string[] = [];
  private seqs: number[] = [];
  private nextSeq: number;
  /** Entries numbered below this have distinct names (the first fill, or the log right after a compaction): a
   *  scan over them needs no set of the names it reported. */
  private uniqueBelow: number;

  constructor(
    /** The collection this log indexes (a Map or Set); the keyspace checks it is still the same object. */
    readonly target: Membership,
    /** Its names now, kept as the log's own array (not copied): made at its size (ShardedMap.keyList), since
     *  pushing 1M keys one by one (each growth a copy of a large array) took a keyspace's first SCAN ~200 ms. */
    all: string[],
    firstSeq = 1,
  ) {
    const n = all.length;
    const seqs = new Array<number>(n);
    for (let i = 0; i < n; i++) seqs[i] = firstSeq + i;
    this.names = all;
    this.seqs = seqs;
    this.nextSeq = firstSeq + n;
    this.uniqueBelow = this.nextSeq;
  }

  /** Sequence number the next added name will get (to continue numbering in a replacement log). */
  get next(): number {
    return this.nextSeq;
  }

  /** Entries in the log, tombstones included. */
  get length(): number {
    return this.names.length;
  }

  private push(name: string): void {
    this.names.push(name);
    this.seqs.push(this.nextSeq++);
  }

  /** A uniformly chosen entry, possibly a tombstone (the caller checks): random sampling for eviction. */
  randomName(): string | undefined {
    const n = this.names.length;
    return n === 0 ? undefined : this.names[Math.floor(Math.random() * n)];
  }

  /** A name that was absent has been inserted into the collection. */
  added(name: string): void {
    // One entry per live name so far (no tombstone): the new name has no earlier entry, and scans over the log
    // still need no set of reported names (a keyspace refilled after FLUSHALL: SCAN COUNT 1000000 took 2-3x as long).
    const distinct = this.uniqueBelow === this.nextSeq && this.names.length === this.target.size - 1;
    this.push(name);
    if (distinct) this.uniqueBelow = this.nextSeq;
    else if (this.names.length > 2 * this.target.size + 64) this.compact();
  }

  /** The collection was emptied in place; numbering continues so old cursors only see newer names. */
  cleared(): void {
    this.names = [];
    this.seqs = [];
    this.uniqueBelow = this.nextSeq;
  }

  /** Drop tombstones and older duplicates, keeping the last entry of each live name. */
  private compact(): void {
    const seen = new Set<string>();
    const names: string[] = [];
    const seqs: number[] = [];
    for (let i = this.names.length - 1; i >= 0; i--) {
      const n = this.names[i]!;
      if (!this.target.has(n) || seen.has(n)) continue;
      seen.add(n);
      names.push(n);
      seqs.push(this.seqs[i]!);
    }
    this.names = names.reverse();
    this.seqs = seqs.reverse();
    this.uniqueBelow = this.nextSeq;
  }

  /**
   * A random live name (RANDOMKEY, SRANDMEMBER-like picks), O(1) expected: tombstones are at most about
   * half the log. A name re-added during the log's life weighs double until the next compaction.
   */
  sample(tries = 64): string | undefined {
    if (this.names.length > 2 * this.target.size + 64) this.compact();
    const n = this.names.length;
    if (n === 0 || this.target.size === 0) return undefined;
    for (let t = 0; t < tries; t++) {
      const name = this.names[Math.floor(Math.random() * n)]!;
      if (this.target.has(name)) return name;
    }
    return undefined;
  }

  /**
   * Examine entries from `cursor` on, calling `visit` for each live name, until `count` live names were
   * seen or 10*count entries examined (Valkey's bound for sparse tables). Returns the next cursor, 0 when
   * the log is exhausted. `visit` may filter (MATCH, TYPE) and may delete the name (expired keys).
   */
  scan(cursor: number, count: number, visit: (name: string) => void): number {
    if (this.names.length > 2 * this.target.size + 64) this.compact();
    const { names, seqs } = this;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! < cursor) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    let sampled = 0;
    const maxSteps = count * 10;
    // A name re-added while the log lives has a second, newer entry: report it once per batch. Only entries
    // from uniqueBelow on can repeat a name, so the set of reported names is made when the batch reaches them,
    // from the entries before (a 1M-name batch with a set throughout spent 41% of SCAN in it).
    const unique = this.uniqueBelow;
    let batch: Set<string> | null = null;
    for (let steps = 0; i < names.length && sampled < count && steps < maxSteps; steps++, i++) {
      const n = names[i]!;
      if (!this.target.has(n)) continue;
      sampled++;
      if (seqs[i]! >= unique) {
        if (batch === null) {
          batch = new Set();
          // reported before: the live names of [lo, i) (one that visit deleted has no later live entry either)
          for (let k = lo; k < i; k++) if (this.target.has(names[k]!)) batch.add(names[k]!);
        }
        if (batch.has(n)) continue;
        batch.add(n);
      }
      visit(n);
    }
    return i < names.length ? seqs[i]! : 0;
  }
}

/** A database's log over its keyspace (SCAN, RANDOMKEY, eviction's sampling): made on first use, and again when
 *  the keyspace Map was replaced (FLUSHDB, SWAPDB), numbering on from the old log. */
export function keyspaceLog(db: Database): ScanLog {
  let log = db.scanLog;
  if (log === null || log.target !== db.keys) log = db.scanLog = new ScanLog(db.keys, db.keys.keyList(), log?.next ?? 1);
  return log;
}

const U64_MAX = 2n ** 64n - 1n;

/**
 * Valkey's parseScanCursorOrReply (string2ull): a canonical non-negative int64, or whatever strtoull
 * accepts in full (leading spaces, '+', leading zeros, '-' wrapping modulo 2^64). "ERR invalid cursor"
 * otherwise. Cursors beyond 2^53 cannot name a log position and are returned as MAX_SAFE_INTEGER.
 */
export function parseCursor(b: Buffer): number {
  const s = b.toString("latin1");
  let v = parseI64Big(s);
  if (v !== null) {
    if (v < 0n) throw E.invalidCursor;
  } else {
    const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
    if (m === null) throw E.invalidCursor;
    v = BigInt(m[2]!);
    if (v > U64_MAX) throw E.invalidCursor;
    if (m[1] === "-") v = (U64_MAX + 1n - v) & U64_MAX;
  }
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}
