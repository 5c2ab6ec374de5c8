// Memory: what the dataset costs (an estimate kept per key, summed per database) and what the runtime holds.
//
// used_memory is this estimate, not the runtime's heap: the heap moves with garbage collection and JIT state,
// and reading it costs microseconds, while maxmemory must be checked before every command. The estimate models
// what each value's JS representation costs on the running engine (V8 for Node, JavaScriptCore for Bun); the
// constants were measured with scripts/memory-calibrate.mjs, and test/integration/memory.test.ts keeps each
// type within 30 % of the real heap growth. docs/memory.md has the formula and the numbers.

import { builtin, isBun, monotonicMs } from "./runtime.js";
import type { Database, Entry, Store } from "./store.js";
import type { Server } from "./server.js";
import type { Client } from "./client.js";
import type { PackedDeque } from "./structures/deque.js";
import { isMapLike, isSetLike } from "./values.js";

let usage: NodeJS.MemoryUsage | null = null;
let usageAt = 0;

/**
 * process.memoryUsage(), at most 100 ms old (INFO's used_memory_rss and allocator_*). Valkey reads those in its
 * cron too (cron_malloc_stats), not per INFO; a fresh read walks every heap space (10-60 µs, a quarter of an
 * INFO, which ioredis and BullMQ send on every connect). After a forced collection (MEMORY PURGE) the next read
 * is fresh.
 */
export function runtimeMemory(): NodeJS.MemoryUsage {
  const now = monotonicMs();
  if (usage === null || now - usageAt >= 100) {
    usage = process.memoryUsage();
    usageAt = now;
  }
  return usage;
}

let nodeGc: (() => void) | null = null;

/** A full garbage collection (MEMORY PURGE): Bun.gc, or V8's gc exposed on first use (no --expose-gc needed). */
export function collectGarbage(): void {
  usage = null;
  const g = globalThis as { gc?: () => void; Bun?: { gc?: (sync: boolean) => void } };
  if (isBun) {
    g.Bun!.gc!(true);
    return;
  }
  if (nodeGc === null) {
    if (typeof g.gc === "function") nodeGc = g.gc;
    else {
      builtin("node:v8").setFlagsFromString("--expose-gc");
      nodeGc = builtin("node:vm").runInNewContext("gc") as () => void;
    }
  }
  nodeGc();
}

// ---------------------------------------------------------------------------------------------------------
// The size model. Every figure is bytes on the running engine; see docs/memory.md for how they were measured.

interface Model {
  /** A JS string of n one-byte characters: str0 + n. */
  str0: number;
  /** A Buffer of n bytes: buf0 + n up to bufSmall bytes (V8 packs those in shared slabs), bufBig0 + n above. */
  buf0: number;
  bufSmall: number;
  bufBig0: number;
  /** A key in the keyspace: its Entry and its slot in the database's Map (the key string is counted apart). */
  key: number;
  /** One slot of a Map (hash fields, zset dict) / of a Set (set members) / of a list's ring buffer. */
  mapSlot: number;
  setSlot: number;
  listSlot: number;
  /** One bucket of a hashtable-encoded hash beside its chars: the string header and its array slot. */
  hashBucket: number;
  /** One chunk of a quicklist-encoded list beside its chars: the string header and three array slots. */
  listChunk: number;
  /** One zset element beside its dict slot: the B-tree leaf's member and score slots and the boxed score. */
  zsetElem: number;
  /** One stream entry beside its packed elements' string: its slots in the node's columns (ID parts, flags, data). */
  streamEntry: number;
  /** The value objects themselves, per type. */
  hash: number;
  /** A small hash (listpack): the value object beside its one packed string. */
  hashPacked: number;
  /** A small list (listpack): the value object beside its one packed string. */
  listPacked: number;
  /** A small set (intset / listpack): the value object beside its one packed string. */
  setPacked: number;
  set: number;
  list: number;
  zset: number;
  /** A listpack-encoded (small) zset: the set object beside its one packed string. */
  zsetLp: number;
  stream: number;
  /** A key's expiry deadline (a Map slot and a boxed number). */
  expire: number;
}

/** Node (V8, 64-bit, no pointer compression). */
const V8: Model = {
  str0: 20,
  buf0: 105,
  bufSmall: 1024,
  bufBig0: 250,
  key: 107,
  mapSlot: 27,
  setSlot: 19,
  listSlot: 10,
  listChunk: 60,
  hashBucket: 30,
  zsetElem: 53,
  streamEntry: 29,
  hash: 120,
  hashPacked: 72,
  listPacked: 88,
  setPacked: 78,
  set: 120,
  list: 120,
  zset: 345,
  zsetLp: 80,
  stream: 400,
  expire: 45,
};

