#!/usr/bin/env node
// Feature benchmarks with ioredis clients: valkey-bun on Node (dist/) and on Bun (src/) against a local
// redis-server, in the same run, with ratios ours / redis. Bounded (about a minute with the defaults).
//
//   npm run bench:features [-- --runtimes node,bun --no-redis --no-build --no-warmup --scale 1 --tests pubsub,stream,blpop,evalsha
//                          --base DIR  (then node-base / bun-base may be listed in --runtimes)]
//
//   pubsub   PUBLISH (pipelined) to 1 and to 100 subscribers: deliveries/s, server CPU per delivered message
//   stream   XADD (pipelined) and XREADGROUP COUNT 100 '>' + XACK: entries/s, server CPU per entry
//   blpop    BLPOP/LPUSH ping-pong between two clients: median and p99 round trip in microseconds
//   evalsha  EVALSHA of INCR+GET (pipelined): calls/s, server CPU per call
//
// Server CPU is utime+stime from /proc/<pid>/stat around each run (10 ms ticks). Throughput ratio > 1 is
// faster than redis; CPU and latency ratios > 1 cost more than redis. Only comparable within one run.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { ROOT, cpuSeconds, freePort, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";

const { opt, flag } = options(import.meta.url, [1, 14]);
const SCALE = Number(opt("scale", "1"));
const RUNTIMES = opt("runtimes", "node,bun").split(",").filter(Boolean);
const TESTS = new Set(opt("tests", "pubsub,stream,blpop,evalsha").split(",").filter(Boolean));
const n = (x) => Math.max(1, Math.round(x * SCALE));
const PUB1_MSGS = n(50000);
const PUB100_MSGS = n(1000); // x100 subscribers = 100k deliveries
const SUBSCRIBERS = 100;
const XADD_ENTRIES = n(50000);
const PINGPONG = n(5000);
const EVALSHA_CALLS = n(10000);
const WARMUP = !flag("no-warmup");
const BATCH = 1000; // pipeline depth per exec()
const STEP_TIMEOUT_MS = 30000;
const REDIS_SERVER = flag("no-redis") ? null : which("redis-server");

// ---------------------------------------------------------------------------------------------------------
// processes

const spawned = new Set();

function killAll() {
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

// --base DIR: node-base / bun-base in --runtimes run another checkout's server (a before/after in one run)
const BASE = opt("base", "");
const targetCommand = (kind, port) => serverCommand(kind, port, [], REDIS_SERVER, BASE || null);

async function startTarget(kind) {
  const port = await freePort();
  const [cmd, args] = targetCommand(kind, port);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  spawned.add(proc);
  let err = "";
  proc.stderr.on("data", (d) => (err = (err + d).slice(-2000)));
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode}: ${err}`);
    const c = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on("error", () => {});
    const ok = await c.connect().then(() => c.ping()).then((r) => r === "PONG", () => false);
    c.disconnect();
    if (ok) break;
    if (Date.now() - t0 > 20000) throw new Error(`${kind} did not answer PING: ${err}`);
    await sleep(50);
  }
  return { kind, port, proc, pid: proc.pid };
}

async function stopTarget(t) {
  if (t.proc.exitCode !== null || t.proc.signalCode !== null) return;
  const done = new Promise((r) => t.proc.once("exit", r));
  t.proc.kill("SIGTERM");
  await Promise.race([done, sleep(3000)]);
  if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill("SIGKILL");
}

// ---------------------------------------------------------------------------------------------------------
// measurements

const clients = new Set();
function client(t) {
  const c = new Redis({ port: t.port, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: true });
  c.on("error", () => {});
  clients.add(c);
  return c;
}
function closeClients() {
  for (const c of clients) c.disconnect();
  clients.clear();
}

function withTimeout(p, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out`)), STEP_TIMEOUT_MS))),
  ]);
}

/** Runs fn, returns { seconds, cpu } (server CPU seconds). */
async function measure(t, fn, what) {
  const cpu0 = cpuSeconds(t.pid);
  const t0 = performance.now();
  await withTimeout(fn(), what);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpu: cpuSeconds(t.pid) - cpu0 };
}

