// Valkey 8 parity (issue 17 item 2): where client-side caching invalidations fall relative to replies, as
// valkey-server 8.0.1 sends them (checked side by side with test/diff/tracking.txt).

import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

function inval3(...keys: string[]): string {
  return `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join("")}`;
}

describeRuntimes("parity: client-side caching order (Valkey 8)", (ctx) => {
  async function resp3(): Promise<RawClient> {
    const r = await ctx.raw();
    await r.call("HELLO", "3");
    return r;
  }
  async function waitBlocked(admin: RawClient, id: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await admin.call("CLIENT", "LIST", "ID", id)).includes("flags=b")) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("client never blocked");
  }

  it("an unblocked BLMOVE gets its reply before the invalidation its own move caused", async () => {
    const b = await resp3();
    const o = await ctx.raw();
    const id = (await b.call("CLIENT", "ID")).slice(1, -2);
    await b.call("CLIENT", "TRACKING", "ON");
    expect(await b.call("GET", "pt:src")).toBe("_\r\n");
    expect(await b.call("LRANGE", "pt:dst", "0", "-1")).toBe("*0\r\n");
    b.send("BLMOVE", "pt:src", "pt:dst", "LEFT", "RIGHT", "0");
    await waitBlocked(o, id);
    expect(await o.call("RPUSH", "pt:src", "x")).toBe(":1\r\n");
    // pt:src changed by the other client: at once; the move's own write to pt:dst: after the reply
    expect(await b.read()).toBe(inval3("pt:src"));
    expect(await b.read()).toBe("$1\r\nx\r\n");
    expect(await b.read()).toBe(inval3("pt:dst"));
    expect(await b.call("PING")).toBe("+PONG\r\n");
    // NOLOOP: the move's own write is not reported at all
    await b.call("CLIENT", "TRACKING", "ON", "NOLOOP");
    await b.call("LRANGE", "pt:dst", "0", "-1");
    b.send("BLMOVE", "pt:src2", "pt:dst", "LEFT", "RIGHT", "0");
    await waitBlocked(o, id);
    expect(await o.call("RPUSH", "pt:src2", "y")).toBe(":1\r\n");
    expect(await b.read()).toBe("$1\r\ny\r\n");
    expect(await b.call("PING")).toBe("+PONG\r\n");
  });

  it("tracking-table-max-keys is enforced as the next command is processed: the waiting client gets the invalidation", async () => {
    const admin = await ctx.raw();
    await admin.call("FLUSHALL");
    const a = await resp3();
    await a.call("CLIENT", "TRACKING", "ON");
    expect(await admin.call("CONFIG", "SET", "tracking-table-max-keys", "1")).toBe("+OK\r\n");
    try {
      expect(await a.call("GET", "pt:l1")).toBe("_\r\n");
      expect(await a.call("GET", "pt:l2")).toBe("_\r\n");
      // nothing yet: the table is over the limit until a command is processed
      expect(await a.silent(150)).toBe(true);
      // a does nothing more; any other client's command makes room, and a is told
      expect(await admin.call("PING")).toBe("+PONG\r\n");
      expect(await a.read()).toBe(inval3("pt:l1"));
      expect(await admin.call("INFO", "stats")).toMatch(/tracking_total_keys:1\r\n/);
      // with NOLOOP, the keys evicted while the client's own command is processed are not sent to it (as Valkey)
      await a.call("CLIENT", "TRACKING", "ON", "NOLOOP");
      await a.call("GET", "pt:l3");
      expect(await a.call("PING")).toBe("+PONG\r\n");
      expect(await a.silent(100)).toBe(true);
    } finally {
      await admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
    }
  });

  it("scripts: only keys read by read-only commands they call are tracked (EVAL_RO's declared keys are not)", async () => {
    const r = await resp3();
    const g = ctx.ioredis();
    await g.mset("pt:key1", "1", "pt:key2", "1");
    await r.call("CLIENT", "TRACKING", "ON");
    await r.call("EVAL", "redis.call('set', 'pt:key3', 'bar')", "2", "pt:key1", "pt:key2");
    await g.mset("pt:key2", "2", "pt:key1", "2");
    expect(await r.call("PING")).toBe("+PONG\r\n");
    await r.call("EVAL_RO", "redis.call('ping')", "2", "pt:key1", "pt:key2");
    await g.mset("pt:key2", "2", "pt:key1", "2");
    expect(await r.call("PING")).toBe("+PONG\r\n");
    await r.call("EVAL_RO", "redis.call('get', 'pt:key2')", "2", "pt:key1", "pt:key2");
    await g.mset("pt:key2", "3", "pt:key1", "3");
    expect(await r.read()).toBe(inval3("pt:key2"));
    expect(await r.call("PING")).toBe("+PONG\r\n");
  });

  it("own writes: the invalidation follows the reply — after EXEC's whole reply, after HDEL's, never between", async () => {
    const r = await resp3();
    await r.call("CLIENT", "TRACKING", "ON");
    await r.call("GET", "pt:k");
    r.send("MULTI");
    r.send("SET", "pt:k", "a");
    r.send("GET", "pt:k");
    r.send("SET", "pt:k", "b");
    r.send("EXEC");
    expect([await r.read(), await r.read(), await r.read(), await r.read()]).toEqual(["+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "+QUEUED\r\n"]);
    expect(await r.read()).toBe("*3\r\n+OK\r\n$1\r\na\r\n+OK\r\n");
    // the first SET invalidated it, the GET tracked it again, the second SET invalidated it again
    expect(await r.read()).toBe(inval3("pt:k"));
    expect(await r.read()).toBe(inval3("pt:k"));
    await r.call("HSET", "pt:h", "f", "v");
    await r.call("HGET", "pt:h", "f");
    expect(await r.call("HDEL", "pt:h", "f")).toBe(":1\r\n");
    expect(await r.read()).toBe(inval3("pt:h"));
  });

  it("a key that expires inside the client's own command is reported after that command's reply", async () => {
    const r = await resp3();
    const admin = await ctx.raw();
    expect(await admin.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")).toBe("+OK\r\n");
    try {
      await r.call("CLIENT", "TRACKING", "ON");
      await r.call("SET", "pt:e", "v", "PX", "400");
      expect(await r.call("GET", "pt:e")).toBe("$1\r\nv\r\n");
      await new Promise((res) => setTimeout(res, 600));
      expect(await r.call("MGET", "pt:e", "pt:none")).toBe("*2\r\n_\r\n_\r\n");
      expect(await r.read()).toBe(inval3("pt:e"));
    } finally {
      await admin.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }
  });

  it("keys evicted by maxmemory as the client's command is processed are reported before that command's reply", async () => {
    const r = await resp3();
    const admin = await ctx.raw();
    expect(await admin.call("FLUSHALL")).toBe("+OK\r\n");
    await r.call("CLIENT", "TRACKING", "ON");
    const big = "x".repeat(10_000);
    for (let i = 0; i < 5; i++) {
      expect(await admin.call("SET", `pt:ev${i}`, big)).toBe("+OK\r\n");
      expect(await r.call("GET", `pt:ev${i}`)).toBe(`$10000\r\n${big}\r\n`);
    }
    const used = Number(/used_memory:(\d+)/.exec(await admin.call("INFO", "memory"))![1]);
    const evicted = async () => Number(/evicted_keys:(\d+)/.exec(await admin.call("INFO", "stats"))![1]);
    const evicted0 = await evicted();
    try {
      expect(await admin.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")).toBe("+OK\r\n");
      expect(await admin.call("CONFIG", "SET", "maxmemory", String(used + 20_000))).toBe("+OK\r\n");
      // admin's write takes memory over the limit; r's next command evicts (before it runs) keys r has cached
      expect(await admin.call("SET", "pt:big", "y".repeat(40_000))).toBe("+OK\r\n");
      expect(await r.silent(100)).toBe(true);
      r.send("PING");
      const before: string[] = [];
      for (let m = await r.read(); m !== "+PONG\r\n"; m = await r.read()) before.push(m);
      expect(before.length).toBeGreaterThan(0);
      for (const m of before) expect(m).toMatch(/^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$6\r\npt:ev\d\r\n$/);
      expect(await evicted()).toBe(evicted0 + before.length);
      expect(await r.silent(100)).toBe(true); // nothing left over after the reply
    } finally {
      await admin.call("CONFIG", "SET", "maxmemory", "0");
      await admin.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
  });

  it("switching from default tracking to BCAST: keys read before are no longer invalidated", async () => {
    const r = await resp3();
    const o = await ctx.raw();
    await r.call("CLIENT", "TRACKING", "ON");
    await r.call("GET", "pt:before");
    await r.call("CLIENT", "TRACKING", "OFF");
    await r.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "pt:zzz");
    await o.call("SET", "pt:before", "changed");
    expect(await r.call("PING")).toBe("+PONG\r\n");
    expect(await r.silent(100)).toBe(true);
  });

  it("OPTIN, then default tracking, with REDIRECT to a RESP2 subscriber: every invalidation arrives", async () => {
    const sub = await ctx.raw();
    const id = (await sub.call("CLIENT", "ID")).slice(1, -2);
    expect(await sub.call("SUBSCRIBE", "__redis__:invalidate")).toBe("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n");
    const msg = (key: string) => `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$${key.length}\r\n${key}\r\n`;
    const c = await ctx.raw();
    const o = ctx.ioredis();
    expect(await c.call("CLIENT", "TRACKING", "ON", "REDIRECT", id, "OPTIN")).toBe("+OK\r\n");
    await c.call("CLIENT", "CACHING", "YES");
    await c.call("GET", "pt:rk");
    await o.set("pt:rk", "1");
    expect(await sub.read()).toBe(msg("pt:rk"));
    expect(await c.call("CLIENT", "TRACKING", "OFF")).toBe("+OK\r\n");
    expect(await c.call("CLIENT", "TRACKING", "ON", "REDIRECT", id)).toBe("+OK\r\n");
    await c.call("GET", "pt:rk");
    await o.set("pt:rk", "2");
    expect(await sub.read()).toBe(msg("pt:rk"));
    await c.call("GET", "pt:rk2");
    await o.set("pt:rk2", "2");
    expect(await sub.read()).toBe(msg("pt:rk2"));
  });
},
// DEBUG SET-ACTIVE-EXPIRE makes expiry lazy (Valkey refuses DEBUG unless enabled, whatever this server's default).
["--enable-debug-command", "yes"]);
