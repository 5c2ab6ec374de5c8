#!/usr/bin/env node
// Property-based fuzzing (fast-check) of valkey-bun on Node and Bun:
//   hostile: random and mutated RESP frames, inline requests and raw bytes, written in random-sized chunks on a
//            fresh connection; after each session the server must be alive and a bystander client (opened
//            before the run, holding a canary key) must get PONG and its value: otherwise a crash or a hang.
//   diff:    random command sequences over every family, replayed on a reference server (redis-server 7.0
//            when installed, or --ref valkey for ../shared/tools/valkey-8.0.1); replies must match command for
//            command, except the intended differences listed in scripts/lib/fuzz-core.mjs (ALLOWED, with why).
//
//   npm run build && npm run fuzz -- [--minutes 2] [--runtimes node,bun] [--seed 42] [--ref redis|valkey|none]
//
// Prints frames tried, sessions, sequences, crashes, hangs and divergences; reproducers go to fuzz-failures/.
// Exit code 1 when a crash or hang was found.

import fc from "fast-check";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, freePort, options, serverCommand, sleep, which } from "./lib/bench-common.mjs";
import { Conn, anyCommand, attachBystander, compareSequence, healthy, hostileSession, resetConn, runHostile } from "./lib/fuzz-core.mjs";

const { opt } = options(import.meta.url, [1, 14]);
const MINUTES = Number(opt("minutes", 2));
const RUNTIMES = opt("runtimes", "node,bun").split(",");
const SEED = Number(opt("seed", Date.now() % 100000));
const VALKEY = join(ROOT, "..", "shared", "tools", "valkey-8.0.1", "valkey-server");
// Valkey 8 is the behaviour this server follows: compare with it when its build is beside the checkout.
let REF = opt("ref", existsSync(VALKEY) ? "valkey" : which("redis-server") ? "redis" : "none");

async function startServer(kind) {
  const port = await freePort();
  let cmd, args;
  if (kind === "valkey") [cmd, args] = [VALKEY, ["--port", String(port), "--save", "", "--appendonly", "no"]];
  else [cmd, args] = serverCommand(kind, port);
  const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr.on("data", (d) => (err = (err + d).slice(-4000)));
  for (let i = 0; i < 200; i++) {
    try {
      const c = await Conn.open(port);
      c.close();
      const target = { kind, port, proc, stderr: () => err };
      await attachBystander(target);
      return target;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${kind} did not start: ${err}`);
}

function stopServer(t) {
  t.bystander?.close();
  if (t.proc.exitCode === null) t.proc.kill("SIGKILL");
}

const outDir = join(ROOT, "fuzz-failures");
function saveFailure(kind, runtime, what, data) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${runtime}-${kind}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(data, (k, v) => (v?.type === "Buffer" ? Buffer.from(v.data).toString("latin1") : v), 2));
  console.log(`  ${what} -> ${file}`);
}

const report = {};
const deadline = Date.now() + MINUTES * 60_000;
const perRuntime = (deadline - Date.now()) / RUNTIMES.length;

for (const runtime of RUNTIMES) {
  const r = (report[runtime] = { frames: 0, bytes: 0, sessions: 0, sequences: 0, commands: 0, crashes: 0, hangs: 0, divergences: new Map() });
  const until = Date.now() + perRuntime;
  let target = await startServer(runtime);
  const ref = REF === "none" ? null : await startServer(REF === "valkey" ? "valkey" : "redis").catch(() => null);
  const oursConn = ref ? await Conn.open(target.port) : null;
  const refConn = ref ? await Conn.open(ref.port) : null;
  let batch = 0;
  console.log(`[${runtime}] seed ${SEED}, reference ${ref ? REF : "none"}`);
  while (Date.now() < until) {
    const seed = SEED + batch++;
    for (const session of fc.sample(hostileSession, { seed, numRuns: 50 })) {
      await runHostile(target.port, session).catch(() => {});
      r.sessions++;
      r.frames += session.frames.length;
      r.bytes += session.frames.reduce((n, f) => n + f.length, 0);
      const bad = await healthy(target);
      if (bad !== null) {
        if (bad === "crash") r.crashes++;
        else r.hangs++;
        saveFailure(bad === "crash" ? "crash" : "hang", runtime, `${bad} (${target.stderr().split("\n").slice(-3).join(" | ")})`, { seed, session });
        stopServer(target);
        target = await startServer(runtime);
        if (oursConn) oursConn.port = target.port;
        break;
      }
    }
    if (ref && oursConn && !oursConn.closed && !refConn.closed) {
      for (const seq of fc.sample(fc.array(anyCommand, { minLength: 1, maxLength: 12 }), { seed, numRuns: 30 })) {
        r.sequences++;
        r.commands += seq.length;
        const d = await compareSequence(oursConn, refConn, REF, seq).catch((e) => ({ argv: seq[0], ours: String(e), theirs: "" }));
        await Promise.all([resetConn(oursConn), resetConn(refConn)]).catch(() => {});
        if (d === null) continue;
        const sig = `${String(d.argv[0]).toUpperCase()} ${String(d.ours).slice(0, 60)} | ${String(d.theirs).slice(0, 60)}`;
        if (!r.divergences.has(sig)) {
          r.divergences.set(sig, { seq, ...d });
          console.log(`  divergence: ${JSON.stringify(d.argv)}\n    ours:   ${JSON.stringify(d.ours)}\n    theirs: ${JSON.stringify(d.theirs)}\n    after:  ${JSON.stringify(seq)}`);
        }
      }
    }
  }
  const bad = await healthy(target);
  if (bad !== null) r[bad === "crash" ? "crashes" : "hangs"]++;
  oursConn?.close();
  refConn?.close();
  stopServer(target);
  if (ref) stopServer(ref);
}

console.log("\nruntime  frames  bytes     sessions  sequences  commands  crashes  hangs  divergences");
let failed = false;
for (const [rt, r] of Object.entries(report)) {
  console.log(
    `${rt.padEnd(8)} ${String(r.frames).padStart(6)}  ${String(r.bytes).padStart(8)}  ${String(r.sessions).padStart(8)}  ${String(r.sequences).padStart(9)}  ${String(r.commands).padStart(8)}  ${String(r.crashes).padStart(7)}  ${String(r.hangs).padStart(5)}  ${String(r.divergences.size).padStart(11)}`,
  );
  if (r.crashes || r.hangs) failed = true;
}
process.exit(failed ? 1 : 0);
