// Cluster family: CLUSTER <subcommand>, ASKING, READONLY, READWRITE, MIGRATE, RESTORE-ASKING. The topology
// lives in src/cluster/state.ts; the slot check every keyed command passes is src/cluster/route.ts (the gate).
// A standalone server answers CLUSTER and ASKING with Valkey's "cluster support disabled" error.
// Out of scope, said in the replies: replicas, failover, adding/removing nodes, nodes.conf.

import type { Client } from "../client.js";
import { int, parseI64, str, token } from "../args.js";
import { CE, E, errorText, unknownSubcommandOrWrongArity, wrongArity } from "../errors.js";
import { redactArg } from "../server.js";
import { SLOTS, keySlot, slotRanges } from "../cluster/slots.js";
import { setAsking } from "../cluster/route.js";
import { indexBySlot } from "../cluster/keyindex.js";
import type { ClusterNode, ClusterState } from "../cluster/state.js";
import { canDump, createDumpPayload } from "../dump.js";
import { N } from "../store.js";
import { restore } from "./keys.js";
import type { CommandEntry } from "./types.js";

const ADMIN = ["no_async_loading", "admin", "stale"];
const sub = (name: string, arity: number, flags: string[], run: (c: Client, argv: Buffer[], cl: ClusterState) => void, tips?: string[]): CommandEntry => ({
  name,
  arity,
  flags,
  ...(tips ? { tips } : {}),
  run: (c, argv) => run(c, argv, clusterOf(c)),
});
const ND = ["nondeterministic_output"];

export const commands: CommandEntry[] = [
  {
    name: "cluster",
    arity: -2,
    flags: [],
    group: "cluster",
    subcommands: [
      sub("addslots", -3, ADMIN, addslots),
      sub("addslotsrange", -4, ADMIN, addslotsrange),
      sub("bumpepoch", 2, ADMIN, bumpepoch, ND),
      sub("count-failure-reports", 3, ["admin", "stale"], countFailureReports, ND),
      sub("countkeysinslot", 3, ["stale"], countkeysinslot),
      sub("delslots", -3, ADMIN, delslots),
      sub("delslotsrange", -4, ADMIN, delslotsrange),
      sub("failover", -2, ADMIN, failover),
      sub("flushslots", 2, ADMIN, flushslots),
      sub("forget", 3, ADMIN, forget),
      sub("getkeysinslot", 4, ["stale"], getkeysinslot, ND),
      sub("help", 2, ["loading", "stale"], help),
      sub("info", 2, ["loading", "stale"], (c, _a, cl) => c.w.verbatim(cl.infoText()), ND),
      sub("keyslot", 3, ["stale"], (c, a) => c.w.integer(keySlot(a[2]!))),
      sub("links", 2, ["stale"], links, ND),
      sub("meet", -4, ADMIN, () => {
        throw CE.fixedTopology("CLUSTER MEET");
      }),
      sub("myid", 2, ["loading", "stale"], (c, _a, cl) => c.w.bulk(cl.me.id)),
      sub("myshardid", 2, ["loading", "stale"], (c, _a, cl) => c.w.bulk(cl.me.shardId), ND),
      sub("nodes", 2, ["loading", "stale"], (c, _a, cl) => c.w.verbatim(cl.nodesText()), ND),
      sub("replicas", 3, ["admin", "stale"], replicas, ND),
      sub("replicate", 3, ADMIN, replicate),
      sub("reset", -2, ["admin", "stale", "noscript"], () => {
        throw CE.fixedTopology("CLUSTER RESET");
      }),
      sub("saveconfig", 2, ADMIN, () => {
        throw errorText("ERR CLUSTER SAVECONFIG is not supported: valkey-bun keeps the cluster configuration in memory only (no nodes.conf)");
      }),
      sub("set-config-epoch", 3, ADMIN, setConfigEpoch),
      sub("setslot", -4, [...ADMIN, "may_replicate"], setslot),
      sub("shards", 2, ["loading", "stale"], shards, ND),
      sub("slaves", 3, ["admin", "stale"], replicas, ND),
      sub("slot-stats", -4, ["stale", "loading"], slotStats, ["nondeterministic_output", "request_policy:all_shards"]),
      sub("slots", 2, ["loading", "stale"], slots, ND),
    ],
  },
  { name: "asking", arity: 1, flags: ["fast"], acl: ["connection"], group: "cluster", run: asking },
  // Every node is a primary, so READONLY (which lets a replica serve reads) and READWRITE change nothing.
  { name: "readonly", arity: 1, flags: ["fast", "loading", "stale"], acl: ["connection"], group: "cluster", run: (c) => c.w.ok() },
  { name: "readwrite", arity: 1, flags: ["fast", "loading", "stale"], acl: ["connection"], group: "cluster", run: (c) => c.w.ok() },
  {
    name: "restore-asking",
    arity: -4,
    flags: ["write", "denyoom", "asking"],
    acl: ["keyspace", "dangerous"],
    group: "server",
    keys: [{ begin: 1, range: [0, 1, 0], flags: ["OW", "UPDATE"] }],
    run: restore,
  },
];

