// Valkey 8 parity (issue 17): behaviour checked side by side with valkey-server 8.0.1, one describe per area.

import { expect, it } from "vitest";
import { describeRuntimes, RawClient, spawnServer, type Ctx } from "../helpers/server.js";

describeRuntimes("parity: unsubscribing from what was never subscribed (Valkey 8)", (ctx) => {
  const NOSUB = (cmd: string) => `-NOSUB '${cmd}' command executed not in subscribed mode\r\n`;

  for (const proto of [2, 3] as const) {
    it(`RESP${proto}: a client with no subscriptions gets NOSUB, with or without arguments`, async () => {
      const r = await ctx.raw();
      if (proto === 3) await r.call("HELLO", "3");
      expect(await r.call("UNSUBSCRIBE")).toBe(NOSUB("unsubscribe"));
      expect(await r.call("PUNSUBSCRIBE")).toBe(NOSUB("punsubscribe"));
      expect(await r.call("SUNSUBSCRIBE")).toBe(NOSUB("sunsubscribe"));
      expect(await r.call("unsubscribe", "never", "seen")).toBe(NOSUB("unsubscribe"));
      expect(await r.call("PUNSUBSCRIBE", "never*")).toBe(NOSUB("punsubscribe"));
      expect(await r.call("SUNSUBSCRIBE", "never")).toBe(NOSUB("sunsubscribe"));
      // The connection keeps working after the refusals.
      expect(await r.call("PING")).toBe("+PONG\r\n");
    });

    it(`RESP${proto}: once subscribed to anything, unsubscribing from unknown channels is answered per channel`, async () => {
      const r = await ctx.raw();
      if (proto === 3) await r.call("HELLO", "3");
      const t = proto === 3 ? ">" : "*";
      expect(await r.call("PSUBSCRIBE", "p*")).toBe(`${t}3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n`);
      expect(await r.call("UNSUBSCRIBE", "never")).toBe(`${t}3\r\n$11\r\nunsubscribe\r\n$5\r\nnever\r\n:1\r\n`);
      // Shard channels are counted apart, but the client is in subscribed mode: no NOSUB.
      expect(await r.call("SUNSUBSCRIBE", "never")).toBe(`${t}3\r\n$12\r\nsunsubscribe\r\n$5\r\nnever\r\n:0\r\n`);
      expect(await r.call("SUNSUBSCRIBE")).toBe(`${t}3\r\n$12\r\nsunsubscribe\r\n${proto === 3 ? "_" : "$-1"}\r\n:0\r\n`);
      expect(await r.call("PUNSUBSCRIBE", "p*")).toBe(`${t}3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n`);
      // Back to no subscriptions: refused again.
      expect(await r.call("PUNSUBSCRIBE")).toBe(NOSUB("punsubscribe"));
    });
  }

  it("inside MULTI the refusal happens when queuing and aborts the transaction", async () => {
    const r = await ctx.raw();
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("UNSUBSCRIBE", "x")).toBe(NOSUB("unsubscribe"));
    expect(await r.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
    expect(await r.call("INFO", "errorstats")).toMatch(/errorstat_NOSUB:count=\d+/);
  });

  it("ioredis and node-redis (RESP3) see the error, and their subscriber connections keep working", async () => {
    const io = ctx.ioredis();
    await expect(io.call("UNSUBSCRIBE", "x")).rejects.toThrow("NOSUB 'unsubscribe' command executed not in subscribed mode");
    expect(await io.ping()).toBe("PONG");
    const nr = await ctx.nodeRedis(3);
    const got = new Promise<string>((resolve) => void nr.subscribe("parity:ch", (m: string) => resolve(m)));
    await new Promise((res) => setTimeout(res, 50));
    const pub = ctx.ioredis();
    for (let i = 0; i < 50 && (await pub.publish("parity:ch", "hello")) === 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(await got).toBe("hello");
    await nr.unsubscribe("parity:ch");
  });
});

describeRuntimes("parity: introspection (Valkey 8)", (ctx) => {
  it("MODULE: HELP, an empty LIST, and LOAD/LOADEX/UNLOAD refused by enable-module-command (default no)", async () => {
    const r = await ctx.raw();
    const help = await r.call("MODULE", "HELP");
    expect(help.startsWith("*11\r\n+MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LIST\r\n")).toBe(true);
    expect(help.endsWith("+HELP\r\n+    Print this help.\r\n")).toBe(true);
    expect(await r.call("MODULE", "LIST")).toBe("*0\r\n");
    const denied =
      '-ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n';
    expect(await r.call("MODULE", "LOAD", "/tmp/nonexistent-module.so")).toBe(denied);
    expect(await r.call("MODULE", "LOADEX", "/tmp/nonexistent-module.so", "ARGS", "x")).toBe(denied);
    expect(await r.call("MODULE", "UNLOAD", "nosuch")).toBe(denied);
    expect(await r.call("MODULE", "NOSUCH")).toBe("-ERR unknown subcommand 'NOSUCH'. Try MODULE HELP.\r\n");
    expect(await r.call("MODULE")).toBe("-ERR wrong number of arguments for 'module' command\r\n");
    expect(await r.call("MODULE", "LOAD")).toBe("-ERR wrong number of arguments for 'module|load' command\r\n");
    // node-redis and ioredis see the same
    const io = ctx.ioredis();
    expect(await io.call("MODULE", "LIST")).toEqual([]);
    const nr = await ctx.nodeRedis(3);
    expect(await nr.sendCommand(["MODULE", "LIST"])).toEqual([]);
  });

  it("every container command answers HELP with Valkey's closing lines", async () => {
    const r = await ctx.raw();
    const list = await r.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "*|help");
    const containers = [...list.matchAll(/\r\n([a-z-]+)\|help\r\n/g)].map((m) => m[1]!);
    expect(containers).toEqual(expect.arrayContaining(["client", "config", "command", "function", "memory", "module", "object", "pubsub", "script", "slowlog", "xgroup", "xinfo"]));
    for (const name of containers) {
      const help = await r.call(name.toUpperCase(), "HELP");
      // Standalone Valkey 8.0.1 answers CLUSTER HELP too with "cluster support disabled" (its HELP is in cluster.test.ts).
      if (name === "cluster") {
        expect(help).toBe("-ERR This instance has cluster support disabled\r\n");
        continue;
      }
      expect(help, name).toMatch(new RegExp(`^\\*\\d+\\r\\n\\+${name.toUpperCase()} <subcommand> `));
      expect(help.endsWith("+HELP\r\n+    Print this help.\r\n"), name).toBe(true);
    }
    // Texts that differed from Valkey 8.0.1
    const fn = await r.call("FUNCTION", "HELP");
    expect(fn.startsWith("*39\r\n")).toBe(true);
    expect(fn).not.toContain("Library description");
    expect(await r.call("SCRIPT", "HELP")).toContain(
      "+    When called without the optional mode argument, the behavior is determined\r\n+     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:\r\n",
    );
  });

  it("CONFIG GET returns a hidden config by its exact name only", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "GET", "key-load-delay")).toBe("*2\r\n$14\r\nkey-load-delay\r\n$1\r\n0\r\n");
    expect(await r.call("CONFIG", "GET", "loading-process-events-interval-bytes")).toBe(
      "*2\r\n$37\r\nloading-process-events-interval-bytes\r\n$7\r\n2097152\r\n",
    );
    expect(await r.call("CONFIG", "GET", "KEY-LOAD-DELAY")).toBe("*2\r\n$14\r\nKEY-LOAD-DELAY\r\n$1\r\n0\r\n");
    expect(await r.call("CONFIG", "GET", "key-load*")).toBe("*0\r\n");
    expect(await r.call("CONFIG", "GET", "*")).not.toContain("rdb-key-save-delay");
    expect(await r.call("CONFIG", "SET", "rdb-key-save-delay", "5")).toBe("+OK\r\n");
    expect(await r.call("CONFIG", "GET", "rdb-key-save-delay")).toBe("*2\r\n$18\r\nrdb-key-save-delay\r\n$1\r\n5\r\n");
    expect(await r.call("CONFIG", "SET", "rdb-key-save-delay", "0")).toBe("+OK\r\n");
    expect(await r.call("CONFIG", "SET", "loading-process-events-interval-bytes", "10")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'loading-process-events-interval-bytes') - argument must be between 1024 and 2147483647 inclusive\r\n",
    );
  });

  it("INFO server: server_mode, renamed redis_mode with extended-redis-compatibility yes; availability_zone", async () => {
    const r = await ctx.raw();
    const fields = async () => {
      const text = await r.call("INFO", "server");
      return new Set(text.split("\r\n").map((l) => l.split(":")[0]));
    };
    let f = await fields();
    expect(f.has("server_mode")).toBe(true);
    expect(f.has("redis_mode")).toBe(false);
    expect(f.has("availability_zone")).toBe(true);
    expect(await r.call("CONFIG", "SET", "extended-redis-compatibility", "yes")).toBe("+OK\r\n");
    try {
      f = await fields();
      expect(f.has("redis_mode")).toBe(true);
      expect(f.has("server_mode")).toBe(false);
    } finally {
      await r.call("CONFIG", "SET", "extended-redis-compatibility", "no");
    }
  });
});

