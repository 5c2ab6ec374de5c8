// Long scripts: past busy-reply-threshold other clients get BUSY, SCRIPT KILL / FUNCTION KILL stop read-only
// scripts, SHUTDOWN NOSAVE stops the server anyway. Texts as valkey-server 8.0.1 sends them (its kill error says
// "SCRIPT KILL..." for functions too).
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeRuntimes, spawnServer, RawClient, type Ctx } from "../helpers/server.js";
import { lrand48 } from "../helpers/lrand48.js";

const BUSY_EVAL = "-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FN = "-BUSY Valkey is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
const UNKILLABLE =
  "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n";
const LOOP = "local x = 0 while true do x = x + 1 end";
const LOOP_SHA = "a4b06be0450445212e9fd4f39433dde148f611e0";

/** Poll with PING until the server answers BUSY (the script passed the threshold). */
async function untilBusy(r: RawClient, text = BUSY_EVAL): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const rep = await r.call("PING");
    if (rep === text) return;
    expect(rep).toBe("+PONG\r\n");
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error("server never became busy");
}

describeRuntimes(
  "scripting: busy scripts",
  (ctx: Ctx) => {
    it("a read-only script past the threshold gets BUSY for others and is stopped by SCRIPT KILL", async () => {
      const runner = await ctx.raw();
      const other = await ctx.raw();
      runner.send("EVAL", LOOP, "0");
      await untilBusy(other);
      expect(await other.call("GET", "k")).toBe(BUSY_EVAL);
      expect(await other.call("INFO")).toBe(BUSY_EVAL);
      expect(await other.call("SHUTDOWN")).toBe(BUSY_EVAL);
      // The other kind's KILL and FUNCTION STATS name the kind that is running.
      expect(await other.call("FUNCTION", "KILL")).toBe(BUSY_EVAL);
      expect(await other.call("FUNCTION", "STATS")).toBe(BUSY_EVAL);
      // MULTI is allowed; what is queued meanwhile is refused, so EXEC aborts.
      expect(await other.call("MULTI")).toBe("+OK\r\n");
      expect(await other.call("SET", "k", "v")).toBe(BUSY_EVAL);
      expect(await other.call("DISCARD")).toBe("+OK\r\n");
      expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toBe(`-ERR Script killed by user with SCRIPT KILL... script: ${LOOP_SHA}, on @user_script:1.\r\n`);
      expect(await other.call("PING")).toBe("+PONG\r\n");
      expect(await other.call("SCRIPT", "KILL")).toBe("-NOTBUSY No scripts in execution right now.\r\n");
      // The engine comes back for the next script, and the killed script stays cached.
      expect(await runner.call("EVAL", "return redis.call('ping')", "0")).toBe("+PONG\r\n");
      expect(await runner.call("SCRIPT", "EXISTS", LOOP_SHA)).toBe("*1\r\n:1\r\n");
    });

    it("math.random's sequence goes on past SCRIPT KILL (the killed engine does not hold it)", async () => {
      const runner = await ctx.raw();
      const other = await ctx.raw();
      const ref = lrand48(99);
      const want = () => {
        const v = String(ref() % 2147483647);
        return `$${v.length}\r\n${v}\r\n`;
      };
      const draw = "return tostring(math.random() * 2147483647)";
      expect(await runner.call("EVAL", `math.randomseed(99) ${draw}`, "0")).toBe(want());
      runner.send("EVAL", `math.random() ${LOOP}`, "0");
      want();
      await untilBusy(other);
      expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toMatch(/^-ERR Script killed by user with SCRIPT KILL/);
      expect(await runner.call("EVAL", draw, "0")).toBe(want());
    });

    it("a script calling redis in a loop is killable, pcall does not keep it alive, and its link stays usable", async () => {
      const runner = await ctx.raw();
      const other = await ctx.raw();
      runner.send("EVAL", "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", "0");
      runner.send("PING");
      await untilBusy(other);
      expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
      // The command pipelined behind the script runs after it, on the same connection.
      expect(await runner.read()).toBe("+PONG\r\n");
    });

    it("a long script with many calls finishes with the right result; blocked clients are served after it", async () => {
      await ctx.flush();
      const runner = await ctx.raw();
      const other = await ctx.raw();
      const blocked = await ctx.raw();
      blocked.send("BLPOP", "q", "0");
      expect(await blocked.silent(100)).toBe(true);
      runner.send("EVAL", "redis.call('rpush', KEYS[1], 'a') for i=1,30000 do redis.call('incr', KEYS[2]) end return redis.call('get', KEYS[2])", "2", "q", "n");
      const seen = await runner.read(20_000).then((r) => r);
      expect(seen).toBe("$5\r\n30000\r\n");
      expect(await blocked.read()).toBe("*2\r\n$1\r\nq\r\n$1\r\na\r\n");
      expect(await other.call("GET", "n")).toBe("$5\r\n30000\r\n");
    });

    it("a script that wrote cannot be killed; it ends on its own and its writes stay", async () => {
      await ctx.flush();
      const runner = await ctx.raw();
      const other = await ctx.raw();
      runner.send("EVAL", "redis.call('set', KEYS[1], 'y') local t = redis.call('time') local s = t[1] * 1000000 + t[2] while true do local n = redis.call('time') if n[1] * 1000000 + n[2] - s > 600000 then break end end return 'done'", "1", "w");
      await untilBusy(other);
      expect(await other.call("SCRIPT", "KILL")).toBe(UNKILLABLE);
      expect(await other.call("FUNCTION", "KILL")).toBe(UNKILLABLE);
      expect(await runner.read()).toBe("$4\r\ndone\r\n");
      expect(await other.call("GET", "w")).toBe("$1\r\ny\r\n");
    });

    it("a function past the threshold: FUNCTION STATS shows it, SCRIPT KILL refuses, FUNCTION KILL stops it", async () => {
      const runner = await ctx.raw();
      const other = await ctx.raw();
      expect(await runner.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=spin\nredis.register_function('spin', function(keys, args)\n  while true do end\nend)")).toBe("$4\r\nspin\r\n");
      runner.send("FCALL", "spin", "0");
      await untilBusy(other, BUSY_FN);
      expect(await other.call("SCRIPT", "KILL")).toBe(BUSY_FN);
      const stats = await other.call("FUNCTION", "STATS");
      expect(stats).toMatch(/^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n\*3\r\n\$5\r\nFCALL\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$11\r\nduration_ms\r\n:\d+\r\n/);
      expect(await other.call("FUNCTION", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toBe("-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:3.\r\n");
      expect(await runner.call("FUNCTION", "DELETE", "spin")).toBe("+OK\r\n");
    });

    it("inside EXEC a long script gets BUSY for others and can be killed; the rest of the queue still runs", async () => {
      await ctx.flush();
      const runner = await ctx.raw();
      const other = await ctx.raw();
      expect(await runner.call("MULTI")).toBe("+OK\r\n");
      expect(await runner.call("SET", "before", "1")).toBe("+QUEUED\r\n");
      expect(await runner.call("EVAL", LOOP, "0")).toBe("+QUEUED\r\n");
      expect(await runner.call("INCR", "after")).toBe("+QUEUED\r\n");
      expect(await runner.call("EVAL", "return redis.call('GET', 'after')", "0")).toBe("+QUEUED\r\n");
      runner.send("EXEC");
      runner.send("PING");
      await untilBusy(other);
      expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
      expect(await runner.read()).toBe(
        `*4\r\n+OK\r\n-ERR Script killed by user with SCRIPT KILL... script: ${LOOP_SHA}, on @user_script:1.\r\n:1\r\n$1\r\n1\r\n`,
      );
      expect(await runner.read()).toBe("+PONG\r\n");
      expect(await runner.call("GET", "before")).toBe("$1\r\n1\r\n");
      // The transaction is over: a new MULTI works, and so does EXEC with a script that finishes in time.
      expect(await runner.call("MULTI")).toBe("+OK\r\n");
      expect(await runner.call("EVAL", "return 7", "0")).toBe("+QUEUED\r\n");
      expect(await runner.call("EXEC")).toBe("*1\r\n:7\r\n");
    });

    // Checked against valkey-server 8.0.1 (busy-reply-threshold 100, SCRIPT KILL after 350 ms). Its hook raises
    // the error where the script runs and again at every new line, so a pcall that catches it only moves the
    // error to the next line of the function that called the outermost pcall (or a loop's jump back).
    it("the kill error names the line the script stood on, after any pcall that caught it, as Valkey's does", async () => {
      await ctx.flush();
      const runner = await ctx.raw();
      const other = await ctx.raw();
      const cases: [string, number][] = [
        ["local a = 1\nlocal b = 2\nwhile true do a = a + 1 end", 3],
        ["local function spin()\n  local x = 0\n  while true do x = x + 1 end\nend\nspin()\nreturn 1", 3],
        ["local n = 0\nwhile true do\n  n = n + 1\n  redis.call('get', 'x')\nend", 4],
        ["local t = {}\nfor i = 1, 3 do\n  t[i] = i\nend\nlocal ok, e = pcall(function()\n  while true do end\nend)\nredis.call('set', 'after', tostring(e))\nwhile true do\n  local y = 1\nend", 8],
        ["local ok = pcall(function()\n pcall(function()\nlocal x = 0\nwhile true do x = x + 1 end\n end)\n local z = 1\n end)\nlocal y = 2\nreturn 1", 8],
        ["local f = function()\n while 1 do\n redis.call('ping')\n end\n end\nwhile 1 do\n pcall(f)\n end", 7],
        ["for i = 1, 10 do\n  pcall(function()\nlocal x = 0\nwhile true do x = x + 1 end end)\nend\nreturn 1", 1],
        ["local ok = pcall(function()\nlocal x = 0\nwhile true do x = x + 1 end end) if ok then return 2 end\nreturn 1", 3],
      ];
      for (const [body, line] of cases) {
        runner.send("EVAL", body, "0");
        await untilBusy(other);
        expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
        const sha = createHash("sha1").update(body).digest("hex");
        expect(await runner.read(), body).toBe(`-ERR Script killed by user with SCRIPT KILL... script: ${sha}, on @user_script:${line}.\r\n`);
      }
      // The pcall caught the error, but the line after it never ran.
      expect(await other.call("EXISTS", "after")).toBe(":0\r\n");
    }, 60_000);

    it("FUNCTION LOAD stops a library body that runs too long", async () => {
      const r = await ctx.raw();
      expect(await r.call("FUNCTION", "LOAD", "#!lua name=forever\nwhile true do end")).toBe("-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n");
      expect(await r.call("FUNCTION", "LOAD", "#!lua name=fine\nredis.register_function('f', function() return 1 end)")).toBe("$4\r\nfine\r\n");
      expect(await r.call("FCALL", "f", "0")).toBe(":1\r\n");
    });

    // The engine pauses a script by unwinding its WebAssembly stack (src/scripting/vm.ts): that must work from
    // every C function that runs Lua, not only from the script's own body.
    it("a loop inside pcall, xpcall's handler, a sort comparator, a gsub callback, a metamethod or a coroutine gets BUSY and SCRIPT KILL", async () => {
      const runner = await ctx.raw();
      const other = await ctx.raw();
      // The loop is on line 3; the kill error names it, as valkey-server 8.0.1 does, but after a pcall or xpcall,
      // which catches the error: Valkey's hook raises it again on the next line, 4. (Valkey itself never ends the
      // xpcall handler's loop: its hook raises in the handler, which runs the loop again; that line is this
      // server's answer by the same rule.)
      const spin = "local x = 0\nwhile true do x = x + 1 end";
      const places: [string, number][] = [
        [`pcall(function()\n${spin} end)\nreturn 1`, 4],
        [`xpcall(function() error('e') end, function(e)\n${spin} end)\nreturn 1`, 4],
        [`table.sort({3, 1, 2}, function(a, b)\n${spin} end)\nreturn 1`, 3],
        [`string.gsub('ab', '%w', function(c)\n${spin} end)\nreturn 1`, 3],
        [`local t = setmetatable({}, {__index = function(t, k)\n${spin} end}) local v = t.x\nreturn 1`, 3],
        [`local a = setmetatable({}, {__add = function(p, q) redis.call('ping')\n${spin} end}) local v = a + a\nreturn 1`, 3],
        [`coroutine.wrap(function()\n${spin} end)()\nreturn 1`, 3],
      ];
      for (const [body, line] of places) {
        runner.send("EVAL", body, "0");
        await untilBusy(other);
        expect(await other.call("GET", "k")).toBe(BUSY_EVAL);
        expect(await other.call("SCRIPT", "KILL")).toBe("+OK\r\n");
        expect(await runner.read(), body).toMatch(new RegExp(`^-ERR Script killed by user with SCRIPT KILL\\.\\.\\. script: [0-9a-f]{40}, on @user_script:${line}\\.\r\n$`));
        // The new engine runs the same kind of code to its end.
        expect(await runner.call("EVAL", body.replace(spin, "return nil").replace("return 1", "return 7"), "0"), body).toBe(":7\r\n");
      }
      // A pure-Lua loop that ends on its own, paused on the way (past the 50 ms threshold, every 20 ms), gives its
      // exact result. 1e7 rounds (~70M VM instructions) run well past 50 ms anywhere; 3e7 took over 5 s on Bun in
      // a loaded CI run.
      runner.send("EVAL", "local x = 0 for i = 1, 1e7 do x = x + i % 7 end return x", "0");
      await untilBusy(other);
      expect(await runner.read(30_000)).toBe(":29999997\r\n");
    }, 60_000);

    it("SHUTDOWN NOSAVE stops the server while a script that wrote is running", async () => {
      const s = await spawnServer(ctx.runtime, ["--busy-reply-threshold", "50"]);
      try {
        const runner = await RawClient.connect(s.port);
        const other = await RawClient.connect(s.port);
        runner.send("EVAL", "redis.call('set', 'x', '1') while true do end", "0");
        await untilBusy(other);
        expect(await other.call("SCRIPT", "KILL")).toBe(UNKILLABLE);
        other.send("SHUTDOWN", "NOSAVE");
        await other.waitClosed(5000);
        await runner.waitClosed(5000);
        expect(await s.stop()).not.toBeNull();
      } finally {
        await s.stop("SIGKILL");
      }
    });
  },
  ["--busy-reply-threshold", "50"],
);
