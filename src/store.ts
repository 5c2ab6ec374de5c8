// Databases, expiry (lazy + active sweep, injected clock) and the one "key modified" signal.

import { E } from "./errors.js";
import type { ScanLog } from "./scan.js";
import type { MemoryAccount } from "./memory.js";
import { LFU_INIT, lfuAccessed } from "./lfu.js";
import { monotonicMs } from "./runtime.js";

export type ValueType = "string" | "list" | "set" | "zset" | "hash" | "stream";

/** One key's value. `value` is a Buffer for strings; families own the other shapes. Every key has one: few fields. */
export class Entry {
  /** Last access (ms, store clock) for OBJECT IDLETIME and the LRU policy. */
  lru: number;
  /** Valkey's logarithmic access counter (src/lfu.ts), kept under an LFU maxmemory-policy. */
  freq = LFU_INIT;
  /**
   * Bytes this key counts in its database's `mem` (src/memory.ts); negative while a change awaits re-estimating:
   * then the key counts -mem - 1 bytes.
   */
  mem = 0;
  /** Family-specific encoding hint (e.g. a string made raw by APPEND). */
  raw = false;
  constructor(
    public type: ValueType,
    public value: any,
    now: number,
  ) {
    this.lru = now;
  }
}

// Keyspace notification classes (Valkey's NOTIFY_* bits).
export const N = {
  KEYSPACE: 1 << 0,
  KEYEVENT: 1 << 1,
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  MODULE: 1 << 12,
  NEW: 1 << 14,
} as const;

/** The store's clock. Real time plus an offset the test API / DEBUG commands can move. */
export class Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
  set(ms: number): void {
    this.offset = ms - Date.now();
  }
}

/** One client's WATCH of one key (Valkey's watchedKey), told when the key changes. */
export interface Watcher {
  /** The key's TTL had already passed (key not yet deleted) at WATCH time: its deletion is no logical change. */
  expired: boolean;
  /** Fail the watching client's next EXEC. */
  touch(): void;
}

export interface StoreHooks {
  /** Keyspace notification sink (pub/sub). Called only when the event's class is enabled. */
  notify?: (db: number, event: string, key: string, cls: number) => void;
  /** A key some client is blocked on may be ready; served after the current command. */
  keyReady?: (db: Database, key: string) => void;
  /** Client-side caching: a key was modified (set once some client enables CLIENT TRACKING). */
  invalidate?: (db: Database, key: string) => void;
  /** FLUSHDB / FLUSHALL ran (client-side caching sends a null invalidation). */
  flushed?: () => void;
}

const SHARDS = 16;
/** Keys a ShardedMap holds in one plain Map before it splits (see below). */
const UNSHARDED_MAX = 1 << 17;
/** Entries moved from the one Map into the shards per operation while it splits. */
const SPLIT_STEP = 64;

/**
 * A Map<string, V> that starts as one plain Map and, past 131072 keys, spreads over 16 Maps by the key's length and
 * four of its characters: the keyspace (db.keys) and the expiry deadlines (db.expires). A JS Map rehashes every
 * remaining entry at once when deletions take it below a quarter of its capacity: with 1M keys due together, one
 * keyspace Map shrank in one step of the active sweep, stalling JSC for 25-32 ms (V8 ~14 ms) with 262k keys left
 * (scripts/bench-scale.mjs --only-expiry). Split, each shrink moves 1/16 of the keys, at different moments. Below
 * the split a shrink moves at most 64k keys (3-7 ms), and a lookup skips the shard hash (among 100k keys on Node,
 * 114 vs 133 ns in process). The split is incremental, as Valkey's rehash (moving 131k keys at once stalled
 * 37-110 ms): each set() or delete() moves 64 entries, the cron moves more (settle()), and until the one Map is
 * drained a lookup that misses the shards tries it. Lookups never move entries, so a walk that reads (KEYS,
 * isExpired) sees every key once. Only clear() (FLUSHDB) makes it one Map again. Both maps use the same shard
 * function, so the sweep, which walks the deadlines shard by shard (a hash order, as Valkey's), empties one
 * keyspace shard at a time. Hand-written rather than a library: every command's lookup goes through get().
 */