describeRuntimes("parity: lists between quicklists, and the dirty counter (Valkey 8)", (ctx) => {
  const changes = async (r: RawClient) => Number(/rdb_changes_since_last_save:(\d+)/.exec(await r.call("INFO", "persistence"))![1]);

  it("RPOPLPUSH/LMOVE out of a two-node quicklist: it stays a quicklist until its tail node is gone, as in Valkey", async () => {
    const r = await ctx.raw();
    const el = (p: string, i: number) => String(i).padStart(3, "0") + p.repeat(57);
    await r.call("DEL", "ql:s", "ql:d");
    await r.call("RPUSH", "ql:s", ...Array.from({ length: 200 }, (_, i) => el("e", i)));
    await r.call("RPUSH", "ql:d", ...Array.from({ length: 100 }, (_, i) => el("f", i)));
    expect(await r.call("OBJECT", "ENCODING", "ql:s")).toBe("$9\r\nquicklist\r\n");
    // 200 entries of 62 listpack bytes fill Valkey's 8 KB nodes as 131 + 69. Moving alternately from the tail and
    // the head empties the tail node at move 137; only then is one node left, small enough to be a listpack.
    const encodings: string[] = [];
    for (let k = 1; k <= 140; k++) {
      const reply = k % 2 === 1 ? await r.call("RPOPLPUSH", "ql:s", "ql:d") : await r.call("LMOVE", "ql:s", "ql:d", "LEFT", "RIGHT");
      expect(reply).toMatch(/^\$60\r\n/);
      encodings.push(await r.call("OBJECT", "ENCODING", "ql:s"));
    }
    expect(encodings.slice(0, 136).every((e) => e === "$9\r\nquicklist\r\n")).toBe(true);
    expect(encodings.slice(136)).toEqual(Array(4).fill("$8\r\nlistpack\r\n"));
    expect(await r.call("LLEN", "ql:s")).toBe(":60\r\n");
    expect(await r.call("LLEN", "ql:d")).toBe(":240\r\n");
    expect(await r.call("LINDEX", "ql:s", "0")).toBe(`$60\r\n${el("e", 70)}\r\n`);
    expect(await r.call("LINDEX", "ql:s", "-1")).toBe(`$60\r\n${el("e", 129)}\r\n`);
    expect(await r.call("OBJECT", "ENCODING", "ql:d")).toBe("$9\r\nquicklist\r\n");
  });

  it("LMOVE and RPOPLPUSH add 1 to rdb_changes_since_last_save; so do BLPOP/BLMOVE/BRPOPLPUSH served from the blocked state", async () => {
    const r = await ctx.raw();
    const b = await ctx.raw();
    await r.call("DEL", "dc:a", "dc:b", "dc:c");
    await r.call("RPUSH", "dc:a", "1", "2", "3");
    let before = await changes(r);
    expect(await r.call("LMOVE", "dc:a", "dc:b", "LEFT", "RIGHT")).toBe("$1\r\n1\r\n");
    expect(await changes(r)).toBe(before + 1);
    before = await changes(r);
    expect(await r.call("RPOPLPUSH", "dc:a", "dc:a")).toBe("$1\r\n3\r\n");
    expect(await changes(r)).toBe(before + 1);

    const served = async (send: () => void, write: () => Promise<unknown>, writeChanges: number) => {
      const start = await changes(r);
      send();
      for (let i = 0; i < 100 && !(await r.call("CLIENT", "LIST")).includes("flags=b"); i++) await new Promise((res) => setTimeout(res, 10));
      await write();
      const reply = await b.read();
      expect(await changes(r)).toBe(start + writeChanges + 1);
      return reply;
    };
    expect(await served(() => b.send("BLPOP", "dc:c", "0"), () => r.call("LPUSH", "dc:c", "x"), 1)).toBe("*2\r\n$4\r\ndc:c\r\n$1\r\nx\r\n");
    expect(await served(() => b.send("BLMOVE", "dc:c", "dc:b", "LEFT", "RIGHT", "0"), () => r.call("RPUSH", "dc:c", "y"), 1)).toBe("$1\r\ny\r\n");
    // served by a write inside MULTI/EXEC: the transaction's 3 changes, then the move's 1
    expect(
      await served(
        () => b.send("BRPOPLPUSH", "dc:c", "dc:b", "0"),
        async () => {
          await r.call("MULTI");
          await r.call("RPUSH", "dc:c", "p", "q");
          await r.call("SET", "dc:other", "1");
          return r.call("EXEC");
        },
        3,
      ),
    ).toBe("$1\r\nq\r\n");
    // a wait that times out changes nothing
    before = await changes(r);
    expect(await b.call("BLMOVE", "dc:none", "dc:b", "LEFT", "LEFT", "0.01")).toBe("*-1\r\n");
    expect(await changes(r)).toBe(before);
  });

  it("FLUSHALL adds the number of keys it removed (nothing when empty), as Valkey without save points", async () => {
    const r = await ctx.raw();
    await r.call("FLUSHALL");
    let before = await changes(r);
    expect(await r.call("FLUSHALL")).toBe("+OK\r\n");
    expect(await changes(r)).toBe(before);
    await r.call("SET", "f1", "1");
    await r.call("SELECT", "9");
    await r.call("SET", "f2", "2");
    before = await changes(r);
    expect(await r.call("FLUSHALL")).toBe("+OK\r\n");
    expect(await changes(r)).toBe(before + 2);
    before = await changes(r);
    await r.call("SET", "f3", "3");
    expect(await r.call("FLUSHDB")).toBe("+OK\r\n");
    expect(await changes(r)).toBe(before + 2);
  });
});

