// maxmemory, as Valkey's evict.c does it: before each command the gate calls maxmemoryRefuses(); when the
// estimated memory (src/memory.ts: dataset + clients) is over maxmemory, keys are evicted by maxmemory-policy
// until it is not, and a command flagged denyoom is refused with OOM when that is impossible (noeviction, or
// nothing left to evict under a volatile-* policy).
//
// Choosing a victim is sampled, like Valkey's: each round takes maxmemory-samples keys from every database
// (all keys, or the keys with a TTL for volatile-*) into a 16-entry pool ordered by "idleness" (LRU: ms since
// last access; LFU: 255 - the decayed counter; volatile-ttl: the sooner the deadline, the idler), then evicts
// the idlest pooled key that still exists; the pool carries the best candidates across rounds, as Valkey's
// does. A JS Map has no random access, so random keys come from the keyspace's insertion log (the array SCAN
// uses, src/scan.ts); volatile-* with few TTL keys walks the expires with a rotating cursor instead. The
// random policies evict one sampled key from each database in turn.

import type { Client } from "./client.js";
import type { Server } from "./server.js";
import { F, type CommandEntry } from "./commands/types.js";
import { N, type Database, type Store } from "./store.js";
import { CLIENT_BYTES, clientBuffers, clientsBytes, memoryAccount } from "./memory.js";
import { clientInfoLine } from "./commands/connection.js";
import { lfuDecayed } from "./lfu.js";
import { keyspaceLog } from "./scan.js";
import { evictingBeforeCommand } from "./commands/tracking.js";

type Policy = "noeviction" | "allkeys-lru" | "allkeys-lfu" | "allkeys-random" | "volatile-lru" | "volatile-lfu" | "volatile-random" | "volatile-ttl";

/** EVPOOL_SIZE */
const POOL_SIZE = 16;

interface PoolEntry {
  idle: number;
  db: Database;
  key: string;
}

interface State {
  policy: Policy;
  samples: number;
  /** Rotating cursors over databases' keys or expires Maps. */
  cursors: WeakMap<Map<string, unknown>, Iterator<string>>;
  /** Candidates, ascending idleness (the idlest last). */
  pool: PoolEntry[];
  /** Databases visited in turn by the random policies (Valkey's next_db). */
  nextDb: number;
  /** maxmemory-clients as configured: bytes, or a negative percentage of maxmemory. */
  clientsLimit: number;
  /** clientsBytes(), refreshed every CLIENT_REFRESH checks (it walks every connection). */
  clients: number;
  checks: number;
  /** Valkey's server.pre_command_oom_state: the last command started over maxmemory, nothing left to evict. */
  oom: boolean;
}

const CLIENT_REFRESH = 64;

const states = new WeakMap<Server, State>();
/** The last server looked up: the check runs before every command, a WeakMap lookup each time shows. */
let lastServer: Server | null = null;
let lastState: State | null = null;

function stateOf(server: Server): State {
  if (server !== lastServer) {
    lastServer = server;
    lastState = states.get(server)!;
  }
  return lastState!;
}

/** Read the maxmemory settings into the store and this module (CONFIG SET and startup). */
export function configureEviction(server: Server): void {
  const store = server.store;
  const p = (n: string) => server.param(n);
  const policy = p("maxmemory-policy") as Policy;
  store.lfu = policy.endsWith("-lfu");
  store.lfuLogFactor = Number(p("lfu-log-factor"));
  store.lfuDecayTime = Number(p("lfu-decay-time"));
  store.maxmemory = Number(p("maxmemory"));
  // stored as bytes, or as "N%" (a negative number in Valkey's own field)
  const mc = p("maxmemory-clients");
  const clientsLimit = mc.endsWith("%") ? -Number(mc.slice(0, -1)) : Number(mc);
  store.memoryLimited = store.maxmemory !== 0 || clientsLimit !== 0;
  const prev = states.get(server);
  lastServer = null;
  states.set(server, {
    policy,
    samples: Number(p("maxmemory-samples")),
    cursors: prev?.cursors ?? new WeakMap(),
    pool: prev !== undefined && prev.policy === policy ? prev.pool : [],
    nextDb: prev?.nextDb ?? 0,
    clientsLimit,
    clients: prev?.clients ?? 0,
    checks: 0,
    oom: false,
  });
  if (store.maxmemory !== 0) memoryAccount(store);
}

/**
 * THE memory check, called by the gate only when maxmemory or maxmemory-clients is set: evict clients over
 * maxmemory-clients, evict keys as the policy says, and answer whether this command must be refused with OOM
 * (it is denyoom and memory is still over the limit). When `c` itself was evicted it is closing: the gate
 * then drops the command.
 */
