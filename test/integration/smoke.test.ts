import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

describeRuntimes("smoke", (ctx) => {
  it("answers PING, SET/GET through ioredis (RESP3) and node-redis (RESP2 and RESP3)", async () => {
    const r = ctx.ioredis({ protocol: 3 } as never);
    expect(await r.ping()).toBe("PONG");
    expect(await r.set("k", "v")).toBe("OK");
    expect(await r.get("k")).toBe("v");
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      expect(await n.get("k")).toBe("v");
      expect(await n.get("missing")).toBeNull();
    }
  });

  it("pipelines many commands in one write and answers them in order", async () => {
    const raw = await ctx.raw();
    let payload = "";
    for (let i = 0; i < 1000; i++) payload += `*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`;
    raw.write(payload);
    for (let i = 0; i < 1000; i++) expect(await raw.read()).toBe(`$${String(i).length}\r\n${i}\r\n`);
  });
});
