// The in-process API: `import { startServer } from "valkey-bun"` — several isolated servers in one process,
// each with its own test clock. Runs here under vitest (Node), and the same checks under `bun test`.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startServer, type StartedServer } from "../../src/index.js";
import { BUN, RawClient, ROOT } from "../helpers/server.js";

const servers: StartedServer[] = [];
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.close();
});

async function start(opts: Parameters<typeof startServer>[0] = {}): Promise<StartedServer> {
  const s = await startServer(opts);
  servers.push(s);
  return s;
}

function client(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on("error", () => {});
  clients.push(r);
  return r;
}

describe("startServer()", () => {
  it("port 0 gives each of several parallel servers its own free port, URL and keyspace", async () => {
    const started = await Promise.all([start({ port: 0 }), start({ port: 0 }), start()]);
    const ports = started.map((s) => s.port);
    expect(new Set(ports).size).toBe(3);
    for (const s of started) {
      expect(s.port).toBeGreaterThan(0);
      expect(s.host).toBe("127.0.0.1");
      expect(s.url).toBe(`redis://127.0.0.1:${s.port}`);
    }
    const [a, b, c] = started.map((s) => client(s.url));
    await a!.set("who", "a");
    await b!.set("who", "b");
    expect(await a!.get("who")).toBe("a");
    expect(await b!.get("who")).toBe("b");
    expect(await c!.get("who")).toBeNull();
    expect(await c!.dbsize()).toBe(0);
  });

  it("a password shows in the URL and is enforced", async () => {
    const s = await start({ password: "p@ss:word" });
    expect(s.url).toBe(`redis://:p%40ss%3Aword@127.0.0.1:${s.port}`);
    expect(await client(s.url).ping()).toBe("PONG");
    const anon = await RawClient.connect(s.port);
    expect(await anon.call("GET", "x")).toBe("-NOAUTH Authentication required.\r\n");
    anon.close();
  });

  it("databases and other parameters are per server; bad options fail with the parameter named", async () => {
    const s = await start({ databases: 2, config: { "notify-keyspace-events": "KEA" } });
    const r = client(s.url);
    expect(await r.select(1)).toBe("OK");
    await expect(r.select(2)).rejects.toThrow("ERR DB index is out of range");
    expect(s.server.param("notify-keyspace-events")).not.toBe("");
    const other = await start();
    expect(await client(other.url).select(15)).toBe("OK");
    expect(other.server.param("notify-keyspace-events")).toBe("");
    await expect(startServer({ maxclients: 0 })).rejects.toThrow("invalid option maxclients: '0' — argument must be between 1 and 4294967295 inclusive");
    await expect(startServer({ config: { "no-such-param": 1 } })).rejects.toThrow("unknown option 'no-such-param'");
  });

  it("close() stops listening and drops clients; it is idempotent; a second server on a busy port is refused", async () => {
    const s = await startServer({ port: 0 });
    const r = client(s.url);
    expect(await r.ping()).toBe("PONG");
    await expect(startServer({ port: s.port })).rejects.toThrow(`port ${s.port} is already in use`);
    const closed = new Promise((resolve) => r.once("end", resolve));
    await s.close();
    await s.close();
    await closed;
    await expect(startServer({ port: s.port }).then((t) => (servers.push(t), t.port))).resolves.toBe(s.port);
  });

  it("close() stops a script that runs past busy-reply-threshold (its slices do not go on in this process)", async () => {
    const s = await startServer({ config: { "busy-reply-threshold": 20 } });
    const runner = await RawClient.connect(s.port);
    const other = await RawClient.connect(s.port);
    runner.send("EVAL", "local x = 0 while true do x = x + 1 end", "0");
    for (let i = 0; (await other.call("PING")) !== "-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"; i++) {
      expect(i).toBeLessThan(200);
      await new Promise((res) => setTimeout(res, 10));
    }
    await s.close();
    runner.close();
    other.close();
    // The script ran in slices on this thread: once it is stopped, this process is idle again (a script still
    // running keeps it at ~1.0). process.cpuUsage counts V8's background threads too, which go on optimizing the
    // engine's hot WebAssembly for a few hundred ms after the loop made it hot (0.4-0.7 over the first 400 ms
    // in a fresh process, 0.00 from 300 ms on): measure after that.
    await new Promise((res) => setTimeout(res, 300));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((res) => setTimeout(res, 400));
    const used = process.cpuUsage(cpu0);
    expect((used.user + used.system) / 1000 / (performance.now() - t0)).toBeLessThan(0.25);
  });

  it("await using closes the server at the end of the scope", async () => {
    let port = 0;
    {
      await using s = await startServer();
      port = s.port;
      expect(await client(s.url).ping()).toBe("PONG");
    }
    const r = new Redis(port, "127.0.0.1", { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on("error", () => {});
    await expect(r.connect()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
  });
});

describe("the test clock", () => {
  it("a key set with PX is gone once the server's clock moves past it (no sleeping), in that server only", async () => {
    const [s, t] = await Promise.all([start(), start()]);
    const r = client(s.url);
    const q = client(t.url);
    expect(await r.set("session", "abc", "PX", 60_000)).toBe("OK");
    expect(await q.set("session", "abc", "PX", 60_000)).toBe("OK");
    s.clock.advance(59_000);
    expect(await r.get("session")).toBe("abc");
    s.clock.advance(1_001);
    expect(await r.get("session")).toBeNull();
    expect(await q.get("session")).toBe("abc"); // the other server's clock did not move
  });

  it("clock.set(ms) jumps to an absolute time; expiry is measured against it", async () => {
    const s = await start();
    const r = client(s.url);
    const base = Date.UTC(2030, 0, 1);
    s.clock.set(base);
    expect(Math.abs(s.clock.now() - base)).toBeLessThan(1000);
    await r.set("k", "v", "PXAT", base + 5_000);
    s.clock.set(base + 4_000);
    expect(await r.get("k")).toBe("v");
    s.clock.set(base + 5_000);
    expect(await r.get("k")).toBeNull();
  });

  it("expiry set through the store follows the clock too (lazy expiry against store.now, refreshed per batch)", async () => {
    const s = await start();
    const r = client(s.url);
    await r.set("k", "v");
    s.server.store.dbs[0]!.setExpire("k", s.clock.now() + 10_000);
    expect(await r.get("k")).toBe("v");
    s.clock.advance(10_000);
    expect(await r.get("k")).toBeNull();
  });
});

describe("under bun test", () => {
  it("parallel servers, isolation and the clock work the same in Bun (Bun's RedisClient)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "valkey-bun-api-"));
    writeFileSync(
      join(dir, "api.test.ts"),
      `import { RedisClient } from "bun";
import { expect, test } from "bun:test";
import { startServer } from ${JSON.stringify(join(ROOT, "src", "index.ts"))};

test("startServer in bun", async () => {
  const [a, b] = await Promise.all([startServer({ port: 0 }), startServer({ port: 0 })]);
  expect(a.port).not.toBe(b.port);
  const ra = new RedisClient(a.url);
  const rb = new RedisClient(b.url);
  await ra.set("k", "a");
  expect(await rb.get("k")).toBeNull();
  a.server.store.dbs[0]!.setExpire("k", a.clock.now() + 5_000);
  expect(await ra.get("k")).toBe("a");
  a.clock.advance(5_000);
  expect(await ra.get("k")).toBeNull();
  ra.close();
  rb.close();
  await a.close();
  await b.close();
});
`,
    );
    const p = spawn(BUN, ["test", "api.test.ts"], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    const code = await new Promise((resolve) => p.once("close", resolve));
    expect(out).toMatch(/1 pass/);
    expect(code).toBe(0);
  });
});
