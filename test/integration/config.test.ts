import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeRuntimes, ROOT, RUNTIMES, spawnServer, RawClient, type Ctx } from "../helpers/server.js";
import { freePort } from "../helpers/proc.js";

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
/** RESP2 reply of CONFIG GET for the given pairs. */
const pairs = (...kv: string[]) => `*${kv.length}\r\n` + kv.map(bulk).join("");

function text(reply: string): string {
  const nl = reply.indexOf("\r\n");
  const body = reply.slice(nl + 2, -2);
  return reply.startsWith("=") ? body.slice(4) : body;
}

/** Decode a flat RESP2 array of bulk strings (CONFIG GET replies). */
function flat(reply: string): string[] {
  const out: string[] = [];
  const re = /\$(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(reply)) !== null) {
    const start = m.index + m[0].length;
    out.push(reply.slice(start, start + Number(m[1])));
    re.lastIndex = start + Number(m[1]) + 2;
  }
  return out;
}

async function get(r: RawClient, name: string): Promise<string> {
  return flat(await r.call("CONFIG", "GET", name))[1]!;
}

describeRuntimes("config", (ctx: Ctx) => {
  it("CONFIG GET: exact names keep their spelling, globs, several patterns, aliases", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "GET", "maxmemory")).toBe(pairs("maxmemory", "0"));
    expect(await r.call("CONFIG", "GET", "MAXMEMORY")).toBe(pairs("MAXMEMORY", "0"));
    expect(await r.call("CONFIG", "GET", "nosuchparam")).toBe("*0\r\n");
    expect(await r.call("CONFIG", "GET", "lua-time-limit")).toBe(pairs("lua-time-limit", "5000"));
    const glob = flat(await r.call("CONFIG", "GET", "*max-*-entries*"));
    const names = glob.filter((_, i) => i % 2 === 0).sort();
    expect(names).toEqual([
      "hash-max-listpack-entries",
      "hash-max-ziplist-entries",
      "set-max-intset-entries",
      "set-max-listpack-entries",
      "zset-max-listpack-entries",
      "zset-max-ziplist-entries",
    ]);
    // overlapping patterns list each parameter once
    const both = flat(await r.call("CONFIG", "GET", "maxmemory", "maxmemory*", "MAXMEMORY-POLICY"));
    const bothNames = both.filter((_, i) => i % 2 === 0);
    expect(new Set(bothNames).size).toBe(bothNames.length);
    expect(bothNames).toContain("maxmemory-samples");
    const all = flat(await r.call("CONFIG", "GET", "*"));
    const m = new Map<string, string>();
    for (let i = 0; i < all.length; i += 2) m.set(all[i]!, all[i + 1]!);
    expect(m.get("databases")).toBe("16");
    expect(m.get("save")).toBe("");
    expect(m.get("appendonly")).toBe("no");
    expect(m.get("maxmemory-policy")).toBe("noeviction");
    expect(m.get("port")).toBe(String(ctx.port));
    expect(m.get("bind")).toBe("* -::*");
    expect(m.get("proto-max-bulk-len")).toBe("536870912");
    expect(m.get("client-output-buffer-limit")).toBe("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    expect(await r.call("CONFIG", "GET", "b?nd")).toBe(pairs("bind", "* -::*"));
    expect(await r.call("CONFIG", "GET", "[bp]ort")).toBe(pairs("port", String(ctx.port)));
    expect(await r.call("CONFIG", "GET")).toBe("-ERR wrong number of arguments for 'config|get' command\r\n");
  });

  it("CONFIG GET replies with a RESP3 map; clients read it", async () => {
    const r = await ctx.raw();
    await r.call("HELLO", "3");
    expect(await r.call("CONFIG", "GET", "maxmemory")).toBe("%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
    expect(await r.call("CONFIG", "GET", "nosuch")).toBe("%0\r\n");
    const nr = await ctx.nodeRedis(3);
    expect(await nr.configGet("maxmemory-policy")).toEqual({ "maxmemory-policy": "noeviction" });
    const io = ctx.ioredis();
    expect(await io.config("GET", "databases")).toEqual(["databases", "16"]);
  });

  it("CONFIG SET sets several parameters at once, in canonical form", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "maxmemory", "1mb", "maxmemory-policy", "ALLKEYS-LRU", "activerehashing", "NO")).toBe("+OK\r\n");
    expect(await get(r, "maxmemory")).toBe("1048576");
    expect(await get(r, "maxmemory-policy")).toBe("allkeys-lru");
    expect(await get(r, "activerehashing")).toBe("no");
    expect(text(await r.call("INFO", "memory"))).toContain("\r\nmaxmemory:1048576\r\nmaxmemory_human:1.00M\r\nmaxmemory_policy:allkeys-lru\r\n");
    expect(await r.call("CONFIG", "SET", "maxmemory", "2GB")).toBe("+OK\r\n");
    expect(await get(r, "maxmemory")).toBe("2147483648");
    expect(await r.call("CONFIG", "SET", "maxmemory", "100k")).toBe("+OK\r\n");
    expect(await get(r, "maxmemory")).toBe("100000");
    expect(await r.call("CONFIG", "SET", "maxmemory-clients", "10%")).toBe("+OK\r\n");
    expect(await get(r, "maxmemory-clients")).toBe("10%");
    // aliases set the parameter
    expect(await r.call("CONFIG", "SET", "hash-max-ziplist-entries", "64")).toBe("+OK\r\n");
    expect(await get(r, "hash-max-listpack-entries")).toBe("64");
    // hz is kept within 1..500
    expect(await r.call("CONFIG", "SET", "hz", "1000")).toBe("+OK\r\n");
    expect(await get(r, "hz")).toBe("500");
    expect(text(await r.call("INFO", "server"))).toContain("\r\nhz:500\r\nconfigured_hz:500\r\n");
    expect(await r.call("CONFIG", "SET", "hz", "0")).toBe("+OK\r\n");
    expect(await get(r, "hz")).toBe("1");
    expect(await r.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 30")).toBe("+OK\r\n");
    expect(await get(r, "client-output-buffer-limit")).toBe("normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 30");
    await r.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "activerehashing", "yes", "hz", "10");
    await r.call("CONFIG", "SET", "maxmemory-clients", "0", "hash-max-listpack-entries", "512");
    await r.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
  });

  it("notify-keyspace-events is parsed into classes and shown canonically", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "KEA")).toBe("+OK\r\n");
    expect(await get(r, "notify-keyspace-events")).toBe("AKE");
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "Eg$lshzxetd")).toBe("+OK\r\n");
    expect(await get(r, "notify-keyspace-events")).toBe("AE");
    // 'A' does not include key-miss or new-key events; Valkey's string drops 'n' next to 'A'
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "mKAn")).toBe("+OK\r\n");
    expect(await get(r, "notify-keyspace-events")).toBe("AKm");
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "xgEK")).toBe("+OK\r\n");
    expect(await get(r, "notify-keyspace-events")).toBe("gxKE");
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "Q")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n",
    );
    expect(await get(r, "notify-keyspace-events")).toBe("gxKE");
    expect(await r.call("CONFIG", "SET", "notify-keyspace-events", "")).toBe("+OK\r\n");
    expect(await get(r, "notify-keyspace-events")).toBe("");
  });

  it("persistence settings are accepted and reported as off", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "save", "3600 1 300 100")).toBe("+OK\r\n");
    expect(await get(r, "save")).toBe("");
    expect(await r.call("CONFIG", "SET", "appendonly", "yes")).toBe("+OK\r\n");
    expect(await get(r, "appendonly")).toBe("no");
    expect(text(await r.call("INFO", "persistence"))).toContain("\r\naof_enabled:0\r\n");
    expect(await r.call("CONFIG", "SET", "save", "")).toBe("+OK\r\n");
    for (const bad of ["0 1", "1 -1", "1 2 3", "a b"]) {
      expect(await r.call("CONFIG", "SET", "save", bad)).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n",
      );
    }
    expect(await r.call("CONFIG", "SET", "appendonly", "maybe")).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n",
    );
    expect(await r.call("CONFIG", "SET", "appendfsync", "always")).toBe("+OK\r\n");
    expect(await get(r, "appendfsync")).toBe("always");
    await r.call("CONFIG", "SET", "appendfsync", "everysec");
  });

  it("CONFIG SET errors use Valkey's texts and change nothing", async () => {
    const r = await ctx.raw();
    const fail = (arg: string, why: string) => `-ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}\r\n`;
    const cases: Array<[string[], string]> = [
      [["maxmemory", "abc"], fail("maxmemory", "argument must be a memory value")],
      [["maxmemory", "-1"], fail("maxmemory", "argument must be a memory value")],
      [["maxmemory", "1tb"], fail("maxmemory", "argument must be a memory value")],
      [["proto-max-bulk-len", "10"], fail("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")],
      [["timeout", "-1"], fail("timeout", "argument must be between 0 and 2147483647 inclusive")],
      [["timeout", "1.5"], fail("timeout", "argument couldn't be parsed into an integer")],
      [["hz", "abc"], fail("hz", "argument couldn't be parsed into an integer")],
      [["maxclients", "0"], fail("maxclients", "argument must be between 1 and 4294967295 inclusive")],
      [["loglevel", "loud"], fail("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning, nothing")],
      [["maxmemory-policy", "lru"], fail("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")],
      [["activedefrag", "maybe"], fail("activedefrag", "argument must be 'yes' or 'no'")],
      [["maxmemory-clients", "abc"], fail("maxmemory-clients", "argument must be a memory or percent value")],
      [["client-output-buffer-limit", "normal 0 0"], fail("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")],
      [["client-output-buffer-limit", "master 0 0 0"], fail("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")],
      [["client-output-buffer-limit", "normal x 0 0"], fail("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")],
      [["hash-max-ziplist-entries", "x"], fail("hash-max-listpack-entries", "argument couldn't be parsed into an integer")],
      [["daemonize", "yes"], fail("daemonize", "can't set immutable config")],
      [["databases", "4"], fail("databases", "can't set immutable config")],
      [["dir", "/tmp"], fail("dir", "can't set protected config")],
      [["dbfilename", "x.rdb"], fail("dbfilename", "can't set protected config")],
      [["maxmemory", "1", "maxmemory", "2"], fail("maxmemory", "duplicate parameter")],
      [["maxmemory", "1", "lua-time-limit", "1", "busy-reply-threshold", "2"], fail("busy-reply-threshold", "duplicate parameter")],
      [["nosuch", "1"], "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"],
      [["maxmemory", "1mb", "nosuch", "1", "other", "2"], "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"],
      [["daemonize", "yes", "nosuch", "1"], fail("daemonize", "can't set immutable config")],
      [["maxmemory", "1mb", "timeout", "x"], fail("timeout", "argument couldn't be parsed into an integer")],
      [["maxmemory", "1", "timeout"], "-ERR syntax error\r\n"],
    ];
    for (const [args, reply] of cases) expect(await r.call("CONFIG", "SET", ...args)).toBe(reply);
    // nothing was applied by the failed commands
    expect(await get(r, "maxmemory")).toBe("0");
    expect(await get(r, "timeout")).toBe("0");
    expect(await r.call("CONFIG", "SET", "maxmemory")).toBe("-ERR wrong number of arguments for 'config|set' command\r\n");
    expect(await r.call("CONFIG")).toBe("-ERR wrong number of arguments for 'config' command\r\n");
    expect(await r.call("CONFIG", "FOO")).toBe("-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  });

  it("CONFIG SET redacts secrets from SLOWLOG", async () => {
    const r = await ctx.raw();
    await r.call("SLOWLOG", "RESET");
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
    await r.call("CONFIG", "SET", "requirepass", "hunter2", "primaryauth", "x");
    await r.call("CONFIG", "SET", "requirepass", "");
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
    const log = await r.call("SLOWLOG", "GET", "-1");
    expect(log).not.toContain("hunter2");
    expect(log).toContain("$10\r\n(redacted)\r\n");
    await r.call("SLOWLOG", "RESET");
  });

  it("requirepass applies to new connections; clearing it lets waiting clients in", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "requirepass", "s3cret")).toBe("+OK\r\n");
    try {
      expect(await r.call("PING")).toBe("+PONG\r\n");
      const fresh = await ctx.raw();
      expect(await fresh.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await fresh.call("AUTH", "s3cret")).toBe("+OK\r\n");
      const waiting = await ctx.raw();
      expect(await waiting.call("GET", "k")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await get(r, "requirepass")).toBe("s3cret");
      expect(await r.call("CONFIG", "SET", "requirepass", "")).toBe("+OK\r\n");
      expect(await waiting.call("PING")).toBe("+PONG\r\n");
    } finally {
      await r.call("CONFIG", "SET", "requirepass", "");
    }
  });

  it("maxclients applies to the next connection", async () => {
    const r = await ctx.raw();
    const connected = Number(/connected_clients:(\d+)/.exec(text(await r.call("INFO", "clients")))![1]);
    expect(await r.call("CONFIG", "SET", "maxclients", String(connected))).toBe("+OK\r\n");
    try {
      const refused = await ctx.raw();
      expect(await refused.read()).toBe("-ERR max number of clients reached\r\n");
    } finally {
      await r.call("CONFIG", "SET", "maxclients", "10000");
    }
  });

  it("proto-max-bulk-len applies to connections already open", async () => {
    const r = await ctx.raw();
    const other = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")).toBe("+OK\r\n");
    try {
      other.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${1024 * 1024 + 1}\r\n`);
      expect(await other.read()).toBe("-ERR Protocol error: invalid bulk length\r\n");
      await other.waitClosed();
    } finally {
      await r.call("CONFIG", "SET", "proto-max-bulk-len", "512mb");
    }
  });

  it("client-query-buffer-limit closes connections whose query buffer grows past it", async () => {
    const r = await ctx.raw();
    const other = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "client-query-buffer-limit", "1mb")).toBe("+OK\r\n");
    try {
      // a bulk argument larger than the limit (but within proto-max-bulk-len) still arriving
      other.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${2 * 1024 * 1024}\r\n`);
      other.write("x".repeat(1024 * 1024 + 10));
      await other.waitClosed();
      expect(text(await r.call("INFO", "stats"))).toMatch(/client_query_buffer_limit_disconnections:[1-9]/);
    } finally {
      await r.call("CONFIG", "SET", "client-query-buffer-limit", "1gb");
    }
  });

  it("CONFIG REWRITE without a config file; CONFIG HELP", async () => {
    const r = await ctx.raw();
    expect(await r.call("CONFIG", "REWRITE")).toBe("-ERR The server is running without a config file\r\n");
    const help = await r.call("CONFIG", "HELP");
    expect(help).toBe(
      "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n+    Return parameters matching the glob-like <pattern> and their values.\r\n+SET <directive> <value>\r\n+    Set the configuration <directive> to <value>.\r\n+RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n+REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Print this help.\r\n",
    );
  });

  it("timeout closes idle clients (last: it closes every idle connection)", async () => {
    const r = await ctx.raw();
    const idle = await ctx.raw();
    expect(await r.call("CONFIG", "SET", "timeout", "1")).toBe("+OK\r\n");
    await idle.waitClosed(6000);
    const again = await ctx.raw();
    expect(await again.call("CONFIG", "SET", "timeout", "0")).toBe("+OK\r\n");
  });
});

