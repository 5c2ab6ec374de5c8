// `valkey-bun dev` owns its children: however the launcher ends (SIGKILL, its stdout closing, Ctrl-C through
// `npm run dev`), the server and every app (and their children) are gone within a second or so, and the port is free.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { alive, freePort, portOpen } from "../helpers/proc.js";
import { cliCommand, ROOT, RUNTIMES } from "../helpers/server.js";

const TMP = mkdtempSync(join(tmpdir(), "valkey-bun-teardown-"));

/** A stack whose app prints its own pid and starts a grandchild that prints its pid too. */
function manifest(): string {
  const file = join(TMP, `stack-${Math.random().toString(36).slice(2)}.json`);
  const keep = `node -e 'console.log(process.argv[1] + " pid " + process.pid); setInterval(() => {}, 1000)'`;
  writeFileSync(
    file,
    JSON.stringify({
      valkey: { port: 0 },
      apps: { app: { command: `${keep} grandchild & ${keep} app; wait`, env: { REDIS_URL: "${VALKEY_URL}" } } },
    }),
  );
  return file;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const k of Object.keys(env)) if (k.startsWith("VALKEY_") || k.startsWith("npm_")) delete env[k];
  return env;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

const runs: Run[] = [];
afterAll(() => {
  for (const r of runs) if (r.child.exitCode === null) r.child.kill("SIGKILL");
});

function run(cmd: string, args: string[], opts: { detached?: boolean } = {}): Run {
  const child = spawn(cmd, args, { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"], detached: opts.detached ?? false });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const r = { child, out: () => out, exited };
  runs.push(r);
  return r;
}

async function waitFor(r: { out: () => string }, re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = re.exec(r.out());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${re} in output:\n${r.out()}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** The pids of the server, the app and its grandchild, and the server's port, once all are up. */
async function stackUp(r: Run): Promise<{ pids: number[]; port: number }> {
  const ready = await waitFor(r, /ready on redis:\/\/127\.0\.0\.1:(\d+) \([^,]+, pid (\d+)\)/);
  const app = await waitFor(r, /app pid (\d+)/);
  const grandchild = await waitFor(r, /grandchild pid (\d+)/);
  return { pids: [Number(ready[2]), Number(app[1]), Number(grandchild[1])], port: Number(ready[1]) };
}

/** How long until every pid is gone (zombies awaiting their reaper count as gone: they hold no port). */
async function allGone(pids: number[], ms: number): Promise<number | null> {
  const t0 = Date.now();
  const dead = (pid: number) => {
    if (!alive(pid)) return true;
    try {
      return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return true;
    }
  };
  while (Date.now() - t0 < ms) {
    if (pids.every(dead)) return Date.now() - t0;
    await new Promise((res) => setTimeout(res, 20));
  }
  return null;
}

for (const runtime of RUNTIMES) {
  describe(`valkey-bun dev owns its children [${runtime}]`, () => {
    it("launcher killed with SIGKILL: server, app and the app's child exit within a second; the port is free", async () => {
      const [cmd, pre] = cliCommand(runtime);
      const r = run(cmd, [...pre, "dev", "--manifest", manifest()]);
      const { pids, port } = await stackUp(r);
      r.child.kill("SIGKILL");
      const took = await allGone(pids, 5_000);
      expect(took, `still running:\n${r.out()}`).not.toBeNull();
      expect(took!).toBeLessThan(2_500); // a second by design; slack for a loaded machine
      expect(await portOpen(port)).toBe(false);
    }, 40_000);

    it("stdout closed (`valkey-bun dev | head -3`): everything stops, no crash", async () => {
      const [cmd, pre] = cliCommand(runtime);
      const line = [cmd, ...pre, "dev", "--manifest", manifest()].map((a) => `'${a}'`).join(" ");
      // Read three lines, then close the pipe; keep the rest of the output (stderr) for the assertions.
      const r = run("/bin/sh", ["-c", `${line} 2>${join(TMP, "err.txt")} | head -3; echo "status $?"`]);
      const first = await waitFor(r, /status \d+/, 30_000);
      expect(first[0]).toBe("status 0");
      const ready = /ready on redis:\/\/127\.0\.0\.1:(\d+) \([^,]+, pid (\d+)\)/.exec(r.out());
      if (ready) {
        expect(await allGone([Number(ready[2])], 5_000), r.out()).not.toBeNull();
        expect(await portOpen(Number(ready[1]))).toBe(false);
      }
      await new Promise((res) => setTimeout(res, 500));
      const err = readFileSync(join(TMP, "err.txt"), "utf8");
      expect(err).not.toMatch(/TypeError|EPIPE|at /);
    }, 40_000);
  });
}

describe("Ctrl-C under `npm run dev`", () => {
  it("exits 0 with one 'stopped' line and no failure-looking lines; nothing is left running", async () => {
    // A terminal's Ctrl-C sends SIGINT to the foreground process group: npm, the launcher (and formerly the apps).
    const r = run("npm", ["run", "dev", "--", "--manifest", manifest()], { detached: true });
    const { pids, port } = await stackUp(r);
    process.kill(-r.child.pid!, "SIGINT");
    expect(await r.exited, r.out()).toBe(0);
    expect(r.out()).toMatch(/^--> stopped \(SIGINT\) after \d+\.\ds: valkey, app$/m);
    expect(r.out()).not.toMatch(/exited with code|Sending SIGTERM/);
    expect(await allGone(pids, 5_000), r.out()).not.toBeNull();
    expect(await portOpen(port)).toBe(false);
  }, 40_000);
});

describe("examples/ci.sh as the README writes it", () => {
  it("finds valkey-bun without it on PATH (the checkout's own bin), serves, runs the command, stops the server", async () => {
    const port = await freePort();
    const env = cleanEnv();
    env.PATH = (env.PATH ?? "").split(":").filter((d) => !d.includes("node_modules")).join(":");
    env.VALKEY_PORT = String(port);
    const child = spawn("examples/ci.sh", ["node", "examples/app.mjs", "--once"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, out).toBe(0);
    expect(out).toContain(`app: connected to redis://127.0.0.1:${port}, PING -> PONG`);
    await new Promise((res) => setTimeout(res, 300));
    expect(await portOpen(port)).toBe(false);
  }, 30_000);
});
