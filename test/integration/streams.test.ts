import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { describeRuntimes } from "../helpers/server.js";
import { startServer, type StartedServer } from "../../src/index.js";
import { N } from "../../src/store.js";

/** The error text a command fails with (or "no error"). */
const errOf = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.message,
  );

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const INVALID_ID = "ERR Invalid stream ID specified as stream command argument";
const MAX = "18446744073709551615";

const idParts = (id: string) => id.split("-").map(BigInt) as [bigint, bigint];
const idLess = (a: string, b: string) => {
  const [am, as] = idParts(a);
  const [bm, bs] = idParts(b);
  return am < bm || (am === bm && as < bs);
};

/** Bulk string in RESP. */
const $ = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const entry = (id: string, ...fv: string[]) => `*2\r\n${$(id)}*${fv.length}\r\n${fv.map($).join("")}`;

describeRuntimes("streams", (ctx) => {
  it("XADD: auto IDs from the clock never go backwards; explicit, ms-* and errors", async () => {
    const r = ctx.ioredis();
    const a = (await r.xadd("x:auto", "*", "f", "1"))!;
    const b = (await r.xadd("x:auto", "*", "f", "2"))!;
    expect(a).toMatch(/^\d{13}-\d+$/);
    expect(idLess(a, b)).toBe(true);
    const [ams] = idParts(a);
    expect(Number(ams)).toBeGreaterThan(Date.now() - 60_000);
    // an explicit ID in the future: auto IDs keep counting from it
    const future = `${ams + 1_000_000n}-5`;
    expect(await r.xadd("x:auto", future, "f", "3")).toBe(future);
    expect(await r.xadd("x:auto", "*", "f", "4")).toBe(`${ams + 1_000_000n}-6`);
    expect(await r.xadd("x:ids", "5-*", "a", "1")).toBe("5-0");
    expect(await r.xadd("x:ids", "5-*", "a", "1")).toBe("5-1");
    expect(await r.xadd("x:ids", "7", "a", "1")).toBe("7-0");
    expect(await r.xadd("x:ids", "0-*", "a", "1").catch((e) => e.message)).toBe(
      "ERR The ID specified in XADD is equal or smaller than the target stream top item",
    );
    expect(await errOf(r.xadd("x:ids", "7-0", "a", "1"))).toBe("ERR The ID specified in XADD is equal or smaller than the target stream top item");
    expect(await errOf(r.xadd("x:new", "0-0", "a", "1"))).toBe("ERR The ID specified in XADD must be greater than 0-0");
    expect(await r.xadd("x:new", "0-*", "a", "1")).toBe("0-1");
    expect(await r.xadd("x:new", "NOMKSTREAM", "MAXLEN", "=", "5", "0-3", "a", "1")).toBe("0-3");
    expect(await r.xlen("x:ids")).toBe(3);
    expect(await r.xlen("x:missing")).toBe(0);
  });

  it("IDs are exact unsigned 64-bit up to 18446744073709551615-18446744073709551615", async () => {
    const r = ctx.ioredis();
    expect(await r.xadd("x:u64", `${MAX}-18446744073709551614`, "a", "1")).toBe(`${MAX}-18446744073709551614`);
    expect(await r.xadd("x:u64", `${MAX}-*`, "a", "2")).toBe(`${MAX}-${MAX}`);
    expect(await errOf(r.xadd("x:u64", "*", "a", "3"))).toBe("ERR The stream has exhausted the last possible ID, unable to add more items");
    expect(await r.xrange("x:u64", `(${MAX}-18446744073709551614`, "+")).toEqual([[`${MAX}-${MAX}`, ["a", "2"]]]);
    expect(await r.xrevrange("x:u64", "+", MAX, "COUNT", 1)).toEqual([[`${MAX}-${MAX}`, ["a", "2"]]]);
    // past 2^53 the sequence still counts exactly
    expect(await r.xadd("x:big", "9007199254740993-9007199254740993", "a", "1")).toBe("9007199254740993-9007199254740993");
    expect(await r.xadd("x:big", "9007199254740993-*", "a", "1")).toBe("9007199254740993-9007199254740994");
    expect(await r.xrange("x:big", "9007199254740993-9007199254740994", "9007199254740993")).toEqual([
      ["9007199254740993-9007199254740994", ["a", "1"]],
    ]);
    expect(await r.xsetid("x:big", "12345678901234567890-1", "ENTRIESADDED", "9223372036854775807")).toBe("OK");
    const info = (await r.xinfo("STREAM", "x:big")) as unknown[];
    expect(info.slice(6, 10)).toEqual(["last-generated-id", "12345678901234567890-1", "max-deleted-entry-id", "0-0"]);
    expect(info.slice(10, 12)).toEqual(["entries-added", 9223372036854775807]);
    const raw = await ctx.raw();
    expect(await raw.call("XINFO", "STREAM", "x:big")).toContain("$13\r\nentries-added\r\n:9223372036854775807\r\n");
  });

  it("bad XADD input gets Valkey's errors and leaves the key unchanged", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:bad", "1-1", "a", "1");
    const before = await r.xrange("x:bad", "-", "+");
    const cases: Array<[string[], string]> = [
      [["x:bad", "2-1", "a"], "ERR wrong number of arguments for 'xadd' command"],
      [["x:bad", "2-1", "a", "1", "b"], "ERR wrong number of arguments for 'xadd' command"],
      [["x:bad", "MAXLEN", "1", "2-1"], "ERR wrong number of arguments for 'xadd' command"],
      [["x:bad", "abc", "a", "1"], INVALID_ID],
      [["x:bad", "1-x", "a", "1"], INVALID_ID],
      [["x:bad", "-", "a", "1"], INVALID_ID],
      [["x:bad", "MAXLEN", "*", "a", "1"], "ERR value is not an integer or out of range"],
      [["x:bad", "MAXLEN", "-1", "*", "a", "1"], "ERR The MAXLEN argument must be >= 0."],
      [["x:bad", "MAXLEN", "1", "MINID", "1", "*", "a", "1"], "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"],
      [["x:bad", "MAXLEN", "1", "LIMIT", "5", "*", "a", "1"], "ERR syntax error, LIMIT cannot be used without the special ~ option"],
      [["x:bad", "LIMIT", "5", "*", "a", "1"], "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"],
      [["x:bad", "MINID", "~", "1", "LIMIT", "-1", "*", "a", "1"], "ERR The LIMIT argument must be >= 0."],
      [["x:bad", "MINID", "~", "bad", "*", "a", "1"], INVALID_ID],
      [["x:bad", "1-1", "a", "1"], "ERR The ID specified in XADD is equal or smaller than the target stream top item"],
    ];
    for (const [args, text] of cases) expect(await errOf(r.call("XADD", ...args)), args.join(" ")).toBe(text);
    expect(await r.xrange("x:bad", "-", "+")).toEqual(before);
    expect(await r.xadd("x:nomk", "NOMKSTREAM", "*", "a", "1")).toBeNull();
    expect(await r.xlen("x:nomk")).toBe(0);
    await r.set("x:str", "v");
    expect(await errOf(r.xadd("x:str", "*", "a", "1"))).toBe(WRONGTYPE);
    expect(await r.get("x:str")).toBe("v");
  });

  it("XRANGE/XREVRANGE: exclusive and incomplete bounds, COUNT, null array for COUNT 0", async () => {
    const r = ctx.ioredis();
    for (const id of ["1-0", "1-1", "2-0", "2-5", "3-0"]) await r.xadd("x:range", id, "id", id);
    const ids = (rows: [string, string[]][]) => rows.map((x) => x[0]);
    expect(ids(await r.xrange("x:range", "2", "2"))).toEqual(["2-0", "2-5"]);
    expect(ids(await r.xrange("x:range", "(1-1", "(3-0"))).toEqual(["2-0", "2-5"]);
    expect(ids(await r.xrange("x:range", "(1", "+"))).toEqual(["1-1", "2-0", "2-5", "3-0"]);
    expect(ids(await r.xrevrange("x:range", "(2-5", "-"))).toEqual(["2-0", "1-1", "1-0"]);
    expect(ids(await r.xrange("x:range", "-", "+", "COUNT", 2))).toEqual(["1-0", "1-1"]);
    expect(ids(await r.xrange("x:range", "3", "1"))).toEqual([]);
    expect(await r.xrange("x:nokey", "-", "+")).toEqual([]);
    expect(await errOf(r.xrange("x:range", "(-", "+"))).toBe(INVALID_ID);
    expect(await errOf(r.xrange("x:range", "-", "(0-0"))).toBe("ERR invalid end ID for the interval");
    expect(await errOf(r.xrange("x:range", `(${MAX}-${MAX}`, "+"))).toBe("ERR invalid start ID for the interval");
    expect(await errOf(r.call("XRANGE", "x:range", "-", "+", "COUNT"))).toBe("ERR syntax error");
    expect(await errOf(r.call("XRANGE", "x:range", "-", "+", "COUNT", "x"))).toBe("ERR value is not an integer or out of range");
    expect(await errOf(r.call("XRANGE", "x:range"))).toBe("ERR wrong number of arguments for 'xrange' command");
    const raw = await ctx.raw();
    expect(await raw.call("XRANGE", "x:range", "-", "+", "COUNT", "0")).toBe("*-1\r\n");
    expect(await raw.call("XREVRANGE", "x:range", "+", "-", "COUNT", "1")).toBe(`*1\r\n${entry("3-0", "id", "3-0")}`);
    await raw.call("HELLO", "3");
    expect(await raw.call("XRANGE", "x:range", "-", "+", "COUNT", "-5")).toBe("_\r\n");
    expect(await raw.call("XRANGE", "x:nokey", "-", "+", "COUNT", "0")).toBe("*0\r\n");
  });

  it("entries give back every byte: binary, UTF-8, empty and 20 KB values, shared and own field names, after COPY and RESTORE", async () => {
    const r = ctx.ioredis();
    const big = Buffer.alloc(20_000, 0xe9);
    const rows: Buffer[][] = [
      [Buffer.from("name"), Buffer.from("alice"), Buffer.from("age"), Buffer.from("30")],
      [Buffer.from("name"), Buffer.from([0, 0xff, 0x80, 13, 10]), Buffer.from("age"), Buffer.alloc(0)],
      [Buffer.from("other"), Buffer.from("café ☕")],
      [Buffer.from("name"), big, Buffer.from("age"), Buffer.from("1")],
      [Buffer.from("n\u00e9"), Buffer.alloc(200, 1), Buffer.from([0xff]), big.subarray(0, 300)],
    ];
    for (let i = 0; i < rows.length; i++) await r.xadd("x:bytes", `1-${i + 1}`, ...rows[i]!);
    const read = async (key: string) => (await r.xrangeBuffer(key, "-", "+")).map(([, fv]) => fv.map((b) => b.toString("hex")));
    const want = rows.map((fv) => fv.map((b) => b.toString("hex")));
    expect(await read("x:bytes")).toEqual(want);
    expect((await r.xrevrangeBuffer("x:bytes", "+", "-")).map(([, fv]) => fv.map((b) => b.toString("hex")))).toEqual([...want].reverse());
    expect(await r.copy("x:bytes", "x:bytes2")).toBe(1);
    expect(await read("x:bytes2")).toEqual(want);
    const dump = (await r.dumpBuffer("x:bytes"))!;
    expect(await r.restore("x:bytes3", 0, dump)).toBe("OK");
    expect(await read("x:bytes3")).toEqual(want);
    expect((await r.dumpBuffer("x:bytes3"))!.equals(dump)).toBe(true);
  });

  it("nodes without limits, and a closed node that is the last again, keep every entry (reads, DUMP, COPY)", async () => {
    const r = ctx.ioredis();
    const info = async (key: string) => {
      const flat = (await r.xinfo("STREAM", key)) as unknown[];
      return flat[flat.indexOf("radix-tree-keys") + 1];
    };
    const ids = async (key: string) => (await r.xrange(key, "-", "+")).map((e) => `${e[0]}=${e[1].join(",")}`);
    try {
      // one node that never closes: its entries are compacted into chunks as it grows (StreamNode.compact)
      await r.config("SET", "stream-node-max-entries", "0", "stream-node-max-bytes", "0");
      const want: string[] = [];
      const p = r.pipeline();
      for (let i = 1; i <= 700; i++) {
        const fv = i % 97 === 0 ? ["f", `v${i}`, "other", "x".repeat(i % 3 === 0 ? 20000 : 5)] : ["f", `v${i}`];
        p.xadd("x:nolimit", `${i}-${i % 5 === 0 ? 2 ** 40 : 0}`, ...fv);
        want.push(`${i}-${i % 5 === 0 ? 2 ** 40 : 0}=${fv.join(",")}`);
      }
      await p.exec();
      expect(await info("x:nolimit")).toBe(1);
      expect(await ids("x:nolimit")).toEqual(want);
      const idOf = (w: string) => w.slice(0, w.indexOf("="));
      expect((await r.xrevrange("x:nolimit", "+", "-", "COUNT", 3)).map((e) => e[0])).toEqual(want.slice(-3).reverse().map(idOf));
      expect(await r.xdel("x:nolimit", "256-0", "257-0", "512-0")).toBe(3);
      const kept = want.filter((w) => !["256-0", "257-0", "512-0"].includes(idOf(w)));
      expect(await ids("x:nolimit")).toEqual(kept);
      await r.restore("x:nolimit2", 0, (await r.dumpBuffer("x:nolimit"))!);
      expect(await ids("x:nolimit2")).toEqual(kept);
      await r.copy("x:nolimit", "x:nolimit3");
      expect(await ids("x:nolimit3")).toEqual(kept);
      // nodes of 3 entries; emptying the last makes the closed one before it the last again, and a larger limit
      // lets it take new entries
      await r.config("SET", "stream-node-max-entries", "3", "stream-node-max-bytes", "4096");
      for (let i = 1; i <= 4; i++) await r.xadd("x:reopen", `${i}-0`, "f", `v${i}`);
      expect(await info("x:reopen")).toBe(2);
      expect(await r.xdel("x:reopen", "4-0")).toBe(1);
      expect(await info("x:reopen")).toBe(1);
      await r.config("SET", "stream-node-max-entries", "10");
      for (let i = 5; i <= 8; i++) await r.xadd("x:reopen", `${i}-0`, "f", `v${i}`);
      expect(await info("x:reopen")).toBe(1);
      expect(await ids("x:reopen")).toEqual(["1-0=f,v1", "2-0=f,v2", "3-0=f,v3", "5-0=f,v5", "6-0=f,v6", "7-0=f,v7", "8-0=f,v8"]);
    } finally {
      await r.config("SET", "stream-node-max-entries", "100", "stream-node-max-bytes", "4096");
    }
  });

  it("XDEL tombstones; XTRIM exact, approximate (whole nodes of 100), LIMIT; XINFO counters", async () => {
    const r = ctx.ioredis();
    const fill = async (key: string, n: number) => {
      const p = r.pipeline();
      for (let i = 1; i <= n; i++) p.xadd(key, `${i}-0`, "f", String(i));
      await p.exec();
    };
    await fill("x:trim", 250);
    const info = async (key: string) => {
      const flat = (await r.xinfo("STREAM", key)) as unknown[];
      const m: Record<string, unknown> = {};
      for (let i = 0; i < flat.length; i += 2) m[flat[i] as string] = flat[i + 1];
      return m;
    };
    expect(await info("x:trim")).toMatchObject({ length: 250, "radix-tree-keys": 3, "radix-tree-nodes": 8, "entries-added": 250 });
    expect(await r.xtrim("x:trim", "MAXLEN", "~", 10)).toBe(200);
    expect(await r.xlen("x:trim")).toBe(50);
    expect(await r.xtrim("x:trim", "MAXLEN", "~", 10)).toBe(0);
    expect(await r.xtrim("x:trim", "MAXLEN", 10)).toBe(40);
    expect(await r.xtrim("x:trim", "MINID", "245")).toBe(4);
    expect((await r.xrange("x:trim", "-", "+")).map((e) => e[0])).toEqual(["245-0", "246-0", "247-0", "248-0", "249-0", "250-0"]);
    expect(await r.xdel("x:trim", "246-0", "246-0", "248-0", "999-0")).toBe(2);
    expect(await info("x:trim")).toMatchObject({ length: 4, "max-deleted-entry-id": "248-0", "recorded-first-entry-id": "245-0" });
    expect(await r.xdel("x:trim", "245-0")).toBe(1);
    expect(await info("x:trim")).toMatchObject({ "recorded-first-entry-id": "247-0" });
    // an emptied stream keeps its key and its counters
    expect(await r.xtrim("x:trim", "MAXLEN", 0)).toBe(3);
    expect(await info("x:trim")).toMatchObject({
      length: 0,
      "radix-tree-keys": 0,
      "radix-tree-nodes": 1,
      "last-generated-id": "250-0",
      "recorded-first-entry-id": "0-0",
      "first-entry": null,
    });
    await fill("x:limit", 250);
    expect(await r.xtrim("x:limit", "MAXLEN", "~", 0, "LIMIT", 150)).toBe(100);
    expect(await r.xadd("x:limit", "MINID", "~", "201", "251-0", "f", "x")).toBe("251-0");
    expect(await r.xlen("x:limit")).toBe(51);
    expect(await r.xtrim("x:nokey", "MAXLEN", 0)).toBe(0);
    expect(await r.xdel("x:nokey", "bad")).toBe(0);
    expect(await errOf(r.xdel("x:limit", "1-0", "bad"))).toBe(INVALID_ID);
    expect(await r.xlen("x:limit")).toBe(51);
    const trimErrors: Array<[string[], string]> = [
      [["x:limit", "MAXLEN"], "ERR wrong number of arguments for 'xtrim' command"],
      [["x:limit", "MAXLEN", "1", "FOO"], "ERR syntax error"],
      [["x:limit", "FOO", "1"], "ERR syntax error"],
      [["x:limit", "LIMIT", "0"], "ERR syntax error, XTRIM must be called with a trimming strategy"],
      [["x:limit", "MAXLEN", "1", "LIMIT", "10"], "ERR syntax error, LIMIT cannot be used without the special ~ option"],
      [["x:limit", "MAXLEN", "=", "x"], "ERR value is not an integer or out of range"],
      [["x:limit", "MINID", "-"], INVALID_ID],
    ];
    for (const [args, text] of trimErrors) expect(await errOf(r.call("XTRIM", ...args)), args.join(" ")).toBe(text);
    expect(await r.xlen("x:limit")).toBe(51);
  });

  it("XSETID: last ID, ENTRIESADDED, MAXDELETEDID and their errors", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:setid", "5-0", "a", "1");
    await r.xadd("x:setid", "6-0", "a", "2");
    await r.xdel("x:setid", "6-0");
    expect(await errOf(r.xsetid("x:setid", "5-0"))).toBe("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    expect(await r.xsetid("x:setid", "6-0")).toBe("OK");
    expect(await errOf(r.xsetid("x:setid", "4-9"))).toBe("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    expect(await r.xsetid("x:setid", "10-0", "ENTRIESADDED", 7, "MAXDELETEDID", "8-0")).toBe("OK");
    expect(await r.xadd("x:setid", "10-*", "a", "3")).toBe("10-1");
    expect(await errOf(r.xsetid("x:setid", "10-0"))).toBe("ERR The ID specified in XSETID is smaller than the target stream top item");
    expect(await errOf(r.xsetid("x:setid", "20-0", "ENTRIESADDED", 1))).toBe(
      "ERR The entries_added specified in XSETID is smaller than the target stream length",
    );
    expect(await errOf(r.xsetid("x:setid", "20-0", "ENTRIESADDED", -1))).toBe("ERR entries_added must be positive");
    expect(await errOf(r.xsetid("x:setid", "20-0", "MAXDELETEDID", "21-0"))).toBe(
      "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
    );
    expect(await errOf(r.call("XSETID", "x:setid", "20-0", "ENTRIESADDED"))).toBe("ERR syntax error");
    expect(await errOf(r.xsetid("x:setid", "+"))).toBe(INVALID_ID);
    expect(await errOf(r.xsetid("x:nokey", "1-0"))).toBe("ERR no such key");
    const flat = (await r.xinfo("STREAM", "x:setid")) as unknown[];
    expect(flat.slice(6, 12)).toEqual(["last-generated-id", "10-1", "max-deleted-entry-id", "8-0", "entries-added", 8]);
  });

  it("XREAD: $ resolved now, + for the last entry, COUNT, several streams, nulls (RESP2 and RESP3)", async () => {
    const r = ctx.ioredis();
    for (let i = 1; i <= 3; i++) await r.xadd("x:r1", `${i}-0`, "n", String(i));
    await r.xadd("x:r2", "7-0", "m", "7");
    expect(await r.xread("COUNT", 2, "STREAMS", "x:r1", "x:r2", "x:none", "0", "0", "0")).toEqual([
      ["x:r1", [["1-0", ["n", "1"]], ["2-0", ["n", "2"]]]],
      ["x:r2", [["7-0", ["m", "7"]]]],
    ]);
    expect(await r.xread("STREAMS", "x:r1", "$")).toBeNull();
    expect(await r.xread("STREAMS", "x:r1", "x:r2", "+", "+")).toEqual([
      ["x:r1", [["3-0", ["n", "3"]]]],
      ["x:r2", [["7-0", ["m", "7"]]]],
    ]);
    expect(await r.xread("STREAMS", "x:r1", "2")).toEqual([["x:r1", [["3-0", ["n", "3"]]]]]);
    expect(await r.xread("STREAMS", "x:none", "+")).toBeNull();
    await r.xgroup("CREATE", "x:empty", "g", "$", "MKSTREAM");
    expect(await errOf(r.xread("STREAMS", "x:empty", "+"))).toBe("ERR the stream last element ID is 0-0");
    await r.xadd("x:gone", "1-0", "a", "1");
    await r.xdel("x:gone", "1-0");
    expect(await r.xread("STREAMS", "x:gone", "+")).toBeNull();
    const raw = await ctx.raw();
    expect(await raw.call("XREAD", "STREAMS", "x:r1", "$")).toBe("*-1\r\n");
    expect(await raw.call("XREAD", "BLOCK", "20", "STREAMS", "x:r1", "$")).toBe("*-1\r\n");
    expect(await raw.call("XREAD", "STREAMS", "x:r2", "0")).toBe(`*1\r\n*2\r\n${$("x:r2")}*1\r\n${entry("7-0", "m", "7")}`);
    await raw.call("HELLO", "3");
    expect(await raw.call("XREAD", "STREAMS", "x:r1", "$")).toBe("_\r\n");
    expect(await raw.call("XREAD", "STREAMS", "x:r2", "x:r1", "0", "2-0")).toBe(
      `%2\r\n${$("x:r2")}*1\r\n${entry("7-0", "m", "7")}${$("x:r1")}*1\r\n${entry("3-0", "n", "3")}`,
    );
    // inside MULTI a BLOCK never blocks: the timeout reply at once
    expect(await raw.call("MULTI")).toBe("+OK\r\n");
    expect(await raw.call("XREAD", "BLOCK", "0", "STREAMS", "x:r1", "$")).toBe("+QUEUED\r\n");
    expect(await raw.call("EXEC")).toBe("*1\r\n_\r\n");
  });

  it("XREAD / XREADGROUP argument errors", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:re", "1-0", "a", "1");
    await r.xgroup("CREATE", "x:re", "g", "0");
    await r.set("x:re:str", "v");
    const cases: Array<[string, string[], string]> = [
      ["XREAD", ["STREAMS", "x:re"], "ERR wrong number of arguments for 'xread' command"],
      ["XREAD", ["STREAMS", "x:re", "x:re", "0"], "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."],
      ["XREAD", ["COUNT", "1", "x:re", "0"], "ERR syntax error"],
      ["XREAD", ["COUNT", "x", "STREAMS", "x:re", "0"], "ERR value is not an integer or out of range"],
      ["XREAD", ["BLOCK", "x", "STREAMS", "x:re", "0"], "ERR timeout is not an integer or out of range"],
      ["XREAD", ["BLOCK", "-1", "STREAMS", "x:re", "0"], "ERR timeout is negative"],
      ["XREAD", ["BLOCK", "9223372036854775807", "STREAMS", "x:re", "0"], "ERR timeout is out of range"],
      ["XREAD", ["GROUP", "g", "c", "STREAMS", "x:re", "0"], "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."],
      ["XREAD", ["NOACK", "STREAMS", "x:re", "0"], "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."],
      ["XREAD", ["STREAMS", "x:re", ">"], "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."],
      ["XREAD", ["STREAMS", "x:re", "1-x"], INVALID_ID],
      ["XREAD", ["STREAMS", "x:re:str", "0"], WRONGTYPE],
      ["XREADGROUP", ["COUNT", "1", "BLOCK", "1", "STREAMS", "x:re", ">"], "ERR Missing GROUP option for XREADGROUP"],
      ["XREADGROUP", ["GROUP", "g", "c", "STREAMS", "x:re", "x:re", ">"], "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified."],
      ["XREADGROUP", ["GROUP", "nog", "c", "STREAMS", "x:re", ">"], "NOGROUP No such key 'x:re' or consumer group 'nog' in XREADGROUP with GROUP option"],
      ["XREADGROUP", ["GROUP", "g", "c", "STREAMS", "x:nokey", ">"], "NOGROUP No such key 'x:nokey' or consumer group 'g' in XREADGROUP with GROUP option"],
      ["XREADGROUP", ["GROUP", "g", "c", "STREAMS", "x:re", "$"], "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."],
      ["XREADGROUP", ["GROUP", "g", "c", "STREAMS", "x:re", "+"], "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set."],
      ["XREADGROUP", ["GROUP", "g", "c", "STREAMS", "x:re:str", ">"], WRONGTYPE],
    ];
    for (const [cmd, args, text] of cases) expect(await errOf(r.call(cmd, ...args)), `${cmd} ${args.join(" ")}`).toBe(text);
    // failed reads created no consumer and delivered nothing
    expect(await r.xpending("x:re", "g")).toEqual([0, null, null, null]);
    expect(await r.xinfo("CONSUMERS", "x:re", "g")).toEqual([]);
  });

  it("consumer group life cycle: create, read, pending, ack, claim, autoclaim, delete", async () => {
    const r = ctx.ioredis();
    expect(await errOf(r.xgroup("CREATE", "x:cg", "g", "$"))).toBe(
      "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
    );
    expect(await r.xgroup("CREATE", "x:cg", "g", "$", "MKSTREAM")).toBe("OK");
    expect(await errOf(r.xgroup("CREATE", "x:cg", "g", "$"))).toBe("BUSYGROUP Consumer Group name already exists");
    for (let i = 1; i <= 4; i++) await r.xadd("x:cg", `${i}-0`, "job", String(i));
    expect(await r.xreadgroup("GROUP", "g", "alice", "COUNT", 2, "STREAMS", "x:cg", ">")).toEqual([
      ["x:cg", [["1-0", ["job", "1"]], ["2-0", ["job", "2"]]]],
    ]);
    expect(await r.xreadgroup("GROUP", "g", "bob", "STREAMS", "x:cg", ">")).toEqual([
      ["x:cg", [["3-0", ["job", "3"]], ["4-0", ["job", "4"]]]],
    ]);
    expect(await r.xreadgroup("GROUP", "g", "bob", "STREAMS", "x:cg", ">")).toBeNull();
    // history: only the consumer's own pending entries
    expect(await r.xreadgroup("GROUP", "g", "alice", "STREAMS", "x:cg", "0")).toEqual([
      ["x:cg", [["1-0", ["job", "1"]], ["2-0", ["job", "2"]]]],
    ]);
    expect(await r.xreadgroup("GROUP", "g", "carol", "STREAMS", "x:cg", "0")).toEqual([["x:cg", []]]);
    expect(await r.xpending("x:cg", "g")).toEqual([4, "1-0", "4-0", [["alice", "2"], ["bob", "2"]]]);
    const ext = (await r.xpending("x:cg", "g", "-", "+", 10)) as [string, string, number, number][];
    expect(ext.map(([id, c, , n]) => [id, c, n])).toEqual([
      ["1-0", "alice", 2],
      ["2-0", "alice", 2],
      ["3-0", "bob", 1],
      ["4-0", "bob", 1],
    ]);
    expect(((await r.xpending("x:cg", "g", "(1-0", "+", 1, "bob")) as unknown[]).length).toBe(1);
    expect(await r.xpending("x:cg", "g", "-", "+", 10, "nobody")).toEqual([]);
    expect(await r.xack("x:cg", "g", "1-0", "1-0", "9-0")).toBe(1);
    expect(await errOf(r.xack("x:cg", "g", "bad"))).toBe(INVALID_ID);
    expect(await r.xack("x:cg", "nog", "bad")).toBe(0);
    // XCLAIM: IDLE sets the idle time, RETRYCOUNT the counter, JUSTID returns IDs and keeps the counter
    expect(await r.xclaim("x:cg", "g", "carol", 0, "2-0", "3-0", "IDLE", 5000, "RETRYCOUNT", 7)).toEqual([
      ["2-0", ["job", "2"]],
      ["3-0", ["job", "3"]],
    ]);
    const claimed = (await r.xpending("x:cg", "g", "IDLE", 4000, "-", "+", 10, "carol")) as [string, string, number, number][];
    expect(claimed.map(([id, c, idle, n]) => [id, c, idle >= 5000, n])).toEqual([
      ["2-0", "carol", true, 7],
      ["3-0", "carol", true, 7],
    ]);
    expect(await r.xclaim("x:cg", "g", "dave", 3_600_000, "2-0")).toEqual([]);
    expect(await r.xclaim("x:cg", "g", "dave", 1000, "2-0", "JUSTID")).toEqual(["2-0"]);
    // FORCE creates a PEL entry for an existing message; LASTID moves the group forward
    await r.xadd("x:cg", "5-0", "job", "5");
    expect(await r.xclaim("x:cg", "g", "erin", 0, "5-0", "FORCE", "JUSTID", "LASTID", "5-0")).toEqual(["5-0"]);
    expect(await r.xreadgroup("GROUP", "g", "erin", "STREAMS", "x:cg", ">")).toBeNull();
    // XAUTOCLAIM reports messages deleted meanwhile and drops them from the PEL
    await r.xdel("x:cg", "3-0");
    expect(await r.xautoclaim("x:cg", "g", "frank", 0, "0", "COUNT", 2)).toEqual(["4-0", [["2-0", ["job", "2"]]], ["3-0"]]);
    expect(await r.xautoclaim("x:cg", "g", "frank", 0, "0", "JUSTID")).toEqual(["0-0", ["2-0", "4-0", "5-0"], []]);
    expect(await r.xpending("x:cg", "g")).toEqual([3, "2-0", "5-0", [["frank", "3"]]]);
    const groups = (await r.xinfo("GROUPS", "x:cg")) as unknown[][];
    expect(groups).toEqual([["name", "g", "consumers", 6, "pending", 3, "last-delivered-id", "5-0", "entries-read", 4, "lag", 1]]);
    expect(await r.xgroup("CREATECONSUMER", "x:cg", "g", "zed")).toBe(1);
    expect(await r.xgroup("CREATECONSUMER", "x:cg", "g", "zed")).toBe(0);
    expect(await r.xgroup("DELCONSUMER", "x:cg", "g", "frank")).toBe(3);
    expect(await r.xgroup("DELCONSUMER", "x:cg", "g", "frank")).toBe(0);
    expect(await r.xpending("x:cg", "g")).toEqual([0, null, null, null]);
    expect(await r.xgroup("SETID", "x:cg", "g", "0", "ENTRIESREAD", 0)).toBe("OK");
    expect(await r.xreadgroup("GROUP", "g", "zed", "NOACK", "STREAMS", "x:cg", ">")).toEqual([
      ["x:cg", [["1-0", ["job", "1"]], ["2-0", ["job", "2"]], ["4-0", ["job", "4"]], ["5-0", ["job", "5"]]]],
    ]);
    expect(await r.xpending("x:cg", "g")).toEqual([0, null, null, null]);
    expect(await r.xgroup("DESTROY", "x:cg", "g")).toBe(1);
    expect(await r.xgroup("DESTROY", "x:cg", "g")).toBe(0);
    expect(await errOf(r.xpending("x:cg", "g"))).toBe("NOGROUP No such key 'x:cg' or consumer group 'g'");
  });

  it("a pending entry left idle is claimed by another consumer (real time, short wait)", async () => {
    const r = ctx.ioredis();
    await r.xgroup("CREATE", "x:idle", "g", "$", "MKSTREAM");
    await r.xadd("x:idle", "1-0", "task", "a");
    await r.xreadgroup("GROUP", "g", "worker1", "STREAMS", "x:idle", ">");
    expect(await r.xautoclaim("x:idle", "g", "worker2", 100_000, "0")).toEqual(["0-0", [], []]);
    await new Promise((res) => setTimeout(res, 120));
    const idle = (await r.xpending("x:idle", "g", "IDLE", 100, "-", "+", 10)) as [string, string, number, number][];
    expect(idle.map(([id, c, , n]) => [id, c, n])).toEqual([["1-0", "worker1", 1]]);
    expect(idle[0]![2]).toBeGreaterThanOrEqual(100);
    expect(await r.xautoclaim("x:idle", "g", "worker2", 100, "0")).toEqual(["0-0", [["1-0", ["task", "a"]]], []]);
    expect(await r.xpending("x:idle", "g")).toEqual([1, "1-0", "1-0", [["worker2", "1"]]]);
    const consumers = (await r.xinfo("CONSUMERS", "x:idle", "g")) as unknown[][];
    expect(consumers.map((c) => [c[1], c[3]])).toEqual([
      ["worker1", 0],
      ["worker2", 1],
    ]);
  });

  it("bad group input: XGROUP, XPENDING, XCLAIM, XAUTOCLAIM, XINFO errors leave the group unchanged", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:gbad", "1-0", "a", "1");
    await r.xgroup("CREATE", "x:gbad", "g", "0");
    await r.xreadgroup("GROUP", "g", "c", "STREAMS", "x:gbad", ">");
    await r.set("x:gstr", "v");
    const cases: Array<[string, string[], string]> = [
      ["XGROUP", ["CREATE", "x:gbad", "g2", "0", "FOO"], "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."],
      ["XGROUP", ["CREATE", "x:gbad", "g2", "0", "ENTRIESREAD", "-2"], "ERR value for ENTRIESREAD must be positive or -1"],
      ["XGROUP", ["CREATE", "x:gbad", "g2", "0", "ENTRIESREAD", "x"], "ERR value is not an integer or out of range"],
      ["XGROUP", ["CREATE", "x:gbad", "g2", "+"], INVALID_ID],
      ["XGROUP", ["CREATE", "x:gstr", "g2", "0"], WRONGTYPE],
      ["XGROUP", ["SETID", "x:gbad", "nog", "0"], "NOGROUP No such consumer group 'nog' for key name 'x:gbad'"],
      ["XGROUP", ["SETID", "x:gbad", "g", "0", "MKSTREAM"], "ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."],
      ["XGROUP", ["setid", "x:gbad", "g", "0", "ENTRIESREAD"], "ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP."],
      ["XGROUP", ["SETID", "x:gbad", "g", "x-1"], INVALID_ID],
      ["XGROUP", ["CREATECONSUMER", "x:nokey", "g", "c"], "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."],
      ["XGROUP", ["DESTROY", "x:gbad"], "ERR wrong number of arguments for 'xgroup|destroy' command"],
      ["XGROUP", ["FOO"], "ERR unknown subcommand 'FOO'. Try XGROUP HELP."],
      ["XPENDING", ["x:gbad", "g", "-"], "ERR syntax error"],
      ["XPENDING", ["x:gbad", "g", "IDLE", "10", "-", "+"], "ERR syntax error"],
      ["XPENDING", ["x:gbad", "g", "IDLE", "x", "-", "+", "1"], "ERR value is not an integer or out of range"],
      ["XPENDING", ["x:gbad", "g", "-", "+", "x"], "ERR value is not an integer or out of range"],
      ["XPENDING", ["x:gbad", "nog"], "NOGROUP No such key 'x:gbad' or consumer group 'nog'"],
      ["XPENDING", ["x:gstr", "g"], WRONGTYPE],
      ["XCLAIM", ["x:gbad", "nog", "c", "x", "1-0"], "NOGROUP No such key 'x:gbad' or consumer group 'nog'"],
      ["XCLAIM", ["x:gbad", "g", "c2", "x", "1-0"], "ERR Invalid min-idle-time argument for XCLAIM"],
      ["XCLAIM", ["x:gbad", "g", "c2", "0", "1-0", "IDLE", "x"], "ERR Invalid IDLE option argument for XCLAIM"],
      ["XCLAIM", ["x:gbad", "g", "c2", "0", "1-0", "TIME", "x"], "ERR Invalid TIME option argument for XCLAIM"],
      ["XCLAIM", ["x:gbad", "g", "c2", "0", "1-0", "RETRYCOUNT", "x"], "ERR Invalid RETRYCOUNT option argument for XCLAIM"],
      ["XCLAIM", ["x:gbad", "g", "c2", "0", "1-0", "LASTID", "x"], INVALID_ID],
      ["XCLAIM", ["x:gbad", "g", "c2", "0", "1-0", "IDLE"], "ERR Unrecognized XCLAIM option 'IDLE'"],
      ["XAUTOCLAIM", ["x:gbad", "g", "c2", "x", "0"], "ERR Invalid min-idle-time argument for XAUTOCLAIM"],
      ["XAUTOCLAIM", ["x:gbad", "g", "c2", "0", "bad"], INVALID_ID],
      ["XAUTOCLAIM", ["x:gbad", "g", "c2", "0", "0", "COUNT", "0"], "ERR COUNT must be > 0"],
      ["XAUTOCLAIM", ["x:gbad", "g", "c2", "0", "0", "FOO"], "ERR syntax error"],
      ["XAUTOCLAIM", ["x:gbad", "nog", "c2", "0", "0"], "NOGROUP No such key 'x:gbad' or consumer group 'nog'"],
      ["XINFO", ["STREAM", "x:nokey"], "ERR no such key"],
      ["XINFO", ["STREAM", "x:gbad", "FULL", "COUNT"], "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."],
      ["XINFO", ["STREAM", "x:gbad", "FULL", "COUNT", "x"], "ERR value is not an integer or out of range"],
      ["XINFO", ["CONSUMERS", "x:gbad", "nog"], "NOGROUP No such consumer group 'nog' for key name 'x:gbad'"],
      ["XINFO", ["GROUPS", "x:gstr"], WRONGTYPE],
    ];
    for (const [cmd, args, text] of cases) expect(await errOf(r.call(cmd, ...args)), `${cmd} ${args.join(" ")}`).toBe(text);
    expect(await r.xinfo("GROUPS", "x:gbad")).toEqual([["name", "g", "consumers", 1, "pending", 1, "last-delivered-id", "1-0", "entries-read", 1, "lag", 0]]);
    expect(await r.xpending("x:gbad", "g")).toEqual([1, "1-0", "1-0", [["c", "1"]]]);
    expect(await r.get("x:gstr")).toBe("v");
  });

  it("WRONGTYPE from every stream command on another type, which stays intact", async () => {
    const r = ctx.ioredis();
    await r.set("x:s", "v");
    const cmds: string[][] = [
      ["XADD", "x:s", "*", "a", "1"],
      ["XLEN", "x:s"],
      ["XRANGE", "x:s", "-", "+"],
      ["XREVRANGE", "x:s", "+", "-"],
      ["XDEL", "x:s", "1-0"],
      ["XTRIM", "x:s", "MAXLEN", "0"],
      ["XSETID", "x:s", "1-0"],
      ["XREAD", "STREAMS", "x:s", "0"],
      ["XACK", "x:s", "g", "1-0"],
      ["XPENDING", "x:s", "g"],
      ["XCLAIM", "x:s", "g", "c", "0", "1-0"],
      ["XAUTOCLAIM", "x:s", "g", "c", "0", "0"],
      ["XGROUP", "CREATE", "x:s", "g", "$", "MKSTREAM"],
      ["XINFO", "STREAM", "x:s"],
    ];
    for (const [cmd, ...args] of cmds) expect(await errOf(r.call(cmd!, ...args)), cmd).toBe(WRONGTYPE);
    expect(await r.get("x:s")).toBe("v");
  });

  it("XINFO STREAM / GROUPS / CONSUMERS: RESP2 flat arrays, RESP3 maps (exact bytes)", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:info", "1-1", "a", "1");
    await r.xadd("x:info", "2-1", "b", "2");
    await r.xgroup("CREATE", "x:info", "g", "0");
    await r.xreadgroup("GROUP", "g", "c", "COUNT", 1, "STREAMS", "x:info", ">");
    const raw = await ctx.raw();
    const head = (map: string) =>
      `${map}${$("length")}:2\r\n${$("radix-tree-keys")}:1\r\n${$("radix-tree-nodes")}:2\r\n` +
      `${$("last-generated-id")}${$("2-1")}${$("max-deleted-entry-id")}${$("0-0")}${$("entries-added")}:2\r\n` +
      `${$("recorded-first-entry-id")}${$("1-1")}`;
    const summary = `${$("groups")}:1\r\n${$("first-entry")}${entry("1-1", "a", "1")}${$("last-entry")}${entry("2-1", "b", "2")}`;
    const groups = (open: string) =>
      `*1\r\n${open}${$("name")}${$("g")}${$("consumers")}:1\r\n${$("pending")}:1\r\n` +
      `${$("last-delivered-id")}${$("1-1")}${$("entries-read")}:1\r\n${$("lag")}:1\r\n`;
    expect(await raw.call("XINFO", "STREAM", "x:info")).toBe(head("*20\r\n") + summary);
    expect(await raw.call("XINFO", "GROUPS", "x:info")).toBe(groups("*12\r\n"));
    expect(await raw.call("XINFO", "CONSUMERS", "x:info", "g")).toMatch(
      /^\*1\r\n\*8\r\n\$4\r\nname\r\n\$1\r\nc\r\n\$7\r\npending\r\n:1\r\n\$4\r\nidle\r\n:\d+\r\n\$8\r\ninactive\r\n:\d+\r\n$/,
    );
    await raw.call("HELLO", "3");
    expect(await raw.call("XINFO", "STREAM", "x:info")).toBe(head("%10\r\n") + summary);
    expect(await raw.call("XINFO", "GROUPS", "x:info")).toBe(groups("%6\r\n"));
    expect(await raw.call("XINFO", "CONSUMERS", "x:info", "g")).toMatch(
      /^\*1\r\n%4\r\n\$4\r\nname\r\n\$1\r\nc\r\n\$7\r\npending\r\n:1\r\n\$4\r\nidle\r\n:\d+\r\n\$8\r\ninactive\r\n:\d+\r\n$/,
    );
    const full = await raw.call("XINFO", "STREAM", "x:info", "FULL", "COUNT", "1");
    expect(full.startsWith(head("%9\r\n") + `${$("entries")}*1\r\n${entry("1-1", "a", "1")}${$("groups")}*1\r\n%7\r\n`)).toBe(true);
    expect(full).toMatch(/\$7\r\npending\r\n\*1\r\n\*4\r\n\$3\r\n1-1\r\n\$1\r\nc\r\n:\d{13}\r\n:1\r\n\$9\r\nconsumers\r\n\*1\r\n%5\r\n/);
    expect(full).toMatch(/\$9\r\nseen-time\r\n:\d{13}\r\n\$11\r\nactive-time\r\n:\d{13}\r\n\$9\r\npel-count\r\n:1\r\n\$7\r\npending\r\n\*1\r\n\*3\r\n\$3\r\n1-1\r\n:\d{13}\r\n:1\r\n$/);
    // deleted entries still pending come back as [id, null] in the consumer's history
    await r.xdel("x:info", "1-1");
    expect(await raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x:info", "0")).toBe(`%1\r\n${$("x:info")}*1\r\n*2\r\n${$("1-1")}_\r\n`);
    expect(await raw.call("XPENDING", "x:info", "nog")).toBe("-NOGROUP No such key 'x:info' or consumer group 'nog'\r\n");
    expect(await raw.call("XGROUP", "CREATECONSUMER", "x:info", "g", "new")).toBe(":1\r\n");
    expect(await raw.call("XPENDING", "x:info", "g")).toBe(`*4\r\n:1\r\n${$("1-1")}${$("1-1")}*1\r\n*2\r\n${$("c")}${$("1")}`);
    const r2 = await ctx.raw();
    expect(await r2.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x:info", "0")).toBe(`*1\r\n*2\r\n${$("x:info")}*1\r\n*2\r\n${$("1-1")}*-1\r\n`);
    await r.xack("x:info", "g", "1-1");
    expect(await r2.call("XPENDING", "x:info", "g")).toBe("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
  });

  it("XGROUP and XINFO HELP", async () => {
    const raw = await ctx.raw();
    const help = await raw.call("XGROUP", "HELP");
    expect(help.startsWith("*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n")).toBe(true);
    expect(help.endsWith("+HELP\r\n+    Print this help.\r\n")).toBe(true);
    const xinfo = await raw.call("xinfo", "help");
    expect(xinfo).toBe(
      "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n" +
        "+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n" +
        "+HELP\r\n+    Print this help.\r\n",
    );
  });

  it("WATCH: entry changes abort EXEC, group metadata changes do not (as Valkey)", async () => {
    const r = ctx.ioredis();
    const other = ctx.ioredis();
    await r.xadd("x:w", "1-0", "a", "1");
    const attempt = async (change: () => Promise<unknown>) => {
      await r.watch("x:w");
      await change();
      return r.multi().ping().exec();
    };
    expect(await attempt(() => other.xgroup("CREATE", "x:w", "g", "$"))).toEqual([[null, "PONG"]]);
    expect(await attempt(() => other.xreadgroup("GROUP", "g", "c", "STREAMS", "x:w", "0"))).toEqual([[null, "PONG"]]);
    expect(await attempt(() => other.xsetid("x:w", "5-0"))).toEqual([[null, "PONG"]]);
    expect(await attempt(() => other.xadd("x:w", "6-0", "a", "2"))).toBeNull();
    expect(await attempt(() => other.xdel("x:w", "6-0"))).toBeNull();
    expect(await attempt(() => other.xtrim("x:w", "MAXLEN", 0))).toBeNull();
    expect(await attempt(() => other.xdel("x:w", "99-0"))).toEqual([[null, "PONG"]]);
  });

  it("node-redis (RESP2 and RESP3) reads stream replies", async () => {
    const r = ctx.ioredis();
    await r.xadd("x:nr", "1-1", "a", "1");
    await r.xgroup("CREATE", "x:nr", "g", "0");
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      expect(await n.xRange("x:nr", "-", "+")).toEqual([{ id: "1-1", message: { a: "1" } }]);
      expect(await n.xRead({ key: "x:nr", id: "0" })).toEqual([{ name: "x:nr", messages: [{ id: "1-1", message: { a: "1" } }] }]);
      expect(await n.xRead({ key: "x:nr", id: "$" })).toBeNull();
      const info = (await n.xInfoStream("x:nr")) as Record<string, unknown>;
      expect(info).toMatchObject({ length: 1, "radix-tree-keys": 1, "last-generated-id": "1-1", groups: 1 });
      expect(info["first-entry"]).toEqual({ id: "1-1", message: { a: "1" } });
      expect(await n.xAutoClaim("x:nr", "g", `auto${resp}`, 0, "0")).toEqual({ nextId: "0-0", messages: [], deletedMessages: [] });
    }
    const n2 = await ctx.nodeRedis(2);
    expect(await n2.xReadGroup("g", "c", { key: "x:nr", id: ">" })).toEqual([{ name: "x:nr", messages: [{ id: "1-1", message: { a: "1" } }] }]);
    expect(await n2.xPending("x:nr", "g")).toEqual({ pending: 1, firstId: "1-1", lastId: "1-1", consumers: [{ name: "c", deliveriesCounter: 1 }] });
    const groups = await n2.xInfoGroups("x:nr");
    expect(groups).toEqual([{ name: "g", consumers: 3, pending: 1, "last-delivered-id": "1-1", "entries-read": 1, lag: 0 }]);
    const n3 = await ctx.nodeRedis(3);
    expect(await n3.xAdd("x:nr", "2-1", { b: "2" })).toBe("2-1");
    expect(await n3.xLen("x:nr")).toBe(2);
    expect(await n3.xTrim("x:nr", "MAXLEN", 1)).toBe(1);
  });
});

