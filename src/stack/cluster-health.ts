// `valkey-bun health` against a cluster node: healthy only when this node says cluster_state:ok and every node
// its CLUSTER NODES lists answers and says cluster_state:ok too (one probe of each peer, in parallel).

import type { ProbeConnection } from "./probe-client.js";

/** Why the cluster is not healthy, or null (also null for a standalone server: INFO says cluster_enabled:0). */
export async function clusterProblem(client: ProbeConnection, peer: ((host: string, port: number) => Promise<string | null>) | null): Promise<string | null> {
  const info = String(await client.call("INFO", "cluster"));
  if (!/^cluster_enabled:1\r?$/m.test(info)) return null;
  const own = String(await client.call("CLUSTER", "INFO"));
  const state = /^cluster_state:(\w+)/m.exec(own)?.[1];
  if (state !== "ok") return `cluster_state:${state ?? "?"} (not every hash slot is served)`;
  if (peer === null) return null;
  const peers: Array<[string, number]> = [];
  for (const line of String(await client.call("CLUSTER", "NODES")).split("\n")) {
    const f = line.split(" ");
    if (f.length < 3 || f[2]!.split(",").includes("myself")) continue;
    const addr = f[1]!.split("@")[0]!;
    const i = addr.lastIndexOf(":");
    peers.push([addr.slice(0, i), Number(addr.slice(i + 1))]);
  }
  const why = await Promise.all(peers.map(([h, p]) => peer(h, p).then((r) => (r === null ? null : `cluster node ${r}`))));
  return why.find((w) => w !== null) ?? null;
}