/** Send `count` commands built by make(pipeline, i) in pipelined batches; throws on the first error reply. */
async function pipelined(c, count, make) {
  for (let i = 0; i < count; i += BATCH) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(count, i + BATCH); j++) make(p, j);
    const res = await p.exec();
    for (const [err] of res) if (err) throw err;
  }
}

async function pubsub(t, subs, msgs) {
  const pub = client(t);
  const subscribers = Array.from({ length: subs }, () => client(t));
  const expected = subs * msgs;
  let got = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  await Promise.all(subscribers.map((s) => s.subscribe("bench:ch")));
  for (const s of subscribers)
    s.on("messageBuffer", () => {
      if (++got === expected) resolveAll();
    });
  const payload = Buffer.alloc(32, "x");
  const r = await measure(
    t,
    async () => {
      await pipelined(pub, msgs, (p) => p.publish("bench:ch", payload));
      await all;
    },
    `pubsub x${subs}`,
  );
  closeClients();
  return { rate: expected / r.seconds, cpuUs: (r.cpu / expected) * 1e6 };
}

async function stream(t, entries = XADD_ENTRIES) {
  const c = client(t);
  await c.del("bench:s");
  const add = await measure(t, () => pipelined(c, entries, (p, i) => p.xadd("bench:s", "*", "f", String(i), "g", "payload")), "xadd");
  await c.xgroup("CREATE", "bench:s", "g", "0");
  let read = 0;
  const rg = await measure(
    t,
    async () => {
      for (;;) {
        const res = await c.xreadgroup("GROUP", "g", "c1", "COUNT", 100, "STREAMS", "bench:s", ">");
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length === 0) break;
        read += entries.length;
        await c.xack("bench:s", "g", ...entries.map((e) => e[0]));
      }
    },
    "xreadgroup",
  );
  if (read !== entries) throw new Error(`xreadgroup read ${read} of ${entries}`);
  const pending = await c.xpending("bench:s", "g");
  if (Number(pending[0]) !== 0) throw new Error(`xack left ${pending[0]} pending`);
  await c.del("bench:s");
  closeClients();
  return {
    xaddRate: entries / add.seconds,
    xaddCpuUs: (add.cpu / entries) * 1e6,
    xrgRate: read / rg.seconds,
    xrgCpuUs: (rg.cpu / read) * 1e6,
  };
}

async function blpop(t, trips = PINGPONG) {
  const a = client(t);
  const b = client(t);
  await a.del("bench:q1", "bench:q2");
  const warm = Math.min(200, trips);
  const total = warm + trips;
  const echo = (async () => {
    for (let i = 0; i < total; i++) {
      const r = await a.blpop("bench:q1", 0);
      await a.lpush("bench:q2", r[1]);
    }
  })();
  echo.catch(() => {});
  const rtts = [];
  await withTimeout(
    (async () => {
      for (let i = 0; i < total; i++) {
        const t0 = process.hrtime.bigint();
        await b.lpush("bench:q1", "x");
        await b.blpop("bench:q2", 0);
        if (i >= warm) rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      await echo;
    })(),
    "blpop ping-pong",
  );
  closeClients();
  rtts.sort((x, y) => x - y);
  return { p50: rtts[Math.floor(rtts.length * 0.5)], p99: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] };
}

async function evalsha(t, calls = EVALSHA_CALLS) {
  const c = client(t);
  await c.del("bench:k");
  const sha = await c.script("LOAD", "redis.call('INCR', KEYS[1]); return redis.call('GET', KEYS[1])");
  const r = await measure(t, () => pipelined(c, calls, (p) => p.evalsha(sha, 1, "bench:k")), "evalsha");
  const v = await c.get("bench:k");
  if (Number(v) !== calls) throw new Error(`evalsha: counter is ${v}, expected ${calls}`);
  await c.del("bench:k");
  closeClients();
  return { rate: calls / r.seconds, cpuUs: (r.cpu / calls) * 1e6 };
}

// ---------------------------------------------------------------------------------------------------------
// main

