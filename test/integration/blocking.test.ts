import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeRuntimes("blocking", (ctx) => {
  /** Wait until `n` clients are blocked (INFO blocked_clients), so the order of parking is known. */
  async function blocked(n: number): Promise<void> {
    const r = await ctx.raw();
    for (let i = 0; i < 200; i++) {
      const info = await r.call("INFO", "clients");
      const m = /blocked_clients:(\d+)/.exec(info);
      if (m && Number(m[1]) === n) return r.close();
      await sleep(10);
    }
    r.close();
    throw new Error(`never saw ${n} blocked clients`);
  }

  it("BLPOP parks until another client pushes, then answers [key, element]", async () => {
    const waiter = ctx.ioredis();
    const p = waiter.blpop("q1", "q2", 0);
    await blocked(1);
    expect(await ctx.ioredis().rpush("q2", "job")).toBe(1);
    expect(await p).toEqual(["q2", "job"]);
    expect(await ctx.ioredis().exists("q2")).toBe(0);
    await blocked(0);
  });

  it("serves clients blocked on one key first-come first-served", async () => {
    const raws: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await ctx.raw();
      r.send("BRPOP", "fifo", "0");
      await blocked(i + 1);
      raws.push(r);
    }
    expect(await (await ctx.raw()).call("LPUSH", "fifo", "a", "b", "c")).toBe(":3\r\n");
    // LPUSH a b c leaves [c b a]: BRPOP takes from the right, one element per waiter, in parking order
    expect(await raws[0]!.read()).toBe("*2\r\n$4\r\nfifo\r\n$1\r\na\r\n");
    expect(await raws[1]!.read()).toBe("*2\r\n$4\r\nfifo\r\n$1\r\nb\r\n");
    expect(await raws[2]!.read()).toBe("*2\r\n$4\r\nfifo\r\n$1\r\nc\r\n");
  });

  it("times out with the null reply of each RESP version, with sub-second precision", async () => {
    const r2 = await ctx.raw();
    const t0 = Date.now();
    expect(await r2.call("BLPOP", "nothing", "0.15")).toBe("*-1\r\n");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    const r3 = await ctx.raw();
    await r3.call("HELLO", "3");
    expect(await r3.call("BZPOPMIN", "nothing", "0.05")).toBe("_\r\n");
    expect(await r3.call("BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05")).toBe("_\r\n");
    expect(await r2.call("XREAD", "BLOCK", "50", "STREAMS", "nostream", "$")).toBe("*-1\r\n");
  });

  it("inside MULTI the blocking forms answer at once like the non-blocking ones", async () => {
    const r = await ctx.raw();
    await r.call("MULTI");
    expect(await r.call("BLPOP", "empty", "0")).toBe("+QUEUED\r\n");
    expect(await r.call("BLMOVE", "empty", "d", "LEFT", "LEFT", "0")).toBe("+QUEUED\r\n");
    expect(await r.call("BZPOPMAX", "empty", "0")).toBe("+QUEUED\r\n");
    expect(await r.call("XREAD", "BLOCK", "0", "STREAMS", "empty", "$")).toBe("+QUEUED\r\n");
    expect(await r.call("EXEC")).toBe("*4\r\n*-1\r\n$-1\r\n*-1\r\n*-1\r\n");
  });

  it("a client that disconnects while blocked leaves no trace", async () => {
    const r = await ctx.raw();
    r.send("BLPOP", "gone", "0");
    await blocked(1);
    r.close();
    await blocked(0);
    const other = ctx.ioredis();
    expect(await other.rpush("gone", "kept")).toBe(1);
    expect(await other.lrange("gone", 0, -1)).toEqual(["kept"]);
    await other.del("gone");
  });

  it("CLIENT UNBLOCK ends a wait with the timeout reply or an UNBLOCKED error", async () => {
    const r = await ctx.raw();
    const id = (await r.call("CLIENT", "ID")).slice(1, -2);
    r.send("BLPOP", "u", "0");
    await blocked(1);
    const admin = await ctx.raw();
    expect(await admin.call("CLIENT", "UNBLOCK", id)).toBe(":1\r\n");
    expect(await r.read()).toBe("*-1\r\n");
    r.send("BZPOPMIN", "u", "0");
    await blocked(1);
    expect(await admin.call("CLIENT", "UNBLOCK", id, "ERROR")).toBe(":1\r\n");
    expect(await r.read()).toBe("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    expect(await admin.call("CLIENT", "UNBLOCK", id)).toBe(":0\r\n");
    expect(await admin.call("CLIENT", "UNBLOCK", id, "MAYBE")).toBe("-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
  });

  it("commands pipelined after a blocking one wait for it", async () => {
    const r = await ctx.raw();
    r.write("*3\r\n$5\r\nBLPOP\r\n$2\r\npl\r\n$1\r\n0\r\n*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n");
    await blocked(1);
    expect(await r.silent(50)).toBe(true);
    await (await ctx.raw()).call("RPUSH", "pl", "x");
    expect(await r.read()).toBe("*2\r\n$2\r\npl\r\n$1\r\nx\r\n");
    expect(await r.read()).toBe("$5\r\nafter\r\n");
  });

  it("is served after EXEC completes, seeing the transaction's final state", async () => {
    const waiter = ctx.ioredis();
    const p = waiter.blpop("tx", 0);
    await blocked(1);
    const r = await ctx.raw();
    await r.call("MULTI");
    await r.call("RPUSH", "tx", "1", "2");
    await r.call("LPOP", "tx");
    expect(await r.call("EXEC")).toBe("*2\r\n:2\r\n$1\r\n1\r\n");
    expect(await p).toEqual(["tx", "2"]);
  });

  it("a key that changes to another type keeps the client waiting; a wrong type up front is WRONGTYPE", async () => {
    const other = ctx.ioredis();
    await other.set("typed", "string");
    await expect(other.blpop("typed", 0)).rejects.toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
    await other.del("typed");
    const r = await ctx.raw();
    r.send("BLPOP", "typed", "0");
    await blocked(1);
    await other.set("typed", "now a string");
    expect(await r.silent(80)).toBe(true);
    await other.del("typed");
    await other.rpush("typed", "v");
    expect(await r.read()).toBe("*2\r\n$5\r\ntyped\r\n$1\r\nv\r\n");
  });

  it("BLMOVE and BRPOPLPUSH move the pushed element once it arrives", async () => {
    const a = ctx.ioredis();
    const p = a.blmove("src", "dst", "LEFT", "RIGHT", 0);
    await blocked(1);
    const b = ctx.ioredis();
    await b.rpush("src", "e1");
    expect(await p).toBe("e1");
    expect(await b.lrange("dst", 0, -1)).toEqual(["e1"]);
    const p2 = a.brpoplpush("src", "dst", 0);
    await blocked(1);
    await b.lpush("src", "e2");
    expect(await p2).toBe("e2");
    expect(await b.lrange("dst", 0, -1)).toEqual(["e2", "e1"]);
  });

  it("BLMPOP, BZPOPMIN/BZPOPMAX and BZMPOP", async () => {
    const r = await ctx.raw();
    r.send("BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2");
    await blocked(1);
    await (await ctx.raw()).call("RPUSH", "m2", "a", "b", "c");
    expect(await r.read()).toBe("*2\r\n$2\r\nm2\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
    r.send("BZPOPMAX", "z1", "z2", "0");
    await blocked(1);
    await (await ctx.raw()).call("ZADD", "z2", "1.5", "low", "3", "high");
    expect(await r.read()).toBe("*3\r\n$2\r\nz2\r\n$4\r\nhigh\r\n$1\r\n3\r\n");
    r.send("BZMPOP", "0", "1", "z3", "MIN", "COUNT", "5");
    await blocked(1);
    await (await ctx.raw()).call("ZADD", "z3", "2", "b", "1", "a");
    expect(await r.read()).toBe("*2\r\n$2\r\nz3\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    const r3 = ctx.ioredis();
    const p = r3.bzpopmin("z4", 0);
    await blocked(1);
    await ctx.ioredis().zadd("z4", 7, "m");
    expect(await p).toEqual(["z4", "m", "7"]);
  });

  it("XREAD BLOCK with $ sees only entries added after it parked; XREADGROUP BLOCK >", async () => {
    const w = ctx.ioredis();
    await w.xadd("s", "1-1", "f", "old");
    const r = await ctx.raw();
    r.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
    await blocked(1);
    await w.xadd("s", "2-1", "f", "new");
    expect(await r.read()).toBe("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$3\r\nnew\r\n");
    await w.xgroup("CREATE", "s", "g", "$");
    r.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">");
    await blocked(1);
    await w.xadd("s", "3-1", "f", "grp");
    expect(await r.read()).toBe("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nf\r\n$3\r\ngrp\r\n");
    // the stream disappears under a blocked group reader
    r.send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">");
    await blocked(1);
    await w.del("s");
    expect(await r.read()).toBe("-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n");
  });

  it("bad timeouts get Valkey's errors and nothing blocks", async () => {
    const r = await ctx.raw();
    expect(await r.call("BLPOP", "k", "abc")).toBe("-ERR timeout is not a float or out of range\r\n");
    expect(await r.call("BLPOP", "k", "-1")).toBe("-ERR timeout is negative\r\n");
    expect(await r.call("BZPOPMIN", "k", "nan")).toBe("-ERR timeout is not a float or out of range\r\n");
    expect(await r.call("XREAD", "BLOCK", "-5", "STREAMS", "k", "$")).toBe("-ERR timeout is negative\r\n");
    expect(await r.call("BLMPOP", "0", "0", "k", "LEFT")).toBe("-ERR numkeys should be greater than 0\r\n");
    expect(await r.call("BLPOP", "k")).toBe("-ERR wrong number of arguments for 'blpop' command\r\n");
  });
});