export class ShardedMap<V> extends Map<string, V> {
  /** 0: all entries in `one`; 1: splitting (shards first, then the rest of `one`); 2: all in `shards`. */
  private state = 0;
  private one = new Map<string, V>();
  private shards: Map<string, V>[] = [];
  /** Entries in `shards`. */
  private count = 0;
  /** While splitting: the walk over `one` that moves its entries. */
  private drain: Iterator<[string, V]> | null = null;

  private shard(key: string): Map<string, V> {
    const n = key.length;
    // The middle characters too: keys that share a suffix and a length ("bull:q:<id>:lock", "rl:<ip>:<window>")
    // all landed in one shard by the last two alone (100k such keys: 100 % / 45 % in one shard, now ≤ 10 %).
    const h =
      n < 2
        ? n
        : key.charCodeAt(n - 1) + key.charCodeAt(n - 2) * 5 + key.charCodeAt(n >> 1) * 11 + key.charCodeAt(n >> 2) * 3 + n * 7;
    return this.shards[h & (SHARDS - 1)]!;
  }
  /** Moves the next `n` entries of `one` into their shards; the last step ends the split. */
  private step(n = SPLIT_STEP): void {
    const one = this.one;
    const drain = this.drain!;
    for (let i = 0; i < n; i++) {
      const r = drain.next();
      if (r.done) {
        this.state = 2;
        this.drain = null;
        this.one = new Map<string, V>();
        return;
      }
      const [k, v] = r.value;
      one.delete(k);
      this.shard(k).set(k, v);
      this.count++;
    }
  }
  /**
   * The cron's share of a split (Valkey's databasesCron rehash): moves up to `n` entries, so that a split started
   * by a burst of writes ends even when the writes stop. True while there is more to move.
   */
  settle(n: number): boolean {
    if (this.state !== 1) return false;
    this.step(n);
    return this.state === 1;
  }
  /** 0 one Map, 1 splitting, 2 split (tests; INFO does not show it). */
  get splitState(): number {
    return this.state;
  }
  override get size(): number {
    const st = this.state;
    return st === 0 ? this.one.size : st === 2 ? this.count : this.count + this.one.size;
  }
  override get(key: string): V | undefined {
    const st = this.state;
    if (st === 0) return this.one.get(key);
    if (st === 2) return this.shard(key).get(key);
    const m = this.shard(key);
    return m.has(key) ? m.get(key) : this.one.get(key);
  }
  override has(key: string): boolean {
    const st = this.state;
    if (st === 0) return this.one.has(key);
    if (st === 2) return this.shard(key).has(key);
    return this.shard(key).has(key) || this.one.has(key);
  }
  override set(key: string, value: V): this {
    const st = this.state;
    if (st === 0) {
      const one = this.one;
      one.set(key, value);
      if (one.size > UNSHARDED_MAX) {
        this.state = 1;
        this.shards = Array.from({ length: SHARDS }, () => new Map<string, V>());
        this.drain = one.entries();
      }
      return this;
    }
    const m = this.shard(key);
    const n = m.size;
    m.set(key, value);
    this.count += m.size - n;
    if (st === 1) {
      this.one.delete(key);
      this.step();
    }
    return this;
  }
  override delete(key: string): boolean {
    const st = this.state;
    if (st === 0) return this.one.delete(key);
    let r = this.shard(key).delete(key);
    if (r) this.count--;
    if (st === 1) {
      if (!r) r = this.one.delete(key);
      this.step();
    }
    return r;
  }
  override clear(): void {
    // Cleared rather than dropped: an iterator still open on them (the sweep's) ends instead of walking old entries.
    this.one.clear();
    for (const m of this.shards) m.clear();
    this.state = 0;
    this.one = new Map<string, V>();
    this.shards = [];
    this.count = 0;
    this.drain = null;
  }
  /** The maps to walk, shards first: an entry moved during a walk is then never seen twice (at worst missed). */
  private walk(): Map<string, V>[] {
    return this.state === 2 ? this.shards : [...this.shards, this.one];
  }
  override entries(): MapIterator<[string, V]> {
    if (this.state === 0) return this.one.entries();
    return new ShardsIterator(this.walk(), (m) => m.entries()) as unknown as MapIterator<[string, V]>;
  }
  override keys(): MapIterator<string> {
    if (this.state === 0) return this.one.keys();
    return new ShardsIterator(this.walk(), (m) => m.keys()) as unknown as MapIterator<string>;
  }
  override values(): MapIterator<V> {
    if (this.state === 0) return this.one.values();
    return new ShardsIterator(this.walk(), (m) => m.values()) as unknown as MapIterator<V>;
  }
  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
  /** Every key in one array of the right size, each map walked by its own native loop (SCAN's log of a keyspace:
   *  through keys() JavaScriptCore took ~4x as long for 1M keys). */
  keyList(): string[] {
    const out = new Array<string>(this.size);
    let n = 0;
    for (const m of this.maps()) for (const k of m.keys()) out[n++] = k;
    out.length = n;
    return out;
  }
  /** The maps holding the entries, for a walk by each one's own native loop (no iterator object between). */
  maps(): readonly Map<string, V>[] {
    return this.state === 0 ? [this.one] : this.walk();
  }
  override forEach(fn: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const m of this.maps()) for (const [k, v] of m) fn.call(thisArg, v, k, this);
  }
}

