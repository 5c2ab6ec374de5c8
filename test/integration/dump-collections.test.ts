import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const hex = (h: string) => Buffer.from(h, "hex");
// DUMP on redis-server 7.0: RPUSH l a b 1 300 -7 / ZADD z 1 a 2.5 b -3 c
const L = "120102151500000005008161028162020101c12c02dff902ff0a00731ba5f5d3399158";
const Z = "111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2";

describeRuntimes("dump/restore and copy of lists, sorted sets and streams", (ctx) => {
  beforeEach(() => ctx.flush());

  it("RESTOREs redis-server's list and sorted set payloads", async () => {
    const r = ctx.ioredis();
    expect(await r.restore("l", 0, hex(L))).toBe("OK");
    expect(await r.lrange("l", 0, -1)).toEqual(["a", "b", "1", "300", "-7"]);
    expect(await r.object("ENCODING", "l")).toBe("listpack");
    expect(await r.restore("z", 0, hex(Z))).toBe("OK");
    expect(await r.zrange("z", "0", "-1", "WITHSCORES")).toEqual(["c", "-3", "a", "1", "b", "2.5"]);
    expect(await r.object("ENCODING", "z")).toBe("listpack");
    // same value bytes back, with RDB version 11
    const mine = (await r.dumpBuffer("l"))!;
    expect(mine.subarray(0, mine.length - 10).toString("hex")).toBe(L.slice(0, -20));
    expect(mine.readUInt16LE(mine.length - 10)).toBe(11);
  });

  it("round-trips big lists, skiplist zsets and streams with groups through DUMP/RESTORE", async () => {
    const r = ctx.ioredis();
    const items = Array.from({ length: 5000 }, (_, i) => (i % 1000 === 3 ? "x".repeat(9000) : `e${i}`));
    for (let i = 0; i < items.length; i += 500) await r.rpush("l", ...items.slice(i, i + 500));
    const zargs: Array<string | number> = [];
    for (let i = 0; i < 300; i++) zargs.push(i / 7, `m${i}`);
    await r.zadd("z", ...zargs);
    for (let i = 1; i <= 250; i++) await r.xadd("s", `${i}-1`, "f", String(i), "g", "v".repeat(i % 7));
    await r.xdel("s", "3-1");
    await r.xgroup("CREATE", "s", "g", "0");
    await r.xreadgroup("GROUP", "g", "alice", "COUNT", 3, "STREAMS", "s", ">");
    for (const [key, enc] of [["l", "quicklist"], ["z", "skiplist"], ["s", "stream"]] as const) {
      const payload = (await r.dumpBuffer(key))!;
      await r.restore(`${key}2`, 0, payload);
      expect(await r.object("ENCODING", `${key}2`)).toBe(enc);
    }
    expect(await r.lrange("l2", 0, -1)).toEqual(items);
    expect(await r.zrange("z2", "0", "-1", "WITHSCORES")).toEqual(await r.zrange("z", "0", "-1", "WITHSCORES"));
    expect(await r.call("XINFO", "STREAM", "s2", "FULL")).toEqual(await r.call("XINFO", "STREAM", "s", "FULL"));
    await expect(r.restore("l2", 0, (await r.dumpBuffer("l"))!)).rejects.toThrow("BUSYKEY Target key name already exists.");
  });

  it("COPY deep-copies lists, sorted sets and streams", async () => {
    const r = ctx.ioredis();
    await r.rpush("l", "a", "b");
    await r.zadd("z", 1, "a");
    await r.xadd("s", "1-1", "f", "v");
    await r.xgroup("CREATE", "s", "g", "0");
    for (const k of ["l", "z", "s"]) expect(await r.copy(k, `${k}c`)).toBe(1);
    await r.rpush("lc", "c");
    await r.zadd("zc", 2, "b");
    await r.xadd("sc", "2-1", "f", "w");
    expect(await r.lrange("l", 0, -1)).toEqual(["a", "b"]);
    expect(await r.zcard("z")).toBe(1);
    expect(await r.xlen("s")).toBe(1);
    expect(await r.object("ENCODING", "lc")).toBe("listpack");
    expect(await r.call("XINFO", "GROUPS", "sc")).toHaveLength(1);
  });

  it("refuses corrupt collection payloads with a valid checksum", async () => {
    const r = ctx.ioredis();
    await r.rpush("l", "a");
    const p = (await r.dumpBuffer("l"))!;
    const { crc64 } = await import("../../src/dump.js");
    const bad = Buffer.from(p);
    bad[3] = 0x7f; // a listpack length that does not match the blob
    bad.writeBigUInt64LE(crc64(0n, bad.subarray(0, bad.length - 8)), bad.length - 8);
    await expect(r.restore("x", 0, bad)).rejects.toThrow("ERR Bad data format");
    expect(await r.exists("x")).toBe(0);
  });
});