describeRuntimes(
  "config from startup flags",
  (ctx: Ctx) => {
    it("flags are validated and reported canonically", async () => {
      const r = await ctx.raw();
      expect(await get(r, "maxmemory")).toBe("10485760");
      expect(await get(r, "notify-keyspace-events")).toBe("AKE");
      expect(await get(r, "save")).toBe("");
      expect(await get(r, "hz")).toBe("20");
    });

    it("protected configs can be set when enable-protected-configs allows it", async () => {
      const r = await ctx.raw();
      const dir = mkdtempSync(join(tmpdir(), "vb-dir-"));
      expect(await r.call("CONFIG", "SET", "dir", dir)).toBe("+OK\r\n");
      expect(await get(r, "dir")).toBe(dir);
      expect(await r.call("CONFIG", "SET", "dir", join(dir, "missing"))).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory\r\n",
      );
      expect(await r.call("CONFIG", "SET", "dbfilename", "a/b.rdb")).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename\r\n",
      );
      expect(await r.call("CONFIG", "SET", "dbfilename", "other.rdb")).toBe("+OK\r\n");
      expect(await get(r, "dbfilename")).toBe("other.rdb");
    });
  },
  ["--maxmemory", "10mb", "--notify-keyspace-events", "KEA", "--save", "900 1", "--hz", "20", "--enable-protected-configs", "yes"],
);

