import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

const SYNTAX = "-ERR syntax error\r\n";
const NOT_INT = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT = "-ERR value is not a valid float\r\n";
const WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;
const expireErr = (cmd: string) => `-ERR invalid expire time in '${cmd}' command\r\n`;

async function resp3(raw: RawClient): Promise<RawClient> {
  expect(await raw.call("HELLO", "3")).toMatch(/^%/);
  return raw;
}

describeRuntimes("strings", (ctx) => {
  it("GET/SET keep binary values exactly; a missing key is a null in each protocol", async () => {
    const r = ctx.ioredis();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await r.set("bin", all)).toBe("OK");
    expect(await r.getBuffer("bin")).toEqual(all);
    expect(await r.get("str:missing")).toBeNull();
    const raw = await ctx.raw();
    expect(await raw.call("GET", "str:missing")).toBe("$-1\r\n");
    expect(await raw.call("SET", "str:e", "")).toBe("+OK\r\n");
    expect(await raw.call("GET", "str:e")).toBe("$0\r\n\r\n");
    await resp3(raw);
    expect(await raw.call("GET", "str:missing")).toBe("_\r\n");
    expect(await raw.call("SET", "str:missing", "x", "XX")).toBe("_\r\n");
    expect(await raw.call("SET", "str:missing", "x", "XX", "GET")).toBe("_\r\n");
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      expect(await n.set("nr", "v")).toBe("OK");
      expect(await n.get("nr")).toBe("v");
      expect(await n.get("nr:missing")).toBeNull();
    }
    expect(await raw.call("GET")).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(await raw.call("SET", "k")).toBe("-ERR wrong number of arguments for 'set' command\r\n");
  });

  it("SET NX / XX / GET / KEEPTTL reply as Valkey does", async () => {
    const r = ctx.ioredis({ protocol: 3 } as never);
    expect(await r.set("s1", "a", "NX")).toBe("OK");
    expect(await r.set("s1", "b", "NX")).toBeNull();
    expect(await r.set("s2", "b", "XX")).toBeNull();
    expect(await r.get("s2")).toBeNull();
    expect(await r.set("s1", "c", "XX")).toBe("OK");
    expect(await r.set("s1", "d", "GET")).toBe("c");
    expect(await r.set("s1", "e", "NX", "GET")).toBe("d");
    expect(await r.get("s1")).toBe("d");
    expect(await r.set("s3", "e", "NX", "GET")).toBeNull();
    expect(await r.get("s3")).toBe("e");
    expect(await r.call("SET", "s1", "f", "xx", "get", "keepttl")).toBe("d");
    expect(await r.call("SET", "s1", "g", "EX", "abc", "EX", "100")).toBe("OK");
    expect(await r.call("SET", "s1", "h", "get", "get", "ex", "10", "ex", "20")).toBe("g");
    const n = await ctx.nodeRedis(3);
    expect(await n.set("s4", "v", { condition: "NX", expiration: { type: "PX", value: 100000 } })).toBe("OK");
    expect(await n.set("s4", "w", { condition: "NX" })).toBeNull();
    expect(await n.set("s4", "w", { GET: true, expiration: "KEEPTTL" })).toBe("v");
    expect(await r.pttl("s4")).toBeGreaterThan(90000);
    // a new TTL replaces the old one; no TTL option drops it
    expect(await r.set("s4", "x", "EX", 50)).toBe("OK");
    expect(await r.ttl("s4")).toBe(50);
    expect(await r.set("s4", "y")).toBe("OK");
    expect(await r.ttl("s4")).toBe(-1);
    const raw = await ctx.raw();
    expect(await raw.call("SET", "s5", "a", "GET")).toBe("$-1\r\n");
    expect(await raw.call("SET", "s5", "b", "XX", "GET")).toBe(bulk("a"));
  });

  it("SET rejects bad options and expire times with Valkey's errors and writes nothing", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "bad", "orig");
    const cases: Array<[string[], string]> = [
      [["NX", "XX"], SYNTAX],
      [["XX", "NX"], SYNTAX],
      [["EX"], SYNTAX],
      [["EX", "10", "PX", "10"], SYNTAX],
      [["PX", "10", "EXAT", "10"], SYNTAX],
      [["EX", "10", "KEEPTTL"], SYNTAX],
      [["KEEPTTL", "PXAT", "10"], SYNTAX],
      [["PERSIST"], SYNTAX],
      [["FOO"], SYNTAX],
      [["NX", "FOO"], SYNTAX],
      [["EX", "0"], expireErr("set")],
      [["EX", "-1"], expireErr("set")],
      [["PX", "0"], expireErr("set")],
      [["EXAT", "0"], expireErr("set")],
      [["PXAT", "-5"], expireErr("set")],
      [["EX", "9223372036854776"], expireErr("set")],
      [["EX", "9223372036854775"], expireErr("set")],
      [["PX", "9223372036854775807"], expireErr("set")],
      [["EX", "abc"], NOT_INT],
      [["EX", "1.5"], NOT_INT],
      [["PX", "99999999999999999999"], NOT_INT],
      [["EX", "0", "GET"], expireErr("set")],
    ];
    for (const [opts, err] of cases) {
      expect(await raw.call("SET", "bad", "new", ...opts), opts.join(" ")).toBe(err);
      expect(await raw.call("GET", "bad")).toBe(bulk("orig"));
    }
    expect(await raw.call("SETEX", "bad", "0", "new")).toBe(expireErr("setex"));
    expect(await raw.call("SETEX", "bad", "x", "new")).toBe(NOT_INT);
    expect(await raw.call("PSETEX", "bad", "-1", "new")).toBe(expireErr("psetex"));
    expect(await raw.call("GETEX", "bad", "EX", "0")).toBe(expireErr("getex"));
    expect(await raw.call("GET", "bad")).toBe(bulk("orig"));
    // EXAT/PXAT far in the future are accepted as given
    expect(await raw.call("SET", "bad", "new", "PXAT", "9223372036854775807")).toBe("+OK\r\n");
    // an absolute time already past: OK, and the key is gone
    expect(await raw.call("SET", "bad", "gone", "EXAT", "1")).toBe("+OK\r\n");
    expect(await raw.call("GET", "bad")).toBe("$-1\r\n");
    expect(await raw.call("SET", "bad", "gone", "PXAT", "1", "GET")).toBe("$-1\r\n");
    expect(await raw.call("GET", "bad")).toBe("$-1\r\n");
  });

  it("SETNX, SETEX, PSETEX, GETSET, GETDEL", async () => {
    const r = ctx.ioredis();
    expect(await r.setnx("nx1", "a")).toBe(1);
    expect(await r.setnx("nx1", "b")).toBe(0);
    expect(await r.get("nx1")).toBe("a");
    expect(await r.setex("ex1", 100, "v")).toBe("OK");
    expect(await r.psetex("ex2", 100000, "w")).toBe("OK");
    expect(await r.mget("ex1", "ex2")).toEqual(["v", "w"]);
    expect(await r.getset("nx1", "c")).toBe("a");
    expect(await r.getset("gs:new", "c")).toBeNull();
    expect(await r.get("gs:new")).toBe("c");
    expect(await r.getdel("gs:new")).toBe("c");
    expect(await r.getdel("gs:new")).toBeNull();
    expect(await r.get("gs:new")).toBeNull();
    const n = await ctx.nodeRedis(3);
    expect(await n.setNX("nx2", "x")).toBe(1);
    expect(await n.getDel("nx2")).toBe("x");
    const raw = await ctx.raw();
    expect(await raw.call("GETDEL", "nx2")).toBe("$-1\r\n");
    expect(await raw.call("SETNX", "nx1", "z")).toBe(":0\r\n");
    expect(await raw.call("SETEX", "ex1", "10")).toBe("-ERR wrong number of arguments for 'setex' command\r\n");
  });

  it("GETEX reads, sets or removes the TTL, and validates options like Valkey", async () => {
    const r = ctx.ioredis();
    await r.set("gx", "val");
    expect(await r.getex("gx")).toBe("val");
    expect(await r.getex("gx", "EX", 100)).toBe("val");
    expect(await r.getex("gx", "PERSIST")).toBe("val");
    expect(await r.getex("gx", "PXAT", Date.now() + 100000)).toBe("val");
    expect(await r.getex("gx:missing", "EX", 10)).toBeNull();
    const n = await ctx.nodeRedis(2);
    expect(await n.getEx("gx", { type: "EX", value: 50 })).toBe("val");
    expect(await n.getEx("gx", { type: "PERSIST" })).toBe("val");
    const raw = await ctx.raw();
    for (const opts of [["KEEPTTL"], ["NX"], ["GET"], ["EX"], ["EX", "10", "PX", "10"], ["PERSIST", "EX", "10"], ["EX", "10", "PERSIST"], ["FOO"]]) {
      expect(await raw.call("GETEX", "gx", ...opts), opts.join(" ")).toBe(SYNTAX);
    }
    expect(await raw.call("GETEX", "gx", "PX", "abc")).toBe(NOT_INT);
    // the expire time is only checked for an existing key
    expect(await raw.call("GETEX", "gx:missing", "EX", "-1")).toBe("$-1\r\n");
    expect(await raw.call("GETEX", "gx", "EX", "-1")).toBe(expireErr("getex"));
    expect(await raw.call("GET", "gx")).toBe(bulk("val"));
    // an absolute time in the past deletes the key after replying with it
    expect(await raw.call("GETEX", "gx", "EXAT", "1")).toBe(bulk("val"));
    expect(await raw.call("GET", "gx")).toBe("$-1\r\n");
    await resp3(raw);
    expect(await raw.call("GETEX", "gx")).toBe("_\r\n");
  });

  it("MGET, MSET, MSETNX", async () => {
    const r = ctx.ioredis();
    expect(await r.mset("m1", "a", "m2", "b", "m1", "c")).toBe("OK");
    expect(await r.mget("m1", "m2", "m3")).toEqual(["c", "b", null]);
    expect(await r.msetnx("m3", "x", "m1", "y")).toBe(0);
    expect(await r.mget("m1", "m3")).toEqual(["c", null]);
    expect(await r.msetnx("m3", "x", "m4", "y")).toBe(1);
    expect(await r.mget("m3", "m4")).toEqual(["x", "y"]);
    const n = await ctx.nodeRedis(3);
    expect(await n.mGet(["m3", "nope", "m4"])).toEqual(["x", null, "y"]);
    expect(await n.mSet({ m5: "1", m6: "2" })).toBe("OK");
    const raw = await ctx.raw();
    expect(await raw.call("MGET", "m5", "nope")).toBe("*2\r\n$1\r\n1\r\n$-1\r\n");
    expect(await raw.call("MSET", "m1", "1", "m2")).toBe("-ERR wrong number of arguments for 'mset' command\r\n");
    expect(await raw.call("MSETNX", "m9", "1", "m8")).toBe("-ERR wrong number of arguments for 'msetnx' command\r\n");
    expect(await raw.call("MGET", "m1", "m9", "m8")).toBe(`*3\r\n${bulk("c")}$-1\r\n$-1\r\n`);
    await resp3(raw);
    expect(await raw.call("MGET", "m5", "nope")).toBe("*2\r\n$1\r\n1\r\n_\r\n");
  });

  it("APPEND and STRLEN", async () => {
    const r = ctx.ioredis();
    expect(await r.append("ap", "Hello")).toBe(5);
    expect(await r.append("ap", " World")).toBe(11);
    expect(await r.append("ap", "")).toBe(11);
    expect(await r.get("ap")).toBe("Hello World");
    expect(await r.strlen("ap")).toBe(11);
    expect(await r.strlen("ap:missing")).toBe(0);
    await r.set("ap:n", "12");
    expect(await r.append("ap:n", "34")).toBe(4);
    expect(await r.incr("ap:n")).toBe(1235);
    let s = "";
    for (let i = 0; i < 200; i++) {
      s += `chunk${i};`;
      await r.append("ap:big", `chunk${i};`);
    }
    expect(await r.get("ap:big")).toBe(s);
    const n = await ctx.nodeRedis(2);
    expect(await n.append("ap", "!")).toBe(12);
    expect(await n.strLen("ap")).toBe(12);
  });

  it("INCR family: exact 64-bit arithmetic and Valkey's overflow errors", async () => {
    const r = ctx.ioredis();
    expect(await r.incr("c")).toBe(1);
    expect(await r.incrby("c", 41)).toBe(42);
    expect(await r.decr("c")).toBe(41);
    expect(await r.decrby("c", -9)).toBe(50);
    expect(await r.incrby("c", -100)).toBe(-50);
    const raw = await ctx.raw();
    await raw.call("SET", "c64", "9223372036854775806");
    expect(await raw.call("INCR", "c64")).toBe(":9223372036854775807\r\n");
    expect(await raw.call("INCR", "c64")).toBe("-ERR increment or decrement would overflow\r\n");
    expect(await raw.call("INCRBY", "c64", "1")).toBe("-ERR increment or decrement would overflow\r\n");
    expect(await raw.call("GET", "c64")).toBe(bulk("9223372036854775807"));
    expect(await raw.call("INCRBY", "c64", "-9223372036854775807")).toBe(":0\r\n");
    expect(await raw.call("DECRBY", "c64", "9223372036854775807")).toBe(":-9223372036854775807\r\n");
    expect(await raw.call("DECR", "c64")).toBe(":-9223372036854775808\r\n");
    expect(await raw.call("DECR", "c64")).toBe("-ERR increment or decrement would overflow\r\n");
    expect(await raw.call("INCRBY", "c64", "9223372036854775807")).toBe(":-1\r\n");
    expect(await raw.call("DECRBY", "c64", "-9223372036854775808")).toBe("-ERR decrement would overflow\r\n");
    expect(await raw.call("INCRBY", "c64", "-9223372036854775808")).toBe("-ERR increment or decrement would overflow\r\n");
    expect(await raw.call("INCRBY", "c64", "1")).toBe(":0\r\n");
    expect(await raw.call("INCRBY", "c64", "-9223372036854775808")).toBe(":-9223372036854775808\r\n");
    expect(await raw.call("GET", "c64")).toBe(bulk("-9223372036854775808"));
    await raw.call("SET", "c64", "9007199254740993");
    expect(await raw.call("INCR", "c64")).toBe(":9007199254740994\r\n");
    expect(await raw.call("INCRBY", "c64", "9007199254740993")).toBe(":18014398509481987\r\n");
    for (const bad of ["abc", "1.5", "", " 1", "1 ", "+1", "01", "-0", "9223372036854775808", "-9223372036854775809"]) {
      expect(await raw.call("INCRBY", "c", bad), JSON.stringify(bad)).toBe(NOT_INT);
      expect(await raw.call("DECRBY", "c", bad), JSON.stringify(bad)).toBe(NOT_INT);
    }
    for (const v of ["abc", "1.0", " 5", "5 ", "00", "9223372036854775808", ""]) {
      await raw.call("SET", "cv", v);
      expect(await raw.call("INCR", "cv"), JSON.stringify(v)).toBe(NOT_INT);
      expect(await raw.call("GET", "cv")).toBe(bulk(v));
    }
    expect(await raw.call("GET", "c")).toBe(bulk("-50"));
    const n = await ctx.nodeRedis(3);
    expect(await n.incrBy("c", 60)).toBe(10);
    expect(await n.decrBy("c", 20)).toBe(-10);
  });

  it("INCRBYFLOAT prints Valkey's long double results and rejects bad floats", async () => {
    const r = ctx.ioredis();
    await r.set("f", "10");
    expect(await r.incrbyfloat("f", "10.5")).toBe("20.5");
    expect(await r.incrbyfloat("f0", "5.0e3")).toBe("5000");
    await r.set("f1", "1.1");
    expect(await r.incrbyfloat("f1", "2.2")).toBe("3.3");
    expect(await r.incrbyfloat("f2", "0.1")).toBe("0.1");
    expect(await r.incrbyfloat("f2", "0.2")).toBe("0.3");
    expect(await r.incrbyfloat("f2", "-0.3")).toBe("0");
    expect(await r.incrbyfloat("f3", "1e18")).toBe("1000000000000000000");
    expect(await r.incrbyfloat("f3", "0.1")).toBe("1000000000000000000.125");
    expect(await r.incrbyfloat("f4", "-1.25e-3")).toBe("-0.00125");
    expect(await r.incrbyfloat("f5", "0x10")).toBe("16");
    const n = await ctx.nodeRedis(3);
    expect(await n.incrByFloat("f", 0.25)).toBe("20.75");
    const raw = await ctx.raw();
    expect(await raw.call("INCRBYFLOAT", "f", "1")).toBe(bulk("21.75"));
    for (const bad of ["abc", "", " 1", "1 ", "nan", "1e", "1e5000", "--1"]) {
      expect(await raw.call("INCRBYFLOAT", "f", bad), JSON.stringify(bad)).toBe(NOT_FLOAT);
    }
    for (const inf of ["inf", "-inf", "+Infinity"]) {
      expect(await raw.call("INCRBYFLOAT", "f", inf)).toBe("-ERR increment would produce NaN or Infinity\r\n");
    }
    await raw.call("SET", "f6", "1.18e4932");
    expect(await raw.call("INCRBYFLOAT", "f6", "1.18e4932")).toBe("-ERR increment would produce NaN or Infinity\r\n");
    expect(await raw.call("GET", "f")).toBe(bulk("21.75"));
    await raw.call("SET", "fs", "hello");
    expect(await raw.call("INCRBYFLOAT", "fs", "1")).toBe(NOT_FLOAT);
    expect(await raw.call("GET", "fs")).toBe(bulk("hello"));
    await resp3(raw);
    expect(await raw.call("INCRBYFLOAT", "f", "0.25")).toBe(bulk("22"));
  });

  it("GETRANGE / SUBSTR clamp indexes like Valkey; SETRANGE pads with zero bytes", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "gr", "Hello World");
    const cases: Array<[string, string, string]> = [
      ["0", "4", "Hello"],
      ["-5", "-1", "World"],
      ["-1", "-5", ""],
      ["5", "2", ""],
      ["0", "100", "Hello World"],
      ["-100", "-50", "H"],
      ["-100", "100", "Hello World"],
      ["100", "200", ""],
      ["0", "-100", "H"],
      ["-9223372036854775808", "9223372036854775807", "Hello World"],
    ];
    for (const [s, e, want] of cases) {
      expect(await raw.call("GETRANGE", "gr", s, e), `${s} ${e}`).toBe(bulk(want));
      expect(await raw.call("SUBSTR", "gr", s, e)).toBe(bulk(want));
    }
    expect(await raw.call("GETRANGE", "gr:missing", "0", "10")).toBe("$0\r\n\r\n");
    expect(await raw.call("GETRANGE", "gr", "a", "1")).toBe(NOT_INT);
    expect(await raw.call("GETRANGE", "gr", "0", "1.5")).toBe(NOT_INT);
    const r = ctx.ioredis();
    expect(await r.setrange("sr", 5, "hi")).toBe(7);
    expect(await r.getBuffer("sr")).toEqual(Buffer.from("\0\0\0\0\0hi", "latin1"));
    expect(await r.setrange("sr", 0, "HELLOWORLD")).toBe(10);
    expect(await r.setrange("sr", 2, "")).toBe(10);
    expect(await r.setrange("sr:missing", 3, "")).toBe(0);
    expect(await r.get("sr:missing")).toBeNull();
    expect(await r.get("sr")).toBe("HELLOWORLD");
    const n = await ctx.nodeRedis(3);
    expect(await n.setRange("sr", 8, "XYZ")).toBe(11);
    expect(await n.getRange("sr", -3, -1)).toBe("XYZ");
    expect(await raw.call("SETRANGE", "sr", "-1", "x")).toBe("-ERR offset is out of range\r\n");
    expect(await raw.call("SETRANGE", "sr", "abc", "x")).toBe(NOT_INT);
    expect(await raw.call("SETRANGE", "sr", "536870912", "x")).toBe(
      "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
    expect(await raw.call("SETRANGE", "sr", "9223372036854775807", "x")).toBe(
      "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
    expect(await raw.call("GET", "sr")).toBe(bulk("HELLOWORXYZ"));
  });

  it("LCS: string, LEN, IDX with MINMATCHLEN/WITHMATCHLEN, RESP2 array and RESP3 map", async () => {
    const r = ctx.ioredis();
    await r.mset("la", "ohmytext", "lb", "mynewtext");
    expect(await r.lcs("la", "lb")).toBe("mytext");
    expect(await r.lcs("la", "lb", "LEN")).toBe(6);
    expect(await r.lcs("la", "lb", "IDX")).toEqual(["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]);
    expect(await r.lcs("la", "lb", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN")).toEqual(["matches", [[[4, 7], [5, 8], 4]], "len", 6]);
    expect(await r.lcs("la", "missing")).toBe("");
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      expect(await n.lcsIdxWithMatchLen("la", "lb")).toEqual({
        matches: [
          [[4, 7], [5, 8], 4],
          [[2, 3], [0, 1], 2],
        ],
        len: 6,
      });
      expect(await n.lcsLen("la", "lb")).toBe(6);
    }
    const raw = await ctx.raw();
    const idx2 = "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n";
    expect(await raw.call("LCS", "la", "lb", "IDX", "MINMATCHLEN", "3")).toBe(idx2);
    expect(await raw.call("LCS", "nope1", "nope2", "IDX")).toBe("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    expect(await raw.call("LCS", "la", "lb", "LEN", "IDX")).toBe(
      "-ERR If you want both the length and indexes, please just use IDX.\r\n",
    );
    expect(await raw.call("LCS", "la", "lb", "FOO")).toBe(SYNTAX);
    expect(await raw.call("LCS", "la", "lb", "MINMATCHLEN")).toBe(SYNTAX);
    expect(await raw.call("LCS", "la", "lb", "MINMATCHLEN", "x")).toBe(NOT_INT);
    expect(await raw.call("LCS", "la")).toBe("-ERR wrong number of arguments for 'lcs' command\r\n");
    await resp3(raw);
    expect(await raw.call("LCS", "la", "lb", "IDX", "MINMATCHLEN", "3")).toBe(
      "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
    );
    expect(await raw.call("LCS", "la", "lb")).toBe(bulk("mytext"));
  });

  it("TTLs from SET/SETEX/PSETEX/GETEX expire; KEEPTTL keeps one; plain SET and GETEX PERSIST drop it", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "t:px", "v", "PX", "60");
    await raw.call("PSETEX", "t:psetex", "60", "v");
    await raw.call("SET", "t:keep", "v", "PX", "60");
    await raw.call("SET", "t:keep", "w", "KEEPTTL");
    await raw.call("SET", "t:drop", "v", "PX", "60");
    await raw.call("SET", "t:drop", "w");
    await raw.call("SET", "t:getex", "v");
    await raw.call("GETEX", "t:getex", "PX", "60");
    await raw.call("SET", "t:persist", "v", "PX", "60");
    await raw.call("GETEX", "t:persist", "PERSIST");
    await raw.call("SET", "t:incr", "1", "PX", "60");
    await raw.call("INCR", "t:incr");
    await new Promise((res) => setTimeout(res, 150));
    expect(await raw.call("MGET", "t:px", "t:psetex", "t:keep", "t:drop", "t:getex", "t:persist", "t:incr")).toBe(
      `*7\r\n$-1\r\n$-1\r\n$-1\r\n${bulk("w")}$-1\r\n${bulk("v")}$-1\r\n`,
    );
  });

  it("commands run inside MULTI/EXEC with their own replies", async () => {
    const raw = await ctx.raw();
    await raw.call("MULTI");
    for (const cmd of [["SET", "tx", "5"], ["INCRBY", "tx", "5"], ["APPEND", "tx", "x"], ["INCR", "tx"], ["GET", "tx"]]) {
      expect(await raw.call(...cmd)).toBe("+QUEUED\r\n");
    }
    expect(await raw.call("EXEC")).toBe(`*5\r\n+OK\r\n:10\r\n:3\r\n${NOT_INT}${bulk("10x")}`);
  });

  it("WRONGTYPE for a non-string key, which stays untouched (needs a list command)", async (t) => {
    const raw = await ctx.raw();
    const pushed = await raw.call("RPUSH", "wt:list", "a");
    if (pushed.startsWith("-ERR unknown command")) t.skip();
    for (const cmd of [
      ["GET", "wt:list"],
      ["SET", "wt:list", "v", "GET"],
      ["GETSET", "wt:list", "v"],
      ["GETDEL", "wt:list"],
      ["GETEX", "wt:list", "EX", "10"],
      ["APPEND", "wt:list", "x"],
      ["STRLEN", "wt:list"],
      ["INCR", "wt:list"],
      ["DECRBY", "wt:list", "1"],
      ["INCRBYFLOAT", "wt:list", "1"],
      ["GETRANGE", "wt:list", "0", "1"],
      ["SETRANGE", "wt:list", "0", "x"],
    ]) {
      expect(await raw.call(...cmd), cmd.join(" ")).toBe(WRONGTYPE);
    }
    expect(await raw.call("LCS", "wt:list", "x")).toBe("-ERR The specified keys must contain string values\r\n");
    expect(await raw.call("MGET", "wt:list")).toBe("*1\r\n$-1\r\n");
    expect(await raw.call("LRANGE", "wt:list", "0", "-1")).toBe(`*1\r\n${bulk("a")}`);
    expect(await raw.call("SET", "wt:list", "now a string")).toBe("+OK\r\n");
    expect(await raw.call("GET", "wt:list")).toBe(bulk("now a string"));
  });
});
