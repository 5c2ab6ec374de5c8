import { expect, it } from "vitest";
import { describeRuntimes, RawClient } from "../helpers/server.js";

const once = <T>(emitter: { once(ev: string, fn: (...a: any[]) => void): unknown }, ev: string) =>
  new Promise<T[]>((resolve) => emitter.once(ev, (...a: T[]) => resolve(a)));

describeRuntimes(
  "pubsub",
  (ctx) => {
    it("fans a message out to many subscribers (ioredis) and PUBLISH counts receivers", async () => {
      const subs = Array.from({ length: 20 }, () => ctx.ioredis());
      await Promise.all(subs.map((s) => s.subscribe("news")));
      const got = subs.map((s) => once<string>(s, "message"));
      const pub = ctx.ioredis();
      expect(await pub.publish("news", "hello")).toBe(20);
      for (const [ch, msg] of await Promise.all(got)) {
        expect(ch).toBe("news");
        expect(msg).toBe("hello");
      }
      expect(await pub.publish("nobody-listens", "x")).toBe(0);
    });

    it("pattern subscriptions receive pmessage with the pattern; both kinds count in PUBLISH", async () => {
      const s = ctx.ioredis();
      const s2 = ctx.ioredis();
      await s.psubscribe("user:*");
      await s2.subscribe("user:1");
      const p = once<string>(s, "pmessage");
      expect(await ctx.ioredis().publish("user:1", "joined")).toBe(2);
      expect(await p).toEqual(["user:*", "user:1", "joined"]);
    });

    it("exact RESP2 frames: subscribe confirmations, messages, unsubscribe with nothing subscribed", async () => {
      const raw = await ctx.raw();
      // Valkey 8 (unlike Redis 7.0) refuses it from a client with no subscription at all.
      expect(await raw.call("UNSUBSCRIBE")).toBe("-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n");
      raw.send("SUBSCRIBE", "a", "b");
      expect(await raw.read()).toBe("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
      expect(await raw.read()).toBe("*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
      expect(await raw.call("PSUBSCRIBE", "x*")).toBe("*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n");
      const pub = await ctx.raw();
      expect(await pub.call("PUBLISH", "a", "hi")).toBe(":1\r\n");
      expect(await raw.read()).toBe("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n");
      expect(await pub.call("PUBLISH", "xy", "z")).toBe(":1\r\n");
      expect(await raw.read()).toBe("*4\r\n$8\r\npmessage\r\n$2\r\nx*\r\n$2\r\nxy\r\n$1\r\nz\r\n");
      // RESP2 subscribed mode: only a few commands are allowed
      expect(await raw.call("GET", "k")).toBe(
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      );
      expect(await raw.call("PING")).toBe("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
      expect(await raw.call("PING", "m")).toBe("*2\r\n$4\r\npong\r\n$1\r\nm\r\n");
      raw.send("UNSUBSCRIBE");
      const a = await raw.read();
      const b = await raw.read();
      expect([a, b].sort()).toEqual(["*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n", "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n"].sort());
      expect(await raw.call("PUNSUBSCRIBE")).toBe("*3\r\n$12\r\npunsubscribe\r\n$2\r\nx*\r\n:0\r\n");
      expect(await raw.call("GET", "k")).toBe("$-1\r\n");
    });

    it("PUBLISH to alternating channels (empty, short, over 64 bytes) reaches each channel's subscriber only", async () => {
      // publishCmd keeps the last channel's name: a different channel must never be taken for it.
      const long = "alt:" + "c".repeat(70);
      const raw = await ctx.raw();
      raw.send("SUBSCRIBE", "", "alt:c", long);
      for (let i = 0; i < 3; i++) await raw.read();
      const pub = await ctx.raw();
      const order = ["alt:c", long, "alt:c", "", long, "", "", "alt:c"];
      pub.write(order.map((ch, i) => `*3\r\n$7\r\nPUBLISH\r\n$${ch.length}\r\n${ch}\r\n$1\r\n${i}\r\n`).join(""));
      for (let i = 0; i < order.length; i++) expect(await pub.read()).toBe(":1\r\n");
      for (let i = 0; i < order.length; i++) {
        const ch = order[i]!;
        expect(await raw.read()).toBe(`*3\r\n$7\r\nmessage\r\n$${ch.length}\r\n${ch}\r\n$1\r\n${i}\r\n`);
      }
      expect(await pub.call("PUBLISH", "alt:cc", "x")).toBe(":0\r\n");
      raw.send("UNSUBSCRIBE");
      for (let i = 0; i < 3; i++) await raw.read();
    });

    it("RESP3: push frames, and any command works while subscribed", async () => {
      const raw = await ctx.raw();
      await raw.call("HELLO", "3");
      expect(await raw.call("SUBSCRIBE", "c")).toBe(">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
      expect(await raw.call("SET", "k", "v")).toBe("+OK\r\n");
      expect(await raw.call("GET", "k")).toBe("$1\r\nv\r\n");
      expect(await (await ctx.raw()).call("PUBLISH", "c", "m")).toBe(":1\r\n");
      expect(await raw.read()).toBe(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
      expect(await raw.call("PING")).toBe("+PONG\r\n");
    });

    it("one PUBLISH to RESP2 and RESP3 subscribers and two patterns: each gets its own protocol's exact frame", async () => {
      const r2 = await ctx.raw();
      const r3 = await ctx.raw();
      const p2 = await ctx.raw();
      const p3 = await ctx.raw();
      await r3.call("HELLO", "3");
      await p3.call("HELLO", "3");
      await r2.call("SUBSCRIBE", "mix");
      await r3.call("SUBSCRIBE", "mix");
      await p2.call("PSUBSCRIBE", "m*");
      await p3.call("PSUBSCRIBE", "*x");
      const big = "v".repeat(20000); // past the scratch slab's cut-off
      for (const msg of ["hi", big]) {
        expect(await (await ctx.raw()).call("PUBLISH", "mix", msg)).toBe(":4\r\n");
        const body = `$3\r\nmix\r\n$${msg.length}\r\n${msg}\r\n`;
        expect(await r2.read()).toBe(`*3\r\n$7\r\nmessage\r\n${body}`);
        expect(await r3.read()).toBe(`>3\r\n$7\r\nmessage\r\n${body}`);
        expect(await p2.read()).toBe(`*4\r\n$8\r\npmessage\r\n$2\r\nm*\r\n${body}`);
        expect(await p3.read()).toBe(`>4\r\n$8\r\npmessage\r\n$2\r\n*x\r\n${body}`);
      }
    });

    it("node-redis RESP3 subscriber receives binary-safe payloads", async () => {
      const sub = await ctx.nodeRedis(3);
      const payload = Buffer.from([0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0x00, 0xff, 0x0d, 0x0a]);
      const got = new Promise<Buffer>((resolve) => void sub.subscribe("bin", (msg: Buffer) => resolve(msg), true));
      await new Promise((r) => setTimeout(r, 50));
      const pub = ctx.ioredis();
      expect(await pub.publish("bin", payload)).toBe(1);
      expect(Buffer.compare(await got, payload)).toBe(0);
    });

    it("keeps the order of 10k messages from one publisher", async () => {
      const sub = ctx.ioredis();
      await sub.subscribe("seq");
      const seen: number[] = [];
      const done = new Promise<void>((resolve) =>
        sub.on("message", (_ch: string, m: string) => {
          seen.push(Number(m));
          if (seen.length === 10_000) resolve();
        }),
      );
      const pub = ctx.ioredis();
      const p = pub.pipeline();
      for (let i = 0; i < 10_000; i++) p.publish("seq", String(i));
      await p.exec();
      await done;
      expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    });

    it("sharded channels: SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE and PUBSUB SHARD*", async () => {
      const raw = await ctx.raw();
      expect(await raw.call("SSUBSCRIBE", "s1")).toBe("*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n");
      const other = await ctx.raw();
      expect(await other.call("PUBSUB", "SHARDCHANNELS")).toBe("*1\r\n$2\r\ns1\r\n");
      expect(await other.call("PUBSUB", "SHARDNUMSUB", "s1", "none")).toBe("*4\r\n$2\r\ns1\r\n:1\r\n$4\r\nnone\r\n:0\r\n");
      expect(await other.call("SPUBLISH", "s1", "m")).toBe(":1\r\n");
      expect(await raw.read()).toBe("*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$1\r\nm\r\n");
      expect(await other.call("PUBLISH", "s1", "m")).toBe(":0\r\n");
      expect(await raw.call("SUNSUBSCRIBE")).toBe("*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n");
    });

    it("PUBSUB CHANNELS / NUMSUB / NUMPAT and bad input", async () => {
      const q = await ctx.raw();
      const before = Number((await q.call("PUBSUB", "NUMPAT")).slice(1, -2));
      const s = await ctx.raw();
      await s.call("SUBSCRIBE", "chan:1");
      await s.call("PSUBSCRIBE", "p*");
      expect(await q.call("PUBSUB", "CHANNELS", "chan:*")).toBe("*1\r\n$6\r\nchan:1\r\n");
      expect(await q.call("PUBSUB", "NUMSUB", "chan:1")).toBe("*2\r\n$6\r\nchan:1\r\n:1\r\n");
      expect(await q.call("PUBSUB", "NUMPAT")).toBe(`:${before + 1}\r\n`);
      expect(await q.call("PUBSUB", "NOPE")).toBe("-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n");
      expect(await q.call("PUBLISH", "only-channel")).toBe("-ERR wrong number of arguments for 'publish' command\r\n");
      expect(await q.call("SUBSCRIBE")).toBe("-ERR wrong number of arguments for 'subscribe' command\r\n");
      expect(await q.call("PUBSUB", "NUMPAT", "x")).toBe("-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
      s.close();
      // a disconnected subscriber leaves no trace
      for (let i = 0; i < 50; i++) {
        if ((await q.call("PUBSUB", "NUMPAT")) === `:${before}\r\n`) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await q.call("PUBSUB", "NUMSUB", "chan:1")).toBe("*2\r\n$6\r\nchan:1\r\n:0\r\n");
    });

    it("RESET drops subscriptions", async () => {
      const raw = await ctx.raw();
      await raw.call("SUBSCRIBE", "r");
      expect(await raw.call("RESET")).toBe("+RESET\r\n");
      expect(await raw.call("GET", "nothing")).toBe("$-1\r\n");
      expect(await (await ctx.raw()).call("PUBLISH", "r", "x")).toBe(":0\r\n");
    });

    it("cuts a subscriber that stops reading at the pubsub hard limit; others keep working", async () => {
      const slow = await RawClient.connect(ctx.port);
      const slowId = (await slow.call("CLIENT", "ID")).slice(1, -2);
      expect(await slow.call("SUBSCRIBE", "flood")).toBe("*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n");
      slow.sock.pause();
      const fast = ctx.ioredis();
      await fast.subscribe("flood");
      let fastGot = 0;
      fast.on("message", () => fastGot++);
      const pub = ctx.ioredis();
      const big = "x".repeat(64 * 1024);
      let receivers = 2;
      for (let round = 0; round < 40 && receivers === 2; round++) {
        const p = pub.pipeline();
        for (let i = 0; i < 16; i++) p.publish("flood", big);
        const res = (await p.exec())!;
        receivers = Math.min(...res.map(([, n]) => n as number));
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(receivers).toBe(1);
      expect(await pub.ping()).toBe("PONG");
      expect(await pub.publish("flood", "after")).toBe(1);
      slow.sock.resume();
      await slow.waitClosed(5000);
      expect(fastGot).toBeGreaterThan(16);
      const list = (await pub.client("LIST")) as string;
      expect(list).not.toContain(`id=${slowId} `);
      slow.close();
    });
  },
  ["--client-output-buffer-limit", "pubsub", "1mb", "256kb", "60"],
);