/** A walk over a ShardedMap: one shard's native iterator after the other (no generator: the sweep's hot loop). */
class ShardsIterator<V, T> implements Iterator<T> {
  private i = 0;
  private it: Iterator<T>;
  constructor(
    private readonly shards: Map<string, V>[],
    private readonly open: (m: Map<string, V>) => Iterator<T>,
  ) {
    this.it = open(shards[0]!);
  }
  next(): IteratorResult<T> {
    for (;;) {
      const r = this.it.next();
      if (!r.done || this.i === this.shards.length - 1) return r;
      this.it = this.open(this.shards[++this.i]!);
    }
  }
  [Symbol.iterator](): this {
    return this;
  }
}

export class Database {
  /** Insert only through set()/put(): SCAN's log (scanLog) must hear of every new key. */
  keys: ShardedMap<Entry> = new ShardedMap<Entry>();
  /** Expiry deadlines (ms) beside the keyspace, as in Valkey. */
  expires: ShardedMap<number> = new ShardedMap<number>();
  /** WATCHed keys -> watching clients. */
  readonly watched = new Map<string, Set<Watcher>>();
  /** Keys that have clients blocked on them (maintained by the blocking module). */
  readonly blocking = new Map<string, unknown>();
  /** Resumable iterator over `expires` for the active expiry sweep. */
  sweep: Iterator<[string, number]> | null = null;
  /** SCAN's insertion log over `keys` (src/scan.ts); created by the first SCAN, then told of every new key. */
  scanLog: ScanLog | null = null;
  /** Estimated bytes of this database's keys, kept by the store's MemoryAccount once one exists. */
  mem = 0;