describeRuntimes("parity: SLOWLOG (Valkey 8)", (ctx) => {
  /** SLOWLOG GET as [args, addr, name] per entry, newest first (ioredis parses the nesting). */
  const entries = async (io: ReturnType<Ctx["ioredis"]>) =>
    ((await io.call("SLOWLOG", "GET", "-1")) as Array<[number, number, number, string[], string, string]>).map((e) => ({
      args: e[3],
      addr: e[4],
      name: e[5],
    }));

  it("a blocking command is logged once, when it is served — also when a write inside MULTI/EXEC serves it", async () => {
    const io = ctx.ioredis();
    const b = await ctx.raw();
    await b.call("CLIENT", "SETNAME", "waiter");
    await io.config("SET", "slowlog-log-slower-than", "0");
    try {
      await io.call("SLOWLOG", "RESET");
      b.send("BLPOP", "sl:list", "0");
      for (let i = 0; i < 100 && !String(await io.call("CLIENT", "LIST")).includes("flags=b"); i++) await new Promise((r) => setTimeout(r, 10));
      // blocked, not yet served: not logged
      expect((await entries(io)).filter((e) => e.args[0] === "BLPOP")).toEqual([]);
      await io.lpush("sl:list", "v");
      expect(await b.read()).toBe("*2\r\n$7\r\nsl:list\r\n$1\r\nv\r\n");
      let logged = (await entries(io)).filter((e) => e.args[0] === "BLPOP");
      expect(logged).toHaveLength(1);
      expect(logged[0]!.args).toEqual(["BLPOP", "sl:list", "0"]);
      expect(logged[0]!.name).toBe("waiter");
      // logged after the LPUSH that served it (newest first), as valkey-server logs them
      expect((await entries(io)).slice(0, 3).map((e) => e.args[0]!.toUpperCase())).toEqual(["SLOWLOG", "BLPOP", "LPUSH"]);

      await io.call("SLOWLOG", "RESET");
      b.send("blmove", "sl:src", "sl:dst", "LEFT", "RIGHT", "0");
      for (let i = 0; i < 100 && !String(await io.call("CLIENT", "LIST")).includes("flags=b"); i++) await new Promise((r) => setTimeout(r, 10));
      const [, ...execReplies] = (await io.multi().rpush("sl:src", "a").set("sl:x", "1").exec())!;
      expect(execReplies).toHaveLength(1);
      expect(await b.read()).toBe("$1\r\na\r\n");
      logged = (await entries(io)).filter((e) => e.args[0]!.toLowerCase() === "blmove");
      expect(logged).toHaveLength(1);
      // the arguments exactly as the client sent them
      expect(logged[0]!.args).toEqual(["blmove", "sl:src", "sl:dst", "LEFT", "RIGHT", "0"]);

      await io.call("SLOWLOG", "RESET");
      expect(await b.call("BRPOP", "sl:never", "0.02")).toBe("*-1\r\n");
      expect((await entries(io)).filter((e) => e.args[0] === "BRPOP")).toHaveLength(1);
    } finally {
      await io.config("SET", "slowlog-log-slower-than", "10000");
    }
  });

  it("commands run by a script or a function are logged with the calling client's address and name", async () => {
    const io = ctx.ioredis();
    await io.client("SETNAME", "script-caller");
    const me = (await io.client("INFO")) as string;
    const addr = /addr=(\S+)/.exec(me)![1];
    await io.config("SET", "slowlog-log-slower-than", "0");
    try {
      await io.call("SLOWLOG", "RESET");
      expect(await io.eval("redis.call('set', KEYS[1], 'b') return redis.call('get', KEYS[1])", 1, "sl:k")).toBe("b");
      const got = await entries(io);
      const set = got.find((e) => e.args[0] === "set");
      const get = got.find((e) => e.args[0] === "get");
      const evalEntry = got.find((e) => e.args[0] === "eval");
      expect(set).toEqual({ args: ["set", "sl:k", "b"], addr, name: "script-caller" });
      expect(get).toEqual({ args: ["get", "sl:k"], addr, name: "script-caller" });
      expect(evalEntry?.addr).toBe(addr);
      await io.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=sllib\nredis.register_function('slf', function(keys) return redis.call('incr', keys[1]) end)");
      await io.call("SLOWLOG", "RESET");
      expect(await io.call("FCALL", "slf", "1", "sl:n")).toBe(1);
      const incr = (await entries(io)).find((e) => e.args[0] === "incr");
      expect(incr).toEqual({ args: ["incr", "sl:n"], addr, name: "script-caller" });
    } finally {
      await io.config("SET", "slowlog-log-slower-than", "10000");
    }
  });
});

