// REPLICAOF SLAVEOF FAILOVER REPLCONF PSYNC SYNC, and LOLWUT. Replication is outside the product (DESIGN.md: in
// memory, one server, no replicas). Each command first validates its arguments exactly as valkey-server 8.0.1 does
// (so bad input gets Valkey's text), then answers as a primary with no replicas where that needs no replication
// (REPLICAOF NO ONE, FAILOVER, FAILOVER ABORT, a bare REPLCONF) and refuses with E.noReplication wherever Valkey
// would start replicating (REPLICAOF host port, SYNC, PSYNC, a REPLCONF handshake from a would-be replica).

import type { Client } from "../client.js";
import { int, rangeInt, token } from "../args.js";
import { E } from "../errors.js";
import { VALKEY_VERSION } from "../version.js";
import type { CommandEntry } from "./types.js";

const REPLICAOF_FLAGS = ["no_async_loading", "admin", "noscript", "stale"];
const SYNC_FLAGS = ["no_async_loading", "admin", "noscript", "no_multi"];

export const commands: CommandEntry[] = [
  { name: "replicaof", arity: 3, flags: REPLICAOF_FLAGS, run: replicaof },
  { name: "slaveof", arity: 3, flags: REPLICAOF_FLAGS, run: replicaof },
  { name: "failover", arity: -1, flags: ["admin", "noscript", "stale"], run: failover },
  { name: "replconf", arity: -1, flags: ["admin", "noscript", "loading", "stale", "allow_busy"], run: replconf },
  { name: "psync", arity: -3, flags: SYNC_FLAGS, run: psync },
  { name: "sync", arity: 1, flags: SYNC_FLAGS, run: () => { throw E.noReplication("SYNC"); } },
  { name: "lolwut", arity: -1, flags: ["readonly", "fast"], run: lolwut },
];

// REPLICAOF host port | NO ONE   (SLAVEOF is the same command)
function replicaof(c: Client, argv: Buffer[]): void {
  if (c.server.cluster !== null) throw E.replicaofInCluster;
  // Already a primary: Valkey answers +OK and changes nothing.
  if (token(argv[1]!) === "no" && token(argv[2]!) === "one") return c.w.ok();
  // Valkey's getRangeLongFromObjectOrReply(port, 0, 65535, "Invalid master port").
  rangeInt(argv[2]!, 0n, 65535n, E.invalidPrimaryPort.message);
  throw E.noReplication(token(argv[0]!).toUpperCase());
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
function failover(c: Client, argv: Buffer[]): void {
  if (c.server.cluster !== null) throw E.failoverInCluster;
  let to = false;
  let timeout = false;
  let force = false;
  let abort = false;
  for (let j = 1; j < argv.length; j++) {
    const t = token(argv[j]!);
    const more = argv.length - j - 1;
    if (t === "to" && more >= 2 && !to) {
      int(argv[j + 2]!);
      to = true;
      j += 2;
    } else if (t === "timeout" && more >= 1 && !timeout) {
      if (int(argv[++j]!) <= 0) throw E.failoverTimeout;
      timeout = true;
    } else if (t === "force" && !force) force = true;
    else if (t === "abort" && !abort) abort = true;
    else throw E.syntax;
  }
  if (abort) {
    if (to || timeout || force) throw E.syntax;
    throw E.failoverNotInProgress; // no failover ever starts here
  }
  // Valkey checks for replicas before FORCE's requirements, so every well-formed request ends here.
  throw E.failoverNoReplicas;
}

// REPLCONF [option value ...]
function replconf(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 0) throw E.syntax;
  for (let j = 1; j < argv.length; j += 2) {
    const opt = token(argv[j]!);
    switch (opt) {
      case "listening-port":
        int(argv[j + 1]!);
        break;
      case "rdb-only":
        rangeInt(argv[j + 1]!, 0n, 1n);
        break;
      case "ip-address":
      case "capa":
      case "ack":
      case "getack":
      case "rdb-filter-only":
      case "version":
        break;
      default:
        throw E.replconfUnknown(argv[j]!.toString("latin1"));
    }
  }
  // A bare REPLCONF configures nothing: Valkey answers +OK. Any option is a replica's handshake.
  if (argv.length === 1) return c.w.ok();
  throw E.noReplication("REPLCONF");
}

// PSYNC replicationid offset
function psync(_c: Client, argv: Buffer[]): void {
  int(argv[2]!);
  throw E.noReplication("PSYNC");
}

// LOLWUT [VERSION version]
// Valkey 8 draws art only for VERSION 5 and 6 (random, so untestable byte for byte); every other version, the
// default included, is the version line. This server answers the version line for all of them.
function lolwut(c: Client, argv: Buffer[]): void {
  // Only a leading VERSION is read (Valkey 8.0.1: `LOLWUT VERSION 1 VERSION abc` is not an error).
  if (argv.length >= 3 && token(argv[1]!) === "version") int(argv[2]!);
  c.w.verbatim(`Redis ver. ${VALKEY_VERSION}\n`);
}
