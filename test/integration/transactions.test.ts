import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

const NOT_IN_MULTI = "-ERR Command not allowed inside a transaction\r\n";
const EXECABORT = "-EXECABORT Transaction discarded because of previous errors.\r\n";

describeRuntimes(
  "transactions",
  (ctx) => {
    /** WATCH `key` on a fresh connection, let `write` run on another one, then MULTI / PING / EXEC. */
    async function execAfter(key: string | string[], write: (other: RawClient) => Promise<unknown>): Promise<string> {
      const a = await ctx.raw();
      const b = await ctx.raw();
      expect(await a.call("WATCH", ...(Array.isArray(key) ? key : [key]))).toBe("+OK\r\n");
      await write(b);
      expect(await a.call("MULTI")).toBe("+OK\r\n");
      expect(await a.call("PING")).toBe("+QUEUED\r\n");
      const reply = await a.call("EXEC");
      a.close();
      b.close();
      return reply;
    }
    const ABORTED = "*-1\r\n";
    const RAN = "*1\r\n+PONG\r\n";

    it("ioredis multi().exec(): replies per command, in order, with errors inside EXEC as per-command errors", async () => {
      const r = ctx.ioredis();
      await r.del("tx:s", "tx:l");
      const res = await r.multi().set("tx:s", "1").incr("tx:s").lpush("tx:s", "x").get("tx:s").exec();
      expect(res![0]).toEqual([null, "OK"]);
      expect(res![1]).toEqual([null, 2]);
      expect((res![2]![0] as Error).message).toBe("WRONGTYPE Operation against a key holding the wrong kind of value");
      expect(res![3]).toEqual([null, "2"]);
      // a runtime error does not roll anything back
      expect(await r.get("tx:s")).toBe("2");
      // the same commands pipelined without MULTI
      const p = await r.pipeline().set("tx:l", "a").append("tx:l", "b").get("tx:l").exec();
      expect(p).toEqual([
        [null, "OK"],
        [null, 2],
        [null, "ab"],
      ]);
    });

    it("ioredis: MULTI without pipelining answers QUEUED, then EXEC runs the queue", async () => {
      const r = ctx.ioredis();
      await r.del("tx:q");
      expect(await r.multi({ pipeline: false })).toBe("OK");
      expect(await r.set("tx:q", "v")).toBe("QUEUED");
      expect(await r.get("tx:q")).toBe("QUEUED");
      expect(await r.exec()).toEqual([
        [null, "OK"],
        [null, "v"],
      ]);
    });

    it("ioredis: a queue-time error makes EXEC fail with EXECABORT and nothing runs", async () => {
      const r = ctx.ioredis();
      await r.del("tx:ab1", "tx:ab2");
      const err = await r
        .multi()
        .set("tx:ab1", "1")
        .call("NOSUCHCOMMAND", "x")
        .set("tx:ab2", "2")
        .exec()
        .catch((e: Error & { previousErrors?: Error[] }) => e);
      expect((err as Error).message).toBe("EXECABORT Transaction discarded because of previous errors.");
      expect((err as { previousErrors: Error[] }).previousErrors.map((e) => e.message)).toEqual([
        "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
      ]);
      expect(await r.exists("tx:ab1", "tx:ab2")).toBe(0);
      // the connection left MULTI
      expect(await r.ping()).toBe("PONG");
    });

    it("ioredis: WATCH + a write from another client makes exec() resolve to null", async () => {
      const r = ctx.ioredis();
      const other = ctx.ioredis();
      await r.set("tx:w", "1");
      await r.watch("tx:w");
      await other.set("tx:w", "2");
      expect(await r.multi().set("tx:w", "3").exec()).toBeNull();
      expect(await r.get("tx:w")).toBe("2");
      // the failed EXEC unwatched everything: the next transaction runs
      await other.set("tx:w", "4");
      expect(await r.multi().set("tx:w", "5").exec()).toEqual([[null, "OK"]]);
      expect(await r.get("tx:w")).toBe("5");
    });

    it("node-redis (RESP2 and RESP3): exec(), WatchError, MultiErrorReply", async () => {
      for (const resp of [2, 3] as const) {
        const c = await ctx.nodeRedis(resp);
        const other = await ctx.nodeRedis(resp);
        const k = `tx:nr${resp}`;
        await c.del(k);
        expect(await c.multi().set(k, "1").incr(k).get(k).exec()).toEqual(["OK", 2, "2"]);
        await c.watch(k);
        await other.set(k, "changed");
        await expect(c.multi().set(k, "mine").exec()).rejects.toThrow("One (or more) of the watched keys has been changed");
        expect(await c.get(k)).toBe("changed");
        const err = await c
          .multi()
          .set(k, "x")
          .lPush(k, "y")
          .exec()
          .catch((e: unknown) => e);
        expect((err as { errorIndexes: number[] }).errorIndexes).toEqual([1]);
        expect(String((err as { replies: unknown[] }).replies[1])).toContain("WRONGTYPE");
        expect(await c.get(k)).toBe("x");
      }
    });

    it("raw bytes: +QUEUED, EXEC's array, errors inside it, empty transactions", async () => {
      const raw = await ctx.raw();
      await raw.call("DEL", "tx:r");
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("SET", "tx:r", "1")).toBe("+QUEUED\r\n");
      expect(await raw.call("INCRBY", "tx:r", "x")).toBe("+QUEUED\r\n");
      expect(await raw.call("LPUSH", "tx:r", "a")).toBe("+QUEUED\r\n");
      expect(await raw.call("GET", "tx:r")).toBe("+QUEUED\r\n");
      expect(await raw.call("EXEC")).toBe(
        "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n1\r\n",
      );
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("EXEC")).toBe("*0\r\n");
      // while its queue runs the client is still in MULTI: flag x and the queue length
      await raw.call("MULTI");
      await raw.call("PING");
      await raw.call("PING");
      expect(await raw.call("CLIENT", "INFO")).toBe("+QUEUED\r\n");
      const line = await raw.call("EXEC");
      expect(line.startsWith("*3\r\n+PONG\r\n+PONG\r\n$")).toBe(true);
      expect(line).toMatch(/ flags=x .* multi=3 /);
      expect(await raw.call("CLIENT", "INFO")).toMatch(/ flags=N .* multi=-1 /);
    });

    it("queue-time errors (unknown command, wrong arity, bad subcommand) abort EXEC and nothing runs", async () => {
      const raw = await ctx.raw();
      await raw.call("SET", "tx:qe", "orig");
      for (const bad of [["NOPE", "a"], ["SET", "tx:qe"], ["CONFIG", "NOSUCH"]]) {
        expect(await raw.call("MULTI")).toBe("+OK\r\n");
        expect(await raw.call("SET", "tx:qe", "changed")).toBe("+QUEUED\r\n");
        expect((await raw.call(...bad)).startsWith("-ERR ")).toBe(true);
        expect(await raw.call("SET", "tx:qe", "changed2")).toBe("+QUEUED\r\n");
        expect(await raw.call("EXEC")).toBe(EXECABORT);
        expect(await raw.call("GET", "tx:qe")).toBe("$4\r\norig\r\n");
      }
    });

    it("WATCH and MULTI inside MULTI are refused by the gate and flag the transaction (Valkey 8: both are no_multi)", async () => {
      const raw = await ctx.raw();
      await raw.call("DEL", "tx:nm");
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("SET", "tx:nm", "1")).toBe("+QUEUED\r\n");
      expect(await raw.call("MULTI")).toBe(NOT_IN_MULTI);
      expect(await raw.call("EXEC")).toBe(EXECABORT);
      expect(await raw.call("EXISTS", "tx:nm")).toBe(":0\r\n");
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("WATCH", "tx:nm")).toBe(NOT_IN_MULTI);
      expect(await raw.call("SET", "tx:nm", "1")).toBe("+QUEUED\r\n");
      expect(await raw.call("EXEC")).toBe(EXECABORT);
      expect(await raw.call("EXISTS", "tx:nm")).toBe(":0\r\n");
    });

    it("EXEC / DISCARD without MULTI, wrong arity, and an EXEC refused by the gate aborts with its reason", async () => {
      const raw = await ctx.raw();
      expect(await raw.call("EXEC")).toBe("-ERR EXEC without MULTI\r\n");
      expect(await raw.call("DISCARD")).toBe("-ERR DISCARD without MULTI\r\n");
      expect(await raw.call("MULTI", "x")).toBe("-ERR wrong number of arguments for 'multi' command\r\n");
      expect(await raw.call("WATCH")).toBe("-ERR wrong number of arguments for 'watch' command\r\n");
      expect(await raw.call("UNWATCH", "x")).toBe("-ERR wrong number of arguments for 'unwatch' command\r\n");
      // EXEC with arguments: the transaction is discarded (in MULTI or not) and the reason is given
      expect(await raw.call("EXEC", "x")).toBe("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
      await raw.call("DEL", "tx:ea");
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("SET", "tx:ea", "1")).toBe("+QUEUED\r\n");
      expect(await raw.call("EXEC", "now")).toBe("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
      expect(await raw.call("EXEC")).toBe("-ERR EXEC without MULTI\r\n");
      expect(await raw.call("EXISTS", "tx:ea")).toBe(":0\r\n");
      // DISCARD with arguments is an ordinary queue-time error: the transaction stays open and flagged
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("DISCARD", "x")).toBe("-ERR wrong number of arguments for 'discard' command\r\n");
      expect(await raw.call("EXEC")).toBe(EXECABORT);
      // DISCARD drops the queue
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("SET", "tx:ea", "1")).toBe("+QUEUED\r\n");
      expect(await raw.call("DISCARD")).toBe("+OK\r\n");
      expect(await raw.call("EXISTS", "tx:ea")).toBe(":0\r\n");
    });

    it("an aborted EXEC is a null array in RESP2 and a null in RESP3", async () => {
      for (const [proto, expected] of [
        ["2", "*-1\r\n"],
        ["3", "_\r\n"],
      ]) {
        const raw = await ctx.raw();
        const other = await ctx.raw();
        await raw.call("HELLO", proto!);
        expect(await raw.call("WATCH", "tx:null")).toBe("+OK\r\n");
        await other.call("SET", "tx:null", proto!);
        expect(await raw.call("MULTI")).toBe("+OK\r\n");
        expect(await raw.call("GET", "tx:null")).toBe("+QUEUED\r\n");
        expect(await raw.call("EXEC")).toBe(expected);
      }
    });

    it("WATCH is invalidated by every kind of write from another client", async () => {
      const seed = async (b: RawClient) => {
        await b.call("FLUSHALL");
      };
      const cases: Array<[string, (b: RawClient) => Promise<void>, (b: RawClient) => Promise<unknown>]> = [
        ["SET", seed, (b) => b.call("SET", "k", "v")],
        ["DEL", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("DEL", "k")],
        ["UNLINK", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("UNLINK", "k")],
        ["EXPIRE", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("EXPIRE", "k", "100")],
        ["PERSIST", (b) => b.call("SET", "k", "v", "EX", "100").then(() => {}), (b) => b.call("PERSIST", "k")],
        ["INCR", seed, (b) => b.call("INCR", "k")],
        ["APPEND", seed, (b) => b.call("APPEND", "k", "x")],
        ["SETRANGE", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("SETRANGE", "k", "0", "w")],
        ["LPUSH", seed, (b) => b.call("LPUSH", "k", "x")],
        ["LPOP", (b) => b.call("RPUSH", "k", "a", "b").then(() => {}), (b) => b.call("LPOP", "k")],
        ["ZADD", seed, (b) => b.call("ZADD", "k", "1", "m")],
        ["ZINCRBY", (b) => b.call("ZADD", "k", "1", "m").then(() => {}), (b) => b.call("ZINCRBY", "k", "1", "m")],
        ["XADD", seed, (b) => b.call("XADD", "k", "*", "f", "v")],
        ["GEOADD", seed, (b) => b.call("GEOADD", "k", "13.36", "38.11", "p")],
        ["RENAME source", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("RENAME", "k", "other")],
        ["RENAME destination", (b) => b.call("SET", "other", "v").then(() => {}), (b) => b.call("RENAME", "other", "k")],
        ["MOVE", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("MOVE", "k", "1")],
        ["COPY", (b) => b.call("SET", "src", "v").then(() => {}), (b) => b.call("COPY", "src", "k")],
        ["FLUSHDB", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("FLUSHDB")],
        ["FLUSHALL", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("FLUSHALL")],
        ["SWAPDB (key leaves)", (b) => b.call("SET", "k", "v").then(() => {}), (b) => b.call("SWAPDB", "0", "1")],
        [
          "SWAPDB (key arrives)",
          async (b) => {
            await b.call("SELECT", "1");
            await b.call("SET", "k", "v");
            await b.call("SELECT", "0");
          },
          (b) => b.call("SWAPDB", "0", "1"),
        ],
      ];
      for (const [name, prepare, write] of cases) {
        await ctx.flush();
        const p = await ctx.raw();
        await prepare(p);
        p.close();
        expect([name, await execAfter("k", write)]).toEqual([name, ABORTED]);
      }
      await ctx.flush();
    });

    it("WATCH survives what does not change the key", async () => {
      await ctx.flush();
      const cases: Array<[string, (b: RawClient) => Promise<unknown>]> = [
        ["write to another key", (b) => b.call("SET", "other", "v")],
        ["read of the key", (b) => b.call("GET", "k")],
        ["DEL of a missing key", (b) => b.call("DEL", "k")],
        ["FLUSHDB while the key is missing", (b) => b.call("FLUSHDB")],
        ["FLUSHALL while the key is missing", (b) => b.call("FLUSHALL")],
        ["SWAPDB when missing on both sides", (b) => b.call("SWAPDB", "0", "1")],
        ["the same key name in another db", (b) => b.call("SELECT", "2").then(() => b.call("SET", "k", "v"))],
        ["a no-op LREM", (b) => b.call("LREM", "k", "0", "x")],
      ];
      for (const [name, write] of cases) expect([name, await execAfter("k", write)]).toEqual([name, RAN]);
      await ctx.flush();
    });

    it("the watching client's own write also aborts; UNWATCH, DISCARD and EXEC forget the watch", async () => {
      const raw = await ctx.raw();
      await raw.call("WATCH", "tx:own");
      await raw.call("SET", "tx:own", "1");
      await raw.call("MULTI");
      await raw.call("PING");
      expect(await raw.call("EXEC")).toBe(ABORTED);
      // UNWATCH clears the dirty flag
      await raw.call("WATCH", "tx:own");
      await raw.call("SET", "tx:own", "2");
      expect(await raw.call("UNWATCH")).toBe("+OK\r\n");
      await raw.call("MULTI");
      await raw.call("PING");
      expect(await raw.call("EXEC")).toBe(RAN);
      // DISCARD clears it too
      await raw.call("WATCH", "tx:own");
      await raw.call("SET", "tx:own", "3");
      await raw.call("MULTI");
      expect(await raw.call("DISCARD")).toBe("+OK\r\n");
      await raw.call("MULTI");
      expect(await raw.call("INCR", "tx:own")).toBe("+QUEUED\r\n");
      expect(await raw.call("EXEC")).toBe("*1\r\n:4\r\n");
      // after a successful EXEC nothing is watched any more
      await raw.call("WATCH", "tx:own");
      await raw.call("MULTI");
      await raw.call("PING");
      expect(await raw.call("EXEC")).toBe(RAN);
      await raw.call("SET", "tx:own", "5");
      await raw.call("MULTI");
      await raw.call("PING");
      expect(await raw.call("EXEC")).toBe(RAN);
    });

    it("a touched watch shows in CLIENT LIST (flag d) and the client stops watching; WATCH remembers the db", async () => {
      const a = await ctx.raw();
      const b = await ctx.raw();
      await a.call("WATCH", "tx:cl1", "tx:cl2");
      expect(await a.call("CLIENT", "INFO")).toMatch(/ flags=N .* watch=2 /);
      await b.call("SET", "tx:cl1", "x");
      expect(await a.call("CLIENT", "INFO")).toMatch(/ flags=d .* watch=0 /);
      // WATCH after the client is already dirty watches nothing more
      expect(await a.call("WATCH", "tx:cl3")).toBe("+OK\r\n");
      expect(await a.call("CLIENT", "INFO")).toMatch(/ watch=0 /);
      expect(await a.call("UNWATCH")).toBe("+OK\r\n");
      // watching db 5's key, then writing the same name in db 1
      await a.call("SELECT", "5");
      await a.call("WATCH", "tx:db");
      await a.call("SELECT", "1");
      await a.call("SET", "tx:db", "1");
      await a.call("SELECT", "5");
      await a.call("MULTI");
      await a.call("PING");
      expect(await a.call("EXEC")).toBe(RAN);
      await a.call("SELECT", "0");
    });

    it("a WATCHed key that expires before EXEC aborts it; one already expired at WATCH time does not", async () => {
      await ctx.flush();
      const raw = await ctx.raw();
      await raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
      try {
        // expires between WATCH and EXEC (lazily: nobody touches it)
        await raw.call("SET", "tx:ttl", "v", "PX", "100");
        expect(await raw.call("WATCH", "tx:ttl")).toBe("+OK\r\n");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "200");
        expect(await raw.call("MULTI")).toBe("+OK\r\n");
        expect(await raw.call("INCR", "tx:ttl")).toBe("+QUEUED\r\n");
        expect(await raw.call("EXEC")).toBe(ABORTED);
        // already stale when WATCHed: no logical change
        await raw.call("SET", "tx:stale", "v", "PX", "1");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "10");
        expect(await raw.call("WATCH", "tx:stale")).toBe("+OK\r\n");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(RAN);
        // ... even when a read deletes it before EXEC
        await raw.call("SET", "tx:stale", "v", "PX", "1");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "10");
        await raw.call("WATCH", "tx:stale");
        expect(await raw.call("EXISTS", "tx:stale")).toBe(":0\r\n");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(RAN);
        // ... or FLUSHDB drops it
        await raw.call("SET", "tx:stale", "v", "PX", "1");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "10");
        await raw.call("WATCH", "tx:stale");
        await raw.call("FLUSHDB");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(RAN);
        // ... but writing it again is a change
        await raw.call("SET", "tx:stale", "v", "PX", "1");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "10");
        await raw.call("WATCH", "tx:stale");
        await (await ctx.raw()).call("SET", "tx:stale", "new");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(ABORTED);
        // SWAPDB: nothing replaced by a stale key, stale replaced by nothing: no change either way
        await raw.call("FLUSHALL");
        await raw.call("SELECT", "1");
        await raw.call("SET", "tx:sw", "v", "PX", "1");
        await raw.call("DEBUG", "CLOCK", "ADVANCE", "10");
        await raw.call("SELECT", "0");
        await raw.call("WATCH", "tx:sw");
        await raw.call("SWAPDB", "0", "1");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(RAN);
        await raw.call("WATCH", "tx:sw");
        await raw.call("SWAPDB", "0", "1");
        await raw.call("MULTI");
        await raw.call("PING");
        expect(await raw.call("EXEC")).toBe(RAN);
      } finally {
        await raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        await raw.call("FLUSHALL");
      }
    });

    it("active expiry of a WATCHed key aborts the transaction", async () => {
      await ctx.flush();
      const raw = await ctx.raw();
      await raw.call("SET", "tx:active", "v", "PX", "50");
      await raw.call("WATCH", "tx:active");
      // no access: only the active expiry cycle can remove it
      const deadline = Date.now() + 2000;
      const probe = await ctx.raw();
      while (Date.now() < deadline && (await probe.call("DBSIZE")) !== ":0\r\n") await new Promise((r) => setTimeout(r, 20));
      expect(await probe.call("DBSIZE")).toBe(":0\r\n");
      await raw.call("MULTI");
      await raw.call("PING");
      expect(await raw.call("EXEC")).toBe(ABORTED);
    });

    it("SELECT inside a transaction switches the db for the queued commands after it", async () => {
      await ctx.flush();
      const raw = await ctx.raw();
      await raw.call("MULTI");
      await raw.call("SET", "tx:sel", "db0");
      await raw.call("SELECT", "3");
      await raw.call("SET", "tx:sel", "db3");
      expect(await raw.call("EXEC")).toBe("*3\r\n+OK\r\n+OK\r\n+OK\r\n");
      expect(await raw.call("GET", "tx:sel")).toBe("$3\r\ndb3\r\n");
      await raw.call("SELECT", "0");
      expect(await raw.call("GET", "tx:sel")).toBe("$3\r\ndb0\r\n");
      await ctx.flush();
    });

    it("a write inside EXEC wakes WATCHers of other clients; a pipeline of MULTI..EXEC gets all replies in order", async () => {
      const a = await ctx.raw();
      const b = await ctx.raw();
      await a.call("WATCH", "tx:pipe");
      b.write(
        "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$7\r\ntx:pipe\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$7\r\ntx:pipe\r\n*1\r\n$4\r\nEXEC\r\n",
      );
      expect(await b.read()).toBe("+OK\r\n");
      expect(await b.read()).toBe("+QUEUED\r\n");
      expect(await b.read()).toBe("+QUEUED\r\n");
      expect(await b.read()).toBe("*2\r\n+OK\r\n:2\r\n");
      await a.call("MULTI");
      await a.call("PING");
      expect(await a.call("EXEC")).toBe(ABORTED);
    });
  },
  ["--test-clock"],
);