/** Bun (JavaScriptCore, bmalloc). */
const JSC: Model = {
  str0: 16,
  buf0: 61,
  bufSmall: 1024,
  bufBig0: 57,
  key: 136,
  mapSlot: 41,
  setSlot: 44,
  listSlot: 10,
  listChunk: 60,
  hashBucket: 30,
  zsetElem: 42,
  streamEntry: 27,
  hash: 205,
  hashPacked: 152,
  listPacked: 108,
  setPacked: 84,
  set: 125,
  list: 81,
  zset: 508,
  zsetLp: 50,
  stream: 600,
  expire: 50,
};

export const model: Model = isBun ? JSC : V8;

const strBytes = (n: number): number => model.str0 + n;
const bufBytes = (n: number): number => (n <= model.bufSmall ? model.buf0 : model.bufBig0) + n;

/** A string or buffer element. */
function elemBytes(x: unknown): number {
  if (typeof x === "string") return strBytes(x.length);
  if (x instanceof Uint8Array) return bufBytes(x.length);
  if (typeof x === "number") return 16;
  return genericBytes(x, 16, 0);
}

/** Elements sampled when the accounting re-estimates a collection after a change. */
export const ACCOUNT_SAMPLES = 16;

/**
 * Estimated bytes of a value: the collection object plus count × the average cost of up to `samples` sampled
 * elements (`samples` <= 0: all of them). Dispatches on shape, not on class, so a family may change a value's
 * representation: an object with a `memoryUsage(samples)` method answers for itself.
 */
export function valueBytes(v: unknown, samples: number): number {
  if (v instanceof Uint8Array) return bufBytes(v.length);
  if (typeof v === "string") return strBytes(v.length);
  if (v === null || typeof v !== "object") return 16;
  const own = (v as { memoryUsage?: (samples: number) => number }).memoryUsage;
  if (typeof own === "function") return own.call(v, samples);
  const all = samples <= 0 ? Infinity : samples;
  const o = v as Record<string, unknown>;
  // small hashes, sets and lists packed into one string (listpack-like)
  if (typeof o.lp === "string") {
    const packed = isMapLike(v) ? model.hashPacked : isSetLike(v) ? model.setPacked : typeof o.pushFront === "function" ? model.listPacked : -1;
    if (packed >= 0) return packed + strBytes(o.lp.length);
  }
  if (isMapLike(v) && o.t !== null && typeof o.t === "object" && typeof (o.t as { shape?: unknown }).shape === "function") {
    // hash, hashtable encoding: packed buckets (each entry's chars + 2) and the long entries' own strings
    const { buckets, big } = (o.t as { shape(): { buckets: number; big: number } }).shape();
    const it = (o.rawEntries as () => Iterator<[string, string]>).call(v);
    return model.hash + buckets * model.hashBucket + big * (model.mapSlot + 2 * model.str0) + sampleIter(v.size, it, all, ([k, x]) => k.length + x.length + 2);
  }
  if (isMapLike(v)) {
    // hash (field -> value); the hash family hands out Buffers but keeps latin1 strings (rawEntries)
    const it = typeof o.rawEntries === "function" ? (o.rawEntries as () => Iterator<[unknown, unknown]>).call(v) : v.entries();
    return model.hash + sampleIter(v.size, it, all, ([k, x]) => model.mapSlot + elemBytes(k) + elemBytes(x));
  }
  if (isSetLike(v)) return model.set + sampleIter(v.size, v.values(), all, (x) => model.setSlot + elemBytes(x));
  if (o.dict instanceof Map && typeof o.size === "number") {
    // sorted set, skiplist encoding: member -> score dict beside an ordered index
    const d = o.dict as Map<string, number>;
    return model.zset + sampleIter(d.size, d.keys(), all, (m) => model.mapSlot + model.zsetElem + elemBytes(m));
  }
  // sorted set, listpack encoding: one packed string
  if (o.dict === null && "zscan" in o && typeof o.lp === "string") return model.zsetLp + strBytes(o.lp.length);
  if (typeof o.macroNodes === "function" && typeof o.length === "number") return streamBytes(o, all);
  if (o.q !== null && typeof o.q === "object" && typeof (o.q as { chunks?: unknown }).chunks === "function") {
    // list, quicklist encoding: packed chunks (each element's bytes + 2) and the open chunks' strings at the ends
    const q = o.q as PackedDeque;
    const n = q.length;
    const k = Math.min(n, all);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += q.get(Math.floor((j * n) / k)).length + 2;
    const { packed, front, back } = q.chunks();
    return model.list + packed.length * model.listChunk + (front + back) * (model.str0 + model.listSlot) + (k === 0 ? 0 : Math.round((sum / k) * n));
  }
  if (typeof o.length === "number" && typeof o.get === "function" && !Array.isArray(v)) {
    // list (a deque with random access): sample evenly spread elements
    const n = o.length as number;
    const get = o.get as (i: number) => unknown;
    const k = Math.min(n, all);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += elemBytes(get.call(v, Math.floor((j * n) / k)));
    return model.list + n * model.listSlot + (k === 0 ? 0 : Math.round((sum / k) * n));
  }
  if (Array.isArray(v)) return model.list + sampleIter(v.length, v.values(), all, (x) => 8 + elemBytes(x));
  return genericBytes(v, all, 0);
}

