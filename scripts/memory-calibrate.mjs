#!/usr/bin/env node
// How close used_memory (the dataset estimate in src/memory.ts) is to the real heap growth, per type and shape.
// For each scenario a fresh batch of keys is written into a running server; before and after, MEMORY PURGE runs
// a full garbage collection and INFO memory gives allocator_allocated (the runtime's heapUsed + external) and
// used_memory (the estimate). Prints both growths per element and their ratio (estimate / heap).
//
//   npm run build && node scripts/memory-calibrate.mjs [--runtime node|bun] [--scale 1] [--only stream,hash ...]

import { spawn } from "node:child_process";
import { connectWhenUp, freePort, serverCommand, sleep } from "./lib/bench-common.mjs";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const ONLY = opt("--only", "");
const RUNTIME = opt("--runtime", "node");
const SCALE = Number(opt("--scale", 1));

/** name -> [element count, (pipeline, i) => void] */
const pad = (s, n) => s + "x".repeat(Math.max(0, n - s.length));
const scenarios = {
  "string 10B": [60000, (p, i) => p.set(`s10:${i}`, pad(`v${i}`, 10))],
  "string 100B": [60000, (p, i) => p.set(`s100:${i}`, pad(`v${i}`, 100))],
  "string 2000B": [10000, (p, i) => p.set(`s2k:${i}`, pad(`v${i}`, 2000))],
  "string int": [60000, (p, i) => p.set(`si:${i}`, String(i * 7))],
  "hash 5 fields": [100000, (p, i) => p.hset(`h5:${i >> 2}`, `f${i & 3}`, pad(`v${i}`, 10))],
  "hash 1000 fields": [100000, (p, i) => p.hset(`h1k:${i >> 10}`, `field:${i}`, pad(`value:${i}`, 16))],
  "hash 100B values": [60000, (p, i) => p.hset(`hb:${i >> 8}`, `field:${i}`, pad(`value:${i}`, 100))],
  "set 1000 members": [100000, (p, i) => p.sadd(`st:${i >> 10}`, `member:${i}`)],
  "set ints": [100000, (p, i) => p.sadd(`si:${i >> 9}`, String(i))],
  "set 5 members": [60000, (p, i) => p.sadd(`ss:${i >> 2}`, `m${i}`)],
  "list 5 elements": [60000, (p, i) => p.rpush(`ls:${i >> 2}`, `e${i}`)],
  "string with TTL": [60000, (p, i) => p.set(`sx:${i}`, pad(`v${i}`, 10), "EX", 1000)],
  "list 10B": [100000, (p, i) => p.rpush(`l:${i >> 10}`, pad(`e${i}`, 10))],
  "list 200B": [50000, (p, i) => p.rpush(`lb:${i >> 8}`, pad(`e${i}`, 200))],
  "zset 1000 members": [100000, (p, i) => p.zadd(`z:${i >> 10}`, i * 1.5, `member:${i}`)],
  "zset 5 members": [60000, (p, i) => p.zadd(`zs:${i >> 2}`, i & 3, `m${i}`)],
  "stream 2 fields": [60000, (p, i) => p.xadd(`x:${i >> 10}`, "*", "name", `n${i}`, "value", pad(`v${i}`, 20))],
};

async function start() {
  const port = await freePort();
  const [cmd, cmdArgs] = serverCommand(RUNTIME, port);
  const proc = spawn(cmd, cmdArgs, { stdio: "ignore" });
  return { proc, r: await connectWhenUp(port) };
}

async function snapshot(r) {
  await r.memory("PURGE");
  await sleep(50);
  await r.memory("PURGE");
  const info = await r.info("memory");
  const field = (f) => Number(new RegExp(`^${f}:(\\d+)`, "m").exec(info)[1]);
  return { heap: field("allocator_allocated"), est: field("used_memory") };
}

const { proc, r } = await start();
try {
  console.log(`runtime ${RUNTIME}: bytes per element (heap growth after GC vs used_memory growth)`);
  console.log(["scenario".padEnd(20), "heap".padStart(8), "estimate".padStart(9), "ratio".padStart(6)].join(" "));
  const ratios = [];
  for (const [name, [n0, add]] of Object.entries(scenarios)) {
    if (ONLY && !ONLY.split(",").some((o) => name.startsWith(o))) continue;
    const n = Math.round(n0 * SCALE);
    await r.flushall();
    const a = await snapshot(r);
    for (let i = 0; i < n; i += 1000) {
      const p = r.pipeline();
      for (let j = i; j < Math.min(n, i + 1000); j++) add(p, j);
      await p.exec();
    }
    const b = await snapshot(r);
    const heap = (b.heap - a.heap) / n;
    const est = (b.est - a.est) / n;
    ratios.push(est / heap);
    console.log([name.padEnd(20), heap.toFixed(1).padStart(8), est.toFixed(1).padStart(9), (est / heap).toFixed(2).padStart(6)].join(" "));
  }
  console.log(`ratio range ${Math.min(...ratios).toFixed(2)} .. ${Math.max(...ratios).toFixed(2)}`);
} finally {
  r.disconnect();
  proc.kill("SIGKILL");
}
