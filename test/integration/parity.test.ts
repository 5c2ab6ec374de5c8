// Valkey 8 parity (issue 17): behaviour checked side by side with valkey-server 8.0.1, one describe per area.

import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

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
