import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join("")}`;
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const BAD_SCORE = "ERR One or more scores can't be converted into double";

// Expected replies are redis-server 7.0's for the same commands (compared byte for byte with resp-diff).
describeRuntimes("sort", (ctx) => {
  beforeEach(async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.rpush("l", "3", "1", "2", "10", "-5", "1.5", "0x10", " 7", "1e2", "inf", "-inf");
    await r.rpush("k", "3", "1", "2", "10");
    await r.mset("w_3", "30", "w_1", "10", "w_2", "20", "w_10", "5");
  });

  it("sorts a list numerically (strtod forms), DESC, ALPHA, and reads the read-only variant", async () => {
    const r = ctx.ioredis();
    expect(await (r as any).sort("l")).toEqual(["-inf", "-5", "1", "1.5", "2", "3", " 7", "10", "0x10", "1e2", "inf"]);
    expect(await (r as any).sort("l", "DESC")).toEqual(["inf", "1e2", "0x10", "10", " 7", "3", "2", "1.5", "1", "-5", "-inf"]);
    expect(await (r as any).sort("l", "ALPHA")).toEqual([" 7", "-5", "-inf", "0x10", "1", "1.5", "10", "1e2", "2", "3", "inf"]);
    expect(await (r as any).sort("l", "ALPHA", "DESC")).toEqual(["inf", "3", "2", "1e2", "10", "1.5", "1", "0x10", "-inf", "-5", " 7"]);
    expect(await r.call("SORT_RO", "l")).toEqual(await (r as any).sort("l"));
    expect(await r.call("SORT", "l", "asc", "desc")).toEqual(await (r as any).sort("l", "DESC"));
    await r.rpush("ties", "5", "5", "3");
    expect(await (r as any).sort("ties")).toEqual(["3", "5", "5"]);
    await r.rpush("empty-string", "1", "");
    expect(await (r as any).sort("empty-string")).toEqual(["", "1"]);
  });

  it("LIMIT offset count clamps like Valkey", async () => {
    const r = ctx.ioredis();
    expect(await (r as any).sort("l", "LIMIT", 1, 3)).toEqual(["-5", "1", "1.5"]);
    expect(await (r as any).sort("l", "LIMIT", -5, 3)).toEqual(["-inf", "-5", "1"]);
    expect(await (r as any).sort("l", "LIMIT", 3, -1)).toEqual(["1.5", "2", "3", " 7", "10", "0x10", "1e2", "inf"]);
    expect(await (r as any).sort("l", "LIMIT", 20, 5)).toEqual([]);
    expect(await (r as any).sort("l", "LIMIT", 0, 0)).toEqual([]);
    expect(await (r as any).sort("l", "DESC", "LIMIT", 2, 4)).toEqual(["0x10", "10", " 7", "3"]);
    expect(await r.call("SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807")).toEqual([]);
    expect(await r.call("SORT", "l", "LIMIT", "-9223372036854775808", "-1")).toHaveLength(11);
  });

  it("BY constant keeps the native order (nosort), with LIMIT and DESC", async () => {
    const r = ctx.ioredis();
    expect(await (r as any).sort("l", "BY", "nosort")).toEqual(["3", "1", "2", "10", "-5", "1.5", "0x10", " 7", "1e2", "inf", "-inf"]);
    expect(await (r as any).sort("l", "BY", "nosort", "DESC")).toEqual(["-inf", "inf", "1e2", " 7", "0x10", "1.5", "-5", "10", "2", "1", "3"]);
    expect(await (r as any).sort("l", "BY", "nosort", "LIMIT", 2, 3)).toEqual(["2", "10", "-5"]);
    expect(await (r as any).sort("l", "BY", "nosort", "DESC", "LIMIT", 2, 3)).toEqual(["1e2", " 7", "0x10"]);
    expect(await (r as any).sort("l", "BY", "nosort", "LIMIT", 20, 3)).toEqual([]);
  });

  it("BY pattern and GET patterns read external keys", async () => {
    const r = ctx.ioredis();
    expect(await (r as any).sort("k", "BY", "w_*")).toEqual(["10", "1", "2", "3"]);
    expect(await (r as any).sort("k", "BY", "w_*", "DESC")).toEqual(["3", "2", "1", "10"]);
    expect(await (r as any).sort("k", "BY", "w_*", "LIMIT", 1, 2)).toEqual(["1", "2"]);
    expect(await (r as any).sort("k", "BY", "w_*", "ALPHA")).toEqual(["1", "2", "3", "10"]);
    expect(await (r as any).sort("k", "BY", "w_*", "GET", "#", "GET", "w_*")).toEqual(["10", "5", "1", "10", "2", "20", "3", "30"]);
    expect(await (r as any).sort("k", "GET", "w_*", "GET", "nokey", "GET", "#", "GET", "missing_*")).toEqual([
      "10", null, "1", null, "20", null, "2", null, "30", null, "3", null, "5", null, "10", null,
    ]);
    // missing weights count as 0 (numeric) or sort first (ALPHA); ties keep the list order
    expect(await (r as any).sort("k", "BY", "missing_*")).toEqual(["1", "10", "2", "3"]);
    expect(await (r as any).sort("k", "BY", "missing_*", "ALPHA")).toEqual(["3", "1", "2", "10"]);
    // `->` reads a hash field, and a non-hash key yields nothing
    expect(await (r as any).sort("k", "BY", "w_*->f")).toEqual(["1", "10", "2", "3"]);
    expect(await (r as any).sort("k", "GET", "w_*->f")).toEqual([null, null, null, null]);
    const raw = await ctx.raw();
    expect(await raw.call("SORT", "k", "GET", "nope_*", "LIMIT", "0", "1")).toBe(arr("$-1\r\n"));
    await raw.call("HELLO", "3");
    expect(await raw.call("SORT", "k", "GET", "nope_*", "LIMIT", "0", "1")).toBe(arr("_\r\n"));
  });

  it("STORE writes a list (missing GET values as empty strings) and deletes the destination when empty", async () => {
    const r = ctx.ioredis();
    expect(await (r as any).sort("k", "BY", "w_*", "STORE", "dst")).toBe(4);
    expect(await r.lrange("dst", 0, -1)).toEqual(["10", "1", "2", "3"]);
    expect(await r.object("ENCODING", "dst")).toBe("listpack");
    expect(await (r as any).sort("k", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "nope_*", "STORE", "dst")).toBe(12);
    expect(await r.lrange("dst", 0, 2)).toEqual(["10", "5", ""]);
    await r.set("k2", "v");
    await r.expire("k2", 100);
    expect(await (r as any).sort("k", "BY", "nosort", "STORE", "k2")).toBe(4);
    expect(await r.type("k2")).toBe("list");
    expect(await r.ttl("k2")).toBe(-1);
    expect(await (r as any).sort("missing", "STORE", "dst")).toBe(0);
    expect(await r.exists("dst")).toBe(0);
    expect(await (r as any).sort("missing")).toEqual([]);
  });

  it("sorts sorted sets by member weight or in their own order, converting them to skiplist", async () => {
    const r = ctx.ioredis();
    await r.zadd("z", 3, "c", 1, "a", 2, "b", 5, "e", 4, "d");
    expect(await r.object("ENCODING", "z")).toBe("listpack");
    expect(await (r as any).sort("z", "ALPHA")).toEqual(["a", "b", "c", "d", "e"]);
    expect(await (r as any).sort("z", "ALPHA", "DESC")).toEqual(["e", "d", "c", "b", "a"]);
    expect(await (r as any).sort("z", "BY", "nosort")).toEqual(["a", "b", "c", "d", "e"]);
    expect(await (r as any).sort("z", "BY", "nosort", "DESC")).toEqual(["e", "d", "c", "b", "a"]);
    expect(await (r as any).sort("z", "BY", "nosort", "LIMIT", 1, 2)).toEqual(["b", "c"]);
    expect(await (r as any).sort("z", "BY", "nosort", "DESC", "LIMIT", 1, 2)).toEqual(["d", "c"]);
    expect(await r.object("ENCODING", "z")).toBe("skiplist");
    await expect((r as any).sort("z")).rejects.toThrow(BAD_SCORE);
    await r.zadd("zn", 1, "10", 2, "9");
    expect(await r.call("SORT_RO", "zn")).toEqual(["9", "10"]);
  });

  it("rejects bad input with Valkey's errors and changes nothing", async () => {
    const r = ctx.ioredis();
    await r.rpush("bad", "1", "2", "x");
    await expect((r as any).sort("bad")).rejects.toThrow(BAD_SCORE);
    await expect((r as any).sort("bad", "STORE", "dst")).rejects.toThrow(BAD_SCORE);
    expect(await r.exists("dst")).toBe(0);
    expect(await (r as any).sort("bad", "ALPHA")).toEqual(["1", "2", "x"]);
    expect(await (r as any).sort("bad", "BY", "nosort")).toEqual(["1", "2", "x"]);
    for (const v of ["  ", "1 ", "nan", "1e400"]) {
      await r.del("e");
      await r.rpush("e", v);
      await expect((r as any).sort("e"), v).rejects.toThrow(BAD_SCORE);
    }
    await r.set("s", "str");
    await expect((r as any).sort("s")).rejects.toThrow(WRONGTYPE);
    for (const args of [["l", "LIMIT"], ["l", "LIMIT", "1"], ["l", "foo"], ["l", "STORE"], ["l", "BY"], ["l", "GET"]]) {
      await expect(r.call("SORT", ...args), args.join(" ")).rejects.toThrow("ERR syntax error");
    }
    await expect(r.call("SORT", "l", "LIMIT", "a", "1")).rejects.toThrow("ERR value is not an integer or out of range");
    await expect(r.call("SORT", "l", "LIMIT", "1", "a")).rejects.toThrow("ERR value is not an integer or out of range");
    await expect(r.call("SORT_RO", "l", "STORE", "dst")).rejects.toThrow("ERR syntax error");
    // options are parsed before the key is looked up
    await expect(r.call("SORT", "s", "foo")).rejects.toThrow("ERR syntax error");
    await expect(r.call("SORT")).rejects.toThrow("ERR wrong number of arguments for 'sort' command");
    await expect(r.call("SORT_RO")).rejects.toThrow("ERR wrong number of arguments for 'sort_ro' command");
    expect(await r.exists("dst")).toBe(0);
    expect(await r.llen("l")).toBe(11);
  });

  it("STORE signals sortstore, an emptied destination del", async () => {
    const r = ctx.ioredis();
    const sub = ctx.ioredis();
    await r.config("SET", "notify-keyspace-events", "KEA");
    const events: string[] = [];
    sub.on("pmessage", (_p, ch, msg) => events.push(`${ch} ${msg}`));
    await sub.psubscribe("__keyevent@0__:*");
    await (r as any).sort("k", "STORE", "dst");
    await (r as any).sort("missing", "STORE", "dst");
    await (r as any).sort("missing", "STORE", "dst");
    await r.ping();
    await new Promise((res) => setTimeout(res, 50));
    expect(events).toEqual(["__keyevent@0__:sortstore dst", "__keyevent@0__:del dst"]);
    await r.config("SET", "notify-keyspace-events", "");
  });

  it("COMMAND GETKEYS finds the STORE key", async () => {
    const r = ctx.ioredis();
    expect(await r.call("COMMAND", "GETKEYS", "SORT", "k", "BY", "w_*", "STORE", "dst")).toEqual(["k", "dst"]);
    expect(await r.call("COMMAND", "GETKEYS", "SORT_RO", "k", "GET", "w_*")).toEqual(["k"]);
  });
});
