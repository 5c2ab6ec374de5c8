#!/usr/bin/env node
// Benchmark valkey-bun (Node build and Bun) against a local redis-server with redis-benchmark, in the same run,
// and report ratios. Also measures startup to first PONG. Bounded: a few minutes with the defaults (3 repeats).
//
//   npm run bench [-- --n 50000 --pn 200000 --pipeline 16 --clients 50 --tests ping,set,get,incr,mset
//                     --runtimes node,bun --no-redis --no-ceiling --repeat 3 --startup-runs 5 --no-build
//                     --cluster | --no-cluster --base DIR --startup-only --keyspace N --warmup N]
// --keyspace N spreads the keys over N random names (redis-benchmark -r N; e.g. --tests set,get --keyspace 100000
// for a big keyspace instead of one key per test).
// --startup-only measures only startup to first PONG (beside node-bare / bun-bare: `node -e` / `bun -e` listening
// and answering +PONG, the runtime's own floor) and stops there.
// --base DIR adds node-base / bun-base: the server of another checkout (built), measured interleaved with this one,
// for a before/after table of a change in one run (e.g. git worktree add /tmp/base main && cd /tmp/base && npm ci
// && npm run build).
// --warmup N (default: the pipelined count) sends N pipelined requests of each test to every freshly started target
// before measuring it, unmeasured: a fresh Bun or Node server spends its first few hundred thousand requests
// compiling its hot path (Bun's DFG/FTL tiers on their own thread: ~0.5 s of CPU), which a short run would charge
// to whichever test comes first. That pass is reported as the "first pass" row: the cost on a cold server.
// --warmup 0 measures cold servers, as this script did before.
// Without --tests (or with --cluster) it ends with the cluster case: scripts/bench-cluster.mjs (N = 1, 2, 4 shards
// with a cluster client beside a standalone server, and a 3-shard cluster's startup to cluster_state:ok).
//   npm run bench:collections      (the collection set: lpush,rpop,sadd,spop,hset,zadd,zpopmin,lrange_100)
//
// For each target and test: throughput (requests/s as redis-benchmark reports it) and server CPU time per
// request (utime+stime from /proc/<pid>/stat around the run). Ratios are ours / redis: throughput > 1 is
// faster than redis, CPU > 1 costs more CPU per request. Numbers are only comparable within one run.
// Beside them run node-min / bun-min: a minimal RESP server on node:net / Bun.listen (scripts/lib/minimal-resp.mjs,
// PING/SET/GET/INCR/MSET only), the ceiling each runtime allows. Every target is measured --repeat times,
// interleaved, and the medians are reported; the summary table ends the output.

