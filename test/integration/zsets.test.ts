import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { describeRuntimes } from "../helpers/server.js";
import { startServer, type StartedServer } from "../../src/index.js";
import { encodingOf } from "../../src/commands/zsets.js";
import type { SortedSet } from "../../src/structures/sortedset.js";
import { N } from "../../src/store.js";

const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join("")}`;
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

describeRuntimes("zsets", (ctx) => {
  beforeEach(() => ctx.flush());

  it("ZADD options, ZINCRBY, ZSCORE/ZMSCORE with Valkey's double formatting", async () => {
    const r = ctx.ioredis();
    expect(await r.zadd("z", 1, "a", 2, "b", 3.14, "pi", "-inf", "lo", "+inf", "hi")).toBe(5);
    expect(await r.zscore("z", "pi")).toBe("3.14");
    expect(await r.zscore("z", "lo")).toBe("-inf");
    expect(await r.zscore("z", "hi")).toBe("inf");
    expect(await r.zscore("z", "nope")).toBeNull();
    expect(await r.zmscore("z", "a", "nope", "pi")).toEqual(["1", null, "3.14"]);
    expect(await r.zmscore("missing", "a")).toEqual([null]);
    expect(await r.zadd("z", "NX", 10, "a", 10, "c")).toBe(1);
    expect(await r.zscore("z", "a")).toBe("1");
    expect(await r.zadd("z", "XX", "CH", 10, "a", 10, "d")).toBe(1);
    expect(await r.zscore("z", "d")).toBeNull();
    expect(await r.zadd("z", "GT", "CH", 5, "a", 20, "b")).toBe(1);
    expect(await r.zscore("z", "a")).toBe("10");
    expect(await r.zadd("z", "LT", "CH", 5, "a", 30, "b")).toBe(1);
    expect(await r.zadd("z", "INCR", 2.5, "a")).toBe("7.5");
    expect(await r.zadd("z", "XX", "INCR", 1, "nope")).toBeNull();
    expect(await r.zadd("z", "NX", "INCR", 1, "a")).toBeNull();
    expect(await r.zadd("z", "GT", "INCR", -1, "a")).toBeNull();
    expect(await r.zincrby("z", 0.1, "pi")).toBe("3.24");
    expect(await r.zincrby("z", 0.1, "new")).toBe("0.1");
    expect(await r.zincrby("z", 1e300, "big")).toBe("1e+300");
    expect(await r.zadd("z", "0x10", "hex", "1e-5", "tiny", "-0", "negzero")).toBe(3);
    expect(await r.zmscore("z", "hex", "tiny", "negzero")).toEqual(["16", "0.00001", "-0"]);
    expect(await r.zadd("missing", "XX", 1, "a")).toBe(0);
    expect(await r.dbsize()).toBe(1);
    expect(await r.zcard("z")).toBe(11);
    expect(await r.zcard("missing")).toBe(0);
    expect(await r.zrem("z", "a", "nope", "b")).toBe(2);
    await r.zadd("one", 1, "x");
    expect(await r.zrem("one", "x", "y")).toBe(1);
    expect(await r.dbsize()).toBe(1);
  });

  it("ZRANK/ZREVRANK, ZCOUNT, ZLEXCOUNT", async () => {
    const r = ctx.ioredis();
    await r.zadd("z", 1, "a", 2, "b", 2, "c", 3, "d");
    expect(await r.zrank("z", "c")).toBe(2);
    expect(await r.zrevrank("z", "c")).toBe(1);
    expect(await r.zrank("z", "nope")).toBeNull();
    expect(await r.call("ZRANK", "z", "d", "WITHSCORE")).toEqual([3, "3"]);
    expect(await r.call("ZREVRANK", "z", "d", "withscore")).toEqual([0, "3"]);
    expect(await r.call("ZRANK", "z", "nope", "WITHSCORE")).toBeNull();
    expect(await r.zcount("z", "-inf", "+inf")).toBe(4);
    expect(await r.zcount("z", "(1", "2")).toBe(2);
    expect(await r.zcount("z", "2", "(2")).toBe(0);
    expect(await r.zcount("z", "3", "1")).toBe(0);
    expect(await r.zcount("missing", "0", "1")).toBe(0);
    await r.zadd("lex", 0, "a", 0, "b", 0, "c", 0, "d");
    expect(await r.zlexcount("lex", "-", "+")).toBe(4);
    expect(await r.zlexcount("lex", "[b", "(d")).toBe(2);
    expect(await r.zlexcount("lex", "+", "-")).toBe(0);
  });

  it("ZRANGE in all its forms, and the older range commands", async () => {
    const r = ctx.ioredis();
    await r.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e");
    expect(await (r as any).zrange("z", 0, -1)).toEqual(["a", "b", "c", "d", "e"]);
    expect(await (r as any).zrange("z", -2, -1, "WITHSCORES")).toEqual(["d", "4", "e", "5"]);
    expect(await (r as any).zrange("z", 0, 1, "REV")).toEqual(["e", "d"]);
    expect(await (r as any).zrange("z", "(1", 4, "BYSCORE")).toEqual(["b", "c", "d"]);
    expect(await r.zrange("z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", 1, 2)).toEqual(["d", "c"]);
    expect(await r.zrange("z", "-inf", "+inf", "BYSCORE", "LIMIT", 2, -1)).toEqual(["c", "d", "e"]);
    expect(await r.zrange("z", "-inf", "+inf", "BYSCORE", "LIMIT", 1, 0)).toEqual([]);
    expect(await r.zrange("z", "-inf", "+inf", "BYSCORE", "LIMIT", -1, 3)).toEqual([]);
    expect(await r.zrange("z", "-inf", "+inf", "BYSCORE", "LIMIT", 10, 3)).toEqual([]);
    expect(await r.zrangebyscore("z", 2, 4, "WITHSCORES", "LIMIT", 1, 1)).toEqual(["c", "3"]);
    expect(await r.zrevrangebyscore("z", 4, 2)).toEqual(["d", "c", "b"]);
    expect(await r.zrevrange("z", 0, 1, "WITHSCORES")).toEqual(["e", "5", "d", "4"]);
    expect(await (r as any).zrange("missing", 0, -1)).toEqual([]);
    await r.zadd("lex", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e");
    expect(await r.zrange("lex", "[b", "(e", "BYLEX")).toEqual(["b", "c", "d"]);
    expect(await r.zrange("lex", "+", "-", "BYLEX", "REV", "LIMIT", 0, 2)).toEqual(["e", "d"]);
    expect(await r.zrangebylex("lex", "-", "+", "LIMIT", 1, 2)).toEqual(["b", "c"]);
    expect(await r.zrevrangebylex("lex", "[c", "-")).toEqual(["c", "b", "a"]);
    expect(await r.zrangestore("dst", "z", 1, 3, "BYSCORE")).toBe(3);
    expect(await (r as any).zrange("dst", 0, -1, "WITHSCORES")).toEqual(["a", "1", "b", "2", "c", "3"]);
    expect(await r.zrangestore("dst", "lex", "[c", "+", "BYLEX", "LIMIT", 1, 5)).toBe(2);
    expect(await (r as any).zrange("dst", 0, -1)).toEqual(["d", "e"]);
    expect(await r.zrangestore("dst", "missing", 0, -1)).toBe(0);
    expect(await (r as any).zrange("dst", 0, -1)).toEqual([]);
    expect(await r.dbsize()).toBe(2);
  });

  it("range removals delete the key with its last member", async () => {
    const r = ctx.ioredis();
    await r.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e");
    expect(await r.zremrangebyrank("z", 0, 1)).toBe(2);
    expect(await r.zremrangebyrank("z", 5, 1)).toBe(0);
    expect(await r.zremrangebyscore("z", "(3", 4)).toBe(1);
    expect(await (r as any).zrange("z", 0, -1)).toEqual(["c", "e"]);
    await r.zadd("lex", 0, "a", 0, "b", 0, "c");
    expect(await r.zremrangebylex("lex", "[a", "(c")).toBe(2);
    expect(await r.zremrangebylex("lex", "-", "+")).toBe(1);
    expect(await r.zremrangebyscore("z", "-inf", "+inf")).toBe(2);
    expect(await r.dbsize()).toBe(0);
  });

  it("ZPOPMIN/ZPOPMAX/ZMPOP/ZRANDMEMBER", async () => {
    const r = ctx.ioredis();
    await r.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d");
    expect(await r.zpopmin("z")).toEqual(["a", "1"]);
    expect(await r.zpopmax("z", 2)).toEqual(["d", "4", "c", "3"]);
    expect(await r.zpopmin("missing")).toEqual([]);
    expect(await r.zpopmin("z", 0)).toEqual([]);
    expect(await r.call("ZMPOP", "2", "missing", "z", "MIN", "COUNT", "5")).toEqual(["z", [["b", "2"]]]);
    expect(await r.call("ZMPOP", "1", "z", "MAX")).toBeNull();
    expect(await r.dbsize()).toBe(0);
    await r.zadd("r", 1, "a", 2, "b", 3, "c");
    expect(["a", "b", "c"]).toContain(await r.zrandmember("r"));
    expect(await r.zrandmember("r", 10)).toEqual(["c", "b", "a"]);
    expect(await r.zrandmember("r", 3, "WITHSCORES")).toEqual(["c", "3", "b", "2", "a", "1"]);
    const two = (await r.zrandmember("r", 2)) as string[];
    expect(new Set(two).size).toBe(2);
    const many = (await r.zrandmember("r", -20)) as string[];
    expect(many).toHaveLength(20);
    for (const m of many) expect(["a", "b", "c"]).toContain(m);
    expect(await r.zrandmember("r", 0)).toEqual([]);
    expect(await r.zrandmember("missing")).toBeNull();
    expect(await r.zrandmember("missing", 3)).toEqual([]);
  });

  it("ZUNION/ZINTER/ZDIFF (+STORE), WEIGHTS, AGGREGATE, ZINTERCARD", async () => {
    const r = ctx.ioredis();
    await r.zadd("a", 1, "x", 2, "y", 3, "z");
    await r.zadd("b", 10, "y", 20, "z", 30, "w");
    expect(await r.zunion(2, "a", "b", "WITHSCORES")).toEqual(["x", "1", "y", "12", "z", "23", "w", "30"]);
    expect(await r.zunion(2, "a", "b", "WEIGHTS", 2, 0.5, "WITHSCORES")).toEqual(["x", "2", "y", "9", "w", "15", "z", "16"]);
    expect(await r.zunion(2, "a", "b", "AGGREGATE", "MIN", "WITHSCORES")).toEqual(["x", "1", "y", "2", "z", "3", "w", "30"]);
    expect(await r.zinter(2, "a", "b", "AGGREGATE", "MAX", "WITHSCORES")).toEqual(["y", "10", "z", "20"]);
    expect(await r.zinter(2, "a", "a", "WITHSCORES")).toEqual(["x", "2", "y", "4", "z", "6"]);
    expect(await r.zinter(2, "a", "missing")).toEqual([]);
    expect(await r.zdiff(2, "a", "b", "WITHSCORES")).toEqual(["x", "1"]);
    expect(await r.zdiff(2, "a", "a")).toEqual([]);
    expect(await r.zintercard(2, "a", "b")).toBe(2);
    expect(await r.zintercard(2, "a", "b", "LIMIT", 1)).toBe(1);
    expect(await r.zunionstore("out", 2, "a", "b", "WEIGHTS", 1, 2)).toBe(4);
    expect(await (r as any).zrange("out", 0, -1, "WITHSCORES")).toEqual(["x", "1", "y", "22", "z", "43", "w", "60"]);
    expect(await r.zinterstore("out", 2, "a", "b")).toBe(2);
    expect(await r.zdiffstore("out", 2, "a", "a")).toBe(0);
    expect(await r.dbsize()).toBe(2);
    await r.set("str", "v");
    expect(await r.zunionstore("str", 1, "a")).toBe(3);
    expect(await (r as any).zrange("str", 0, -1)).toEqual(["x", "y", "z"]);
    // +inf + -inf sums to 0 in Valkey; inf * 0 weight is 0
    await r.zadd("pinf", "+inf", "m");
    await r.zadd("ninf", "-inf", "m");
    expect(await r.zunion(2, "pinf", "ninf", "WITHSCORES")).toEqual(["m", "0"]);
    expect(await r.zunion(1, "pinf", "WEIGHTS", 0, "WITHSCORES")).toEqual(["m", "0"]);
  });

  it("RESP3 doubles and nested pairs, byte for byte", async () => {
    const raw = await ctx.raw();
    await raw.call("ZADD", "z", "1.5", "a", "3.14", "b");
    const cases: Array<[string[], string, string]> = [
      [["ZSCORE", "z", "b"], bulk("3.14"), ",3.14\r\n"],
      [["ZSCORE", "z", "nope"], "$-1\r\n", "_\r\n"],
      [["ZSCORE", "missing", "a"], "$-1\r\n", "_\r\n"],
      [["ZMSCORE", "z", "a", "nope"], arr(bulk("1.5"), "$-1\r\n"), arr(",1.5\r\n", "_\r\n")],
      [["ZINCRBY", "z", "0", "a"], bulk("1.5"), ",1.5\r\n"],
      [["ZADD", "z", "XX", "INCR", "1", "nope"], "$-1\r\n", "_\r\n"],
      [["ZRANK", "z", "b", "WITHSCORE"], arr(":1\r\n", bulk("3.14")), arr(":1\r\n", ",3.14\r\n")],
      [["ZRANK", "z", "nope", "WITHSCORE"], "*-1\r\n", "_\r\n"],
      [["ZRANK", "z", "nope"], "$-1\r\n", "_\r\n"],
      [
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        arr(bulk("a"), bulk("1.5"), bulk("b"), bulk("3.14")),
        arr(arr(bulk("a"), ",1.5\r\n"), arr(bulk("b"), ",3.14\r\n")),
      ],
      [["ZRANGE", "z", "0", "-1"], arr(bulk("a"), bulk("b")), arr(bulk("a"), bulk("b"))],
      [["ZRANGE", "missing", "0", "-1", "WITHSCORES"], "*0\r\n", "*0\r\n"],
      [
        ["ZUNION", "1", "z", "WITHSCORES"],
        arr(bulk("a"), bulk("1.5"), bulk("b"), bulk("3.14")),
        arr(arr(bulk("a"), ",1.5\r\n"), arr(bulk("b"), ",3.14\r\n")),
      ],
      [
        ["ZRANDMEMBER", "z", "5", "WITHSCORES"],
        arr(bulk("b"), bulk("3.14"), bulk("a"), bulk("1.5")),
        arr(arr(bulk("b"), ",3.14\r\n"), arr(bulk("a"), ",1.5\r\n")),
      ],
      [["ZRANDMEMBER", "missing"], "$-1\r\n", "_\r\n"],
      [["ZMPOP", "1", "missing", "MIN"], "*-1\r\n", "_\r\n"],
      [["ZPOPMIN", "missing"], "*0\r\n", "*0\r\n"],
      [["ZSCAN", "missing", "0"], arr(bulk("0"), "*0\r\n"), arr(bulk("0"), "*0\r\n")],
      [["ZSCAN", "z", "0"], arr(bulk("0"), arr(bulk("a"), bulk("1.5"), bulk("b"), bulk("3.14"))), ""],
    ];
    for (const proto of [2, 3]) {
      if (proto === 3) await raw.call("HELLO", "3");
      for (const [cmd, r2, r3] of cases) {
        const want = proto === 2 ? r2 : r3 || r2;
        expect([proto, cmd.join(" "), await raw.call(...cmd)]).toEqual([proto, cmd.join(" "), want]);
      }
      // ZPOPMIN: a flat pair without count (both protocols), nested pairs with a count in RESP3
      expect(await raw.call("ZPOPMIN", "z")).toBe(proto === 2 ? arr(bulk("a"), bulk("1.5")) : arr(bulk("a"), ",1.5\r\n"));
      expect(await raw.call("ZPOPMAX", "z", "1")).toBe(proto === 2 ? arr(bulk("b"), bulk("3.14")) : arr(arr(bulk("b"), ",3.14\r\n")));
      await raw.call("ZADD", "z", "1.5", "a", "3.14", "b");
      expect(await raw.call("ZMPOP", "1", "z", "MAX", "COUNT", "1")).toBe(
        arr(bulk("z"), arr(arr(bulk("b"), proto === 2 ? bulk("3.14") : ",3.14\r\n"))),
      );
      await raw.call("ZADD", "z", "3.14", "b");
    }
  });

  it("node-redis (RESP2 and RESP3) and ioredis RESP3 read the same sets", async () => {
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      await n.del("nz");
      expect(await n.zAdd("nz", [{ score: 1, value: "a" }, { score: 2.5, value: "b" }])).toBe(2);
      expect(await n.zScore("nz", "b")).toBe(2.5);
      expect(await n.zRangeWithScores("nz", 0, -1)).toEqual([
        { value: "a", score: 1 },
        { value: "b", score: 2.5 },
      ]);
      expect(await n.zRank("nz", "b")).toBe(1);
      expect(await n.zPopMin("nz")).toEqual({ value: "a", score: 1 });
      expect(await n.zCard("nz")).toBe(1);
    }
    const r = ctx.ioredis({ protocol: 3 } as never);
    await r.zadd("i3", 1, "a", 2, "b");
    expect(await r.zscore("i3", "b")).toBe("2");
    expect(await (r as any).zrange("i3", 0, -1)).toEqual(["a", "b"]);
  });

  it("ZSCAN walks big sets with cursors and MATCH/COUNT/NOSCORES", async () => {
    const r = ctx.ioredis();
    const args: Array<string | number> = [];
    for (let i = 0; i < 500; i++) args.push(i, "m" + i);
    await r.zadd("big", ...args);
    const seen = new Map<string, string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, items] = await r.zscan("big", cursor, "COUNT", 50);
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
      calls++;
    } while (cursor !== "0");
    expect(seen.size).toBe(500);
    expect(seen.get("m7")).toBe("7");
    expect(calls).toBeGreaterThan(5);
    const [, only] = await (r as any).zscan("big", 0, "MATCH", "m4?", "COUNT", 1000, "NOSCORES");
    expect(only.sort()).toEqual(["m40", "m41", "m42", "m43", "m44", "m45", "m46", "m47", "m48", "m49"]);
    // an unknown cursor restarts the scan: duplicates are allowed, misses are not
    const restarted = new Set<string>();
    cursor = "123456789";
    do {
      const [next, items] = await (r as any).zscan("big", cursor, "COUNT", 200, "NOSCORES");
      for (const m of items) restarted.add(m);
      cursor = next;
    } while (cursor !== "0");
    expect(restarted.size).toBe(500);
  });

  it("ZSCAN never misses a member present for the whole scan while the set changes", async () => {
    const r = ctx.ioredis();
    const w = ctx.ioredis();
    const args: Array<string | number> = [];
    for (let i = 0; i < 2000; i++) args.push(i, "keep" + i);
    for (let i = 0; i < 1000; i++) args.push(i, "gone" + i);
    await r.zadd("mut", ...args);
    const seen = new Set<string>();
    let cursor = "0";
    let round = 0;
    do {
      const [next, items] = await (r as any).zscan("mut", cursor, "COUNT", 37, "NOSCORES");
      for (const m of items) seen.add(m);
      cursor = next;
      // churn between calls: remove some, add many, move scores
      const p = w.pipeline();
      for (let k = 0; k < 10; k++) p.zrem("mut", "gone" + (round * 10 + k));
      for (let k = 0; k < 40; k++) p.zadd("mut", round * 1000 + k, `new${round}_${k}`);
      p.zincrby("mut", 5000, "keep" + round);
      await p.exec();
      round++;
    } while (cursor !== "0" && round < 1000);
    expect(cursor).toBe("0");
    for (let i = 0; i < 2000; i++) expect(seen.has("keep" + i)).toBe(true);
  });

  it("rejects bad input with Valkey's errors and leaves the key unchanged", async () => {
    const raw = await ctx.raw();
    await raw.call("ZADD", "z", "1", "a", "2", "b");
    await raw.call("SET", "s", "str");
    const cases: Array<[string[], string]> = [
      [["ZADD", "z", "1"], "ERR wrong number of arguments for 'zadd' command"],
      [["ZADD", "z", "1", "a", "2"], "ERR syntax error"],
      [["ZADD", "z", "NX", "XX", "1", "a"], "ERR XX and NX options at the same time are not compatible"],
      [["ZADD", "z", "GT", "LT", "1", "a"], "ERR GT, LT, and/or NX options at the same time are not compatible"],
      [["ZADD", "z", "NX", "GT", "1", "a"], "ERR GT, LT, and/or NX options at the same time are not compatible"],
      [["ZADD", "z", "INCR", "1", "a", "2", "b"], "ERR INCR option supports a single increment-element pair"],
      [["ZADD", "z", "abc", "a"], "ERR value is not a valid float"],
      [["ZADD", "z", "1", "a", "nan", "c"], "ERR value is not a valid float"],
      [["ZADD", "z", "1e400", "c"], "ERR value is not a valid float"],
      [["ZADD", "z", " 1", "c"], "ERR value is not a valid float"],
      [["ZADD", "z", "1 ", "c"], "ERR value is not a valid float"],
      [["ZADD", "z", "", "c"], "ERR value is not a valid float"],
      [["ZINCRBY", "z", "x", "a"], "ERR value is not a valid float"],
      [["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"], "ERR syntax error"],
      [["ZRANGE", "z", "0", "1", "REV", "REV"], "ERR syntax error"],
      [["ZRANGE", "z", "0", "1", "LIMIT", "0"], "ERR syntax error"],
      [["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"], "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"],
      [["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"], "ERR syntax error, WITHSCORES not supported in combination with BYLEX"],
      [["ZRANGE", "z", "a", "1"], "ERR value is not an integer or out of range"],
      [["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"], "ERR value is not an integer or out of range"],
      [["ZRANGE", "z", "(x", "1", "BYSCORE"], "ERR min or max is not a float"],
      [["ZRANGEBYSCORE", "z", "nan", "1"], "ERR min or max is not a float"],
      [["ZRANGEBYSCORE", "z", "0", "1", "REV"], "ERR syntax error"],
      [["ZRANGEBYLEX", "z", "a", "[b"], "ERR min or max not valid string range item"],
      [["ZRANGEBYLEX", "z", "[a", "+x"], "ERR min or max not valid string range item"],
      [["ZLEXCOUNT", "z", "-", "b"], "ERR min or max not valid string range item"],
      [["ZCOUNT", "z", "a", "1"], "ERR min or max is not a float"],
      [["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"], "ERR syntax error"],
      [["ZREMRANGEBYRANK", "z", "a", "1"], "ERR value is not an integer or out of range"],
      [["ZREMRANGEBYSCORE", "z", "a", "1"], "ERR min or max is not a float"],
      [["ZREMRANGEBYLEX", "z", "a", "1"], "ERR min or max not valid string range item"],
      [["ZRANK", "z", "a", "WITHSCORES"], "ERR syntax error"],
      [["ZRANK", "z", "a", "WITHSCORE", "x"], "ERR wrong number of arguments for 'zrank' command"],
      [["ZPOPMIN", "z", "-1"], "ERR value is out of range, must be positive"],
      [["ZPOPMIN", "z", "1", "2"], "ERR syntax error"],
      [["ZMPOP", "0", "z", "MIN"], "ERR numkeys should be greater than 0"],
      [["ZMPOP", "1", "z", "LOW"], "ERR syntax error"],
      [["ZMPOP", "1", "z", "MIN", "COUNT", "0"], "ERR count should be greater than 0"],
      [["ZMPOP", "3", "z", "MIN"], "ERR syntax error"],
      [["ZRANDMEMBER", "z", "x"], "ERR value is not an integer or out of range"],
      [["ZRANDMEMBER", "z", "1", "WITHSCORE"], "ERR syntax error"],
      [["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"], "ERR value is out of range"],
      [["ZUNION", "0", "z"], "ERR at least 1 input key is needed for 'zunion' command"],
      [["ZUNIONSTORE", "d", "0", "z"], "ERR at least 1 input key is needed for 'zunionstore' command"],
      [["ZINTER", "x", "z"], "ERR value is not an integer or out of range"],
      [["ZUNION", "2", "z"], "ERR syntax error"],
      [["ZUNION", "1", "z", "WEIGHTS", "x"], "ERR weight value is not a float"],
      [["ZUNION", "1", "z", "AGGREGATE", "AVG"], "ERR syntax error"],
      [["ZDIFF", "1", "z", "WEIGHTS", "1"], "ERR syntax error"],
      [["ZUNIONSTORE", "d", "1", "z", "WITHSCORES"], "ERR syntax error"],
      [["ZINTERCARD", "1", "z", "LIMIT", "-1"], "ERR LIMIT can't be negative"],
      [["ZINTERCARD", "1", "z", "WITHSCORES"], "ERR syntax error"],
      [["ZSCAN", "z", "x"], "ERR invalid cursor"],
      [["ZSCAN", "z", "-1"], "ERR invalid cursor"],
      [["ZSCAN", "z", "0", "COUNT", "0"], "ERR syntax error"],
      [["ZSCAN", "z", "0", "NOVALUES"], "ERR NOVALUES option can only be used in HSCAN"],
      [["ZSCAN", "z", "0", "MATCH"], "ERR syntax error"],
      [["ZADD", "s", "1", "a"], WRONGTYPE],
      [["ZSCORE", "s", "a"], WRONGTYPE],
      [["ZRANGE", "s", "0", "1"], WRONGTYPE],
      [["ZRANGESTORE", "d", "s", "0", "1"], WRONGTYPE],
      [["ZUNION", "2", "z", "s"], WRONGTYPE],
      [["ZUNION", "2", "z", "s", "WEIGHTS", "x"], WRONGTYPE],
      [["ZMPOP", "2", "missing", "s", "MIN"], WRONGTYPE],
      [["ZSCAN", "s", "0"], WRONGTYPE],
      [["ZRANDMEMBER", "s"], WRONGTYPE],
    ];
    for (const [cmd, err] of cases) expect([cmd.join(" "), await raw.call(...cmd)]).toEqual([cmd.join(" "), `-${err}\r\n`]);
    expect(await raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES")).toBe(arr(bulk("a"), bulk("1"), bulk("b"), bulk("2")));
    expect(await raw.call("GET", "s")).toBe(bulk("str"));
    expect(await raw.call("DBSIZE")).toBe(":2\r\n");
    // the scan of a missing key reports no option errors, as Valkey (lookup comes first)
    expect(await raw.call("ZSCAN", "missing", "0", "COUNT", "0")).toBe(arr(bulk("0"), "*0\r\n"));
  });
});

describe("zsets in-process: events, encodings, sets as inputs", () => {
  let srv: StartedServer;
  let r: Redis;
  const events: string[] = [];
  beforeAll(async () => {
    srv = await startServer({ config: { "zset-max-listpack-entries": 4, "zset-max-listpack-value": 8 } });
    // every class but "new" (covered in notifications.test.ts)
    srv.server.store.notifyFlags = 0xffff & ~N.NEW;
    srv.server.store.hooks.notify = (_db, event, key) => events.push(`${event}:${key}`);
    r = new Redis({ port: srv.port, host: "127.0.0.1", lazyConnect: false });
  });
  afterAll(async () => {
    r.disconnect();
    await srv.close();
  });
  beforeEach(async () => {
    await r.flushall();
    events.length = 0;
  });
  const db = () => srv.server.store.dbs[0]!;
  const encoding = (key: string) => encodingOf(db().keys.get(key)!.value as SortedSet);

  it("emits Valkey's events", async () => {
    await r.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d");
    await r.zadd("z", 1, "a");
    await r.zadd("z", "INCR", 1, "a");
    await r.zincrby("z", 1, "b");
    await r.zrem("z", "nope");
    await r.zrem("z", "a");
    await r.zremrangebyrank("z", 0, 0);
    await r.zremrangebyscore("z", 100, 200);
    await r.zadd("lz", 0, "x", 0, "y");
    await r.zremrangebylex("lz", "[x", "[x");
    await r.zremrangebyscore("lz", 0, 0);
    await r.zpopmin("z");
    await r.zpopmax("z");
    await r.zadd("a", 1, "x");
    await r.zunionstore("u", 1, "a");
    await r.zinterstore("i", 1, "a");
    await r.zdiffstore("d", 1, "a");
    await r.zrangestore("rs", "a", 0, -1);
    await r.zdiffstore("d", 2, "a", "a");
    expect(events).toEqual([
      "zadd:z",
      "zincr:z",
      "zincr:z",
      "zrem:z",
      "zremrangebyrank:z",
      "zadd:lz",
      "zremrangebylex:lz",
      "zremrangebyscore:lz",
      "del:lz",
      "zpopmin:z",
      "zpopmax:z",
      "del:z",
      "zadd:a",
      "zunionstore:u",
      "zinterstore:i",
      "zdiffstore:d",
      "zrangestore:rs",
      "del:d",
    ]);
  });

  it("reports listpack until the entry or member-length thresholds, then skiplist for good", async () => {
    await r.zadd("z", 1, "a", 2, "b", 3, "c", 4, "d");
    expect(encoding("z")).toBe("listpack");
    await r.zadd("z", 5, "e");
    expect(encoding("z")).toBe("skiplist");
    await r.zpopmax("z", 4);
    expect(encoding("z")).toBe("skiplist");
    await r.zadd("long", 1, "123456789");
    expect(encoding("long")).toBe("skiplist");
    await r.zadd("many", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e");
    expect(encoding("many")).toBe("skiplist");
    await r.zunionstore("small", 1, "many", "WEIGHTS", 1);
    expect(encoding("small")).toBe("skiplist");
    await r.zrangestore("few", "many", 0, 1);
    expect(encoding("few")).toBe("listpack");
    // ZSCAN of a listpack zset returns everything at once
    const [cur, items] = await r.zscan("few", 0, "COUNT", 1);
    expect([cur, items]).toEqual(["0", ["a", "1", "b", "2"]]);
  });

  it("takes plain sets as inputs with score 1", async () => {
    db().set("s", "set", new Set(["x", "y", "q"]));
    await r.zadd("z", 5, "x", 7, "w");
    expect(await r.zunion(2, "s", "z", "WITHSCORES")).toEqual(["q", "1", "y", "1", "x", "6", "w", "7"]);
    expect(await r.zinter(2, "s", "z", "WEIGHTS", 3, 1, "WITHSCORES")).toEqual(["x", "8"]);
    expect(await r.zdiff(2, "s", "z")).toEqual(["q", "y"]);
    expect(await r.zintercard(2, "s", "z")).toBe(1);
  });

  it("invalidates WATCH on changes only", async () => {
    await r.zadd("w", 1, "a");
    const w = new Redis({ port: srv.port, host: "127.0.0.1" });
    await w.watch("w");
    await r.zadd("w", 1, "a");
    await r.zrem("w", "nope");
    await r.zadd("w", "GT", 0, "a");
    expect(await w.multi().get("x").exec()).toEqual([[null, null]]);
    await w.watch("w");
    await r.zincrby("w", 1, "a");
    expect(await w.multi().get("x").exec()).toBeNull();
    w.disconnect();
  });
});
