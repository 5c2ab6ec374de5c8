// Client-side caching (Valkey's tracking.c): CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, the table of
// keys that tracking clients read, BCAST prefixes, and invalidation messages. Invalidations come from the store's
// one key-modified signal (StoreHooks.invalidate) and from FLUSHDB/FLUSHALL (StoreHooks.flushed); they reach a
// RESP3 client as `>2 invalidate [keys]` pushes, or a RESP2 REDIRECT target as `__redis__:invalidate` messages.

import { type Client, resetHooks } from "../client.js";
import { E, errorText } from "../errors.js";
import { parseI64, str, token } from "../args.js";
import type { Server } from "../server.js";
import type { Database } from "../store.js";
import { getKeysFromCommand } from "./keyspecs.js";
import { F, type CommandEntry } from "./types.js";

/** One client's tracking state; kept after CLIENT TRACKING OFF (then `on` is false). */
export class TrackingState {
  on = false;
  /** Client id invalidations go to; 0 = this connection. */
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES|NO given for the next command (or transaction). */
  caching = false;
  /** The REDIRECT target disconnected. */
  brokenRedirect = false;
  /** BCAST prefixes of this client. */
  readonly prefixes = new Set<string>();
  /** Keys (null = everything) this client itself invalidated while running a command: sent after its reply. */
  pending: Array<string | null> = [];
}

/** A BCAST prefix: who listens, and the keys modified under it since the last broadcast (key -> modifier). */
interface BcastState {
  readonly clients: Set<Client>;
  keys: Map<string, Client | null>;
}

/** Per-server tracking tables (Valkey's TrackingTable and PrefixTable). Keys are tracked by name, across dbs. */
class Tracker {
  /** key -> ids of clients that may have cached it. */
  readonly table = new Map<string, Set<number>>();
  /** Sum of the id sets' sizes (INFO tracking_total_items). */
  items = 0;
  readonly prefixes = new Map<string, BcastState>();
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  broadcastScheduled = false;
  constructor(readonly server: Server) {}
}

const trackers = new WeakMap<Server, Tracker>();

resetHooks.push((c) => {
  if (c.tracking !== null) disableTracking(c);
});

/** The server's tracker, created (and wired to the store and to disconnects) when tracking is first enabled. */
function tracker(server: Server): Tracker {
  let t = trackers.get(server);
  if (t === undefined) {
    const tr = (t = new Tracker(server));
    trackers.set(server, tr);
    server.trackingOn = true;
    server.store.hooks.invalidate = (_db: Database, key: string) => invalidateKey(tr, key, true, !beforeCommand);
    server.store.hooks.flushed = () => invalidateOnFlush(tr);
    server.disconnectHooks.push((c) => {
      if (c.tracking !== null) disableTracking(c);
    });
  }
  return t;
}

/** INFO's tracking_clients, tracking_total_keys, tracking_total_items, tracking_total_prefixes. */
export function trackingStats(server: Server): { clients: number; keys: number; items: number; prefixes: number } {
  const t = trackers.get(server);
  if (t === undefined) return { clients: 0, keys: 0, items: 0, prefixes: 0 };
  return { clients: t.clients, keys: t.table.size, items: t.items, prefixes: t.prefixes.size };
}

/** CLIENT LIST / CLIENT INFO flag letters (t R B, in Valkey's order) and the redir field. */
export function trackingFlags(c: Client): string {
  const st = c.tracking;
  if (st === null || !st.on) return "";
  return "t" + (st.brokenRedirect ? "R" : "") + (st.bcast ? "B" : "");
}

export function trackingRedirect(c: Client): number {
  return c.tracking !== null && c.tracking.on ? c.tracking.redirect : -1;
}

// ---------------------------------------------------------------------------------------------------------
// What the command loop calls (server.ts)

