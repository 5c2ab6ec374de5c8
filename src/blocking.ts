// Blocking commands (BLPOP ... XREAD BLOCK): park a client without blocking the server, serve it FIFO among
// clients blocked on the same key when the key-modified signal says the key may be ready, time it out with
// sub-second precision, and leave no trace when it disconnects.
//
// Model (as Valkey 7.2+): a handler that finds nothing to serve calls `block()`. When a watched key changes,
// after the writing command (or EXEC) completes, the blocked command is run again from its saved argv; if it
// would block again it stays parked, keeping its place in the queue.

import type { Client } from "./client.js";
import type { Database, ValueType } from "./store.js";
import type { CommandEntry } from "./commands/types.js";
import type { Server } from "./server.js";
import { ReplyError, E, errorText } from "./errors.js";
import { parseFloatStrict } from "./args.js";
import { afterCommand as trackingAfterCommand } from "./commands/tracking.js";
import { monotonicMs } from "./runtime.js";

/** Valkey's getTimeoutFromObjectOrReply in seconds (BLPOP & co.): milliseconds, 0 = forever. */
export function blockTimeout(b: Buffer): number {
  const t = parseFloatStrict(b);
  if (t === null || Number.isNaN(t)) throw E.timeoutNotFloat;
  if (t < 0) throw E.timeoutNegative;
  if (t === 0) return 0;
  const ms = t * 1000;
  if (!Number.isFinite(ms) || ms > 9.2e18) throw errorText("ERR timeout is out of range");
  // sub-millisecond timeouts still block for at least 1 ms, as Valkey rounds up
  return Math.max(1, Math.ceil(ms));
}

export interface BlockState {
  db: Database;
  keys: string[];
  entry: CommandEntry;
  argv: Buffer[];
  /** Type the command waits for; a key of another type does not wake it. */
  type: ValueType;
  /** Also wake when the key is deleted or changes type (XREADGROUP: the group vanished with it). */
  wakeOnDelete: boolean;
  timeoutReply: "nullArray" | "null";
  timer: ReturnType<typeof setTimeout> | null;
  /** Time spent running the command so far (the call that blocked and re-runs that blocked again), µs. */
  usec: number;
}

/** The call that just ran blocked: remember its run time; it is counted once, when the wait ends. */
export function blockedFor(c: Client, us: number): void {
  (c.blocked as BlockState).usec += us;
}

/**
 * The wait ended (served, timed out, unblocked): count the command once, as Valkey's updateStatsOnUnblock —
 * calls, tot-cmds, total_commands_processed, and one SLOWLOG entry with the arguments the client sent.
 */
function countUnblocked(c: Client, st: BlockState, us: number, failed: boolean): void {
  if (failed) st.entry.failedCalls!++;
  c.argv = null;
  c.server.countCall(c, st.entry, st.argv, st.usec + us);
}

/** Set while a parked command is being re-run: block() then only reports "still waiting". */
let retrying: Client | null = null;
let stillBlocked = false;

/** Is this client's parked command being re-run now (a woken client)? */
export function isRetrying(c: Client): boolean {
  return retrying === c;
}

/** May this call block? Not inside MULTI/EXEC or scripts, where blocking commands act non-blocking. */
export function canBlock(c: Client): boolean {
  return !c.inExec && !c.inScript;
}

/**
 * Park the client on `keys` (in its current db) for `timeoutMs` (0 = forever). The handler returns right
 * after, writing nothing.
 */
export function block(
  c: Client,
  argv: Buffer[],
  keys: string[],
  timeoutMs: number,
  opts: { type: ValueType; timeoutReply: "nullArray" | "null"; wakeOnDelete?: boolean },
): void {
  if (retrying === c) {
    stillBlocked = true;
    return;
  }
  const server = c.server;
  const entry = server.currentEntry!;
  const st: BlockState = {
    db: c.db,
    keys: [...new Set(keys)],
    entry,
    argv: argv.map((b) => Buffer.from(b)),
    type: opts.type,
    wakeOnDelete: opts.wakeOnDelete ?? false,
    timeoutReply: opts.timeoutReply,
    timer: null,
    usec: 0,
  };
  for (const key of st.keys) {
    let q = st.db.blocking.get(key) as Client[] | undefined;
    if (q === undefined) st.db.blocking.set(key, (q = []));
    q.push(c);
  }
  c.blocked = st;
  // CLIENT LIST's argv-mem reads the parked copy, so the socket's read chunk is not kept alive
  c.argv = st.argv;
  c.suspended = true;
  server.blockedCount++;
  if (timeoutMs > 0) {
    st.timer = setTimeout(() => timeout(c), timeoutMs);
  }
}

