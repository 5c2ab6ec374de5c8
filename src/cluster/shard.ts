// One shard of a cluster, on its own worker thread: a full server (listen() as for a standalone server) plus
// this shard's ClusterState, which the gate consults. Talks to the parent (launcher.ts) with messages:
//   parent -> shard: topology (once), bus (another shard's claim or PUBLISH), stop
//   shard -> parent: listening {port}, ready, bus {message}, shutdown (SHUTDOWN was called), log {line}, stopped

import { parentPort, workerData } from "node:worker_threads";
import type { Config } from "../config.js";
import { listen } from "../server.js";
import { Clock } from "../store.js";
import { publish } from "../commands/pubsub.js";
import { ClusterState, type BusMessage, type ClusterNode, type EndpointType } from "./state.js";
import { indexBySlot } from "./keyindex.js";
import { redirectBlocked } from "./route.js";

export interface ShardData {
  params: Array<[string, string]>;
  testClock: boolean;
  port: number;
  /** rename-command lines (Config.renames): each shard applies them to its own command table. */
  renames?: Array<[string, string, string]>;
}

export type ToShard =
  | { t: "topology"; nodes: ClusterNode[]; myId: string; owners: Array<{ id: string; ranges: Array<[number, number]> }>; currentEpoch: number }
  | { t: "bus"; msg: BusMessage }
  | { t: "stop" };

export type FromShard =
  | { t: "listening"; port: number }
  | { t: "ready" }
  | { t: "bus"; msg: BusMessage }
  | { t: "shutdown" }
  | { t: "log"; line: string }
  | { t: "stopped" }
  | { t: "failed"; error: string };

const port = parentPort!;
const send = (m: FromShard) => port.postMessage(m);

async function main(): Promise<void> {
  const data = workerData as ShardData;
  const config: Config = { params: new Map(data.params), configFile: null, testClock: data.testClock, persistenceDirectives: [], renames: data.renames };
  config.params.set("port", String(data.port));
  config.params.set("cluster-enabled", "yes");
  let running;
  try {
    running = await listen({ config, clock: new Clock(), log: (line) => send({ t: "log", line }) });
  } catch (e) {
    send({ t: "failed", error: (e as Error).message });
    return;
  }
  const server = running.server;
  indexBySlot(server.store.dbs[0]!);
  server.onShutdown = () => send({ t: "shutdown" });
  port.on("message", (m: ToShard) => {
    if (m.t === "topology") {
      const cl = new ClusterState(m.nodes, m.myId, m.owners, m.currentEpoch, (msg) => send({ t: "bus", msg }));
      cl.preferredEndpoint = () => server.param("cluster-preferred-endpoint-type") as EndpointType;
      cl.onTopologyChange = () => redirectBlocked(cl, server);
      server.cluster = cl;
      send({ t: "ready" });
    } else if (m.t === "bus") {
      const cl = server.cluster;
      if (cl === null) return;
      if (m.msg.t === "claim") cl.applyClaim(m.msg);
      else {
        cl.messagesReceived++;
        publish(server, Buffer.from(m.msg.channel).toString("latin1"), Buffer.from(m.msg.message));
      }
    } else if (m.t === "stop") {
      void running.close().then(() => send({ t: "stopped" }));
    }
  });
  send({ t: "listening", port: running.port });
}

void main();
