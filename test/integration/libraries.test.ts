import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { Server as IoServer } from "socket.io";
import { io as ioClient, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import Redlock, { ExecutionError } from "redlock";
import KeyvRedis, { Keyv } from "@keyv/redis";
import { describeRuntimes } from "../helpers/server.js";

// The libraries the README names as working unmodified, each driven the way an application drives it, against
// a real server on both runtimes. Each one leans on something different: connect-redis on SET EX and SCAN,
// rate-limiter-flexible on its Lua script and PTTL, the socket.io adapters on PSUBSCRIBE, PUBSUB NUMSUB /
// SHARDNUMSUB and request/response channels, redlock on its Lua scripts' replies, keyv on namespaced SCAN and
// pipelines.

const listen = (srv: HttpServer): Promise<number> =>
  new Promise((done) => srv.listen(0, "127.0.0.1", () => done((srv.address() as AddressInfo).port)));
const closeHttp = (srv: HttpServer): Promise<void> => new Promise((done) => srv.close(() => done()));

describeRuntimes("libraries", (ctx) => {
  it("connect-redis + express-session: a session survives requests, expires with its cookie, and is destroyed", async () => {
    const client = await ctx.nodeRedis();
    const store = new RedisStore({ client, prefix: "sess:" });
    const mw = session({ store, secret: "s3cret", resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } });
    type Req = IncomingMessage & { session: session.Session & { views?: number } };
    const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
      mw(req as never, res as never, () => {
        const r = req as Req;
        if (req.url === "/logout") {
          r.session.destroy(() => res.end("bye"));
          return;
        }
        r.session.views = (r.session.views ?? 0) + 1;
        res.end(String(r.session.views));
      });
    });
    const port = await listen(srv);
    try {
      const first = await fetch(`http://127.0.0.1:${port}/`);
      expect(await first.text()).toBe("1");
      const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
      const sid = decodeURIComponent(cookie.split("=")[1]!).slice(2).split(".")[0]!;
      const again = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
      expect(await again.text()).toBe("2");

      const admin = ctx.ioredis();
      const stored = JSON.parse((await admin.get(`sess:${sid}`))!) as { views: number; cookie: { originalMaxAge: number } };
      expect(stored.views).toBe(2);
      const ttl = await admin.ttl(`sess:${sid}`);
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
      // The store's own listing (SCAN with its prefix) sees this session and no other key.
      await admin.set("unrelated", "x");
      expect(await new Promise((done, fail) => store.length((e, n) => (e ? fail(e) : done(n))))).toBe(1);
      expect(await new Promise((done, fail) => store.ids((e, ids) => (e ? fail(e) : done(ids))))).toEqual([sid]);

      expect(await (await fetch(`http://127.0.0.1:${port}/logout`, { headers: { cookie } })).text()).toBe("bye");
      expect(await admin.exists(`sess:${sid}`)).toBe(0);
      const fresh = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
      expect(await fresh.text()).toBe("1");
      expect(await admin.exists("unrelated")).toBe(1);
    } finally {
      await closeHttp(srv);
    }
  });

  it("rate-limiter-flexible: points run out, msBeforeNext follows the window, penalty, reward, block and delete", async () => {
    const limiter = new RateLimiterRedis({ storeClient: ctx.ioredis(), keyPrefix: "rl", points: 3, duration: 5 });
    const results: RateLimiterRes[] = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.consume("user1"));
    expect(results.map((r) => r.remainingPoints)).toEqual([2, 1, 0]);
    const refused = await limiter.consume("user1").then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RateLimiterRes);
    expect((refused as RateLimiterRes).remainingPoints).toBe(0);
    expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(4000);
    expect((refused as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(5000);

    const admin = ctx.ioredis();
    expect(await admin.get("rl:user1")).toBe("4");
    expect(await admin.pttl("rl:user1")).toBeGreaterThan(4000);

    await limiter.reward("user1", 3);
    expect((await limiter.get("user1"))!.consumedPoints).toBe(1);
    await limiter.penalty("user1", 1);
    expect((await limiter.get("user1"))!.consumedPoints).toBe(2);
    await limiter.block("user2", 30);
    const blocked = (await limiter.get("user2"))!;
    expect(blocked.consumedPoints).toBeGreaterThan(3);
    expect(blocked.msBeforeNext).toBeGreaterThan(29000);
    expect(await limiter.delete("user2")).toBe(true);
    expect(await limiter.get("user2")).toBeNull();

    // The same limiter over node-redis (the library's other client family).
    const viaNodeRedis = new RateLimiterRedis({ storeClient: await ctx.nodeRedis(), useRedisPackage: true, keyPrefix: "rl2", points: 1, duration: 5 });
    expect((await viaNodeRedis.consume("k")).remainingPoints).toBe(0);
    await expect(viaNodeRedis.consume("k")).rejects.toBeInstanceOf(RateLimiterRes);
  });

  for (const sharded of [false, true]) {
    it(`@socket.io/redis-adapter (${sharded ? "sharded: SSUBSCRIBE" : "classic: PSUBSCRIBE"}): rooms, fetchSockets and acks across two servers`, async () => {
      const made: Array<{ http: HttpServer; io: IoServer; port: number; sub: { close(): Promise<unknown> } }> = [];
      for (let i = 0; i < 2; i++) {
        const pub = await ctx.nodeRedis();
        const sub = pub.duplicate();
        sub.on("error", () => {});
        await sub.connect();
        const http = createServer();
        const io = new IoServer(http, { adapter: sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub, { requestsTimeout: 3000 }) });
        io.on("connection", (socket) => {
          void socket.join("room1");
          socket.data = { server: i };
        });
        io.on("ping-all", (n: number, ack?: (r: number) => void) => ack?.(n + i));
        // io.close() leaves the adapter's clients open: `sub` is closed below (`pub` with the suite's clients).
        made.push({ http, io, port: await listen(http), sub });
      }
      const [a, b] = made as [(typeof made)[0], (typeof made)[0]];
      const client: ClientSocket = ioClient(`http://127.0.0.1:${a.port}`, { transports: ["websocket"], forceNew: true });
      try {
        await new Promise<void>((done, fail) => {
          client.on("connect", () => done());
          client.on("connect_error", fail);
        });
        // The socket lives on server A; server B reaches it only through the server.
        const got = new Promise<unknown>((done) => client.on("news", done));
        // The adapters subscribe asynchronously once the servers start: wait for A's room channel (sharded) or
        // both servers' request channel (classic; the adapter counts servers with PUBSUB NUMSUB on it).
        const admin = ctx.ioredis();
        const [channel, want] = sharded ? ["socket.io#/#room1#", 1] : ["socket.io-request#/#", 2];
        const deadline = Date.now() + 5000;
        for (;;) {
          const reply = (await admin.call("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel)) as [string, number];
          if (reply[1] >= want) break;
          if (Date.now() > deadline) throw new Error(`${channel}: ${reply[1]} subscribers`);
          await new Promise((r) => setTimeout(r, 20));
        }
        b.io.to("room1").emit("news", { from: "B" });
        expect(await got).toEqual({ from: "B" });

        if (!sharded) {
          // fetchSockets and serverSideEmit with acks are request/response over the adapter's channels; the
          // adapter counts the other servers with PUBSUB NUMSUB.
          const remote = await b.io.in("room1").fetchSockets();
          expect(remote.map((s) => [s.id, s.data])).toEqual([[client.id, { server: 0 }]]);
          const acks = await b.io.serverSideEmitWithAck("ping-all", 10);
          expect(acks).toEqual([10]);
          // B's request reaches A after B's socketsLeave broadcast (one connection, in order).
          await b.io.in("room1").socketsLeave("room1");
          const stillIn = await b.io.in("room1").fetchSockets();
          expect(stillIn).toEqual([]);
        }
      } finally {
        client.disconnect();
        for (const m of made) {
          await new Promise<void>((done) => m.io.close(() => done()));
          await m.sub.close();
        }
      }
    });
  }

  it("redlock: one holder at a time, extend, release, and using() with automatic extension", async () => {
    const redlock = new Redlock([ctx.ioredis()], { retryCount: 0, driftFactor: 0.01 });
    const lock = await redlock.acquire(["lock:a"], 2000);
    const admin = ctx.ioredis();
    expect(await admin.get("lock:a")).toBe(lock.value);
    expect(await admin.pttl("lock:a")).toBeGreaterThan(1500);

    const second = await redlock.acquire(["lock:a"], 2000).then(
      () => null,
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(ExecutionError);

    const extended = await lock.extend(10_000);
    expect(await admin.pttl("lock:a")).toBeGreaterThan(9000);
    await extended.release();
    expect(await admin.exists("lock:a")).toBe(0);

    // A multi-resource lock is all or nothing: one held resource refuses the whole set and leaves the other free.
    await admin.set("lock:c", "someone-else", "PX", 5000);
    await expect(redlock.acquire(["lock:b", "lock:c"], 2000)).rejects.toBeInstanceOf(ExecutionError);
    expect(await admin.exists("lock:b")).toBe(0);

    // using() extends the lock while the routine runs past its first duration.
    let pttlLate = 0;
    await redlock.using(["lock:d"], 600, { automaticExtensionThreshold: 300 }, async () => {
      await new Promise((r) => setTimeout(r, 900));
      pttlLate = await admin.pttl("lock:d");
    });
    expect(pttlLate).toBeGreaterThan(0);
    expect(await admin.exists("lock:d")).toBe(0);
  });

  it("keyv + @keyv/redis: values with TTLs, many at once, a namespace that clear() keeps to itself, iteration", async () => {
    const url = `redis://127.0.0.1:${ctx.port}`;
    const store = new KeyvRedis(url);
    const keyv = new Keyv({ store, namespace: "app" });
    const other = new Keyv({ store: new KeyvRedis(url), namespace: "other" });
    try {
      await keyv.set("user:1", { name: "Ada" });
      await keyv.set("temp", 42, 300);
      await other.set("user:1", "other's");
      expect(await keyv.get("user:1")).toEqual({ name: "Ada" });
      expect(await keyv.has("temp")).toBe(true);
      await keyv.setMany([
        { key: "m1", value: 1 },
        { key: "m2", value: 2 },
      ]);
      expect(await keyv.getMany(["m1", "m2", "missing"])).toEqual([1, 2, undefined]);

      const seen: string[] = [];
      for await (const [k] of keyv.iterator!(undefined)) seen.push(String(k));
      expect(seen.sort()).toEqual(["m1", "m2", "temp", "user:1"]);

      await new Promise((r) => setTimeout(r, 400));
      expect(await keyv.get("temp")).toBeUndefined();
      expect(await keyv.delete("m1")).toBe(true);
      await keyv.clear();
      expect(await keyv.get("user:1")).toBeUndefined();
      expect(await other.get("user:1")).toBe("other's");
    } finally {
      await keyv.disconnect();
      await other.disconnect();
    }
  });
});
