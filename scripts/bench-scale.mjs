#!/usr/bin/env node
// Scaling and memory of the collection types, valkey-bun (Node and Bun) vs redis-server when present.
//
//   npm run bench:scale [-- --n 100000 --big 1000000 --calls 50000 --runtimes node,bun] [--base DIR] [--only zset]
//
// 1. Memory: RSS growth for one N-member zset, hash and list (members "member:<i>"), bytes per element, each
//    measured in a fresh server as the growth of a second such value; also "purged": both readings taken after
//    MEMORY PURGE (a full collection on the JS servers), i.e. what the data holds without the load's garbage.
// 2. Scaling: cost per call of ZADD (score update of an existing member) and ZRANK at 1k vs BIG members, of
//    LPUSH+RPOP (a queue holding 1k vs BIG elements), LINDEX (random index) and HGET (random field), as wall
//    time per call (pipelined, depth 500) and as server CPU time per call (utime+stime from /proc/<pid>/stat).
//    Each case first runs once unmeasured at 1k (see scaled()), so that neither side pays for the JIT's warm-up.
//    A 1M/1k ratio near 1 means the cost does not grow with the collection (O(1) list ends); O(log n) sorted
//    sets grow slowly. The aim: every "cpu x" <= 2.
// 3. Expiry: BIG keys with TTLs (SET k v PXAT t, all due at the same moment) expire in the background while
//    one client sends PING after PING: the worst and p99 round trip it saw, and how long until DBSIZE was 0.
//    The aim: no PING waits over 25 ms. (--ttl-keys N, --no-ttl to skip, --only-expiry for this case alone)
//    The second worst PING and the count over 25 ms tell a pause of the server (several slow PINGs) from one
//    preemption of a loaded machine (one).
// --base DIR adds node-base / bun-base (another built checkout's server) for a before/after in one run.
// --only TYPES limits sections 1 and 2 to those types (e.g. zset,list) and skips section 3.
// --node-flags "FLAGS" starts the Node servers with those V8 flags (see startServer).
// Types a target does not support yet (COMMAND INFO) are skipped. Local only: every server is spawned on
// 127.0.0.1 and stopped at the end. Numbers are only comparable within one run (ratios, not absolutes).

import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ROOT, cpuSeconds, freePort, rssBytes, serverCommand } from "./lib/bench-common.mjs";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const N = Number(arg("--n", "100000"));
const BIG = Number(arg("--big", "1000000"));
const CALLS = Number(arg("--calls", "50000"));
const RUNTIMES = arg("--runtimes", "node,bun").split(",").filter(Boolean);
const ONLY = arg("--only", null)?.split(",");
const want = (type) => ONLY == null || ONLY.includes(type);
const TTL_KEYS = process.argv.includes("--no-ttl") || ONLY != null ? 0 : Number(arg("--ttl-keys", String(BIG)));
const ONLY_EXPIRY = process.argv.includes("--only-expiry");
const BASE = arg("--base", null);
const rssKb = (pid) => rssBytes(pid) / 1024;

