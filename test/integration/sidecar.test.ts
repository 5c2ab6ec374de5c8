// `valkey-bun dev` (stack manifest -> server + apps under concurrently), `valkey-bun health`, and the recipes
// of README.md (Dev stack section), each run for real: processes, ports, exit codes.

import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, portOpen } from "../helpers/proc.js";
import { BUN, cliCommand, ROOT, RUNTIMES, spawnServer, type Runtime } from "../helpers/server.js";

const TMP = mkdtempSync(join(tmpdir(), "valkey-bun-sidecar-"));
let tmpN = 0;

/** The environment children get: no inherited VALKEY_* settings, no colours, no vitest NODE_OPTIONS. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", FORCE_COLOR: "0", NO_COLOR: "1" };
  for (const k of Object.keys(env)) if (k.startsWith("VALKEY_")) delete env[k];
  return { ...env, ...extra };
}

class Proc {
  out = "";
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.out += d));
    child.stderr!.on("data", (d) => (this.out += d));
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }
  /** Resolves with the match once the output contains `re`; rejects after ms or when the process exits. */
  async waitFor(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${re} in output:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  /** Exit code, or rejects (after killing) when the process outlives ms. */
  async code(ms = 25_000): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // SIGTERM first: `valkey-bun dev` then stops its own children instead of orphaning them.
        this.child.kill("SIGTERM");
        setTimeout(() => this.child.kill("SIGKILL"), 3000).unref();
        reject(new Error(`still running after ${ms}ms:\n${this.out}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function cli(runtime: Runtime, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Proc {
  const [cmd, pre] = cliCommand(runtime);
  return new Proc(spawn(cmd, [...pre, ...args], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] }));
}

function sh(script: string, opts: { env?: Record<string, string>; cwd?: string } = {}): Proc {
  return new Proc(spawn("/bin/sh", ["-c", script], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] }));
}

/** True when nothing listens on the port any more. */
const portClosed = async (port: number): Promise<boolean> => !(await portOpen(port));

function writeManifest(m: unknown): string {
  const file = join(TMP, `stack-${++tmpN}.json`);
  writeFileSync(file, JSON.stringify(m, null, 2));
  return file;
}

/** A bin folder whose `valkey-bun` runs this checkout on `runtime` (what `npm i valkey-bun` puts on PATH). */
function shimDir(runtime: Runtime): string {
  const dir = join(TMP, `bin-${runtime}`);
  mkdirSync(dir, { recursive: true });
  const [cmd, pre] = cliCommand(runtime);
  writeFileSync(join(dir, "valkey-bun"), `#!/bin/sh\nexec ${[cmd, ...pre].map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(dir, "valkey-bun"), 0o755);
  return dir;
}

const other = (r: Runtime): Runtime => (r === "node" ? "bun" : "node");
const APP = join(ROOT, "examples", "app.mjs");

for (const runtime of RUNTIMES) {
  describe(`valkey-bun dev [${runtime}]`, () => {
    it("starts the app once the server is healthy, hands it the URL, stops both together and propagates the exit code", async () => {
      const file = writeManifest({
        valkey: { port: 0, password: "s3cret" },
        apps: { app: { command: `node ${APP} --once --exit 7`, env: { REDIS_URL: "${VALKEY_URL}" } } },
      });
      const p = cli(runtime, ["dev", "--manifest", file]);
      expect(await p.code()).toBe(7);
      const port = Number(/ready on redis:\/\/127\.0\.0\.1:(\d+)/.exec(p.out)![1]);
      const healthy = p.out.search(/\[valkey\] healthy \d+ms after start/);
      const connected = p.out.indexOf(`[app   ] app: connected to redis://:***@127.0.0.1:${port}, PING -> PONG`);
      expect(p.out.indexOf("[app   ] waiting for valkey (service_healthy)")).toBeGreaterThanOrEqual(0);
      expect(healthy).toBeGreaterThan(0);
      expect(connected).toBeGreaterThan(healthy);
      expect(p.out).toContain(`(${runtime === "bun" ? "bun" : "node"} `);
      expect(p.out).toContain("exited with code 7");
      expect(p.out).toContain("Received SIGTERM, shutting down");
      expect(await portClosed(port)).toBe(true);
    });

    it(`runs the server on ${other(runtime)} when the manifest says so; exit 0 when everything succeeded`, async () => {
      const file = writeManifest({
        valkey: { port: 0, runtime: other(runtime) },
        apps: { app: { command: `node ${APP} --once`, env: { REDIS_URL: "${VALKEY_URL}" } } },
      });
      const p = cli(runtime, ["dev", "--manifest", file]);
      expect(await p.code()).toBe(0);
      expect(p.out).toMatch(other(runtime) === "bun" ? /ready on redis:\/\/127\.0\.0\.1:\d+ \(bun / : /ready on redis:\/\/127\.0\.0\.1:\d+ \(node v/);
      expect(p.out).toMatch(/app: connected to redis:\/\/127\.0\.0\.1:\d+, PING -> PONG/);
    });

    it("a server that cannot start stops the stack before any app runs (exit 1)", async () => {
      const blocker: NetServer = createServer();
      const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
      try {
        const file = writeManifest({ valkey: { port }, apps: { app: { command: `node ${APP} --once`, env: { REDIS_URL: "${VALKEY_URL}" } } } });
        const p = cli(runtime, ["dev", "--manifest", file]);
        expect(await p.code()).toBe(1);
        expect(p.out).toContain(`port ${port} is already in use`);
        expect(p.out).not.toContain("app: connected");
      } finally {
        blocker.close();
      }
    });

    it("the default config/stack.json (the compose replacement): web becomes healthy, serves, and Ctrl-C stops all with exit 0", async () => {
      const [vport, wport] = [await freePort(), await freePort()];
      const p = cli(runtime, ["dev"], { env: { VALKEY_PORT: String(vport), PORT: String(wport) } });
      try {
        await p.waitFor(/\[web {0,3}\] healthy \d+ms after start/);
        const res = await fetch(`http://127.0.0.1:${wport}/`);
        expect(await res.text()).toBe("visit 1\n");
        p.child.kill("SIGINT");
        expect(await p.code()).toBe(0);
        expect(p.out).toContain(`app: connected to redis://127.0.0.1:${vport}, PING -> PONG`);
        expect(await portClosed(vport)).toBe(true);
        expect(await portClosed(wport)).toBe(true);
      } finally {
        p.child.kill("SIGTERM");
      }
    });

    it("service_completed_successfully holds an app until a one-shot job exited 0", async () => {
      const file = writeManifest({
        valkey: { port: 0 },
        kill_others: ["failure"],
        apps: {
          migrate: { command: `node -e "setTimeout(() => console.log('migrated'), 300)"` },
          web: { command: `node ${APP} --once`, env: { REDIS_URL: "${VALKEY_URL}" }, depends_on: { migrate: { condition: "service_completed_successfully" } } },
        },
      });
      const p = cli(runtime, ["dev", "--manifest", file]);
      try {
        await p.waitFor(/\[web {0,4}\] .*exited with code 0/);
        expect(p.out.indexOf("[migrate] migrated")).toBeGreaterThan(0);
        expect(p.out.indexOf("app: connected")).toBeGreaterThan(p.out.indexOf("[migrate] migrated"));
        expect(p.out).not.toContain("Sending SIGTERM"); // kill_others: failure only: the server keeps running
        p.child.kill("SIGINT");
        expect(await p.code()).toBe(0);
      } finally {
        p.child.kill("SIGTERM");
      }
    });

    it("an unhealthy dependency fails the stack: the dependent never starts, exit 1 with compose's reason", async () => {
      const file = writeManifest({
        valkey: { port: 0 },
        apps: {
          checker: { command: `node -e "setInterval(() => {}, 1000)"`, depends_on: {}, healthcheck: { test: "exit 3", interval: "100ms", retries: 2 } },
          web: { command: `node ${APP} --once`, env: { REDIS_URL: "${VALKEY_URL}" }, depends_on: { checker: { condition: "service_healthy" } } },
        },
      });
      const p = cli(runtime, ["dev", "--manifest", file]);
      expect(await p.code()).toBe(1);
      expect(p.out).toContain("[checker] unhealthy: healthcheck exited with 3");
      expect(p.out).toContain("web not started: dependency failed to start: checker is unhealthy: healthcheck exited with 3");
      expect(p.out).not.toContain("app: connected");
    });

    it("restart: on-failure:N restarts a failing app (concurrently's restartTries, per app)", async () => {
      const counter = join(TMP, `count-${++tmpN}`);
      writeFileSync(counter, "0");
      const script = `const fs = require('fs'); const n = Number(fs.readFileSync('${counter}', 'utf8')) + 1; fs.writeFileSync('${counter}', String(n)); console.log('run ' + n); process.exit(n < 3 ? 1 : 0)`;
      const file = writeManifest({ valkey: { port: 0 }, apps: { flaky: { command: `node -e "${script}"`, restart: "on-failure:3", depends_on: {} } } });
      const p = cli(runtime, ["dev", "--manifest", file]);
      expect(await p.code()).toBe(0);
      expect(readFileSync(counter, "utf8")).toBe("3");
      expect(p.out.match(/\[flaky ?\] .* restarted/g)).toHaveLength(2);
    });

    it("a bad manifest exits 1 with every problem named by its path and line", async () => {
      const file = writeManifest({ valkey: { port: "6379" }, apps: { web: { command: "x", depends_on: { valkey: { condition: "healthy" } } } } });
      const p = cli(runtime, ["dev", "--manifest", file]);
      expect(await p.code()).toBe(1);
      expect(p.out).toBe(
        `valkey-bun dev: ${file}: invalid stack manifest\n` +
          '  line 3: valkey.port: expected number, got string "6379"\n' +
          '  line 10: apps.web.depends_on.valkey.condition: Invalid option: expected one of "service_started"|"service_healthy"|"service_completed_successfully"\n',
      );
      const missing = cli(runtime, ["dev"], { cwd: TMP });
      expect(await missing.code()).toBe(1);
      expect(missing.out).toBe(`valkey-bun dev: ${join(TMP, "config/stack.json")}: invalid stack manifest\n  cannot read: no such file\n`);
      const usage = cli(runtime, ["dev", "--manifets", "x"]);
      expect(await usage.code()).toBe(2);
      expect(usage.out).toBe("valkey-bun dev: unknown argument '--manifets'\n");
    });
  });

  describe(`valkey-bun health [${runtime}]`, () => {
    it("exit 0 and PONG against a live server; exit 1 with a one-line reason against a stopped one", async () => {
      const s = await spawnServer(runtime);
      const live = cli(runtime, ["health", "--url", s.url]);
      expect(await live.code()).toBe(0);
      expect(live.out).toBe("PONG\n");
      await s.stop();
      const dead = cli(runtime, ["health", "--url", s.url]);
      expect(await dead.code()).toBe(1);
      expect(dead.out).toBe(`valkey-bun health: 127.0.0.1:${s.port}: connection refused\n`);
      const quiet = cli(runtime, ["health", "--url", s.url, "--quiet"]);
      expect(await quiet.code()).toBe(1);
      expect(quiet.out).toBe("");
    });

    it("honours passwords: none or a wrong one is unhealthy with the server's error, the right one is healthy", async () => {
      const s = await spawnServer(runtime, ["--requirepass", "s3cret"]);
      try {
        const none = cli(runtime, ["health", "--url", s.url]);
        expect(await none.code()).toBe(1);
        expect(none.out).toBe(`valkey-bun health: 127.0.0.1:${s.port}: NOAUTH Authentication required (the server has a password: put it in the URL, redis://:PASSWORD@host:port)\n`);
        const wrong = cli(runtime, ["health", "--url", `redis://:nope@127.0.0.1:${s.port}`]);
        expect(await wrong.code()).toBe(1);
        expect(wrong.out).toBe(`valkey-bun health: 127.0.0.1:${s.port}: WRONGPASS invalid username-password pair or user is disabled.\n`);
        const right = cli(runtime, ["health", "--url", `redis://:s3cret@127.0.0.1:${s.port}`]);
        expect(await right.code()).toBe(0);
        const named = cli(runtime, ["health", "--url", `redis://default:s3cret@127.0.0.1:${s.port}/2`]);
        expect(await named.code()).toBe(0);
        // Without --url: VALKEY_* as the server reads them.
        const env = cli(runtime, ["health"], { env: { VALKEY_PORT: String(s.port), VALKEY_PASSWORD: "s3cret" } });
        expect(await env.code()).toBe(0);
      } finally {
        await s.stop();
      }
    });

    it("--wait polls until the server is up; gives up with the last reason; --retries bounds failures", async () => {
      const port = await freePort();
      // Until the prober has failed once, the port belongs to a listener that hangs up at once: the server then
      // starts after a failed check however slowly the CLI starts (a fixed 300 ms wait let a loaded machine's
      // first check find the server already up).
      let failedOnce!: () => void;
      const probed = new Promise<void>((r) => (failedOnce = r));
      const refuser = createServer((sock) => {
        sock.destroy();
        failedOnce();
      });
      await new Promise<void>((r) => refuser.listen(port, "127.0.0.1", r));
      const waiting = cli(runtime, ["health", "--url", `redis://127.0.0.1:${port}`, "--wait", "20s", "--interval", "50ms"]);
      await probed;
      await new Promise((r) => refuser.close(r));
      const s = await spawnServer(runtime, ["--port", String(port)]);
      try {
        expect(await waiting.code()).toBe(0);
        expect(waiting.out).toMatch(/^PONG \(healthy after \d+ms, \d+ checks\)\n$/);
      } finally {
        await s.stop();
      }
      const gaveUp = cli(runtime, ["health", "--url", `redis://127.0.0.1:${port}`, "--wait", "400ms"]);
      expect(await gaveUp.code()).toBe(1);
      expect(gaveUp.out).toMatch(new RegExp(`^valkey-bun health: not healthy within 400ms \\(\\d+ checks\\): 127\\.0\\.0\\.1:${port}: connection refused\\n$`));
      const retries = cli(runtime, ["health", "--url", `redis://127.0.0.1:${port}`, "--wait", "1m", "--interval", "10ms", "--retries", "3"]);
      expect(await retries.code()).toBe(1);
      expect(retries.out).toBe(`valkey-bun health: unhealthy after 3 checks: 127.0.0.1:${port}: connection refused\n`);
    });

    it("a listener that never answers times out, one that is not Redis is named, a database out of range is the server's error", async () => {
      const silent = createServer(() => {});
      const http = createServer((sock) => sock.once("data", () => sock.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
      await Promise.all([silent, http].map((srv) => new Promise<void>((r) => srv.listen(0, "127.0.0.1", r))));
      const portOf = (srv: NetServer) => (srv.address() as { port: number }).port;
      const s = await spawnServer(runtime);
      try {
        const hung = cli(runtime, ["health", "--url", `redis://127.0.0.1:${portOf(silent)}`, "--timeout", "300ms"]);
        const other = cli(runtime, ["health", "--url", `redis://127.0.0.1:${portOf(http)}`]);
        const db = cli(runtime, ["health", "--url", `${s.url}/16`]);
        expect(await hung.code()).toBe(1);
        expect(hung.out).toBe(`valkey-bun health: 127.0.0.1:${portOf(silent)}: timed out after 300ms\n`);
        expect(await other.code()).toBe(1);
        expect(other.out).toBe(`valkey-bun health: 127.0.0.1:${portOf(http)}: unexpected reply from the server: "HTTP/1.1 400 Bad Request"\n`);
        expect(await db.code()).toBe(1);
        expect(db.out).toBe(`valkey-bun health: 127.0.0.1:${s.port}: ERR DB index is out of range\n`);
      } finally {
        await s.stop();
        silent.close();
        http.close();
      }
    });

    it("bad usage exits 2; a TLS URL is refused with a reason", async () => {
      const bad = cli(runtime, ["health", "--wait", "soon"]);
      expect(await bad.code()).toBe(2);
      expect(bad.out).toBe("valkey-bun health: --wait: expected a duration like 500ms, 10s or 1m, got 'soon'\n");
      const tls = cli(runtime, ["health", "--url", "rediss://127.0.0.1:6380"]);
      expect(await tls.code()).toBe(1);
      expect(tls.out).toBe("valkey-bun health: rediss:// (TLS) is not supported: valkey-bun serves plain TCP; use redis://\n");
    });
  });
}

describe("recipes (README.md (Dev stack section))", () => {
  const runtime: Runtime = RUNTIMES[0] ?? "node";

  it("CI job without a services: block: examples/ci.sh starts the server, waits healthy, runs the tests", async () => {
    const port = await freePort();
    const p = sh(`examples/ci.sh node ${APP} --once`, { env: { PATH: `${shimDir(runtime)}:${process.env.PATH}`, VALKEY_PORT: String(port) } });
    expect(await p.code()).toBe(0);
    expect(p.out).toMatch(/^PONG \(healthy after \d+ms, \d+ checks?\)$/m);
    expect(p.out).toContain(`app: connected to redis://127.0.0.1:${port}, PING -> PONG`);
    await new Promise((r) => setTimeout(r, 200));
    expect(await portClosed(port)).toBe(true);
  });

  it("the concurrently one-liner in examples/package.json", async () => {
    const port = await freePort();
    const script = (JSON.parse(readFileSync(join(ROOT, "examples", "package.json"), "utf8")).scripts.dev as string).replaceAll("6390", String(port));
    const p = sh(script, { cwd: join(ROOT, "examples"), env: { PATH: `${shimDir(runtime)}:${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` } });
    expect(await p.code()).toBe(0);
    expect(p.out).toContain(`[app] app: connected to redis://127.0.0.1:${port}, PING -> PONG`);
    expect(await portClosed(port)).toBe(true);
  });

  /** A throw-away project that depends on this checkout as `valkey-bun` (plus the tools it needs). */
  function project(example: string, deps: string[]): string {
    const dir = join(TMP, `${example}-project`);
    cpSync(join(ROOT, "examples", example), dir, { recursive: true });
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    symlinkSync(ROOT, join(dir, "node_modules", "valkey-bun"));
    for (const d of deps) symlinkSync(join(ROOT, "node_modules", d), join(dir, "node_modules", d));
    return dir;
  }

  it("vitest global setup (examples/vitest)", async () => {
    const dir = project("vitest", ["vitest", "ioredis"]);
    const p = new Proc(
      spawn(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir], { cwd: dir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] }),
    );
    expect(await p.code(60_000)).toBe(0);
    expect(p.out).toMatch(/Tests\s+1 passed/);
  }, 70_000);

  it("bun test preload (examples/bun)", async () => {
    const dir = project("bun", []);
    const p = new Proc(spawn(BUN, ["test"], { cwd: dir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] }));
    expect(await p.code(60_000)).toBe(0);
    expect(p.out).toMatch(/1 pass/);
    expect(p.out).toMatch(/0 fail/);
  }, 70_000);
});