/** Remove the client from every queue it waits in. */
function detach(c: Client): BlockState | null {
  const st = c.blocked as BlockState | null;
  if (st === null) return null;
  for (const key of st.keys) {
    const q = st.db.blocking.get(key) as Client[] | undefined;
    if (q === undefined) continue;
    const i = q.indexOf(c);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) st.db.blocking.delete(key);
  }
  if (st.timer) clearTimeout(st.timer);
  c.blocked = null;
  c.server.blockedCount--;
  return st;
}

function timeout(c: Client): void {
  const st = detach(c);
  if (st === null) return;
  if (st.timeoutReply === "null") c.w.null();
  else c.w.nullArray();
  countUnblocked(c, st, 0, false);
  resumeLater(c);
}

function resumeLater(c: Client): void {
  const server = c.server;
  c.suspended = false;
  server.markDirty(c);
  // continue with whatever the client pipelined after the blocking command
  queueMicrotask(() => {
    if (!c.closed && !c.suspended && c.blocked === null) server.resume(c);
  });
}

/** CLIENT UNBLOCK: end the wait with the timeout reply, or with an UNBLOCKED error. */
export function unblockClient(c: Client, withError: boolean): boolean {
  const st = detach(c);
  if (st === null) return false;
  if (withError) c.w.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  else if (st.timeoutReply === "null") c.w.null();
  else c.w.nullArray();
  countUnblocked(c, st, 0, withError);
  resumeLater(c);
  return true;
}

/** End the wait with an error reply (cluster mode: the key's slot moved to another node). */
export function unblockWithError(c: Client, text: string): boolean {
  const st = detach(c);
  if (st === null) return false;
  c.w.error(text);
  c.server.stats.errorReply(text);
  resumeLater(c);
  return true;
}

/** The keys a blocked client waits on (none when it is not blocked). */
export function blockedKeys(c: Client): readonly string[] {
  return (c.blocked as BlockState | null)?.keys ?? [];
}

/** Disconnect hook: leave no trace. */
export function forgetBlocked(c: Client): void {
  detach(c);
}

/**
 * Serve clients blocked on keys that the last command touched. Runs after each top-level command and after
 * EXEC; loops because serving one client (BLMOVE) may make another key ready.
 */
export function serveReady(server: Server): void {
  let guard = 0;
  while (server.readyKeys.length > 0 && guard++ < 100_000) {
    const ready = server.readyKeys;
    server.readyKeys = [];
    server.readySet.clear();
    for (const [db, key] of ready) {
      const q = db.blocking.get(key) as Client[] | undefined;
      if (q === undefined) continue;
      for (const c of [...q]) {
        const st = c.blocked as BlockState | null;
        if (st === null || c.closed) continue;
        const e = db.keys.get(key);
        if ((e === undefined || e.type !== st.type) && !st.wakeOnDelete) continue;
        retry(server, c, st);
        // stop early once the key has nothing left to give
        if (!db.keys.has(key) && !st.wakeOnDelete) break;
      }
    }
  }
}

function retry(server: Server, c: Client, st: BlockState): void {
  const prevDb = c.db;
  c.db = st.db;
  retrying = c;
  stillBlocked = false;
  const mark = c.w.mark();
  const prevEntry = server.currentEntry;
  server.currentEntry = st.entry;
  // The re-run is this client's command: its own writes invalidate its cache after its reply (and NOLOOP applies).
  const prevCurrent = server.current;
  server.current = c;
  const t0 = monotonicMs();
  let failed = false;
  try {
    st.entry.run!(c, st.argv);
  } catch (err) {
    failed = true;
    if (!(err instanceof ReplyError)) server.log("warning", `internal error re-running '${st.entry.fullname}': ${(err as Error)?.stack ?? err}`);
    c.w.error(err instanceof ReplyError ? err.reply : E.internal.reply);
  } finally {
    retrying = null;
    server.currentEntry = prevEntry;
    server.current = prevCurrent;
  }
  const us = Math.round((monotonicMs() - t0) * 1000);
  if (stillBlocked) {
    st.usec += us;
    c.w.truncate(mark);
    c.db = prevDb;
    return;
  }
  c.db = prevDb;
  detach(c);
  countUnblocked(c, st, us, failed);
  if (c.tracking !== null) trackingAfterCommand(c, st.entry);
  resumeLater(c);
}
