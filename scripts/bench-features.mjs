#!/usr/bin/env node
// Feature benchmarks with ioredis clients: valkey-bun on Node (dist/) and on Bun (dist/bun/, or src/ unbuilt)
// against a local redis-server, in the same run, with ratios ours / redis. Bounded (a minute or two with the
// defaults).
//
//   npm run bench:features [-- --runtimes node,bun --no-redis --no-build --warmup 1 | --no-warmup --scale 1
//                              --repeat 1 --base DIR --tests pubsub,stream,blpop,evalsha,evalsha10,bullmq,evalerr,connect]
//
//   pubsub   PUBLISH (pipelined) to 1 and to 100 subscribers: deliveries/s, server CPU per delivered message
//   stream   XADD (pipelined) and XREADGROUP COUNT 100 '>' + XACK: entries/s, server CPU per entry
//   blpop    BLPOP/LPUSH ping-pong between two clients: median and p99 round trip in microseconds
//   evalsha  EVALSHA of INCR+GET (pipelined): calls/s, server CPU per call
//   evalsha10  EVALSHA of a BullMQ-like script making 10 redis.calls (pipelined): calls/s, server CPU per call
//   evalerr  EVALSHA of a script whose redis.call fails, so it raises an error (pipelined; not run unless named)
//   connect  a whole ioredis connection, 10 at a time: connect, the ready check (ioredis sends CLIENT SETINFO twice
//            and INFO), PING, QUIT; connections/s and server CPU per connection (what a test suite that makes a
//            client per test, or BullMQ's several per queue, pays). Not run unless named.
//   bullmq   a real BullMQ queue: addBulk of no-op jobs, one Worker (concurrency 50) takes and completes them all:
//            jobs/s end to end, server CPU per job (its Lua scripts, BZPOPMIN, the events stream)
//
// --base DIR adds node-base / bun-base: the server of another (built) checkout, for a before/after in one run.
// --repeat N runs every server N times, interleaved, and prints the median of each metric.
// --warmup F runs each test unmeasured first, F times its size (default 1), on the same server: JIT warm-up.
// Server CPU is utime+stime from /proc/<pid>/stat around each run (10 ms ticks). Throughput ratio > 1 is
// faster than redis; CPU and latency ratios > 1 cost more than redis. Only comparable within one run.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { ROOT, cpuSeconds, freePort, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";

const { opt, flag } = options(import.meta.url, [1, 22]);
const SCALE = Number(opt("scale", "1"));
const RUNTIMES = opt("runtimes", "node,bun").split(",").filter(Boolean);
const TESTS = new Set(opt("tests", "pubsub,stream,blpop,evalsha,evalsha10,bullmq").split(",").filter(Boolean));
const BASE = opt("base", null);
const REPEAT = Math.max(1, Number(opt("repeat", "1")));
const n = (x) => Math.max(1, Math.round(x * SCALE));
const PUB1_MSGS = n(50000);
const PUB100_MSGS = n(1000); // x100 subscribers = 100k deliveries
const SUBSCRIBERS = 100;
const XADD_ENTRIES = n(50000);
const PINGPONG = n(5000);
const EVALSHA_CALLS = n(10000);
const BULLMQ_JOBS = n(5000);
const CONNECTIONS = n(2000);
/** The unmeasured pass before each measured one, as a fraction of its size (--warmup F, default 1; --no-warmup: 0). */
const WARMUP = flag("no-warmup") ? 0 : Number(opt("warmup", "1"));
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

const targetCommand = (kind, port) => serverCommand(kind, port, [], REDIS_SERVER, BASE);

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
/** `count` commands in pipelines of BATCH; each reply must be an error when `errors`, and none otherwise. */
async function pipelined(c, count, make, errors = false) {
  for (let i = 0; i < count; i += BATCH) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(count, i + BATCH); j++) make(p, j);
    const res = await p.exec();
    for (const [err] of res) if (!err !== !errors) throw err ?? new Error("expected an error reply");
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
  // The subscribers' connection setup (ioredis sends HELLO, CLIENT SETINFO and INFO on each) leaves a JIT tier-up of
  // that path queued on Bun's JITWorker thread: without a pause its compiling lands in the window below, 70 ms in one
  // run of 100 subscribers, which is not a cost of delivering messages.
  await sleep(300);
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

