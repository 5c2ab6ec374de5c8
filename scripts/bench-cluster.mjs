#!/usr/bin/env node
// Cluster mode benchmark: throughput of a standalone server and of clusters of N shards (default 1,2,4) with
// a cluster client (`redis-benchmark --cluster`, which routes each key to its slot's node), and the startup of a
// 3-shard cluster until every node says cluster_state:ok. Prints a table; asserts nothing.
//
//   npm run bench:cluster [-- --sizes 1,2,4 --runtimes node,bun --n 200000 --clients 50 --pipeline 16
//                           --tests set,get --startup-runs 5 --no-build]
//
// Numbers depend on the machine's free cores (each shard is one thread): compare within one run only.

import { spawn, execFileSync } from "node:child_process";
import net from "node:net";
import { ROOT, cpuSeconds, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";

const { opt, flag } = options(import.meta.url, [1, 10]);
const SIZES = opt("sizes", "1,2,4").split(",").map(Number);
const RUNTIMES = opt("runtimes", "node,bun").split(",").filter(Boolean);
const N = Number(opt("n", "200000"));
const CLIENTS = Number(opt("clients", "50"));
const PIPELINE = Number(opt("pipeline", "16"));
const TESTS = opt("tests", "set,get");
const STARTUP_RUNS = Number(opt("startup-runs", "5"));
const BENCH = which("redis-benchmark");
if (!BENCH) {
  console.error("bench-cluster: redis-benchmark is not installed (Debian/Ubuntu: apt-get install redis-tools)");
  process.exit(1);
}
if (!flag("no-build")) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });

/** Start a target (cluster when size > 0) on free ports; resolves with the node ports once the ready line is out. */
function start(runtime, size) {
  const extra = size > 0 ? ["--cluster-size", String(size)] : [];
  const [cmd, args] = serverCommand(runtime, 0, [...extra, "--loglevel", "warning"]);
  const t0 = performance.now();
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 30_000);
    proc.stdout.on("data", (d) => {
      out += d;
      if (!/ready on /.test(out)) return;
      clearTimeout(t);
      const ports = [...out.matchAll(/redis:\/\/[^:]+:(\d+)/g)].map((m) => Number(m[1]));
      resolve({ proc, ports, t0 });
    });
    proc.stderr.on("data", (d) => (out += d));
    proc.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function stop(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
  });
}

/** CLUSTER INFO over a fresh connection: true when it says cluster_state:ok. */
function clusterOk(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let buf = "";
    s.on("connect", () => s.write("*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n"));
    s.on("data", (d) => {
      buf += d;
      if (buf.includes("cluster_stats_messages")) {
        s.destroy();
        resolve(buf.includes("cluster_state:ok"));
      }
    });
    s.on("error", () => resolve(false));
  });
}

function benchmark(port, cluster) {
  const args = ["-p", String(port), "-t", TESTS, "-n", String(N), "-c", String(CLIENTS), "-P", String(PIPELINE), "-r", "100000", "-q"];
  if (cluster) args.unshift("--cluster");
  const out = execFileSync(BENCH, args, { encoding: "utf8", timeout: 300_000 });
  const rps = {};
  for (const m of out.matchAll(/^(\w+): ([\d.]+) requests per second/gm)) rps[m[1].toLowerCase()] = Number(m[2]);
  return rps;
}

const rows = [];
for (const runtime of RUNTIMES) {
  for (const size of [0, ...SIZES]) {
    const { proc, ports } = await start(runtime, size);
    try {
      if (size > 0) while (!(await Promise.all(ports.map(clusterOk))).every(Boolean)) await sleep(20);
      const cpu0 = cpuSeconds(proc.pid);
      // redis-benchmark --cluster refuses a one-node cluster; one shard serves every slot, so plain mode is the same.
      const rps = benchmark(ports[0], size > 1);
      const cpu = cpuSeconds(proc.pid) - cpu0;
      rows.push({ runtime, target: size === 0 ? "standalone" : `cluster ${size}`, ...rps, cpu: cpu.toFixed(1) });
      console.error(`${runtime} ${size === 0 ? "standalone" : `cluster of ${size}`}: ${JSON.stringify(rps)} (server CPU ${cpu.toFixed(1)}s)`);
    } finally {
      await stop(proc);
    }
  }
}
const tests = TESTS.split(",");
console.log(`\nthroughput, requests/s (redis-benchmark -n ${N} -c ${CLIENTS} -P ${PIPELINE}; --cluster for clusters)`);
console.log(["runtime", "target", ...tests, "server cpu s"].join("\t"));
for (const r of rows) {
  const base = rows.find((x) => x.runtime === r.runtime && x.target === "standalone");
  console.log([r.runtime, r.target, ...tests.map((t) => `${Math.round(r[t] ?? 0)} (${((r[t] ?? 0) / (base?.[t] || 1)).toFixed(2)}x)`), r.cpu].join("\t"));
}

console.log(`\nstartup of a 3-shard cluster to cluster_state:ok on every node (${STARTUP_RUNS} runs)`);
for (const runtime of RUNTIMES) {
  const times = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const { proc, ports, t0 } = await start(runtime, 3);
    while (!(await Promise.all(ports.map(clusterOk))).every(Boolean)) await sleep(2);
    times.push(performance.now() - t0);
    await stop(proc);
  }
  times.sort((a, b) => a - b);
  console.log(`${runtime}\tmedian ${Math.round(times[times.length >> 1])} ms\tmin ${Math.round(times[0])} ms\tmax ${Math.round(times[times.length - 1])} ms`);
}