// In-process server: the store clock can be moved and keyspace notifications switched on directly.
describe("streams (in-process: moved clock, keyspace events)", () => {
  let srv: StartedServer;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ port: srv.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await srv.close();
  });

  it("idle times, delivery times and consumer times follow the store clock", async () => {
    const r = client();
    await r.xadd("s", "1-0", "a", "1");
    await r.xadd("s", "2-0", "a", "2");
    await r.xgroup("CREATE", "s", "g", "0");
    await r.xreadgroup("GROUP", "g", "c1", "STREAMS", "s", ">");
    expect(await r.xautoclaim("s", "g", "c2", 60_000, "0")).toEqual(["0-0", [], []]);
    srv.clock.advance(90_000);
    const pend = (await r.xpending("s", "g", "IDLE", 60_000, "-", "+", 10)) as [string, string, number, number][];
    expect(pend.map(([id, , idle]) => [id, idle >= 90_000 && idle < 95_000])).toEqual([
      ["1-0", true],
      ["2-0", true],
    ]);
    const consumers = (await r.xinfo("CONSUMERS", "s", "g")) as unknown[][];
    expect(consumers.length).toBe(2);
    const c1 = consumers[0]!;
    expect(c1[1]).toBe("c1");
    expect((c1[5] as number) >= 90_000 && (c1[7] as number) >= 90_000).toBe(true);
    expect(consumers[1]![7]).toBe(-1); // c2 tried but claimed nothing: never active
    expect(await r.xautoclaim("s", "g", "c2", 60_000, "0", "COUNT", 1)).toEqual(["2-0", [["1-0", ["a", "1"]]], []]);
    expect(await r.xclaim("s", "g", "c2", 60_000, "1-0", "2-0", "JUSTID")).toEqual(["2-0"]);
    const after = (await r.xpending("s", "g", "-", "+", 10)) as [string, string, number, number][];
    expect(after.map(([id, c, idle, n]) => [id, c, idle < 5_000, n])).toEqual([
      ["1-0", "c2", true, 2],
      ["2-0", "c2", true, 1],
    ]);
    // TIME sets an absolute delivery time (clamped to now when in the future)
    const now = srv.server.store.now;
    await r.xclaim("s", "g", "c1", 0, "1-0", "TIME", now - 30_000);
    const rows = (await r.xpending("s", "g", "-", "+", 1)) as [string, string, number, number][];
    const idle = rows[0]![2];
    expect(idle >= 30_000 && idle < 35_000).toBe(true);
  });

  it("emits Valkey's keyspace events for stream commands", async () => {
    srv.server.store.notifyFlags = N.KEYSPACE | N.KEYEVENT | N.STREAM;
    const sub = client();
    const events: string[] = [];
    await sub.psubscribe("__keyevent@0__:*");
    sub.on("pmessage", (_p: string, ch: string, key: string) => events.push(`${ch.slice("__keyevent@0__:".length)} ${key}`));
    const r = client();
    await r.xadd("ev", "MAXLEN", "1", "1-0", "a", "1");
    await r.xadd("ev", "MAXLEN", "1", "2-0", "a", "1");
    await r.xgroup("CREATE", "ev", "g", "0");
    await r.xgroup("CREATE", "ev2", "g", "$", "MKSTREAM");
    await r.xreadgroup("GROUP", "g", "c", "STREAMS", "ev", ">");
    await r.xgroup("CREATECONSUMER", "ev", "g", "c2");
    await r.xgroup("SETID", "ev", "g", "0");
    await r.xclaim("ev", "g", "c3", 0, "2-0");
    await r.xautoclaim("ev", "g", "c4", 0, "0");
    await r.xack("ev", "g", "2-0");
    await r.xgroup("DELCONSUMER", "ev", "g", "c2");
    await r.xdel("ev", "2-0");
    await r.xdel("ev", "2-0");
    await r.xadd("ev", "3-0", "a", "1");
    await r.xtrim("ev", "MAXLEN", 0);
    await r.xtrim("ev", "MAXLEN", 0);
    await r.xsetid("ev", "9-0");
    await r.xgroup("DESTROY", "ev", "g");
    await r.ping();
    await new Promise((res) => setTimeout(res, 50));
    expect(events).toEqual([
      "xadd ev",
      "xadd ev",
      "xtrim ev",
      "xgroup-create ev",
      "xgroup-create ev2",
      "xgroup-createconsumer ev",
      "xgroup-createconsumer ev",
      "xgroup-setid ev",
      "xgroup-createconsumer ev",
      "xgroup-createconsumer ev",
      "xgroup-delconsumer ev",
      "xdel ev",
      "xadd ev",
      "xtrim ev",
      "xsetid ev",
      "xgroup-destroy ev",
    ]);
    srv.server.store.notifyFlags = 0;
  });
});

