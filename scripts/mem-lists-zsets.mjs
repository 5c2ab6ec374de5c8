#!/usr/bin/env node
// Memory and per-call cost of lists and sorted sets, valkey-bun (Node and Bun) vs redis-server when present.
//
//   npm run build && node scripts/mem-lists-zsets.mjs [--n 100000] [--big 1000000]
//
// 1. RSS growth for one 100k-member zset and one 100k-element list (members "member:<i>", random scores).
// 2. ZADD (score update of an existing member) and ZRANK cost per call at 1k vs 1M members, pipelined.
// Local only: every server is spawned on 127.0.0.1 and stopped at the end.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("--n", 100_000);
const BIG = arg("--big", 1_000_000);
const CALLS = 50_000;

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: null, maxRetriesPerRequest: 0 });
    r.on("error", () => {});
    try {
      await r.connect();
      await r.ping();
      return r;
    } catch {
      r.disconnect();
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  throw new Error(`no server on ${port}`);
}

function startServer(kind, port) {
  if (kind === "redis") return spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  if (kind === "node") return spawn(process.execPath, [join(ROOT, "dist", "cli.js"), "--port", String(port)], { stdio: "ignore" });
  return spawn(join(ROOT, "node_modules", ".bin", "bun"), [join(ROOT, "src", "cli.ts"), "--port", String(port)], { stdio: "ignore" });
}

async function fill(r, cmd, key, from, to, withScore) {
  const batch = 1000;
  let p = r.pipeline();
  let queued = 0;
  for (let i = from; i < to; i += batch) {
    const args = [];
    for (let j = i; j < Math.min(to, i + batch); j++) {
      if (withScore) args.push(Math.floor(Math.random() * 1e9) / 1000);
      args.push(`member:${j}`);
    }
    p[cmd](key, ...args);
    if (++queued === 50) {
      await p.exec();
      p = r.pipeline();
      queued = 0;
    }
  }
  await p.exec();
}

async function perCall(r, key, size, make) {
  const depth = 500;
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < CALLS; done += depth) {
    const p = r.pipeline();
    for (let k = 0; k < depth; k++) make(p, key, Math.floor(Math.random() * size));
    await p.exec();
  }
  return Number(process.hrtime.bigint() - t0) / 1e3 / CALLS;
}

const settle = () => new Promise((res) => setTimeout(res, 1500));

async function measure(kind, port) {
  const proc = startServer(kind, port);
  const r = await waitPort(port);
  await settle();
  const base = rssKb(proc.pid);
  await fill(r, "zadd", "z", 0, N, true);
  await settle();
  const afterZ = rssKb(proc.pid);
  await fill(r, "rpush", "l", 0, N, false);
  await settle();
  const afterL = rssKb(proc.pid);
  await r.del("z", "l");

  await fill(r, "zadd", "small", 0, 1000, true);
  await fill(r, "zadd", "big", 0, BIG, true);
  const zaddSmall = await perCall(r, "small", 1000, (p, k, i) => p.zadd(k, Math.random() * 1e6, `member:${i}`));
  const zaddBig = await perCall(r, "big", BIG, (p, k, i) => p.zadd(k, Math.random() * 1e6, `member:${i}`));
  const zrankSmall = await perCall(r, "small", 1000, (p, k, i) => p.zrank(k, `member:${i}`));
  const zrankBig = await perCall(r, "big", BIG, (p, k, i) => p.zrank(k, `member:${i}`));
  r.disconnect();
  proc.kill("SIGTERM");
  return {
    kind,
    zsetBytesPerMember: Math.round(((afterZ - base) * 1024) / N),
    listBytesPerElement: Math.round(((afterL - afterZ) * 1024) / N),
    zaddUs1k: zaddSmall.toFixed(2),
    zaddUs1M: zaddBig.toFixed(2),
    zrankUs1k: zrankSmall.toFixed(2),
    zrankUs1M: zrankBig.toFixed(2),
  };
}

const kinds = ["node", "bun"];
if (spawnSync("redis-server", ["--version"]).status === 0) kinds.unshift("redis");
const rows = [];
let port = 7600 + Math.floor(Math.random() * 300);
for (const k of kinds) rows.push(await measure(k, port++));
console.log(`RSS growth for ${N} members/elements; per-call cost (us, pipelined, ${CALLS} calls) at 1k vs ${BIG} members`);
console.table(rows);

// Live heap of the structures themselves (run with `node --expose-gc` to see it): RSS above also holds
// the garbage of parsing the load and the heap headroom V8/JSC keep.
if (globalThis.gc) {
  const { SortedSet } = await import(join(ROOT, "dist", "structures", "sortedset.js"));
  const { ListValue } = await import(join(ROOT, "dist", "commands", "lists.js"));
  const heap = () => (globalThis.gc(), globalThis.gc(), process.memoryUsage().heapUsed);
  let h0 = heap();
  const z = new SortedSet();
  for (let i = 0; i < N; i++) z.set(`member:${i}`, Math.floor(Math.random() * 1e9) / 1000);
  const zb = (heap() - h0) / N;
  h0 = heap();
  const l = new ListValue();
  for (let i = 0; i < N; i++) l.pushBack(`member:${i}`);
  const lb = (heap() - h0) / N;
  console.log(`live heap per zset member ${zb.toFixed(0)} B, per list element ${lb.toFixed(0)} B (sizes ${z.size}, ${l.length})`);
}
