// Scripts and functions as Valkey 8.0.1 runs them, where a real test suite found differences: error texts of
// redis.call, the global-variable error pcall catches, WAIT inside scripts, MONITOR, errorstats / commandstats,
// min-replicas-to-write, the load-time environment of FUNCTION LOAD, and the Lua heap staying flat.
// Every expected reply here was taken from valkey-server 8.0.1 (../shared/tools/resp-diff.mjs --valkey).

import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";
import { lrand48 } from "../helpers/lrand48.js";
import fc from "fast-check";
import { formatDouble } from "../../src/resp.js";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const suffix = (script: string, line: number) => ` script: ${sha1(script)}, on @user_script:${line}.`;
const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;

/** INFO section as name -> value. */
async function info(raw: RawClient, section: string): Promise<Map<string, string>> {
  const text = await raw.call("INFO", section);
  const m = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("$")) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

describeRuntimes("scripting fidelity", (ctx) => {
  it("pcall catches a nonexistent global with Valkey's text, no internal marker", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "local ok, e = pcall(function() return foo end) return e", "0")).toBe(
      bulk("user_script:1: Script attempted to access nonexistent global variable 'foo'"),
    );
    expect(await raw.call("EVAL", "local ok, e = xpcall(function() return bar end, function(m) return 'h: ' .. m end) return e", "0")).toBe(
      bulk("h: user_script:1: Script attempted to access nonexistent global variable 'bar'"),
    );
    const s = "local status, res = pcall(function() return foo end); return 'status: ' .. tostring(status) .. ' result: ' .. res";
    expect(await raw.call("EVAL", s, "0")).toBe(
      bulk("status: false result: user_script:1: Script attempted to access nonexistent global variable 'foo'"),
    );
    // in a function too
    await raw.call("FUNCTION", "FLUSH");
    await raw.call("FUNCTION", "LOAD", "#!lua name=pg\nredis.register_function('pg', function() local ok, e = pcall(function() return nope end) return e end)");
    expect(await raw.call("FCALL", "pg", "0")).toBe(bulk("user_function:2: Script attempted to access nonexistent global variable 'nope'"));
  });

  it("pcall with error objects and non-string arguments returns what Valkey returns", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["local ok,e = pcall(error, {err='x'}) return e", bulk("x")],
      ["local ok,e = pcall(error, {err='x'}) return type(e)", bulk("string")],
      ["local ok,e = pcall(error, 5) return e", bulk("5")],
      ["local ok,e = pcall(error) return type(e)", bulk("nil")],
      ["local ok,e = pcall(error, true) return tostring(e)", bulk("true")],
      ["return {pcall(error, nil)}", "*1\r\n$-1\r\n"],
      ["return {pcall(error, {})}", "*2\r\n$-1\r\n*0\r\n"],
      ["local ok,e = pcall(redis.call, 'get', {}) return e", bulk("ERR Command arguments must be strings or integers")],
      ["local ok,e = pcall(redis.call, 'nosuch') return e", bulk("ERR Unknown command called from script")],
      ["local ok,e = pcall(redis.call) return e", bulk("ERR Please specify at least one argument for this call")],
      ["return {pcall(1)}", "*2\r\n$-1\r\n$30\r\nattempt to call a number value\r\n"],
      ["return redis.pcall('get', {})", "-ERR Command arguments must be strings or integers\r\n"],
      // xpcall's handler gets the error table, as Valkey's (its pcall gives the message)
      ["return {xpcall(function() error({err='E x'}) end, function(e) return e end)}", "*2\r\n$-1\r\n-E x\r\n"],
      ["return {xpcall(function() redis.call('nosuch') end, function(e) return type(e) end)}", "*2\r\n$-1\r\n$5\r\ntable\r\n"],
      ["local ok, e = pcall(function() redis.call('nosuch') end) return type(e)", bulk("string")],
      // error() with nil or a boolean: the value's text
      ["error(nil)", `-ERR nil${suffix("error(nil)", 1)}\r\n`],
      ["error(true)", `-ERR true${suffix("error(true)", 1)}\r\n`],
      ["\n\nerror()", `-ERR nil${suffix("\n\nerror()", 3)}\r\n`],
    ];
    for (const [script, want] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(want);
  });

  it("redis.call errors: unknown command, wrong arity, noscript commands, bad arguments", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["return redis.call('nosuch')", "ERR Unknown command called from script"],
      ["return redis.call('get')", "ERR Wrong number of args calling command from script"],
      ["return redis.call('get', 'a', 'b')", "ERR Wrong number of args calling command from script"],
      ["return redis.call('config')", "ERR Wrong number of args calling command from script"],
      ["return redis.call('multi')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('eval', 'return 1', '0')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('subscribe', 'x')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('config', 'get', 'maxmemory')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('function', 'list')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('client', 'list')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('monitor')", "ERR This Redis command is not allowed from script"],
      ["return redis.call('script', 'load', 'return 1')", "ERR This Redis command is not allowed from script"],
      ["return redis.call()", "ERR Please specify at least one argument for this call"],
      ["return redis.call('get', {})", "ERR Command arguments must be strings or integers"],
    ];
    for (const [script, err] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`-${err}${suffix(script, 1)}\r\n`);
    expect(await raw.call("EVAL", "return redis.pcall('get')", "0")).toBe("-ERR Wrong number of args calling command from script\r\n");
    expect(await raw.call("EVAL", "return redis.pcall('multi')", "0")).toBe("-ERR This Redis command is not allowed from script\r\n");
    // the script client is left usable
    expect(await raw.call("EVAL", "return redis.call('ping', 'asdf')", "0")).toBe(bulk("asdf"));
  });

  it("WAIT and WAITAOF inside a script answer at once", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "return redis.call('wait', '1', '0')", "0")).toBe(":0\r\n");
    expect(await raw.call("EVAL", "return redis.call('waitaof', '0', '1', '0')", "0")).toBe("*2\r\n:0\r\n:0\r\n");
    expect(await raw.call("EVAL", "return redis.call('wait', '0', '0')", "0")).toBe(":0\r\n");
    await raw.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=w\nredis.register_function('w', function() return redis.call('wait', '5', '0') end)");
    expect(await raw.call("FCALL", "w", "0")).toBe(":0\r\n");
    // and the next script still runs
    expect(await raw.call("EVAL", "return redis.call('set', 'wk', 'v')", "0")).toBe("+OK\r\n");
  });

  it("MONITOR shows EVAL / FCALL first, then the script's commands as [db lua]", async () => {
    const mon = await ctx.raw();
    expect(await mon.call("MONITOR")).toBe("+OK\r\n");
    const raw = await ctx.raw();
    await raw.call("function", "load", "replace", "#!lua name=m\nredis.register_function('m', function(k) return redis.call('get', k[1]) end)");
    await raw.call("eval", "redis.call('set', KEYS[1], 'b') return redis.call('get', KEYS[1])", "1", "mk");
    await raw.call("eval", "return 1", "x");
    await raw.call("fcall", "m", "1", "mk");
    await raw.call("eval", "redis.call('select', '2') return redis.call('get', 'mk')", "0");
    const lines: string[] = [];
    while (lines.length < 9) lines.push((await mon.read()).replace(/^\+\d+\.\d+ /, "").replace(/127\.0\.0\.1:\d+/, "client").trimEnd());
    expect(lines).toEqual([
      '[0 client] "function" "load" "replace" "#!lua name=m\\nredis.register_function(\'m\', function(k) return redis.call(\'get\', k[1]) end)"',
      '[0 client] "eval" "redis.call(\'set\', KEYS[1], \'b\') return redis.call(\'get\', KEYS[1])" "1" "mk"',
      '[0 lua] "set" "mk" "b"',
      '[0 lua] "get" "mk"',
      '[0 client] "eval" "return 1" "x"',
      '[0 client] "fcall" "m" "1" "mk"',
      '[0 lua] "get" "mk"',
      '[0 client] "eval" "redis.call(\'select\', \'2\') return redis.call(\'get\', \'mk\')" "0"',
      '[2 lua] "select" "2"',
    ]);
    expect((await mon.read()).replace(/^\+\d+\.\d+ /, "")).toBe('[2 lua] "get" "mk"\r\n');
  });

  it("errorstats and commandstats count script errors as for plain commands", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "str", "x");
    await raw.call("CONFIG", "RESETSTAT");
    const scripts = [
      "return redis.call('nosuch')",
      "redis.pcall('nosuch') return 1",
      "return redis.call('lpush','str','x')",
      "return redis.pcall('lpush','str','x')",
      "redis.pcall('lpush','str','x') return 1",
      "return redis.call('get')",
      "redis.pcall('get') return 1",
      "return redis.call('multi')",
      "error('x')",
      "return {err='FOO bar'}",
      "return nil + 1",
      "redis.pcall('get', {}) return 1",
    ];
    for (const s of scripts) await raw.call("EVAL", s, "0");
    await raw.call("EVAL_RO", "return redis.call('set','a','b')", "0");
    const errs = await info(raw, "errorstats");
    expect([...errs].filter(([k]) => k.startsWith("errorstat_")).sort()).toEqual([
      ["errorstat_ERR", "count=8"],
      ["errorstat_FOO", "count=1"],
      ["errorstat_WRONGTYPE", "count=3"],
    ]);
    const cmds = await info(raw, "commandstats");
    const stat = (name: string) => cmds.get(`cmdstat_${name}`)?.replace(/usec=\d+,usec_per_call=[\d.]+,/, "");
    expect(stat("eval")).toBe("calls=12,rejected_calls=0,failed_calls=8");
    expect(stat("eval_ro")).toBe("calls=1,rejected_calls=0,failed_calls=1");
    expect(stat("get")).toBe("calls=0,rejected_calls=2,failed_calls=0");
    expect(stat("lpush")).toBe("calls=3,rejected_calls=0,failed_calls=3");
    expect(stat("multi")).toBe("calls=0,rejected_calls=1,failed_calls=0");
    expect(stat("set")).toBe("calls=0,rejected_calls=1,failed_calls=0");
  });

  it("min-replicas-to-write refuses writes from scripts as from clients", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "mr", "v");
    await raw.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=mr\nredis.register_function('mrw', function() return 1 end)\nredis.register_function{function_name='mrr', callback=function() return redis.call('get', 'mr') end, flags={'no-writes'}}");
    expect(await raw.call("CONFIG", "SET", "min-replicas-to-write", "1")).toBe("+OK\r\n");
    try {
      const NOREP = "NOREPLICAS Not enough good replicas to write.";
      expect(await raw.call("SET", "mr", "w")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("GET", "mr")).toBe(bulk("v"));
      const w = "return redis.call('set','mr','x')";
      expect(await raw.call("EVAL", w, "0")).toBe(`-${NOREP}${suffix(w, 1)}\r\n`);
      expect(await raw.call("EVAL", "return redis.pcall('set','mr','x')", "0")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("EVAL", "return redis.call('get','mr')", "0")).toBe(bulk("v"));
      expect(await raw.call("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','mr')", "0")).toBe(bulk("v"));
      expect(await raw.call("EVAL", "#!lua\nreturn 1", "0")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("FCALL", "mrw", "0")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("FCALL", "mrr", "0")).toBe(bulk("v"));
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("SET", "mr", "y")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
      // A script that declares writes is refused while being queued, EVAL_RO too (valkey-server 8.0.1 does so)
      expect(await raw.call("MULTI")).toBe("+OK\r\n");
      expect(await raw.call("EVAL", "#!lua\nreturn 1", "0")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("EVAL_RO", "#!lua\nreturn 1", "0")).toBe(`-${NOREP}\r\n`);
      expect(await raw.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0")).toBe("+QUEUED\r\n");
      expect(await raw.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
      // min-replicas-max-lag 0 turns the check off, as in Valkey
      expect(await raw.call("CONFIG", "SET", "min-replicas-max-lag", "0")).toBe("+OK\r\n");
      expect(await raw.call("SET", "mr", "z")).toBe("+OK\r\n");
    } finally {
      await raw.call("CONFIG", "SET", "min-replicas-to-write", "0");
      await raw.call("CONFIG", "SET", "min-replicas-max-lag", "10");
    }
    expect(await raw.call("EVAL", "return redis.call('set','mr','x')", "0")).toBe("+OK\r\n");
  });

  it("FUNCTION LOAD's body sees only redis / server (register_function, log, versions); functions see the globals", async () => {
    const raw = await ctx.raw();
    await raw.call("FUNCTION", "FLUSH");
    const err = (m: string) => `-ERR Error registering functions: ERR user_function:2: ${m}\r\n`;
    const missing = (n: string) => err(`Script attempted to access nonexistent global variable '${n}'`);
    const cases: Array<[string, string]> = [
      ["redis.register_function('f1', function() return 1 end) return math.floor(1)", missing("math")],
      ["return type(math)", missing("type")],
      ["return getmetatable('')", missing("getmetatable")],
      ["redis.setresp(3)", missing("setresp")],
      ["local x = string.format('%d', 1) redis.register_function('f1', function() return x end)", missing("string")],
      ["local x = cjson.encode({1})", missing("cjson")],
      ["local x = tostring(1)", missing("tostring")],
      ["local x = pcall", missing("pcall")],
      ["error('x')", missing("error")],
      ["local x = _G", missing("_G")],
      ["local x = KEYS", missing("KEYS")],
      ["redis.call('ping')", missing("call")],
      ["local x = redis.sha1hex", missing("sha1hex")],
      ["local x = redis.set_repl", missing("set_repl")],
      ["local x = redis.acl_check_cmd", missing("acl_check_cmd")],
      ["redis.math.random()", missing("math")],
      ["local function h() return string.format('%d', 1) end redis.register_function('h', h) h()", missing("string")],
      ["redis.foo = 1", err("Attempt to modify a readonly table")],
      ["foo = 1", err("Attempt to modify a readonly table")],
      ["function foo() end", err("Attempt to modify a readonly table")],
    ];
    for (const [body, want] of cases) expect(await raw.call("FUNCTION", "LOAD", `#!lua name=env\n${body}`), body).toBe(want);
    // What the body may use
    const ok =
      "local x = redis.LOG_DEBUG .. redis.REDIS_VERSION_NUM .. server.SERVER_NAME\n" +
      "redis.log(redis.LOG_DEBUG, 'loading')\n" +
      "redis.register_function('envf', function() return {x, type(math), type(cjson), type(redis.setresp), tonumber('0x10'), type(_G), type(redis.register_function), server.call('ping')} end)";
    expect(await raw.call("FUNCTION", "LOAD", `#!lua name=env\n${ok}`)).toBe(bulk("env"));
    expect(await raw.call("FCALL", "envf", "0")).toBe(
      `*8\r\n${bulk("0459268valkey")}${bulk("table")}${bulk("table")}${bulk("function")}:16\r\n${bulk("table")}${bulk("nil")}+PONG\r\n`,
    );
    // Inside functions: globals are readonly, KEYS / ARGV do not exist, register_function is gone
    await raw.call(
      "FUNCTION",
      "LOAD",
      "REPLACE",
      "#!lua name=env\nlocal lib = redis\n" +
        "lib.register_function('w', function() x = 1 end)\n" +
        "lib.register_function('k', function() return {KEYS and 1} end)\n" +
        "lib.register_function('m', function() lib.math = math end)\n" +
        "lib.register_function('r', function() lib.register_function('z', function() end) end)\n" +
        "lib.register_function('n', function() return redis.register_function('z', function() end) end)",
    );
    expect(await raw.call("FCALL", "w", "0")).toBe("-ERR user_function:3: Attempt to modify a readonly table script: w, on @user_function:3.\r\n");
    expect(await raw.call("FCALL", "k", "0")).toBe(
      "-ERR user_function:4: Script attempted to access nonexistent global variable 'KEYS' script: k, on @user_function:4.\r\n",
    );
    expect(await raw.call("FCALL", "m", "0")).toBe("-ERR user_function:5: Attempt to modify a readonly table script: m, on @user_function:5.\r\n");
    expect(await raw.call("FCALL", "r", "0")).toBe(
      "-ERR server.register_function can only be called on FUNCTION LOAD command script: r, on @user_function:6.\r\n",
    );
    expect(await raw.call("FCALL", "n", "0")).toBe(
      "-ERR user_function:7: attempt to call field 'register_function' (a nil value) script: n, on @user_function:7.\r\n",
    );
  });

  it("library and function names, register_function arguments, FUNCTION / FCALL argument errors", async () => {
    const raw = await ctx.raw();
    await raw.call("FUNCTION", "FLUSH");
    const reg = (m: string) => `-ERR Error registering functions: ERR ${m}\r\n`;
    const NAMES = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
    const cases: Array<[string, string]> = [
      ["#!lua name=lib-1\nredis.register_function('f', function() end)", `-ERR ${NAMES}\r\n`],
      ["#!lua name=\nredis.register_function('f', function() end)", `-ERR ${NAMES}\r\n`],
      ["#!lua name=a name=b\nredis.register_function('f', function() end)", "-ERR Invalid metadata value, name argument was given multiple times\r\n"],
      ["#!lua name=a foo=bar\nredis.register_function('f', function() end)", "-ERR Invalid metadata value given: foo=bar\r\n"],
      // Valkey 8.0 gives the library-name text for a bad function name
      ["#!lua name=a\nredis.register_function('f-1', function() end)", reg(NAMES)],
      ["#!lua name=a\nredis.register_function('', function() end)", reg(NAMES)],
      ["#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags='no-writes'}", reg("flags argument to server.register_function must be a table representing function flags")],
      ["#!lua name=a\nredis.register_function{function_name='f'}", reg("server.register_function must get a callback argument")],
      ["#!lua name=a\nredis.register_function{callback=function() end}", reg("server.register_function must get a function name argument")],
      ["#!lua name=a\nredis.register_function('f')", reg("calling server.register_function with a single argument is only applicable to Lua table (representing named arguments).")],
      ["#!lua name=a\nredis.register_function()", reg("wrong number of arguments to server.register_function")],
      ["#!lua name=a\nredis.register_function('f', function() end, 3)", reg("wrong number of arguments to server.register_function")],
      ["#!lua name=a\nredis.register_function({1})", reg("unknown argument given to server.register_function")],
      ["#!lua name=a\nredis.register_function{function_name='f', callback=function() end, [true]=1}", reg("named argument key given to server.register_function is not a string")],
      ["#!lua name=a\nredis.register_function{function_name='f', callback=function() end, description={}}", reg("description argument given to server.register_function must be a string")],
      ["#!lua name=a\nredis.register_function('f', 'nope')", reg("second argument to server.register_function must be a function")],
      ["#!lua name=a\nredis.register_function({}, function() end)", reg("first argument to server.register_function must be a string")],
    ];
    for (const [code, want] of cases) expect(await raw.call("FUNCTION", "LOAD", code), code).toBe(want);
    // Numbers are strings, keys and flags match in any case
    expect(await raw.call("FUNCTION", "LOAD", "#!lua NAME=n1\nredis.register_function(55, function() return 1 end)")).toBe(bulk("n1"));
    expect(
      await raw.call("FUNCTION", "LOAD", "#!lua name=n2\nredis.register_function{FUNCTION_NAME='f4', Callback=function() return 1 end, flags={'NO-WRITES'}, description=5}"),
    ).toBe(bulk("n2"));
    expect(await raw.call("FCALL", "55", "0")).toBe(":1\r\n");
    expect(await raw.call("FCALL_RO", "f4", "0")).toBe(":1\r\n");
    expect(await raw.call("FUNCTION", "LIST", "LIBRARYNAME", "n2")).toBe(
      `*1\r\n*6\r\n${bulk("library_name")}${bulk("n2")}${bulk("engine")}${bulk("LUA")}${bulk("functions")}*1\r\n*6\r\n${bulk("name")}${bulk("f4")}${bulk("description")}${bulk("5")}${bulk("flags")}*1\r\n+no-writes\r\n`,
    );
    const subErr = (sub: string) => `-ERR unknown subcommand or wrong number of arguments for '${sub}'. Try FUNCTION HELP.\r\n`;
    expect(await raw.call("FUNCTION", "LIST", "withcode", "withcode")).toBe("-ERR Unknown argument withcode\r\n");
    expect(await raw.call("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b")).toBe("-ERR Unknown argument LIBRARYNAME\r\n");
    expect(await raw.call("FUNCTION", "LIST", "LIBRARYNAME")).toBe("-ERR library name argument was not given\r\n");
    expect(await raw.call("FUNCTION", "FLUSH", "sync", "async")).toBe(subErr("FLUSH"));
    expect(await raw.call("FUNCTION", "flush", "a", "b")).toBe(subErr("flush"));
    expect(await raw.call("FUNCTION", "FLUSH", "a")).toBe("-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n");
    expect(await raw.call("FUNCTION", "RESTORE", "foo", "flush", "extra")).toBe(subErr("RESTORE"));
    // FCALL looks the function up before it reads numkeys
    expect(await raw.call("FCALL", "nosuch", "x")).toBe("-ERR Function not found\r\n");
    expect(await raw.call("FCALL", "nosuch", "-1")).toBe("-ERR Function not found\r\n");
    expect(await raw.call("FCALL", "55", "x")).toBe("-ERR Bad number of keys provided\r\n");
    expect(await raw.call("FCALL", "55", "-1")).toBe("-ERR Number of keys can't be negative\r\n");
    expect(await raw.call("FCALL", "55", "5")).toBe("-ERR Number of keys can't be greater than number of args\r\n");
  });

  it("globals stay readonly in EVAL, also redis, KEYS, pcall and the other names scripts use", async () => {
    const raw = await ctx.raw();
    const ro = (script: string, line = 1) => `-ERR user_script:${line}: Attempt to modify a readonly table${suffix(script, line)}\r\n`;
    for (const script of ["redis = function() return 1 end", "server = 1", "KEYS = {}", "function error() end", "string = nil", "setmetatable(_G, {})"]) {
      const want = script.startsWith("setmetatable") ? `-ERR Attempt to modify a readonly table${suffix(script, 1)}\r\n` : ro(script);
      expect(await raw.call("EVAL", script, "0"), script).toBe(want);
    }
    const multi = "local a\na, pcall = 1, 2";
    expect(await raw.call("EVAL", multi, "0")).toBe(ro(multi, 2));
    expect(await raw.call("EVAL", "redis.call = function() return 1 end", "0")).toBe(ro("redis.call = function() return 1 end"));
    expect(await raw.call("EVAL", "local g = getmetatable(_G) g.__index = {}", "0")).toBe(ro("local g = getmetatable(_G) g.__index = {}"));
    // locals of those names are the script's own
    expect(await raw.call("EVAL", "local redis = 1 redis = 2 return redis", "0")).toBe(":2\r\n");
    expect(await raw.call("EVAL", "local function f(string) string = 3 return string end return f(1)", "0")).toBe(":3\r\n");
    expect(await raw.call("EVAL", "local t = {redis = 1} t.redis = 5 return t.redis", "0")).toBe(":5\r\n");
    expect(await raw.call("EVAL", "if redis == redis then return 1 end", "0")).toBe(":1\r\n");
    // the redis table shows Valkey's fields only
    expect(await raw.call("EVAL", "return {type(redis.library), type(redis.format), type(redis.tonumber), type(redis.foo), type(redis.sha1hex), type(redis.REPL_ALL)}", "0")).toBe(
      `*6\r\n${bulk("nil")}${bulk("nil")}${bulk("nil")}${bulk("nil")}${bulk("function")}${bulk("number")}`,
    );
  });

  it("used_memory_lua stays flat over 10 000 EVALs and 10 000 failing or refused ones", { timeout: 120_000 }, async () => {
    const r = ctx.ioredis();
    const raw = await ctx.raw();
    const lua = async () => Number((await info(raw, "memory")).get("used_memory_lua"));
    await r.script("FLUSH");
    await r.set("x", "0");
    await r.set("str", "s");
    const run = async (calls: Array<[string, number, ...string[]]>, n: number) => {
      const pending: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i++) {
        const [script, nk, ...rest] = calls[i % calls.length]!;
        pending.push(r.eval(script, nk, ...rest).catch(() => null));
        if (pending.length >= 500) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    };
    await run([["return redis.call('incr', KEYS[1])", 1, "x"]], 10_000);
    expect(await r.get("x")).toBe("10000");
    // Valkey's own test allows 100 KB after this loop (it has ~35 KB); without a collector step per 50 scripts
    // this heap held ~190 KB of garbage here.
    expect(await lua()).toBeLessThan(100 * 1024);
    await run(
      [
        ["error('boom')", 0],
        ["return redis.call('lpush', KEYS[1], 'a')", 1, "str"],
        ["return redis.call('nosuch')", 0],
        ["return redis.pcall('lpush', KEYS[1], 'a')", 1, "str"],
        ["return redis.call('get')", 0],
        ["return foo", 0],
        ["return redis.call('get', {})", 0],
      ],
      10_000,
    );
    await r.eval("return 1", 0);
    expect(await lua()).toBeLessThan(100 * 1024);
  });

  it("redis.call takes thousands of arguments from unpack, as in Valkey", async () => {
    const raw = await ctx.raw();
    await raw.call("DEL", "l", "l2", "l3");
    // Valkey's "Script check unpack with massive arguments"
    const massive = "local a = {}\nfor i=1,7999 do\n  a[i] = 1\nend\nreturn redis.call(\"lpush\", \"l\", unpack(a))";
    expect(await raw.call("EVAL", massive, "1", "l")).toBe(":7999\r\n");
    const args = Array.from({ length: 7999 }, (_, i) => `v${i}`);
    expect(await raw.call("EVAL", "return redis.call('rpush', KEYS[1], unpack(ARGV))", "1", "l2", ...args)).toBe(":7999\r\n");
    expect(await raw.call("EVAL", "return redis.pcall('rpush', KEYS[1], unpack(ARGV))", "1", "l3", ...args)).toBe(":7999\r\n");
    expect(await raw.call("LINDEX", "l2", "7998")).toBe(bulk("v7998"));
    const tooMany = "return {unpack({1,2,3}, 0, 2147483647)}";
    expect(await raw.call("EVAL", tooMany, "0")).toBe(`-ERR user_script:1: too many results to unpack${suffix(tooMany, 1)}\r\n`);
    expect(await raw.call("EVAL", "return {unpack({1,2,3}, -1, -1)}", "0")).toBe("*0\r\n");
    // numbers keep all their digits
    expect(await raw.call("EVAL", "redis.call('set', 'n', 1712345678901.123) return redis.call('get', 'n')", "0")).toBe(bulk("1712345678901.123"));
    expect(await raw.call("EVAL", "redis.call('set', 'n', 123456789012345678) return redis.call('get', 'n')", "0")).toBe(bulk("123456789012345680"));
  });

  it("a failing redis.call names the script's line, also from return redis.call(...) and through an alias", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "str", "x");
    const WT = "WRONGTYPE Operation against a key holding the wrong kind of value";
    const cases: Array<[string, number]> = [
      ["local a = 1\nreturn redis.call('lpush', 'str', 'x')", 2],
      ["local rcall = redis.call\nlocal a = 1\n\nreturn rcall('lpush', 'str', 'x')", 4],
      ["local function f()\n  return server.call('lpush', 'str', 'x')\nend\nlocal x = 1\nreturn f()", 2],
      ["\n\nredis.call('lpush', 'str', 'x')", 3],
    ];
    for (const [script, line] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`-${WT}${suffix(script, line)}\r\n`);
    expect(await raw.call("EVAL", "return type(redis.call)", "0")).toBe(bulk("function"));
    await raw.call(
      "FUNCTION",
      "LOAD",
      "REPLACE",
      "#!lua name=tl\nredis.register_function('tl1', function(k)\n  local rc = redis.call\n  return rc('lpush', k[1], 'x')\nend)\n" +
        "redis.register_function('tl2', function(k)\n\n  return redis.call('lpush', k[1], 'x')\nend)",
    );
    expect(await raw.call("FCALL", "tl1", "1", "str")).toBe(`-${WT} script: tl1, on @user_function:4.\r\n`);
    expect(await raw.call("FCALL", "tl2", "1", "str")).toBe(`-${WT} script: tl2, on @user_function:8.\r\n`);
  });

  // Texts checked against valkey-server 8.0.1. A level past the script's main chunk names the C code that called
  // it in Valkey, so no position; here the driver's code stands there, and the host reads the stack instead. The
  // "on @user_script:N." is the line of the error call, also for level 0 (error(e, 0) rethrows a caught error).
  it("error(msg, level) prefixes the position of the frame Valkey's luaL_where names, and none past the script", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string, number]> = [
      ["error('boom', 2)", "ERR boom", 1],
      ["local function f() error('in f', 2) end f()", "ERR user_script:1: in f", 1],
      ["local function f() error('in f', 3) end f()", "ERR in f", 1],
      ["local function g() error('t2', 2) end\nlocal function f() return g() end\nf()", "ERR t2", 1],
      ["error('big', 99)", "ERR big", 1],
      ["error('f', 2.7)", "ERR f", 1],
      ["local co = coroutine.wrap(function() error('c2', 2) end)\nco()", "ERR user_script:2: c2", 2],
      ["local function g()\n  error('g2', 2)\nend\nlocal x = 1\ng()", "ERR user_script:5: g2", 2],
      ["\nlocal a = 1\nerror('zero', 0)", "ERR zero", 3],
      ["\nlocal ok, e = pcall(error, 'pe', 0)\nerror(e, 0)", "ERR pe", 3],
      ["\nlocal t = setmetatable({}, {__index = function()\n  error('idx', 0)\nend})\nreturn t.x", "ERR idx", 3],
      ["error(42, 0)", "ERR 42", 1],
    ];
    for (const [script, text, line] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`-${text}${suffix(script, line)}\r\n`);
    // Caught by pcall, xpcall or coroutine.resume: the message alone (a number stays a number).
    expect(await raw.call("EVAL", "local ok, e = pcall(function() error('p2', 2) end) return e", "0")).toBe(bulk("p2"));
    expect(await raw.call("EVAL", "local ok, e = pcall(function() error('z', 0) end) return e", "0")).toBe(bulk("z"));
    expect(await raw.call("EVAL", "local ok, e = pcall(function() error(42, 0) end) return type(e)", "0")).toBe(bulk("number"));
    const handler = "local ok, e = xpcall(function() error('z', 0) end, function(m) return type(m) .. ':' .. m end) return e";
    expect(await raw.call("EVAL", handler, "0")).toBe(bulk("string:z"));
    const co = "local co = coroutine.create(function() error('cz', 0) end) local ok, e = coroutine.resume(co) return e";
    expect(await raw.call("EVAL", co, "0")).toBe(bulk("cz"));
    expect(await raw.call("EVAL", "local function g() error('q', 2) end\nlocal ok, e = pcall(function()\n  g()\nend)\nreturn e", "0")).toBe(
      bulk("user_script:3: q"),
    );
  });

  // The engine's memory was emscripten's fixed 64 MB: past ~60 MB of Lua data the engine aborted (the script got
  // "ERR the Lua engine failed"), where Valkey runs it. It starts at 16 MB now and the host grows it up to 512 MB
  // (scripts/build-lua-wasm.mjs, src/scripting/vm.ts growMemory); past that, Lua's own allocation error.
  it("a script may hold 100 MB of Lua data, as in Valkey, and one past the engine's 512 MB gets Lua's memory error", { timeout: 60_000 }, async () => {
    const raw = await ctx.raw();
    const big = "local s = string.rep('x', 1024 * 1024) local t = {} for i = 1, 100 do t[i] = s .. i end return #t";
    expect(await raw.call("EVAL", big, "0")).toBe(":100\r\n");
    expect(await raw.call("EVAL", "return redis.call('ping')", "0")).toBe("+PONG\r\n");
    // os.clock after the memory grew (the glue's own view of it is stale; the host answers the clock).
    const clock = "local a = os.clock() local x = 0 for i = 1, 2e6 do x = x + i end local b = os.clock() return {tostring(a > 0), tostring(b > a)}";
    expect(await raw.call("EVAL", clock, "0")).toBe(`*2\r\n${bulk("true")}${bulk("true")}`);
    const huge = "local s = 'x' for i = 1, 30 do s = s .. s end return #s"; // 1 GB by doubling
    expect(await raw.call("EVAL", huge, "0")).toBe(`-ERR not enough memory${suffix(huge, 1)}\r\n`);
    expect(await raw.call("EVAL", "return redis.call('ping')", "0")).toBe("+PONG\r\n");
    expect(await raw.call("SCRIPT", "FLUSH")).toBe("+OK\r\n");
  });

  // emscripten gave the engine a 64 KiB C stack with nothing below it but the static data, and cjson.encode of a
  // table nested near Valkey's limit (1000) needed about that much: encoding a cyclic table ran over the data
  // (collectgarbage's option names, the allocator's state). The next scripts failed with "bad argument #1 to 'gc'
  // (invalid option 'count')" or spun forever, and the whole server stopped answering. The stack is 1 MiB now, with
  // every move of its pointer checked (scripts/build-lua-wasm.mjs). Replies are valkey-server 8.0.1's.
  it("cjson at its nesting limits leaves the engine whole: a cyclic table, 1000 levels each way", { timeout: 30_000 }, async () => {
    const raw = await ctx.raw();
    const deep = "return cjson.encode(cjson.decode(string.rep('[',1000)..string.rep(']',1000)))";
    const cyclic = "local t={} t.t=t return cjson.encode(t)";
    const tooDeep = "return cjson.decode(string.rep('[',1001)..string.rep(']',1001))";
    for (let round = 0; round < 3; round++) {
      expect(await raw.call("EVAL", "return cjson.encode({[1]=1,[30]=3})", "0")).toBe(
        `-ERR user_script:1: Cannot serialise table: excessively sparse array${suffix("return cjson.encode({[1]=1,[30]=3})", 1)}\r\n`,
      );
      expect(await raw.call("EVAL", deep, "0")).toBe(bulk("[".repeat(999) + "{}" + "]".repeat(999)));
      expect(await raw.call("EVAL", cyclic, "0")).toBe(`-ERR user_script:1: Cannot serialise, excessive nesting (1001)${suffix(cyclic, 1)}\r\n`);
      expect(await raw.call("EVAL", tooDeep, "0")).toBe(
        `-ERR user_script:1: Found too many nested data structures (1001) at character 1001${suffix(tooDeep, 1)}\r\n`,
      );
      expect(await raw.call("EVAL", "return redis.sha1hex('')", "0")).toBe(bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
      expect(await raw.call("EVAL", "return collectgarbage('count') > 0", "0")).toBe(":1\r\n");
    }
    expect(await raw.call("PING")).toBe("+PONG\r\n");
  });

  // A recursion deeper than the host's own stack allows (a pattern of 10000 '?'; Valkey's 8 MB native stack takes
  // it) stops the engine: the script gets an error, the engine starts again and the server goes on.
  it("a script that overflows the engine's stack gets an error and the next script runs", async () => {
    const raw = await ctx.raw();
    const pattern = "return string.find(string.rep('a',100000), string.rep('a?',100000))";
    expect(await raw.call("EVAL", pattern, "0")).toBe(`-ERR the Lua engine failed while running the script${suffix(pattern, 1)}\r\n`);
    expect(await raw.call("EVAL", "return string.find(string.rep('a',1000), string.rep('a?',1000))", "0")).toBe(":1\r\n");
    expect(await raw.call("EVAL", "return redis.call('ping')", "0")).toBe("+PONG\r\n");
  });

  // cmsgpack packs a number as an integer when the cast to int64_t gives it back. Out of int64's range that cast is
  // undefined; the engine's build read it as "is integral" and packed 1e100 as INT64_MAX, while x86-64 (Valkey)
  // gives INT64_MIN and packs a double (or a float when the value fits one). Bytes from valkey-server 8.0.1.
  it("cmsgpack packs numbers past int64's range as Valkey on x86-64 does", async () => {
    const raw = await ctx.raw();
    const pack = "return cmsgpack.pack(1e100, -9223372036854775808, 9223372036854775808, 18446744073709551616, -1e19, 2^53, 255, -2147483649)";
    const bytes = Buffer.concat([
      Buffer.from("cb54b249ad2594c37d", "hex"),
      Buffer.from("d38000000000000000", "hex"),
      Buffer.from("ca5f000000", "hex"),
      Buffer.from("ca5f800000", "hex"),
      Buffer.from("cbc3e158e460913d00", "hex"),
      Buffer.from("cf0020000000000000", "hex"),
      Buffer.from("ccff", "hex"),
      Buffer.from("d3ffffffff7fffffff", "hex"),
    ]);
    expect(await raw.call("EVAL", pack, "0")).toBe(bulk(bytes.toString("latin1")));
  });

  // A Lua number passed to redis.call is written as Valkey writes it: an integer within 2^62 exactly, anything else
  // as fpconv_dtoa does (d2string's layout, formatDouble here). The driver used Lua's %.15g-%.17g, so 0.00001 was
  // stored as "1e-05" and 2^63 as "9.223372036854776e+18" where valkey-server stores "0.00001" and
  // "9223372036854776000". NaN keeps its sign (0/0 is -nan on x86-64); a {double=} reply is d2string's own.
  it("numbers passed to redis.call are written as Valkey writes them", async () => {
    const raw = await ctx.raw();
    const r = ctx.ioredis();
    const push = "redis.call('del', KEYS[1]) for _, a in ipairs(ARGV) do redis.call('rpush', KEYS[1], tonumber(a)) end return redis.call('lrange', KEYS[1], 0, -1)";
    const fixed = ["0.00001", "1e-7", "9223372036854775808", "-1180591620717411303424", "1e300", "5e-324", "0.1", "-0.6666666666666666", "123456789.123", "-0"];
    expect(await r.eval(push, 1, "nums", ...fixed)).toEqual(["0.00001", "1e-7", "9223372036854776000", "-1180591620717411300000", "1e+300", "5e-324", "0.1", "-0.6666666666666666", "123456789.123", "0"]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200 }), async (xs) => {
        const got = (await r.eval(push, 1, "nums", ...xs.map((x) => String(x)))) as string[];
        expect(got).toEqual(xs.map((x) => (Object.is(x, -0) ? "0" : formatDouble(x))));
      }),
      { numRuns: 30 },
    );
    const nan = "redis.call('set', KEYS[1], 0/0) local a = redis.call('get', KEYS[1]) redis.call('set', KEYS[1], -(0/0)) return {a, redis.call('get', KEYS[1])}";
    expect(await raw.call("EVAL", nan, "1", "n")).toBe(`*2\r\n${bulk("-nan")}${bulk("nan")}`);
    expect(await raw.call("EVAL", "return {double=0.00001}", "0")).toBe(bulk("0.00001"));
    expect(await raw.call("EVAL", "return {double=0/0}", "0")).toBe(bulk("nan"));
    expect(await raw.call("EVAL", "return {double=-0.0}", "0")).toBe(bulk("-0"));
  });

  // Checked against valkey-server 8.0.1: what coroutine.resume returns for an error is what the coroutine raised,
  // as Valkey raises it (a table for redis.call and error({err=...}), Valkey's words for a nonexistent global).
  it("coroutine.resume returns the error the coroutine raised as Valkey's does, not the driver's internal form", async () => {
    const raw = await ctx.raw();
    const shape = "return {tostring(ok), type(e), type(e) == 'table' and e.err or e}";
    const resume = (body: string) => `local co = coroutine.create(function() ${body} end) local ok, e = coroutine.resume(co) ${shape}`;
    const arr = (...items: string[]) => `*${items.length}\r\n${items.map(bulk).join("")}`;
    expect(await raw.call("EVAL", resume("redis.call('nosuchcmd')"), "0")).toBe(arr("false", "table", "ERR Unknown command called from script"));
    expect(await raw.call("EVAL", resume("return nosuchv"), "0")).toBe(
      arr("false", "string", "user_script:1: Script attempted to access nonexistent global variable 'nosuchv'"),
    );
    expect(await raw.call("EVAL", resume("error({err='x'})"), "0")).toBe(arr("false", "table", "x"));
    expect(await raw.call("EVAL", resume("error('plain')"), "0")).toBe(arr("false", "string", "user_script:1: plain"));
    const yields = "local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) local ok, z = coroutine.resume(co) return {x, y, tostring(ok), z}";
    expect(await raw.call("EVAL", yields, "0")).toBe(`*4\r\n:2\r\n:20\r\n${bulk("false")}${bulk("cannot resume dead coroutine")}`);
    const bad = "coroutine.resume(1)";
    expect(await raw.call("EVAL", bad, "0")).toBe(`-ERR user_script:1: bad argument #1 to 'resume' (coroutine expected)${suffix(bad, 1)}\r\n`);
    const write = "coroutine.x = 1";
    expect(await raw.call("EVAL", write, "0")).toBe(`-ERR user_script:1: Attempt to modify a readonly table${suffix(write, 1)}\r\n`);
  });

  it("NOSCRIPT has Valkey 8's text, and a sha of the wrong length is refused before numkeys is read", async () => {
    const raw = await ctx.raw();
    const zero = "0".repeat(40);
    expect(await raw.call("EVALSHA", zero, "0")).toBe("-NOSCRIPT No matching script.\r\n");
    expect(await raw.call("EVALSHA", zero, "x")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("EVALSHA", "nosuch", "x")).toBe("-NOSCRIPT No matching script.\r\n");
    expect(await raw.call("EVALSHA_RO", "abc", "x")).toBe("-NOSCRIPT No matching script.\r\n");
    expect(await raw.call("SCRIPT", "SHOW", zero)).toBe("-NOSCRIPT No matching script.\r\n");
    // ioredis falls back from EVALSHA to EVAL on NOSCRIPT
    const r = ctx.ioredis();
    r.defineCommand("fidelityEcho", { numberOfKeys: 0, lua: "return ARGV[1] .. '!'" });
    await r.script("FLUSH");
    expect(await (r as unknown as { fidelityEcho(a: string): Promise<string> }).fidelityEcho("hi")).toBe("hi!");
  });

  it("redis API misuse errors name server.*, as Valkey 8's", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["redis.setresp()", "ERR server.setresp() requires one argument."],
      ["redis.set_repl()", "ERR server.set_repl() requires one argument."],
      ["redis.log(1)", "ERR server.log() requires two arguments or more."],
      ["redis.log(9, 1)", "ERR Invalid log level."],
      ["return redis.acl_check_cmd('nosuch')", "ERR Invalid command passed to server.acl_check_cmd()"],
    ];
    for (const [script, err] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`-${err}${suffix(script, 1)}\r\n`);
  });
  it("math.random is Valkey's lrand48 sequence: from the default seed, shared by scripts, restarted by randomseed", async () => {
    // First in this file to call math.random: the server's sequence is at its start.
    const raw = await ctx.raw();
    const next = lrand48();
    const r = (u: number) => Math.floor(((next() % 2147483647) / 2147483647) * u) + 1;
    const first = [r(10), r(10), r(100)];
    expect(first).toEqual([4, 9, 36]); // valkey-server 8.0.1 on a fresh start
    expect(await raw.call("EVAL", "return {math.random(1, 10), math.random(10)}", "0")).toBe(`*2\r\n:${first[0]}\r\n:${first[1]}\r\n`);
    expect(await raw.call("EVAL", "return math.random(1, 100)", "0")).toBe(`:${first[2]}\r\n`);
    // randomseed restarts it; a script's error, SCRIPT FLUSH and functions go on with the same sequence.
    expect(await raw.call("EVAL", "math.randomseed(42) return math.random(1, 1000)", "0")).toBe(":745\r\n");
    const s42 = lrand48(42);
    s42();
    const raw31 = () => s42() % 2147483647;
    const asFloat = (script: string) => raw.call("EVAL", `return tostring(${script} * 2147483647)`, "0");
    expect(await asFloat("math.random()")).toBe(bulk(String(raw31())));
    expect(await raw.call("EVAL", "math.random() error('x')", "0")).toMatch(/^-ERR user_script:1: x script/);
    raw31();
    expect(await asFloat("math.random()")).toBe(bulk(String(raw31())));
    await raw.call("SCRIPT", "FLUSH");
    expect(await asFloat("math.random()")).toBe(bulk(String(raw31())));
    await raw.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=rnd\nredis.register_function('rnd', function() return tostring(math.random() * 2147483647) end)");
    expect(await raw.call("FCALL", "rnd", "0")).toBe(bulk(String(raw31())));
    // Seeds are C ints: -1 and 2^32 - 1 are the same seed.
    expect(await raw.call("EVAL", "math.randomseed(-1) return math.random(1, 100000)", "0")).toBe(
      await raw.call("EVAL", "math.randomseed(4294967295) return math.random(1, 100000)", "0"),
    );
    // The bounds are C ints too: (u - l + 1) overflows to 0, as in Valkey.
    expect(await raw.call("EVAL", "return math.random(-2147483648, 2147483647)", "0")).toBe(":-2147483648\r\n");
  });

  it("math.random's argument errors have Valkey's texts and lines", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["return math.random(5, 1)", "user_script:1: bad argument #2 to 'random' (interval is empty)"],
      ["return math.random(0)", "user_script:1: bad argument #1 to 'random' (interval is empty)"],
      ["return math.random(3000000000)", "user_script:1: bad argument #1 to 'random' (interval is empty)"],
      ["return math.random('a')", "user_script:1: bad argument #1 to 'random' (number expected, got string)"],
      ["return math.random(nil)", "user_script:1: bad argument #1 to 'random' (number expected, got nil)"],
      ["return math.random(1, 2, 3)", "user_script:1: wrong number of arguments"],
      ["local x = 1\nmath.randomseed()", "user_script:2: bad argument #1 to 'randomseed' (number expected, got no value)"],
      ["math = 1", "user_script:1: Attempt to modify a readonly table"],
    ];
    for (const [script, err] of cases) {
      const line = script.includes("\n") ? 2 : 1;
      expect(await raw.call("EVAL", script, "0"), script).toBe(`-ERR ${err}${suffix(script, line)}\r\n`);
    }
    // pcall calling it directly: no line, and Lua names the function '?'
    expect(await raw.call("EVAL", "return {pcall(math.random, 5, 1)}", "0")).toBe(`*2\r\n$-1\r\n${bulk("bad argument #2 to '?' (interval is empty)")}`);
    expect(await raw.call("EVAL", "return {pcall(math.randomseed, {})}", "0")).toBe(`*2\r\n$-1\r\n${bulk("bad argument #1 to '?' (number expected, got table)")}`);
  });

  it("what a script writes into the redis / string / math proxies is gone for the next script", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "rawset(redis, 'call', function() return 7 end) rawset(math, 'floor', 1) table.insert(string, 'x') return 1", "0")).toBe(":1\r\n");
    expect(await raw.call("EVAL", "return {redis.call('ping'), math.floor(2.5), #string}", "0")).toBe("*3\r\n+PONG\r\n:2\r\n:0\r\n");
  });
});
