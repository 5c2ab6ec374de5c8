#!/usr/bin/env node
// Measure the sidecar paths (not a test: timings depend on the machine):
//   - spawn -> first PONG, for the server alone and launched through `valkey-bun dev`, on Node and Bun;
//   - when `valkey-bun dev` releases a service_healthy app (its own "healthy ... after" line);
//   - run time of one `valkey-bun health` probe (it is meant to run every second), beside a bare runtime start.
// Usage: npm run build && node scripts/measure-sidecar.mjs [runs=7]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const RUNS = Number(process.argv[2] ?? 7);
const CLI = { node: [process.execPath, join(ROOT, "dist", "cli.js")], bun: [BUN, join(ROOT, "src", "cli.ts")] };
const env = { ...process.env, NODE_OPTIONS: "", FORCE_COLOR: "0" };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** ms from spawn until a PING on `port` is answered with PONG (polling every 2ms). */
async function spawnToPong(argv, port, extraEnv = {}) {
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const ms = await new Promise((resolve) => {
    const attempt = () => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => s.write("PING\r\n"));
      s.once("data", (d) => {
        s.destroy();
        if (String(d).startsWith("+PONG")) resolve(performance.now() - t0);
        else setTimeout(attempt, 2);
      });
      s.once("error", () => setTimeout(attempt, 2));
    };
    attempt();
  });
  // Wait for dev's own healthy line (it releases service_healthy apps then), if any.
  const t1 = performance.now();
  while (argv.includes("dev") && !/healthy (\d+)ms after start/.test(out) && performance.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 5));
  const healthy = /\((\d+)ms after `valkey-bun dev` began\)/.exec(out);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("close", r));
  return { ms, devHealthy: healthy ? Number(healthy[1]) : null };
}

function timeRun(argv) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: "ignore" });
  if (r.status !== 0 && !argv.includes("-e")) throw new Error(`${argv.join(" ")} exited ${r.status}`);
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), "measure-sidecar-"));
console.log(`runs per figure: ${RUNS} (medians, ms)`);
for (const runtime of ["node", "bun"]) {
  const direct = [];
  const viaDev = [];
  const released = [];
  for (let i = 0; i < RUNS; i++) {
    const p1 = await freePort();
    direct.push((await spawnToPong([...CLI[runtime], "--port", String(p1), "--loglevel", "warning"], p1)).ms);
    const p2 = await freePort();
    const manifest = join(dir, `stack-${runtime}-${i}.json`);
    writeFileSync(manifest, JSON.stringify({ valkey: { port: p2, runtime }, apps: { app: { command: "node -e \"setInterval(() => {}, 1000)\"" } } }));
    const r = await spawnToPong([...CLI[runtime], "dev", "--manifest", manifest], p2);
    viaDev.push(r.ms);
    if (r.devHealthy !== null) released.push(r.devHealthy);
  }
  console.log(
    `${runtime}: spawn -> first PONG: server alone ${median(direct).toFixed(0)}, through valkey-bun dev ${median(viaDev).toFixed(0)}; ` +
      `dev saw it healthy (and released the app) ${median(released).toFixed(0)} after dev's main() began`,
  );
}

const live = await freePort();
const server = spawn(CLI.node[0], [CLI.node[1], "--port", String(live), "--loglevel", "warning"], { cwd: ROOT, env, stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));
for (const runtime of ["node", "bun"]) {
  const bare = [];
  const health = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(timeRun([runtime === "node" ? process.execPath : BUN, "-e", "0"]));
    health.push(timeRun([...CLI[runtime], "health", "--url", `redis://127.0.0.1:${live}`]));
  }
  console.log(`${runtime}: valkey-bun health run time ${median(health).toFixed(0)} (bare \`${runtime} -e 0\`: ${median(bare).toFixed(0)})`);
}
server.kill("SIGTERM");