function streamBytes(s: Record<string, unknown>, samples: number): number {
  const n = s.length as number;
  let seen = 0;
  let sum = 0;
  type Entry = { deleted: boolean; size: number; packed: string | null; start: number; end: number; bufs: Buffer[] | null; names: Buffer[] | null };
  type Node = { masterFields: Buffer[]; count: number; entry(j: number): Entry };
  for (const node of (s.macroNodes as () => Iterable<Node>).call(s)) {
    // the master entry's field names, kept once per node (entries with the same names share them)
    for (const f of node.masterFields) sum += bufBytes(f.length);
    for (let k = 0; k < node.count; k++) {
      if (seen >= samples) break;
      const e = node.entry(k);
      if (e.deleted) continue;
      let b = model.streamEntry;
      if (e.packed !== null) b += e.end - e.start;
      else {
        b += e.size * 8;
        for (let i = 0; i < e.size; i++) if (e.names === null || (i & 1) === 1) b += bufBytes(e.bufs![i]!.length);
      }
      sum += b;
      seen++;
    }
    if (seen >= samples) break;
  }
  const groups = s.groups instanceof Map ? s.groups.size : 0;
  return model.stream + (seen === 0 ? 0 : Math.round((sum / seen) * n)) + groups * model.hash;
}

function sampleIter<T>(size: number, it: Iterator<T>, samples: number, cost: (x: T) => number): number {
  if (size === 0) return 0;
  let seen = 0;
  let sum = 0;
  for (let r = it.next(); !r.done && seen < samples; r = it.next()) {
    sum += cost(r.value);
    seen++;
  }
  return seen === 0 ? 0 : Math.round((sum / seen) * size);
}

/** Plain objects and arrays of unknown shape: a structural walk, sampled per collection. */
function genericBytes(v: unknown, samples: number, depth: number): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "string") return strBytes(v.length);
  if (typeof v !== "object") return 16;
  if (v instanceof Uint8Array) return bufBytes(v.length);
  if (depth > 8) return 16;
  if (isMapLike(v)) return model.hash + sampleIter(v.size, v.entries(), samples, ([k, x]) => model.mapSlot + genericBytes(k, samples, depth + 1) + genericBytes(x, samples, depth + 1));
  if (isSetLike(v)) return model.set + sampleIter(v.size, v.values(), samples, (x) => model.setSlot + genericBytes(x, samples, depth + 1));
  if (Array.isArray(v)) return 16 + sampleIter(v.length, v.values(), samples, (x) => 8 + genericBytes(x, samples, depth + 1));
  let total = 32;
  for (const x of Object.values(v as object)) total += 8 + genericBytes(x, samples, depth + 1);
  return total;
}

/** Estimated bytes of one key: the keyspace slot and entry, the key string, the value. */
export function keyBytes(key: string, value: unknown, samples: number): number {
  return model.key + strBytes(key.length) + valueBytes(value, samples);
}

// ---------------------------------------------------------------------------------------------------------
// The account: each key's estimate is kept on its Entry (`mem`) and summed per database (`Database.mem`).
// A change only queues the key; the queue is re-estimated (ACCOUNT_SAMPLES elements per collection, so a write
// to a huge hash costs the same as one to a small one) when the total is read: before a command under
// maxmemory, by INFO / MEMORY, or when the queue grows long.

/** Queue length that triggers re-estimating without waiting for a reader. */
const SETTLE_AT = 4096;

export class MemoryAccount {
  /** The queue: parallel arrays, used up to `queued` (slots are emptied and reused, not shrunk: cheaper in V8). */
  private dbs: Database[] = [];
  private keys: Array<string | null> = [];
  private entries: Array<Entry | null> = [];
  private queued = 0;
  /** Sum of every database's `mem`. */
  private total = 0;

  /** Starts with a full pass over every database. */
  constructor(private readonly store: Store) {
    for (const db of store.dbs) {
      db.mem = 0;
      for (const [key, e] of db.keys) {
        e.mem = keyBytes(key, e.value, ACCOUNT_SAMPLES);
        db.mem += e.mem;
      }
      this.total += db.mem;
    }
  }

  /** `db` is emptied (FLUSHDB, FLUSHALL). */
  dropped(db: Database): void {
    this.total -= db.mem;
    db.mem = 0;
  }

