// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. The gate queues commands while a MULTI is open; WATCH is
// invalidated by the store's key-modified signal (Database.changed), never by commands themselves.

import type { Client } from "../client.js";
import { E } from "../errors.js";
import { str } from "../args.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  { name: "multi", arity: 1, flags: ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"], acl: ["transaction"], run: multi },
  { name: "exec", arity: 1, flags: ["noscript", "loading", "stale", "skip_slowlog"], acl: ["transaction"], run: exec },
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

// MULTI
function multi(c: Client): void {
  if (c.multi !== null) throw E.multiNested;
  c.multi = [];
  c.multiError = false;
  c.w.ok();
}

/** Forget WATCHed keys (EXEC, DISCARD, UNWATCH, RESET, disconnect). */
export function unwatchAll(c: Client): void {
  for (const [db, key] of c.watching) {
    const set = db.watched.get(key);
    if (set) {
      set.delete(c);
      if (set.size === 0) db.watched.delete(key);
    }
  }
  c.watching = [];
  c.dirtyCas = false;
}

// EXEC
function exec(c: Client): void {
  const queue = c.multi;
  if (queue === null) throw E.execWithoutMulti;
  c.multi = null;
  if (c.multiError) {
    c.multiError = false;
    unwatchAll(c);
    throw E.execAbort;
  }
  // A WATCHed key whose TTL passed since WATCH counts as modified, even if nobody touched it yet.
  const now = c.server.store.now;
  for (const [db, key] of c.watching) {
    const at = db.getExpire(key);
    if (at !== undefined && at <= now) c.dirtyCas = true;
  }
  if (c.dirtyCas) {
    unwatchAll(c);
    c.w.nullArray();
    return;
  }
  unwatchAll(c);
  const server = c.server;
  c.w.array(queue.length);
  c.inExec = true;
  try {
    for (const q of queue) server.call(c, q.entry, q.argv);
  } finally {
    c.inExec = false;
  }
}

// DISCARD
function discard(c: Client): void {
  if (c.multi === null) throw E.discardWithoutMulti;
  c.multi = null;
  c.multiError = false;
  unwatchAll(c);
  c.w.ok();
}

// WATCH key [key ...]
function watch(c: Client, argv: Buffer[]): void {
  if (c.multi !== null) throw E.watchInMulti;
  for (let i = 1; i < argv.length; i++) {
    const key = str(argv[i]!);
    const db = c.db;
    if (c.watching.some(([d, k]) => d === db && k === key)) continue;
    let set = db.watched.get(key);
    if (!set) db.watched.set(key, (set = new Set()));
    set.add(c);
    c.watching.push([db, key]);
  }
  c.w.ok();
}

// UNWATCH
function unwatch(c: Client): void {
  unwatchAll(c);
  c.w.ok();
}
