// COMMAND and its subcommands, answered from the live table, with Valkey's reply shapes and errors.

import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

// COMMAND INFO GET as Valkey 8 / Redis 7 send it.
const GET_INFO_RESP2 =
  "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n" +
  "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n" +
  "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n" +
  "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
const GET_INFO_RESP3 =
  "*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n" +
  "~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n" +
  "%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n" +
  "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n";

type Info = [string, number, string[], number, number, number, string[], string[], unknown[], Info[]];

describeRuntimes("command", (ctx) => {
  it("COMMAND INFO: exact bytes in RESP2 and RESP3, null for unknown names", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("COMMAND", "INFO", "get")).toBe("*1\r\n" + GET_INFO_RESP2);
    expect(await raw.call("COMMAND", "INFO", "GET", "nosuch", "get|x", "command|info|x")).toBe(
      "*4\r\n" + GET_INFO_RESP2 + "$-1\r\n$-1\r\n$-1\r\n",
    );
    await raw.call("HELLO", "3");
    expect(await raw.call("COMMAND", "INFO", "get", "nosuch")).toBe("*2\r\n" + GET_INFO_RESP3 + "_\r\n");
  });

  it("COMMAND INFO of subcommands and containers", async () => {
    const r = ctx.ioredis();
    const [info] = (await r.call("COMMAND", "INFO", "COMMAND|GETKEYS")) as Info[];
    expect(info).toEqual(["command|getkeys", -3, ["loading", "stale"], 0, 0, 0, ["@slow", "@connection"], [], [], []]);
    const [cmd] = (await r.call("COMMAND", "INFO", "command")) as Info[];
    expect(cmd!.slice(0, 8)).toEqual(["command", -1, ["loading", "stale"], 0, 0, 0, ["@slow", "@connection"], ["nondeterministic_output_order"]]);
    expect(cmd![9].map((s) => s[0]).sort()).toEqual([
      "command|count",
      "command|docs",
      "command|getkeys",
      "command|getkeysandflags",
      "command|help",
      "command|info",
      "command|list",
    ]);
  });

  it("COMMAND INFO derives movablekeys, key ranges and implicit ACL categories", async () => {
    const r = ctx.ioredis();
    const [watch, multi, del] = (await r.call("COMMAND", "INFO", "watch", "multi", "del")) as Info[];
    expect(watch!.slice(0, 7)).toEqual(["watch", -2, ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"], 1, -1, 1, ["@fast", "@transaction"]]);
    expect(multi!.slice(0, 7)).toEqual(["multi", 1, ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"], 0, 0, 0, ["@fast", "@transaction"]]);
    expect(del!.slice(0, 7)).toEqual(["del", -2, ["write"], 1, -1, 1, ["@keyspace", "@write", "@slow"]]);
    expect(del![7]).toEqual(["request_policy:multi_shard", "response_policy:agg_sum"]);
  });

  it("COMMAND, COMMAND COUNT and COMMAND LIST agree", async () => {
    const r = ctx.ioredis();
    const all = (await r.call("COMMAND")) as Info[];
    const count = (await r.call("COMMAND", "COUNT")) as number;
    expect(all.length).toBe(count);
    const names = all.map((e) => e[0]);
    expect(names).toContain("get");
    expect(names).toContain("command");
    const list = (await r.call("COMMAND", "LIST")) as string[];
    const subs = all.flatMap((e) => e[9].map((s) => s[0]));
    expect([...list].sort()).toEqual([...names, ...subs].sort());
    expect(await r.call("COMMAND", "INFO")).toEqual(all);
  });

  it("COMMAND LIST FILTERBY ACLCAT / PATTERN / MODULE", async () => {
    const r = ctx.ioredis();
    const tx = (await r.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "Transaction")) as string[];
    expect([...tx].sort()).toEqual(["discard", "exec", "multi", "unwatch", "watch"]);
    expect(await r.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcategory")).toEqual([]);
    const pat = (await r.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "COMMAND|GET*")) as string[];
    expect([...pat].sort()).toEqual(["command|getkeys", "command|getkeysandflags"]);
    expect(await r.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "g?t")).toEqual(["get"]);
    expect(await r.call("COMMAND", "LIST", "FILTERBY", "MODULE", "anything")).toEqual([]);
  });

  it("COMMAND LIST refuses anything else with a syntax error", async () => {
    const raw = await ctx.raw();
    for (const args of [["foo"], ["FILTERBY"], ["FILTERBY", "PATTERN"], ["FILTERBY", "PATTERN", "a", "b"], ["FILTERBY", "NOPE", "x"]]) {
      expect(await raw.call("COMMAND", "LIST", ...args)).toBe("-ERR syntax error\r\n");
    }
  });

  it("COMMAND DOCS: a map of name -> docs; unknown names are left out", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("COMMAND", "DOCS", "nosuch")).toBe("*0\r\n");
    expect(await raw.call("COMMAND", "DOCS", "command|count", "nosuch")).toBe(
      "*2\r\n$13\r\ncommand|count\r\n*8\r\n$7\r\nsummary\r\n$28\r\nReturns a count of commands.\r\n$5\r\nsince\r\n$6\r\n2.8.13\r\n" +
        "$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n",
    );
    const n = await ctx.nodeRedis(3);
    const docs = (await n.sendCommand(["COMMAND", "DOCS", "command"])) as Record<string, Record<string, unknown>>;
    expect(docs.command!.group).toBe("server");
    expect(docs.command!.since).toBe("2.8.13");
    expect(Object.keys(docs.command!.subcommands as object)).toContain("command|getkeysandflags");
    const all = (await n.sendCommand(["COMMAND", "DOCS"])) as Record<string, unknown>;
    expect(Object.keys(all).length).toBe(await n.sendCommand(["COMMAND", "COUNT"]));
  });

  it("COMMAND GETKEYS / GETKEYSANDFLAGS", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("COMMAND", "GETKEYS", "get", "k")).toBe("*1\r\n$1\r\nk\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "DEL", "a", "b", "c")).toBe("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "set", "k", "v")).toBe("*1\r\n$1\r\nk\r\n");
    expect(await raw.call("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get")).toBe("*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
    expect(await raw.call("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v")).toBe("*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n");
    expect(await raw.call("COMMAND", "GETKEYSANDFLAGS", "watch", "a", "b")).toBe("*2\r\n*2\r\n$1\r\na\r\n*1\r\n+RO\r\n*2\r\n$1\r\nb\r\n*1\r\n+RO\r\n");
  });

  it("COMMAND GETKEYS errors, exactly as Valkey", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("COMMAND", "GETKEYS", "nosuch", "a")).toBe("-ERR Invalid command specified\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "command", "nosuch")).toBe("-ERR Invalid command specified\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "ping", "x")).toBe("-ERR The command has no key arguments\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "client", "x")).toBe("-ERR Invalid command specified\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "get", "a", "b")).toBe("-ERR Invalid number of arguments specified for command\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "set", "k")).toBe("-ERR Invalid number of arguments specified for command\r\n");
    expect(await raw.call("COMMAND", "GETKEYS", "get")).toBe("-ERR Invalid number of arguments specified for command\r\n");
    expect(await raw.call("COMMAND", "GETKEYS")).toBe("-ERR wrong number of arguments for 'command|getkeys' command\r\n");
    expect(await raw.call("COMMAND", "GETKEYSANDFLAGS")).toBe("-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n");
  });

  it("COMMAND HELP, unknown subcommands and arity", async () => {
    const raw = await ctx.raw();
    const help = await raw.call("command", "help");
    expect(help.startsWith("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no subcommand)\r\n")).toBe(true);
    expect(help.endsWith("+HELP\r\n+    Print this help.\r\n")).toBe(true);
    expect(await raw.call("COMMAND", "nope")).toBe("-ERR unknown subcommand 'nope'. Try COMMAND HELP.\r\n");
    expect(await raw.call("COMMAND", "COUNT", "x")).toBe("-ERR wrong number of arguments for 'command|count' command\r\n");
    expect(await raw.call("COMMAND", "HELP", "x")).toBe("-ERR wrong number of arguments for 'command|help' command\r\n");
    // a container without a handler of its own still needs a subcommand
    expect(await raw.call("CLIENT")).toBe("-ERR wrong number of arguments for 'client' command\r\n");
  });

  it("ioredis and node-redis read COMMAND replies", async () => {
    const r = ctx.ioredis({ protocol: 3 } as never);
    const [info] = (await r.call("COMMAND", "INFO", "get")) as Info[];
    expect(info![0]).toBe("get");
    const n = await ctx.nodeRedis(2);
    expect(await n.sendCommand(["COMMAND", "COUNT"])).toBeGreaterThan(10);
    expect(await n.sendCommand(["COMMAND", "GETKEYS", "get", "x"])).toEqual(["x"]);
  });

  it("flags from the table are enforced: MULTI and WATCH inside MULTI are refused and abort the transaction", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("MULTI")).toBe("+OK\r\n");
    expect(await raw.call("MULTI")).toBe("-ERR Command not allowed inside a transaction\r\n");
    expect(await raw.call("WATCH", "x")).toBe("-ERR Command not allowed inside a transaction\r\n");
    expect(await raw.call("PING")).toBe("+QUEUED\r\n");
    expect(await raw.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
  });
});
