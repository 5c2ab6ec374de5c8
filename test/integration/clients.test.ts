// The clients named in the quick start connect without errors or warnings and use strings and generic keys:
// ioredis (RESP3, as ioredis 6 opens with HELLO 3), node-redis RESP2/RESP3, iovalkey, and Bun's RedisClient.

import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { Redis as Valkey } from "iovalkey";
import { BUN, describeRuntimes } from "../helpers/server.js";

describeRuntimes("real clients", (ctx) => {
  it("ioredis with HELLO 3 sees RESP3 and no errors", async () => {
    const errors: unknown[] = [];
    const r = ctx.ioredis({ protocol: 3 } as never);
    r.on("error", (e) => errors.push(e));
    expect(await r.set("io:k", "v", "EX", 100)).toBe("OK");
    expect(await r.get("io:k")).toBe("v");
    expect(await r.ttl("io:k")).toBeGreaterThan(90);
    expect(await r.hello(3)).toContain("proto");
    expect(errors).toEqual([]);
  });

  it("iovalkey connects, passes its ready check and uses strings and keys", async () => {
    const v = new Valkey({ port: ctx.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
    const errors: unknown[] = [];
    v.on("error", (e: unknown) => errors.push(e));
    try {
      expect(await v.set("iv:k", "1")).toBe("OK");
      expect(await v.incrby("iv:k", 41)).toBe(42);
      expect(await v.exists("iv:k", "iv:none")).toBe(1);
      expect(await v.type("iv:k")).toBe("string");
      expect(await v.del("iv:k")).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      v.disconnect();
    }
  });

  it("node-redis RESP2 and RESP3 send CLIENT SETINFO and work", async () => {
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      expect(await n.set(`nr:${resp}`, "x")).toBe("OK");
      expect(await n.getDel(`nr:${resp}`)).toBe("x");
      const info = (await n.sendCommand(["CLIENT", "INFO"])) as string;
      expect(info).toMatch(/lib-name=node-redis/);
      expect(info).toMatch(new RegExp(`resp=${resp}`));
    }
  });

  it("Bun's built-in RedisClient (run under Bun) sets, reads and expires keys", async () => {
    const script = `
      const c = new Bun.RedisClient("redis://127.0.0.1:${ctx.port}");
      await c.set("bun:k", "hello");
      const v = await c.get("bun:k");
      await c.expire("bun:k", 100);
      const ttl = await c.ttl("bun:k");
      const n = await c.incr("bun:n");
      c.close();
      console.log(JSON.stringify({ v, ttl, n }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(BUN, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      let o = "";
      let e = "";
      p.stdout.on("data", (d) => (o += d));
      p.stderr.on("data", (d) => (e += d));
      p.on("exit", (code) => (code === 0 ? resolve(o) : reject(new Error(`bun exited ${code}: ${e}`))));
    });
    const got = JSON.parse(out.trim().split("\n").pop()!);
    expect(got.v).toBe("hello");
    expect(got.ttl).toBeGreaterThan(90);
    expect(got.n).toBe(1);
  });
});