function clusterOf(c: Client): ClusterState {
  const cl = c.server.cluster;
  if (cl === null) throw CE.disabled;
  return cl;
}

// ASKING
function asking(c: Client): void {
  clusterOf(c);
  setAsking(c);
  c.w.ok();
}

/** getSlotOrReply: a slot number or "Invalid or out of range slot". */
function slotArg(b: Buffer): number {
  const v = parseI64(b);
  if (v === null || v < 0 || v >= SLOTS) throw CE.slotOutOfRange;
  return v;
}

function nodeArg(cl: ClusterState, b: Buffer, err: (id: string) => Error): ClusterNode {
  const n = cl.lookup(str(b));
  if (n === undefined) throw err(str(b));
  return n;
}

function keysIn(c: Client, slot: number): ReadonlySet<string> {
  return indexBySlot(c.server.store.dbs[0]!).keysInSlot(slot);
}

// CLUSTER ADDSLOTS slot [slot ...] / DELSLOTS slot [slot ...]
function addslots(c: Client, argv: Buffer[], cl: ClusterState): void {
  assignSlots(c, cl, argv.slice(2).map(slotArg), true);
}
function delslots(c: Client, argv: Buffer[], cl: ClusterState): void {
  assignSlots(c, cl, argv.slice(2).map(slotArg), false);
}

// CLUSTER ADDSLOTSRANGE start end [start end ...] / DELSLOTSRANGE start end [start end ...]
function addslotsrange(c: Client, argv: Buffer[], cl: ClusterState): void {
  assignSlots(c, cl, slotRangesArg(argv), true);
}
function delslotsrange(c: Client, argv: Buffer[], cl: ClusterState): void {
  assignSlots(c, cl, slotRangesArg(argv), false);
}