/** metric rows: [label, key, unit, higherIsBetter] */
const METRICS = [
  ["PUBLISH 1 sub      deliveries/s", "pub1.rate", "/s", true],
  ["PUBLISH 1 sub      CPU/delivery", "pub1.cpuUs", "us", false],
  [`PUBLISH ${SUBSCRIBERS} subs   deliveries/s`, "pub100.rate", "/s", true],
  [`PUBLISH ${SUBSCRIBERS} subs   CPU/delivery`, "pub100.cpuUs", "us", false],
  ["XADD               entries/s", "stream.xaddRate", "/s", true],
  ["XADD               CPU/entry", "stream.xaddCpuUs", "us", false],
  ["XREADGROUP+XACK    entries/s", "stream.xrgRate", "/s", true],
  ["XREADGROUP+XACK    CPU/entry", "stream.xrgCpuUs", "us", false],
  ["BLPOP ping-pong    median RTT", "blpop.p50", "us", false],
  ["BLPOP ping-pong    p99 RTT", "blpop.p99", "us", false],
  ["EVALSHA            calls/s", "evalsha.rate", "/s", true],
  ["EVALSHA            CPU/call", "evalsha.cpuUs", "us", false],
];

const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
const fmt = (v, unit) => {
  if (v == null || Number.isNaN(v)) return "-";
  if (unit === "/s") return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
};

async function runTarget(kind, errors) {
  const res = {};
  let t;
  try {
    t = await startTarget(kind);
    // a short unmeasured pass first, so the JIT (and the Lua engine) are warm for the measured one
    const step = async (name, fn) => {
      try {
        if (WARMUP) await fn(0.1);
        res[name] = await fn(1);
      } catch (e) {
        errors.push(`${kind} ${name}: ${e.message}`);
        closeClients();
      }
    };
    if (TESTS.has("pubsub")) {
      await step("pub1", (f) => pubsub(t, 1, Math.ceil(PUB1_MSGS * f)));
      await step("pub100", (f) => pubsub(t, SUBSCRIBERS, Math.ceil(PUB100_MSGS * f)));
    }
    if (TESTS.has("stream")) await step("stream", (f) => stream(t, Math.ceil(XADD_ENTRIES * f)));
    if (TESTS.has("blpop")) await step("blpop", (f) => blpop(t, Math.ceil(PINGPONG * f)));
    if (TESTS.has("evalsha")) await step("evalsha", (f) => evalsha(t, Math.ceil(EVALSHA_CALLS * f)));
  } catch (e) {
    errors.push(`${kind}: ${e.message}`);
  } finally {
    closeClients();
    if (t) await stopTarget(t);
  }
  return res;
}

async function main() {
  if (RUNTIMES.includes("node") && !flag("no-build")) {
    const b = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    if (b.status !== 0) throw new Error("npm run build failed");
  }
  const kinds = [...RUNTIMES, ...(REDIS_SERVER ? ["redis"] : [])];
  const errors = [];
  const results = {};
  const started = Date.now();
  for (const kind of kinds) results[kind] = await runTarget(kind, errors);

  const ours = RUNTIMES;
  const head = ["metric".padEnd(32), ...kinds.map((k) => k.padStart(9)), ...(REDIS_SERVER ? ours.map((k) => `${k}/redis`.padStart(11)) : [])];
  const lines = [head.join(" ")];
  for (const [label, key, unit] of METRICS) {
    if (kinds.every((k) => get(results[k], key) == null)) continue;
    const row = [`${label} (${unit})`.padEnd(32), ...kinds.map((k) => fmt(get(results[k], key), unit).padStart(9))];
    if (REDIS_SERVER) {
      const base = get(results.redis, key);
      for (const k of ours) {
        const v = get(results[k], key);
        row.push((v != null && base ? (v / base).toFixed(2) : "-").padStart(11));
      }
    }
    lines.push(row.join(" "));
  }
  console.log(lines.join("\n"));
  console.log(
    `(${((Date.now() - started) / 1000).toFixed(0)} s; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; ` +
      `ratios ours/redis: throughput > 1 faster, CPU/latency > 1 costlier)`,
  );
  if (!REDIS_SERVER && !flag("no-redis")) console.log("redis-server not found: no baseline");
  for (const e of errors) console.error(`error: ${e}`);
  return errors.length ? 1 : 0;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (e) => {
    console.error(`bench-features: ${e.stack ?? e}`);
    killAll();
    process.exit(1);
  },
);