async function waitPort(port) {
  for (let i = 0; i < 150; i++) {
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

/** --node-flags "...": V8 flags for the Node servers, e.g. --max-semi-space-size=4 to see how much of an RSS reading is
 *  the young generation's room (V8 then rejects the bundle's code cache, which only the start feels). */
const NODE_FLAGS = arg("--node-flags", "").split(/\s+/).filter(Boolean);

function startServer(kind, port) {
  const [cmd, args] = serverCommand(kind, port, [], "redis-server", BASE);
  return spawn(cmd, cmd === process.execPath ? [...NODE_FLAGS, ...args] : args, { stdio: "ignore" });
}

async function supports(r, cmd) {
  const info = await r.call("COMMAND", "INFO", cmd);
  return Array.isArray(info) && info[0] != null;
}

/** Load `to - from` elements with `cmd key ...args(i)` in batches of 1000, 50 commands per pipeline. */
async function fill(r, cmd, key, from, to, argsOf) {
  const batch = 1000;
  let p = r.pipeline();
  let queued = 0;
  for (let i = from; i < to; i += batch) {
    const args = [];
    for (let j = i; j < Math.min(to, i + batch); j++) args.push(...argsOf(j));
    p.call(cmd, key, ...args);
    if (++queued === 50) {
      await p.exec();
      p = r.pipeline();
      queued = 0;
    }
  }
  await p.exec();
}

const zaddArgs = (j) => [Math.floor(Math.random() * 1e9) / 1000, `member:${j}`];
const hsetArgs = (j) => [`member:${j}`, `value:${j}`];
const pushArgs = (j) => [`member:${j}`];

/** [wall us per call, server CPU us per call] for CALLS calls made by `make(pipeline, i)`, depth 500. */
async function perCall(r, pid, size, make) {
  const depth = 500;
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < CALLS; done += depth) {
    const p = r.pipeline();
    for (let k = 0; k < depth; k++) make(p, Math.floor(Math.random() * size));
    await p.exec();
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / CALLS;
  return [wall, ((cpuSeconds(pid) - cpu0) * 1e6) / CALLS];
}

/**
 * perCall at 1k and at BIG, after one unmeasured pass at 1k: a fresh server compiles each command's path during its
 * first tens of thousands of calls (Bun's JIT tiers above all), which would inflate the 1k figure and make the
 * ratio look flatter than it is.
 */
async function scaled(r, pid, op, small, big) {
  await perCall(r, pid, 1000, op(small));
  return [await perCall(r, pid, 1000, op(small)), await perCall(r, pid, BIG, op(big))];
}

const settle = () => new Promise((res) => setTimeout(res, 1500));

const MEM_TYPES = [
  ["zset", "zadd", zaddArgs],
  ["hash", "hset", hsetArgs],
  ["list", "rpush", pushArgs],
];

/**
 * RSS growth per element of one N-element value, in a fresh server that first holds another such value: the
 * heap and allocator have then reached their working size, so the second value's growth is what it costs
 * (measured in one server after other types, a value could fit in heap space freed by the previous fill and
 * show ~0).
 */
async function memoryPerElement(kind, cmd, argsOf) {
  const port = await freePort();
  const proc = startServer(kind, port);
  const r = await waitPort(port);
  try {
    await fill(r, cmd, "mem:first", 0, N, argsOf);
    await settle();
    const before = rssKb(proc.pid);
    await r.call("MEMORY", "PURGE");
    await settle();
    const beforePurged = rssKb(proc.pid);
    await fill(r, cmd, "mem:second", 0, N, argsOf);
    await settle();
    const after = rssKb(proc.pid);
    await r.call("MEMORY", "PURGE");
    await settle();
    return [((after - before) * 1024) / N, ((rssKb(proc.pid) - beforePurged) * 1024) / N];
  } finally {
    r.disconnect();
    proc.kill("SIGTERM");
    await new Promise((res) => (proc.exitCode !== null ? res() : proc.once("exit", res)));
  }
}

async function measure(kind, port) {
  const proc = startServer(kind, port);
  const r = await waitPort(port);
  const pid = proc.pid;
  const mem = {};
  const scale = {};
  let expiry = null;
  try {
    await settle();
    if (!ONLY_EXPIRY) await collections(kind, r, pid, mem, scale);
    if (TTL_KEYS > 0) {
      await settle();
      expiry = await expiryPause(r);
    }
  } finally {
    r.disconnect();
    proc.kill("SIGTERM");
    await new Promise((res) => (proc.exitCode !== null ? res() : proc.once("exit", res)));
  }
  return { kind, mem, scale, expiry };
}

/** Sections 1 and 2: memory per element and 1k vs BIG scaling, into `mem` and `scale`. */
async function collections(kind, r, pid, mem, scale) {
  for (const [type, cmd, argsOf] of MEM_TYPES) if (want(type) && (await supports(r, cmd))) mem[type] = await memoryPerElement(kind, cmd, argsOf);

  if (want("zset")) {
    await fill(r, "zadd", "z:small", 0, 1000, zaddArgs);
    await fill(r, "zadd", "z:big", 0, BIG, zaddArgs);
    const zadd = (key) => (p, i) => p.zadd(key, Math.random() * 1e6, `member:${i}`);
    const zrank = (key) => (p, i) => p.zrank(key, `member:${i}`);
    scale.zadd = await scaled(r, pid, zadd, "z:small", "z:big");
    scale.zrank = await scaled(r, pid, zrank, "z:small", "z:big");
    await r.del("z:small", "z:big");
  }
  if (want("list")) await listScaling(r, pid, scale);
  if (want("hash")) {
    await fill(r, "hset", "h:small", 0, 1000, hsetArgs);
    await fill(r, "hset", "h:big", 0, BIG, hsetArgs);
    const hget = (key) => (p, i) => p.hget(key, `member:${i}`);
    scale.hget = await scaled(r, pid, hget, "h:small", "h:big");
  }
  await r.flushall();
}

async function listScaling(r, pid, scale) {
  await fill(r, "rpush", "l:small", 0, 1000, pushArgs);
  await fill(r, "rpush", "l:big", 0, BIG, pushArgs);
  // a queue: each call pair pushes one element at the head and pops one at the tail, size stays put
  const queue = (key) => (p, i) => {
    p.lpush(key, `member:${i}`);
    p.rpop(key);
  };
  const half = ([wall, cpu]) => [wall / 2, cpu / 2];
  scale["lpush+rpop"] = (await scaled(r, pid, queue, "l:small", "l:big")).map(half);
  const lindex = (key) => (p, i) => p.lindex(key, i);
  scale.lindex = await scaled(r, pid, lindex, "l:small", "l:big");
  await r.del("l:small", "l:big");
}

/**
 * TTL_KEYS keys all due at one moment, then PING after PING on a second connection until the keyspace is empty:
 * { worst, p99 } round trip in ms, `clearMs` from the due time to DBSIZE 0, `loadS` seconds to load the keys.
 */
async function expiryPause(r) {
  const pinger = new Redis({ port: r.options.port, host: "127.0.0.1" });
  await pinger.ping();
  // Due 1.5 s after the projected end of the load (its rate measured on the first 50k keys).
  const t0 = Date.now();
  const first = Math.min(TTL_KEYS, 50000);
  const loadSet = async (from, to, at) => {
    let p = r.pipeline();
    for (let i = from; i < to; i++) {
      p.set(`ttl:${i}`, "x", "PXAT", at);
      if ((i + 1) % 5000 === 0) {
        await p.exec();
        p = r.pipeline();
      }
    }
    await p.exec();
  };
  const far = t0 + 3600e3;
  await loadSet(0, first, far);
  const perKey = (Date.now() - t0) / first;
  const due = Date.now() + Math.ceil(perKey * TTL_KEYS * 1.5) + 1500;
  await loadSet(0, TTL_KEYS, due); // rewrites the first keys with the real due time
  const loadS = (Date.now() - t0) / 1000;
  if (Date.now() >= due) {
    pinger.disconnect();
    return { late: true, loadS };
  }
  while (Date.now() < due - 300) await new Promise((res) => setTimeout(res, 50));
  const rtts = [];
  let clearMs = null;
  const stop = due + 60000;
  for (let n = 0; Date.now() < stop; n++) {
    const a = performance.now();
    await pinger.ping();
    rtts.push(performance.now() - a);
    if (Date.now() > due && n % 50 === 0 && (await pinger.dbsize()) === 0) {
      clearMs = Date.now() - due;
      break;
    }
  }
  pinger.disconnect();
  rtts.sort((x, y) => x - y);
  // On a loaded machine one preemption makes one slow PING; a pause of the server's own makes several.
  const over = rtts.filter((x) => x > 25).length;
  return { worst: rtts[rtts.length - 1], second: rtts[rtts.length - 2], over, p99: rtts[Math.floor(rtts.length * 0.99)], pings: rtts.length, clearMs, loadS };
}

const kinds = RUNTIMES.flatMap((k) => (BASE ? [k, `${k}-base`] : [k]));
if (spawnSync("redis-server", ["--version"]).status === 0) kinds.unshift("redis");
const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`bench:scale n=${N} big=${BIG} calls=${CALLS}; targets ${kinds.join(", ")}; load average ${loadavg}`);
const results = [];
for (const k of kinds) results.push(await measure(k, await freePort()));
const redis = results.find((x) => x.kind === "redis");
const f = (x, d = 2) => (x == null || !Number.isFinite(x) ? "-" : x.toFixed(d));

if (!ONLY_EXPIRY) {
  console.log(`\nmemory: RSS growth per element for one ${N}-element value (bytes); purged: both RSS readings after MEMORY PURGE (a full GC: the data without the load's garbage)`);
  console.table(
    Object.fromEntries(
      results.map((x) => [
        x.kind,
        Object.fromEntries(
          ["zset", "hash", "list"].filter(want).flatMap((t) => {
            const [v, p] = x.mem[t] ?? [];
            const cols = [[t, v == null ? "missing" : Math.round(v)]];
            if (redis && x !== redis) cols.push([`${t}/redis`, v == null ? "-" : f(v / redis.mem[t][0])]);
            cols.push([`${t} purged`, p == null ? "missing" : Math.round(p)]);
            if (redis && x !== redis) cols.push([`${t} purged/redis`, p == null ? "-" : f(p / redis.mem[t][1])]);
            return cols;
          }),
        ),
      ]),
    ),
  );

  console.log(`\nscaling: us per call at 1k vs ${BIG} (wall, pipelined depth 500 | server CPU); x = ${BIG}/1k ratio`);
  const rows = {};
  for (const x of results) {
    for (const [op, [[w1, c1], [w2, c2]]] of Object.entries(x.scale)) {
      rows[`${x.kind} ${op}`] = {
        "wall 1k": f(w1),
        [`wall ${BIG}`]: f(w2),
        "wall x": f(w2 / w1),
        "cpu 1k": f(c1),
        [`cpu ${BIG}`]: f(c2),
        "cpu x": f(c2 / c1),
        ...(redis && x !== redis ? { "cpu vs redis (big)": f(c2 / redis.scale[op][1][1]) } : {}),
      };
    }
}
console.table(rows);
}

// Live heap of the structures themselves (run with `node --expose-gc`): RSS above also holds the garbage of
// parsing the load and the heap headroom V8/JSC keep.
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
  l.quicklist = true; // a large list: packed chunks (a single listpack would rebuild its string per push)
  for (let i = 0; i < N; i++) l.pushBack(`member:${i}`);
  const lb = (heap() - h0) / N;
  console.log(`live heap per zset member ${zb.toFixed(0)} B, per list element ${lb.toFixed(0)} B (sizes ${z.size}, ${l.length})`);
}

if (TTL_KEYS > 0) {
  console.log(`\nexpiry: ${TTL_KEYS} keys due at one moment, PING after PING meanwhile (ms); aim: worst <= 25`);
  console.table(
    Object.fromEntries(
      results.map((x) => {
        const e = x.expiry;
        if (e == null) return [x.kind, { result: "-" }];
        if (e.late) return [x.kind, { result: `load took ${e.loadS.toFixed(1)} s, past the due time` }];
        return [x.kind, { "worst ping": f(e.worst, 1), "2nd worst": f(e.second, 1), "pings > 25": e.over, "p99 ping": f(e.p99, 2), pings: e.pings, "all gone after": e.clearMs == null ? "not within 60 s" : `${e.clearMs} ms`, "load s": f(e.loadS, 1) }];
      }),
    ),
  );
}