  constructor(
    readonly store: Store,
    public id: number,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  /** Entry if it exists and is not expired (expired keys are deleted on access). No stats, no LRU touch. */
  peek(key: string): Entry | undefined {
    const e = this.keys.get(key);
    if (e === undefined) return undefined;
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return e;
  }

  /**
   * Lookup for reading: counts keyspace hits/misses and touches the LRU clock. `flags` (LOOKUP_NOTOUCH,
   * LOOKUP_NONOTIFY) as Valkey's lookupKeyReadWithFlags: TTL/TYPE/EXISTS/OBJECT do not touch.
   */
  read(key: string, flags = 0): Entry | undefined {
    const e = this.peek(key);
    const s = this.store;
    if (e === undefined) {
      s.stats.keyspaceMisses++;
      if (s.notifyFlags & N.KEY_MISS && !(flags & LOOKUP_NONOTIFY)) s.notify(this.id, "keymiss", key, N.KEY_MISS);
      return undefined;
    }
    s.stats.keyspaceHits++;
    if (!s.noTouch && !(flags & LOOKUP_NOTOUCH)) {
      if (s.lfu) e.freq = lfuAccessed(e.freq, e.lru, s.now, s.lfuLogFactor, s.lfuDecayTime);
      e.lru = s.now;
    }
    return e;
  }

  /** Lookup for writing: no stats. */
  write(key: string): Entry | undefined {
    const e = this.peek(key);
    const s = this.store;
    if (e !== undefined && !s.noTouch) {
      if (s.lfu) e.freq = lfuAccessed(e.freq, e.lru, s.now, s.lfuLogFactor, s.lfuDecayTime);
      e.lru = s.now;
    }
    return e;
  }

  /** Value of `key` if it holds `type`, undefined if missing, WRONGTYPE otherwise. Counts as a read. */
  readAs(key: string, type: ValueType): any {
    const e = this.read(key);
    if (e === undefined) return undefined;
    if (e.type !== type) throw E.wrongType;
    return e.value;
  }

  /** Same as readAs for write paths. */
  writeAs(key: string, type: ValueType): any {
    const e = this.write(key);
    if (e === undefined) return undefined;
    if (e.type !== type) throw E.wrongType;
    return e.value;
  }

  /** Store a new value; drops any TTL unless keepTtl. Does not signal: callers call changed(). */
  set(key: string, type: ValueType, value: any, keepTtl = false): Entry {
    const store = this.store;
    if (type === "string" && store.memory === null && !store.lfu) {
      // A string over a string keeps its entry, as a fresh one: SET over a big keyspace otherwise allocates an
      // entry per call that outlives the young generation (the collector was 16% of SET/GET over 100k random
      // keys). Not while the memory accounting runs (it holds entries and tells keys apart by entry identity),
      // nor under LFU (an overwrite keeps its counter there: the path below).
      const old = this.keys.get(key);
      if (old !== undefined && old.type === "string") {
        old.value = value;
        old.lru = store.now;
        old.freq = LFU_INIT;
        old.raw = false;
        if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
        return old;
      }
    }
    const e = new Entry(type, value, store.now);
    const n = this.keys.size;
    if (this.store.lfu) {
      // An overwritten value keeps its access counter under LFU, as Valkey's dbSetValue does (the write
      // lookup before it counted the access).
      const old = this.keys.get(key);
      if (old !== undefined) e.freq = old.freq;
    }
    if (this.store.memory !== null) this.store.memory.put(this, key, e);
    this.keys.set(key, e);
    if (this.keys.size !== n) this.added(key);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    return e;
  }

  /** Put an existing entry (RENAME, MOVE, COPY). */
  put(key: string, e: Entry): void {
    const n = this.keys.size;
    if (this.store.memory !== null) this.store.memory.put(this, key, e);
    this.keys.set(key, e);
    if (this.keys.size !== n) this.added(key);
    if (this.expires.size !== 0) this.expires.delete(key);
  }

  /** A key was created (Valkey's dbAdd): SCAN's log hears of it, and the "new" event fires before the command's own. */
  private added(key: string): void {
    if (this.scanLog !== null) this.scanLog.added(key);
    if (this.store.notifyFlags & N.NEW) this.store.notify(this.id, "new", key, N.NEW);
  }

  /** Remove a key. Does not signal: callers call changed(). */
  delete(key: string): boolean {
    if (this.store.memory !== null) this.store.memory.removed(this, key);
    if (!this.keys.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    return true;
  }

  /** Absolute expiry in ms, or undefined. */
  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  setExpire(key: string, at: number): void {
    this.expires.set(key, at);
  }

  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** True when `key`'s TTL has passed; deletes it (lazy expiry) unless expiry is paused. */
  expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > this.store.now) return false;
    // While clients are paused the dataset stays as it is, but readers already see the key as gone (Valkey
    // returns "expired" without deleting; the key is deleted once the pause ends).
    if (this.store.expiryPaused) return true;
    this.expireKey(key);
    return true;
  }

  expireKey(key: string): void {
    if (this.store.memory !== null) this.store.memory.removed(this, key);
    this.keys.delete(key);
    this.expires.delete(key);
    this.store.stats.expiredKeys++;
    this.changed(key, "expired", N.EXPIRED);
  }

