import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

describeRuntimes("hashes", (ctx) => {
  beforeEach(() => ctx.flush());

  it("HSET HGET HMGET HGETALL HKEYS HVALS HLEN HSTRLEN HEXISTS HSETNX HMSET HDEL (ioredis RESP2 and RESP3)", async () => {
    for (const protocol of [2, 3]) {
      const r = ctx.ioredis({ protocol } as never);
      await r.del("h", "new");
      expect(await r.hset("h", "a", "1", "b", "22")).toBe(2);
      expect(await r.hset("h", "a", "10", "c", "3")).toBe(1);
      expect(await r.hget("h", "a")).toBe("10");
      expect(await r.hget("h", "zz")).toBeNull();
      expect(await r.hget("nokey", "a")).toBeNull();
      expect(await r.hmget("h", "a", "zz", "b")).toEqual(["10", null, "22"]);
      expect(await r.hmget("nokey", "a", "b")).toEqual([null, null]);
      expect(await r.hgetall("h")).toEqual({ a: "10", b: "22", c: "3" });
      expect(await r.hgetall("nokey")).toEqual({});
      expect(await r.hkeys("h")).toEqual(["a", "b", "c"]);
      expect(await r.hvals("h")).toEqual(["10", "22", "3"]);
      expect(await r.hkeys("nokey")).toEqual([]);
      expect(await r.hlen("h")).toBe(3);
      expect(await r.hlen("nokey")).toBe(0);
      expect(await r.hstrlen("h", "b")).toBe(2);
      expect(await r.hstrlen("h", "zz")).toBe(0);
      expect(await r.hexists("h", "a")).toBe(1);
      expect(await r.hexists("h", "zz")).toBe(0);
      expect(await r.hexists("nokey", "a")).toBe(0);
      expect(await r.hsetnx("h", "a", "x")).toBe(0);
      expect(await r.hsetnx("h", "d", "4")).toBe(1);
      expect(await r.hmset("h", "e", "5", "f", "6")).toBe("OK");
      expect(await r.hdel("h", "a", "zz", "b")).toBe(2);
      expect(await r.hdel("nokey", "a")).toBe(0);
      expect(await r.hgetall("h")).toEqual({ c: "3", d: "4", e: "5", f: "6" });
      // the key vanishes with its last field
      expect(await r.hdel("h", "c", "d", "e", "f")).toBe(4);
      expect(await r.dbsize()).toBe(0);
      expect(await r.hlen("h")).toBe(0);
      expect(await r.hsetnx("new", "f", "v")).toBe(1);
      expect(await r.hgetall("new")).toEqual({ f: "v" });
    }
  });

  it("works through node-redis on RESP2 and RESP3", async () => {
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      await n.del("h");
      expect(await n.hSet("h", { a: "1", b: "2" })).toBe(2);
      expect(await n.hGetAll("h")).toEqual({ a: "1", b: "2" });
      expect(await n.hmGet("h", ["a", "x"])).toEqual(["1", null]);
      expect(await n.hIncrBy("h", "a", 5)).toBe(6);
      expect(await n.hIncrByFloat("h", "b", 0.5)).toBe("2.5");
      expect((await n.hRandField("h"))!).toMatch(/^[ab]$/);
      const withValues = await n.hRandFieldCountWithValues("h", 5);
      expect(withValues.sort((x, y) => x.field.localeCompare(y.field))).toEqual([
        { field: "a", value: "6" },
        { field: "b", value: "2.5" },
      ]);
      expect(await n.hScan("h", "0")).toEqual({ cursor: "0", entries: [ { field: "a", value: "6" }, { field: "b", value: "2.5" } ] });
      expect(await n.hKeys("h")).toEqual(["a", "b"]);
    }
  });

  it("sends Valkey's exact bytes in RESP2 and RESP3", async () => {
    const raw = await ctx.raw();
    await raw.call("HSET", "h", "a", "1", "b", "2");
    expect(await raw.call("HGETALL", "h")).toBe("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect(await raw.call("HGETALL", "nokey")).toBe("*0\r\n");
    expect(await raw.call("HGET", "h", "zz")).toBe("$-1\r\n");
    expect(await raw.call("HMGET", "h", "a", "zz")).toBe("*2\r\n$1\r\n1\r\n$-1\r\n");
    expect(await raw.call("HRANDFIELD", "nokey")).toBe("$-1\r\n");
    expect(await raw.call("HRANDFIELD", "nokey", "3")).toBe("*0\r\n");
    expect(await raw.call("HRANDFIELD", "h", "0")).toBe("*0\r\n");
    expect(await raw.call("HRANDFIELD", "h", "5", "WITHVALUES")).toBe("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect(await raw.call("HSCAN", "h", "0")).toBe("*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect(await raw.call("HSCAN", "h", "0", "NOVALUES")).toBe("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    expect(await raw.call("HSCAN", "nokey", "0")).toBe("*2\r\n$1\r\n0\r\n*0\r\n");
    expect(await raw.call("HINCRBYFLOAT", "h", "f", "0.1")).toBe("$3\r\n0.1\r\n");

    await raw.call("HELLO", "3");
    expect(await raw.call("HGETALL", "h")).toBe("%3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nf\r\n$3\r\n0.1\r\n");
    expect(await raw.call("HGETALL", "nokey")).toBe("%0\r\n");
    expect(await raw.call("HGET", "h", "zz")).toBe("_\r\n");
    expect(await raw.call("HMGET", "h", "a", "zz")).toBe("*2\r\n$1\r\n1\r\n_\r\n");
    expect(await raw.call("HRANDFIELD", "nokey")).toBe("_\r\n");
    expect(await raw.call("HRANDFIELD", "nokey", "3")).toBe("*0\r\n");
    expect(await raw.call("HRANDFIELD", "h", "5", "WITHVALUES")).toBe(
      "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nf\r\n$3\r\n0.1\r\n",
    );
    const rep = await raw.call("HRANDFIELD", "h", "-2", "WITHVALUES");
    expect(rep).toMatch(/^\*2\r\n\*2\r\n\$1\r\n[abf]\r\n\$\d\r\n[\d.]+\r\n\*2\r\n\$1\r\n[abf]\r\n\$\d\r\n[\d.]+\r\n$/);
    expect(await raw.call("HKEYS", "h")).toBe("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nf\r\n");
  });

  it("is binary safe in fields and values", async () => {
    const r = ctx.ioredis();
    const field = Buffer.from([0, 255, 13, 10, 128]);
    const value = Buffer.from([10, 0, 200, 13]);
    expect(await r.hset("bin", field, value)).toBe(1);
    expect(await r.hgetBuffer("bin", field)).toEqual(value);
    expect(await r.hstrlen("bin", field)).toBe(4);
    const all = await r.hgetallBuffer("bin");
    expect(Object.keys(all).length).toBe(1);
    expect(await r.hkeysBuffer("bin")).toEqual([field]);
  });

  it("HINCRBY and HINCRBYFLOAT compute like Valkey", async () => {
    const r = ctx.ioredis();
    expect(await r.hincrby("h", "n", 5)).toBe(5);
    expect(await r.hincrby("h", "n", -12)).toBe(-7);
    const raw = await ctx.raw();
    await r.hset("h", "big", "9223372036854775806");
    expect(await raw.call("HINCRBY", "h", "big", "1")).toBe(":9223372036854775807\r\n");
    await r.hset("h", "small", "-9223372036854775807");
    expect(await raw.call("HINCRBY", "h", "small", "-1")).toBe(":-9223372036854775808\r\n");
    expect(await r.hget("h", "small")).toBe("-9223372036854775808");
    expect(await r.hincrbyfloat("h", "f", "0.1")).toBe("0.1");
    expect(await r.hincrbyfloat("h", "f", "0.2")).toBe("0.3");
    expect(await r.hincrbyfloat("h", "g", "10.5")).toBe("10.5");
    expect(await r.hincrbyfloat("h", "g", "0.1")).toBe("10.6");
    expect(await r.hincrbyfloat("h", "n", "1.5")).toBe("-5.5");
    expect(await r.hincrbyfloat("h", "e", "5.0e3")).toBe("5000");
    expect(await r.hincrbyfloat("h", "x", "0x10")).toBe("16");
    expect(await r.hincrbyfloat("h", "x", "-16")).toBe("0");
    const twice = await r.hincrbyfloat("h", "huge", "1e308").then(() => r.hincrbyfloat("h", "huge", "1e308"));
    expect(twice.length).toBe(309);
    expect(twice.startsWith("1999999999999999999933717593116912913211201996948311344155940959898434697")).toBe(true);
    expect(await r.hget("h", "f")).toBe("0.3");
  });

  it("HRANDFIELD picks distinct fields, or repeats with a negative count", async () => {
    const r = ctx.ioredis();
    const small: string[] = [];
    for (let i = 0; i < 10; i++) small.push(`f${i}`, `v${i}`);
    await r.hset("small", ...small);
    const big: string[] = [];
    for (let i = 0; i < 1000; i++) big.push(`f${i}`, `v${i}`);
    await r.hset("big", ...big);
    for (const key of ["small", "big"]) {
      const size = key === "small" ? 10 : 1000;
      for (const n of [1, 3, 9, 400, 2000]) {
        const got = (await r.call("HRANDFIELD", key, String(n))) as string[];
        expect(got.length).toBe(Math.min(n, size));
        expect(new Set(got).size).toBe(got.length);
        for (const f of got) expect(f).toMatch(/^f\d+$/);
      }
      const rep = (await r.call("HRANDFIELD", key, "-50")) as string[];
      expect(rep.length).toBe(50);
      // ioredis groups WITHVALUES replies into pairs
      const wv = ((await r.call("HRANDFIELD", key, "-5", "WITHVALUES")) as unknown[]).flat() as string[];
      expect(wv.length).toBe(10);
      for (let i = 0; i < 10; i += 2) expect(wv[i + 1]).toBe(wv[i]!.replace("f", "v"));
      expect((await r.call("HRANDFIELD", key)) as string).toMatch(/^f\d+$/);
    }
    // every field shows up when sampling a small hash many times
    const seen = new Set((await r.call("HRANDFIELD", "small", "-500")) as string[]);
    expect(seen.size).toBe(10);
  });

  it("HSCAN never misses a field that exists for the whole scan, while the hash grows and shrinks", async () => {
    const r = ctx.ioredis();
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(`f${i}`, `v${i}`);
    await r.hset("h", ...args);
    const stable = new Set<string>();
    for (let i = 0; i < 1000; i += 2) stable.add(`f${i}`);
    const seen = new Set<string>();
    let cursor = "0";
    let next = 1000;
    let calls = 0;
    do {
      const [c, items] = await r.hscan("h", cursor, "COUNT", 25);
      cursor = c;
      for (let i = 0; i < items.length; i += 2) {
        expect(items[i + 1]).toBe(items[i]!.replace("f", "v"));
        seen.add(items[i]!);
      }
      if (++calls < 30) {
        const p = r.pipeline();
        for (let k = 0; k < 10; k++) p.hdel("h", `f${2 * Math.floor(Math.random() * 500) + 1}`);
        for (let k = 0; k < 10; k++) p.hset("h", `f${next}`, `v${next++}`);
        await p.exec();
      }
    } while (cursor !== "0");
    for (const f of stable) expect(seen.has(f), f).toBe(true);
    expect(calls).toBeGreaterThan(10);

    const [, matched] = await r.hscan("h", 0, "MATCH", "f1?", "COUNT", 100000);
    expect(matched.filter((_: string, i: number) => i % 2 === 0).every((f: string) => /^f1\d$/.test(f))).toBe(true);
    const [, keysOnly] = await r.call("HSCAN", "h", "0", "COUNT", "100000", "NOVALUES") as [string, string[]];
    expect(keysOnly.length).toBe(await r.hlen("h"));
  });

  it("refuses bad input with Valkey's errors and leaves the key unchanged", async () => {
    const r = ctx.ioredis();
    const raw = await ctx.raw();
    await r.hset("h", "a", "1", "s", "abc", "big", "9223372036854775807", "neg", "-9223372036854775808", "fl", "1.5", "sp", " 1");
    await r.set("str", "x");
    const before = await r.hgetall("h");
    const errors: Array<[string[], string]> = [
      [["HSET", "h"], "ERR wrong number of arguments for 'hset' command"],
      [["HSET", "h", "a"], "ERR wrong number of arguments for 'hset' command"],
      [["HSET", "h", "a", "1", "b"], "ERR wrong number of arguments for 'hset' command"],
      [["HMSET", "h", "a", "1", "b"], "ERR wrong number of arguments for 'hmset' command"],
      [["HSETNX", "h", "a"], "ERR wrong number of arguments for 'hsetnx' command"],
      [["HGET", "h"], "ERR wrong number of arguments for 'hget' command"],
      [["HMGET", "h"], "ERR wrong number of arguments for 'hmget' command"],
      [["HGETALL"], "ERR wrong number of arguments for 'hgetall' command"],
      [["HDEL", "h"], "ERR wrong number of arguments for 'hdel' command"],
      [["HLEN", "h", "x"], "ERR wrong number of arguments for 'hlen' command"],
      [["HINCRBY", "h", "a"], "ERR wrong number of arguments for 'hincrby' command"],
      [["HINCRBY", "h", "a", "x"], "ERR value is not an integer or out of range"],
      [["HINCRBY", "h", "a", "1.5"], "ERR value is not an integer or out of range"],
      [["HINCRBY", "h", "a", "9223372036854775808"], "ERR value is not an integer or out of range"],
      [["HINCRBY", "h", "s", "1"], "ERR hash value is not an integer"],
      [["HINCRBY", "h", "fl", "1"], "ERR hash value is not an integer"],
      [["HINCRBY", "h", "big", "1"], "ERR increment or decrement would overflow"],
      [["HINCRBY", "h", "neg", "-1"], "ERR increment or decrement would overflow"],
      [["HINCRBYFLOAT", "h", "a", "x"], "ERR value is not a valid float"],
      [["HINCRBYFLOAT", "h", "a", " 1"], "ERR value is not a valid float"],
      [["HINCRBYFLOAT", "h", "a", "nan"], "ERR value is not a valid float"],
      [["HINCRBYFLOAT", "h", "a", "inf"], "ERR value is NaN or Infinity"],
      [["HINCRBYFLOAT", "h", "s", "1"], "ERR hash value is not a float"],
      [["HINCRBYFLOAT", "h", "sp", "1"], "ERR hash value is not a float"],
      [["HRANDFIELD", "h", "x"], "ERR value is not an integer or out of range"],
      [["HRANDFIELD", "h", "1", "WITHVALUE"], "ERR syntax error"],
      [["HRANDFIELD", "h", "1", "WITHVALUES", "x"], "ERR syntax error"],
      [["HRANDFIELD", "h", "-9223372036854775808"], "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"],
      [["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"], "ERR value is out of range"],
      [["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"], "ERR value is out of range"],
      [["HSCAN", "h", "x"], "ERR invalid cursor"],
      [["HSCAN", "h", "-1"], "ERR invalid cursor"],
      [["HSCAN", "h", "0", "COUNT", "0"], "ERR syntax error"],
      [["HSCAN", "h", "0", "COUNT", "x"], "ERR value is not an integer or out of range"],
      [["HSCAN", "h", "0", "COUNT"], "ERR syntax error"],
      [["HSCAN", "h", "0", "MATCH"], "ERR syntax error"],
      [["HSCAN", "h", "0", "NOSCORES"], "ERR NOSCORES option can only be used in ZSCAN"],
      [["HSCAN", "h", "0", "TYPE", "hash"], "ERR syntax error"],
    ];
    for (const cmd of ["HSET", "HSETNX", "HGET", "HMGET", "HGETALL", "HDEL", "HEXISTS", "HLEN", "HKEYS", "HVALS", "HSTRLEN", "HINCRBY", "HINCRBYFLOAT", "HRANDFIELD", "HSCAN", "HMSET"]) {
      const args: Record<string, string[]> = {
        HSET: ["a", "1"], HMSET: ["a", "1"], HSETNX: ["a", "1"], HGET: ["a"], HMGET: ["a"], HDEL: ["a"], HEXISTS: ["a"],
        HSTRLEN: ["a"], HINCRBY: ["a", "1"], HINCRBYFLOAT: ["a", "1"], HSCAN: ["0"], HRANDFIELD: [],
      };
      errors.push([[cmd, "str", ...(args[cmd] ?? [])], WRONGTYPE]);
    }
    errors.push([["HRANDFIELD", "str", "3"], WRONGTYPE], [["HRANDFIELD", "str", "0"], WRONGTYPE]);
    for (const [args, err] of errors) expect(await raw.call(...args), args.join(" ")).toBe(`-${err}\r\n`);
    expect(await r.hgetall("h")).toEqual(before);
    expect(await r.get("str")).toBe("x");
    // a missing key short-circuits before the options are read, as in Valkey
    expect(await raw.call("HSCAN", "nokey", "0", "BADOPT")).toBe("*2\r\n$1\r\n0\r\n*0\r\n");
    // bad increments never create the key
    expect(await raw.call("HINCRBY", "nokey", "f", "x")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("HINCRBYFLOAT", "nokey", "f", "inf")).toBe("-ERR value is NaN or Infinity\r\n");
    expect(await r.dbsize()).toBe(2);
  });

  it("OBJECT ENCODING goes listpack -> hashtable for good, and COPY is deep with the same encoding", async () => {
    const r = ctx.ioredis();
    const raw = await ctx.raw();
    await r.config("SET", "hash-max-listpack-entries", "3");
    try {
      await r.hset("h", "a", "1", "b", "2", "c", "3");
      expect(await raw.call("OBJECT", "ENCODING", "h")).toBe("$8\r\nlistpack\r\n");
      expect(await r.copy("h", "small")).toBe(1);
      expect(await r.object("ENCODING", "small")).toBe("listpack");
      await r.hset("h", "d", "4");
      expect(await r.object("ENCODING", "h")).toBe("hashtable");
      // Valkey never converts back when the hash shrinks
      await r.hdel("h", "c", "d");
      expect(await raw.call("OBJECT", "ENCODING", "h")).toBe("$9\r\nhashtable\r\n");
      expect(await r.copy("h", "big")).toBe(1);
      expect(await r.object("ENCODING", "big")).toBe("hashtable");
      await r.hset("long", "f", "x".repeat(64));
      expect(await r.object("ENCODING", "long")).toBe("listpack");
      await r.hset("long", "g", "x".repeat(65));
      expect(await r.object("ENCODING", "long")).toBe("hashtable");

      // changing either copy leaves its source as it was
      await r.hset("small", "a", "changed", "z", "26");
      await r.hdel("small", "b");
      await r.hincrby("big", "a", 10);
      await r.hset("big", "new", "x");
      expect(await r.hgetall("h")).toEqual({ a: "1", b: "2" });
      // "small" became a hashtable (4 fields > 3): no insertion order, as in Valkey
      expect((await r.hkeys("small")).sort()).toEqual(["a", "c", "z"]);
      expect(await r.hgetall("small")).toEqual({ a: "changed", c: "3", z: "26" });
      expect(await r.hgetall("big")).toEqual({ a: "11", b: "2", new: "x" });
    } finally {
      await r.config("SET", "hash-max-listpack-entries", "128");
    }
  });

  it("DUMP and RESTORE round-trip listpack and hashtable hashes, and load redis-server's payload", async () => {
    const r = ctx.ioredis();
    await r.hset("small", "a", "1", "b", "hello", "c", "-7", "d", Buffer.from([0, 255, 13, 10]));
    await r.hset("big", ...Array.from({ length: 200 }, (_, i) => [`f${i}`, i % 3 ? `v${i}` : String(i * 1000)]).flat());
    for (const [key, type, enc] of [
      ["small", 16, "listpack"],
      ["big", 4, "hashtable"],
    ] as const) {
      const p = await r.dumpBuffer(key);
      expect(p[0]).toBe(type);
      expect(await r.restore(`${key}:copy`, 0, p)).toBe("OK");
      expect(await r.hgetallBuffer(`${key}:copy`)).toEqual(await r.hgetallBuffer(key));
      expect(await r.object("ENCODING", `${key}:copy`)).toBe(enc);
    }
    expect(await r.hkeys("small:copy")).toEqual(["a", "b", "c", "d"]);
    // DUMP of HSET h a 1 b 2 c hello on redis-server 7.0
    const fromRedis = Buffer.from("101b1b0000000600816102010181620202018163028568656c6c6f06ff0a00be10ed0842772901", "hex");
    expect(await r.restore("r", 0, fromRedis)).toBe("OK");
    expect(await r.hgetall("r")).toEqual({ a: "1", b: "2", c: "hello" });
    expect(await r.type("r")).toBe("hash");
  });
});
