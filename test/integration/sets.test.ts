import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const sorted = (xs: string[]) => [...xs].sort();

describeRuntimes("sets", (ctx) => {
  beforeEach(() => ctx.flush());

  it("SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SMOVE (ioredis RESP2 and RESP3)", async () => {
    for (const protocol of [2, 3]) {
      const r = ctx.ioredis({ protocol } as never);
      await r.del("s", "t", "u");
      expect(await r.sadd("s", "3", "1", "2")).toBe(3);
      expect(await r.sadd("s", "2", "10", "-4")).toBe(2);
      // an intset lists its members in ascending order
      expect(await r.smembers("s")).toEqual(["-4", "1", "2", "3", "10"]);
      expect(await r.scard("s")).toBe(5);
      expect(await r.scard("nokey")).toBe(0);
      expect(await r.sismember("s", "1")).toBe(1);
      expect(await r.sismember("s", "9")).toBe(0);
      expect(await r.sismember("nokey", "1")).toBe(0);
      expect(await r.smismember("s", "1", "9", "10")).toEqual([1, 0, 1]);
      expect(await r.smismember("nokey", "1", "2")).toEqual([0, 0]);
      expect(await r.srem("s", "1", "9")).toBe(1);
      expect(await r.srem("nokey", "1")).toBe(0);
      expect(await r.smembers("nokey")).toEqual([]);
      // a small set of strings keeps insertion order (listpack)
      expect(await r.sadd("t", "b", "a", "c")).toBe(3);
      expect(await r.smembers("t")).toEqual(["b", "a", "c"]);
      expect(await r.smove("t", "u", "a")).toBe(1);
      expect(await r.smove("t", "u", "a")).toBe(0);
      expect(await r.smove("nokey", "u", "a")).toBe(0);
      expect(await r.smove("t", "t", "b")).toBe(1);
      expect(await r.smove("t", "t", "zz")).toBe(0);
      expect(await r.smembers("t")).toEqual(["b", "c"]);
      expect(await r.smembers("u")).toEqual(["a"]);
      // keys vanish with their last member
      expect(await r.srem("u", "a")).toBe(1);
      expect(await r.smove("t", "u", "b")).toBe(1);
      expect(await r.smove("t", "u", "c")).toBe(1);
      expect(await r.scard("t")).toBe(0);
      expect(await r.dbsize()).toBe(2);
      expect(await r.smembers("u")).toEqual(["b", "c"]);
    }
  });

  it("SINTER SUNION SDIFF, their STORE variants and SINTERCARD", async () => {
    const r = ctx.ioredis();
    await r.sadd("a", "1", "2", "3", "4", "5");
    await r.sadd("b", "4", "5", "6", "7");
    await r.sadd("c", "5", "7", "8");
    await r.sadd("x", "p", "q", "5");
    expect(await r.sinter("a", "b")).toEqual(["4", "5"]);
    expect(await r.sinter("a", "b", "c")).toEqual(["5"]);
    expect(await r.sinter("a", "nokey")).toEqual([]);
    expect(await r.sunion("a", "b", "c")).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(await r.sunion("x", "c")).toEqual(["p", "q", "5", "7", "8"]);
    expect(await r.sdiff("a", "b", "c")).toEqual(["1", "2", "3"]);
    expect(await r.sdiff("a")).toEqual(["1", "2", "3", "4", "5"]);
    expect(await r.sdiff("nokey", "a")).toEqual([]);
    expect(await r.sdiff("a", "a")).toEqual([]);
    expect(await r.sinterstore("d", "a", "b")).toBe(2);
    expect(await r.smembers("d")).toEqual(["4", "5"]);
    expect(await r.sunionstore("d", "a", "x")).toBe(7);
    expect(sorted(await r.smembers("d"))).toEqual(sorted(["1", "2", "3", "4", "5", "p", "q"]));
    expect(await r.sdiffstore("d", "a", "b", "c")).toBe(3);
    expect(await r.smembers("d")).toEqual(["1", "2", "3"]);
    // an empty result deletes the destination, whatever it held
    expect(await r.sdiffstore("d", "a", "a")).toBe(0);
    expect(await r.scard("d")).toBe(0);
    await r.set("d", "string");
    expect(await r.sinterstore("d", "a", "nokey")).toBe(0);
    expect(await r.get("d")).toBeNull();
    await r.set("d", "string");
    expect(await r.sunionstore("d", "a")).toBe(5);
    expect(await r.smembers("d")).toEqual(["1", "2", "3", "4", "5"]);
    // the destination may be one of the sources
    expect(await r.sunionstore("a", "a", "c")).toBe(7);
    expect(await r.smembers("a")).toEqual(["1", "2", "3", "4", "5", "7", "8"]);
    expect(await r.sintercard(2, "a", "b")).toBe(3);
    expect(await r.call("SINTERCARD", "2", "a", "b", "LIMIT", "2")).toBe(2);
    expect(await r.call("SINTERCARD", "2", "a", "b", "LIMIT", "0")).toBe(3);
    expect(await r.call("SINTERCARD", "2", "a", "nokey")).toBe(0);
    expect(await r.call("SINTERCARD", "1", "a", "LIMIT", "100")).toBe(7);
  });

  it("works through node-redis on RESP2 and RESP3", async () => {
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      await n.del(["s", "t"]);
      expect(await n.sAdd("s", ["a", "b", "c"])).toBe(3);
      expect(sorted(await n.sMembers("s"))).toEqual(["a", "b", "c"]);
      expect(await n.sIsMember("s", "a")).toBe(1);
      expect(await n.smIsMember("s", ["a", "z"])).toEqual([1, 0]);
      expect(await n.sCard("s")).toBe(3);
      expect(await n.sInterCard(["s"], { LIMIT: 2 })).toBe(2);
      expect(await n.sScan("s", "0")).toEqual({ cursor: "0", members: ["a", "b", "c"] });
      expect(sorted(await n.sRandMemberCount("s", 5))).toEqual(["a", "b", "c"]);
      const popped = await n.sPopCount("s", 2);
      expect(popped.length).toBe(2);
      expect(await n.sCard("s")).toBe(1);
      expect(await n.sMove("s", "t", (await n.sMembers("s"))[0]!)).toBe(1);
      expect(await n.sCard("s")).toBe(0);
      expect((await n.sPop("t"))!).toMatch(/^[abc]$/);
      expect(await n.sPop("t")).toBeNull();
    }
  });

  it("sends Valkey's exact bytes in RESP2 and RESP3", async () => {
    const raw = await ctx.raw();
    await raw.call("SADD", "s", "2", "1");
    expect(await raw.call("SMEMBERS", "s")).toBe("*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SMEMBERS", "nokey")).toBe("*0\r\n");
    expect(await raw.call("SPOP", "nokey")).toBe("$-1\r\n");
    expect(await raw.call("SPOP", "nokey", "2")).toBe("*0\r\n");
    expect(await raw.call("SRANDMEMBER", "nokey")).toBe("$-1\r\n");
    expect(await raw.call("SRANDMEMBER", "nokey", "2")).toBe("*0\r\n");
    expect(await raw.call("SRANDMEMBER", "s", "5")).toBe("*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SINTER", "s", "nokey")).toBe("*0\r\n");
    expect(await raw.call("SSCAN", "s", "0")).toBe("*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SSCAN", "nokey", "0")).toBe("*2\r\n$1\r\n0\r\n*0\r\n");
    expect(await raw.call("SMISMEMBER", "s", "1", "3")).toBe("*2\r\n:1\r\n:0\r\n");

    await raw.call("HELLO", "3");
    expect(await raw.call("SMEMBERS", "s")).toBe("~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SMEMBERS", "nokey")).toBe("~0\r\n");
    expect(await raw.call("SINTER", "s", "nokey")).toBe("~0\r\n");
    expect(await raw.call("SINTER", "s", "s")).toBe("~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SUNION", "s", "nokey")).toBe("~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SDIFF", "s", "nokey")).toBe("~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SPOP", "nokey")).toBe("_\r\n");
    expect(await raw.call("SPOP", "nokey", "2")).toBe("~0\r\n");
    expect(await raw.call("SPOP", "s", "0")).toBe("~0\r\n");
    expect(await raw.call("SRANDMEMBER", "nokey")).toBe("_\r\n");
    expect(await raw.call("SRANDMEMBER", "nokey", "2")).toBe("*0\r\n");
    expect(await raw.call("SRANDMEMBER", "s", "5")).toBe("*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await raw.call("SPOP", "s", "1")).toMatch(/^~1\r\n\$1\r\n[12]\r\n$/);
    expect(await raw.call("SPOP", "s", "5")).toMatch(/^~1\r\n\$1\r\n[12]\r\n$/);
    expect(await raw.call("SCARD", "s")).toBe(":0\r\n");
  });

  it("is binary safe", async () => {
    const r = ctx.ioredis();
    const m = Buffer.from([0, 255, 13, 10]);
    expect(await r.sadd("bin", m, "x")).toBe(2);
    expect(await r.sismember("bin", m)).toBe(1);
    expect(await r.smembersBuffer("bin")).toEqual([m, Buffer.from("x")]);
  });

  it("SPOP and SRANDMEMBER return distinct members, or repeats with a negative count", async () => {
    const r = ctx.ioredis();
    const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await r.sadd("big", ...members);
    await r.sadd("small", "a", "b", "c", "d", "e");
    await r.sadd("ints", "1", "2", "3", "4", "5", "6", "7");
    for (const key of ["big", "small", "ints"]) {
      const size = await r.scard(key);
      for (const n of [1, 2, 4, 300, 5000]) {
        const got = (await r.srandmember(key, n)) as string[];
        expect(got.length).toBe(Math.min(n, size));
        expect(new Set(got).size).toBe(got.length);
      }
      expect(((await r.srandmember(key, -40)) as string[]).length).toBe(40);
    }
    expect(new Set((await r.srandmember("small", -300)) as string[]).size).toBe(5);
    // SPOP with the three strategies: a few, most, all
    const few = (await r.spop("big", 10)) as string[];
    const most = (await r.spop("big", 900)) as string[];
    expect(new Set([...few, ...most]).size).toBe(910);
    expect(await r.scard("big")).toBe(90);
    const rest = (await r.spop("big", 1000)) as string[];
    expect(new Set([...few, ...most, ...rest]).size).toBe(1000);
    expect(await r.scard("big")).toBe(0);
    expect(await r.dbsize()).toBe(2);
    const one = await r.spop("small");
    expect(["a", "b", "c", "d", "e"]).toContain(one);
    expect(await r.sismember("small", one!)).toBe(0);
  });

  it("SSCAN never misses a member that exists for the whole scan, while the set grows and shrinks", async () => {
    const r = ctx.ioredis();
    await r.sadd("s", ...Array.from({ length: 1000 }, (_, i) => `m${i}`));
    const stable = new Set(Array.from({ length: 500 }, (_, i) => `m${2 * i}`));
    const seen = new Set<string>();
    let cursor = "0";
    let next = 1000;
    let calls = 0;
    do {
      const [c, items] = await r.sscan("s", cursor, "COUNT", 25);
      cursor = c;
      for (const m of items) seen.add(m);
      if (++calls < 30) {
        const p = r.pipeline();
        for (let k = 0; k < 10; k++) p.srem("s", `m${2 * Math.floor(Math.random() * 500) + 1}`);
        for (let k = 0; k < 10; k++) p.sadd("s", `m${next++}`);
        await p.exec();
      }
    } while (cursor !== "0");
    for (const m of stable) expect(seen.has(m), m).toBe(true);
    expect(calls).toBeGreaterThan(10);
    const [, matched] = await r.sscan("s", 0, "MATCH", "m1?", "COUNT", 100000);
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.every((m: string) => /^m1\d$/.test(m))).toBe(true);
    // a small set is returned whole with cursor 0, in its own order
    await r.sadd("small", "3", "1", "2");
    expect(await r.sscan("small", 0, "COUNT", 1)).toEqual(["0", ["1", "2", "3"]]);
  });

  it("refuses bad input with Valkey's errors and leaves the keys unchanged", async () => {
    const r = ctx.ioredis();
    const raw = await ctx.raw();
    await r.sadd("s", "a", "b", "c");
    await r.set("str", "x");
    const errors: Array<[string[], string]> = [
      [["SADD", "s"], "ERR wrong number of arguments for 'sadd' command"],
      [["SREM", "s"], "ERR wrong number of arguments for 'srem' command"],
      [["SMEMBERS"], "ERR wrong number of arguments for 'smembers' command"],
      [["SISMEMBER", "s"], "ERR wrong number of arguments for 'sismember' command"],
      [["SMOVE", "s", "t"], "ERR wrong number of arguments for 'smove' command"],
      [["SINTERSTORE", "d"], "ERR wrong number of arguments for 'sinterstore' command"],
      [["SINTERCARD", "1"], "ERR wrong number of arguments for 'sintercard' command"],
      [["SPOP", "s", "1", "2"], "ERR syntax error"],
      [["SPOP", "s", "-1"], "ERR value is out of range, must be positive"],
      [["SPOP", "s", "x"], "ERR value is out of range, must be positive"],
      [["SPOP", "nokey", "-1"], "ERR value is out of range, must be positive"],
      [["SRANDMEMBER", "s", "1", "2"], "ERR syntax error"],
      [["SRANDMEMBER", "s", "x"], "ERR value is not an integer or out of range"],
      [["SRANDMEMBER", "s", "-9223372036854775808"], "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"],
      [["SINTERCARD", "0", "s"], "ERR numkeys should be greater than 0"],
      [["SINTERCARD", "x", "s"], "ERR numkeys should be greater than 0"],
      [["SINTERCARD", "2", "s"], "ERR Number of keys can't be greater than number of args"],
      [["SINTERCARD", "1", "s", "LIMIT", "-1"], "ERR LIMIT can't be negative"],
      [["SINTERCARD", "1", "s", "LIMIT", "x"], "ERR LIMIT can't be negative"],
      [["SINTERCARD", "1", "s", "LIMIT"], "ERR syntax error"],
      [["SINTERCARD", "1", "s", "FOO"], "ERR syntax error"],
      [["SSCAN", "s", "x"], "ERR invalid cursor"],
      [["SSCAN", "s", "-1"], "ERR invalid cursor"],
      [["SSCAN", "s", "18446744073709551616"], "ERR invalid cursor"],
      [["SSCAN", "s", "0", "COUNT", "0"], "ERR syntax error"],
      [["SSCAN", "s", "0", "COUNT"], "ERR syntax error"],
      [["SSCAN", "s", "0", "NOVALUES"], "ERR NOVALUES option can only be used in HSCAN"],
      [["SSCAN", "s", "0", "NOSCORES"], "ERR NOSCORES option can only be used in ZSCAN"],
      [["SADD", "str", "a"], WRONGTYPE],
      [["SREM", "str", "a"], WRONGTYPE],
      [["SMEMBERS", "str"], WRONGTYPE],
      [["SISMEMBER", "str", "a"], WRONGTYPE],
      [["SMISMEMBER", "str", "a"], WRONGTYPE],
      [["SCARD", "str"], WRONGTYPE],
      [["SPOP", "str"], WRONGTYPE],
      [["SPOP", "str", "2"], WRONGTYPE],
      [["SRANDMEMBER", "str"], WRONGTYPE],
      [["SRANDMEMBER", "str", "0"], WRONGTYPE],
      [["SMOVE", "str", "s", "a"], WRONGTYPE],
      [["SMOVE", "s", "str", "a"], WRONGTYPE],
      [["SINTER", "s", "str"], WRONGTYPE],
      [["SINTER", "nokey", "str"], WRONGTYPE],
      [["SINTERSTORE", "d", "s", "str"], WRONGTYPE],
      [["SINTERCARD", "2", "s", "str"], WRONGTYPE],
      [["SUNION", "s", "str"], WRONGTYPE],
      [["SUNIONSTORE", "d", "str"], WRONGTYPE],
      [["SDIFF", "s", "str"], WRONGTYPE],
      [["SDIFFSTORE", "d", "nokey", "str"], WRONGTYPE],
      [["SSCAN", "str", "0"], WRONGTYPE],
    ];
    for (const [args, err] of errors) expect(await raw.call(...args), args.join(" ")).toBe(`-${err}\r\n`);
    expect(await r.smembers("s")).toEqual(["a", "b", "c"]);
    expect(await r.get("str")).toBe("x");
    expect(await r.dbsize()).toBe(2);
    // SMOVE from a missing key answers 0 without looking at the destination's type
    expect(await raw.call("SMOVE", "nokey", "str", "a")).toBe(":0\r\n");
    expect(await raw.call("SSCAN", "nokey", "0", "BADOPT")).toBe("*2\r\n$1\r\n0\r\n*0\r\n");
  });

  it("OBJECT ENCODING goes intset -> listpack -> hashtable, and COPY is deep with the same encoding", async () => {
    const r = ctx.ioredis();
    const raw = await ctx.raw();
    await r.config("SET", "set-max-intset-entries", "3");
    await r.config("SET", "set-max-listpack-entries", "4");
    try {
      await r.sadd("ints", 3, 1, 2);
      expect(await raw.call("OBJECT", "ENCODING", "ints")).toBe("$6\r\nintset\r\n");
      expect(await r.copy("ints", "ints2")).toBe(1);
      expect(await r.object("ENCODING", "ints2")).toBe("intset");
      await r.sadd("ints", 4);
      expect(await r.object("ENCODING", "ints")).toBe("hashtable");

      await r.sadd("s", 2, 1);
      expect(await r.object("ENCODING", "s")).toBe("intset");
      await r.sadd("s", "a");
      expect(await raw.call("OBJECT", "ENCODING", "s")).toBe("$8\r\nlistpack\r\n");
      expect(await r.smembers("s")).toEqual(["1", "2", "a"]);
      expect(await r.copy("s", "lp")).toBe(1);
      expect(await r.object("ENCODING", "lp")).toBe("listpack");
      await r.sadd("s", "b", "c");
      expect(await r.object("ENCODING", "s")).toBe("hashtable");
      await r.srem("s", "a", "b", "c");
      expect(await r.object("ENCODING", "s")).toBe("hashtable");
      expect(await r.copy("s", "ht")).toBe(1);
      expect(await r.object("ENCODING", "ht")).toBe("hashtable");
      await r.sadd("long", "x".repeat(65));
      expect(await r.object("ENCODING", "long")).toBe("hashtable");

      // changing either copy leaves its source as it was
      await r.srem("ints2", 1);
      await r.sadd("ints2", 9);
      await r.sadd("lp", "z");
      await r.srem("lp", "a");
      await r.sadd("ht", "new");
      expect(await r.smembers("ints")).toEqual(expect.arrayContaining(["1", "2", "3", "4"]));
      expect(await r.scard("ints")).toBe(4);
      expect(await r.smembers("ints2")).toEqual(["2", "3", "9"]);
      expect(await r.object("ENCODING", "ints2")).toBe("intset");
      expect(await r.smembers("lp")).toEqual(["1", "2", "z"]);
      expect(sorted(await r.smembers("s"))).toEqual(["1", "2"]);
      expect(sorted(await r.smembers("ht"))).toEqual(["1", "2", "new"]);
    } finally {
      await r.config("SET", "set-max-intset-entries", "512");
      await r.config("SET", "set-max-listpack-entries", "128");
    }
  });

  it("DUMP and RESTORE round-trip intset, listpack and hashtable sets, and load redis-server's payloads", async () => {
    const r = ctx.ioredis();
    await r.sadd("ints", 5, -3, 100000, -5000000000);
    await r.sadd("small", "b", "a", 7, Buffer.from([0, 255, 13, 10]));
    await r.sadd("big", ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    for (const [key, type, enc] of [
      ["ints", 11, "intset"],
      ["small", 20, "listpack"],
      ["big", 2, "hashtable"],
    ] as const) {
      const p = await r.dumpBuffer(key);
      expect(p[0]).toBe(type);
      expect(await r.restore(`${key}:copy`, 0, p)).toBe("OK");
      const members = async (k: string) => (await r.smembersBuffer(k)).map((b) => b.toString("hex")).sort();
      expect(await members(`${key}:copy`)).toEqual(await members(key));
      expect(await r.object("ENCODING", `${key}:copy`)).toBe(enc);
    }
    expect(await r.smembers("ints:copy")).toEqual(["-5000000000", "-3", "5", "100000"]);
    // DUMP on redis-server 7.0 of SADD si 5 -3 100000 (intset) and SADD s a b c (a hashtable there)
    expect(await r.restore("ri", 0, Buffer.from("0b140400000003000000fdffffff05000000a08601000a006d306c6cccb96cee", "hex"))).toBe("OK");
    expect(await r.smembers("ri")).toEqual(["-3", "5", "100000"]);
    expect(await r.restore("rs", 0, Buffer.from("02030163016201610a005ea67e5623750bab", "hex"))).toBe("OK");
    expect(await r.smembers("rs")).toEqual(["c", "b", "a"]);
    expect(await r.object("ENCODING", "rs")).toBe("listpack");
  });
});
