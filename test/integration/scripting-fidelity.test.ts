// Scripts and functions as Valkey 8.0.1 runs them, where a real test suite found differences: error texts of
// redis.call, the global-variable error pcall catches, WAIT inside scripts, MONITOR, errorstats / commandstats,
// min-replicas-to-write, the load-time environment of FUNCTION LOAD, and the Lua heap staying flat.
// Every expected reply here was taken from valkey-server 8.0.1 (../shared/tools/resp-diff.mjs --valkey).

import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

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
      // min-replicas-max-lag 0 turns the check off, as in Valkey
      expect(await raw.call("CONFIG", "SET", "min-replicas-max-lag", "0")).toBe("+OK\r\n");
      expect(await raw.call("SET", "mr", "z")).toBe("+OK\r\n");
    } finally {
      await raw.call("CONFIG", "SET", "min-replicas-to-write", "0");
      await raw.call("CONFIG", "SET", "min-replicas-max-lag", "10");
    }
    expect(await raw.call("EVAL", "return redis.call('set','mr','x')", "0")).toBe("+OK\r\n");
  });
});
