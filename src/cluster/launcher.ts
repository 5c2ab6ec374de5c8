// The parent of a cluster: starts N shards (shard.ts), each a full server on its own worker thread and port,
// gives them one topology (slots split as `redis-cli --cluster create` does, one config epoch each), relays what
// a cluster bus would carry between them (slot claims, PUBLISH), and owns the lifecycle: every shard stops with
// the parent, SHUTDOWN on any shard stops all, and a shard that dies takes the cluster down (never a silently
// partial cluster).

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { cfg, type Config } from "../config.js";
import { splitSlots } from "./slots.js";
import type { ClusterNode } from "./state.js";
import type { FromShard, ShardData, ToShard } from "./shard.js";

export interface ClusterNodeAddress {
  id: string;
  host: string;
  port: number;
  url: string;
}

export interface RunningCluster {
  nodes: ClusterNodeAddress[];
  /** Stop every shard. Idempotent. */
  close(): Promise<void>;
  /** Settles when the cluster stops: 0 after close() or SHUTDOWN, 1 when a shard died. */
  readonly exited: Promise<{ code: number; reason: string }>;
}

export interface ClusterOptions {
  config: Config;
  size: number;
  /** First shard's port; shard i listens on base + i. 0 gives every shard its own free port. */
  portBase: number;
  log?: (line: string) => void;
}

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * The shard entry: the sources under Bun, else the built JavaScript (dist/cluster/shard.js, beside this file
 * in a build, or found from src/ when this module runs from the sources under Node, e.g. in tests).
 */
function shardEntry(): URL {
  const here = import.meta.url;
  const candidates = here.endsWith(".ts")
    ? isBun
      ? ["./shard.ts"]
      : ["../../dist/cluster/shard.js"]
    : ["./shard.js", "./cluster/shard.js", "../cluster/shard.js"];
  for (const c of candidates) {
    const u = new URL(c, here);
    if (existsSync(fileURLToPath(u))) return u;
  }
  throw new Error(`cluster shard entry not found beside ${here} (run \`npm run build\`)`);
}

/** The address clients are told: cluster-announce-ip, else the first bind address (a wildcard reports 127.0.0.1). */
export function announcedIp(config: Config): string {
  const announce = config.params.get("cluster-announce-ip") ?? "";
  if (announce !== "") return announce;
  const first = (cfg.bind(config).split(/\s+/).find(Boolean) ?? "127.0.0.1").replace(/^-/, "");
  return first === "*" || first === "0.0.0.0" || first === "::*" || first === "::" ? "127.0.0.1" : first;
}

interface Shard {
  index: number;
  worker: Worker;
  port: number;
  stopped: boolean;
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const { config, size } = opts;
  const log = opts.log ?? (() => {});
  const entry = shardEntry();
  const shards: Shard[] = [];
  let stopping = false;
  let settle!: (v: { code: number; reason: string }) => void;
  const exited = new Promise<{ code: number; reason: string }>((r) => (settle = r));
  const waiters = new Map<Shard, Map<string, (m: FromShard) => void>>();

