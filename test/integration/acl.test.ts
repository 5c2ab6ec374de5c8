import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Queue, QueueEvents, Worker, type Job } from "bullmq";
import { spawn } from "node:child_process";
import { cliCommand, describeRuntimes, RawClient, ROOT, RUNTIMES, spawnServer, untilBlockedInXread, type Spawned } from "../helpers/server.js";

// ACL users as Valkey 8 has them: rules, named users over client URLs, NOPERM with exact texts and ACL LOG
// entries, connections closed when their user goes away, scripts running with the caller's permissions, and
// users given from outside (user lines, VALKEY_USERS, the aclfile). Every text below is valkey-server 8.0.1's.

const NOPERM_KEY = "-NOPERM No permissions to access a key\r\n";
const NOPERM_CHANNEL = "-NOPERM No permissions to access a channel\r\n";
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

describeRuntimes("acl", (ctx) => {
  let admin: RawClient;
  beforeAll(async () => {
    admin = await ctx.raw();
  });
  const setuser = async (...rules: string[]) => expect(await admin.call("ACL", "SETUSER", ...rules)).toBe("+OK\r\n");
  const authed = async (user: string, pass: string) => {
    const r = await ctx.raw();
    expect(await r.call("AUTH", user, pass)).toBe("+OK\r\n");
    return r;
  };

  it("a named user from a redis:// URL: ioredis and node-redis (RESP2 and RESP3, HELLO AUTH)", async () => {
    await setuser("app", "on", ">s3cret", "~app:*", "&app:*", "+@all", "-flushall");
    const url = `redis://app:s3cret@127.0.0.1:${ctx.port}`;
    const io = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      expect(await io.call("ACL", "WHOAMI")).toBe("app");
      expect(await io.set("app:1", "v")).toBe("OK");
      expect(await io.get("app:1")).toBe("v");
      await expect(io.get("other")).rejects.toThrow("NOPERM No permissions to access a key");
    } finally {
      io.disconnect();
    }
    for (const RESP of [2, 3] as const) {
      const nr = createClient({ url, RESP });
      nr.on("error", () => {});
      await nr.connect();
      try {
        expect(await nr.sendCommand(["ACL", "WHOAMI"])).toBe("app");
        expect(await nr.get("app:1")).toBe("v");
        await expect(nr.set("nope", "1")).rejects.toThrow("NOPERM No permissions to access a key");
        await expect(nr.flushAll()).rejects.toThrow("NOPERM User app has no permissions to run the 'flushall' command");
      } finally {
        nr.destroy();
      }
    }
    const bad = createClient({ url: `redis://app:wrong@127.0.0.1:${ctx.port}`, RESP: 3, socket: { reconnectStrategy: false } });
    bad.on("error", () => {});
    await expect(bad.connect()).rejects.toThrow("WRONGPASS invalid username-password pair or user is disabled.");
    if (bad.isOpen) bad.destroy();
  });

  it("NOPERM for commands, keys (read/write patterns) and channels, each logged in ACL LOG", async () => {
    await admin.call("ACL", "LOG", "RESET");
    const counter = async (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(await admin.call("INFO", "stats"))![1]);
    const [cmd0, key0, channel0] = [await counter("acl_access_denied_cmd"), await counter("acl_access_denied_key"), await counter("acl_access_denied_channel")];
    await setuser("limited", "on", ">pw", "%R~r:*", "%W~w:*", "~rw:*", "&news", "+@all", "-flushall", "-config|set");
    const r = await authed("limited", "pw");
    expect(await r.call("GET", "r:1")).toBe("$-1\r\n");
    expect(await r.call("SET", "r:1", "x")).toBe(NOPERM_KEY);
    expect(await r.call("SET", "w:1", "x")).toBe("+OK\r\n");
    expect(await r.call("GET", "w:1")).toBe(NOPERM_KEY);
    expect(await r.call("COPY", "rw:a", "w:b")).toBe(":0\r\n");
    expect(await r.call("FLUSHALL")).toBe("-NOPERM User limited has no permissions to run the 'flushall' command\r\n");
    expect(await r.call("CONFIG", "SET", "maxclients", "10")).toBe(
      "-NOPERM User limited has no permissions to run the 'config|set' command\r\n",
    );
    expect(await r.call("CONFIG", "GET", "maxclients")).toMatch(/^\*2\r\n/);
    expect(await r.call("PUBLISH", "news", "hi")).toBe(":0\r\n");
    expect(await r.call("PUBLISH", "sports", "hi")).toBe(NOPERM_CHANNEL);
    expect(await r.call("PSUBSCRIBE", "n*")).toBe(NOPERM_CHANNEL);
    // A rejected command inside MULTI is logged with context multi and fails the EXEC.
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("GET", "secret")).toBe(NOPERM_KEY);
    expect(await r.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");

    const log = (await ctx.ioredis().call("ACL", "LOG")) as unknown[];
    const entries = log.map((e) => {
      const a = e as Array<string | number>;
      const m = new Map<string, string | number>();
      for (let i = 0; i < a.length; i += 2) m.set(String(a[i]), a[i + 1]!);
      return m;
    });
    const brief = entries.map((m) => `${m.get("reason")} ${m.get("context")} ${m.get("object")} ${m.get("username")} ${m.get("count")}`);
    expect(brief).toEqual([
      "key multi secret limited 1",
      "channel toplevel n* limited 1",
      "channel toplevel sports limited 1",
      "command toplevel config|set limited 1",
      "command toplevel flushall limited 1",
      "key toplevel w:1 limited 1",
      "key toplevel r:1 limited 1",
    ]);
    expect(String(entries[0]!.get("client-info"))).toMatch(/ user=limited /);
    expect(Object.keys(Object.fromEntries(entries[0]!))).toEqual([
      "count",
      "reason",
      "context",
      "object",
      "username",
      "age-seconds",
      "client-info",
      "entry-id",
      "timestamp-created",
      "timestamp-last-updated",
    ]);
    // The same denial again bumps the count of the newest matching entry instead of adding one.
    expect(await r.call("GET", "w:1")).toBe(NOPERM_KEY);
    const again = await admin.call("ACL", "LOG", "1");
    expect(again).toContain(bulk("count") + ":2\r\n");
    expect(again).toContain(bulk("w:1"));
    expect(await counter("acl_access_denied_cmd")).toBe(cmd0 + 2);
    expect(await counter("acl_access_denied_key")).toBe(key0 + 4);
    expect(await counter("acl_access_denied_channel")).toBe(channel0 + 2);
    expect(await admin.call("ACL", "LOG", "RESET")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "LOG")).toBe("*0\r\n");
  });

  it("SORT BY pattern / GET need read access to every key, as in Valkey", async () => {
    await setuser("sorter", "on", ">p", "~s*", "+@all");
    await setuser("reader", "on", ">p", "%R~*", "~s*", "+@all");
    await admin.call("RPUSH", "s1", "3", "1", "2");
    const r = await authed("sorter", "p");
    expect(await r.call("SORT", "s1", "BY", "nosort")).toBe("*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect(await r.call("SORT", "s1", "BY", "w_*")).toBe("-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n");
    expect(await r.call("SORT", "s1", "GET", "#")).toBe("-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n");
    const full = await authed("reader", "p");
    expect(await full.call("SORT", "s1", "GET", "#")).toBe("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  });

  it("bad rules get Valkey's errors and leave the user unchanged", async () => {
    const cases: Array<[string[], string]> = [
      [["foo"], "-ERR Error in ACL SETUSER modifier 'foo': Syntax error\r\n"],
      [["~a b"], "-ERR Error in ACL SETUSER modifier '~a b': Syntax error\r\n"],
      [["%X~k"], "-ERR Error in ACL SETUSER modifier '%X~k': Syntax error\r\n"],
      [["+nosuch"], "-ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\r\n"],
      [["-@nosuch"], "-ERR Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL\r\n"],
      [["-select|0"], "-ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL\r\n"],
      [["+client|id|x"], "-ERR Error in ACL SETUSER modifier '+client|id|x': Allowing first-arg of a subcommand is not supported\r\n"],
      [
        ["#abc"],
        "-ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters\r\n",
      ],
      [["<nopass"], "-ERR Error in ACL SETUSER modifier '<nopass': The password you are trying to remove from the user does not exist\r\n"],
      [
        ["allkeys", "~k"],
        "-ERR Error in ACL SETUSER modifier '~k': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns\r\n",
      ],
      [
        ["allchannels", "&c"],
        "-ERR Error in ACL SETUSER modifier '&c': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels\r\n",
      ],
      [["(~x", "+get"], "-ERR Unmatched parenthesis in acl selector starting at '(~x'.\r\n"],
      [["(~x +nosuch)"], "-ERR Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name in ACL\r\n"],
    ];
    await setuser("stable", "on", ">pw", "~k:*", "+get");
    const before = await admin.call("ACL", "GETUSER", "stable");
    for (const [rules, err] of cases) {
      expect(await admin.call("ACL", "SETUSER", "stable", "off", ...rules), rules.join(" ")).toBe(err);
      expect(await admin.call("ACL", "SETUSER", "fresh", ...rules)).toBe(err);
    }
    expect(await admin.call("ACL", "GETUSER", "stable")).toBe(before);
    expect(await admin.call("ACL", "GETUSER", "fresh")).toBe("$-1\r\n");
    expect(await admin.call("ACL", "SETUSER", "a b")).toBe("-ERR Usernames can't contain spaces or null characters\r\n");
    expect(await admin.call("ACL", "DELUSER", "x", "default")).toBe("-ERR The 'default' user cannot be removed\r\n");
    expect(await admin.call("ACL", "CAT", "nope")).toBe("-ERR Unknown category 'nope'\r\n");
    expect(await admin.call("ACL", "GENPASS", "0")).toBe(
      "-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096\r\n",
    );
    expect(await admin.call("ACL", "DRYRUN", "nope", "get", "x")).toBe("-ERR User 'nope' not found\r\n");
    expect(await admin.call("ACL", "DRYRUN", "stable", "nocmd")).toBe("-ERR Command 'nocmd' not found\r\n");
    expect(await admin.call("ACL", "DRYRUN", "stable", "get")).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(await admin.call("ACL", "LOG", "x")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await admin.call("ACL", "CAT", "a", "b")).toBe("-ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.\r\n");
    expect(await admin.call("ACL", "NOPE")).toBe("-ERR unknown subcommand 'NOPE'. Try ACL HELP.\r\n");
    // No aclfile configured: LOAD and SAVE say so.
    const noFile =
      "-ERR This instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a configuration file set) in order to store users in the configuration.\r\n";
    expect(await admin.call("ACL", "LOAD")).toBe(noFile);
    expect(await admin.call("ACL", "SAVE")).toBe(noFile);
  });

  it("describes users exactly as ACL LIST / GETUSER do (selectors, read/write patterns, first-args)", async () => {
    await setuser("desc", "+select|0", "+config|get", "-@all", "+@string", "-get", "%R~r*", "%W~w*", "%RW~rw*", "~rw*", "&c1", "resetchannels", "&c3");
    expect(await admin.call("ACL", "LIST")).toContain(bulk("user desc off sanitize-payload %R~r* %W~w* ~rw* resetchannels &c3 -@all +@string -get"));
    await setuser("sel", "on", "nopass", "~a", "+get", "(~b +set)", "(%R~c* &ch +@read +subscribe)");
    expect(await admin.call("ACL", "LIST")).toContain(
      bulk("user sel on nopass sanitize-payload ~a resetchannels -@all +get (~b resetchannels -@all +set) (%R~c* resetchannels &ch -@all +@read +subscribe)"),
    );
    const io = ctx.ioredis();
    expect(await io.call("ACL", "GETUSER", "sel")).toEqual([
      "flags",
      ["on", "nopass", "sanitize-payload"],
      "passwords",
      [],
      "commands",
      "-@all +get",
      "keys",
      "~a",
      "channels",
      "",
      "selectors",
      [
        ["commands", "-@all +set", "keys", "~b", "channels", ""],
        ["commands", "-@all +@read +subscribe", "keys", "%R~c*", "channels", "&ch"],
      ],
    ]);
    // A command is allowed when any selector allows it; DRYRUN names the key or command at fault.
    expect(await admin.call("ACL", "DRYRUN", "sel", "get", "a")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "DRYRUN", "sel", "set", "b", "1")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "DRYRUN", "sel", "get", "c1")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "DRYRUN", "sel", "set", "a", "1")).toBe(bulk("User sel has no permissions to access the 'a' key"));
    expect(await admin.call("ACL", "DRYRUN", "sel", "del", "a")).toBe(bulk("User sel has no permissions to run the 'del' command"));
    expect(await admin.call("ACL", "DRYRUN", "sel", "subscribe", "ch", "x")).toBe(bulk("User sel has no permissions to access the 'x' channel"));
    // -@all forgets earlier first-arg rules; given after it, SELECT|0 allows only that argument.
    expect(await admin.call("ACL", "DRYRUN", "desc", "select", "0")).toBe(bulk("User desc has no permissions to run the 'select' command"));
    await setuser("fa", "-@all", "+select|0", "+config|get");
    expect(await admin.call("ACL", "LIST")).toContain(bulk("user fa off sanitize-payload resetchannels -@all +select|0 +config|get"));
    expect(await admin.call("ACL", "DRYRUN", "fa", "select", "0")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "DRYRUN", "fa", "select", "1")).toBe(bulk("User fa has no permissions to run the 'select' command"));
    expect(await admin.call("ACL", "DRYRUN", "fa", "config", "get", "x")).toBe("+OK\r\n");
    expect(await admin.call("ACL", "DRYRUN", "fa", "config", "set", "x", "y")).toBe(bulk("User fa has no permissions to run the 'config|set' command"));
    // RESP3: flags is a set.
    const r3 = await ctx.raw();
    await r3.call("HELLO", "3");
    expect(await r3.call("ACL", "GETUSER", "default")).toBe(
      "%6\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$6\r\nnopass\r\n$16\r\nsanitize-payload\r\n$9\r\npasswords\r\n*0\r\n" +
        "$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n",
    );
    expect(await admin.call("ACL", "WHOAMI")).toBe(bulk("default"));
    expect(await admin.call("ACL", "USERS")).toMatch(/^\*\d+\r\n/);
    expect(String(await io.call("ACL", "GENPASS"))).toMatch(/^[0-9a-f]{64}$/);
    expect(String(await io.call("ACL", "GENPASS", "5"))).toMatch(/^[0-9a-f]{2}$/);
    const strings = (await io.call("ACL", "CAT", "string")) as string[];
    expect(strings).toContain("get");
    expect(strings).not.toContain("hget");
    expect(((await io.call("ACL", "CAT")) as string[]).length).toBe(21);
  });

  it("deleting a user closes its connections; revoking channels closes its subscribers; off only stops new logins", async () => {
    await setuser("gone", "on", ">pw", "~*", "&chan", "+@all");
    const a = await authed("gone", "pw");
    const sub = await authed("gone", "pw");
    expect(await sub.call("SUBSCRIBE", "chan")).toBe("*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n");
    // Valkey 8: `off` refuses new AUTH but leaves authenticated connections alone.
    await setuser("gone", "off");
    expect(await a.call("PING")).toBe("+PONG\r\n");
    const late = await ctx.raw();
    expect(await late.call("AUTH", "gone", "pw")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    await setuser("gone", "on", "resetchannels", "&other");
    await sub.waitClosed();
    expect(await a.call("PING")).toBe("+PONG\r\n");
    expect(await admin.call("ACL", "DELUSER", "gone", "nobody")).toBe(":1\r\n");
    await a.waitClosed();
    // A user deleting itself gets its reply, then the connection closes.
    await setuser("self", "on", ">pw", "+@all", "~*");
    const s = await authed("self", "pw");
    expect(await s.call("ACL", "DELUSER", "self")).toBe(":1\r\n");
    await s.waitClosed();
    await setuser("victim", "on", ">pw", "+@all");
    const v = await authed("victim", "pw");
    expect(await admin.call("CLIENT", "KILL", "USER", "victim")).toBe(":1\r\n");
    await v.waitClosed();
    expect(await admin.call("CLIENT", "KILL", "USER", "nobody")).toBe("-ERR No such user 'nobody'\r\n");
  });

  it("EXEC re-checks queued commands against the current rules", async () => {
    await setuser("tx", "on", ">p", "~e:*", "&c", "+@all");
    const r = await authed("tx", "p");
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("SET", "e:1", "x")).toBe("+QUEUED\r\n");
    expect(await r.call("PING")).toBe("+QUEUED\r\n");
    await setuser("tx", "resetkeys", "-ping");
    const why = "-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ";
    expect(await r.call("EXEC")).toBe(
      `*2\r\n${why}no permission to touch the specified keys\r\n${why}no permission to execute the command or subcommand\r\n`,
    );
  });

  it("scripts and functions run with the caller's permissions", async () => {
    await setuser("lua", "on", ">p", "~lua:*", "+@all", "-flushall");
    const r = await authed("lua", "p");
    expect(await r.call("EVAL", "return redis.call('set','lua:1','v')", "0")).toBe("+OK\r\n");
    expect(await r.call("EVAL", "return redis.pcall('get','other')", "0")).toBe("-ERR ACL failure in script: No permissions to access a key\r\n");
    expect(await r.call("EVAL", "return redis.pcall('flushall')", "0")).toBe(
      "-ERR ACL failure in script: User lua has no permissions to run the 'flushall' command\r\n",
    );
    expect(await r.call("EVAL", "return redis.call('get','other')", "0")).toMatch(
      /^-ERR ACL failure in script: No permissions to access a key script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
    );
    // redis.acl_check_cmd answers for the caller, without running anything.
    expect(await r.call("EVAL", "return redis.acl_check_cmd('get','lua:1')", "0")).toBe(":1\r\n");
    expect(await r.call("EVAL", "return redis.acl_check_cmd('get','other')", "0")).toBe("$-1\r\n");
    expect(await r.call("EVAL", "return redis.acl_check_cmd('flushall')", "0")).toBe("$-1\r\n");
    expect(await r.call("EVAL", "return redis.acl_check_cmd('nosuch')", "0")).toMatch(/^-ERR Invalid command passed to server.acl_check_cmd\(\) script: /);
    // Keys passed to the script are checked before it runs.
    expect(await r.call("EVAL", "return 1", "1", "other")).toBe(NOPERM_KEY);
    expect(
      await admin.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=acltest\nserver.register_function('peek', function(keys) return server.call('get', keys[1]) end)"),
    ).toBe(bulk("acltest"));
    expect(await r.call("FCALL", "peek", "1", "lua:1")).toBe(bulk("v"));
    expect(await r.call("FCALL", "peek", "1", "zzz")).toBe(NOPERM_KEY);
    expect(await admin.call("ACL", "LOG")).toContain(bulk("context") + bulk("lua") + bulk("object") + bulk("other"));
  });

  it("AUTH, HELLO AUTH and RESET: the default user's password is requirepass; RESET goes back to default", async () => {
    await setuser("back", "on", ">p", "~*", "+@all");
    const r = await authed("back", "p");
    expect(await r.call("ACL", "WHOAMI")).toBe(bulk("back"));
    expect(await r.call("RESET")).toBe("+RESET\r\n");
    expect(await r.call("ACL", "WHOAMI")).toBe(bulk("default"));
    expect(await r.call("AUTH", "onlypass")).toBe(
      "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    expect(await r.call("AUTH", "nobody", "x")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    expect(await r.call("HELLO", "3", "AUTH", "back", "p")).toMatch(/^%7\r\n/);
    expect(await r.call("ACL", "WHOAMI")).toBe(bulk("back"));
    try {
      expect(await admin.call("CONFIG", "SET", "requirepass", "topsecret")).toBe("+OK\r\n");
      expect(await admin.call("ACL", "GETUSER", "default")).toContain(bulk("passwords") + "*1\r\n");
      expect(await r.call("RESET")).toBe("+RESET\r\n");
      expect(await r.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await r.call("AUTH", "topsecret")).toBe("+OK\r\n");
      expect(await r.call("ACL", "WHOAMI")).toBe(bulk("default"));
      // ACL SETUSER default nopass lets unauthenticated connections through, as clearing requirepass does.
      const waiting = await ctx.raw();
      expect(await waiting.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      await setuser("default", "nopass");
      expect(await waiting.call("PING")).toBe("+PONG\r\n");
    } finally {
      await admin.call("CONFIG", "SET", "requirepass", "");
    }
  });

  it("a BullMQ worker runs as a restricted user with ~bull:* and the categories it needs", async () => {
    const rules = ["on", ">bullpw", "~bull:*", "&*", "-@all", "+@read", "+@write", "+@keyspace", "+@scripting", "+@blocking", "+@connection", "+@transaction", "+@pubsub", "+info"];
    await setuser("bull", ...rules);
    const connection = () => ({ host: "127.0.0.1", port: ctx.port, username: "bull", password: "bullpw", maxRetriesPerRequest: null });
    const name = `acl${Date.now()}`;
    const queue = new Queue(name, { connection: connection() });
    const events = new QueueEvents(name, { connection: connection() });
    const done = new Map<string, unknown>();
    events.on("completed", ({ jobId, returnvalue }) => done.set(jobId, returnvalue));
    const worker = new Worker(name, async (job: Job) => ({ twice: (job.data as { n: number }).n * 2 }), { connection: connection() });
    try {
      await events.waitUntilReady();
      await worker.waitUntilReady();
      await untilBlockedInXread(ctx.ioredis());
      const job = await queue.add("double", { n: 21 });
      const deadline = Date.now() + 20000;
      while (!done.has(job.id!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(done.get(job.id!)).toEqual({ twice: 42 });
      // Everything it touched lives under bull:*, and the user could not touch anything else.
      const keys = (await ctx.ioredis().keys(`*${name}*`)) as string[];
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith("bull:"))).toBe(true);
      const io = new Redis({ ...connection(), maxRetriesPerRequest: 1 });
      await expect(io.set("elsewhere", "1")).rejects.toThrow("NOPERM");
      io.disconnect();
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  }, 30000);
});

it("startServer({ users }) in-process: a test suite's own restricted user", async () => {
  const { startServer } = await import("../../src/index.js");
  const s = await startServer({ users: ["app on >pw ~app:* +@all"] });
  const io = new Redis(`redis://app:pw@127.0.0.1:${s.port}`, { maxRetriesPerRequest: 1 });
  try {
    expect(await io.set("app:1", "x")).toBe("OK");
    await expect(io.get("other")).rejects.toThrow("NOPERM No permissions to access a key");
  } finally {
    io.disconnect();
    await s.close();
  }
});

// Users from outside the protocol: `--user` flags / redis.conf lines, VALKEY_USERS, and an aclfile.
for (const runtime of RUNTIMES) {
  describe(`acl users at startup [${runtime}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), "acl-"));
    const servers: Spawned[] = [];
    afterAll(async () => {
      for (const s of servers) await s.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const start = async (args: string[], env: Record<string, string> = {}) => {
      const s = await spawnServer(runtime, args, env);
      servers.push(s);
      return s;
    };

    it("user lines in a config file, --user flags and VALKEY_USERS", async () => {
      const conf = join(dir, "users.conf");
      writeFileSync(conf, 'user app on >secret ~app:* +@all\nuser "default" on nopass ~* &* +@all -flushall\n');
      const s = await start([conf, "--port", "0", "--user", "cli on >clipw ~cli:* +@all"], { VALKEY_USERS: "envuser on >envpw ~env:* +get +set; user other on nopass +ping" });
      const r = await RawClient.connect(s.port);
      try {
        expect(await r.call("ACL", "LIST")).toBe(
          "*5\r\n" +
            bulk("user app on sanitize-payload #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~app:* resetchannels +@all") +
            bulk(`user cli on sanitize-payload #${sha("clipw")} ~cli:* resetchannels +@all`) +
            bulk("user default on nopass sanitize-payload ~* &* +@all -flushall") +
            bulk(`user envuser on sanitize-payload #${sha("envpw")} ~env:* resetchannels -@all +get +set`) +
            bulk("user other on nopass sanitize-payload resetchannels -@all +ping"),
        );
      } finally {
        r.close();
      }
      const io = new Redis(`redis://envuser:envpw@127.0.0.1:${s.port}`, { maxRetriesPerRequest: 1 });
      try {
        expect(await io.set("env:1", "x")).toBe("OK");
        await expect(io.del("env:1")).rejects.toThrow("NOPERM User envuser has no permissions to run the 'del' command");
      } finally {
        io.disconnect();
      }
    });

    it("an aclfile is read at start and by ACL LOAD; ACL SAVE refuses and writes nothing", async () => {
      const file = join(dir, "users.acl");
      writeFileSync(file, "user default on nopass ~* &* +@all\nuser app on >secret ~app:* +@all\n");
      const s = await start(["--aclfile", file]);
      const r = await RawClient.connect(s.port);
      const app = await RawClient.connect(s.port);
      try {
        expect(await r.call("ACL", "USERS")).toBe("*2\r\n" + bulk("app") + bulk("default"));
        expect(await app.call("AUTH", "app", "secret")).toBe("+OK\r\n");
        expect(await r.call("ACL", "SAVE")).toBe("-ERR ACL SAVE is not supported: valkey-bun keeps data in memory only and never writes it to disk\r\n");
        writeFileSync(file, "user default on nopass ~* &* +@all\nuser app on >secret ~app:* +@all +nosuch\nuser x foo\nhello\n");
        expect(await r.call("ACL", "LOAD")).toBe(
          `-ERR ${file}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:3: Syntax error. ${file}:4 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n`,
        );
        expect(await app.call("PING")).toBe("+PONG\r\n");
        writeFileSync(file, "user default on nopass ~* &* +@all\nuser ops on >pw +@all ~*\n");
        expect(await r.call("ACL", "LOAD")).toBe("+OK\r\n");
        expect(await r.call("ACL", "USERS")).toBe("*2\r\n" + bulk("default") + bulk("ops"));
        // The users the file replaced are gone, and so are their connections.
        await app.waitClosed();
        rmSync(file);
        expect(await r.call("ACL", "LOAD")).toBe(`-ERR Error loading ACLs, opening file '${file}': No such file or directory\r\n`);
      } finally {
        r.close();
        app.close();
      }
    });

    it("valkey-bun dev: valkey.users start with the server and an app with `user` connects as that user", async () => {
      const app = join(dir, "app.cjs");
      writeFileSync(
        app,
        `const { Redis } = require(${JSON.stringify(join(ROOT, "node_modules", "ioredis"))});
const r = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
(async () => {
  console.log("whoami=" + (await r.call("ACL", "WHOAMI")));
  await r.set("app:1", "x");
  console.log("other=" + (await r.set("other", "1").catch((e) => e.message)));
  r.disconnect();
})();
`,
      );
      const manifest = join(dir, "stack.json");
      writeFileSync(
        manifest,
        JSON.stringify({
          valkey: { port: 0, users: { app: "on >app-pw ~app:* +@all" } },
          apps: { web: { command: `node ${app}`, user: "app", env: { REDIS_URL: "\${VALKEY_URL}" } } },
        }),
      );
      const [cmd, pre] = cliCommand(runtime);
      const child = spawn(cmd, [...pre, "dev", "--manifest", manifest], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => child.kill("SIGTERM"), 25_000);
        child.once("close", (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      expect(out).toContain("whoami=app");
      expect(out).toContain("other=NOPERM No permissions to access a key");
      expect(out).not.toContain("app-pw");
      expect(code).toBe(0);
    }, 30_000);

    it("a bad user line stops the server from starting, as in Valkey", async () => {
      await expect(spawnServer(runtime, ["--user", "bad on +nosuch"])).rejects.toThrow(/Unknown command or category name in ACL/);
    });
  });
}

function sha(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