for (const runtime of RUNTIMES) {
  it(`rename-command and include in a config file, as valkey-server 8 takes them [${runtime}]`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "vb-conf-"));
    const file = join(dir, "valkey.conf");
    // an included fragment, as a conf.d pattern, sets a parameter too
    mkdirSync(join(dir, "conf.d"));
    writeFileSync(join(dir, "conf.d", "memory.conf"), "maxmemory 3mb\noom-score-adj-values 0 100 900\n");
    writeFileSync(
      file,
      `rename-command FLUSHALL ""\nrename-command CONFIG myconfig\nrename-command GET fetch\nrename-command EVAL myeval\ninclude ${dir}/conf.d/*.conf\n`,
    );
    const s = await spawnServer(runtime, [file, "--port", "0"]);
    try {
      const r = await RawClient.connect(s.port);
      // replies as valkey-server 8.0.1 gave them with the same three lines
      expect(await r.call("FLUSHALL")).toBe("-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
      expect(await r.call("GET", "a")).toBe("-ERR unknown command 'GET', with args beginning with: 'a' \r\n");
      expect(await r.call("SET", "a", "1")).toBe("+OK\r\n");
      expect(await r.call("FETCH", "a")).toBe("$1\r\n1\r\n");
      expect(await r.call("MYCONFIG", "GET", "port")).toBe(`*2\r\n$4\r\nport\r\n$${String(s.port).length}\r\n${s.port}\r\n`);
      expect(await r.call("MYCONFIG", "GET", "maxmemory")).toBe("*2\r\n$9\r\nmaxmemory\r\n$7\r\n3145728\r\n");
      expect(await r.call("MYCONFIG", "GET", "oom-score-adj-values")).toBe("*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 100 900\r\n");
      // Valkey 8's checks on the parameters a stock redis.conf sets
      expect(await r.call("MYCONFIG", "SET", "shutdown-on-sigint", "save nosave")).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously\r\n",
      );
      expect(await r.call("MYCONFIG", "SET", "oom-score-adj-values", "1 2")).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments\r\n",
      );
      expect(await r.call("MYCONFIG", "SET", "shutdown-on-sigterm", "force NOW")).toBe("+OK\r\n");
      expect(await r.call("MYCONFIG", "GET", "shutdown-on-sigterm")).toBe("*2\r\n$19\r\nshutdown-on-sigterm\r\n$9\r\nnow force\r\n");
      // the table without FLUSHALL; a renamed command keeps its own name in COMMAND's replies, and ACL rules
      const all = Number((await r.call("COMMAND", "COUNT")).slice(1, -2));
      const list = await r.call("COMMAND", "LIST");
      expect(list).toContain("$3\r\nget\r\n");
      expect(list).not.toContain("$8\r\nflushall\r\n");
      const names = list.split("\r\n").filter((l, i, a) => i > 0 && a[i - 1]!.startsWith("$"));
      expect(names.filter((n) => !n.includes("|")).length).toBe(all);
      expect(await r.call("COMMAND", "INFO", "get", "flushall")).toBe("*2\r\n$-1\r\n$-1\r\n");
      expect(await r.call("COMMAND", "INFO", "fetch")).toMatch(/^\*1\r\n\*10\r\n\$3\r\nget\r\n:2\r\n/);
      expect(await r.call("COMMAND", "GETKEYS", "fetch", "k")).toBe("*1\r\n$1\r\nk\r\n");
      expect(await r.call("COMMAND", "GETKEYS", "get", "k")).toBe("-ERR Invalid command specified\r\n");
      expect(await r.call("ACL", "DRYRUN", "default", "fetch", "a")).toBe("+OK\r\n");
      expect(await r.call("ACL", "SETUSER", "u", "+get", "~*")).toBe("+OK\r\n");
      // scripts and transactions see the same names
      expect(await r.call("MYEVAL", "return redis.call('fetch', 'a')", "0")).toBe("$1\r\n1\r\n");
      expect(await r.call("MYEVAL", "return redis.call('get', 'a')", "0")).toMatch(/^-ERR Unknown command called from script/);
      expect(await r.call("MYEVAL", "return redis.call('nosuch')", "0")).toMatch(/^-ERR Unknown command called from script/);
      expect(await r.call("MULTI")).toBe("+OK\r\n");
      expect(await r.call("FETCH", "a")).toBe("+QUEUED\r\n");
      expect(await r.call("EXEC")).toBe("*1\r\n$1\r\n1\r\n");
      // CONFIG REWRITE keeps the lines
      expect(await r.call("MYCONFIG", "REWRITE")).toBe("+OK\r\n");
      expect(readFileSync(file, "utf8")).toMatch(
        new RegExp(`^rename-command FLUSHALL ""\nrename-command CONFIG myconfig\nrename-command GET fetch\nrename-command EVAL myeval\ninclude ${dir}/conf\\.d/\\*\\.conf\n`),
      );
    } finally {
      await s.stop();
    }
    // as a flag too (a config line after the file's, as redis-server takes flags)
    const f = await spawnServer(runtime, ["--port", "0", "--rename-command", "DEL", "remove"]);
    try {
      const r = await RawClient.connect(f.port);
      expect(await r.call("SET", "k", "v")).toBe("+OK\r\n");
      expect(await r.call("DEL", "k")).toBe("-ERR unknown command 'DEL', with args beginning with: 'k' \r\n");
      expect(await r.call("REMOVE", "k")).toBe(":1\r\n");
    } finally {
      await f.stop();
    }
    // Valkey's load errors, with the line
    writeFileSync(file, "rename-command nosuch x\n");
    await expect(spawnServer(runtime, [file, "--port", "0"])).rejects.toThrow(`${file}:1: No such command in rename-command`);
    writeFileSync(file, "rename-command get set\n");
    await expect(spawnServer(runtime, [file, "--port", "0"])).rejects.toThrow(`${file}:1: Target command name already exists`);
  });

  it(`CONFIG REWRITE keeps the file's comments and lines, updates values, appends the rest [${runtime}]`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "vb-conf-"));
    const file = join(dir, "valkey.conf");
    writeFileSync(
      file,
      [
        "# my settings",
        "maxmemory 1mb",
        "",
        "",
        "timeout 5",
        "hash-max-ziplist-entries 100",
        "timeout 7",
        "requirepass \"pw with space\"",
        "# end",
        "",
      ].join("\n"),
    );
    const s = await spawnServer(runtime, [file, "--port", "0"]);
    try {
      const r = await RawClient.connect(s.port);
      expect(await r.call("AUTH", "pw with space")).toBe("+OK\r\n");
      expect(await get(r, "timeout")).toBe("7");
      const info = text(await r.call("INFO", "server"));
      expect(info).toContain(`\r\nconfig_file:${file}\r\n`);
      expect(await r.call("CONFIG", "SET", "maxmemory", "2gb", "maxmemory-policy", "allkeys-lru", "notify-keyspace-events", "Ex")).toBe("+OK\r\n");
      expect(await r.call("CONFIG", "SET", "requirepass", "")).toBe("+OK\r\n");
      expect(await r.call("CONFIG", "REWRITE")).toBe("+OK\r\n");
      const out = readFileSync(file, "utf8");
      expect(out).toBe(
        [
          "# my settings",
          "maxmemory 2gb",
          "",
          "timeout 7",
          "hash-max-listpack-entries 100",
          "",
          "# end",
          "",
          "# Generated by CONFIG REWRITE",
          `port ${s.port}`,
          "maxmemory-policy allkeys-lru",
          'notify-keyspace-events "xE"',
          "latency-tracking-info-percentiles 50 99 99.9",
          'save ""',
          `dir ${JSON.stringify(ROOT)}`,
          // ACL users are config lines too: Valkey's rewrite writes every user, the default one included
          "user default on nopass sanitize-payload ~* &* +@all",
          "",
        ].join("\n"),
      );

      // CONFIG SET port moves the listener; connections already open stay
      const port = await freePort();
      expect(await r.call("CONFIG", "SET", "port", String(port))).toBe("+OK\r\n");
      expect(await get(r, "port")).toBe(String(port));
      const moved = await RawClient.connect(port);
      expect(await moved.call("PING")).toBe("+PONG\r\n");
      await expect(RawClient.connect(s.port)).rejects.toThrow(/ECONNREFUSED/);
      // an address that cannot be bound is refused and the listener stays
      expect(await r.call("CONFIG", "SET", "bind", "192.0.2.123")).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
      );
      expect(await get(r, "bind")).toBe("* -::*");
      expect(await (await RawClient.connect(port)).call("PING")).toBe("+PONG\r\n");
      expect(await r.call("CONFIG", "SET", "bind", "127.0.0.1")).toBe("+OK\r\n");
      expect(text(await r.call("INFO", "server"))).toContain(`\r\nlistener0:name=tcp,bind=127.0.0.1,port=${port}\r\n`);
      expect(await (await RawClient.connect(port)).call("PING")).toBe("+PONG\r\n");
      expect(await r.call("CONFIG", "REWRITE")).toBe("+OK\r\n");
      const again = readFileSync(file, "utf8");
      expect(again).toContain(`\nport ${port}\n`);
      expect(again).toContain("\nbind 127.0.0.1\n");
    } finally {
      await s.stop();
    }
  });
}
