import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { describeRuntimes, RawClient } from "../helpers/server.js";
import { startServer, type StartedServer } from "../../src/index.js";
import { encodingOf, type ListValue } from "../../src/commands/lists.js";
import { N } from "../../src/store.js";

const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join("")}`;

describeRuntimes("lists", (ctx) => {
  beforeEach(() => ctx.flush());

  it("pushes, pops, ranges and indexes through ioredis", async () => {
    const r = ctx.ioredis();
    expect(await r.rpush("l", "a", "b", "c")).toBe(3);
    expect(await r.lpush("l", "x", "y")).toBe(5);
    expect(await r.lrange("l", 0, -1)).toEqual(["y", "x", "a", "b", "c"]);
    expect(await r.lrange("l", -2, 100)).toEqual(["b", "c"]);
    expect(await r.lrange("l", 3, 1)).toEqual([]);
    expect(await r.lrange("missing", 0, -1)).toEqual([]);
    expect(await r.llen("l")).toBe(5);
    expect(await r.llen("missing")).toBe(0);
    expect(await r.lindex("l", 0)).toBe("y");
    expect(await r.lindex("l", -1)).toBe("c");
    expect(await r.lindex("l", 5)).toBeNull();
    expect(await r.lpop("l")).toBe("y");
    expect(await r.rpop("l")).toBe("c");
    expect(await r.lpop("l", 2)).toEqual(["x", "a"]);
    expect(await r.rpop("l", 10)).toEqual(["b"]);
    expect(await r.dbsize()).toBe(0);
    expect(await r.lpop("l")).toBeNull();
    expect(await r.rpushx("l", "a")).toBe(0);
    expect(await r.lpushx("l", "a")).toBe(0);
    expect(await r.dbsize()).toBe(0);
    await r.rpush("l", "m");
    expect(await r.lpushx("l", "a", "b")).toBe(3);
    expect(await r.rpushx("l", "z")).toBe(4);
    expect(await r.lrange("l", 0, -1)).toEqual(["b", "a", "m", "z"]);
  });

  it("LSET, LINSERT, LREM, LTRIM, LPOS", async () => {
    const r = ctx.ioredis();
    await r.rpush("l", "a", "b", "a", "c", "a");
    expect(await r.lset("l", -1, "A")).toBe("OK");
    expect(await r.lset("l", 0, "first")).toBe("OK");
    expect(await r.lrange("l", 0, -1)).toEqual(["first", "b", "a", "c", "A"]);
    expect(await r.linsert("l", "BEFORE", "c", "bc")).toBe(6);
    expect(await r.linsert("l", "AFTER", "A", "end")).toBe(7);
    expect(await r.linsert("l", "AFTER", "nope", "x")).toBe(-1);
    expect(await r.linsert("missing", "AFTER", "a", "x")).toBe(0);
    expect(await r.lrange("l", 0, -1)).toEqual(["first", "b", "a", "bc", "c", "A", "end"]);
    await r.del("l");
    await r.rpush("l", "1", "2", "1", "2", "1", "2", "1");
    expect(await r.lpos("l", "1")).toBe(0);
    expect(await r.lpos("l", "1", "RANK", 2)).toBe(2);
    expect(await r.lpos("l", "1", "RANK", -1)).toBe(6);
    expect(await r.lpos("l", "1", "COUNT", 0)).toEqual([0, 2, 4, 6]);
    expect(await r.lpos("l", "1", "RANK", -2, "COUNT", 2)).toEqual([4, 2]);
    expect(await r.lpos("l", "1", "COUNT", 0, "MAXLEN", 3)).toEqual([0, 2]);
    expect(await r.lpos("l", "9")).toBeNull();
    expect(await r.lpos("l", "9", "COUNT", 1)).toEqual([]);
    expect(await r.lpos("missing", "9", "COUNT", 1)).toEqual([]);
    expect(await r.lrem("l", -2, "1")).toBe(2);
    expect(await r.lrange("l", 0, -1)).toEqual(["1", "2", "1", "2", "2"]);
    expect(await r.lrem("l", 1, "2")).toBe(1);
    expect(await r.lrem("l", 0, "2")).toBe(2);
    expect(await r.lrange("l", 0, -1)).toEqual(["1", "1"]);
    expect(await r.lrem("l", 0, "1")).toBe(2);
    expect(await r.dbsize()).toBe(0);
    await r.rpush("t", "a", "b", "c", "d", "e");
    expect(await r.ltrim("t", 1, -2)).toBe("OK");
    expect(await r.lrange("t", 0, -1)).toEqual(["b", "c", "d"]);
    expect(await r.ltrim("t", 0, 100)).toBe("OK");
    expect(await r.lrange("t", 0, -1)).toEqual(["b", "c", "d"]);
    expect(await r.ltrim("missing", 0, 1)).toBe("OK");
    expect(await r.ltrim("t", 5, 1)).toBe("OK");
    expect(await r.dbsize()).toBe(0);
  });

  it("LMOVE, RPOPLPUSH and LMPOP", async () => {
    const r = ctx.ioredis();
    await r.rpush("src", "a", "b", "c");
    expect(await r.lmove("src", "dst", "LEFT", "RIGHT")).toBe("a");
    expect(await r.rpoplpush("src", "dst")).toBe("c");
    expect(await r.lrange("dst", 0, -1)).toEqual(["c", "a"]);
    expect(await r.lmove("src", "src", "LEFT", "RIGHT")).toBe("b");
    expect(await r.lrange("src", 0, -1)).toEqual(["b"]);
    expect(await r.lmove("src", "dst", "RIGHT", "LEFT")).toBe("b");
    expect(await r.dbsize()).toBe(1);
    expect(await r.lmove("missing", "dst", "LEFT", "LEFT")).toBeNull();
    expect(await r.call("LMPOP", "2", "missing", "dst", "RIGHT", "COUNT", "2")).toEqual(["dst", ["a", "c"]]);
    expect(await r.call("LMPOP", "1", "dst", "LEFT")).toEqual(["dst", ["b"]]);
    expect(await r.call("LMPOP", "1", "dst", "LEFT")).toBeNull();
    // rotating a single-element list onto itself keeps it
    await r.rpush("one", "x");
    expect(await r.rpoplpush("one", "one")).toBe("x");
    expect(await r.lrange("one", 0, -1)).toEqual(["x"]);
  });

  it("replies with Valkey's exact null and empty forms in RESP2 and RESP3", async () => {
    const raw = await ctx.raw();
    await raw.call("RPUSH", "l", "a");
    for (const proto of [2, 3]) {
      if (proto === 3) await raw.call("HELLO", "3");
      const nullBulk = proto === 3 ? "_\r\n" : "$-1\r\n";
      const nullArr = proto === 3 ? "_\r\n" : "*-1\r\n";
      expect(await raw.call("LPOP", "missing")).toBe(nullBulk);
      expect(await raw.call("LPOP", "missing", "1")).toBe(nullArr);
      expect(await raw.call("RPOP", "missing", "0")).toBe(nullArr);
      expect(await raw.call("LPOP", "l", "0")).toBe("*0\r\n");
      expect(await raw.call("LINDEX", "l", "9")).toBe(nullBulk);
      expect(await raw.call("LINDEX", "missing", "notanumber")).toBe(nullBulk);
      expect(await raw.call("LPOS", "l", "zz")).toBe(nullBulk);
      expect(await raw.call("LPOS", "missing", "zz")).toBe(nullBulk);
      expect(await raw.call("LPOS", "missing", "zz", "COUNT", "0")).toBe("*0\r\n");
      expect(await raw.call("LMOVE", "missing", "x", "LEFT", "LEFT")).toBe(nullBulk);
      expect(await raw.call("LMPOP", "1", "missing", "LEFT")).toBe(nullArr);
      expect(await raw.call("LRANGE", "missing", "0", "-1")).toBe("*0\r\n");
      expect(await raw.call("LPOP", "l", "5")).toBe(arr(bulk("a")));
      expect(await raw.call("RPUSH", "l", "a")).toBe(":1\r\n");
      expect(await raw.call("LMPOP", "1", "l", "RIGHT", "COUNT", "3")).toBe(arr(bulk("l"), arr(bulk("a"))));
      expect(await raw.call("RPUSH", "l", "a")).toBe(":1\r\n");
    }
  });

  it("is binary safe and keeps integers-looking elements verbatim", async () => {
    const raw = await ctx.raw();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await raw.call("RPUSH", "bin", all, Buffer.from("\r\n"), "007", "-0", "1e3", "")).toBe(":6\r\n");
    const got = await raw.call("LRANGE", "bin", "0", "-1");
    expect(got).toBe(arr(bulk(all.toString("latin1")), bulk("\r\n"), bulk("007"), bulk("-0"), bulk("1e3"), bulk("")));
    expect(await raw.call("LPOS", "bin", all)).toBe(":0\r\n");
    expect(await raw.call("LREM", "bin", "0", "")).toBe(":1\r\n");
  });

  it("node-redis (RESP2 and RESP3) sees the same data", async () => {
    for (const resp of [2, 3] as const) {
      const n = await ctx.nodeRedis(resp);
      await n.del("nl");
      expect(await n.rPush("nl", ["a", "b", "c", "d"])).toBe(4);
      expect(await n.lRange("nl", 0, -1)).toEqual(["a", "b", "c", "d"]);
      expect(await n.lPopCount("nl", 2)).toEqual(["a", "b"]);
      expect(await n.lPopCount("missing", 2)).toBeNull();
      expect(await n.lPos("nl", "d")).toBe(1);
      expect(await n.lmPop(["missing", "nl"], "RIGHT", { COUNT: 5 })).toEqual(["nl", ["d", "c"]]);
      expect(await n.lmPop(["nl"], "RIGHT")).toBeNull();
    }
  });

  it("ioredis over RESP3 gets the same replies", async () => {
    const r = ctx.ioredis({ protocol: 3 } as never);
    await r.rpush("l3", "a", "b");
    expect(await r.lpop("l3", 5)).toEqual(["a", "b"]);
    expect(await r.lpop("l3", 5)).toBeNull();
    expect(await r.lpop("l3")).toBeNull();
  });

  it("handles long lists with O(1) ends", async () => {
    const r = ctx.ioredis();
    const p = r.pipeline();
    for (let i = 0; i < 20000; i++) p.rpush("big", String(i));
    for (let i = 0; i < 100; i++) p.lpush("big", "h" + i);
    await p.exec();
    expect(await r.llen("big")).toBe(20100);
    expect(await r.lindex("big", 0)).toBe("h99");
    expect(await r.lindex("big", -1)).toBe("19999");
    expect(await r.lindex("big", 10100)).toBe("10000");
    expect(await r.lset("big", -2, "x")).toBe("OK");
    expect(await r.lrange("big", -3, -1)).toEqual(["19997", "x", "19999"]);
    expect(await r.lpop("big", 99)).toHaveLength(99);
    expect(await r.ltrim("big", 1, 10)).toBe("OK");
    expect(await r.lrange("big", 0, -1)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  });

  it("rejects bad input with Valkey's errors and leaves the key unchanged", async () => {
    const raw = await ctx.raw();
    await raw.call("RPUSH", "l", "a", "b", "c");
    await raw.call("SET", "s", "str");
    const cases: Array<[Array<string>, string]> = [
      [["LPUSH", "l"], "ERR wrong number of arguments for 'lpush' command"],
      [["LPOP", "l", "1", "2"], "ERR wrong number of arguments for 'lpop' command"],
      [["RPOP", "l", "1", "2"], "ERR wrong number of arguments for 'rpop' command"],
      [["LLEN"], "ERR wrong number of arguments for 'llen' command"],
      [["LPOP", "l", "-1"], "ERR value is out of range, must be positive"],
      [["LPOP", "l", "abc"], "ERR value is out of range, must be positive"],
      [["LPOP", "missing", "abc"], "ERR value is out of range, must be positive"],
      [["LRANGE", "l", "a", "1"], "ERR value is not an integer or out of range"],
      [["LRANGE", "l", "0", "99999999999999999999"], "ERR value is not an integer or out of range"],
      [["LINDEX", "l", "1.5"], "ERR value is not an integer or out of range"],
      [["LSET", "l", "x", "v"], "ERR value is not an integer or out of range"],
      [["LSET", "l", "3", "v"], "ERR index out of range"],
      [["LSET", "l", "-4", "v"], "ERR index out of range"],
      [["LSET", "missing", "0", "v"], "ERR no such key"],
      [["LINSERT", "l", "MIDDLE", "a", "v"], "ERR syntax error"],
      [["LINSERT", "missing", "MIDDLE", "a", "v"], "ERR syntax error"],
      [["LREM", "l", "x", "a"], "ERR value is not an integer or out of range"],
      [
        ["LREM", "l", "-9223372036854775808", "a"],
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
      ],
      [["LTRIM", "l", "0", "x"], "ERR value is not an integer or out of range"],
      [
        ["LPOS", "l", "a", "RANK", "0"],
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
      ],
      [["LPOS", "l", "a", "RANK", "x"], "ERR value is not an integer or out of range"],
      [["LPOS", "l", "a", "COUNT", "-1"], "ERR COUNT can't be negative"],
      [["LPOS", "l", "a", "COUNT", "x"], "ERR COUNT can't be negative"],
      [["LPOS", "l", "a", "MAXLEN", "-1"], "ERR MAXLEN can't be negative"],
      [["LPOS", "l", "a", "COUNT"], "ERR syntax error"],
      [["LPOS", "l", "a", "FOO", "1"], "ERR syntax error"],
      [["LMOVE", "l", "d", "UP", "LEFT"], "ERR syntax error"],
      [["LMOVE", "l", "d", "LEFT", "DOWN"], "ERR syntax error"],
      [["LMPOP", "0", "l", "LEFT"], "ERR numkeys should be greater than 0"],
      [["LMPOP", "x", "l", "LEFT"], "ERR numkeys should be greater than 0"],
      [["LMPOP", "5", "l", "LEFT"], "ERR syntax error"],
      [["LMPOP", "1", "l", "MIDDLE"], "ERR syntax error"],
      [["LMPOP", "1", "l", "LEFT", "COUNT", "0"], "ERR count should be greater than 0"],
      [["LMPOP", "1", "l", "LEFT", "COUNT", "-3"], "ERR count should be greater than 0"],
      [["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"], "ERR syntax error"],
      [["LMPOP", "1", "l", "LEFT", "COUNT"], "ERR syntax error"],
      [["LPUSH", "s", "x"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["RPUSHX", "s", "x"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LRANGE", "s", "0", "1"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LPOP", "s"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LLEN", "s"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LINDEX", "s", "x"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LPOS", "s", "x"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LMOVE", "l", "s", "LEFT", "LEFT"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["RPOPLPUSH", "s", "l"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
      [["LMPOP", "2", "missing", "s", "LEFT"], "WRONGTYPE Operation against a key holding the wrong kind of value"],
    ];
    for (const [cmd, err] of cases) expect([cmd.join(" "), await raw.call(...cmd)]).toEqual([cmd.join(" "), `-${err}\r\n`]);
    expect(await raw.call("LRANGE", "l", "0", "-1")).toBe(arr(bulk("a"), bulk("b"), bulk("c")));
    expect(await raw.call("GET", "s")).toBe(bulk("str"));
  });
});

describe("lists in-process: keyspace events, WATCH and encodings", () => {
  let srv: StartedServer;
  let r: Redis;
  const events: string[] = [];
  beforeAll(async () => {
    srv = await startServer({ config: { "list-max-listpack-size": 4 } });
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
  const encoding = (key: string) => encodingOf(srv.server.store.dbs[0]!.keys.get(key)!.value as ListValue);

  it("emits Valkey's events, with del when the last element goes", async () => {
    await r.rpush("l", "a", "b", "c");
    await r.lpush("l", "z");
    await r.lset("l", 0, "y");
    await r.linsert("l", "AFTER", "y", "q");
    await r.linsert("l", "AFTER", "nope", "q");
    await r.lrem("l", 1, "q");
    await r.ltrim("l", 0, -1);
    await r.ltrim("l", 1, -1);
    await r.lmove("l", "d", "LEFT", "RIGHT");
    await r.rpop("l", 5);
    await r.call("LMPOP", "1", "d", "LEFT");
    expect(events).toEqual([
      "rpush:l",
      "lpush:l",
      "lset:l",
      "linsert:l",
      "lrem:l",
      "ltrim:l",
      "ltrim:l",
      "rpush:d",
      "lpop:l",
      "rpop:l",
      "del:l",
      "lpop:d",
      "del:d",
    ]);
  });

  it("invalidates WATCH on every change and not on failed writes", async () => {
    await r.rpush("w", "a");
    const w = new Redis({ port: srv.port, host: "127.0.0.1" });
    await w.watch("w");
    await r.linsert("w", "BEFORE", "nope", "x");
    await r.lrem("w", 0, "nope");
    expect(await w.multi().get("x").exec()).toEqual([[null, null]]);
    await w.watch("w");
    await r.lpush("w", "b");
    expect(await w.multi().get("x").exec()).toBeNull();
    w.disconnect();
  });

  it("converts listpack <-> quicklist at list-max-listpack-size", async () => {
    await r.rpush("e", "1", "2", "3", "4");
    expect(encoding("e")).toBe("listpack");
    await r.rpush("e", "5");
    expect(encoding("e")).toBe("quicklist");
    await r.rpop("e", 2);
    expect(encoding("e")).toBe("quicklist");
    await r.rpop("e");
    expect(encoding("e")).toBe("listpack");
    srv.server.config.params.set("list-max-listpack-size", "-1");
    await r.rpush("b", "x".repeat(4090));
    expect(encoding("b")).toBe("quicklist");
    await r.rpush("s", "x".repeat(3000));
    expect(encoding("s")).toBe("listpack");
    await r.lset("s", 0, "y".repeat(5000));
    expect(encoding("s")).toBe("quicklist");
    await r.lset("s", 0, "y");
    expect(encoding("s")).toBe("listpack");
  });
});