export function maxmemoryRefuses(c: Client, e: CommandEntry, argv: Buffer[]): boolean {
  const server = c.server;
  // A script past busy-reply-threshold is running: nothing is evicted meanwhile (Valkey's
  // isInsideYieldingLongCommand); the gate answers BUSY next.
  if (server.busyScript !== null) return false;
  const st = stateOf(server);
  // Client memory is a walk over every connection: measured on the first check after a CONFIG SET and
  // every CLIENT_REFRESH checks after that.
  if (st.checks++ % CLIENT_REFRESH === 0) {
    if (st.clientsLimit !== 0) {
      if (evictClients(server, st) && c.closing) return true;
    } else st.clients = clientsBytes(server);
  }
  if (server.store.maxmemory === 0) return false;
  let oom: boolean;
  evictingBeforeCommand(true);
  try {
    oom = !performEvictions(server, st);
  } finally {
    evictingBeforeCommand(false);
  }
  st.oom = oom;
  return oom && isDenyOom(c, e, argv);
}

/** Valkey's getClientEvictionLimit: bytes, or a percentage of maxmemory; never below 128 KB. */
function clientEvictionLimit(server: Server, st: State): number {
  let limit: number;
  if (st.clientsLimit < 0) {
    if (server.store.maxmemory === 0) return 0;
    limit = Math.floor((server.store.maxmemory * -st.clientsLimit) / 100);
  } else limit = st.clientsLimit;
  return Math.max(limit, 128 * 1024);
}

/**
 * maxmemory-clients (Valkey's evictClients): while the clients together use at least the limit, disconnect
 * the biggest one that did not ask for CLIENT NO-EVICT. Returns whether any client was evicted. A client is
 * weighed by its buffers only: the fixed 70 KB of an idle connection here (Valkey's is ~20 KB) would make the
 * 128 KB floor evict the second idle connection.
 */
function evictClients(server: Server, st: State): boolean {
  const limit = clientEvictionLimit(server, st);
  if (limit === 0) return false;
  let total = 0;
  const candidates: Array<[number, Client]> = [];
  for (const c of server.clients.values()) {
    const m = clientBuffers(c);
    total += m;
    if (!c.noEvict && !c.closing && !c.closed) candidates.push([m, c]);
  }
  st.clients = total + server.clients.size * CLIENT_BYTES;
  if (total < limit) return false;
  candidates.sort((a, b) => b[0] - a[0]);
  let evicted = false;
  for (const [m, c] of candidates) {
    if (total < limit) break;
    server.log("notice", `Evicting client: ${clientInfoLine(c)}`);
    server.kill(c);
    server.store.stats.evictedClients++;
    total -= m;
    evicted = true;
  }
  return evicted;
}

/**
 * Valkey's scriptVerifyOOM: a script that started over maxmemory may not run a denyoom command before it has
 * written anything (after a write it cannot stop halfway). Scripts flagged allow-oom are not asked.
 */
export function scriptRefusedOom(server: Server, e: CommandEntry, scriptWrote: boolean): boolean {
  return server.store.maxmemory !== 0 && !scriptWrote && (e.bits! & F.DENYOOM) !== 0 && states.get(server)?.oom === true;
}

/** Valkey's is_denyoom_command: the command's flags as this call declares them, or for EXEC its queue's. */
function isDenyOom(c: Client, e: CommandEntry, argv: Buffer[]): boolean {
  if (commandFlags(c, e, argv) & F.DENYOOM) return true;
  if (e.name === "exec" && e.parent === undefined && c.multi !== null) {
    for (const q of c.multi) if (commandFlags(c, q.entry, q.argv) & F.DENYOOM) return true;
  }
  return false;
}

/** Valkey's getCommandFlags: scripts (EVAL with a shebang, FCALL) declare their own flags. */
function commandFlags(c: Client, e: CommandEntry, argv: Buffer[]): number {
  return e.flagsOf !== undefined ? e.flagsOf(c, argv) : e.bits!;
}

/** Bytes counted against maxmemory: the dataset and the clients (script caches are not counted). */
function usedForEviction(server: Server, st: State): number {
  const clients = Math.max(st.clients, server.clients.size * CLIENT_BYTES);
  return memoryAccount(server.store).dataset() + clients;
}

/**
 * Evict until the estimate is at most maxmemory. Returns false when it stays over the limit (Valkey's
 * EVICT_FAIL): the policy is noeviction, or no key is left that the policy may evict.
 */