/** After a command ran (also each command inside EXEC): remember the keys a read-only command read. */
export function rememberKeys(c: Client, e: CommandEntry, argv: Buffer[]): void {
  const st = c.tracking!;
  if (!st.on || st.bcast || !(e.bits! & F.READONLY) || e.bits! & F.PUBSUB) return;
  // A read-only script is not tracked itself, only the read-only commands it calls (Valkey's call()).
  if (READONLY_SCRIPTS.has(e.name)) return;
  if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
  const refs = getKeysFromCommand(e, argv);
  if (refs.length === 0) return;
  const t = tracker(c.server);
  for (const { pos } of refs) {
    const key = str(argv[pos]!);
    let ids = t.table.get(key);
    if (ids === undefined) t.table.set(key, (ids = new Set()));
    if (!ids.has(c.id)) {
      ids.add(c.id);
      t.items++;
    }
  }
}

/**
 * After a client's top-level command (including one the gate refused): CLIENT CACHING applies to one command or
 * one transaction, then lapses (CLIENT subcommands other than SETINFO keep it); invalidations the client caused
 * for itself follow the reply.
 */
export function afterCommand(c: Client, e: CommandEntry | null): void {
  const st = c.tracking!;
  if (st.caching && c.multi === null && !(e !== null && e.parent?.name === "client" && e.name !== "setinfo")) st.caching = false;
  if (st.pending.length !== 0) {
    const keys = st.pending;
    st.pending = [];
    for (const k of keys) send(c.server, c, k === null ? NULL_KEYS : [k]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Invalidation

const NULL_KEYS: string[] = [];

const READONLY_SCRIPTS = new Set(["eval_ro", "evalsha_ro", "fcall_ro"]);

/**
 * The key-modified signal: tell every client that may have cached `key`, then forget them. A client invalidating
 * its own key while its command runs gets the message after the reply (`deferOwn`), as Valkey's pending keys.
 */
function invalidateKey(t: Tracker, key: string, bcast: boolean, deferOwn = true): void {
  const server = t.server;
  const current = server.current;
  if (bcast && t.prefixes.size !== 0) rememberToBroadcast(t, key, current);
  const ids = t.table.get(key);
  if (ids === undefined) return;
  for (const id of ids) {
    const target = server.clients.get(id);
    const st = target?.tracking;
    if (st == null || !st.on || st.bcast) continue;
    if (st.noloop && target === current) continue;
    if (target === current && deferOwn) st.pending.push(key);
    else send(server, target!, [key]);
  }
  t.items -= ids.size;
  t.table.delete(key);
}

/** FLUSHDB / FLUSHALL: a null invalidation to every tracking client, and the table starts over. */
function invalidateOnFlush(t: Tracker): void {
  const server = t.server;
  if (t.clients !== 0) {
    for (const c of server.clients.values()) {
      const st = c.tracking;
      if (st === null || !st.on) continue;
      if (c === server.current) st.pending.push(null);
      else send(server, c, NULL_KEYS);
    }
  }
  t.table.clear();
  t.items = 0;
}

/** True while keys are evicted before a command runs (src/eviction.ts): see evictingBeforeCommand. */
let beforeCommand = false;

/**
 * Valkey defers a client's own invalidations only while its command executes (CLIENT_EXECUTING_COMMAND): keys
 * evicted by maxmemory as the command is processed, before it runs, are sent at once, so the evicting client
 * gets them before its reply (with NOLOOP not at all), as valkey-server 8.0.1 does. Keys that expire while the
 * command runs stay deferred to after the reply, as in Valkey.
 */
export function evictingBeforeCommand(on: boolean): void {
  beforeCommand = on;
}

/**
 * tracking-table-max-keys (Valkey's trackingLimitUsedSlots, run as each command is processed, before it runs):
 * past the limit, invalidate tracked keys until it holds — the oldest first, where Valkey picks random ones. The
 * messages go out at once, so the client whose command is about to run gets them before its reply (and, with
 * NOLOOP, not at all, as in Valkey).
 */
export function limitTrackingTable(server: Server): void {
  const t = trackers.get(server);
  if (t === undefined || t.clients === 0 || t.table.size === 0) return;
  const max = Number(server.param("tracking-table-max-keys"));
  if (max <= 0 || t.table.size <= max) return;
  for (const key of t.table.keys()) {
    if (t.table.size <= max) break;
    invalidateKey(t, key, false, false);
  }
}

/**
 * Valkey's sendTrackingMessage. `keys` empty = the null of a flush, in the tracking client's protocol. With
 * REDIRECT the message goes to the target: a RESP3 push, or for a RESP2 target in subscribed mode a message on
 * `__redis__:invalidate`; a RESP2 connection without either gets nothing.
 */
function send(server: Server, c: Client, keys: string[]): void {
  const st = c.tracking!;
  let target = c;
  let redirected = false;
  if (st.redirect !== 0) {
    const r = server.clients.get(st.redirect);
    if (r === undefined) {
      st.brokenRedirect = true;
      if (c.proto === 3) {
        c.w.push(2);
        c.w.bulk("tracking-redir-broken");
        c.w.integer(st.redirect);
        server.markDirty(c);
      }
      return;
    }
    target = r;
    redirected = true;
  }
  const w = target.w;
  if (target.proto === 3) {
    w.push(2);
    w.bulk("invalidate");
  } else if (redirected && target.subscriptionCount > 0) {
    w.push(3);
    w.bulk("message");
    w.bulk("__redis__:invalidate");
  } else return;
  if (keys === NULL_KEYS) w.raw(c.proto === 3 ? NULL3 : NULL2);
  else w.bulks(keys);
  server.markDirty(target);
}

const NULL2 = Buffer.from("$-1\r\n");
const NULL3 = Buffer.from("_\r\n");

/** BCAST: note a modified key under every prefix it starts with; the broadcast goes out after this batch. */
function rememberToBroadcast(t: Tracker, key: string, modifier: Client | null): void {
  let any = false;
  for (const [prefix, bs] of t.prefixes) {
    if (!key.startsWith(prefix)) continue;
    bs.keys.set(key, modifier);
    any = true;
  }
  if (any && !t.broadcastScheduled) {
    t.broadcastScheduled = true;
    queueMicrotask(() => broadcast(t));
  }
}

/** One message per prefix to each of its clients, keys in byte order; NOLOOP clients skip their own writes. */
function broadcast(t: Tracker): void {
  t.broadcastScheduled = false;
  if (t.clients === 0) return;
  for (const prefix of [...t.prefixes.keys()].sort(byteOrder)) {
    const bs = t.prefixes.get(prefix)!;
    if (bs.keys.size === 0) continue;
    const modified = bs.keys;
    bs.keys = new Map();
    const all = [...modified.keys()].sort(byteOrder);
    for (const c of bs.clients) {
      const keys = c.tracking!.noloop ? all.filter((k) => modified.get(k) !== c) : all;
      if (keys.length !== 0) send(t.server, c, keys);
    }
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Enabling and disabling

function enableTracking(c: Client, redirect: number, opts: Options, prefixes: string[]): void {
  const t = tracker(c.server);
  const st = (c.tracking ??= new TrackingState());
  if (!st.on) t.clients++;
  st.on = true;
  st.brokenRedirect = st.bcast = st.optin = st.optout = st.noloop = false;
  st.redirect = redirect;
  if (opts.bcast) {
    st.bcast = true;
    if (prefixes.length === 0) enablePrefix(t, c, "");
    for (const p of prefixes) enablePrefix(t, c, p);
  }
  st.optin = opts.optin;
  st.optout = opts.optout;
  st.noloop = opts.noloop;
}

function enablePrefix(t: Tracker, c: Client, prefix: string): void {
  let bs = t.prefixes.get(prefix);
  if (bs === undefined) t.prefixes.set(prefix, (bs = { clients: new Set(), keys: new Map() }));
  if (!bs.clients.has(c)) {
    bs.clients.add(c);
    c.tracking!.prefixes.add(prefix);
  }
}

/** CLIENT TRACKING OFF, RESET, disconnect. Keys this client read stay in the table until they change. */
function disableTracking(c: Client): void {
  const st = c.tracking!;
  const t = trackers.get(c.server);
  if (st.bcast && t !== undefined) {
    for (const p of st.prefixes) {
      const bs = t.prefixes.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) t.prefixes.delete(p);
    }
  }
  st.prefixes.clear();
  if (st.on) {
    if (t !== undefined) t.clients--;
    st.on = st.brokenRedirect = st.bcast = st.optin = st.optout = st.caching = st.noloop = false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// CLIENT subcommands (registered in connection.ts)

interface Options {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
}

/** Valkey's stringCheckPrefix: one is a prefix of the other. */
function overlap(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

// CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
export function clientTracking(c: Client, argv: Buffer[]): void {
  let redirect = 0;
  const opts: Options = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const opt = token(argv[j]!);
    const more = j + 1 < argv.length;
    if (opt === "redirect" && more) {
      j++;
      if (redirect !== 0) throw errorText("ERR A client can only redirect to a single other client");
      const id = parseI64(argv[j]!);
      if (id === null) throw E.notInteger;
      // The target must exist now, even though it may disconnect later.
      if (!c.server.clients.has(id)) throw errorText("ERR The client ID you want redirect to does not exist");
      redirect = id;
    } else if (opt === "bcast") opts.bcast = true;
    else if (opt === "optin") opts.optin = true;
    else if (opt === "optout") opts.optout = true;
    else if (opt === "noloop") opts.noloop = true;
    else if (opt === "prefix" && more) prefixes.push(str(argv[++j]!));
    else throw E.syntax;
  }
  const mode = token(argv[2]!);
  if (mode === "on") {
    const st = c.tracking;
    const on = st !== null && st.on;
    if (!opts.bcast && prefixes.length !== 0) throw errorText("ERR PREFIX option requires BCAST mode to be enabled");
    if (on && st.bcast !== opts.bcast) {
      throw errorText(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast && (opts.optin || opts.optout)) throw errorText("ERR OPTIN and OPTOUT are not compatible with BCAST");
    if (opts.optin && opts.optout) throw errorText("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (on && ((opts.optin && st.optout) || (opts.optout && st.optin))) {
      throw errorText(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast) checkPrefixCollisions(c, prefixes);
    enableTracking(c, redirect, opts, prefixes);
  } else if (mode === "off") {
    if (c.tracking !== null) disableTracking(c);
  } else throw E.syntax;
  c.w.ok();
}

function checkPrefixCollisions(c: Client, prefixes: string[]): void {
  const mine = c.tracking?.prefixes;
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    if (mine !== undefined) {
      for (const q of [...mine].sort(byteOrder)) {
        if (overlap(q, p)) {
          throw errorText(`ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`);
        }
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(p, prefixes[j]!)) {
        throw errorText(
          `ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`,
        );
      }
    }
  }
}

// CLIENT CACHING <YES | NO>
export function clientCaching(c: Client, argv: Buffer[]): void {
  const st = c.tracking;
  if (st === null || !st.on) {
    throw errorText("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
  }
  const v = token(argv[2]!);
  if (v === "yes") {
    if (!st.optin) throw errorText("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (v === "no") {
    if (!st.optout) throw errorText("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else throw E.syntax;
  st.caching = true;
  c.w.ok();
}

// CLIENT GETREDIR
export function clientGetredir(c: Client): void {
  c.w.integer(trackingRedirect(c));
}

// CLIENT TRACKINGINFO
export function clientTrackingInfo(c: Client): void {
  const st = c.tracking;
  const on = st !== null && st.on;
  const flags = [on ? "on" : "off"];
  if (on) {
    if (st.bcast) flags.push("bcast");
    if (st.optin) {
      flags.push("optin");
      if (st.caching) flags.push("caching-yes");
    }
    if (st.optout) {
      flags.push("optout");
      if (st.caching) flags.push("caching-no");
    }
    if (st.noloop) flags.push("noloop");
    if (st.brokenRedirect) flags.push("broken_redirect");
  }
  const w = c.w;
  w.map(3);
  w.bulk("flags");
  w.set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk("redirect");
  w.integer(trackingRedirect(c));
  w.bulk("prefixes");
  w.bulks(on ? [...st.prefixes].sort(byteOrder) : []);
}
