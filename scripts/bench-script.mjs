#!/usr/bin/env node
// Server CPU per EVALSHA of one script, valkey-bun on Node and Bun beside redis-server, with each server pinned to
// one core and redis-benchmark to another (taskset), so that the client's load does not move the server's reading:
// on this 2-core VM, bench:features (ioredis, unpinned) read one Bun build anywhere from 69 to 103 µs per call.
//
//   node scripts/bench-script.mjs [--script "<lua>"] [--n 100000] [--repeat 3] [--runtimes node,bun] [--base DIR]
//                                 [--no-redis]
//
// The script gets one key (key:__rand_int__) and runs `-c 50 -P 16` deep, after 5000 untimed calls. Every target is
// measured --repeat times, interleaved; prints each reading, the median and its ratio to redis-server, and how the
// last run's CPU split between the main thread and the runtime's helper threads (JIT compilers, the collector's,
// Bun's JSCWarmUp and mimalloc scavenger), which a main-thread profile does not show. Linux only (reads /proc;
// without taskset or with one CPU it runs unpinned and says so). Numbers compare within one run.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { ask, cpuSeconds, freePort, options, serverCommand, sleep, statCpu, which } from "./lib/bench-common.mjs";

const { opt, flag } = options(import.meta.url, [1, 13]);
const SCRIPT = opt("script", "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])");
const N = Number(opt("n", "100000"));
const REPEAT = Math.max(1, Number(opt("repeat", "3")));
const BASE = opt("base", null);
const BENCH = which("redis-benchmark");
const REDIS = flag("no-redis") ? null : which("redis-server");
if (!BENCH) {
  console.error("bench-script: redis-benchmark is not installed (Debian/Ubuntu: apt-get install redis-tools)");
  process.exit(1);
}
const PIN = which("taskset") !== null && os.cpus().length >= 2;
const pinned = (core, cmd, args) => (PIN ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args]);

const kinds = opt("runtimes", "node,bun").split(",").filter(Boolean).flatMap((r) => (BASE ? [r, `${r}-base`] : [r]));
if (REDIS) kinds.push("redis");

/** CPU seconds of each thread of `pid`: tid -> [name, seconds]. */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")));
    } catch {} // a thread that ended meanwhile
  }
  return out;
}

/** The last run's split per target: "main 19.0, JITWorker 1.7, ..." in µs per call. */
const split = {};

/** µs of server CPU (all threads) per EVALSHA of SCRIPT on a fresh server of `kind`. */
async function once(kind) {
  const port = await freePort();
  const [cmd, args] = serverCommand(kind, port, ["--loglevel", "warning"], REDIS ?? "redis-server", BASE);
  const [pcmd, pargs] = pinned(1, cmd, args);
  const proc = spawn(pcmd, pargs, { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
  try {
    for (let i = 0; (await ask(port, "PING\r\n").catch(() => "")) !== "+PONG\r\n"; i++) {
      if (i > 200) throw new Error(`${kind} did not start`);
      await sleep(50);
    }
    const load = await ask(port, `*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$${Buffer.byteLength(SCRIPT)}\r\n${SCRIPT}\r\n`);
    const sha = /^\$40\r\n([0-9a-f]{40})\r\n$/.exec(load)?.[1];
    if (!sha) throw new Error(`${kind}: SCRIPT LOAD replied ${JSON.stringify(load)}`);
    const run = (n) => {
      const [bcmd, bargs] = pinned(0, BENCH, ["-p", String(port), "-q", "-n", String(n), "-c", "50", "-P", "16", "EVALSHA", sha, "1", "key:__rand_int__"]);
      const r = spawnSync(bcmd, bargs, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${kind}: redis-benchmark failed: ${r.stderr}`);
    };
    run(5000);
    const cpu0 = cpuSeconds(proc.pid);
    const t0 = threadCpu(proc.pid);
    run(N);
    const t1 = threadCpu(proc.pid);
    const byName = new Map();
    for (const [tid, [name, sec]] of t1) {
      const key = tid === String(proc.pid) ? "main" : name;
      byName.set(key, (byName.get(key) ?? 0) + sec - (t0.get(tid)?.[1] ?? 0));
    }
    split[kind] = [...byName].filter(([, sec]) => sec > 0).sort((a, b) => b[1] - a[1]).map(([n, sec]) => `${n} ${((sec / N) * 1e6).toFixed(2)}`).join(", ");
    return ((cpuSeconds(proc.pid) - cpu0) / N) * 1e6;
  } finally {
    proc.kill("SIGKILL");
    if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const readings = Object.fromEntries(kinds.map((k) => [k, []]));
console.log(`bench-script: ${JSON.stringify(SCRIPT)}, ${N} calls -c 50 -P 16, ${PIN ? "server on CPU 1, redis-benchmark on CPU 0" : "unpinned"}; load ${os.loadavg()[0].toFixed(2)}`);
for (let round = 0; round < REPEAT; round++) for (const k of kinds) readings[k].push(await once(k));
const redis = REDIS ? median(readings.redis) : NaN;
console.log("\n| target | µs of server CPU per call (each run) | median | / redis-server |\n| --- | --- | --- | --- |");
for (const k of kinds) {
  const m = median(readings[k]);
  console.log(`| ${k} | ${readings[k].map((x) => x.toFixed(2)).join(", ")} | ${m.toFixed(2)} | ${REDIS ? (m / redis).toFixed(2) : "-"} |`);
}
console.log("\nthe last run's CPU by thread, µs per call (main: the event loop's thread):");
for (const k of kinds) console.log(`  ${k}: ${split[k]}`);
console.log(`(load ${os.loadavg()[0].toFixed(2)})`);