function slotRangesArg(argv: Buffer[]): number[] {
  if (argv.length % 2 === 1) throw wrongArity(`cluster|${token(argv[1]!)}`);
  const out: number[] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const a = slotArg(argv[i]!);
    const b = slotArg(argv[i + 1]!);
    if (a > b) throw CE.rangeOrder(a, b);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/** Valkey's checkSlotAssignmentsOrReply, then assign to myself (gossiped) or unassign (local, as in Valkey). */
function assignSlots(c: Client, cl: ClusterState, list: number[], add: boolean): void {
  const seen = new Set<number>();
  for (const s of list) {
    if (add && cl.owner[s] !== null) throw CE.slotBusy(s);
    if (!add && cl.owner[s] === null) throw CE.slotUnassigned(s);
    if (seen.has(s)) throw CE.slotSpecifiedTwice(s);
    seen.add(s);
  }
  for (const s of list) {
    if (add) {
      cl.setOwner(s, cl.me);
      // ADDSLOTS on a slot being imported closes the import (clusterAddSlot clears importing_slots_from).
      cl.importing.delete(s);
    } else cl.setOwner(s, null);
  }
  if (add) cl.announce(list);
  else cl.onTopologyChange();
  c.w.ok();
}

// CLUSTER FLUSHSLOTS
function flushslots(c: Client, _argv: Buffer[], cl: ClusterState): void {
  if (c.server.store.dbs[0]!.size !== 0) throw errorText("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
  for (let s = 0; s < SLOTS; s++) if (cl.owner[s] === cl.me) cl.setOwner(s, null);
  cl.onTopologyChange();
  c.w.ok();
}

// CLUSTER BUMPEPOCH
function bumpepoch(c: Client, _argv: Buffer[], cl: ClusterState): void {
  const bumped = cl.bumpEpoch();
  if (bumped) cl.announce(cl.slotsOf(cl.me));
  c.w.simple(`${bumped ? "BUMPED" : "STILL"} ${cl.me.configEpoch}`);
}

// CLUSTER SET-CONFIG-EPOCH epoch
function setConfigEpoch(_c: Client, argv: Buffer[], cl: ClusterState): void {
  const v = int(argv[2]!);
  if (v < 0) throw errorText(`ERR Invalid config epoch specified: ${v}`);
  if (cl.nodes.length > 1) throw errorText("ERR The user can assign a config epoch only when the node does not know any other node.");
  throw errorText("ERR The node already has a config epoch.");
}

// CLUSTER COUNT-FAILURE-REPORTS node-id
function countFailureReports(c: Client, argv: Buffer[], cl: ClusterState): void {
  nodeArg(cl, argv[2]!, CE.unknownNode);
  c.w.integer(0);
}

// CLUSTER COUNTKEYSINSLOT slot
function countkeysinslot(c: Client, argv: Buffer[]): void {
  const s = int(argv[2]!);
  if (s < 0 || s >= SLOTS) throw CE.invalidSlot;
  c.w.integer(keysIn(c, s).size);
}

// CLUSTER SLOT-STATS SLOTSRANGE start-slot end-slot | ORDERBY metric [LIMIT limit] [ASC|DESC]
// Valkey 8.0.1's clusterSlotStatsCommand with its default cluster-slot-stats-enabled no: the one metric is
// key-count, and only slots this node owns are listed. Ties keep slot order, as glibc's (merge) qsort does.
function slotStats(c: Client, argv: Buffer[], cl: ClusterState): void {
  const mine = (s: number) => cl.owner[s] === cl.me;
  const filter = token(argv[2]!);
  let slots: number[] = [];
  if (argv.length === 5 && filter === "slotsrange") {
    const a = slotArg(argv[3]!);
    const b = slotArg(argv[4]!);
    if (a > b) throw CE.statsRangeOrder(a, b);
    for (let s = a; s <= b; s++) if (mine(s)) slots.push(s);
  } else if (filter === "orderby") {
    if (token(argv[3]!) !== "key-count") throw CE.statsMetric;
    let limit = SLOTS;
    let desc = true;
    let limitSeen = false;
    let orderSeen = false;
    for (let i = 4; i < argv.length; i++) {
      const t = token(argv[i]!);
      if (t === "limit" && i + 1 < argv.length) {
        const n = parseI64(argv[++i]!);
        if (n === null || n < 1 || n > SLOTS) throw CE.statsLimit;
        if (limitSeen) throw CE.statsFilterTwice;
        limitSeen = true;
        limit = n;
      } else if (t === "asc" || t === "desc") {
        if (orderSeen) throw CE.statsFilterTwice;
        orderSeen = true;
        desc = t === "desc";
      } else throw E.syntax;
    }
    const count = new Map<number, number>();
    for (let s = 0; s < SLOTS; s++) if (mine(s)) count.set(s, keysIn(c, s).size);
    slots = [...count.keys()].sort((x, y) => (desc ? count.get(y)! - count.get(x)! : count.get(x)! - count.get(y)!)).slice(0, limit);
  } else throw unknownSubcommandOrWrongArity("cluster", str(argv[1]!));
  const w = c.w;
  w.array(slots.length);
  for (const s of slots) {
    w.array(2);
    w.integer(s);
    w.map(1);
    w.bulk("key-count");
    w.integer(keysIn(c, s).size);
  }
}

// CLUSTER GETKEYSINSLOT slot count
function getkeysinslot(c: Client, argv: Buffer[]): void {
  const s = int(argv[2]!);
  const max = int(argv[3]!);
  if (max < 0 || s < 0 || s >= SLOTS) throw CE.invalidSlotOrCount;
  const keys = keysIn(c, s);
  const n = Math.min(max, keys.size);
  c.w.array(n);
  let i = 0;
  for (const k of keys) {
    if (i++ >= n) break;
    c.w.bulk(Buffer.from(k, "latin1"));
  }
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]
function failover(_c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw E.syntax;
  if (argv.length === 3 && token(argv[2]!) !== "force" && token(argv[2]!) !== "takeover") throw E.syntax;
  throw CE.failoverOnPrimary;
}

// CLUSTER FORGET node-id
function forget(_c: Client, argv: Buffer[], cl: ClusterState): void {
  const n = nodeArg(cl, argv[2]!, CE.unknownNode);
  if (n === cl.me) throw errorText("ERR I tried hard but I can't forget myself...");
  throw CE.fixedTopology("CLUSTER FORGET");
}

// CLUSTER REPLICATE node-id
function replicate(c: Client, argv: Buffer[], cl: ClusterState): void {
  const n = nodeArg(cl, argv[2]!, CE.unknownNode);
  if (n === cl.me) throw CE.replicateMyself;
  if (cl.slotsOf(cl.me).length !== 0 || c.server.store.dbs[0]!.size !== 0) {
    throw errorText("ERR To set a master the node must be empty and without assigned slots.");
  }
  throw CE.noReplicas("CLUSTER REPLICATE");
}

// CLUSTER REPLICAS node-id / CLUSTER SLAVES node-id: every node is a primary without replicas.
function replicas(c: Client, argv: Buffer[], cl: ClusterState): void {
  nodeArg(cl, argv[2]!, CE.unknownNode);
  c.w.array(0);
}

// CLUSTER SETSLOT slot IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE [TIMEOUT ms]
function setslot(c: Client, argv: Buffer[], cl: ClusterState): void {
  const slot = slotArg(argv[2]!);
  const action = token(argv[3]!);
  let n: ClusterNode | null = null;
  let opt = 0;
  if (action === "migrating" && argv.length >= 5) {
    if (cl.owner[slot] !== cl.me) throw CE.notOwnerMigrate(slot);
    n = nodeArg(cl, argv[4]!, CE.dontKnowNode);
    opt = 5;
  } else if (action === "importing" && argv.length >= 5) {
    if (cl.owner[slot] === cl.me) throw CE.alreadyOwner(slot);
    n = nodeArg(cl, argv[4]!, CE.dontKnowNode);
    opt = 5;
  } else if (action === "stable" && argv.length >= 4) {
    opt = 4;
  } else if (action === "node" && argv.length >= 5) {
    n = nodeArg(cl, argv[4]!, CE.unknownNode);
    if (cl.owner[slot] === cl.me && n !== cl.me && keysIn(c, slot).size !== 0) throw CE.stillHoldKeys(slot);
    opt = 5;
  } else throw CE.setslotSyntax;
  // Valkey 8.0 reads TIMEOUT and skips any other word after the action.
  for (let i = opt; i < argv.length; i++) {
    if (token(argv[i]!) !== "timeout") continue;
    if (i + 1 >= argv.length) throw errorText("ERR Missing timeout value");
    const t = parseI64(argv[++i]!);
    if (t === null) throw errorText("ERR timeout is not an integer or out of range");
    if (t < 0) throw errorText("ERR timeout is negative");
  }
  if (action === "migrating") cl.migrating.set(slot, n!);
  else if (action === "importing") cl.importing.set(slot, n!);
  else if (action === "stable") {
    cl.migrating.delete(slot);
    cl.importing.delete(slot);
  } else {
    if (keysIn(c, slot).size === 0) cl.migrating.delete(slot);
    cl.setOwner(slot, n!);
    if (n === cl.me && cl.importing.has(slot)) {
      // A manually migrated slot gets a new config epoch so the new owner wins everywhere (Valkey does the same).
      if (cl.bumpEpoch()) c.server.log("notice", `ConfigEpoch updated after importing slot ${slot}`);
      cl.importing.delete(slot);
    }
    if (n === cl.me) cl.announce([slot]);
    else cl.onTopologyChange();
  }
  c.w.ok();
}

/** One CLUSTER SLOTS / SHARDS node entry's extra endpoint fields (Valkey's addNodeToNodeReply metadata). */
function endpointMeta(cl: ClusterState, n: ClusterNode): Array<[string, string]> {
  const meta: Array<[string, string]> = [];
  if (cl.endpointType !== "ip" && n.ip !== "") meta.push(["ip", n.ip]);
  if (cl.endpointType !== "hostname" && n.hostname !== "") meta.push(["hostname", n.hostname]);
  return meta;
}

// CLUSTER SLOTS
function slots(c: Client, _argv: Buffer[], cl: ClusterState): void {
  const runs: Array<[number, number, ClusterNode]> = [];
  for (let s = 0; s < SLOTS; s++) {
    const n = cl.owner[s] ?? null;
    if (n === null) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[2] === n && last[1] === s - 1) last[1] = s;
    else runs.push([s, s, n]);
  }
  const w = c.w;
  w.array(runs.length);
  for (const [a, b, n] of runs) {
    w.array(3);
    w.integer(a);
    w.integer(b);
    w.array(4);
    w.bulk(cl.endpoint(n));
    w.integer(n.port);
    w.bulk(n.id);
    const meta = endpointMeta(cl, n);
    w.map(meta.length);
    for (const [k, v] of meta) {
      w.bulk(k);
      w.bulk(v);
    }
  }
}

// CLUSTER SHARDS: one shard per node (no replicas).
function shards(c: Client, _argv: Buffer[], cl: ClusterState): void {
  const w = c.w;
  w.array(cl.nodes.length);
  for (const n of cl.nodes) {
    w.map(2);
    w.bulk("slots");
    const ranges = slotRanges(cl.slotsOf(n));
    w.array(ranges.length * 2);
    for (const [a, b] of ranges) {
      w.integer(a);
      w.integer(b);
    }
    w.bulk("nodes");
    w.array(1);
    const hostname = n.hostname !== "";
    w.map(hostname ? 8 : 7);
    w.bulk("id");
    w.bulk(n.id);
    w.bulk("port");
    w.integer(n.port);
    w.bulk("ip");
    w.bulk(n.ip);
    w.bulk("endpoint");
    w.bulk(cl.endpoint(n));
    if (hostname) {
      w.bulk("hostname");
      w.bulk(n.hostname);
    }
    w.bulk("role");
    w.bulk("master");
    w.bulk("replication-offset");
    w.integer(0);
    w.bulk("health");
    w.bulk("online");
  }
}

// CLUSTER LINKS: the shards' bus is their parent process; each peer is shown with one link each way.
function links(c: Client, _argv: Buffer[], cl: ClusterState): void {
  const peers = cl.nodes.filter((n) => n !== cl.me);
  const w = c.w;
  w.array(peers.length * 2);
  for (const n of peers) {
    for (const direction of ["to", "from"]) {
      w.map(6);
      w.bulk("direction");
      w.bulk(direction);
      w.bulk("node");
      w.bulk(n.id);
      w.bulk("create-time");
      w.integer(cl.createdAt);
      w.bulk("events");
      w.bulk("r");
      w.bulk("send-buffer-allocated");
      w.integer(0);
      w.bulk("send-buffer-used");
      w.integer(0);
    }
  }
}

/** CLUSTER HELP as Valkey 8 words it. */
const HELP = [
  "COUNTKEYSINSLOT <slot>",
  "    Return the number of keys in <slot>.",
  "GETKEYSINSLOT <slot> <count>",
  "    Return key names stored by current node in a slot.",
  "INFO",
  "    Return information about the cluster.",
  "KEYSLOT <key>",
  "    Return the hash slot for <key>.",
  "MYID",
  "    Return the node id.",
  "MYSHARDID",
  "    Return the node's shard id.",
  "NODES",
  "    Return cluster configuration seen by node. Output format:",
  "    <id> <ip:port@bus-port[,hostname]> <flags> <primary> <pings> <pongs> <epoch> <link> <slot> ...",
  "REPLICAS <node-id>",
  "    Return <node-id> replicas.",
  "SLOTS",
  "    Return information about slots range mappings. Each range is made of:",
  "    start, end, primary and replicas IP addresses, ports and ids",
  "SLOT-STATS",
  "    Return an array of slot usage statistics for slots assigned to the current node.",
  "SHARDS",
  "    Return information about slot range mappings and the nodes associated with them.",
  "ADDSLOTS <slot> [<slot> ...]",
  "    Assign slots to current node.",
  "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
  "    Assign slots which are between <start-slot> and <end-slot> to current node.",
  "BUMPEPOCH",
  "    Advance the cluster config epoch.",
  "COUNT-FAILURE-REPORTS <node-id>",
  "    Return number of failure reports for <node-id>.",
  "DELSLOTS <slot> [<slot> ...]",
  "    Delete slots information from current node.",
  "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
  "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
  "FAILOVER [FORCE|TAKEOVER]",
  "    Promote current replica node to being a master.",
  "FORGET <node-id>",
  "    Remove a node from the cluster.",
  "FLUSHSLOTS",
  "    Delete current node own slots information.",
  "MEET <ip> <port> [<bus-port>]",
  "    Connect nodes into a working cluster.",
  "REPLICATE <node-id>",
  "    Configure current node as replica to <node-id>.",
  "RESET [HARD|SOFT]",
  "    Reset current node (default: soft).",
  "SET-CONFIG-EPOCH <epoch>",
  "    Set config epoch of current node.",
  "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
  "    Set slot state.",
  "SAVECONFIG",
  "    Force saving cluster configuration on disk.",
  "LINKS",
  "    Return information about all network links between this node and its peers.",
  "    Output format is an array where each array element is a map containing attributes of a link",
];

// CLUSTER HELP
function help(c: Client): void {
  c.w.help("CLUSTER", HELP);
}