  /**
   * THE signal: every write to a key ends here. Invalidates WATCH, wakes blocked clients, emits the keyspace
   * notification when its class is enabled, counts the change.
   */
  changed(key: string, event: string, cls: number): void {
    const s = this.store;
    s.dirty++;
    if (s.memory !== null) s.memory.changed(this, key);
    if (this.watched.size !== 0) {
      const set = this.watched.get(key);
      if (set !== undefined) {
        for (const w of set) {
          // A key that was already stale at WATCH time and is now gone: logically nothing changed.
          if (w.expired && !this.keys.has(key)) w.expired = false;
          else w.touch();
        }
      }
    }
    if (this.blocking.size !== 0 && this.blocking.has(key)) s.hooks.keyReady?.(this, key);
    if (s.notifyFlags & cls) s.notify(this.id, event, key, cls);
    if (s.hooks.invalidate !== undefined) s.hooks.invalidate(this, key);
  }

  /** Wake clients blocked on `key` without a keyspace change (Valkey's signalKeyAsReady alone: XGROUP DESTROY). */
  keyReady(key: string): void {
    if (this.blocking.size !== 0 && this.blocking.has(key)) this.store.hooks.keyReady?.(this, key);
  }

  /** An extra event for a change already signalled (e.g. "expire" after "set"). */
  notify(event: string, key: string, cls: number): void {
    const s = this.store;
    if (s.notifyFlags & cls) s.notify(this.id, event, key, cls);
  }

  /** The key is present but its TTL has passed (Valkey's keyIsExpired; no side effects). */
  stale(key: string): boolean {
    if (!this.keys.has(key)) return false;
    const at = this.expires.size === 0 ? undefined : this.expires.get(key);
    return at !== undefined && at <= this.store.now;
  }

  /**
   * This db is emptied (FLUSHDB) or gets `replacedWith`'s contents (SWAPDB): touch the watchers of every watched
   * key that exists in either. Dropping or swapping a stale key changes nothing logically (Valkey's
   * touchAllWatchedKeysInDb).
   */
  touchAllWatched(replacedWith?: Database): void {
    for (const [key, set] of this.watched) {
      const here = this.keys.has(key);
      const there = replacedWith !== undefined && replacedWith.keys.has(key);
      if (!here && !there) continue;
      for (const w of [...set]) {
        if (w.expired) {
          if (!there) {
            w.expired = false; // the stale key is gone
            continue;
          }
          if (replacedWith!.stale(key)) continue; // stale before, stale after
        } else if (!here && replacedWith!.stale(key)) {
          w.expired = true; // nothing replaced by a stale key
          continue;
        }
        w.touch();
      }
    }
  }

  /** Drop every key (FLUSHDB). */
  clear(): void {
    this.drop();
    this.store.hooks.flushed?.();
  }

  /** Drop every key without the flush signal (each db of FLUSHALL, which signals once). */
  drop(): void {
    this.touchAllWatched();
    if (this.store.memory !== null) this.store.memory.dropped(this);
    // Clients blocked on a key that vanishes are re-run (XREADGROUP then fails as in Valkey's signalDeletedKeyAsReady).
    if (this.blocking.size !== 0) for (const key of this.blocking.keys()) if (this.keys.has(key)) this.store.hooks.keyReady?.(this, key);
    this.keys.clear();
    this.expires.clear();
    this.sweep = null;
    this.scanLog?.cleared();
  }

  /** Uniformly random live key, or undefined (RANDOMKEY). */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.keys.size > 0; tries++) {
      const k = randomMapKey(this.keys);
      if (k === undefined) return undefined;
      if (this.peek(k) !== undefined) return k;
    }
    // almost everything expired: fall back to a full pass
    for (const k of [...this.keys.keys()]) if (this.peek(k) !== undefined) return k;
    return undefined;
  }
}

/** Flags for Database.read (Valkey's LOOKUP_*). */
export const LOOKUP_NOTOUCH = 1;
export const LOOKUP_NONOTIFY = 2;

/** Random key of a Map. O(n) skip; Maps have no random access, and RANDOMKEY/SPOP on keyspaces are rare. */
export function randomMapKey<K>(m: Map<K, unknown>): K | undefined {
  let skip = Math.floor(Math.random() * m.size);
  for (const k of m.keys()) if (skip-- === 0) return k;
  return undefined;
}

