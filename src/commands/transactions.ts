// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. The gate queues commands while a MULTI is open; WATCH is
// invalidated by the store's key-modified signal (Database.changed), never by commands themselves.

import type { Client } from "../client.js";
import { E } from "../errors.js";
import { str } from "../args.js";
import type { Database, Watcher } from "../store.js";
import type { CommandEntry } from "./types.js";
import { aclDeniedInExec } from "../acl/state.js";

export const commands: CommandEntry[] = [
  { name: "multi", arity: 1, flags: ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"], acl: ["transaction"], run: multi },
  { name: "exec", arity: 1, flags: ["noscript", "loading", "stale", "skip_slowlog"], acl: ["transaction"], run: exec, preflight: true },
  { name: "discard", arity: 1, flags: ["noscript", "loading", "stale", "fast", "allow_busy"], acl: ["transaction"], run: discard },
  {
    name: "watch",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"],
    acl: ["transaction"],
    keys: [{ begin: 1, range: [-1, 1, 0], flags: ["RO"] }],
    run: watch,
  },
  { name: "unwatch", arity: 1, flags: ["noscript", "loading", "stale", "fast", "allow_busy"], acl: ["transaction"], run: unwatch },
];

// MULTI   (MULTI inside MULTI never gets here: the gate refuses no_multi commands and flags the transaction)
function multi(c: Client): void {
  c.multi = [];
  c.multiError = false;
  c.w.ok();
}

/** One client's WATCH of one key: the store touches it when the key changes (Database.changed). */
class WatchedKey implements Watcher {
  constructor(
    readonly client: Client,
    readonly db: Database,
    readonly key: string,
    public expired: boolean,
  ) {}
  touch(): void {
    this.client.dirtyCas = true;
    // The next EXEC fails whatever else changes: stop watching now (Valkey's touchWatchedKey).
    unlinkWatches(this.client);
  }
}

function unlinkWatches(c: Client): void {
  for (const wk of c.watching) {
    const set = wk.db.watched.get(wk.key);
    if (set) {
      set.delete(wk);
      if (set.size === 0) wk.db.watched.delete(wk.key);
    }
  }
  c.watching = [];
}

/** Forget WATCHed keys and the dirty flag (EXEC, DISCARD, UNWATCH, RESET, disconnect). */
export function unwatchAll(c: Client): void {
  unlinkWatches(c);
  c.dirtyCas = false;
}

/** End the transaction state: queue, error flag, watches (Valkey's discardTransaction). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiError = false;
  unwatchAll(c);
}

// EXEC
function exec(c: Client): void {
  const queue = c.multi;
  if (queue === null) throw E.execWithoutMulti;
  // A WATCHed key whose TTL passed since WATCH counts as modified, even if nobody touched it yet; one that was
  // already stale when WATCHed does not.
  for (const wk of c.watching) if (!wk.expired && wk.db.stale(wk.key)) c.dirtyCas = true;
  if (c.multiError || c.dirtyCas) {
    const aborted = c.multiError;
    discardTransaction(c);
    if (aborted) throw E.execAbort;
    c.w.nullArray();
    return;
  }
  unwatchAll(c);
  c.w.array(queue.length);
  runQueue(c, queue, 0);
}

/**
 * Run the queue from `from`. Still in MULTI while it runs (CLIENT INFO inside shows flags=x), as in Valkey. A
 * script that runs past busy-reply-threshold suspends the client; the rest of the queue runs when it is done.
 */
function runQueue(c: Client, queue: NonNullable<Client["multi"]>, from: number): void {
  const server = c.server;
  c.inExec = true;
  let i = from;
  try {
    while (i < queue.length) {
      const q = queue[i++]!;
      // ACL rules may have changed since the command was queued.
      const denied = c.user.restricted ? aclDeniedInExec(c, q.entry, q.argv) : null;
      if (denied !== null) {
        c.w.error(denied);
        server.stats.errorReply(denied);
        continue;
      }
      server.call(c, q.entry, q.argv);
      if (c.suspended) {
        c.execResume = () => runQueue(c, queue, i);
        return;
      }
    }
  } finally {
    if (!c.suspended) {
      c.inExec = false;
      discardTransaction(c);
    }
  }
}

// DISCARD
function discard(c: Client): void {
  if (c.multi === null) throw E.discardWithoutMulti;
  discardTransaction(c);
  c.w.ok();
}

// WATCH key [key ...]   (inside MULTI the gate refuses it: WATCH is no_multi)
function watch(c: Client, argv: Buffer[]): void {
  // No point in watching once the next EXEC is bound to fail.
  if (!c.dirtyCas) {
    const db = c.db;
    for (let i = 1; i < argv.length; i++) {
      const key = str(argv[i]!);
      if (c.watching.some((w) => w.db === db && w.key === key)) continue;
      const wk = new WatchedKey(c, db, key, db.stale(key));
      let set = db.watched.get(key);
      if (!set) db.watched.set(key, (set = new Set()));
      set.add(wk);
      c.watching.push(wk);
    }
  }
  c.w.ok();
}

// UNWATCH
function unwatch(c: Client): void {
  unwatchAll(c);
  c.w.ok();
}