function performEvictions(server: Server, st: State): boolean {
  const store = server.store;
  const max = store.maxmemory;
  let used = usedForEviction(server, st);
  if (used <= max) return true;
  if (st.policy === "noeviction") return false;
  const acct = memoryAccount(store);
  while (used > max) {
    const victim = st.policy.endsWith("-random") ? randomVictim(store, st) : pooledVictim(store, st);
    if (victim === undefined) return false;
    const [db, key] = victim;
    db.delete(key);
    store.stats.evictedKeys++;
    db.changed(key, "evicted", N.EVICTED);
    used = acct.dataset() + st.clients;
  }
  return true;
}

/**
 * A sampled key of `db` for the policy: uniformly random through the keyspace's insertion log (src/scan.ts,
 * the log SCAN uses, created here when missing), or, for volatile-* when few keys have a TTL, the next key of
 * a rotating cursor over the expires. Undefined when nothing was found.
 */
function sampleKey(st: State, db: Database): string | undefined {
  const vol = volatile(st);
  if (vol && db.expires.size * 4 < db.keys.size) return nextKey(st, db.expires);
  const log = keyspaceLog(db);
  for (let tries = 0; tries < 8; tries++) {
    const key = log.randomName();
    if (key === undefined) return undefined;
    if (vol ? db.expires.has(key) : db.keys.has(key)) return key;
  }
  // Mostly tombstones (the log compacts only as keys are added): walk instead.
  return nextKey(st, vol ? db.expires : db.keys);
}

/** The next key of a rotating cursor over `map`'s keys (undefined when empty). */
function nextKey(st: State, map: Map<string, unknown>): string | undefined {
  if (map.size === 0) return undefined;
  let it = st.cursors.get(map);
  for (let pass = 0; pass < 2; pass++) {
    if (it === undefined) {
      it = map.keys();
      // Start somewhere random, so that restarts do not always favour the oldest keys.
      for (let skip = Math.floor(Math.random() * Math.min(map.size, 64)); skip > 0; skip--) it.next();
      st.cursors.set(map, it);
    }
    const r = it.next();
    if (!r.done) return r.value;
    it = undefined;
  }
  return undefined;
}

function volatile(st: State): boolean {
  return st.policy.startsWith("volatile-");
}

/** allkeys-random / volatile-random: one key from the next database that has any. */
function randomVictim(store: Store, st: State): [Database, string] | undefined {
  const dbs = store.dbs;
  for (let i = 0; i < dbs.length; i++) {
    const db = dbs[(st.nextDb + i) % dbs.length]!;
    if ((volatile(st) ? db.expires : db.keys).size === 0) continue;
    const key = sampleKey(st, db);
    if (key !== undefined && db.keys.has(key) && (!volatile(st) || db.expires.has(key))) {
      st.nextDb = (st.nextDb + i + 1) % dbs.length;
      return [db, key];
    }
  }
  return undefined;
}

/** How much a key deserves eviction under the policy (Valkey's evictionPoolPopulate "idle"). */
function idleness(store: Store, st: State, db: Database, key: string): number | undefined {
  const e = db.keys.get(key);
  if (e === undefined) return undefined;
  if (st.policy === "volatile-ttl") {
    const at = db.expires.get(key);
    return at === undefined ? undefined : -at;
  }
  if (store.lfu) return 255 - lfuDecayed(e.freq, e.lru, store.now, store.lfuDecayTime);
  return store.now - e.lru;
}

/** LRU / LFU / TTL: refill the pool from every database, then take the idlest pooled key still present. */
function pooledVictim(store: Store, st: State): [Database, string] | undefined {
  const pool = st.pool;
  for (let round = 0; round < 2; round++) {
    for (const db of store.dbs) {
      const size = (volatile(st) ? db.expires : db.keys).size;
      if (size === 0) continue;
      const n = Math.min(st.samples, size);
      for (let i = 0; i < n; i++) {
        const key = sampleKey(st, db);
        if (key === undefined) break;
        const idle = idleness(store, st, db, key);
        if (idle !== undefined) poolInsert(pool, idle, db, key);
      }
    }
    while (pool.length > 0) {
      const best = pool.pop()!;
      // The key may be gone or changed since it was pooled: only a present one with its figure still valid.
      if (best.db.keys.has(best.key) && (!volatile(st) || best.db.expires.has(best.key))) return [best.db, best.key];
    }
  }
  return undefined;
}

function poolInsert(pool: PoolEntry[], idle: number, db: Database, key: string): void {
  for (const p of pool) {
    if (p.db === db && p.key === key) {
      p.idle = idle;
      pool.sort((a, b) => a.idle - b.idle);
      return;
    }
  }
  if (pool.length >= POOL_SIZE) {
    if (idle <= pool[0]!.idle) return;
    pool.shift();
  }
  let i = pool.length;
  while (i > 0 && pool[i - 1]!.idle > idle) i--;
  pool.splice(i, 0, { idle, db, key });
}
