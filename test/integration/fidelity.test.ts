// Issue 13: divergences from Valkey 8 that real clients hit as hangs or wrong replies (each checked against
// ../shared/tools/valkey-8.0.1): pushes under CLIENT REPLY OFF/SKIP, PUBSUB NUMSUB's flat array in RESP3,
// the full close after a protocol error, and idle-client timeouts.
import { connect, type Socket } from "node:net";
import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeRuntimes("fidelity", (ctx) => {
  for (const proto of [2, 3] as const) {
    const push = proto === 3 ? ">" : "*";
    it(`RESP${proto}: CLIENT REPLY OFF still delivers subscribe confirmations and messages`, async () => {
      const s = await ctx.raw();
      const pub = await ctx.raw();
      if (proto === 3) await s.call("HELLO", "3");
      s.send("CLIENT", "REPLY", "OFF");
      s.send("SUBSCRIBE", `off${proto}`);
      expect(await s.read()).toBe(`${push}3\r\n$9\r\nsubscribe\r\n$4\r\noff${proto}\r\n:1\r\n`);
      expect(await pub.call("PUBLISH", `off${proto}`, "m1")).toBe(":1\r\n");
      expect(await s.read()).toBe(`${push}3\r\n$7\r\nmessage\r\n$4\r\noff${proto}\r\n$2\r\nm1\r\n`);
      s.send("UNSUBSCRIBE", `off${proto}`);
      expect(await s.read()).toBe(`${push}3\r\n$11\r\nunsubscribe\r\n$4\r\noff${proto}\r\n:0\r\n`);
      s.send("GET", "x");
      expect(await s.silent(100)).toBe(true);
    });
  }

  it("RESP3: CLIENT REPLY SKIP drops the reply but not the push; a message to oneself follows the PUBLISH reply", async () => {
    const s = await ctx.raw();
    await s.call("HELLO", "3");
    s.send("CLIENT", "REPLY", "SKIP");
    s.send("SUBSCRIBE", "sk");
    expect(await s.read()).toBe(">3\r\n$9\r\nsubscribe\r\n$2\r\nsk\r\n:1\r\n");
    expect(await s.call("PUBLISH", "sk", "self")).toBe(":1\r\n");
    expect(await s.read()).toBe(">3\r\n$7\r\nmessage\r\n$2\r\nsk\r\n$4\r\nself\r\n");
    s.send("CLIENT", "REPLY", "OFF");
    s.send("PUBLISH", "sk", "quiet");
    expect(await s.read()).toBe(">3\r\n$7\r\nmessage\r\n$2\r\nsk\r\n$5\r\nquiet\r\n");
  });

  it("PUBSUB NUMSUB / SHARDNUMSUB are flat arrays in RESP3 too (node-redis pubSubNumSub sees the counts)", async () => {
    const s = await ctx.raw();
    await s.call("SUBSCRIBE", "ns1");
    await s.call("SSUBSCRIBE", "ns2");
    const q = await ctx.raw();
    await q.call("HELLO", "3");
    expect(await q.call("PUBSUB", "NUMSUB", "ns1", "none")).toBe("*4\r\n$3\r\nns1\r\n:1\r\n$4\r\nnone\r\n:0\r\n");
    expect(await q.call("PUBSUB", "SHARDNUMSUB", "ns2")).toBe("*2\r\n$3\r\nns2\r\n:1\r\n");
    expect(await q.call("PUBSUB", "NUMSUB")).toBe("*0\r\n");
    const nr = await ctx.nodeRedis(3);
    expect(await nr.pubSubNumSub(["ns1", "none"])).toEqual({ ns1: 1, none: 0 });
    const nr2 = await ctx.nodeRedis(2);
    expect(await nr2.pubSubNumSub(["ns1"])).toEqual({ ns1: 1 });
  });

  it("a protocol error closes the connection fully once the error is written: a peer still streaming gets EPIPE/ECONNRESET", async () => {
    for (const bad of ["*1\r\n$x\r\n", "*abc\r\n", 'SET "a b\r\n']) {
      const sock: Socket = connect({ port: ctx.port, host: "127.0.0.1", allowHalfOpen: true });
      let got = "";
      sock.on("data", (d) => (got += d.toString("latin1")));
      const outcome = new Promise<string>((resolve) => {
        sock.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
        sock.on("close", () => resolve("close"));
        setTimeout(() => resolve("still open"), 4000);
      });
      await new Promise<void>((r) => sock.once("connect", () => r()));
      sock.write(bad);
      const pump = setInterval(() => sock.write("garbage that a desynced client keeps sending\r\n"), 10);
      const how = await outcome;
      clearInterval(pump);
      sock.destroy();
      expect(how, bad).not.toBe("still open");
      expect(got).toMatch(/^-ERR Protocol error: /);
    }
  });

  it("CONFIG SET takes several parameters at once, all or nothing, with Valkey 8's errors", async () => {
    const r = await ctx.raw();
    const before = await r.call("CONFIG", "GET", "hz");
    expect(await r.call("CONFIG", "SET", "maxmemory-samples", "7", "slowlog-max-len", "77")).toBe("+OK\r\n");
    expect(await r.call("CONFIG", "GET", "maxmemory-samples")).toBe("*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n7\r\n");
    expect(await r.call("CONFIG", "GET", "slowlog-max-len")).toBe("*2\r\n$15\r\nslowlog-max-len\r\n$2\r\n77\r\n");
    expect(await r.call("CONFIG", "SET", "hz", "12", "hz", "13")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter\r\n",
    );
    expect(await r.call("CONFIG", "SET", "hz", "14", "nosuch", "1")).toBe("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
    expect(await r.call("CONFIG", "SET", "hz", "15", "maxmemory-samples", "abc")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument couldn't be parsed into an integer\r\n",
    );
    expect(await r.call("CONFIG", "SET", "hz", "16", "maxmemory-samples")).toBe("-ERR syntax error\r\n");
    expect(await r.call("CONFIG", "SET", "hz")).toBe("-ERR wrong number of arguments for 'config|set' command\r\n");
    // nothing of a refused CONFIG SET was applied
    expect(await r.call("CONFIG", "GET", "hz")).toBe(before);
    expect(await r.call("CONFIG", "SET", "maxmemory-samples", "5", "slowlog-max-len", "128")).toBe("+OK\r\n");
  });

  it("CONFIG SET timeout closes idle clients (also ones that never sent a command) but not subscribers, blocked clients or MONITOR", async () => {
    const admin = await ctx.raw();
    const idle = await ctx.raw();
    expect(await idle.call("PING")).toBe("+PONG\r\n");
    const silent = await ctx.raw();
    const sub = await ctx.raw();
    await sub.call("SUBSCRIBE", "t");
    const blocked = await ctx.raw();
    blocked.send("BLPOP", "timeout-nokey", "0");
    const mon = await ctx.raw();
    expect(await mon.call("MONITOR")).toBe("+OK\r\n");
    const busy = await ctx.raw();
    expect(await admin.call("CONFIG", "SET", "timeout", "1")).toBe("+OK\r\n");
    try {
      const t0 = Date.now();
      // a client that keeps talking stays; Valkey closes after more than `timeout` whole seconds of silence
      while (Date.now() - t0 < 2600) {
        expect(await busy.call("PING")).toBe("+PONG\r\n");
        await sleep(250);
      }
      await idle.waitClosed(3000);
      await silent.waitClosed(3000);
      expect(sub.closed || blocked.closed || mon.closed).toBe(false);
      expect(await sub.call("PING")).toBe("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    } finally {
      const a2 = await ctx.raw();
      expect(await a2.call("CONFIG", "SET", "timeout", "0")).toBe("+OK\r\n");
    }
  }, 15000);
});

describeRuntimes("fidelity: DEBUG with default settings", (ctx) => {
  it("DEBUG is refused by default (enable-debug-command no) with Valkey's text, before any subcommand runs", async () => {
    const r = await ctx.raw();
    const denied =
      '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n';
    const t0 = Date.now();
    expect(await r.call("DEBUG", "SLEEP", "2")).toBe(denied);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await r.call("DEBUG", "HELP")).toBe(denied);
    expect(await r.call("DEBUG", "CLOCK", "GET")).toBe(denied);
    expect(await r.call("CONFIG", "GET", "enable-debug-command")).toBe("*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n");
    expect(await r.call("CONFIG", "SET", "enable-debug-command", "yes")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config\r\n",
    );
  });
});

describeRuntimes(
  "fidelity: DEBUG enabled for local connections",
  (ctx) => {
    it("enable-debug-command local lets a loopback client run DEBUG", async () => {
      const r = await ctx.raw();
      expect(await r.call("DEBUG", "SLEEP", "0")).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "HELP")).toMatch(/^\*\d+\r\n\+DEBUG <subcommand> /);
    });
  },
  ["--enable-debug-command", "local"],
);

describeRuntimes("fidelity: BUSY timing", (ctx) => {
  it("other clients get BUSY soon after busy-reply-threshold on both runtimes (a PING waiting since before it too)", async () => {
    const admin = await ctx.raw();
    expect(await admin.call("CONFIG", "SET", "busy-reply-threshold", "300")).toBe("+OK\r\n");
    const runner = await ctx.raw();
    const other = await ctx.raw();
    for (const script of ["local x = 0 while true do x = x + 1 end", "while true do redis.call('get', 'x') end"]) {
      // the engine is (re)made (SCRIPT KILL drops it) before the clock starts
      expect(await runner.call("EVAL", "return 1", "0")).toBe(":1\r\n");
      const t0 = Date.now();
      runner.send("EVAL", script, "0");
      await sleep(30);
      expect(await other.call("PING")).toBe("-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
      const late = Date.now() - t0 - 300;
      // Valkey 8 answers within ~10 ms of the threshold; allow for a loaded machine, far below the 0.7 s seen before.
      expect(late).toBeLessThan(400);
      expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toMatch(/^-ERR Script killed by user with SCRIPT KILL/);
    }
  });
});