export interface StoreStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  expiredStalePerc: number;
  evictedKeys: number;
  /** Clients disconnected by maxmemory-clients (src/eviction.ts). */
  evictedClients: number;
}

export class Store {
  readonly dbs: Database[] = [];
  /** Command time: refreshed once per batch of commands, frozen during MULTI/EXEC and scripts (as in Valkey). */
  now: number;
  dirty = 0;
  notifyFlags = 0;
  noTouch = false;
  expiryPaused = false;
  activeExpire = true;
  /** maxmemory in bytes (0: no limit); set with the LFU settings below by src/eviction.ts from the config. */
  maxmemory = 0;
  /** maxmemory or maxmemory-clients is set: the gate runs src/eviction.ts before each command. */
  memoryLimited = false;
  /** An LFU maxmemory-policy is selected: reads and writes update Entry.freq. */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** The dataset estimate (src/memory.ts), created when first needed (INFO, MEMORY, maxmemory). */
  memory: MemoryAccount | null = null;
  readonly stats: StoreStats = { keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0, expiredStalePerc: 0, evictedKeys: 0, evictedClients: 0 };
  hooks: StoreHooks = {};

  constructor(
    dbCount: number,
    readonly clock: Clock = new Clock(),
  ) {
    for (let i = 0; i < dbCount; i++) this.dbs.push(new Database(this, i));
    this.now = clock.now();
  }

  tick(): number {
    return (this.now = this.clock.now());
  }

  notify(db: number, event: string, key: string, cls: number): void {
    this.hooks.notify?.(db, event, key, cls);
  }

  /**
   * Valkey-style active expiry: walk each database's expires with a resumable cursor, checking keys in
   * batches of 20; keep going while more than 10% of a batch was stale, within a time budget. Returns true
   * when the budget ran out while batches were still mostly stale (the caller may run another slice soon).
   */
  activeExpireCycle(budgetMs = 25): boolean {
    if (!this.activeExpire || this.expiryPaused) return false;
    const now = this.tick();
    const deadline = monotonicMs() + budgetMs;
    let more = false;
    for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      for (;;) {
        let checked = 0;
        let expired = 0;
        if (db.sweep === null) db.sweep = db.expires.entries();
        while (checked < 20) {
          const r = db.sweep.next();
          if (r.done) {
            db.sweep = null;
            break;
          }
          checked++;
          const [key, at] = r.value;
          if (at <= now && db.keys.has(key)) {
            db.expireKey(key);
            expired++;
          }
        }
        if (checked > 0) this.stats.expiredStalePerc = expired / checked;
        if (checked === 0 || expired * 10 <= checked || db.sweep === null) break;
        if (monotonicMs() >= deadline) {
          more = true;
          break;
        }
      }
      if (more) break;
    }
    return more;
  }

  /** The cron's share of splitting big keyspaces (ShardedMap.settle): up to `n` entries per map. */
  settleSplits(n = 4096): void {
    for (const db of this.dbs) {
      db.keys.settle(n);
      db.expires.settle(n);
    }
  }

  flushAll(): void {
    for (const db of this.dbs) db.drop();
    this.hooks.flushed?.();
  }

  /** SWAPDB: exchange contents, keeping watchers and blocked clients attached to their db index. */
  swap(a: number, b: number): void {
    const da = this.dbs[a]!;
    const dbb = this.dbs[b]!;
    this.memory?.settle();
    [da.mem, dbb.mem] = [dbb.mem, da.mem];
    da.touchAllWatched(dbb);
    dbb.touchAllWatched(da);
    [da.keys, dbb.keys] = [dbb.keys, da.keys];
    [da.expires, dbb.expires] = [dbb.expires, da.expires];
    [da.scanLog, dbb.scanLog] = [dbb.scanLog, da.scanLog];
    da.sweep = dbb.sweep = null;
    // Blocked clients see their key appear, vanish or change (Valkey's scanDatabaseForReadyKeys / ForDeletedKeys).
    for (const db of [da, dbb]) {
      const other = db === da ? dbb : da;
      for (const key of db.blocking.keys()) if (db.keys.has(key) || other.keys.has(key)) this.hooks.keyReady?.(db, key);
    }
  }
}
