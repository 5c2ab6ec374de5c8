import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const hex = (h: string) => Buffer.from(h, "hex");
const NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT = "INVALIDOBJ Corrupted HLL object detected";
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

// Values and counts are what redis-server 7.0 (Valkey's algorithm) produces for the same commands.
const REDIS_TEN = "48594c4c010000000a00000000000000452580472e844fc9804412844a5184430d844103844eb984408880406a8441b1";
const REDIS_ABC = "48594c4c01000000000000000000008060f38050b1844bfb80425a";

describeRuntimes("hyperloglog", (ctx) => {
  beforeEach(() => ctx.flush());

  it("PFADD / PFCOUNT build Valkey's exact sparse string", async () => {
    const r = ctx.ioredis();
    expect(await r.pfadd("h", "a", "b", "c")).toBe(1);
    expect(await r.pfadd("h", "a", "b")).toBe(0);
    expect((await r.getBuffer("h"))!.toString("hex")).toBe(REDIS_ABC);
    expect(await r.pfcount("h")).toBe(3);
    // the count is cached in the header
    expect((await r.getBuffer("h"))!.toString("hex")).toBe(REDIS_ABC.slice(0, 16) + "0300000000000000" + REDIS_ABC.slice(32));
    expect(await r.type("h")).toBe("string");
    expect(await r.object("ENCODING", "h")).toBe("raw");
    expect(await r.pfcount("missing")).toBe(0);
    expect(await r.pfadd("empty")).toBe(1);
    expect(await r.pfadd("empty")).toBe(0);
    // created counts as an update: the (zero) cache is marked stale
    expect((await r.getBuffer("empty"))!.toString("hex")).toBe("48594c4c010000000000000000000080" + "7fff");
    expect(await r.pfcount("empty")).toBe(0);
  });

  it("counts values written by redis-server, and theirs round-trip through SET/GET", async () => {
    const r = ctx.ioredis();
    await r.set("ten", hex(REDIS_TEN));
    expect(await r.pfcount("ten")).toBe(10);
    expect(await r.pfadd("ten", "e0", "e9")).toBe(0);
    expect((await r.getBuffer("ten"))!.toString("hex")).toBe(REDIS_TEN);
    const els = Array.from({ length: 10 }, (_, i) => "e" + i);
    expect(await r.pfadd("mine", ...els)).toBe(1);
    expect(await r.pfcount("mine")).toBe(10);
    expect((await r.getBuffer("mine"))!.toString("hex")).toBe(REDIS_TEN);
  });

  it("matches Valkey's estimates and promotes to dense", async () => {
    const r = ctx.ioredis();
    for (let i = 0; i < 5000; i += 500) await r.pfadd("big", ...Array.from({ length: 500 }, (_, j) => "e" + (i + j)));
    expect(await r.pfcount("big")).toBe(4968);
    expect(await r.strlen("big")).toBe(12304);
    expect(await r.call("PFDEBUG", "ENCODING", "big")).toBe("dense");
    await r.pfadd("small", ...Array.from({ length: 1000 }, (_, j) => "e" + j));
    expect(await r.pfcount("small")).toBe(1008);
    expect(await r.strlen("small")).toBe(1906);
    expect(await r.call("PFDEBUG", "ENCODING", "small")).toBe("sparse");
    await r.config("SET", "hll-sparse-max-bytes", "100");
    await r.pfadd("tiny", ...Array.from({ length: 100 }, (_, j) => "e" + j));
    expect(await r.call("PFDEBUG", "ENCODING", "tiny")).toBe("dense");
    expect(await r.pfcount("tiny")).toBe(100);
    await r.config("SET", "hll-sparse-max-bytes", "3000");
  });

  it("PFCOUNT of several keys and PFMERGE compute the union", async () => {
    const r = ctx.ioredis();
    await r.pfadd("a", ...Array.from({ length: 1000 }, (_, j) => "e" + j));
    for (let i = 0; i < 5000; i += 1000) await r.pfadd("b", ...Array.from({ length: 1000 }, (_, j) => "e" + (i + j)));
    expect(await r.pfcount("a", "b", "missing")).toBe(4968);
    expect(await r.pfmerge("m", "a", "b")).toBe("OK");
    expect(await r.pfcount("m")).toBe(4968);
    expect(await r.call("PFDEBUG", "ENCODING", "m")).toBe("dense");
    expect(await r.pfmerge("s", "a")).toBe("OK");
    expect(await r.call("PFDEBUG", "ENCODING", "s")).toBe("sparse");
    expect(await r.pfcount("s")).toBe(1008);
    expect(await r.pfmerge("nothing")).toBe("OK");
    expect(await r.pfcount("nothing")).toBe(0);
    expect(await r.exists("nothing")).toBe(1);
    // the destination's own registers take part
    await r.pfadd("d", "x", "y");
    await r.pfmerge("d", "missing");
    expect(await r.pfcount("d")).toBe(2);
  });

  it("PFDEBUG GETREG / DECODE / ENCODING / TODENSE", async () => {
    const raw = await ctx.raw();
    await raw.call("PFADD", "h", "a");
    expect(await raw.call("PFDEBUG", "DECODE", "h")).toBe("$20\r\nZ:12711 v:2,1 Z:3672\r\n");
    expect(await raw.call("PFDEBUG", "ENCODING", "h")).toBe("+sparse\r\n");
    const regs = await raw.call("PFDEBUG", "GETREG", "h");
    expect(regs.startsWith("*16384\r\n")).toBe(true);
    expect(regs.split("\r\n").filter((l) => l === ":2").length).toBe(1);
    expect(await raw.call("PFDEBUG", "ENCODING", "h")).toBe("+dense\r\n");
    expect(await raw.call("PFDEBUG", "TODENSE", "h")).toBe(":0\r\n");
    expect(await raw.call("PFDEBUG", "DECODE", "h")).toBe("-ERR HLL encoding is not sparse\r\n");
    expect(await raw.call("PFCOUNT", "h")).toBe(":1\r\n");
    await raw.call("PFADD", "h2", "a");
    expect(await raw.call("PFDEBUG", "TODENSE", "h2")).toBe(":1\r\n");
    expect(await raw.call("PFDEBUG", "NOPE", "h2")).toBe("-ERR Unknown PFDEBUG subcommand 'NOPE'\r\n");
    expect(await raw.call("PFDEBUG", "ENCODING", "missing")).toBe("-ERR The specified key does not exist\r\n");
  });

  it("refuses non-HLL strings, other types and corrupt values, leaving them unchanged", async () => {
    const r = ctx.ioredis();
    await r.set("s", "foo");
    await r.rpush("l", "a");
    for (const cmd of [
      ["PFADD", "s", "a"],
      ["PFCOUNT", "s"],
      ["PFCOUNT", "s", "x"],
      ["PFMERGE", "d", "s"],
      ["PFMERGE", "s"],
    ]) await expect(r.call(...(cmd as [string, ...string[]]))).rejects.toThrow(NOT_HLL);
    expect(await r.get("s")).toBe("foo");
    await expect(r.pfadd("l", "a")).rejects.toThrow(WRONGTYPE);
    await expect(r.pfcount("l")).rejects.toThrow(WRONGTYPE);
    await expect(r.pfmerge("x", "l")).rejects.toThrow(WRONGTYPE);
    expect(await r.exists("x", "d")).toBe(0);
    await r.set("int", "12345");
    await expect(r.pfcount("int")).rejects.toThrow(NOT_HLL);
    // a header claiming dense with the wrong length, and an unknown encoding
    await r.set("dense", Buffer.concat([hex("48594c4c00000000000000000000000080"), Buffer.from("abc")]));
    await expect(r.pfcount("dense")).rejects.toThrow(NOT_HLL);
    await r.set("enc", hex("48594c4c020000000000000000000080" + "7fff"));
    await expect(r.pfcount("enc")).rejects.toThrow(NOT_HLL);
    // sparse opcodes covering 32768 registers
    const bad = hex("48594c4c010000000000000000000080" + "7fff7fff");
    await r.set("bad", bad);
    await expect(r.pfcount("bad")).rejects.toThrow(CORRUPT);
    await expect(r.pfcount("bad", "x")).rejects.toThrow(CORRUPT);
    await expect(r.pfmerge("bad2", "bad")).rejects.toThrow(CORRUPT);
    expect((await r.getBuffer("bad"))!.equals(bad)).toBe(true);
    // opcodes covering a single register: PFADD finds no opcode for the element's register
    const short = hex("48594c4c010000000000000000000080" + "4000");
    await r.set("short", short);
    await expect(r.pfadd("short", "a", "b", "c")).rejects.toThrow(CORRUPT);
    expect((await r.getBuffer("short"))!.equals(short)).toBe(true);
    expect(await r.exists("bad2")).toBe(0);
    // a valid cache is trusted as Valkey does
    await r.set("cached", hex("48594c4c010000003905000000000000" + "7fff"));
    expect(await r.pfcount("cached")).toBe(1337);
    await expect(r.call("PFADD")).rejects.toThrow("ERR wrong number of arguments for 'pfadd' command");
    await expect(r.call("PFCOUNT")).rejects.toThrow("ERR wrong number of arguments for 'pfcount' command");
    await expect(r.call("PFMERGE")).rejects.toThrow("ERR wrong number of arguments for 'pfmerge' command");
    await expect(r.call("PFDEBUG", "x")).rejects.toThrow("ERR wrong number of arguments for 'pfdebug' command");
  });

  it("PFADD emits pfadd and a stale-cache PFCOUNT touches WATCH", async () => {
    const r = ctx.ioredis();
    const sub = ctx.ioredis();
    await r.config("SET", "notify-keyspace-events", "KEA");
    const events: string[] = [];
    sub.on("pmessage", (_p, ch, msg) => events.push(`${ch} ${msg}`));
    await sub.psubscribe("__keyevent@0__:*");
    await r.pfadd("h", "a");
    await r.pfmerge("m", "h");
    await r.pfcount("h");
    await r.pfadd("h", "a");
    await r.ping();
    await new Promise((res) => setTimeout(res, 50));
    expect(events).toEqual(["__keyevent@0__:pfadd h", "__keyevent@0__:pfadd m"]);
    await r.config("SET", "notify-keyspace-events", "");

    const w = ctx.ioredis();
    await w.watch("m");
    await r.pfcount("m");
    expect(await w.multi().ping().exec()).toBeNull();
    await w.watch("m");
    await r.pfcount("m"); // cached now: nothing changes
    expect(await w.multi().ping().exec()).toEqual([[null, "PONG"]]);
  });
});
