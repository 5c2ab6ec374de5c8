import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

/** The bulk strings of one RESP2 array / RESP3 push frame of bulks. */
function bulks(frame: string): string[] {
  const out: string[] = [];
  const re = /\$(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(frame)) !== null) {
    const start = m.index + m[0].length;
    out.push(frame.slice(start, start + Number(m[1])));
    re.lastIndex = start + Number(m[1]) + 2;
  }
  return out;
}

const E = (event: string, key: string, db = 0) => `__keyevent@${db}__:${event} ${key}`;
const K = (key: string, event: string, db = 0) => `__keyspace@${db}__:${key} ${event}`;

describeRuntimes(
  "keyspace notifications",
  (ctx) => {
    /**
     * Set notify-keyspace-events, run commands on one connection, and return every keyspace / keyevent message
     * another connection received meanwhile as "channel message" (a PUBLISH to "fence" marks the end).
     */
    async function events(flags: string, run: (r: RawClient) => Promise<unknown>): Promise<string[]> {
      const admin = await ctx.raw();
      expect(await admin.call("CONFIG", "SET", "notify-keyspace-events", flags)).toBe("+OK\r\n");
      await admin.call("FLUSHALL");
      const sub = await ctx.raw();
      await sub.call("PSUBSCRIBE", "__key*__:*");
      await sub.call("SUBSCRIBE", "fence");
      const r = await ctx.raw();
      await run(r);
      expect(await r.call("PUBLISH", "fence", "end")).toBe(":1\r\n");
      const got: string[] = [];
      for (;;) {
        const [kind, ...rest] = bulks(await sub.read());
        if (kind === "message") break;
        expect(kind).toBe("pmessage");
        got.push(`${rest[1]} ${rest[2]}`);
      }
      for (const c of [admin, sub, r]) c.close();
      return got;
    }

    async function seq(r: RawClient, ...cmds: Array<Array<string | number | Buffer>>): Promise<void> {
      for (const cmd of cmds) {
        const reply = await r.call(...cmd);
        expect([cmd.join(" "), reply.startsWith("-")]).toEqual([cmd.join(" "), false]);
      }
    }

    it("K publishes on __keyspace@<db>__:<key>, E on __keyevent@<db>__:<event>; keyspace first; exact frames in RESP2 and RESP3", async () => {
      expect(await events("KE$", (r) => seq(r, ["SET", "k", "v"]))).toEqual([K("k", "set"), E("set", "k")]);
      expect(await events("K$", (r) => seq(r, ["SET", "k", "v"]))).toEqual([K("k", "set")]);
      expect(await events("E$", (r) => seq(r, ["SET", "k", "v"]))).toEqual([E("set", "k")]);
      expect(await events("E$", (r) => seq(r, ["SELECT", "3"], ["SET", "k", "v"], ["SELECT", "0"]))).toEqual([E("set", "k", 3)]);
      // byte-exact frames, RESP2 then RESP3 (binary-safe key)
      const bin = (s: string) => Buffer.from(s, "latin1");
      const admin = await ctx.raw();
      await admin.call("CONFIG", "SET", "notify-keyspace-events", "KEg");
      const s2 = await ctx.raw();
      await s2.call("PSUBSCRIBE", "__keyevent@*");
      const s3 = await ctx.raw();
      await s3.call("HELLO", "3");
      expect(await s3.call("SUBSCRIBE", bin("__keyspace@0__:a\xffb"))).toBe(">3\r\n$9\r\nsubscribe\r\n$18\r\n__keyspace@0__:a\xffb\r\n:1\r\n");
      await admin.call("SET", bin("a\xffb"), "v");
      expect(await admin.call("DEL", bin("a\xffb"))).toBe(":1\r\n");
      expect(await s2.read()).toBe("*4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$18\r\n__keyevent@0__:del\r\n$3\r\na\xffb\r\n");
      expect(await s3.read()).toBe(">3\r\n$7\r\nmessage\r\n$18\r\n__keyspace@0__:a\xffb\r\n$3\r\ndel\r\n");
      await admin.call("CONFIG", "SET", "notify-keyspace-events", "");
    });

    it("no K and no E publishes nothing, whatever classes are on", async () => {
      expect(await events("g$lzxtmn", (r) => seq(r, ["SET", "k", "v"], ["DEL", "k"], ["GET", "k"], ["LPUSH", "l", "a"]))).toEqual([]);
    });

    it("g: generic commands (DEL, EXPIRE, PERSIST, RENAME, COPY, MOVE, RESTORE, GETDEL, GETEX, SET EX)", async () => {
      const got = await events("Eg", async (r) => {
        await seq(
          r,
          ["SET", "g1", "v"],
          ["EXPIRE", "g1", "100"],
          ["PEXPIREAT", "g1", "99999999999999"],
          ["PERSIST", "g1"],
          ["PERSIST", "g1"],
          ["RENAME", "g1", "g2"],
          ["COPY", "g2", "g3"],
          ["MOVE", "g3", "1"],
          ["DEL", "g2", "nothing"],
          ["SET", "g4", "v"],
          ["EXPIRE", "g4", "0"],
          ["SET", "g5", "v", "EX", "100"],
          ["GETEX", "g5", "PERSIST"],
          ["GETEX", "g5", "PX", "100000"],
          ["GETDEL", "g5"],
          ["SET", "g6", "v"],
          ["UNLINK", "g6"],
        );
        const dump = await r.call("DUMP", "missing");
        expect(dump).toBe("$-1\r\n");
        await seq(r, ["SET", "g7", "v"]);
        const payload = await r.call("DUMP", "g7");
        const bytes = Buffer.from(payload.slice(payload.indexOf("\r\n") + 2, -2), "latin1");
        await seq(r, ["RESTORE", "g8", "0", bytes]);
      });
      expect(got).toEqual([
        E("expire", "g1"),
        E("expire", "g1"),
        E("persist", "g1"),
        E("rename_from", "g1"),
        E("rename_to", "g2"),
        E("copy_to", "g3"),
        E("move_from", "g3"),
        E("move_to", "g3", 1),
        E("del", "g2"),
        E("del", "g4"),
        E("expire", "g5"),
        E("persist", "g5"),
        E("expire", "g5"),
        E("del", "g5"),
        E("del", "g6"),
        E("restore", "g8"),
      ]);
    });

    it("$: string commands", async () => {
      const got = await events("E$", (r) =>
        seq(
          r,
          ["SET", "s", "v"],
          ["SET", "s", "v", "NX"],
          ["APPEND", "s", "x"],
          ["SETRANGE", "s", "0", "y"],
          ["SETRANGE", "s", "0", ""],
          ["GETSET", "s", "z"],
          ["SET", "s", "w", "GET"],
          ["INCR", "n"],
          ["INCRBY", "n", "2"],
          ["DECR", "n"],
          ["DECRBY", "n", "1"],
          ["INCRBYFLOAT", "f", "1.5"],
          ["SETBIT", "b", "1", "1"],
          ["BITFIELD", "bf", "SET", "u8", "0", "5"],
          ["BITOP", "OR", "bo", "b", "b"],
          ["MSET", "m1", "a", "m2", "b"],
          ["MSETNX", "m3", "a"],
          ["SETNX", "m4", "a"],
          ["SETEX", "m5", "10", "v"],
          ["PSETEX", "m6", "10000", "v"],
          ["GET", "s"],
        ),
      );
      expect(got).toEqual([
        E("set", "s"),
        E("append", "s"),
        E("setrange", "s"),
        E("set", "s"),
        E("set", "s"),
        E("incrby", "n"),
        E("incrby", "n"),
        E("incrby", "n"),
        E("incrby", "n"),
        E("incrbyfloat", "f"),
        E("setbit", "b"),
        E("setbit", "bf"),
        E("set", "bo"),
        E("set", "m1"),
        E("set", "m2"),
        E("set", "m3"),
        E("set", "m4"),
        E("set", "m5"),
        E("set", "m6"),
      ]);
    });

    it("l: list commands (and the del of an emptied list is generic)", async () => {
      const cmds: Array<Array<string>> = [
        ["RPUSH", "l", "a", "b", "c"],
        ["LPUSH", "l", "z"],
        ["LPUSHX", "l", "w"],
        ["RPUSHX", "nolist", "w"],
        ["LINSERT", "l", "BEFORE", "a", "y"],
        ["LSET", "l", "0", "q"],
        ["LREM", "l", "1", "y"],
        ["LTRIM", "l", "0", "2"],
        ["LMOVE", "l", "l2", "RIGHT", "LEFT"],
        ["RPOP", "l"],
        ["LPOP", "l"],
      ];
      expect(await events("El", (r) => seq(r, ...cmds))).toEqual([
        E("rpush", "l"),
        E("lpush", "l"),
        E("lpush", "l"),
        E("linsert", "l"),
        E("lset", "l"),
        E("lrem", "l"),
        E("ltrim", "l"),
        E("lpush", "l2"),
        E("rpop", "l"),
        E("rpop", "l"),
        E("lpop", "l"),
      ]);
      expect(await events("Elg", (r) => seq(r, ["RPUSH", "l", "a"], ["LPOP", "l"]))).toEqual([E("rpush", "l"), E("lpop", "l"), E("del", "l")]);
    });

    it("h: hash commands (and the del of an emptied hash is generic)", async () => {
      const cmds: Array<Array<string>> = [
        ["HSET", "h", "a", "1", "b", "2"],
        ["HSET", "h", "a", "1"],
        ["HSETNX", "h", "a", "x"],
        ["HSETNX", "h", "c", "3"],
        ["HMSET", "h", "d", "4"],
        ["HINCRBY", "h", "n", "5"],
        ["HINCRBYFLOAT", "h", "f", "1.5"],
        ["HDEL", "h", "zz"],
        ["HDEL", "h", "a", "b"],
      ];
      expect(await events("Eh", (r) => seq(r, ...cmds))).toEqual([
        E("hset", "h"),
        E("hset", "h"),
        E("hset", "h"),
        E("hset", "h"),
        E("hincrby", "h"),
        E("hincrbyfloat", "h"),
        E("hdel", "h"),
      ]);
      expect(await events("KEhg", (r) => seq(r, ["HSET", "h", "x", "1"], ["HDEL", "h", "x"]))).toEqual([
        K("h", "hset"),
        E("hset", "h"),
        K("h", "hdel"),
        E("hdel", "h"),
        K("h", "del"),
        E("del", "h"),
      ]);
    });

    it("s: set commands (SMOVE is srem + sadd; emptied or empty STORE results are a generic del)", async () => {
      const cmds: Array<Array<string>> = [
        ["SADD", "s", "a", "b", "c", "d"],
        ["SADD", "s", "a"],
        ["SREM", "s", "zz"],
        ["SREM", "s", "a"],
        ["SPOP", "s"],
        ["SPOP", "s", "1"],
        ["SADD", "t", "x", "y"],
        ["SMOVE", "t", "s", "x"],
        ["SMOVE", "t", "s", "nope"],
        ["SMOVE", "s", "s", "x"],
        ["SMOVE", "t", "u", "y"],
        ["SADD", "a1", "1", "2", "3"],
        ["SADD", "a2", "2", "3", "4"],
        ["SINTERSTORE", "si", "a1", "a2"],
        ["SUNIONSTORE", "su", "a1", "a2"],
        ["SDIFFSTORE", "sd", "a1", "a2"],
        ["SDIFFSTORE", "sd", "a1", "a1"],
        ["SINTERSTORE", "none", "a1", "nokey"],
        ["SUNIONSTORE", "si", "nokey"],
        ["SPOP", "su", "10"],
        ["SADD", "p", "1"],
        ["SPOP", "p"],
      ];
      const s = [
        E("sadd", "s"),
        E("srem", "s"),
        E("spop", "s"),
        E("spop", "s"),
        E("sadd", "t"),
        E("srem", "t"),
        E("sadd", "s"),
        E("srem", "t"),
        E("sadd", "u"),
        E("sadd", "a1"),
        E("sadd", "a2"),
        E("sinterstore", "si"),
        E("sunionstore", "su"),
        E("sdiffstore", "sd"),
        E("spop", "su"),
        E("sadd", "p"),
        E("spop", "p"),
      ];
      expect(await events("Es", (r) => seq(r, ...cmds))).toEqual(s);
      const withDel = [...s];
      withDel.splice(withDel.indexOf(E("sadd", "u")), 0, E("del", "t"));
      withDel.splice(withDel.indexOf(E("spop", "su")), 0, E("del", "sd"), E("del", "si"));
      withDel.splice(withDel.indexOf(E("sadd", "p")), 0, E("del", "su"));
      withDel.push(E("del", "p"));
      expect(await events("Esg", (r) => seq(r, ...cmds))).toEqual(withDel);
    });

    it("z: sorted-set and geo commands", async () => {
      const got = await events("Ez", (r) =>
        seq(
          r,
          ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
          ["ZADD", "z", "1", "a"],
          ["ZINCRBY", "z", "1", "a"],
          ["ZADD", "z", "INCR", "1", "a"],
          ["ZREM", "z", "b", "nope"],
          ["ZPOPMIN", "z"],
          ["ZPOPMAX", "z"],
          ["ZADD", "z2", "1", "x", "2", "y"],
          ["ZUNIONSTORE", "zu", "1", "z2"],
          ["ZINTERSTORE", "zi", "1", "z2"],
          ["ZDIFFSTORE", "zd", "1", "z2"],
          ["ZRANGESTORE", "zr", "z2", "0", "-1"],
          ["ZREMRANGEBYRANK", "zu", "0", "0"],
          ["ZREMRANGEBYSCORE", "zi", "-inf", "1"],
          ["ZREMRANGEBYLEX", "zd", "-", "[x"],
          ["GEOADD", "geo", "13.361389", "38.115556", "Palermo"],
          ["GEOSEARCHSTORE", "gs", "geo", "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "10", "km"],
          ["GEORADIUS", "geo", "13.36", "38.11", "10", "km", "STORE", "gr"],
        ),
      );
      expect(got).toEqual([
        E("zadd", "z"),
        E("zincr", "z"),
        E("zincr", "z"),
        E("zrem", "z"),
        E("zpopmin", "z"),
        E("zpopmax", "z"),
        E("zadd", "z2"),
        E("zunionstore", "zu"),
        E("zinterstore", "zi"),
        E("zdiffstore", "zd"),
        E("zrangestore", "zr"),
        E("zremrangebyrank", "zu"),
        E("zremrangebyscore", "zi"),
        E("zremrangebylex", "zd"),
        E("zadd", "geo"),
        E("geosearchstore", "gs"),
        E("georadiusstore", "gr"),
      ]);
    });

    it("t: stream commands", async () => {
      const got = await events("Et", (r) =>
        seq(
          r,
          ["XADD", "x", "1-0", "f", "v"],
          ["XADD", "x", "2-0", "f", "v"],
          ["XADD", "nostream", "NOMKSTREAM", "*", "f", "v"],
          ["XTRIM", "x", "MAXLEN", "1"],
          ["XADD", "x", "3-0", "f", "v"],
          ["XDEL", "x", "3-0"],
          ["XGROUP", "CREATE", "x", "g", "0"],
          ["XGROUP", "CREATE", "x2", "g", "$", "MKSTREAM"],
          ["XGROUP", "CREATECONSUMER", "x", "g", "alice"],
          ["XGROUP", "SETID", "x", "g", "0"],
          ["XSETID", "x", "10-0"],
          ["XGROUP", "DELCONSUMER", "x", "g", "alice"],
          ["XGROUP", "DESTROY", "x", "g"],
        ),
      );
      expect(got).toEqual([
        E("xadd", "x"),
        E("xadd", "x"),
        E("xtrim", "x"),
        E("xadd", "x"),
        E("xdel", "x"),
        E("xgroup-create", "x"),
        E("xgroup-create", "x2"),
        E("xgroup-createconsumer", "x"),
        E("xgroup-setid", "x"),
        E("xsetid", "x"),
        E("xgroup-delconsumer", "x"),
        E("xgroup-destroy", "x"),
      ]);
    });

    it("x: lazy expiry fires 'expired' when a command finds the key stale", async () => {
      const got = await events("Ex", async (r) => {
        await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        await seq(r, ["SET", "e1", "v", "PX", "100"], ["SET", "e2", "v", "PX", "100"], ["SET", "e3", "v", "EX", "100"]);
        await r.call("DEBUG", "CLOCK", "ADVANCE", "200");
        expect(await r.call("GET", "e1")).toBe("$-1\r\n");
        expect(await r.call("EXISTS", "e2", "e3")).toBe(":1\r\n");
        expect(await r.call("GET", "e1")).toBe("$-1\r\n");
        await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
      });
      expect(got).toEqual([E("expired", "e1"), E("expired", "e2")]);
    });

    it("x: active expiry fires 'expired' for a key nobody touches", async () => {
      const admin = await ctx.raw();
      await admin.call("CONFIG", "SET", "notify-keyspace-events", "KEx");
      const sub = await ctx.raw();
      sub.send("SUBSCRIBE", "__keyevent@0__:expired", "__keyspace@0__:ax");
      await sub.read();
      await sub.read();
      await admin.call("SET", "ax", "v", "PX", "50");
      // the expiry cycle runs 10 times a second: well within a second
      const got = [bulks(await sub.read(1500)), bulks(await sub.read(1500))];
      expect(got).toEqual([
        ["message", "__keyspace@0__:ax", "expired"],
        ["message", "__keyevent@0__:expired", "ax"],
      ]);
      expect(await admin.call("EXISTS", "ax")).toBe(":0\r\n");
      await admin.call("CONFIG", "SET", "notify-keyspace-events", "");
    });

    it("m: key misses of read lookups fire 'keymiss'; 'A' does not include m", async () => {
      const reads = (r: RawClient) => seq(r, ["GET", "miss"], ["MGET", "m1", "m2"], ["EXISTS", "m3"], ["LRANGE", "m4", "0", "-1"], ["SET", "hit", "v"], ["GET", "hit"]);
      expect(await events("Em", reads)).toEqual([E("keymiss", "miss"), E("keymiss", "m1"), E("keymiss", "m2"), E("keymiss", "m3"), E("keymiss", "m4")]);
      expect(await events("EA", reads)).toEqual([E("set", "hit")]);
    });

    it("n: 'new' fires when a key is created, before the command's own event; 'A' does not include n", async () => {
      const cmds = (r: RawClient) =>
        seq(
          r,
          ["SET", "n1", "v"],
          ["SET", "n1", "v2"],
          ["RPUSH", "nl", "a"],
          ["RPUSH", "nl", "b"],
          ["SET", "n2", "v"],
          ["RENAME", "n2", "n1"],
          ["COPY", "n1", "n3"],
          ["COPY", "n1", "n3", "REPLACE"],
          ["ZADD", "nz", "1", "a"],
          ["XADD", "nx", "*", "f", "v"],
          ["INCR", "ni"],
        );
      expect(await events("En", cmds)).toEqual([E("new", "n1"), E("new", "nl"), E("new", "n2"), E("new", "n1"), E("new", "n3"), E("new", "n3"), E("new", "nz"), E("new", "nx"), E("new", "ni")]);
      expect(await events("E$gn", (r) => seq(r, ["SET", "a", "1"], ["RENAME", "a", "b"]))).toEqual([
        E("new", "a"),
        E("set", "a"),
        E("new", "b"),
        E("rename_from", "a"),
        E("rename_to", "b"),
      ]);
      const all = await events("EA", cmds);
      expect(all.some((e) => e.includes(":new "))).toBe(false);
      expect(all.length).toBeGreaterThan(0);
      // CONFIG GET shows 'A' without the n that is still in force (Valkey's keyspaceEventsFlagsToString)
      const admin = await ctx.raw();
      await admin.call("CONFIG", "SET", "notify-keyspace-events", "KEAn");
      expect(await admin.call("CONFIG", "GET", "notify-keyspace-events")).toBe("*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n");
      expect(await events("KEAn", (r) => seq(r, ["SET", "z", "1"]))).toEqual([K("z", "new"), E("new", "z"), K("z", "set"), E("set", "z")]);
    });

    it("A: g$lshzxetd together; e and d fire nothing here (no eviction, modules), nor h/s for other types", async () => {
      const got = await events("EA", async (r) => {
        await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        await seq(
          r,
          ["SET", "s", "v", "PX", "10"],
          ["RPUSH", "l", "a"],
          ["ZADD", "z", "1", "m"],
          ["XADD", "x", "1-0", "f", "v"],
          ["HSET", "h", "f", "v"],
          ["SADD", "st", "m"],
          ["DEL", "l"],
        );
        await r.call("DEBUG", "CLOCK", "ADVANCE", "20");
        await r.call("GET", "s");
        await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
      });
      expect(got).toEqual([
        E("set", "s"),
        E("expire", "s"),
        E("rpush", "l"),
        E("zadd", "z"),
        E("xadd", "x"),
        E("hset", "h"),
        E("sadd", "st"),
        E("del", "l"),
        E("expired", "s"),
      ]);
      const none = await events("Eedhs", (r) => seq(r, ["SET", "s", "v"], ["RPUSH", "l", "a"], ["DEL", "s", "l"], ["GET", "s"]));
      expect(none).toEqual([]);
    });

    it("events inside MULTI/EXEC are the same as outside", async () => {
      const got = await events("E$g", async (r) => {
        await seq(r, ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["EXPIRE", "t", "10"], ["DEL", "t"], ["EXEC"]);
      });
      expect(got).toEqual([E("set", "t"), E("incrby", "t"), E("expire", "t"), E("del", "t")]);
    });

    it("real clients: ioredis psubscribe and node-redis (RESP3) pSubscribe receive events", async () => {
      const admin = ctx.ioredis();
      await admin.config("SET", "notify-keyspace-events", "KE$");
      const io = ctx.ioredis();
      await io.psubscribe("__keyevent@0__:*");
      const ioGot = new Promise<string[]>((resolve) => io.once("pmessage", (_p: string, ch: string, msg: string) => resolve([ch, msg])));
      const nr = await ctx.nodeRedis(3);
      const nrGot = new Promise<string[]>((resolve) => void nr.pSubscribe("__keyspace@0__:*", (msg: string, ch: string) => resolve([ch, msg])));
      await new Promise((r) => setTimeout(r, 50));
      await admin.set("rc", "v");
      expect(await ioGot).toEqual(["__keyevent@0__:set", "rc"]);
      expect(await nrGot).toEqual(["__keyspace@0__:rc", "set"]);
      await admin.config("SET", "notify-keyspace-events", "");
    });
  },
  ["--test-clock"],
);
