#!/usr/bin/env node
// Soak: 50 clients of mixed load against one server for a while, reporting ops/s, errors, p50/p99 latency and
// the server's RSS every interval; after warm-up the RSS must stay flat (every sample within +-10 % of the
// post-warm-up median), else exit code 1. The keyspace is bounded (fixed key sets, trimmed lists and streams),
// so a growing RSS means a leak, not data.
//   clients: 10 strings, 6 hashes, 6 lists, 6 zsets, 5 streams (XADD MAXLEN, XRANGE, XREADGROUP + XACK),
//            2 publishers + 2 subscribers, 4 MULTI/EXEC, 4 Lua (EVALSHA), 3 BLPOP consumers + 2 producers
//
//   npm run build && npm run soak -- [--minutes 10] [--runtime node|bun] [--interval 10] [--warmup 0.2]
//
// Linux only (reads /proc/<pid>/status). Real clients: ioredis over TCP.

import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { freePort, options, rssBytes, serverCommand, sleep } from "./lib/bench-common.mjs";

const { opt } = options(import.meta.url, [1, 12]);
const MINUTES = Number(opt("minutes", 10));
const RUNTIME = opt("runtime", "node");
const INTERVAL = Number(opt("interval", 10)) * 1000;
const WARMUP = Number(opt("warmup", 0.2));

const port = await freePort();
const [cmd, args] = serverCommand(RUNTIME, port);
const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
for (let i = 0; i < 200; i++) {
  try {
    const r = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
    r.on("error", () => {});
    await r.connect();
    await r.ping();
    r.disconnect();
    break;
  } catch {
    await sleep(50);
  }
}

const rand = (n) => Math.floor(Math.random() * n);
const val = () => "v".repeat(1 + rand(200));
let ops = 0;
let errors = 0;
let lat = [];
const errorKinds = new Map();
let running = true;

function client() {
  const r = new Redis({ port, maxRetriesPerRequest: 2 });
  r.on("error", () => {});
  return r;
}

/** Run `op` in a loop on its own connection, timing each call. */
function worker(op, conn = client()) {
  return (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await op(conn);
        ops++;
      } catch (e) {
        errors++;
        const k = String(e?.message ?? e).slice(0, 60);
        errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
      }
      lat.push(performance.now() - t0);
    }
    conn.disconnect();
  })();
}

const LUA = "local v = redis.call('incr', KEYS[1]) redis.call('hset', KEYS[2], 'n', v) return v";
const workers = [];
for (let i = 0; i < 10; i++)
  workers.push(
    worker(async (r) => {
      const k = `s:${rand(1000)}`;
      const x = rand(4);
      if (x === 0) await r.set(k, val(), "EX", 60);
      else if (x === 1) await r.get(k);
      else if (x === 2) await r.incr(`n:${rand(100)}`);
      else await r.mget(`s:${rand(1000)}`, `s:${rand(1000)}`, `s:${rand(1000)}`);
    }),
  );
for (let i = 0; i < 6; i++)
  workers.push(
    worker(async (r) => {
      const k = `h:${rand(200)}`;
      const x = rand(3);
      if (x === 0) await r.hset(k, `f${rand(20)}`, val());
      else if (x === 1) await r.hgetall(k);
      else await r.hincrby(k, "count", 1);
    }),
  );
for (let i = 0; i < 6; i++)
  workers.push(
    worker(async (r) => {
      const k = `l:${rand(100)}`;
      const x = rand(3);
      if (x === 0) await r.pipeline().lpush(k, val()).ltrim(k, 0, 99).exec();
      else if (x === 1) await r.lrange(k, 0, 9);
      else await r.rpop(k);
    }),
  );
for (let i = 0; i < 6; i++)
  workers.push(
    worker(async (r) => {
      const k = `z:${rand(100)}`;
      const x = rand(4);
      if (x === 0) await r.zadd(k, rand(1000), `m${rand(200)}`);
      else if (x === 1) await r.zrange(k, 0, 9, "WITHSCORES");
      else if (x === 2) await r.zincrby(k, 1, `m${rand(200)}`);
      else await r.zremrangebyrank(k, 0, -151);
    }),
  );
