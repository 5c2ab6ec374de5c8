import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const LIB = [
  "#!lua name=mylib",
  "local function incr(keys, args)",
  "  return redis.call('INCRBY', keys[1], args[1])",
  "end",
  "redis.register_function('my_incr', incr)",
  "redis.register_function{function_name='my_get', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a key'}",
  "redis.register_function('my_fail', function(keys, args)",
  "  error('bad')",
  "end)",
  "redis.register_function('my_set', function(keys, args) return redis.call('SET', keys[1], args[1]) end)",
].join("\n");

describeRuntimes("functions", (ctx) => {
  it("FUNCTION LOAD / FCALL / FCALL_RO life cycle", async () => {
    const raw = await ctx.raw();
    await raw.call("FUNCTION", "FLUSH");
    expect(await raw.call("FUNCTION", "LOAD", LIB)).toBe("$5\r\nmylib\r\n");
    expect(await raw.call("FCALL", "my_incr", "1", "cnt", "5")).toBe(":5\r\n");
    expect(await raw.call("FCALL", "my_incr", "1", "cnt", "2")).toBe(":7\r\n");
    expect(await raw.call("FCALL_RO", "my_get", "1", "cnt")).toBe("$1\r\n7\r\n");
    expect(await raw.call("FCALL_RO", "my_set", "1", "x", "y")).toBe("-ERR Can not execute a script with write flag using *_ro command.\r\n");
    expect(await raw.call("FCALL", "my_fail", "0")).toBe("-ERR user_function:8: bad script: my_fail, on @user_function:8.\r\n");
    await raw.call("SET", "str", "x");
    expect(await raw.call("FCALL", "my_incr", "1", "str", "1")).toBe(
      "-ERR value is not an integer or out of range script: my_incr, on @user_function:3.\r\n",
    );
    expect(await raw.call("FCALL", "nosuch", "0")).toBe("-ERR Function not found\r\n");
    expect(await raw.call("FCALL", "my_incr", "abc")).toBe("-ERR Bad number of keys provided\r\n");
    expect(await raw.call("FCALL", "my_incr", "5", "a")).toBe("-ERR Number of keys can't be greater than number of args\r\n");
    expect(await raw.call("FUNCTION", "LOAD", LIB)).toBe("-ERR Library 'mylib' already exists\r\n");
    expect(await raw.call("FUNCTION", "LOAD", "REPLACE", LIB)).toBe("$5\r\nmylib\r\n");
    expect(await raw.call("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('my_incr', function() return 1 end)")).toBe(
      "-ERR Function my_incr already exists\r\n",
    );
    expect(await raw.call("FUNCTION", "DELETE", "nolib")).toBe("-ERR Library not found\r\n");
    expect(await raw.call("FUNCTION", "DELETE", "mylib")).toBe("+OK\r\n");
    expect(await raw.call("FCALL", "my_incr", "1", "cnt", "1")).toBe("-ERR Function not found\r\n");
  });

  it("FUNCTION LOAD errors", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["#!lua name=l2\nreturn 1", "ERR No functions registered"],
      ["#!lua name=l3\nredis.call('ping')", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"],
      ["#!lua\nredis.register_function('x', function() return 1 end)", "ERR Library name was not given"],
      ["#!lua name=l5 foo=bar\nreturn", "ERR Invalid metadata value given: foo=bar"],
      ["#!lua name=l6\nredis.register_function{function_name='x', callback=function() return 1 end, flags={'bogus'}}", "ERR Error registering functions: ERR unknown flag given"],
      ["#!lua name=l7\nx = 1", "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"],
      ["#!lua name=l8\nreturn 1 2", "ERR Error compiling function: user_function:2: '<eof>' expected near '2'"],
      ["lib5", "ERR Missing library metadata"],
      ["#!py name=l9\n", "ERR Engine 'py' not found"],
      ["#!lua name=bad-name\nredis.register_function('x', function() return 1 end)", "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"],
      [
        "#!lua name=l10\nredis.register_function('bad-name', function() return 1 end)",
        // Valkey 8.0's text for an invalid function name (functionLibCreateFunction) names libraries
        "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
      ],
    ];
    for (const [code, err] of cases) expect(await raw.call("FUNCTION", "LOAD", code), code).toBe(`-${err}\r\n`);
    expect(await raw.call("FUNCTION", "LOAD", "BOGUS", "#!lua name=x\n")).toBe("-ERR Unknown option given: BOGUS\r\n");
  });

  it("FUNCTION LIST, STATS, DUMP / RESTORE, FLUSH, KILL, HELP", async () => {
    const r = ctx.ioredis();
    const fn = (...a: Array<string | Buffer>): Promise<unknown> => r.call("FUNCTION", ...a);
    await r.function("FLUSH");
    await r.function("LOAD", LIB);
    await r.function("LOAD", "#!lua name=second\nredis.register_function('s1', function() return 's1' end)");
    const list = (await r.function("LIST", "LIBRARYNAME", "my*")) as unknown[];
    expect(list).toHaveLength(1);
    const lib = list[0] as unknown[];
    expect(lib.slice(0, 4)).toEqual(["library_name", "mylib", "engine", "LUA"]);
    const fns = lib[5] as unknown[][];
    expect(fns.find((f) => f[1] === "my_get")).toEqual(["name", "my_get", "description", "reads a key", "flags", ["no-writes"]]);
    expect(fns.find((f) => f[1] === "my_incr")).toEqual(["name", "my_incr", "description", null, "flags", []]);
    const withCode = (await fn("LIST", "WITHCODE", "LIBRARYNAME", "second")) as unknown[][];
    expect(withCode[0]!.slice(6)).toEqual(["library_code", "#!lua name=second\nredis.register_function('s1', function() return 's1' end)"]);
    expect(await r.function("STATS")).toEqual(["running_script", null, "engines", ["LUA", ["libraries_count", 2, "functions_count", 5]]]);

    const raw = await ctx.raw();
    expect(await raw.call("FUNCTION", "LIST", "bogus")).toBe("-ERR Unknown argument bogus\r\n");
    expect(await raw.call("FUNCTION", "LIST", "LIBRARYNAME")).toBe("-ERR library name argument was not given\r\n");
    expect(await raw.call("FUNCTION", "KILL")).toBe("-NOTBUSY No scripts in execution right now.\r\n");
    expect(await raw.call("FUNCTION", "FLUSH", "bogus")).toBe("-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n");
    expect(await raw.call("FUNCTION", "RESTORE", "abc")).toBe("-ERR DUMP payload version or checksum are wrong\r\n");

    const dump = (await r.callBuffer("FUNCTION", "DUMP")) as Buffer;
    await r.function("FLUSH", "SYNC");
    expect(await r.function("LIST")).toEqual([]);
    expect(await fn("RESTORE", dump, "BOGUS").catch((e: Error) => e.message)).toBe(
      "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
    );
    expect(await r.function("RESTORE", dump)).toBe("OK");
    expect(await r.fcall("s1", 0)).toBe("s1");
    expect(await r.function("RESTORE", dump).catch((e: Error) => e.message)).toMatch(/already exists/);
    expect(await r.function("RESTORE", dump, "REPLACE")).toBe("OK");
    expect(await r.function("RESTORE", dump, "FLUSH")).toBe("OK");
    expect(((await r.function("LIST")) as unknown[]).length).toBe(2);

    const help = await raw.call("FUNCTION", "HELP");
    expect(help).toContain("+FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
    expect(help).toContain("+RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]\r\n");
  });

  it("KEYS/ARGV are not globals in libraries; INFO counts scripts, functions and the Lua heap", async () => {
    const raw = await ctx.raw();
    await raw.call("FUNCTION", "FLUSH");
    await raw.call("SCRIPT", "FLUSH");
    expect(await raw.call("FUNCTION", "LOAD", "#!lua name=g\nlocal x = KEYS[1]")).toBe(
      "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS'\r\n",
    );
    expect(await raw.call("FUNCTION", "LOAD", "#!lua name=g2\nredis.register_function('g2', function() return ARGV[1] end)")).toBe("$2\r\ng2\r\n");
    expect(await raw.call("FCALL", "g2", "0", "a")).toBe(
      "-ERR user_function:2: Script attempted to access nonexistent global variable 'ARGV' script: g2, on @user_function:2.\r\n",
    );
    for (let i = 0; i < 3; i++) await raw.call("SCRIPT", "LOAD", `return ${i}`);
    const info = await raw.call("INFO", "memory");
    expect(info).toMatch(/number_of_cached_scripts:3\r\n/);
    expect(info).toMatch(/number_of_functions:1\r\n/);
    expect(info).toMatch(/number_of_libraries:1\r\n/);
    expect(Number(/used_memory_lua:(\d+)/.exec(info)![1])).toBeGreaterThan(1000);
    expect(Number(/used_memory_scripts_eval:(\d+)/.exec(info)![1])).toBe(3 * (40 + "return 0".length));
    // Many compiled scripts grow the Lua heap; SCRIPT FLUSH gives it back, as resetting Valkey's Lua VM does.
    for (let i = 0; i < 300; i++) await raw.call("EVAL", `local t = {} for j = 1, 20 do t[j] = ${i} * j end return #t`, "0");
    const lua = () => raw.call("INFO", "memory").then((s) => Number(/used_memory_lua:(\d+)/.exec(s)![1]));
    const grown = await lua();
    await raw.call("SCRIPT", "FLUSH", "ASYNC");
    expect(await raw.call("INFO", "memory")).toMatch(/number_of_cached_scripts:0\r\n/);
    expect(await lua()).toBeLessThan(grown / 2);
    expect(await raw.call("FUNCTION", "DELETE", "g2")).toBe("+OK\r\n");
  });

  it("functions return RESP3 values and KEYS/ARGV arrive as arguments", async () => {
    const r = ctx.ioredis();
    await r.function(
      "LOAD",
      "REPLACE",
      "#!lua name=r3\nredis.register_function('echo', function(keys, args) return {#keys, #args, keys[1], args[1]} end)\nredis.register_function('dbl', function() redis.setresp(3) return {double=2.5} end)",
    );
    expect(await r.fcall("echo", 1, "k", "a", "b")).toEqual([1, 2, "k", "a"]);
    const raw = await ctx.raw();
    expect(await raw.call("FCALL", "dbl", "0")).toBe("$3\r\n2.5\r\n");
    await raw.call("HELLO", "3");
    expect(await raw.call("FCALL", "dbl", "0")).toBe(",2.5\r\n");
  });
});
