#!/usr/bin/env node
// Big replies and bulk keyspace commands, ours against redis-server (or valkey-server) in one run: the time from
// sending one command to the last byte of its reply (a PING sent behind it marks the end, no client parses the
// reply), the first call and the best of the rest, and whether the hot path is as fast after them as before.
//
//   npm run build && node scripts/bench-bulk.mjs [--runtimes node,bun] [--n 500000] [--keys 1000000]
//        [--repeat 3] [--redis-server PATH] [--base DIR]
//
// Data: a hash, set, list and sorted set of --n elements, a stream of --n / 2.5 entries, --keys string keys.
// Commands: HGETALL, HKEYS, SMEMBERS, LRANGE 0 -1, ZRANGE 0 -1 WITHSCORES, ZRANGEBYSCORE -inf +inf, XRANGE - +, XREAD,
// KEYS *, KEYS with a prefix, SCAN 0 COUNT <keys>, MGET of 100k keys. Last, "after big replies": redis-benchmark
// LRANGE_100 pipelined (-P 16) before the big commands and after them, as requests per second, when
// redis-benchmark is installed (in the thirteenth round, Node's reply writer ran 5-10x slower after one reply
// over 1 MB; see docs/performance.md). Timings are milliseconds of wall time on a shared machine: compare
// targets within one run.
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { resolve } from "node:path";
import { connectWhenUp, freePort, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";

const { opt } = options(import.meta.url, [1, 16]);
const N = Number(opt("n", 500000));
const KEYS = Number(opt("keys", 1000000));
const REPEAT = Number(opt("repeat", 3));
const base = opt("base", null);
const redisServer = opt("redis-server", which("redis-server") ?? "");
const targets = [...opt("runtimes", "node,bun").split(","), ...(base ? opt("runtimes", "node,bun").split(",").map((r) => `${r}-base`) : [])];
if (redisServer) targets.push("redis");

const enc = (a) => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join("");

/** ms from writing `cmd` to the last byte of its reply, and the reply's size. */
function lastByte(port, cmd) {
  return new Promise((done, fail) => {
    const s = net.connect(port, "127.0.0.1");
    let bytes = 0;
    let t0 = 0;
    let tail = "";
    s.on("error", fail);
    s.on("connect", () => {
      t0 = performance.now();
      s.write(cmd + "*1\r\n$4\r\nPING\r\n");
    });
    s.on("data", (d) => {
      bytes += d.length;
      tail = (tail + d.toString("latin1", Math.max(0, d.length - 16))).slice(-16);
      if (tail.endsWith("+PONG\r\n")) {
        s.destroy();
        done([performance.now() - t0, bytes - 7]);
      }
    });
  });
}

async function fill(r) {
  for (let i = 0; i < N; i += 10000) {
    const p = r.pipeline();
    const h = [];
    const s = [];
    const z = [];
    for (let j = 0; j < 10000 && i + j < N; j++) {
      const k = i + j;
      h.push(`field:${k}`, `value:${k}`);
      s.push(`member:${k}`);
      z.push(k * 1.5, `member:${k}`);
    }
    p.hset("b:h", ...h).sadd("b:s", ...s).rpush("b:l", ...s).zadd("b:z", ...z);
    await p.exec();
  }
  for (let i = 0; i < N / 2.5; i += 1000) {
    const p = r.pipeline();
    for (let j = 0; j < 1000; j++) p.xadd("b:x", "*", "name", `job${i + j}`, "event", "completed");
    await p.exec();
  }
  for (let i = 0; i < KEYS; i += 10000) {
    const a = [];
    for (let j = 0; j < 10000 && i + j < KEYS; j++) a.push(`key:${i + j}`, "v");
    await r.mset(...a);
  }
}

const mget = ["MGET"];
for (let i = 0; i < Math.min(100000, KEYS); i++) mget.push(`key:${i}`);
const COMMANDS = [
  ["HGETALL", ["HGETALL", "b:h"]],
  ["HKEYS", ["HKEYS", "b:h"]],
  ["SMEMBERS", ["SMEMBERS", "b:s"]],
  ["LRANGE 0 -1", ["LRANGE", "b:l", "0", "-1"]],
  ["ZRANGE WITHSCORES", ["ZRANGE", "b:z", "0", "-1", "WITHSCORES"]],
  ["ZRANGEBYSCORE", ["ZRANGEBYSCORE", "b:z", "-inf", "+inf"]],
  ["XRANGE - +", ["XRANGE", "b:x", "-", "+"]],
  ["XREAD STREAMS 0", ["XREAD", "STREAMS", "b:x", "0"]],
  ["KEYS *", ["KEYS", "*"]],
  ["KEYS key:1234*", ["KEYS", "key:1234*"]],
  [`SCAN COUNT ${KEYS}`, ["SCAN", "0", "COUNT", String(KEYS)]],
  [`MGET ${mget.length - 1}`, mget],
];

function lrange100(port) {
  if (!which("redis-benchmark")) return null;
  const out = spawnSync("redis-benchmark", ["-p", String(port), "-c", "20", "-P", "16", "-n", "200000", "-q", "-t", "lrange_100"], { encoding: "utf8" }).stdout;
  const m = /LRANGE_100[^:]*: ([\d.]+) requests per second/.exec(out.replace(/.*\r/g, ""));
  return m ? Math.round(Number(m[1]) / 1000) : null;
}

const results = {};
for (const t of targets) {
  const port = await freePort();
  const [cmd, args] = serverCommand(t, port, [], redisServer || "redis-server", base ? resolve(base) : null);
  const proc = spawn(cmd, args, { stdio: "ignore" });
  try {
    const r = await connectWhenUp(port);
    const before = lrange100(port);
    await fill(r);
    const row = {};
    for (const [name, argv] of COMMANDS) {
      const times = [];
      for (let k = 0; k < REPEAT; k++) times.push((await lastByte(port, enc(argv)))[0]);
      row[name] = `${times[0].toFixed(0)} / ${Math.min(...times.slice(1).concat(times[0])).toFixed(0)}`;
    }
    const after = lrange100(port);
    if (before !== null) row["LRANGE_100 k req/s, before / after"] = `${before} / ${after}`;
    results[t] = row;
    r.disconnect();
  } finally {
    proc.kill();
    await sleep(300);
  }
}
console.log(`bench-bulk: n=${N} keys=${KEYS} repeat=${REPEAT}; ms to the last byte, first call / best of the rest`);
console.table(results);
