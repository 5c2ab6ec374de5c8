// The slot check the gate runs in cluster mode (Valkey's getNodeByQuery): every key of a command (or of the
// queued commands at EXEC) must hash to one slot this node serves; otherwise -MOVED, -ASK (slot migrating and
// the key is gone), -TRYAGAIN (multi-key request while a slot moves), -CROSSSLOT or -CLUSTERDOWN.

import type { Client } from "../client.js";
import type { CommandEntry } from "../commands/types.js";
import { getKeysFromCommand, getKeysUsingKeySpecs, type KeyRef } from "../commands/keyspecs.js";
import { CE, type ReplyError } from "../errors.js";
import { keySlot, keySlotOf } from "./slots.js";
import { blockedKeys, unblockWithError } from "../blocking.js";
import type { Server } from "../server.js";
import type { ClusterNode, ClusterState } from "./state.js";

/** Clients that sent ASKING: their next command may touch a slot this node is importing. */
const asking = new WeakSet<Client>();

export function setAsking(c: Client): void {
  asking.add(c);
}

const NO_KEYS: KeyRef[] = [];
const SHARD_PUBSUB = new Set(["ssubscribe", "sunsubscribe", "spublish"]);

function keysOf(e: CommandEntry, argv: Buffer[]): KeyRef[] {
  if (e.keys === undefined || e.keys.length === 0) return NO_KEYS;
  if (SHARD_PUBSUB.has(e.name)) return getKeysUsingKeySpecs(e, argv, { includeNotKeys: true }) ?? NO_KEYS;
  return getKeysFromCommand(e, argv);
}

/** argv index of a command's one fixed-position key (GET, SET, HSET, ...), or -1: the gate's fast path. */
const fixedKey = new WeakMap<CommandEntry, number>();
function fixedKeyPos(e: CommandEntry): number {
  let p = fixedKey.get(e);
  if (p === undefined) {
    const k = e.keys;
    const s = k !== undefined && k.length === 1 ? k[0]! : undefined;
    p =
      s !== undefined && typeof s.begin === "number" && s.keynum === undefined && (s.range ?? [0])[0] === 0 && !s.flags.includes("INCOMPLETE") && !s.flags.includes("NOT_KEY")
        ? s.begin
        : -1;
    fixedKey.set(e, p);
  }
  return p;
}

function present(c: Client, key: Buffer): boolean {
  const db = c.server.store.dbs[0]!;
  const k = key.toString("latin1");
  if (!db.keys.has(k)) return false;
  const at = db.expires.get(k);
  return at === undefined || at > c.server.store.now;
}

/**
 * After slots change owner: clients blocked on a key this node no longer serves (and does not import) get
 * -MOVED to the new owner, or -CLUSTERDOWN, instead of waiting for a write that cannot come here (Valkey's
 * clusterRedirectBlockedClientIfNeeded).
 */
export function redirectBlocked(cl: ClusterState, server: Server): void {
  if (server.blockedCount === 0) return;
  for (const c of [...server.clients.values()]) {
    const key = blockedKeys(c)[0];
    if (key === undefined) continue;
    if (!cl.ok) {
      unblockWithError(c, CE.down.reply);
      continue;
    }
    const slot = keySlotOf(key);
    const n = cl.owner[slot] ?? null;
    if (n === cl.me || cl.importing.has(slot)) continue;
    unblockWithError(c, n === null ? CE.unbound.reply : CE.moved(slot, cl.endpoint(n), n.port).reply);
  }
}

/**
 * A script's redis.call in cluster mode (Valkey's scriptVerifyClusterState): keys of one call must share a slot
 * this node serves. (Scripts without flags may touch several local slots, as in Valkey.)
 */
export function scriptClusterRefusal(cl: ClusterState, c: Client, e: CommandEntry, argv: Buffer[]): ReplyError | null {
  const r = clusterRedirect(cl, c, e, argv);
  if (r === null) return null;
  if (r === CE.crossSlot) return CE.scriptCrossSlot(e.fullname!);
  if (r === CE.down) return CE.scriptDown;
  return CE.scriptNonLocal;
}

/**
 * Null when the command may run here; otherwise the redirection or error to reply with. EXEC is checked over
 * its queued commands; a command without keys always runs.
 */
export function clusterRedirect(cl: ClusterState, c: Client, e: CommandEntry, argv: Buffer[]): ReplyError | null {
  const wasAsking = asking.has(c);
  // The flag lasts one command (the whole transaction inside MULTI), as Valkey's resetClient does.
  if (wasAsking && c.multi === null && e.name !== "asking") asking.delete(c);
  const isExec = e.name === "exec" && e.parent === undefined;
  let cmds: Array<{ entry: CommandEntry; argv: Buffer[] }>;
  if (isExec) {
    if (c.multi === null) return null;
    cmds = c.multi;
    asking.delete(c);
  } else {
    if (e.keys === undefined || e.keys.length === 0) return null;
    // Fast path: one key in a slot this node serves, no slot moving.
    const pos = fixedKeyPos(e);
    if (pos > 0 && pos < argv.length && cl.migrating.size === 0 && cl.importing.size === 0 && cl.owner[keySlot(argv[pos]!)] === cl.me && cl.ok) {
      return null;
    }
    cmds = [{ entry: e, argv }];
  }
  let slot = -1;
  let first: Buffer | null = null;
  let n: ClusterNode | null = null;
  let migrating = false;
  let importing = false;
  let multipleKeys = false;
  let missing = 0;
  let existing = 0;
  let shardPubsub = false;
  for (const q of cmds) {
    if (SHARD_PUBSUB.has(q.entry.name)) shardPubsub = true;
    const keys = keysOf(q.entry, q.argv);
    for (let j = 0; j < keys.length; j++) {
      const key = q.argv[keys[j]!.pos]!;
      const s = keySlot(key);
      if (first === null) {
        first = key;
        slot = s;
        n = cl.owner[s] ?? null;
        if (n === null) return CE.unbound;
        if (n === cl.me && cl.migrating.has(s)) migrating = true;
        else if (cl.importing.has(s)) importing = true;
      } else if (s !== slot) {
        return CE.crossSlot;
      } else if (!multipleKeys && !key.equals(first)) multipleKeys = true;
      if (migrating && cl.moving.size !== 0 && e.name !== "migrate" && cl.moving.has(key.toString("latin1"))) return CE.tryAgain;
      if ((migrating || importing) && !shardPubsub) {
        if (present(c, key)) existing++;
        else missing++;
      }
    }
  }
  if (n === null) return null;
  if (!cl.ok && !shardPubsub) return CE.down;
  if ((migrating || importing) && e.name === "migrate") return null;
  if (migrating && missing > 0) {
    if (existing > 0) return CE.tryAgain;
    const to = cl.migrating.get(slot)!;
    return CE.ask(slot, cl.endpoint(to), to.port);
  }
  if (importing && (wasAsking || e.flags.includes("asking"))) {
    if (multipleKeys && missing > 0) return CE.tryAgain;
    return null;
  }
  // Every node is a primary: READONLY (which lets replicas serve reads) changes nothing here.
  if (n !== cl.me) return CE.moved(slot, cl.endpoint(n), n.port);
  return null;
}
