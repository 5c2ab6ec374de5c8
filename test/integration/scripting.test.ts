import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const suffix = (script: string, line: number) => ` script: ${sha1(script)}, on @user_script:${line}.`;

describeRuntimes("scripting", (ctx) => {
  it("EVAL runs on first use (engine loads lazily) and converts Lua values to RESP2", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "return 1", "0")).toBe(":1\r\n");
    expect(await raw.call("EVAL", "return 3.99", "0")).toBe(":3\r\n");
    expect(await raw.call("EVAL", "return -3.99", "0")).toBe(":-3\r\n");
    expect(await raw.call("EVAL", "return 'hello'", "0")).toBe("$5\r\nhello\r\n");
    expect(await raw.call("EVAL", "return {1,'a',{2,'b'},nil,5}", "0")).toBe("*3\r\n:1\r\n$1\r\na\r\n*2\r\n:2\r\n$1\r\nb\r\n");
    expect(await raw.call("EVAL", "return true", "0")).toBe(":1\r\n");
    expect(await raw.call("EVAL", "return false", "0")).toBe("$-1\r\n");
    expect(await raw.call("EVAL", "return nil", "0")).toBe("$-1\r\n");
    expect(await raw.call("EVAL", "return {ok='FINE'}", "0")).toBe("+FINE\r\n");
    expect(await raw.call("EVAL", "return {err='My error'}", "0")).toBe("-My error\r\n");
    expect(await raw.call("EVAL", "return redis.status_reply('A\\r\\nB')", "0")).toBe("+A  B\r\n");
    expect(await raw.call("EVAL", "return redis.error_reply('x y')", "0")).toBe("-x y\r\n");
    expect(await raw.call("EVAL", "return redis.error_reply('xy')", "0")).toBe("-ERR xy\r\n");
    expect(await raw.call("EVAL", "return redis.error_reply('-WRONG thing')", "0")).toBe("-WRONG thing\r\n");
    expect(await raw.call("EVAL", "return {1, {err='inner'}}", "0")).toBe("*2\r\n:1\r\n-inner\r\n");
    // typed tables convert at any protocol level
    expect(await raw.call("EVAL", "return {double=3.5}", "0")).toBe("$3\r\n3.5\r\n");
    expect(await raw.call("EVAL", "return {map={a=1}}", "0")).toBe("*2\r\n$1\r\na\r\n:1\r\n");
    expect(await raw.call("EVAL", "return {big_number='123'}", "0")).toBe("$3\r\n123\r\n");
    expect(await raw.call("EVAL", "return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", "2", "k1", "k2", "a1", "a2")).toBe(
      "*4\r\n$2\r\nk1\r\n$2\r\nk2\r\n$2\r\na1\r\n:2\r\n",
    );
  });

  it("RESP3 conversions, with and without redis.setresp(3)", async () => {
    const raw = await ctx.raw();
    await raw.call("HELLO", "3");
    // without setresp the script speaks RESP2: booleans are 1 / null
    expect(await raw.call("EVAL", "return {true, false}", "0")).toBe("*2\r\n:1\r\n_\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) return {true, false}", "0")).toBe("*2\r\n#t\r\n#f\r\n");
    expect(await raw.call("EVAL", "return {double=1.5}", "0")).toBe(",1.5\r\n");
    expect(await raw.call("EVAL", "return {map={a=1}}", "0")).toBe("%1\r\n$1\r\na\r\n:1\r\n");
    expect(await raw.call("EVAL", "return {set={a=true}}", "0")).toBe("~1\r\n$1\r\na\r\n");
    expect(await raw.call("EVAL", "return {big_number='12345678901234567890'}", "0")).toBe("(12345678901234567890\r\n");
    expect(await raw.call("EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0")).toBe("=6\r\ntxt:hi\r\n");
    expect(await raw.call("EVAL", "return nil", "0")).toBe("_\r\n");
    // redis.call replies in RESP3 shapes once the script asks for them
    await raw.call("XADD", "st", "1-1", "f", "v");
    expect(await raw.call("EVAL", "local r = redis.call('XINFO', 'STREAM', KEYS[1]) return {type(r.map), r[1]}", "1", "st")).toBe("*2\r\n$3\r\nnil\r\n$6\r\nlength\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) local r = redis.call('XINFO', 'STREAM', KEYS[1]) return r.map.length", "1", "st")).toBe(":1\r\n");
    await raw.call("ZADD", "z", "1.5", "m");
    expect(await raw.call("EVAL", "redis.setresp(3) return redis.call('ZSCORE', 'z', 'm').double * 2", "0")).toBe(":3\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) return redis.call('ZSCORE', 'z', 'm')", "0")).toBe(",1.5\r\n");
    // nulls are not stored in the reply's table (Valkey's # then stops at the first; valkey-server 8.0.1: 1, 0, 2)
    await raw.call("MSET", "a", "1", "b", "2");
    expect(await raw.call("EVAL", "redis.setresp(3) local t = redis.call('MGET', 'a', 'nosuchkey', 'b') return {#t, t[3]}", "0")).toBe("*2\r\n:1\r\n$1\r\n2\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) return #redis.pcall('MGET', 'nosuchkey', 'a')", "0")).toBe(":0\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) return #redis.call('MGET', 'a', 'b')", "0")).toBe(":2\r\n");
  });

  it("numbers given to redis.call are printed as Valkey prints them: integers exactly, -0 as 0", async () => {
    const r = ctx.ioredis();
    expect(await r.eval("redis.call('SET', KEYS[1], -0.0) return redis.call('GET', KEYS[1])", 1, "n")).toBe("0");
    expect(await r.eval("redis.call('SET', KEYS[1], 0.1 + 0.2) return redis.call('GET', KEYS[1])", 1, "n")).toBe("0.30000000000000004");
    expect(await r.eval("redis.call('SET', KEYS[1], 2^53) return redis.call('GET', KEYS[1])", 1, "n")).toBe("9007199254740992");
    expect(await r.eval("return redis.call('HSET', KEYS[1], 'f', -0.0, 'g', 12345678901234, 'h', 1e14, 'i', -0.5, 'j', 'x')", 1, "h")).toBe(5);
    expect(await r.hgetall("h")).toEqual({ f: "0", g: "12345678901234", h: "100000000000000", i: "-0.5", j: "x" });
  });

  it("Redis to Lua conversions: nil bulk is false, status is {ok=}, integers are numbers", async () => {
    const r = ctx.ioredis();
    await r.set("s", "v");
    expect(await r.eval("return {type(redis.call('GET', 'nokey')), redis.call('GET', 'nokey') == false}", 0)).toEqual(["boolean", 1]);
    expect(await r.eval("return redis.call('SET', 'k', 'v').ok", 0)).toBe("OK");
    expect(await r.eval("return type(redis.call('INCR', 'cnt'))", 0)).toBe("number");
    expect(await r.eval("return redis.pcall('INCR', 's').err", 0)).toBe("ERR value is not an integer or out of range");
  });

  it("Lua to RESP edge cases follow Valkey's rules (checked against redis-server on x86-64)", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      // only string err/ok fields make error/status replies; other tables are arrays
      ["return {err=5}", "*0\r\n"],
      ["return {ok=5}", "*0\r\n"],
      ["return {err='x', ok='y'}", "-x\r\n"],
      ["return {err='a\\r\\nb'}", "-a  b\r\n"],
      ["return {double='1.5'}", "*0\r\n"],
      ["return {big_number=123}", "*0\r\n"],
      // functions convert to nil, also inside arrays
      ["return function() end", "$-1\r\n"],
      ["return {1, function() end, 3}", "*3\r\n:1\r\n$-1\r\n:3\r\n"],
      // (long long) casts as x86-64 does them
      ["return 0/0", ":-9223372036854775808\r\n"],
      ["return 1e20", ":-9223372036854775808\r\n"],
      ["return -1e20", ":-9223372036854775808\r\n"],
      ["return 2^53", ":9007199254740992\r\n"],
      ["return {map={[1]=2}, 5}", "*2\r\n:1\r\n:2\r\n"],
    ];
    for (const [script, want] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(want);
    await raw.call("HELLO", "3");
    expect(await raw.call("EVAL", "redis.setresp(3) return {verbatim_string={format='tx',string='hi'}}", "0")).toBe("=6\r\ntx :hi\r\n");
    expect(await raw.call("EVAL", "return {verbatim_string={format='txtx',string='hi'}}", "0")).toBe("=6\r\ntxt:hi\r\n");
    expect(await raw.call("EVAL", "return {double=0/0}", "0")).toBe(",nan\r\n");
    // RESP3 null reaches Lua as nil once the script speaks RESP3 (as false before)
    expect(await raw.call("EVAL", "redis.setresp(3) return type(redis.call('GET', 'nokey'))", "0")).toBe("$3\r\nnil\r\n");
    expect(await raw.call("EVAL", "redis.setresp(3) return type(redis.pcall('GET', 'nokey'))", "0")).toBe("$3\r\nnil\r\n");
    expect(await raw.call("EVAL", "return type(redis.call('GET', 'nokey'))", "0")).toBe("$7\r\nboolean\r\n");
    // nested ones too: MGET leaves a hole, a map loses the key
    await raw.call("SET", "mg:b", "v");
    expect(await raw.call("EVAL", "redis.setresp(3) local r = redis.call('MGET', 'mg:a', 'mg:b') return {type(r[1]), r[2]}", "0")).toBe(
      "*2\r\n$3\r\nnil\r\n$1\r\nv\r\n",
    );
    expect(await raw.call("EVAL", "local r = redis.call('MGET', 'mg:a', 'mg:b') return {type(r[1]), r[2]}", "0")).toBe(
      "*2\r\n$7\r\nboolean\r\n$1\r\nv\r\n",
    );
  });

  it("a table that contains itself nests until Valkey's Lua stack limit, then the connection goes on", async () => {
    const { connect } = await import("node:net");
    const sock = connect(ctx.port, "127.0.0.1");
    let got = "";
    sock.on("data", (d) => (got += d.toString("latin1")));
    const script = "local a = {}; local b = {a}; a[1] = b; return a";
    sock.write(`*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n`);
    for (let i = 0; i < 100 && !got.endsWith("+PONG\r\n"); i++) await new Promise((r) => setTimeout(r, 20));
    sock.destroy();
    // redis-server: 7995 levels of *1, the innermost element an error, and the next reply as usual
    expect(got).toBe("*1\r\n".repeat(7995) + "-ERR reached lua stack limit\r\n+PONG\r\n");
  });

  it("payloads larger than the engine channel's shared slot (512 KiB) travel whole, both ways", async () => {
    const r = ctx.ioredis();
    const big = Buffer.alloc(1_500_000, "x");
    big.write("head", 0);
    big.write("tail", big.length - 4);
    await r.set("big:in", big);
    // a redis.call reply, a redis.call argument, a script result and a script source, each over the slot
    expect(await r.eval("local v = redis.call('GET', KEYS[1]) redis.call('SET', KEYS[2], v .. v) return #v", 2, "big:in", "big:out")).toBe(big.length);
    expect(await r.strlen("big:out")).toBe(2 * big.length);
    const back = (await r.callBuffer("EVAL", "return redis.call('GET', KEYS[1])", "1", "big:in")) as Buffer;
    expect(back.equals(big)).toBe(true);
    const longScript = `local s = '${"y".repeat(600_000)}' return #s`;
    expect(await r.eval(longScript, 0)).toBe(600_000);
    expect(await r.eval(longScript, 0)).toBe(600_000);
  });

  it("string.format and tonumber(s, base) have 64-bit integers, as Valkey on x86-64 (the engine is 32-bit)", async () => {
    const raw = await ctx.raw();
    const cases: Array<[string, string]> = [
      ["return string.format('%d', 2^40)", "1099511627776"],
      ["return string.format('%i|%d', 1700000000123, -2^40)", "1700000000123|-1099511627776"],
      ["return string.format('%x|%X|%#x|%#o|%o|%u', -1, -255, 2^40, 2^40, -8, -1)", "ffffffffffffffff|FFFFFFFFFFFFFF01|0x10000000000|020000000000000|1777777777777777777770|18446744073709551615"],
      ["return string.format('%.5d|%8.5d|%-8.5d|%08d|%+d|% d|%+.0d', 2^40, 2^40, 2^40, -2^40, 2^40, 2^40, 0)", "1099511627776|1099511627776|1099511627776|-1099511627776|+1099511627776| 1099511627776|+"],
      ["return string.format('%20d|%-20d|%020d', 2^40, 2^40, -2^40)", "       1099511627776|1099511627776       |-0000001099511627776"],
      ["return string.format('%d|%d|%d|%x', 0/0, 1/0, -1/0, 0/0)", "-9223372036854775808|-9223372036854775808|-9223372036854775808|8000000000000000"],
      ["return string.format('100%% %s %d %5.2f %d', 'x', 2^40, 3.14159, 7)", "100% x 1099511627776  3.14 7"],
      ["return string.format('%d', '1099511627776')", "1099511627776"],
      ["return tostring(tonumber('ffffffffff', 16))", "1099511627775"],
      ["return tostring(tonumber('fg', 16))", "nil"],
    ];
    for (const [script, want] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`$${want.length}\r\n${want}\r\n`);
    // errors keep the engine's text and the script's line
    expect(await raw.call("EVAL", "local x = 1\nlocal s = string.format('%d', {})\nreturn s", "0")).toBe(
      `-ERR user_script:2: bad argument #2 to 'format' (number expected, got table)${suffix("local x = 1\nlocal s = string.format('%d', {})\nreturn s", 2)}\r\n`,
    );
  });

  it("the redis table, redis.call and string cannot be changed by a script (nothing leaks into the next one)", async () => {
    const raw = await ctx.raw();
    for (const script of ["redis.call = function() return 1 end", "string.format = nil", "redis.newfield = 1"]) {
      expect(await raw.call("EVAL", script, "0"), script).toMatch(/^-ERR user_script:1: Attempt to modify a readonly table/);
    }
    // redis.call is a function, as Valkey's
    expect(await raw.call("EVAL", "redis.call.x = 1", "0")).toMatch(/^-ERR user_script:1: attempt to index field 'call' \(a function value\)/);
    expect(await raw.call("EVAL", "setmetatable(redis.call, {})", "0")).toMatch(/^-ERR user_script:1: bad argument #1 to 'setmetatable' \(table expected, got function\)/);
    expect(await raw.call("EVAL", "return {type(redis.call), redis.call('ping')}", "0")).toBe("*2\r\n$8\r\nfunction\r\n+PONG\r\n");
  });

  it("compiled scripts are kept between calls and survive a script error", async () => {
    const r = ctx.ioredis();
    await r.del("c1");
    const inc = "return redis.call('INCR', KEYS[1])";
    for (let i = 1; i <= 5; i++) expect(await r.eval(inc, 1, "c1")).toBe(i);
    await expect(r.eval("return redis.call('nosuch')", 0)).rejects.toThrow(/Unknown command/);
    expect(await r.eval(inc, 1, "c1")).toBe(6);
    // the same source under different KEYS/ARGV, and two scripts interleaved
    expect(await r.eval("return {KEYS[1], ARGV[1]}", 1, "a", "b")).toEqual(["a", "b"]);
    expect(await r.eval("return {KEYS[1], ARGV[1]}", 1, "c", "d")).toEqual(["c", "d"]);
    expect(await r.eval("return #KEYS + #ARGV", 0)).toBe(0);
  });

  it("keys a script reads are tracked for the caller's client-side cache", async () => {
    const raw = await ctx.raw();
    const other = ctx.ioredis();
    await raw.call("HELLO", "3");
    expect(await raw.call("CLIENT", "TRACKING", "ON")).toBe("+OK\r\n");
    expect(await raw.call("EVAL", "return redis.call('GET', KEYS[1])", "1", "tracked:k")).toBe("_\r\n");
    await other.set("tracked:k", "v");
    expect(await raw.read()).toBe(">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\ntracked:k\r\n");
  });

  it("numbers passed to redis.call keep their precision (integers exact, doubles shortest round-trip)", async () => {
    const r = ctx.ioredis();
    await r.eval("redis.call('SET', 'n1', 7000000000000123) redis.call('SET', 'n2', 0.1) redis.call('SET', 'n3', 3.0) redis.call('SET', 'n4', 1e15)", 0);
    expect(await r.mget("n1", "n2", "n3", "n4")).toEqual(["7000000000000123", "0.1", "3", "1000000000000000"]);
    // BullMQ-style delayed score: timestamp * 0x1000 + counter
    expect(await r.eval("redis.call('ZADD', 'd', tonumber(ARGV[1]) * 0x1000 + 7, 'job') return redis.call('ZSCORE', 'd', 'job')", 0, "1700000000123")).toBe(
      String(1700000000123 * 0x1000 + 7),
    );
  });

  it("error paths carry Valkey's text and the script location", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "str", "x");
    const cases: Array<[string, string]> = [
      ["return redis.call('INCR', 'str')", "ERR value is not an integer or out of range" + suffix("return redis.call('INCR', 'str')", 1)],
      ["local a = 1\nreturn redis.call('INCR', 'str')", "ERR value is not an integer or out of range" + suffix("local a = 1\nreturn redis.call('INCR', 'str')", 2)],
      ["error('boom')", "ERR user_script:1: boom" + suffix("error('boom')", 1)],
      ["error('boom', 0)", "ERR boom" + suffix("error('boom', 0)", 1)],
      ["\n\nerror({err='MYCODE custom'})", "MYCODE custom" + suffix("\n\nerror({err='MYCODE custom'})", 3)],
      ["x = 5", "ERR user_script:1: Attempt to modify a readonly table" + suffix("x = 5", 1)],
      ["return undefinedvar", "ERR user_script:1: Script attempted to access nonexistent global variable 'undefinedvar'" + suffix("return undefinedvar", 1)],
      ["local t = nil\nreturn t.x", "ERR user_script:2: attempt to index local 't' (a nil value)" + suffix("local t = nil\nreturn t.x", 2)],
      ["return redis.call('nosuchcmd')", "ERR Unknown command called from script" + suffix("return redis.call('nosuchcmd')", 1)],
      ["return redis.call('GET')", "ERR Wrong number of args calling command from script" + suffix("return redis.call('GET')", 1)],
      ["return redis.call('MULTI')", "ERR This Redis command is not allowed from script" + suffix("return redis.call('MULTI')", 1)],
      ["return redis.call()", "ERR Please specify at least one argument for this call" + suffix("return redis.call()", 1)],
      ["return redis.call('GET', {})", "ERR Command arguments must be strings or integers" + suffix("return redis.call('GET', {})", 1)],
      ["return redis.setresp(4)", "ERR RESP version must be 2 or 3." + suffix("return redis.setresp(4)", 1)],
      ["return cjson.decode('x')", "ERR user_script:1: Expected value but found invalid token at character 1" + suffix("return cjson.decode('x')", 1)],
    ];
    for (const [script, err] of cases) expect(await raw.call("EVAL", script, "0"), script).toBe(`-${err}\r\n`);
    expect(await raw.call("EVAL", "return 1 2", "0")).toBe("-ERR Error compiling script (new function): user_script:1: '<eof>' expected near '2'\r\n");
    // a syntax error is not cached
    expect(await raw.call("SCRIPT", "EXISTS", sha1("return 1 2"))).toBe("*1\r\n:0\r\n");
    // the store is intact after errors; writes before the error stay (no rollback, as in Valkey)
    expect(await raw.call("EVAL", "redis.call('SET', 'before', '1') error('stop')", "0")).toContain("ERR user_script:1: stop");
    expect(await raw.call("GET", "before")).toBe("$1\r\n1\r\n");
    expect(await raw.call("GET", "str")).toBe("$1\r\nx\r\n");
  });

  it("pcall catches errors as Valkey's pcall does", async () => {
    const r = ctx.ioredis();
    await r.set("str", "x");
    expect(await r.eval("local ok, e = pcall(redis.call, 'INCR', 'str') return {tostring(ok), e}", 0)).toEqual([
      "false",
      "ERR value is not an integer or out of range",
    ]);
    expect(await r.eval("local ok, e = pcall(error, {err='zz'}) return {tostring(ok), e}", 0)).toEqual(["false", "zz"]);
    expect(await r.eval("local ok, e = pcall(function() error('inner') end) return e", 0)).toBe("user_script:1: inner");
    // redis.call stays usable after a caught failure
    expect(await r.eval("pcall(redis.call, 'INCR', 'str') return redis.call('SET', 'after', '1')", 0)).toBe("OK");
  });

  it("sandbox: no leaking globals, os/io/loadfile absent or restricted, Lua 5.1 builtins present", async () => {
    const r = ctx.ioredis();
    await expect(r.eval("leak = 1", 0)).rejects.toThrow("Attempt to modify a readonly table");
    await expect(r.eval("return leak", 0)).rejects.toThrow("Script attempted to access nonexistent global variable 'leak'");
    await expect(r.eval("return io", 0)).rejects.toThrow("nonexistent global variable 'io'");
    await expect(r.eval("return dofile", 0)).rejects.toThrow("nonexistent global variable 'dofile'");
    await expect(r.eval("return print", 0)).rejects.toThrow("nonexistent global variable 'print'");
    await expect(r.eval("return setfenv", 0)).rejects.toThrow("nonexistent global variable 'setfenv'");
    expect(await r.eval("return type(os.clock)", 0)).toBe("function");
    await expect(r.eval("return os.time()", 0)).rejects.toThrow("attempt to call field 'time' (a nil value)");
    expect(await r.eval("return {_VERSION, type(unpack), type(loadstring), tostring(1e15), tostring(0.1)}", 0)).toEqual([
      "Lua 5.1",
      "function",
      "function",
      "1e+15",
      "0.1",
    ]);
    await expect(r.eval("redis.newfield = 1", 0)).rejects.toThrow("Attempt to modify a readonly table");
    expect(await r.eval("return redis.REDIS_VERSION", 0)).toBe("7.2.4");
    expect(await r.eval("return server.call('PING').ok", 0)).toBe("PONG");
    expect(await r.eval("return {redis.replicate_commands() and 1 or 0, redis.breakpoint() and 1 or 0, redis.REPL_ALL}", 0)).toEqual([1, 0, 3]);
    await expect(r.eval("redis.set_repl(99)", 0)).rejects.toThrow(
      "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
    );
    await expect(r.eval("redis.log(1)", 0)).rejects.toThrow("ERR server.log() requires two arguments or more.");
    expect(await r.eval("redis.log(redis.LOG_DEBUG, 'quiet') redis.set_repl(redis.REPL_ALL) redis.debug('x') return 1", 0)).toBe(1);
    expect(await r.eval("return redis.sha1hex('')", 0)).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });

  it("library modules: cjson, cmsgpack, bit, struct", async () => {
    const r = ctx.ioredis();
    expect(await r.eval("return cjson.encode({1, 2, 'x'})", 0)).toBe('[1,2,"x"]');
    expect(await r.eval("return cjson.encode({a={b=true}})", 0)).toBe('{"a":{"b":true}}');
    expect(await r.eval("local t = cjson.decode(ARGV[1]) return {t.a, t.list[2], tostring(t.n == cjson.null)}", 0, '{"a":"x","list":[1,2],"n":null}')).toEqual([
      "x",
      2,
      "true",
    ]);
    expect(await r.eval("return cmsgpack.unpack(cmsgpack.pack({1, 2, 'three'}))", 0)).toEqual([1, 2, "three"]);
    expect(await r.eval("local a, b = cmsgpack.unpack(cmsgpack.pack(7, 'x')) return {a, b}", 0)).toEqual([7, "x"]);
    expect(await r.eval("return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 4), bit.tohex(255)}", 0)).toEqual([15, 3, 2, 16, "000000ff"]);
    expect(await r.eval("return {struct.unpack('>I2', struct.pack('>I2', 258))}", 0)).toEqual([258, 3]);
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "return struct.pack('<i4', -2)", "0")).toBe("$4\r\n\xfe\xff\xff\xff\r\n");
  });

  it("SCRIPT LOAD / EXISTS / SHOW / FLUSH and EVALSHA (NOSCRIPT after flush, then reload)", async () => {
    const raw = await ctx.raw();
    const src = "return 'cached'";
    expect(await raw.call("SCRIPT", "LOAD", src)).toBe(`$40\r\n${sha1(src)}\r\n`);
    expect(await raw.call("SCRIPT", "EXISTS", sha1(src), sha1(src).toUpperCase(), "nope")).toBe("*3\r\n:1\r\n:1\r\n:0\r\n");
    expect(await raw.call("EVALSHA", sha1(src), "0")).toBe("$6\r\ncached\r\n");
    expect(await raw.call("EVALSHA", sha1(src).toUpperCase(), "0")).toBe("$6\r\ncached\r\n");
    expect(await raw.call("SCRIPT", "SHOW", sha1(src))).toBe(`$${src.length}\r\n${src}\r\n`);
    expect(await raw.call("SCRIPT", "FLUSH", "BOGUS")).toBe("-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
    expect(await raw.call("SCRIPT", "FLUSH", "ASYNC")).toBe("+OK\r\n");
    expect(await raw.call("EVALSHA", sha1(src), "0")).toBe("-NOSCRIPT No matching script.\r\n");
    expect(await raw.call("SCRIPT", "SHOW", sha1(src))).toBe("-NOSCRIPT No matching script.\r\n");
    // EVAL caches what it runs
    expect(await raw.call("EVAL", src, "0")).toBe("$6\r\ncached\r\n");
    expect(await raw.call("EVALSHA", sha1(src), "0")).toBe("$6\r\ncached\r\n");
    expect(await raw.call("SCRIPT", "KILL")).toBe("-NOTBUSY No scripts in execution right now.\r\n");
    expect(await raw.call("SCRIPT", "LOAD", "return 1 2")).toBe("-ERR Error compiling script (new function): user_script:1: '<eof>' expected near '2'\r\n");
    expect(await raw.call("SCRIPT", "NOPE")).toBe("-ERR unknown subcommand 'NOPE'. Try SCRIPT HELP.\r\n");
    const help = await raw.call("SCRIPT", "HELP");
    expect(help).toContain("+SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
    expect(help).toContain("+LOAD <script>\r\n");
  });

  it("EVALSHA still runs a script after the engine dropped what it compiled (1000 scripts later, after an error)", async () => {
    // The server sends a script's source to the engine only until the engine has compiled it; these are
    // the ways the engine loses it without a SCRIPT FLUSH, and the next EVALSHA must still run the script.
    const r = ctx.ioredis();
    const first = "return 'first:' .. ARGV[1]";
    const sha = (await r.script("LOAD", first)) as string;
    expect(await r.evalsha(sha, 0, "a")).toBe("first:a");
    for (let i = 0; i < 1001; i += 250) {
      const p = r.pipeline();
      for (let j = i; j < Math.min(1001, i + 250); j++) p.eval(`return ${j}`, 0);
      const res = await p.exec();
      expect(res!.map(([e, v]) => e ?? v)).toEqual(Array.from({ length: Math.min(1001, i + 250) - i }, (_, k) => i + k));
    }
    expect(await r.evalsha(sha, 0, "b")).toBe("first:b");
    await expect(r.eval("error('boom')", 0)).rejects.toThrow(/boom/);
    expect(await r.evalsha(sha, 0, "c")).toBe("first:c");
    expect(await r.eval("return {KEYS[1], ARGV[1]}", 1, "k", "v")).toEqual(["k", "v"]);
  });

  it("SCRIPT DEBUG: NO is accepted, the debugger itself is not available", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("SCRIPT", "DEBUG", "no")).toBe("+OK\r\n");
    expect(await raw.call("SCRIPT", "DEBUG", "maybe")).toBe("-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n");
    expect(await raw.call("SCRIPT", "DEBUG", "YES")).toMatch(/^-ERR SCRIPT DEBUG YES\|SYNC: the Lua debugger is not supported/);
    expect(await raw.call("MULTI")).toBe("+OK\r\n");
    expect(await raw.call("SCRIPT", "DEBUG", "NO")).toBe("+QUEUED\r\n");
    expect(await raw.call("EXEC")).toBe("*1\r\n-ERR SCRIPT DEBUG must be called outside MULTI\r\n");
  });

  it("ioredis defineCommand works through EVALSHA with its NOSCRIPT fallback", async () => {
    const r = ctx.ioredis();
    r.defineCommand("incrTwice", { numberOfKeys: 1, lua: "redis.call('INCR', KEYS[1]) return redis.call('INCRBY', KEYS[1], ARGV[1])" });
    const rr = r as unknown as { incrTwice(k: string, n: number): Promise<number> };
    expect(await rr.incrTwice("dc", 5)).toBe(6);
    await r.script("FLUSH");
    expect(await rr.incrTwice("dc", 5)).toBe(12);
    // in a pipeline and in MULTI
    const pipe = r.pipeline() as unknown as { incrTwice(k: string, n: number): typeof pipe; get(k: string): typeof pipe; exec(): Promise<unknown> };
    const res = await pipe.incrTwice("dc", 1).get("dc").exec();
    expect(res).toEqual([[null, 14], [null, "14"]]);
    const tx = await (r.multi() as unknown as { incrTwice(k: string, n: number): { exec(): Promise<unknown> } }).incrTwice("dc", 1).exec();
    expect(tx).toEqual([[null, 16]]);
  });

  it("numkeys errors and arity", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("EVAL", "return 1", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("EVAL", "return 1", "-1")).toBe("-ERR Number of keys can't be negative\r\n");
    expect(await raw.call("EVAL", "return 1", "3", "a")).toBe("-ERR Number of keys can't be greater than number of args\r\n");
    expect(await raw.call("EVAL", "return 1")).toBe("-ERR wrong number of arguments for 'eval' command\r\n");
    expect(await raw.call("EVALSHA", "abc", "0")).toBe("-NOSCRIPT No matching script.\r\n");
  });

  it("read-only scripts and shebang flags", async () => {
    const raw = await ctx.raw();
    const w = "return redis.call('SET', 'rokey', 'v')";
    expect(await raw.call("EVAL_RO", w, "0")).toBe(`-ERR Write commands are not allowed from read-only scripts.${suffix(w, 1)}\r\n`);
    const nw = "#!lua flags=no-writes\nreturn redis.call('SET', 'rokey', 'v')";
    expect(await raw.call("EVAL", nw, "0")).toBe(`-ERR Write commands are not allowed from read-only scripts.${suffix(nw, 2)}\r\n`);
    expect(await raw.call("EVAL", "#!lua\nreturn redis.call('SET', 'rokey', 'v')", "0")).toBe("+OK\r\n");
    expect(await raw.call("EVAL_RO", "#!lua\nreturn 1", "0")).toBe("-ERR Can not execute a script with write flag using *_ro command.\r\n");
    expect(await raw.call("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('GET', 'rokey')", "0")).toBe("$1\r\nv\r\n");
    expect(await raw.call("EVAL", "#!lua flags=bogus\nreturn 1", "0")).toBe("-ERR Unexpected flag in script shebang: bogus\r\n");
    expect(await raw.call("EVAL", "#!py\nreturn 1", "0")).toBe("-ERR Unexpected engine in script shebang: #!py\r\n");
    expect(await raw.call("EVAL", "#!lua name=x\nreturn 1", "0")).toBe("-ERR Unknown lua shebang option: name=x\r\n");
    expect(await raw.call("EVAL_RO", "return redis.call('GET', 'rokey')", "0")).toBe("$1\r\nv\r\n");
    // keys not declared in KEYS are allowed
    expect(await raw.call("EVAL", "return redis.call('GET', 'rokey')", "0")).toBe("$1\r\nv\r\n");
  });

  it("scripts run atomically inside MULTI/EXEC, signal WATCH, and blocking commands do not block", async () => {
    const r = ctx.ioredis();
    const res = await r.multi().set("mk", "1").eval("return redis.call('INCR', KEYS[1])", 1, "mk").get("mk").exec();
    expect(res).toEqual([[null, "OK"], [null, 2], [null, "2"]]);
    const w = ctx.ioredis();
    await w.watch("watched");
    await r.eval("redis.call('SET', KEYS[1], 'changed')", 1, "watched");
    expect(await w.multi().get("watched").exec()).toBeNull();
    expect(await r.eval("return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', 'nostream', '$')", 0)).toBeNull();
    // a write inside a script wakes a client blocked on the key
    const b = ctx.ioredis();
    const read = b.xread("BLOCK", 0, "STREAMS", "wake", "$");
    await new Promise((res2) => setTimeout(res2, 50));
    await r.eval("redis.call('XADD', KEYS[1], '5-1', 'f', 'v')", 1, "wake");
    expect(await read).toEqual([["wake", [["5-1", ["f", "v"]]]]]);
    // SELECT inside a script does not change the caller's db
    await r.eval("redis.call('SELECT', 1) redis.call('SET', 'indb1', 'x')", 0);
    expect(await r.get("indb1")).toBeNull();
    expect(await r.select(1).then(() => r.get("indb1"))).toBe("x");
    await r.select(0);
  });
});