async function connections(t, count = CONNECTIONS) {
  const AT_ONCE = 10;
  const one = async () => {
    const c = new Redis({ port: t.port, host: "127.0.0.1", maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on("error", () => {});
    if ((await c.ping()) !== "PONG") throw new Error("connect: no PONG");
    await c.quit();
  };
  const r = await measure(
    t,
    async () => {
      for (let i = 0; i < count; i += AT_ONCE) await Promise.all(Array.from({ length: Math.min(AT_ONCE, count - i) }, one));
    },
    "connect",
  );
  return { rate: count / r.seconds, cpuUs: (r.cpu / count) * 1e6 };
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

// A script whose redis.call fails (WRONGTYPE), so the script raises: what an error costs.
async function evalerr(t, calls = EVALSHA_CALLS) {
  const c = client(t);
  await c.set("bench:s", "x");
  const sha = await c.script("LOAD", "redis.call('INCR', KEYS[2]) return redis.call('LPUSH', KEYS[1], 'v')");
  await c.del("bench:n");
  const r = await measure(t, () => pipelined(c, calls, (p) => p.evalsha(sha, 2, "bench:s", "bench:n"), true), "evalerr");
  const v = await c.get("bench:n");
  if (Number(v) !== calls) throw new Error(`evalerr: counter is ${v}, expected ${calls}`);
  await c.del("bench:s", "bench:n");
  closeClients();
  return { rate: calls / r.seconds, cpuUs: (r.cpu / calls) * 1e6 };
}

// A BullMQ-like job step: reads and writes across a hash, a list, a sorted set and counters (10 redis.calls).
const TEN_CALLS = `
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'id', id, 'data', ARGV[1])
local data = redis.call('HGET', KEYS[2], 'data')
redis.call('LPUSH', KEYS[3], id)
local n = redis.call('LLEN', KEYS[3])
if n > 100 then redis.call('RPOP', KEYS[3]) else redis.call('EXISTS', KEYS[3]) end
redis.call('ZADD', KEYS[4], id, id)
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -101)
local c = redis.call('ZCARD', KEYS[4])
redis.call('HINCRBY', KEYS[2], 'seen', 1)
return {id, c, data}`;

async function evalsha10(t, calls = EVALSHA_CALLS) {
  const c = client(t);
  const keys = ["bench:id", "bench:h", "bench:l", "bench:z"];
  await c.del(...keys);
  const sha = await c.script("LOAD", TEN_CALLS);
  const r = await measure(t, () => pipelined(c, calls, (p) => p.evalsha(sha, 4, ...keys, "payload")), "evalsha10");
  const v = await c.get("bench:id");
  if (Number(v) !== calls) throw new Error(`evalsha10: counter is ${v}, expected ${calls}`);
  await c.del(...keys);
  closeClients();
  return { rate: calls / r.seconds, cpuUs: (r.cpu / calls) * 1e6 };
}

async function bullmq(t, jobs = BULLMQ_JOBS) {
  const { Queue, Worker } = await import("bullmq");
  const connection = { host: "127.0.0.1", port: t.port, maxRetriesPerRequest: null };
  const name = `bench${Date.now()}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const worker = new Worker(name, async () => null, { connection, concurrency: 50, autorun: false });
  worker.on("completed", () => {
    if (++done === jobs) resolveAll();
  });
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    const r = await measure(
      t,
      async () => {
        for (let i = 0; i < jobs; i += 500) {
          const batch = [];
          for (let j = i; j < Math.min(jobs, i + 500); j++) batch.push({ name: "j", data: { i: j }, opts: { removeOnComplete: true } });
          await queue.addBulk(batch);
        }
        void worker.run();
        await all;
      },
      "bullmq",
    );
    return { rate: jobs / r.seconds, cpuUs: (r.cpu / jobs) * 1e6 };
  } finally {
    await worker.close(true).catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close().catch(() => {});
  }
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
  ["EVALSHA 10 calls   calls/s", "evalsha10.rate", "/s", true],
  ["EVALSHA 10 calls   CPU/call", "evalsha10.cpuUs", "us", false],
  ["EVALSHA that fails calls/s", "evalerr.rate", "/s", true],
  ["EVALSHA that fails CPU/call", "evalerr.cpuUs", "us", false],
  ["connect (ioredis)  conns/s", "connect.rate", "/s", true],
  ["connect (ioredis)  CPU/conn", "connect.cpuUs", "us", false],
  ["BullMQ add+process jobs/s", "bullmq.rate", "/s", true],
  ["BullMQ add+process CPU/job", "bullmq.cpuUs", "us", false],
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
    // an unmeasured pass first, so the JIT (and the Lua engine) are warm for the measured one: a fresh Bun server
    // compiles its hot path on a JIT thread for its first few hundred thousand commands (~0.5 s of CPU), which a
    // short warm-up (this was 0.1 of the run until the ninth round) leaves inside the measured run
    const step = async (name, fn, warmFloor = 0) => {
      try {
        if (WARMUP > 0) await fn(Math.max(WARMUP, warmFloor));
        res[name] = await fn(1);
      } catch (e) {
        errors.push(`${kind} ${name}: ${e.message}`);
        closeClients();
      }
    };
    if (TESTS.has("pubsub")) {
      await step("pub1", (f) => pubsub(t, 1, Math.ceil(PUB1_MSGS * f)));
      // at least 20k publishes first: with 1000 (the measured run's size at --scale 1), Bun compiled publish() in its
      // top tier during the measured run (~160 ms of JIT, more than the run's own work at --scale 5)
      await step("pub100", (f) => pubsub(t, SUBSCRIBERS, Math.ceil(PUB100_MSGS * f)), 20000 / PUB100_MSGS);
    }
    if (TESTS.has("stream")) await step("stream", (f) => stream(t, Math.ceil(XADD_ENTRIES * f)));
    if (TESTS.has("blpop")) await step("blpop", (f) => blpop(t, Math.ceil(PINGPONG * f)));
    if (TESTS.has("evalsha")) await step("evalsha", (f) => evalsha(t, Math.ceil(EVALSHA_CALLS * f)));
    if (TESTS.has("evalsha10")) await step("evalsha10", (f) => evalsha10(t, Math.ceil(EVALSHA_CALLS * f)));
    if (TESTS.has("evalerr")) await step("evalerr", (f) => evalerr(t, Math.ceil((EVALSHA_CALLS / 5) * f)));
    if (TESTS.has("connect")) await step("connect", (f) => connections(t, Math.ceil(CONNECTIONS * f)));
    if (TESTS.has("bullmq")) await step("bullmq", (f) => bullmq(t, Math.ceil(BULLMQ_JOBS * f)));
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
  const kinds = [...RUNTIMES, ...(BASE ? RUNTIMES.map((r) => `${r}-base`) : []), ...(REDIS_SERVER ? ["redis"] : [])];
  const errors = [];
  const runs = Object.fromEntries(kinds.map((k) => [k, []]));
  const started = Date.now();
  for (let i = 0; i < REPEAT; i++) for (const kind of kinds) runs[kind].push(await runTarget(kind, errors));
  const results = {};
  for (const kind of kinds) {
    results[kind] = {};
    for (const [, key] of METRICS) {
      const vs = runs[kind].map((r) => get(r, key)).filter((v) => v != null).sort((a, b) => a - b);
      if (vs.length === 0) continue;
      const [test, field] = key.split(".");
      (results[kind][test] ??= {})[field] = vs[Math.floor((vs.length - 1) / 2)];
    }
  }

  const ours = kinds.filter((k) => k !== "redis");
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