const setupStreams = client();
for (let s = 0; s < 10; s++) await setupStreams.xgroup("CREATE", `x:${s}`, "g", "$", "MKSTREAM").catch(() => {});
setupStreams.disconnect();
for (let i = 0; i < 5; i++)
  workers.push(
    worker(async (r) => {
      const k = `x:${rand(10)}`;
      const x = rand(3);
      if (x === 0) await r.xadd(k, "MAXLEN", "~", "500", "*", "f", val());
      else if (x === 1) await r.xrange(k, "-", "+", "COUNT", 10);
      else {
        const got = await r.xreadgroup("GROUP", "g", `c${i}`, "COUNT", 5, "STREAMS", k, ">");
        const ids = got?.[0]?.[1]?.map((e) => e[0]) ?? [];
        if (ids.length) await r.xack(k, "g", ...ids);
      }
    }),
  );
let received = 0;
const subs = [];
for (let i = 0; i < 2; i++) {
  const s = client();
  await s.subscribe("soak:ch", "soak:other");
  s.on("message", () => received++);
  subs.push(s);
  workers.push(worker(async (r) => void (await r.publish(rand(2) ? "soak:ch" : "soak:other", val()))));
}
for (let i = 0; i < 4; i++)
  workers.push(
    worker(async (r) => {
      const k = `t:${rand(100)}`;
      const res = await r.multi().incr(k).expire(k, 60).get(k).exec();
      if (!res || res.some(([e]) => e)) throw new Error("EXEC failed");
    }),
  );
for (let i = 0; i < 4; i++) {
  const r = client();
  r.defineCommand("soakScript", { numberOfKeys: 2, lua: LUA });
  workers.push(worker(async (c) => void (await c.soakScript(`lua:${rand(100)}`, `luah:${rand(100)}`)), r));
}
for (let i = 0; i < 3; i++) workers.push(worker(async (r) => void (await r.blpop(`q:${rand(4)}`, 1))));
for (let i = 0; i < 2; i++)
  workers.push(
    worker(async (r) => {
      await r.lpush(`q:${rand(4)}`, val());
      await r.ltrim(`q:${rand(4)}`, 0, 999);
    }),
  );
console.log(`soak: ${workers.length + subs.length} clients on ${RUNTIME} (port ${port}) for ${MINUTES} min`);
console.log("  time   ops/s  errors  p50 ms  p99 ms  RSS MB  messages");

const series = [];
const t0 = Date.now();
const end = t0 + MINUTES * 60_000;
let lastOps = 0;
let lastErr = 0;
while (Date.now() < end && proc.exitCode === null) {
  await sleep(Math.min(INTERVAL, end - Date.now()));
  const now = Date.now();
  const sample = lat;
  lat = [];
  sample.sort((a, b) => a - b);
  const p = (q) => (sample.length ? sample[Math.min(sample.length - 1, Math.floor(q * sample.length))] : 0);
  const rss = proc.exitCode === null ? rssBytes(proc.pid) : NaN;
  const row = { t: (now - t0) / 1000, ops: ops - lastOps, opsPerSec: ((ops - lastOps) * 1000) / INTERVAL, errors: errors - lastErr, p50: p(0.5), p99: p(0.99), rss };
  lastOps = ops;
  lastErr = errors;
  series.push(row);
  console.log(
    `${row.t.toFixed(0).padStart(6)}  ${row.opsPerSec.toFixed(0).padStart(6)}  ${String(row.errors).padStart(6)}  ${row.p50.toFixed(2).padStart(6)}  ${row.p99.toFixed(2).padStart(6)}  ${(rss / 1048576).toFixed(0).padStart(6)}  ${received}`,
  );
}
running = false;
const crashed = proc.exitCode !== null;
await Promise.race([Promise.all(workers), sleep(3000)]);
for (const s of subs) s.disconnect();
proc.kill("SIGTERM");

const after = series.slice(Math.floor(series.length * WARMUP));
const rss = after.map((r) => r.rss).sort((a, b) => a - b);
const median = rss[Math.floor(rss.length / 2)] ?? NaN;
const worst = Math.max(...rss.map((r) => Math.abs(r - median) / median));
const flat = rss.length > 0 && worst <= 0.1;
console.log(`\ntotal ops ${ops}, errors ${errors}, messages received ${received}, crashed ${crashed}`);
if (errorKinds.size) console.log("errors by kind:", Object.fromEntries(errorKinds));
console.log(
  `RSS after warm-up (${after.length} samples): median ${(median / 1048576).toFixed(0)} MB, min ${(rss[0] / 1048576).toFixed(0)}, max ${(rss[rss.length - 1] / 1048576).toFixed(0)}, worst deviation ${(worst * 100).toFixed(1)} % -> ${flat ? "flat" : "NOT flat"}`,
);
process.exit(flat && !crashed ? 0 : 1);