  /** `e` becomes the entry of `key` (SET, RENAME, MOVE...): the entry it replaces leaves the account. */
  put(db: Database, key: string, e: Entry): void {
    this.removed(db, key);
    e.mem = 0;
    this.queue(db, key, e);
  }

  /** `key` is about to be deleted. */
  removed(db: Database, key: string): void {
    const e = db.keys.get(key);
    if (e === undefined) return;
    const m = counted(e);
    db.mem -= m;
    this.total -= m;
    e.mem = 0;
  }

  /** `key` was written (the store's changed() signal). */
  changed(db: Database, key: string): void {
    const e = db.keys.get(key);
    if (e !== undefined && e.mem >= 0) this.queue(db, key, e);
    // Here, not in queue(): put() runs before the entry is in the Map.
    if (this.queued >= SETTLE_AT) this.settle();
  }

  /** `e` must be clean (mem >= 0). */
  private queue(db: Database, key: string, e: Entry): void {
    e.mem = -e.mem - 1;
    const i = this.queued++;
    this.dbs[i] = db;
    this.keys[i] = key;
    this.entries[i] = e;
  }

  /** Re-estimate every queued key that is still where it was queued. */
  settle(): void {
    const n = this.queued;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      const db = this.dbs[i]!;
      const key = this.keys[i]!;
      const e = this.entries[i]!;
      // no reference may outlive the settle: it would pin a deleted value
      this.keys[i] = this.entries[i] = null;
      const old = counted(e);
      e.mem = old;
      if (db.keys.get(key) !== e) continue;
      const v = e.value;
      // strings inline: the common case, re-estimated before every command under maxmemory
      const b = v instanceof Uint8Array ? model.key + strBytes(key.length) + bufBytes(v.length) : keyBytes(key, v, ACCOUNT_SAMPLES);
      db.mem += b - old;
      this.total += b - old;
      e.mem = b;
    }
    this.queued = 0;
  }

  /** Estimated bytes of the whole dataset, expiry deadlines included. */
  dataset(): number {
    this.settle();
    let expires = 0;
    const dbs = this.store.dbs;
    for (let i = 0; i < dbs.length; i++) expires += dbs[i]!.expires.size;
    return this.total + expires * model.expire;
  }
}

/** The bytes `e` counts in its database's `mem`, whether or not a re-estimate is queued (Entry.mem). */
function counted(e: Entry): number {
  return e.mem < 0 ? -e.mem - 1 : e.mem;
}

/** The store's account, created (one pass over the keyspace) on first use. */
export function memoryAccount(store: Store): MemoryAccount {
  return (store.memory ??= new MemoryAccount(store));
}

// ---------------------------------------------------------------------------------------------------------
// The server's figures (INFO memory, MEMORY STATS, maxmemory)

/** A connection beyond its buffers: the Client, its parser and its reply writer's initial buffer. */
export const CLIENT_BYTES = 70_000; // measured on both runtimes: the 64 KB reply slab and ~6 KB of state

/** Memory of the normal clients: fixed cost plus query buffers, reply buffers and unsent output. */
export function clientsBytes(server: Server): number {
  let n = 0;
  for (const c of server.clients.values()) n += clientBytes(c);
  return n;
}

/** One connection's memory: the fixed cost and its buffers. */
export function clientBytes(c: Client): number {
  return CLIENT_BYTES + clientBuffers(c);
}

/** What a connection holds beyond an idle one: unparsed input, unsent replies. */
export function clientBuffers(c: Client): number {
  return c.parser.pending + c.w.size + c.conn.pendingBytes();
}

/**
 * used_memory and its parts. used = dataset + overhead, where overhead is the clients plus the script caches;
 * the runtime's own baseline (code, JIT, the engine's heap before any data) is not part of it and shows in the
 * allocator_* fields (the runtime's heap) and used_memory_rss.
 */
export function memoryFigures(server: Server, scripts: number) {
  const m = runtimeMemory();
  // Bun's heapUsed already counts the large (off-heap) buffers it also reports as external; Node's does not.
  const heap = isBun ? m.heapUsed : m.heapUsed + m.external;
  const dataset = memoryAccount(server.store).dataset();
  const clientsNormal = clientsBytes(server);
  const overhead = clientsNormal + scripts;
  const used = dataset + overhead;
  const stats = server.stats;
  if (used > stats.peakMemory) stats.peakMemory = used;
  return {
    used,
    rss: m.rss,
    peak: stats.peakMemory,
    startup: 0,
    overhead,
    dataset,
    clientsNormal,
    /** Counted in used_memory but not against maxmemory (mem_not_counted_for_evict). */
    notCountedForEvict: scripts,
    heap,
    active: Math.max(m.heapTotal + (isBun ? 0 : m.external), heap),
    peakPerc: stats.peakMemory > 0 ? (used * 100) / stats.peakMemory : 0,
    datasetPerc: used > 0 ? (dataset * 100) / used : 0,
  };
}
