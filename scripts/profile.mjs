#!/usr/bin/env node
// Profile the hot path: start valkey-bun under the runtime's CPU profiler (node --cpu-prof on dist/, bun
// --cpu-prof on src/), drive it with redis-benchmark (pipelined PING/SET/GET/INCR/MSET by default), stop it,
// and print the top frames by self time. With --write, saves the text as scripts/profiles/<runtime>-hot-path.txt
// (checked in, so the next performance pass starts from it).
//
//   npm run build && node scripts/profile.mjs [--runtime node|bun] [--tests ping,set,get,incr,mset] [--n 300000]
//                                             [--pipeline 16] [--top 20] [--write]
//                                             [--script "return redis.call('incr', KEYS[1])"]
// --script loads the script and benchmarks EVALSHA of it with one key instead of --tests (not --write: the checked-in
// profiles are the core commands').

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, ROOT, ask, freePort, options, sleep, which } from "./lib/bench-common.mjs";

const { opt, flag } = options(import.meta.url, [1, 8]);
const RUNTIME = opt("runtime", "node");
const TESTS = opt("tests", "ping,set,get,incr,mset");
const N = opt("n", "300000");
const PIPELINE = opt("pipeline", "16");
const TOP = Number(opt("top", "20"));
const SCRIPT = opt("script", "");
const BENCH = which("redis-benchmark");
if (!BENCH) {
  console.error("profile: redis-benchmark is not installed (Debian/Ubuntu: apt-get install redis-tools)");
  process.exit(1);
}

/** Self time per frame (function, file:line) from a .cpuprofile (Chrome format; node and bun both write it). */
export function topFrames(profile, n) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const cf = byId.get(profile.samples[i]).callFrame;
    if (cf.functionName === "(idle)") continue; // waiting for the network: not the server's cost
    total += dt;
    const key = `${cf.functionName || "(anonymous)"}  ${cf.url ? `${cf.url.replace(/^file:\/\//, "").replace(ROOT + "/", "")}:${cf.lineNumber + 1}` : "(native)"}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, rows };
}

/** SCRIPT LOAD over RESP; the sha it replies. */
async function loadScript(port, body) {
  const reply = await ask(port, `*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$${Buffer.byteLength(body)}\r\n${body}\r\n`);
  const sha = /^\$40\r\n([0-9a-f]{40})\r\n$/.exec(reply)?.[1];
  if (!sha) throw new Error(`SCRIPT LOAD replied ${JSON.stringify(reply)}`);
  return sha;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "valkey-bun-prof-"));
  const port = await freePort();
  const server = ["--port", String(port), "--loglevel", "warning"];
  const [cmd, args] =
    RUNTIME === "bun"
      ? [BUN, ["--cpu-prof", `--cpu-prof-dir=${dir}`, join(ROOT, "src", "cli.ts"), ...server]]
      : [process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, join(ROOT, "dist", "cli.js"), ...server]];
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
  const exited = new Promise((r) => proc.once("exit", r));
  try {
    for (let i = 0; (await ask(port, "PING\r\n").catch(() => "")) !== "+PONG\r\n"; i++) {
      if (i > 200) throw new Error("server did not start");
      await sleep(50);
    }
    const common = ["-p", String(port), "-q", "-n", N, "-c", "50", "-P", PIPELINE];
    const what = SCRIPT ? ["EVALSHA", await loadScript(port, SCRIPT), "1", "key:__rand_int__"] : ["-t", TESTS];
    execFileSync(BENCH, [...common, ...what], { stdio: "ignore" });
  } finally {
    proc.kill("SIGTERM"); // the CLI shuts down cleanly, so the profiler writes its file
    await Promise.race([exited, sleep(10000)]);
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no .cpuprofile written");
  const { total, rows } = topFrames(JSON.parse(readFileSync(join(dir, file), "utf8")), TOP);
  rmSync(dir, { recursive: true, force: true });
  const version = RUNTIME === "bun" ? `bun ${execFileSync(BUN, ["--version"], { encoding: "utf8" }).trim()}` : `node ${process.version}`;
  const lines = [
    `# valkey-bun hot path on ${version}: top ${TOP} frames by self time`,
    `# redis-benchmark -P ${PIPELINE} -c 50 -n ${N} -t ${TESTS}; ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, load ${os.loadavg()[0].toFixed(1)}; ${new Date().toISOString().slice(0, 10)}`,
    `# reproduce: npm run build && node scripts/profile.mjs --runtime ${RUNTIME} --write`,
    `# shares of busy time (idle left out); write/writeBuffer is the socket write syscall (redis-server pays it too)`,
    `# busy time sampled ${(total / 1000).toFixed(0)} ms`,
    "",
    "  self%   self ms  frame",
    ...rows.map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(7)}  ${(t / 1000).toFixed(0).padStart(8)}  ${k}`),
  ];
  const text = lines.join("\n") + "\n";
  process.stdout.write(text);
  if (flag("write") && !SCRIPT) {
    mkdirSync(join(ROOT, "scripts", "profiles"), { recursive: true });
    writeFileSync(join(ROOT, "scripts", "profiles", `${RUNTIME}-hot-path.txt`), text);
  }
}

main().catch((e) => {
  console.error(`profile: ${e?.stack ?? e}`);
  process.exit(1);
});
