// The key browser (`--ui`), driven in a real browser: playwright-core steering Debian's chromium against a server
// spawned on each runtime, with data written by a real client. Skipped, saying why, when chromium is absent.

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { Redis } from "ioredis";
import { RUNTIMES, spawnServer, type Spawned } from "../helpers/server.js";
import { Redis as IORedis } from "ioredis";
import { takeUiFlag } from "../../src/ui/server.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe("--ui flag", () => {
  it("takes an optional port, and refuses what is not one", () => {
    expect(takeUiFlag(["--port", "1", "--ui"])).toEqual({ argv: ["--port", "1"], port: 0 });
    expect(takeUiFlag(["--ui", "8001", "--port", "1"])).toEqual({ argv: ["--port", "1"], port: 8001 });
    expect(takeUiFlag(["--ui=8002"])).toEqual({ argv: [], port: 8002 });
    expect(takeUiFlag(["--port", "1"])).toEqual({ argv: ["--port", "1"], port: null });
    expect(() => takeUiFlag(["--ui=http"])).toThrow("--ui: 'http' is not a port");
  });
});

if (!haveChromium) console.warn(`ui.test.ts: browser tests skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

for (const runtime of RUNTIMES) {
  describe.skipIf(!haveChromium)(`key browser in chromium [${runtime}]${haveChromium ? "" : ` (skipped: no ${CHROMIUM})`}`, () => {
    let server: Spawned;
    let url = "";
    let redis: Redis;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      server = await spawnServer(runtime, ["--ui", "--requirepass", "pw"]);
      for (let i = 0; i < 200 && !/key browser on (http:\S+)/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 25));
      url = /key browser on (http:\S+)/.exec(server.output())![1]!;
      redis = new IORedis(server.port, { password: "pw" });
      const pipe = redis.pipeline();
      for (let i = 0; i < 230; i++) pipe.set(`filler:${String(i).padStart(3, "0")}`, i);
      pipe.set("greeting", "hello world", "EX", 3600);
      pipe.set(Buffer.from([0x62, 0x69, 0x6e, 0xff]), "binary key");
      pipe.hset("user:1", { name: "Ada", role: "admin" });
      pipe.hset("user:2", { name: "Alan" });
      pipe.rpush("queue", ...Array.from({ length: 120 }, (_, i) => `job-${i}`));
      pipe.zadd("scores", 1, "low", 50, "mid", 99.5, "high");
      pipe.sadd("tags", "red", "green");
      pipe.xadd("events", "1-1", "kind", "signup", "user", "ada");
      pipe.xadd("events", "2-1", "kind", "login", "user", "alan");
      pipe.xgroup("CREATE", "events", "mailer", "0");
      pipe.select(3).set("elsewhere", "db3").select(0);
      await pipe.exec();
      await redis.xreadgroup("GROUP", "mailer", "worker-1", "COUNT", 1, "STREAMS", "events", ">");
      const { chromium } = await import("playwright-core");
      context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "valkey-bun-chromium-")), {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        httpCredentials: { username: "default", password: "pw" },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(8_000);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      redis?.disconnect();
      await server?.stop();
    });

    it("asks for the server's password, answers on loopback names only", async () => {
      expect((await fetch(url)).status).toBe(401);
      const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from("default:nope").toString("base64")}` } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${url}api/overview`, { headers: { authorization: `Basic ${Buffer.from("default:pw").toString("base64")}` } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { databases: Array<{ db: number; keys: number }> }).databases.slice(0, 4)).toEqual([
        { db: 0, keys: 238, expires: 1 },
        { db: 1, keys: 0, expires: 0 },
        { db: 2, keys: 0, expires: 0 },
        { db: 3, keys: 1, expires: 0 },
      ]);
    });

    it("lists keys SCAN-paged with type, TTL and size, and filters by pattern", async () => {
      await page.goto(url);
      await expect.poll(() => page.locator("#db option").first().textContent()).toBe("db0 (238 keys)");
      await expect.poll(() => page.locator("#keylist tr").count()).toBeGreaterThan(0);
      // Page through every key with "More" until the cursor is back to 0.
      const scans = () => page.locator("#scanned").getAttribute("data-scans");
      for (let i = 0; i < 20 && (await page.locator("#more").isVisible()); i++) {
        const before = await scans();
        await page.click("#more");
        await expect.poll(scans).not.toBe(before);
      }
      await expect.poll(() => page.locator("#scanned").textContent()).toBe("238 keys");
      const row = page.locator("#keylist tr", { has: page.locator("td", { hasText: /^greeting$/ }) });
      await expect.poll(() => row.locator("td").allTextContents()).toEqual(["greeting", "string", expect.stringMatching(/^3[56]\d\ds$/), expect.stringMatching(/ B$/)]);
      expect(await page.locator('#keylist tr[data-key="bin\\\\xff"] td').first().textContent()).toBe("bin\\xff");
      await page.fill("#match", "user:*");
      await page.click("#scan");
      await expect.poll(async () => (await page.locator("#keylist tr td:first-child").allTextContents()).sort()).toEqual(["user:1", "user:2"]);
      await page.selectOption("#db", "3");
      await page.fill("#match", "*");
      await page.click("#scan");
      await expect.poll(() => page.locator("#keylist tr td:first-child").allTextContents()).toEqual(["elsewhere"]);
      await page.selectOption("#db", "0");
    });

    async function open(key: string) {
      await page.fill("#match", key);
      await page.click("#scan");
      await page.locator("#keylist tr", { has: page.locator("td", { hasText: new RegExp(`^${key}$`) }) }).click();
      await expect.poll(() => page.locator("#value-key").textContent()).toBe(key);
    }

    it("shows each value by its type: hash fields, list and zset ranges, stream entries and pending groups", async () => {
      await open("user:1");
      expect(await page.locator("#value table tbody tr").allTextContents()).toEqual(expect.arrayContaining(["nameAda", "roleadmin"]));
      await open("greeting");
      expect(await page.locator("#value-string").textContent()).toBe("hello world");
      expect(await page.locator("#value-meta").textContent()).toMatch(/^string · embstr · TTL \d+s · \d+ B · length 11$/);
      await open("queue");
      expect(await page.locator("#value table tbody tr").count()).toBe(50);
      expect(await page.locator("#value table tbody tr").first().textContent()).toBe("0job-0");
      await page.click("text=Next 50");
      await expect.poll(() => page.locator("#value table tbody tr").first().textContent()).toBe("50job-50");
      await open("scores");
      expect(await page.locator("#value table tbody tr").allTextContents()).toEqual(["0low1", "1mid50", "2high99.5"]);
      await open("tags");
      expect((await page.locator("#value table tbody tr").allTextContents()).sort()).toEqual(["green", "red"]);
      await open("events");
      const tables = page.locator("#value table");
      expect(await tables.nth(0).locator("tbody tr").allTextContents()).toEqual(["1-1kind=signup  user=ada", "2-1kind=login  user=alan"]);
      expect(await tables.nth(1).locator("tbody tr td").allTextContents()).toEqual(["mailer", "1", "1", "1-1", expect.stringMatching(/^1-1 → worker-1 \(1×, idle \d+ms\)$/)]);
    });

    it("shows pub/sub messages live", async () => {
      await page.click("#tab-pubsub");
      await page.fill("#pattern", "news.*");
      await page.click("#sub");
      await expect.poll(() => page.locator("#substate").textContent()).toBe("subscribed to news.*");
      await redis.publish("news.tech", "valkey-bun ships a key browser");
      await redis.publish("other", "not for us");
      await expect.poll(() => page.locator("#messages tr td:nth-child(2)").allTextContents()).toEqual(["news.tech"]);
      expect(await page.locator("#messages tr td:nth-child(3)").first().textContent()).toBe("valkey-bun ships a key browser");
      await page.click("#unsub");
    });

    it("shows MONITOR live, without the page's own requests", async () => {
      await page.click("#tab-monitor");
      await page.click("#mon");
      await expect.poll(() => page.locator("#monstate").textContent()).toBe("listening");
      await page.click("#tab-keys"); // the page's own SCANs must not show up
      await page.click("#scan");
      await page.click("#tab-monitor");
      await redis.set("watched", "1");
      await expect.poll(() => page.locator("#monlog tr td:nth-child(4)").allTextContents()).toContain("set watched 1");
      expect((await page.locator("#monlog tr td:nth-child(4)").allTextContents()).some((t) => /^scan /i.test(t))).toBe(false);
      await page.click("#monstop");
    });

    it("shows SLOWLOG and INFO at a glance", async () => {
      await redis.config("SET", "slowlog-log-slower-than", "0");
      await redis.call("ECHO", "slowlog-mark"); // any command is slow at slowlog-log-slower-than 0 (DEBUG is off by default)
      await redis.config("SET", "slowlog-log-slower-than", "10000");
      await page.click("#tab-slowlog");
      await expect.poll(() => page.locator("#slowrows tr td:nth-child(4)").allTextContents()).toContain("ECHO slowlog-mark");
      await page.click("#tab-info");
      await expect.poll(() => page.locator("#infosections h4").allTextContents()).toEqual(expect.arrayContaining(["Server", "Clients", "Keyspace"]));
      expect(await page.locator("#infosections tr", { hasText: "tcp_port" }).locator("td").nth(1).textContent()).toBe(String(server.port));
    });
  });
}

describe("valkey-bun dev with valkey.ui", () => {
  it("starts the server with --ui and prints the key browser's URL, which answers", async () => {
    const { spawn } = await import("node:child_process");
    const { writeFileSync } = await import("node:fs");
    const { cliCommand } = await import("../helpers/server.js");
    const dir = mkdtempSync(join(tmpdir(), "valkey-bun-ui-dev-"));
    const file = join(dir, "stack.json");
    writeFileSync(file, JSON.stringify({ valkey: { port: 0, ui: true, password: "pw" } }));
    const [cmd, pre] = cliCommand(RUNTIMES[0] ?? "node");
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1" };
    for (const k of Object.keys(env)) if (k.startsWith("VALKEY_")) delete env[k];
    const child = spawn(cmd, [...pre, "dev", "--manifest", file], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      await expect.poll(() => /^--> key browser: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out)?.[1], { timeout: 20_000 }).toBeTruthy();
      const url = /^--> key browser: (http:\S+)$/m.exec(out)![1]!;
      expect((await fetch(url)).status).toBe(401);
      const ok = await fetch(`${url}api/overview`, { headers: { authorization: `Basic ${Buffer.from("default:pw").toString("base64")}` } });
      expect(ok.status).toBe(200);
    } finally {
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    }
    expect(out).toMatch(/^--> stopped \(SIGINT\)/m);
  }, 30_000);
});