  const stopAll = async (code: number, reason: string): Promise<void> => {
    if (stopping) return exited.then(() => undefined);
    stopping = true;
    await Promise.all(
      shards.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.stopped) return resolve();
            const t = setTimeout(() => void s.worker.terminate().then(() => resolve()), 5000);
            s.worker.once("exit", () => {
              clearTimeout(t);
              resolve();
            });
            wait(s, "stopped").then(() => void s.worker.terminate());
            s.worker.postMessage({ t: "stop" } satisfies ToShard);
          }),
      ),
    );
    settle({ code, reason });
  };

  const wait = (s: Shard, t: FromShard["t"]): Promise<FromShard> =>
    new Promise((resolve) => {
      let m = waiters.get(s);
      if (m === undefined) waiters.set(s, (m = new Map()));
      m.set(t, resolve);
    });

  const base = opts.portBase;
  const params = [...config.params];
  for (let i = 0; i < size; i++) {
    // One unix socket path cannot serve N shards: the first shard keeps it (its clients get MOVED to TCP nodes).
    const own = i === 0 ? params : params.map(([k, v]): [string, string] => (k === "unixsocket" ? [k, ""] : [k, v]));
    const data: ShardData = { params: own, testClock: config.testClock, port: base === 0 ? 0 : base + i, renames: config.renames };
    const worker = new Worker(entry, { workerData: data });
    const s: Shard = { index: i, worker, port: 0, stopped: false };
    shards.push(s);
    worker.on("message", (m: FromShard) => {
      const w = waiters.get(s)?.get(m.t);
      if (w !== undefined) {
        waiters.get(s)!.delete(m.t);
        w(m);
      }
      if (m.t === "failed") s.stopped = true; // it could not listen: startCluster reports why, not its exit
      else if (m.t === "bus") {
        for (const o of shards) if (o !== s && !o.stopped) o.worker.postMessage({ t: "bus", msg: m.msg } satisfies ToShard);
      } else if (m.t === "log") log(m.line);
      else if (m.t === "shutdown") void stopAll(0, `SHUTDOWN on shard ${i} (port ${s.port})`);
    });
    worker.on("error", (e) => {
      log(`valkey-bun: cluster shard ${i} (port ${s.port}) failed: ${(e as Error)?.stack ?? e}`);
    });
    worker.on("exit", (code) => {
      const known = s.stopped;
      s.stopped = true;
      if (stopping || known) return;
      const reason = `cluster shard ${i} (port ${s.port}) exited unexpectedly (code ${code}); stopping the whole cluster`;
      log(`valkey-bun: ${reason}`);
      void stopAll(1, reason);
    });
  }

  // Every shard listens, or none does.
  const listening = await Promise.all(
    shards.map((s) => Promise.race([wait(s, "listening"), wait(s, "failed"), exited.then(() => ({ t: "failed", error: "cluster stopped" }) as FromShard)])),
  );
  const failed = listening.find((m) => m.t === "failed") as Extract<FromShard, { t: "failed" }> | undefined;
  if (failed !== undefined) {
    await stopAll(1, failed.error);
    throw new Error(failed.error);
  }
  listening.forEach((m, i) => (shards[i]!.port = (m as Extract<FromShard, { t: "listening" }>).port));

  const ip = announcedIp(config);
  const hostname = config.params.get("cluster-announce-hostname") ?? "";
  const nodes: ClusterNode[] = shards.map((s, i) => ({
    id: randomBytes(20).toString("hex"),
    shardId: randomBytes(20).toString("hex"),
    ip,
    hostname,
    port: s.port,
    cport: s.port + 10000 <= 65535 ? s.port + 10000 : 0,
    configEpoch: i + 1,
  }));
  const split = splitSlots(size);
  const owners = nodes.map((n, i) => ({ id: n.id, ranges: [split[i]!] }));
  await Promise.all(
    shards.map((s, i) => {
      const ready = wait(s, "ready");
      s.worker.postMessage({ t: "topology", nodes, myId: nodes[i]!.id, owners, currentEpoch: size } satisfies ToShard);
      return ready;
    }),
  );
  const urlHost = ip.includes(":") ? `[${ip}]` : ip;
  return {
    nodes: nodes.map((n) => ({ id: n.id, host: ip, port: n.port, url: `redis://${urlHost}:${n.port}` })),
    close: () => stopAll(0, "closed"),
    exited,
  };
}

/** `valkey-bun --cluster-size N`: start the cluster, print one ready line with every node, stop on signals. */
export async function serveCluster(config: Config, ready: (urls: string[]) => string): Promise<number> {
  const size = config.cluster!.size;
  const quiet = cfg.loglevel(config) === "nothing";
  let running: RunningCluster;
  try {
    running = await startCluster({
      config,
      size,
      portBase: config.cluster!.portBase ?? cfg.port(config),
      log: (line) => console.log(line),
    });
  } catch (e) {
    console.error(`valkey-bun: cannot start the cluster: ${(e as Error).message}`);
    return 1;
  }
  if (!quiet) console.log(ready(running.nodes.map((n) => n.url)));
  const stop = (sig: string) => {
    if (!quiet) console.log(`valkey-bun: received ${sig}, stopping all ${size} shards (nothing to save: data lives in memory only)`);
    void running.close();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  const { code, reason } = await running.exited;
  if (code !== 0) console.error(`valkey-bun: ${reason}`);
  return code;
}