describeRuntimes(
  "parity: LATENCY (Valkey 8)",
  (ctx) => {
    it("HELP, and the monitor off: DOCTOR says so, LATEST/HISTORY are empty, GRAPH has no samples", async () => {
      const r = await ctx.raw();
      const help = await r.call("LATENCY", "HELP");
      expect(help.startsWith("*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n")).toBe(true);
      expect(await r.call("LATENCY", "DOCTOR")).toBe(
        '$180\r\nI\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Valkey instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it.\n\r\n',
      );
      expect(await r.call("LATENCY", "LATEST")).toBe("*0\r\n");
      expect(await r.call("LATENCY", "HISTORY", "command")).toBe("*0\r\n");
      expect(await r.call("LATENCY", "RESET")).toBe(":0\r\n");
      expect(await r.call("LATENCY", "GRAPH", "command")).toBe("-ERR No samples available for event 'command'\r\n");
      expect(await r.call("LATENCY", "NOSUCH")).toBe("-ERR unknown subcommand 'NOSUCH'. Try LATENCY HELP.\r\n");
    });

    it("with latency-monitor-threshold: a slow command is an event in LATEST, HISTORY, GRAPH and DOCTOR; RESET drops it", async () => {
      const r = await ctx.raw();
      // A threshold well above what a loaded machine adds to ordinary commands, and a command well above it.
      expect(await r.call("CONFIG", "SET", "latency-monitor-threshold", "200")).toBe("+OK\r\n");
      try {
        expect(await r.call("DEBUG", "SLEEP", "0.3")).toBe("+OK\r\n");
        const io = ctx.ioredis();
        const latest = (await io.call("LATENCY", "LATEST")) as Array<[string, number, number, number]>;
        expect(latest).toHaveLength(1);
        const [event, time, last, max] = latest[0]!;
        expect(event).toBe("command");
        expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(30);
        expect(last).toBeGreaterThanOrEqual(200);
        expect(max).toBeGreaterThanOrEqual(300);
        const history = (await io.call("LATENCY", "HISTORY", "command")) as Array<[number, number]>;
        expect(history.length).toBeGreaterThanOrEqual(1);
        expect(history[history.length - 1]).toEqual([time, last]);
        const lat = history.map(([, l]) => l);
        const graph = (await io.call("LATENCY", "GRAPH", "command")) as string;
        const lines = graph.split("\n");
        expect(lines[0]).toBe(`command - high ${Math.max(...lat)} ms, low ${Math.min(...lat)} ms (all time high ${max} ms)`);
        expect(lines[1]).toBe("-".repeat(80));
        // four rows of bars, a spacing row, then the "seconds ago" labels written downwards
        expect(lines.slice(2, 6).every((l) => l.length === lat.length && /^[ _o#|]+$/.test(l))).toBe(true);
        expect(lines[6]).toBe(" ".repeat(lat.length));
        const doctor = (await io.call("LATENCY", "DOCTOR")) as string;
        expect(doctor).toMatch(
          /^Latency spikes are observed in this Valkey instance\.\n\n1\. command: \d+ latency spikes \(average \d+ms, mean deviation \d+ms, period \d+\.\d\d sec\)\. Worst all time event \d+ms\.\n\nHere is some advice for you:\n\n/,
        );
        expect(await r.call("LATENCY", "RESET", "command", "nosuch")).toBe(":1\r\n");
        expect(await r.call("LATENCY", "LATEST")).toBe("*0\r\n");
        expect(await r.call("LATENCY", "DOCTOR")).toBe(
          "$101\r\nNo latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n\r\n",
        );
      } finally {
        await r.call("CONFIG", "SET", "latency-monitor-threshold", "0");
      }
    });

    it("HISTOGRAM: calls and cumulative counts per power-of-two microsecond bucket, by command (subcommands by container)", async () => {
      const r = await ctx.raw();
      await r.call("CONFIG", "RESETSTAT");
      for (let i = 0; i < 5; i++) await r.call("SET", "lat:k", String(i));
      await r.call("CONFIG", "GET", "maxmemory");
      const nr = await ctx.nodeRedis(3);
      const h = (await nr.sendCommand(["LATENCY", "HISTOGRAM", "set", "config", "nosuch"])) as Record<string, Record<string, unknown>>;
      expect(Object.keys(h).sort()).toEqual(["config|get", "config|resetstat", "set"]);
      expect(h.set!.calls).toBe(5);
      const buckets = h.set!.histogram_usec as Record<string, number>;
      const counts = Object.values(buckets);
      expect(counts[counts.length - 1]).toBe(5);
      for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThan(counts[i - 1]!);
      // bucket bounds are Valkey's: 1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056 ... microseconds
      for (const us of Object.keys(buckets)) expect([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33817]).toContain(Number(us));
      expect(await r.call("LATENCY", "HISTOGRAM", "nosuch")).toBe("*0\r\n");
      await r.call("CONFIG", "SET", "latency-tracking", "no");
      try {
        await r.call("CONFIG", "RESETSTAT");
        await r.call("SET", "lat:k", "x");
        expect(await r.call("LATENCY", "HISTOGRAM", "set")).toBe("*0\r\n");
      } finally {
        await r.call("CONFIG", "SET", "latency-tracking", "yes");
      }
    });
  },
  ["--enable-debug-command", "yes"],
);

describeRuntimes("parity: MIGRATE (Valkey 8)", (ctx) => {
  it("moves keys to another server with their TTL; COPY, REPLACE, KEYS, AUTH, NOKEY and the target's errors", async () => {
    const target = await spawnServer(ctx.runtime, ["--requirepass", "tpw"]);
    try {
      const t = await RawClient.connect(target.port);
      await t.call("AUTH", "tpw");
      const r = await ctx.raw();
      const port = String(target.port);
      await r.call("SET", "mg:k", "v", "EX", "100");
      await r.call("RPUSH", "mg:l", "a", "b");
      // the target wants a password
      expect(await r.call("MIGRATE", "127.0.0.1", port, "mg:k", "0", "5000")).toBe(
        "-ERR Target instance replied with error: NOAUTH Authentication required.\r\n",
      );
      expect(await r.call("EXISTS", "mg:k")).toBe(":1\r\n");
      expect(await r.call("MIGRATE", "127.0.0.1", port, "mg:k", "0", "5000", "AUTH", "tpw")).toBe("+OK\r\n");
      expect(await r.call("EXISTS", "mg:k")).toBe(":0\r\n");
      expect(await t.call("GET", "mg:k")).toBe("$1\r\nv\r\n");
      const ttl = Number((await t.call("TTL", "mg:k")).slice(1, -2));
      expect(ttl).toBeGreaterThan(90);
      expect(ttl).toBeLessThanOrEqual(100);
      // COPY keeps the local key; without REPLACE the target refuses an existing key
      await r.call("SET", "mg:k", "again");
      expect(await r.call("MIGRATE", "127.0.0.1", port, "mg:k", "0", "5000", "COPY", "AUTH2", "default", "tpw")).toBe(
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
      );
      expect(await r.call("MIGRATE", "127.0.0.1", port, "mg:k", "0", "5000", "COPY", "REPLACE", "AUTH2", "default", "tpw")).toBe("+OK\r\n");
      expect(await r.call("GET", "mg:k")).toBe("$5\r\nagain\r\n");
      expect(await t.call("GET", "mg:k")).toBe("$5\r\nagain\r\n");
      // several keys into another database, missing ones skipped
      expect(await r.call("MIGRATE", "127.0.0.1", port, "", "3", "5000", "AUTH", "tpw", "KEYS", "mg:l", "mg:none", "mg:k")).toBe("+OK\r\n");
      expect(await r.call("EXISTS", "mg:l", "mg:k")).toBe(":0\r\n");
      await t.call("SELECT", "3");
      expect(await t.call("LRANGE", "mg:l", "0", "-1")).toBe("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
      expect(await r.call("MIGRATE", "127.0.0.1", port, "", "3", "5000", "KEYS", "mg:none")).toBe("+NOKEY\r\n");
      // inside MULTI/EXEC the reply keeps its place
      await r.call("SET", "mg:m", "1");
      expect(await r.call("MULTI")).toBe("+OK\r\n");
      expect(await r.call("MIGRATE", "127.0.0.1", port, "mg:m", "3", "5000", "AUTH", "tpw")).toBe("+QUEUED\r\n");
      expect(await r.call("EXISTS", "mg:m")).toBe("+QUEUED\r\n");
      expect(await r.call("EXEC")).toBe("*2\r\n+OK\r\n:0\r\n");
      expect(await t.call("GET", "mg:m")).toBe("$1\r\n1\r\n");
      // nothing listening there
      await r.call("SET", "mg:k", "v");
      const closed = await spawnServer(ctx.runtime);
      const deadPort = String(closed.port);
      await closed.stop();
      expect(await r.call("MIGRATE", "127.0.0.1", deadPort, "mg:k", "0", "1000")).toBe("-IOERR error or timeout writing to target instance\r\n");
      expect(await r.call("EXISTS", "mg:k")).toBe(":1\r\n");
      t.close();
    } finally {
      await target.stop();
    }
  });

  it("COMMAND INFO marks MIGRATE movablekeys; COMMAND GETKEYS finds its keys in both forms", async () => {
    const io = ctx.ioredis();
    const [info] = (await io.call("COMMAND", "INFO", "migrate")) as Array<[string, number, string[], number, number, number]>;
    expect(info!.slice(0, 6)).toEqual(["migrate", -6, ["write", "movablekeys"], 3, 3, 1]);
    expect(await io.call("COMMAND", "GETKEYS", "migrate", "h", "6379", "", "0", "5000", "KEYS", "a", "b")).toEqual(["a", "b"]);
    expect(await io.call("COMMAND", "GETKEYS", "migrate", "h", "6379", "k", "0", "5000", "COPY")).toEqual(["k"]);
    const r = await ctx.raw();
    expect(await r.call("MIGRATE", "h", "1", "k", "0", "5000", "KEYS", "a")).toBe(
      "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
    );
    expect(await r.call("MIGRATE", "h", "1", "k", "0", "5000", "AUTH")).toBe("-ERR syntax error\r\n");
    expect(await r.call("MIGRATE", "h", "1", "k", "x", "5000")).toBe("-ERR value is not an integer or out of range\r\n");
  });
});