import { spawn, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { ROOT, ask, cpuSeconds, freePort, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";


// ---------------------------------------------------------------------------------------------------------
// options

const { opt, flag } = options(import.meta.url, [1, 29]);
const N = Number(opt("n", "50000"));
// pipelined runs are ~10x faster: more requests keep the CPU reading (10 ms ticks) meaningful
const PN = Number(opt("pn", String(N * 4)));
const PIPELINE = Number(opt("pipeline", "16"));
const KEYSPACE = opt("keyspace", null);
/** The depths measured: 1, and --pipeline unless that is 1 too. */
const DEPTHS = PIPELINE === 1 ? [1] : [1, PIPELINE];
const CLIENTS = Number(opt("clients", "50"));
const TESTS = opt("tests", "ping,set,get,incr,mset").split(",").filter(Boolean);
const RUNTIMES = opt("runtimes", "node,bun").split(",").filter(Boolean);
const STARTUP_RUNS = Number(opt("startup-runs", "5"));
const REPEAT = Math.max(1, Number(opt("repeat", "3")));
const CEILING = !flag("no-ceiling");
/** What the minimal servers answer. */
const MIN_TESTS = new Set(["ping", "set", "get", "incr", "mset"]);
const WARMUP = Number(opt("warmup", String(PN)));
const RUN_TIMEOUT_MS = Number(opt("timeout", "60")) * 1000;

const REDIS_SERVER = flag("no-redis") ? null : which("redis-server");
const REDIS_BENCHMARK = which("redis-benchmark");
if (!REDIS_BENCHMARK) {
  console.error("bench: redis-benchmark is not installed (Debian/Ubuntu: apt-get install redis-tools)");
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------------
// helpers


const command = (...args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");

const BASE = opt("base", null);
const targetCommand = (kind, port) => serverCommand(kind, port, ["--loglevel", "warning"], REDIS_SERVER, BASE);

/** Poll with PING until +PONG; returns ms since `t0`. */
async function waitPong(kind, proc, port, t0, errText = () => "") {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited with ${proc.exitCode} ${errText()}`);
    try {
      if ((await ask(port, "PING\r\n", 500)) === "+PONG\r\n") return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 15000) throw new Error(`${kind} did not answer PING ${errText()}`);
    await sleep(1);
  }
}

async function startTarget(kind) {
  const port = await freePort();
  const [cmd, args] = targetCommand(kind, port);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  await waitPong(kind, proc, port, performance.now(), () => err);
  return { kind, port, proc, pid: proc.pid };
}

async function stopTarget(t) {
  if (t.proc.exitCode !== null) return;
  const done = new Promise((r) => t.proc.once("exit", r));
  t.proc.kill("SIGTERM");
  await Promise.race([done, sleep(3000)]);
  if (t.proc.exitCode === null) t.proc.kill("SIGKILL");
}

/** CPU time (ms) every thread of `pid` has used so far, from /proc/<pid>/task/<tid>/schedstat (ns); NaN elsewhere. */
function threadsCpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

/** Spawn -> first +PONG over TCP: { ms: wall time, cpu: the server's CPU ms by then (load-independent) }. */
async function startupOnce(kind) {
  const port = await freePort();
  const [cmd, args] = targetCommand(kind, port);
  const t0 = performance.now();
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
  try {
    const ms = await waitPong(kind, proc, port, t0);
    return { ms, cpu: threadsCpuMs(proc.pid) };
  } finally {
    proc.kill("SIGKILL");
    if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The command a redis-benchmark test sends (redis-benchmark counts error replies as answers too). */
const TEST_COMMAND = { lrange_100: "lrange", lrange_300: "lrange", lrange_500: "lrange", lrange_600: "lrange" };

async function supports(kind, port, test) {
  if (kind.endsWith("-min")) return MIN_TESTS.has(test);
  const reply = await ask(port, command("COMMAND", "INFO", TEST_COMMAND[test] ?? test), 2000).catch(() => "");
  return reply.startsWith("*1\r\n*");
}

/** One redis-benchmark run of one test: { rps, requests, cpuPerReqUs }, or null when it printed nothing. */
async function runBench(target, test, pipeline, n = pipeline > 1 ? PN : N) {
  const args = ["-h", "127.0.0.1", "-p", String(target.port), "-q", "-n", String(n), "-c", String(CLIENTS), "-t", test];
  if (pipeline > 1) args.push("-P", String(pipeline));
  if (KEYSPACE !== null) args.push("-r", KEYSPACE);
  const cpu0 = cpuSeconds(target.pid);
  const out = await new Promise((resolve) => {
    const p = spawn(REDIS_BENCHMARK, args, { stdio: ["ignore", "pipe", "ignore"] });
    let s = "";
    p.stdout.on("data", (d) => (s += d));
    const t = setTimeout(() => p.kill("SIGKILL"), RUN_TIMEOUT_MS);
    p.on("exit", () => {
      clearTimeout(t);
      resolve(s);
    });
  });
  const cpu1 = cpuSeconds(target.pid);
  const lines = out
    .split(/[\r\n]+/)
    .map((l) => /^(.+?): ([\d.]+) requests per second/.exec(l.trim()))
    .filter(Boolean);
  if (lines.length === 0) return null;
  const requests = n * lines.length; // PING runs PING_INLINE and PING_MBULK
  const seconds = lines.reduce((acc, m) => acc + n / Number(m[2]), 0);
  return { rps: requests / seconds, requests, cpuPerReqUs: ((cpu1 - cpu0) / requests) * 1e6 };
}

const geomean = (xs) => (xs.length === 0 || xs.some((x) => !(x > 0)) ? NaN : Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length));

/**
 * The issue's table: server CPU per request relative to redis-server, for valkey-bun and for the runtime's
 * ceiling (the minimal server), per runtime. The core five are one geomean row per pipeline depth; any other
 * test gets its own rows.
 */
function summary(results, startup) {
  const cpuRatio = (kind, test, p) => {
    const r = results[kind]?.[test]?.[p];
    const base = results.redis[test]?.[p];
    return r && base ? r.cpuPerReqUs / base.cpuPerReqUs : NaN;
  };
  const core = TESTS.filter((t) => MIN_TESTS.has(t));
  const rest = TESTS.filter((t) => !MIN_TESTS.has(t));
  const rows = [];
  for (const p of DEPTHS) {
    if (core.length) rows.push([`${core.join("/")} geomean, ${p === 1 ? "1 deep" : `pipeline ${p}`}`, (k) => geomean(core.map((t) => cpuRatio(k, t, p)))]);
  }
  for (const t of rest) for (const p of DEPTHS) rows.push([`${t}, ${p === 1 ? "1 deep" : `pipeline ${p}`}`, (k) => cpuRatio(k, t, p)]);
  // the unmeasured warm-up pass: what the same tests cost on a freshly started server
  if (WARMUP > 0 && core.length) rows.push([`${core.join("/")}, first ${WARMUP} on a fresh server, pipeline ${PIPELINE}`, (k) => geomean(core.map((t) => cpuRatio(k, t, "cold")))]);
  const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : "-");
  const cols = (r) => [r, ...(BASE ? [`${r}-base`] : []), `${r}-min`];
  const head = ["server CPU per request / redis-server", ...RUNTIMES.flatMap((r) => cols(r).map((k) => k.replace(/-min$/, " ceiling")))];
  const w = [Math.max(head[0].length, ...rows.map((r) => r[0].length)), ...head.slice(1).map((h) => Math.max(h.length, 6))];
  const line = (cells) => console.log("| " + cells.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |");
  console.log("\nsummary (lower is better; ceiling = minimal RESP server on the same runtime, same run)");
  line(head);
  line(w.map((n) => "-".repeat(n)));
  for (const [name, fn] of rows) line([name, ...RUNTIMES.flatMap((r) => cols(r).map((k) => (results[k] ? f(fn(k)) : "-")))]);
  if (STARTUP_RUNS > 0)
    line([
      "startup to first PONG / redis-server",
      ...RUNTIMES.flatMap((r) => cols(r).map((k) => (startup[k] ? f(startup[k] / startup.redis) : "-"))),
    ]);
}

function printStartup(startupKinds, startup, startupCpu) {
  console.log(`\nstartup to first PONG (median of ${STARTUP_RUNS}): ` + startupKinds.map((k) => `${k} ${startup[k].toFixed(0)} ms`).join(", "));
  console.log(`server CPU until then, all threads (median): ` + startupKinds.map((k) => `${k} ${startupCpu[k].toFixed(1)} ms`).join(", "));
  const vs = RUNTIMES.map((r) => `${r} ${(startup[r] / startup[`${r}-bare`]).toFixed(2)}x ${r}-bare`);
  if (startup.redis) vs.push(...RUNTIMES.map((r) => `${r} ${(startup[r] / startup.redis).toFixed(2)}x redis-server`));
  console.log(`startup ratios: ${vs.join(", ")}`);
  const cpu = RUNTIMES.map((r) => `${r} ${(startupCpu[r] / startupCpu[`${r}-bare`]).toFixed(2)}x ${r}-bare`);
  if (startupCpu.redis) cpu.push(...RUNTIMES.map((r) => `${r} ${(startupCpu[r] / startupCpu.redis).toFixed(2)}x redis-server`));
  console.log(`startup CPU ratios: ${cpu.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------------------
// main

async function main() {
  const t0 = performance.now();
  if (!flag("no-build") && RUNTIMES.includes("node")) {
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
    execFileSync(process.execPath, [join(ROOT, "scripts", "bundle.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
  if (RUNTIMES.includes("node") && !existsSync(join(ROOT, "dist", "cli.js"))) throw new Error("dist/cli.js missing: npm run build");
  const ceilings = CEILING && TESTS.some((t) => MIN_TESTS.has(t)) ? RUNTIMES.map((r) => `${r}-min`) : [];
  const bases = BASE ? RUNTIMES.map((r) => `${r}-base`) : [];
  const kinds = [...RUNTIMES, ...bases, ...ceilings, ...(REDIS_SERVER ? ["redis"] : [])];
  const ours = kinds.filter((k) => k !== "redis");
  console.log(
    `bench: n=${N} (pipelined ${PN}) clients=${CLIENTS} pipeline 1 and ${PIPELINE}; tests ${TESTS.join(",")}; targets ${kinds.join(", ")}; ` +
      `median of ${REPEAT}; ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, load ${os.loadavg()[0].toFixed(1)}` +
      (REDIS_SERVER ? "" : " (redis-server not found: no ratios)"),
  );

  // Startup, interleaved like the rest; "<runtime>-bare" is the runtime's own floor (`node -e` listening).
  const startup = {};
  const startupCpu = {};
  const startupKinds = [...kinds, ...RUNTIMES.map((r) => `${r}-bare`)];
  const startupRuns = Object.fromEntries(startupKinds.map((k) => [k, []]));
  for (let i = 0; i < STARTUP_RUNS; i++) for (const kind of startupKinds) startupRuns[kind].push(await startupOnce(kind));
  for (const kind of startupKinds) {
    startup[kind] = median(startupRuns[kind].map((r) => r.ms));
    startupCpu[kind] = median(startupRuns[kind].map((r) => r.cpu));
  }
  if (flag("startup-only")) {
    printStartup(startupKinds, startup, startupCpu);
    return;
  }

  // Each repeat measures every target once (interleaved, so a burst of load elsewhere hits all of them).
  const raw = {}; // raw[kind][test] = { missing } | { [pipeline]: result[] }
  for (const kind of kinds) raw[kind] = {};
  for (let r = 0; r < REPEAT; r++) {
    for (const kind of kinds) {
      const target = await startTarget(kind);
      try {
        const tests = [];
        for (const test of TESTS) {
          const slot = (raw[kind][test] ??= {});
          if (slot.missing || !(await supports(kind, target.port, test))) slot.missing = true;
          else tests.push(test);
        }
        if (WARMUP > 0) {
          for (const test of tests) {
            const res = await runBench(target, test, PIPELINE, WARMUP);
            if (res) (raw[kind][test].cold ??= []).push(res);
          }
        }
        for (const test of tests) {
          const slot = raw[kind][test];
          for (const p of DEPTHS) {
            const res = await runBench(target, test, p);
            if (res) (slot[p] ??= []).push(res);
          }
        }
      } finally {
        await stopTarget(target);
      }
    }
  }
  const results = {}; // results[kind][test] = { missing } | { [pipeline]: median result }
  for (const kind of kinds) {
    results[kind] = {};
    for (const test of TESTS) {
      const slot = raw[kind][test];
      if (slot.missing) results[kind][test] = { missing: true };
      else {
        results[kind][test] = {};
        for (const p of [...DEPTHS, "cold"]) {
          const rs = slot[p] ?? [];
          if (rs.length) results[kind][test][p] = { rps: median(rs.map((x) => x.rps)), cpuPerReqUs: median(rs.map((x) => x.cpuPerReqUs)) };
        }
      }
    }
  }

  const fmtK = (x) => (x == null ? "-" : x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
  const fmtUs = (x) => (x == null ? "-" : x.toFixed(2));
  const fmtR = (x) => (x == null || !Number.isFinite(x) ? "-" : x.toFixed(2));
  const cell = (kind, test, p, f, key) => (results[kind][test]?.missing ? "missing" : f(results[kind][test]?.[p]?.[key]));
  const head = ["test", "P", ...kinds.flatMap((k) => [`${k} rps`, `${k} us/req`])];
  if (REDIS_SERVER) head.push(...RUNTIMES.flatMap((k) => [`${k}/redis rps`, `${k}/redis cpu`]));
  const widths = head.map((h) => Math.max(h.length, 7));
  const line = (cells) => console.log(cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd());
  console.log(
    "\nthroughput (req/s), server CPU time per request (us); ratios = ours / redis" +
      (WARMUP > 0 ? `; P "${PIPELINE} 1st": the warm-up pass, ${WARMUP} requests on the fresh server` : ""),
  );
  line(head);
  for (const test of TESTS) {
    for (const p of WARMUP > 0 ? [...DEPTHS, "cold"] : DEPTHS) {
      const row = [test, p === "cold" ? `${PIPELINE} 1st` : p];
      for (const k of kinds) row.push(cell(k, test, p, fmtK, "rps"), cell(k, test, p, fmtUs, "cpuPerReqUs"));
      if (REDIS_SERVER) {
        const base = results.redis[test]?.[p];
        for (const k of RUNTIMES) {
          const r = results[k][test]?.[p];
          row.push(fmtR(r && base ? r.rps / base.rps : null), fmtR(r && base ? r.cpuPerReqUs / base.cpuPerReqUs : null));
        }
      }
      line(row);
    }
  }
  if (STARTUP_RUNS > 0) printStartup(startupKinds, startup, startupCpu);
  if (REDIS_SERVER) summary(results, startup);
  const missing = [...new Set(RUNTIMES.flatMap((k) => TESTS.filter((t) => results[k][t]?.missing)))];
  if (missing.length) console.log(`not in valkey-bun's command table yet, not measured: ${missing.join(", ")}`);
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const explicitTests = process.argv.slice(2).some((a) => a === "--tests" || a.startsWith("--tests="));
  if (flag("cluster") || (!explicitTests && !flag("no-cluster"))) {
    console.log("\ncluster mode (scripts/bench-cluster.mjs)");
    execFileSync(process.execPath, [join(ROOT, "scripts", "bench-cluster.mjs"), "--no-build", "--runtimes", RUNTIMES.join(",")], {
      cwd: ROOT,
      stdio: "inherit",
    });
  }
}

main().catch((e) => {
  console.error(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});
