import { networkInterfaces } from "node:os";
import { expect, it } from "vitest";
import { describeRuntimes, RawClient, type Ctx } from "../helpers/server.js";

/** A bulk string reply as the raw client sees it. */
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parse one CLIENT INFO / CLIENT LIST line into its fields, keeping their order. */
function fields(line: string): Array<[string, string]> {
  return line
    .trim()
    .split(" ")
    .map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i), kv.slice(i + 1)] as [string, string];
    });
}

/** The payload of a bulk or verbatim reply. */
function text(reply: string): string {
  const nl = reply.indexOf("\r\n");
  const body = reply.slice(nl + 2, -2);
  return reply.startsWith("=") ? body.slice(4) : body;
}

async function clientId(r: RawClient): Promise<number> {
  return Number((await r.call("CLIENT", "ID")).slice(1, -2));
}

describeRuntimes("connection", (ctx) => {
  it("PING and ECHO", async () => {
    const r = await ctx.raw();
    expect(await r.call("PING")).toBe("+PONG\r\n");
    expect(await r.call("PING", "hello world")).toBe(bulk("hello world"));
    expect(await r.call("PING", "a", "b")).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
    expect(await r.call("ECHO", Buffer.from([0, 98, 105, 110, 255]))).toBe("$5\r\n\x00bin\xff\r\n");
    expect(await r.call("ECHO")).toBe("-ERR wrong number of arguments for 'echo' command\r\n");
    expect(await r.call("ECHO", "a", "b")).toBe("-ERR wrong number of arguments for 'echo' command\r\n");
    const io = ctx.ioredis();
    expect(await io.ping()).toBe("PONG");
    expect(await io.echo("x")).toBe("x");
  });

  it("HELLO replies with the connection's context, in RESP2 and RESP3", async () => {
    const r = await ctx.raw();
    const id = await clientId(r);
    const tail = (proto: number) =>
      `$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n`;
    const head = "$6\r\nserver\r\n$6\r\nvalkey\r\n$7\r\nversion\r\n$5\r\n8.0.2\r\n";
    expect(await r.call("HELLO")).toBe("*14\r\n" + head + tail(2));
    expect(await r.call("HELLO", "3")).toBe("%7\r\n" + head + tail(3));
    // now RESP3: a missing key is the RESP3 null
    expect(await r.call("GET", "hello:missing")).toBe("_\r\n");
    expect(await r.call("HELLO", "2")).toBe("*14\r\n" + head + tail(2));
    expect(await r.call("GET", "hello:missing")).toBe("$-1\r\n");
  });

  it("HELLO errors: NOPROTO, non-integer version, bad options; SETNAME and AUTH options", async () => {
    const r = await ctx.raw();
    expect(await r.call("HELLO", "4")).toBe("-NOPROTO unsupported protocol version\r\n");
    expect(await r.call("HELLO", "1")).toBe("-NOPROTO unsupported protocol version\r\n");
    expect(await r.call("HELLO", "abc")).toBe("-ERR Protocol version is not an integer or out of range\r\n");
    expect(await r.call("HELLO", "3", "foo")).toBe("-ERR Syntax error in HELLO option 'foo'\r\n");
    expect(await r.call("HELLO", "3", "SETNAME")).toBe("-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    expect(await r.call("HELLO", "3", "AUTH", "default")).toBe("-ERR Syntax error in HELLO option 'AUTH'\r\n");
    // still RESP2 after the failures
    expect(await r.call("GET", "hello:missing")).toBe("$-1\r\n");
    expect(await r.call("HELLO", "2", "SETNAME", "bad name")).toBe("-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    expect(await r.call("CLIENT", "GETNAME")).toBe("$-1\r\n");
    expect((await r.call("HELLO", "2", "SETNAME", "conn-a")).startsWith("*14\r\n")).toBe(true);
    expect(await r.call("CLIENT", "GETNAME")).toBe(bulk("conn-a"));
    // the default user has no password: any AUTH pair is accepted
    expect((await r.call("HELLO", "3", "AUTH", "default", "whatever")).startsWith("%7\r\n")).toBe(true);
    expect((await r.call("HELLO", "3", "AUTH", "alice", "pw")).startsWith("-WRONGPASS")).toBe(true);
  });

  it("AUTH without a configured password", async () => {
    const r = await ctx.raw();
    expect(await r.call("AUTH", "pw")).toBe(
      "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    expect(await r.call("AUTH", "default", "anything")).toBe("+OK\r\n");
    expect(await r.call("AUTH", "bob", "pw")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    expect(await r.call("AUTH", "a", "b", "c")).toBe("-ERR syntax error\r\n");
    expect(await r.call("AUTH")).toBe("-ERR wrong number of arguments for 'auth' command\r\n");
  });

  it("SELECT switches databases within range and refuses others", async () => {
    const r = await ctx.raw();
    expect(await r.call("SELECT", "15")).toBe("+OK\r\n");
    expect(await r.call("SET", "sel:k", "in15")).toBe("+OK\r\n");
    expect(await r.call("SELECT", "16")).toBe("-ERR DB index is out of range\r\n");
    expect(await r.call("SELECT", "-1")).toBe("-ERR DB index is out of range\r\n");
    expect(await r.call("SELECT", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await r.call("SELECT", "1.5")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await r.call("SELECT", "2147483648")).toBe("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
    // failures left the connection in db 15
    expect(await r.call("GET", "sel:k")).toBe(bulk("in15"));
    expect(await r.call("SELECT", "0")).toBe("+OK\r\n");
    expect(await r.call("GET", "sel:k")).toBe("$-1\r\n");
    expect(await r.call("SELECT")).toBe("-ERR wrong number of arguments for 'select' command\r\n");
    const nr = await ctx.nodeRedis(3);
    await nr.select(15);
    expect(await nr.get("sel:k")).toBe("in15");
  });

  it("QUIT replies OK and closes; commands pipelined after it are not run", async () => {
    const r = await ctx.raw();
    r.write("*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$7\r\nquit:kk\r\n$1\r\nv\r\n");
    expect(await r.read()).toBe("+OK\r\n");
    await r.waitClosed();
    const other = await ctx.raw();
    expect(await other.call("GET", "quit:kk")).toBe("$-1\r\n");
  });

  it("RESET restores a fresh connection's state", async () => {
    const r = await ctx.raw();
    await r.call("HELLO", "3");
    await r.call("SELECT", "4");
    await r.call("CLIENT", "SETNAME", "before-reset");
    await r.call("CLIENT", "NO-EVICT", "on");
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("SET", "reset:k", "v")).toBe("+QUEUED\r\n");
    expect(await r.call("RESET")).toBe("+RESET\r\n");
    // the transaction is gone, RESP2, db 0, no name, flags cleared
    expect(await r.call("EXEC")).toBe("-ERR EXEC without MULTI\r\n");
    expect(await r.call("GET", "reset:k")).toBe("$-1\r\n");
    expect(await r.call("CLIENT", "GETNAME")).toBe("$-1\r\n");
    const info = Object.fromEntries(fields(text(await r.call("CLIENT", "INFO"))));
    expect(info.db).toBe("0");
    expect(info.resp).toBe("2");
    expect(info.flags).toBe("N");
    expect(await r.call("RESET", "x")).toBe("-ERR wrong number of arguments for 'reset' command\r\n");
  });

  it("CLIENT ID, SETNAME, GETNAME, SETINFO and INFO", async () => {
    const r = await ctx.raw();
    const id = await clientId(r);
    expect(id).toBeGreaterThan(0);
    expect(await r.call("CLIENT", "GETNAME")).toBe("$-1\r\n");
    expect(await r.call("CLIENT", "SETNAME", "worker-1")).toBe("+OK\r\n");
    expect(await r.call("CLIENT", "GETNAME")).toBe(bulk("worker-1"));
    expect(await r.call("CLIENT", "SETNAME", "has space")).toBe("-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    expect(await r.call("CLIENT", "SETNAME", "new\nline")).toBe("-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    expect(await r.call("CLIENT", "GETNAME")).toBe(bulk("worker-1"));
    expect(await r.call("CLIENT", "SETINFO", "LIB-NAME", "mylib")).toBe("+OK\r\n");
    expect(await r.call("CLIENT", "SETINFO", "lib-ver", "1.2.3")).toBe("+OK\r\n");
    expect(await r.call("CLIENT", "SETINFO", "LIB-NAME", "a b")).toBe("-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n");
    expect(await r.call("CLIENT", "SETINFO", "color", "red")).toBe("-ERR Unrecognized option 'color'\r\n");
    expect(await r.call("CLIENT", "SETINFO", "lib-name")).toBe("-ERR wrong number of arguments for 'client|setinfo' command\r\n");
    const reply = await r.call("CLIENT", "INFO");
    expect(reply.endsWith("\n\r\n")).toBe(true);
    const f = fields(text(reply));
    expect(f.map(([k]) => k)).toEqual([
      "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "watch", "qbuf",
      "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir",
      "resp", "lib-name", "lib-ver", "tot-net-in", "tot-net-out", "tot-cmds",
    ]);
    const info = Object.fromEntries(f);
    expect(info.id).toBe(String(id));
    expect(info.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.laddr).toBe(`127.0.0.1:${ctx.port}`);
    expect(info.name).toBe("worker-1");
    expect(info.cmd).toBe("client|info");
    expect(info.user).toBe("default");
    expect(info["lib-name"]).toBe("mylib");
    expect(info["lib-ver"]).toBe("1.2.3");
    expect(info.multi).toBe("-1");
    // an empty name clears it
    expect(await r.call("CLIENT", "SETNAME", "")).toBe("+OK\r\n");
    expect(await r.call("CLIENT", "GETNAME")).toBe("$-1\r\n");
    expect(await r.call("CLIENT", "NOPE")).toBe("-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
    expect(await r.call("CLIENT")).toBe("-ERR wrong number of arguments for 'client' command\r\n");
    // RESP3: verbatim string
    await r.call("HELLO", "3");
    expect(await r.call("CLIENT", "INFO")).toMatch(/^=\d+\r\ntxt:id=\d+ /);
  });

  it("CLIENT INFO flags follow the connection's state", async () => {
    const r = await ctx.raw();
    const flags = async () => Object.fromEntries(fields(text(await r.call("CLIENT", "INFO")))).flags;
    expect(await flags()).toBe("N");
    await r.call("WATCH", "flags:k");
    await r.call("CLIENT", "NO-EVICT", "on");
    await r.call("CLIENT", "NO-TOUCH", "on");
    expect(await flags()).toBe("eT");
    const other = await ctx.raw();
    await other.call("SET", "flags:k", "changed");
    expect(await flags()).toBe("deT");
    await r.call("UNWATCH");
    await r.call("CLIENT", "NO-EVICT", "off");
    await r.call("CLIENT", "NO-TOUCH", "off");
    expect(await flags()).toBe("N");
  });

  it("CLIENT LIST shows every connection; TYPE and ID filters; errors", async () => {
    const a = await ctx.raw();
    const b = await ctx.raw();
    const ida = await clientId(a);
    const idb = await clientId(b);
    const list = text(await a.call("CLIENT", "LIST"));
    const ids = list
      .trim()
      .split("\n")
      .map((l) => Number(Object.fromEntries(fields(l)).id));
    expect(ids).toContain(ida);
    expect(ids).toContain(idb);
    expect(list.endsWith("\n")).toBe(true);
    // ID: lines in the order asked, unknown ids skipped
    const byId = text(await a.call("CLIENT", "LIST", "ID", String(idb), "999999", String(ida)))
      .trim()
      .split("\n")
      .map((l) => Number(Object.fromEntries(fields(l)).id));
    expect(byId).toEqual([idb, ida]);
    expect(text(await a.call("CLIENT", "LIST", "ID", "0", "-5"))).toBe("");
    expect(text(await a.call("CLIENT", "LIST", "TYPE", "normal"))).toContain(`id=${ida} `);
    expect(text(await a.call("CLIENT", "LIST", "TYPE", "replica"))).toBe("");
    expect(text(await a.call("CLIENT", "LIST", "TYPE", "master"))).toBe("");
    expect(text(await a.call("CLIENT", "LIST", "TYPE", "pubsub"))).not.toContain(`id=${ida} `);
    expect(await a.call("CLIENT", "LIST", "ID", "abc")).toBe("-ERR Invalid client ID\r\n");
    expect(await a.call("CLIENT", "LIST", "TYPE", "foo")).toBe("-ERR Unknown client type 'foo'\r\n");
    expect(await a.call("CLIENT", "LIST", "TYPE", "normal", "ID", "1")).toBe("-ERR syntax error\r\n");
    expect(await a.call("CLIENT", "LIST", "foo")).toBe("-ERR syntax error\r\n");
    expect(await a.call("CLIENT", "LIST", "ID")).toBe("-ERR syntax error\r\n");
  });

  it("CLIENT KILL, old form ip:port", async () => {
    const killer = await ctx.raw();
    const victim = await ctx.raw();
    const addr = Object.fromEntries(fields(text(await victim.call("CLIENT", "INFO")))).addr!;
    expect(await killer.call("CLIENT", "KILL", addr)).toBe("+OK\r\n");
    await victim.waitClosed();
    expect(await killer.call("CLIENT", "KILL", addr)).toBe("-ERR No such client\r\n");
    expect(await killer.call("CLIENT", "KILL", "ID")).toBe("-ERR No such client\r\n");
    // the old form may kill the caller itself: it gets its reply first
    const self = Object.fromEntries(fields(text(await killer.call("CLIENT", "INFO")))).addr!;
    expect(await killer.call("CLIENT", "KILL", self)).toBe("+OK\r\n");
    await killer.waitClosed();
  });

  it("CLIENT KILL with filters: ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE", async () => {
    const killer = await ctx.raw();
    const v1 = await ctx.raw();
    const v2 = await ctx.raw();
    const id1 = await clientId(v1);
    expect(await killer.call("CLIENT", "KILL", "ID", String(id1))).toBe(":1\r\n");
    await v1.waitClosed();
    expect(await killer.call("CLIENT", "KILL", "ID", String(id1))).toBe(":0\r\n");
    const addr2 = Object.fromEntries(fields(text(await v2.call("CLIENT", "INFO")))).addr!;
    expect(await killer.call("CLIENT", "KILL", "ADDR", addr2, "SKIPME", "yes")).toBe(":1\r\n");
    await v2.waitClosed();
    // SKIPME yes (the default) spares the caller even when it matches
    const me = await clientId(killer);
    expect(await killer.call("CLIENT", "KILL", "ID", String(me))).toBe(":0\r\n");
    expect(await killer.call("CLIENT", "KILL", "LADDR", "1.2.3.4:5")).toBe(":0\r\n");
    expect(await killer.call("CLIENT", "KILL", "USER", "default", "ID", "999999")).toBe(":0\r\n");
    expect(await killer.call("CLIENT", "KILL", "TYPE", "master")).toBe(":0\r\n");
    expect(await killer.call("CLIENT", "KILL", "TYPE", "primary")).toBe(":0\r\n");
    expect(await killer.call("CLIENT", "KILL", "MAXAGE", "100000")).toBe(":0\r\n");
    // errors
    expect(await killer.call("CLIENT", "KILL", "ID", "abc")).toBe("-ERR client-id should be greater than 0\r\n");
    expect(await killer.call("CLIENT", "KILL", "ID", "0")).toBe("-ERR client-id should be greater than 0\r\n");
    expect(await killer.call("CLIENT", "KILL", "TYPE", "nope")).toBe("-ERR Unknown client type 'nope'\r\n");
    expect(await killer.call("CLIENT", "KILL", "USER", "bob")).toBe("-ERR No such user 'bob'\r\n");
    expect(await killer.call("CLIENT", "KILL", "SKIPME", "maybe")).toBe("-ERR syntax error\r\n");
    expect(await killer.call("CLIENT", "KILL", "MAXAGE", "x")).toBe("-ERR maxage is not an integer or out of range\r\n");
    expect(await killer.call("CLIENT", "KILL", "MAXAGE", "0")).toBe("-ERR maxage should be greater than 0\r\n");
    expect(await killer.call("CLIENT", "KILL", "FOO", "bar")).toBe("-ERR syntax error\r\n");
    expect(await killer.call("CLIENT", "KILL", "ID", "1", "TYPE")).toBe("-ERR syntax error\r\n");
    expect(await killer.call("CLIENT", "KILL")).toBe("-ERR wrong number of arguments for 'client|kill' command\r\n");
    // SKIPME no: the caller is killed too, after its reply
    expect(await killer.call("CLIENT", "KILL", "ID", String(me), "SKIPME", "no")).toBe(":1\r\n");
    await killer.waitClosed();
  });

  it("CLIENT NO-EVICT and NO-TOUCH take ON or OFF", async () => {
    const r = await ctx.raw();
    for (const sub of ["NO-EVICT", "NO-TOUCH"]) {
      expect(await r.call("CLIENT", sub, "on")).toBe("+OK\r\n");
      expect(await r.call("CLIENT", sub, "OFF")).toBe("+OK\r\n");
      expect(await r.call("CLIENT", sub, "maybe")).toBe("-ERR syntax error\r\n");
      expect(await r.call("CLIENT", sub)).toBe(`-ERR wrong number of arguments for 'client|${sub.toLowerCase()}' command\r\n`);
    }
  });

  it("CLIENT REPLY SKIP behind a reader that has not read its big replies drops exactly the skipped reply", async () => {
    const r = await ctx.raw();
    for (let i = 0; i < 10; i++) {
      const items = Array.from({ length: 5000 }, (_, j) => `element-${i}-${j}-xxxxxxxxxx`);
      expect(await r.call("RPUSH", "skip:big", ...items)).toBe(`:${(i + 1) * 5000}\r\n`);
    }
    // ~1.5 MB per LRANGE: eight of them unread leave the server with output it could not write yet, so the next
    // replies are appended behind it, and the skipped big reply outgrows (and moves) that buffer
    r.sock.pause();
    for (let i = 0; i < 8; i++) r.send("LRANGE", "skip:big", "0", "-1");
    await sleep(150);
    const other = await ctx.raw();
    const line = (await other.call("CLIENT", "LIST")).split("\n").find((l) => l.includes("cmd=lrange"));
    expect(Number(/ omem=(\d+)/.exec(line ?? "")?.[1])).toBeGreaterThan(0); // the precondition: output still queued
    other.close();
    r.send("SET", "skip:a", "1");
    await sleep(100);
    r.send("CLIENT", "REPLY", "SKIP");
    r.send("LRANGE", "skip:big", "0", "-1");
    r.send("PING");
    await sleep(100);
    r.sock.resume();
    for (let i = 0; i < 8; i++) expect((await r.read(20000)).startsWith("*50000\r\n$22\r\nelement-0-0-")).toBe(true);
    expect(await r.read()).toBe("+OK\r\n");
    expect(await r.read()).toBe("+PONG\r\n");
    expect(await r.silent(150)).toBe(true);
    r.close();
  });

  it("CLIENT REPLY OFF, ON and SKIP", async () => {
    const r = await ctx.raw();
    r.send("CLIENT", "REPLY", "OFF");
    r.send("SET", "reply:k", "1");
    r.send("GET", "reply:k");
    r.send("NOSUCHCOMMAND");
    expect(await r.silent(150)).toBe(true);
    expect(await r.call("CLIENT", "REPLY", "ON")).toBe("+OK\r\n");
    expect(await r.call("GET", "reply:k")).toBe(bulk("1"));
    // SKIP drops exactly the next command's reply
    r.send("CLIENT", "REPLY", "SKIP");
    r.send("SET", "reply:k", "2");
    r.send("GET", "reply:k");
    expect(await r.read()).toBe(bulk("2"));
    // SKIP while OFF leaves it OFF
    r.send("CLIENT", "REPLY", "OFF");
    r.send("CLIENT", "REPLY", "SKIP");
    r.send("SET", "reply:k", "3");
    r.send("GET", "reply:k");
    expect(await r.silent(150)).toBe(true);
    expect(await r.call("CLIENT", "REPLY", "ON")).toBe("+OK\r\n");
    expect(await r.call("GET", "reply:k")).toBe(bulk("3"));
    expect(await r.call("CLIENT", "REPLY", "MAYBE")).toBe("-ERR syntax error\r\n");
  });

  it("CLIENT PAUSE WRITE holds writers until UNPAUSE while reads go on", async () => {
    const admin = await ctx.raw();
    const writer = await ctx.raw();
    const reader = await ctx.raw();
    await admin.call("SET", "pause:k", "before");
    expect(await admin.call("CLIENT", "PAUSE", "60000", "WRITE")).toBe("+OK\r\n");
    writer.send("SET", "pause:k", "after");
    expect(await writer.silent(150)).toBe(true);
    expect(await reader.call("GET", "pause:k")).toBe(bulk("before"));
    // a read pipelined behind the paused write waits with it, in order
    writer.send("GET", "pause:k");
    expect(await admin.call("CLIENT", "UNPAUSE")).toBe("+OK\r\n");
    expect(await writer.read()).toBe("+OK\r\n");
    expect(await writer.read()).toBe(bulk("after"));
    expect(await reader.call("GET", "pause:k")).toBe(bulk("after"));
  });

  it("CLIENT PAUSE ALL holds every command until the pause ends", async () => {
    const admin = await ctx.raw();
    const reader = await ctx.raw();
    await admin.call("SET", "pauseall:k", "v");
    expect(await admin.call("CLIENT", "PAUSE", "400", "ALL")).toBe("+OK\r\n");
    reader.send("GET", "pauseall:k");
    expect(await reader.silent(100)).toBe(true);
    expect(await reader.read(5000)).toBe(bulk("v"));
  });

  it("CLIENT PAUSE errors", async () => {
    const r = await ctx.raw();
    expect(await r.call("CLIENT", "PAUSE", "10", "foo")).toBe("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n");
    expect(await r.call("CLIENT", "PAUSE", "abc", "foo")).toBe("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n");
    expect(await r.call("CLIENT", "PAUSE", "abc")).toBe("-ERR timeout is not an integer or out of range\r\n");
    expect(await r.call("CLIENT", "PAUSE", "-1")).toBe("-ERR timeout is negative\r\n");
    expect(await r.call("CLIENT", "PAUSE", "10", "write", "x")).toBe(
      "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
    );
    expect(await r.call("CLIENT", "PAUSE")).toBe("-ERR wrong number of arguments for 'client|pause' command\r\n");
    expect(await r.call("CLIENT", "UNPAUSE", "x")).toBe("-ERR wrong number of arguments for 'client|unpause' command\r\n");
  });

  it("CLIENT CAPA accepts the redirect capability (Valkey 8.0 does not show it in CLIENT INFO)", async () => {
    const r = await ctx.raw();
    expect(await r.call("CLIENT", "CAPA", "redirect")).toBe("+OK\r\n");
    expect(await r.call("CLIENT", "CAPA", "unknown-capa")).toBe("+OK\r\n");
    expect(Object.fromEntries(fields(text(await r.call("CLIENT", "INFO")))).capa).toBeUndefined();
  });

  it("CLIENT HELP lists the subcommands", async () => {
    const r = await ctx.raw();
    const help = await r.call("CLIENT", "HELP");
    expect(help).toMatch(/^\*\d+\r\n\+CLIENT <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n/);
    expect(help).toContain("+PAUSE <timeout> [WRITE|ALL]\r\n");
    expect(help.endsWith("+HELP\r\n+    Print this help.\r\n")).toBe(true);
  });

  it("real clients: ioredis and node-redis set and read names", async () => {
    const io = ctx.ioredis({ connectionName: "io-conn" });
    expect(await io.client("GETNAME")).toBe("io-conn");
    const nr = await ctx.nodeRedis(3);
    expect(await nr.clientSetName("nr-conn")).toBe("OK");
    expect(await nr.clientGetName()).toBe("nr-conn");
    expect(typeof (await nr.clientId())).toBe("number");
  });

  it("protected mode refuses connections from non-loopback addresses when no password is set", async () => {
    const addr = externalIPv4();
    if (addr === null) return; // no non-loopback interface here: covered by the isLoopback unit test
    const r = await RawClient.connect(ctx.port, addr);
    const reply = await r.read();
    expect(reply).toMatch(/^-DENIED .* protected mode .*\r\n$/);
    await r.waitClosed();
  });
});

/** A non-internal IPv4 address of this machine, if any (connecting to it is not a loopback connection). */
function externalIPv4(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return null;
}

describeRuntimes(
  "connection with requirepass",
  (ctx: Ctx) => {
    it("commands need AUTH; AUTH and HELLO AUTH authenticate; WRONGPASS otherwise", async () => {
      const r = await ctx.raw();
      expect(await r.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await r.call("GET", "k")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await r.call("AUTH", "wrong")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
      expect(await r.call("AUTH", "nobody", "secret")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
      expect(await r.call("HELLO", "3")).toBe(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
      );
      expect(await r.call("HELLO", "3", "AUTH", "default", "nope")).toBe("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
      expect(await r.call("AUTH", "secret")).toBe("+OK\r\n");
      expect(await r.call("PING")).toBe("+PONG\r\n");
      const h = await ctx.raw();
      expect((await h.call("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "h1")).startsWith("%7\r\n")).toBe(true);
      expect(await h.call("CLIENT", "GETNAME")).toBe(bulk("h1"));
      const u = await ctx.raw();
      expect(await u.call("AUTH", "default", "secret")).toBe("+OK\r\n");
      expect(await u.call("PING")).toBe("+PONG\r\n");
    });

    it("RESET de-authenticates; QUIT works without AUTH", async () => {
      const r = await ctx.raw();
      expect(await r.call("AUTH", "secret")).toBe("+OK\r\n");
      expect(await r.call("RESET")).toBe("+RESET\r\n");
      expect(await r.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await r.call("QUIT")).toBe("+OK\r\n");
      await r.waitClosed();
    });

    it("failed AUTH attempts are counted in INFO", async () => {
      const r = await ctx.raw();
      await r.call("AUTH", "secret");
      const count = async () => Number(/acl_access_denied_auth:(\d+)/.exec(text(await r.call("INFO", "stats")))![1]);
      const before = await count();
      const other = await ctx.raw();
      await other.call("AUTH", "bad");
      await other.call("HELLO", "2", "AUTH", "default", "bad");
      expect(await count()).toBe(before + 2);
    });

    it("real clients authenticate with the password", async () => {
      const io = ctx.ioredis({ password: "secret" });
      expect(await io.set("auth:k", "v")).toBe("OK");
      expect(await io.get("auth:k")).toBe("v");
    });

    it("protected mode does not apply when a password is set", async () => {
      const addr = externalIPv4();
      if (addr === null) return;
      const r = await RawClient.connect(ctx.port, addr);
      expect(await r.call("AUTH", "secret")).toBe("+OK\r\n");
      expect(await r.call("PING")).toBe("+PONG\r\n");
      r.close();
    });
  },
  ["--requirepass", "secret"],
);

describeRuntimes(
  "connection with maxclients 2",
  (ctx: Ctx) => {
    it("refuses connections beyond maxclients with Valkey's error", async () => {
      const a = await ctx.raw();
      const b = await ctx.raw();
      expect(await a.call("PING")).toBe("+PONG\r\n");
      expect(await b.call("PING")).toBe("+PONG\r\n");
      const c = await ctx.raw();
      expect(await c.read()).toBe("-ERR max number of clients reached\r\n");
      await c.waitClosed();
      const rejected = /rejected_connections:(\d+)/.exec(text(await a.call("INFO", "stats")))![1];
      expect(Number(rejected)).toBeGreaterThanOrEqual(1);
      // a slot frees up when a client leaves
      b.close();
      for (let i = 0; ; i++) {
        const d = await ctx.raw();
        const reply = await d.call("PING");
        if (reply === "+PONG\r\n") break;
        expect(reply).toBe("-ERR max number of clients reached\r\n");
        if (i > 50) throw new Error("no slot freed");
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  },
  ["--maxclients", "2"],
);
