// min-replicas-to-write. This server never has replicas, so a positive min-replicas-to-write (with a positive
// min-replicas-max-lag, as Valkey's checkGoodReplicasStatus requires) refuses every write, as Valkey does on a
// primary whose replicas are gone: plain write commands in the gate, writes from scripts in scripting/engine.ts.

import type { Server } from "../server.js";

export function writesRefused(server: Server): boolean {
  return server.param("min-replicas-to-write") !== "0" && server.param("min-replicas-max-lag") !== "0";
}
