// Valkey 8 parity (issue 17): behaviour checked side by side with valkey-server 8.0.1, one describe per area.

import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

describeRuntimes("parity: unsubscribing from what was never subscribed (Valkey 8)", (ctx) => {
  const NOSUB = (cmd: string) => `-NOSUB '${cmd}' command executed not in subscribed mode\r\n`;

  for (const proto of [2, 3] as const) {
    it(`RESP${proto}: a client with no subscriptions gets NOSUB, with or without arguments`, async () => {
      const r = await ctx.raw();
      if (proto === 3) await r.call("HELLO", "3");
      expect(await r.call("UNSUBSCRIBE")).toBe(NOSUB("unsubscribe"));
      expect(await r.call("PUNSUBSCRIBE")).toBe(NOSUB("punsubscribe"));
      expect(await r.call("SUNSUBSCRIBE")).toBe(NOSUB("sunsubscribe"));
      expect(await r.call("unsubscribe", "never", "seen")).toBe(NOSUB("unsubscribe"));
      expect(await r.call("PUNSUBSCRIBE", "never*")).toBe(NOSUB("punsubscribe"));
      expect(await r.call("SUNSUBSCRIBE", "never")).toBe(NOSUB("sunsubscribe"));
      // The connection keeps working after the refusals.
      expect(await r.call("PING")).toBe("+PONG\r\n");
    });

    it(`RESP${proto}: once subscribed to anything, unsubscribing from unknown channels is answered per channel`, async () => {
      const r = await ctx.raw();
      if (proto === 3) await r.call("HELLO", "3");
      const t = proto === 3 ? ">" : "*";
      expect(await r.call("PSUBSCRIBE", "p*")).toBe(`${t}3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n`);
      expect(await r.call("UNSUBSCRIBE", "never")).toBe(`${t}3\r\n$11\r\nunsubscribe\r\n$5\r\nnever\r\n:1\r\n`);
      // Shard channels are counted apart, but the client is in subscribed mode: no NOSUB.
      expect(await r.call("SUNSUBSCRIBE", "never")).toBe(`${t}3\r\n$12\r\nsunsubscribe\r\n$5\r\nnever\r\n:0\r\n`);
      expect(await r.call("SUNSUBSCRIBE")).toBe(`${t}3\r\n$12\r\nsunsubscribe\r\n${proto === 3 ? "_" : "$-1"}\r\n:0\r\n`);
      expect(await r.call("PUNSUBSCRIBE", "p*")).toBe(`${t}3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n`);
      // Back to no subscriptions: refused again.
      expect(await r.call("PUNSUBSCRIBE")).toBe(NOSUB("punsubscribe"));
    });
  }

  it("inside MULTI the refusal happens when queuing and aborts the transaction", async () => {
    const r = await ctx.raw();
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("UNSUBSCRIBE", "x")).toBe(NOSUB("unsubscribe"));
    expect(await r.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
    expect(await r.call("INFO", "errorstats")).toMatch(/errorstat_NOSUB:count=\d+/);
  });

  it("ioredis and node-redis (RESP3) see the error, and their subscriber connections keep working", async () => {
    const io = ctx.ioredis();
    await expect(io.call("UNSUBSCRIBE", "x")).rejects.toThrow("NOSUB 'unsubscribe' command executed not in subscribed mode");
    expect(await io.ping()).toBe("PONG");
    const nr = await ctx.nodeRedis(3);
    const got = new Promise<string>((resolve) => void nr.subscribe("parity:ch", (m: string) => resolve(m)));
    await new Promise((res) => setTimeout(res, 50));
    const pub = ctx.ioredis();
    for (let i = 0; i < 50 && (await pub.publish("parity:ch", "hello")) === 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(await got).toBe("hello");
    await nr.unsubscribe("parity:ch");
  });
});
