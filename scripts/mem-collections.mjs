#!/usr/bin/env node
// Memory per element of a 100k-member hash, set and zset: valkey-bun on Node and on Bun against redis-server.
// Each measurement runs in a fresh server process that first holds one such key (so allocator arenas and the
// JS young generation have reached their working size); RSS is read from /proc/<pid>/status before and after
// filling a second key, then again after HRANDFIELD/SRANDMEMBER and a first HSCAN/SSCAN step (which build the
// random-access/scan index on large collections). The JS servers are measured twice: as the CLI runs
// (RSS still holds request garbage the collector has not returned yet), and "settled": the same server
// started in-process with a full GC every 250 ms, which shows what the data itself costs.
//
//   npm run build && node scripts/mem-collections.mjs [--n 100000] [--targets redis,node,bun,node-gc,bun-gc]
//                                                     [--redis-server /usr/bin/redis-server]
//                                                     [--kinds hash,set,zset] [--small] [--base DIR]
// --base DIR also measures node-base / bun-base / node-gc-base / bun-gc-base (another built checkout) in the
// same run, each right after its counterpart.
// --small measures many small values instead: N keys each holding a 10-field hash, a 10-element list, a 10-member
// set or a 10-member zset (what BullMQ job hashes, sessions and small queues look like; within Valkey's listpack
// limits), as RSS per key.
//
// Linux only (reads /proc). Needs redis-server on PATH for the comparison column.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { BUN, ROOT, connectWhenUp, freePort, rssBytes as rssOf, serverCommand, sleep } from "./lib/bench-common.mjs";
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const N = Number(opt("--n", 100000));
const REDIS = opt("--redis-server", "redis-server");
const BASE = opt("--base", null);
const SMALL = args.includes("--small");
const KINDS = opt("--kinds", SMALL ? "hash,list,set,zset" : "hash,set,zset").split(",");
const TARGETS = opt("--targets", "redis,node,bun,node-gc,bun-gc").split(",");
if (BASE) for (const t of [...TARGETS]) if (t !== "redis" && !t.includes("-base") && !TARGETS.includes(`${t}-base`)) TARGETS.splice(TARGETS.indexOf(t) + 1, 0, `${t}-base`);


async function start(target) {
  const port = await freePort();
  const base = target.endsWith("-base");
  const root = base ? BASE : ROOT;
  if (base) target = target.slice(0, -5);
  const settled = (gc, entry) =>
    `const m = await import(${JSON.stringify(entry)}); await m.startServer({ port: ${port} }); setInterval(() => ${gc}, 250);`;
  const cmds = {
    node: serverCommand(base ? "node-base" : "node", port, [], REDIS, BASE),
    bun: serverCommand(base ? "bun-base" : "bun", port, [], REDIS, BASE),
    "node-gc": [process.execPath, ["--expose-gc", "--input-type=module", "-e", settled("globalThis.gc()", join(root, "dist", "index.js"))]],
    "bun-gc": [BUN, ["-e", settled("Bun.gc(true)", join(root, "src", "index.ts"))]],
    redis: [REDIS, ["--port", String(port), "--save", "", "--appendonly", "no", "--maxmemory", "2gb"]],
  };
  const cmd = cmds[target];
  const proc = spawn(cmd[0], cmd[1], { stdio: "ignore" });
  return { proc, r: await connectWhenUp(port) };
}

async function fill(r, key, kind) {
  if (SMALL) return fillSmall(r, key, kind);
  for (let i = 0; i < N; i += 1000) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      if (kind === "hash") p.hset(key, `field:${j}`, `value:${j}`);
      else if (kind === "zset") p.zadd(key, j * 1.5, `member:${j}`);
      else p.sadd(key, `member:${j}`);
    }
    await p.exec();
  }
}

/** N keys `${prefix}:<i>`, each a 10-field hash / 10-element list / 10-member set or zset of short strings. */
async function fillSmall(r, prefix, kind) {
  for (let i = 0; i < N; i += 1000) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      const key = `${prefix}:${j}`;
      const els = [];
      for (let k = 0; k < 10; k++) els.push(`el:${k}:${j}`);
      if (kind === "hash") p.hset(key, ...els.flatMap((e, k) => [`field${k}`, e]));
      else if (kind === "list") p.rpush(key, ...els);
      else if (kind === "zset") p.zadd(key, ...els.flatMap((e, k) => [k, e]));
      else p.sadd(key, ...els);
    }
    await p.exec();
  }
}

/**
 * Marginal cost: fill a first key of N elements (so allocator arenas and the JS young generation have
 * grown to their working size), then measure what a second key of N elements adds.
 */
async function measure(target, kind) {
  const { proc, r } = await start(target);
  try {
    await fill(r, "first", kind);
    await sleep(1500);
    const before = rssOf(proc.pid);
    await fill(r, "k", kind);
    await sleep(1500);
    const filled = rssOf(proc.pid);
    if (SMALL) {
      // small values are walked, not indexed: nothing to build
    } else if (kind === "hash") {
      await r.hrandfield("k");
      await r.hscan("k", 0);
    } else if (kind === "zset") {
      await r.zrandmember("k");
      await r.zscan("k", 0);
    } else {
      await r.srandmember("k");
      await r.sscan("k", 0);
    }
    await sleep(1500);
    const indexed = rssOf(proc.pid);
    return { plain: (filled - before) / N, indexed: (indexed - before) / N };
  } finally {
    r.disconnect();
    proc.kill("SIGKILL");
  }
}

const rows = [];
for (const kind of KINDS) {
  const row = { kind };
  for (const target of TARGETS) {
    try {
      row[target] = await measure(target, kind);
    } catch (e) {
      row[target] = { error: String(e) };
    }
  }
  rows.push(row);
}

const fmt = (m) => (m?.plain === undefined ? "n/a" : `${m.plain.toFixed(0)} / ${m.indexed.toFixed(0)}`);
console.log(
  SMALL
    ? `bytes per key of ${N} more keys of 10 elements each (RSS delta: filled / a moment later)`
    : `bytes per element of a second ${N}-element key (RSS delta: filled / after random+scan index)`,
);
const targets = TARGETS;
console.log(["kind".padEnd(7), ...targets.map((t) => t.padEnd(13))].join(" "));
for (const r of rows) console.log([r.kind.padEnd(7), ...targets.map((t) => fmt(r[t]).padEnd(13))].join(" "));
console.log("ratio to redis-server (after index)");
for (const r of rows) {
  const ratio = (t) => (r.redis?.indexed && r[t]?.indexed ? (r[t].indexed / r.redis.indexed).toFixed(2) : "n/a");
  console.log([r.kind.padEnd(7), ...targets.slice(1).map((t) => `${t} ${ratio(t)}`.padEnd(13))].join(" "));
}
