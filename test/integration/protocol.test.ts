// The wire protocol end to end: each malformed frame gets Valkey's exact error and closes only that connection;
// frames split across writes; a 10 MB value; inline commands; limits for unauthenticated connections.

import { expect, it } from "vitest";
import { describeRuntimes, encode } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeRuntimes("protocol", (ctx) => {
  /** Send `bad` (after a PING on the same connection), expect PONG, then Valkey's error, then the close. */
  async function expectProtocolError(bad: string | Buffer, text: string): Promise<void> {
    const raw = await ctx.raw();
    raw.write(Buffer.concat([Buffer.from("PING\r\n"), Buffer.isBuffer(bad) ? bad : Buffer.from(bad, "latin1")]));
    expect(await raw.read()).toBe("+PONG\r\n");
    expect(await raw.read()).toBe(`-ERR ${text}\r\n`);
    await raw.waitClosed();
    // the server and other connections are fine
    const other = await ctx.raw();
    expect(await other.call("ECHO", "still here")).toBe("$10\r\nstill here\r\n");
    other.close();
  }

  const cases: Array<[string, string, string]> = [
    ["letters as multibulk count", "*abc\r\n", "Protocol error: invalid multibulk length"],
    ["multibulk count above INT_MAX", "*2147483648\r\n", "Protocol error: invalid multibulk length"],
    ["multibulk count with a plus sign", "*+1\r\n", "Protocol error: invalid multibulk length"],
    ["negative bulk length", "*1\r\n$-1\r\n", "Protocol error: invalid bulk length"],
    ["bulk length beyond proto-max-bulk-len", "*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"],
    ["letters as bulk length", "*2\r\n$3\r\nGET\r\n$x\r\n", "Protocol error: invalid bulk length"],
    ["something other than $ where a bulk starts", "*1\r\nx3\r\nfoo\r\n", "Protocol error: expected '$', got 'x'"],
    ["unbalanced double quote", 'SET k "abc\r\n', "Protocol error: unbalanced quotes in request"],
    ["unbalanced single quote", "ECHO 'abc\r\n", "Protocol error: unbalanced quotes in request"],
    ["closing quote glued to text", 'ECHO "a"b\r\n', "Protocol error: unbalanced quotes in request"],
  ];
  for (const [name, bad, text] of cases) {
    it(`${name}: ${JSON.stringify(text)}, then that connection closes`, async () => {
      await expectProtocolError(bad, text);
    });
  }

  it("too big inline request (64 KB without a newline)", async () => {
    await expectProtocolError("a".repeat(64 * 1024 + 1), "Protocol error: too big inline request");
  });

  it("too big inline request: a 70 KB line refused even with its newline in the same write, as valkey-server 8 does", async () => {
    await expectProtocolError("ECHO " + "a".repeat(70_000) + "\r\n", "Protocol error: too big inline request");
  });

  it("too big mbulk count string / too big bulk count string", async () => {
    await expectProtocolError("*" + "1".repeat(64 * 1024 + 1), "Protocol error: too big mbulk count string");
    await expectProtocolError("*1\r\n$" + "1".repeat(64 * 1024 + 1), "Protocol error: too big bulk count string");
  });

  it("a huge but valid multibulk count allocates nothing up front and waits for its arguments", async () => {
    const raw = await ctx.raw();
    raw.write("*2147483647\r\n$4\r\nECHO\r\n");
    expect(await raw.silent(150)).toBe(true);
    raw.close();
    const other = await ctx.raw();
    expect(await other.call("PING")).toBe("+PONG\r\n");
  });

  it("commands split at every byte boundary across writes", async () => {
    const raw = await ctx.raw();
    const frame = encode(["SET", "split", "a\r\nb"]);
    for (let i = 0; i < frame.length; i++) {
      raw.write(frame.subarray(i, i + 1));
      if (i % 7 === 0) await sleep(1);
    }
    expect(await raw.read()).toBe("+OK\r\n");
    const get = encode(["GET", "split"]);
    raw.write(get.subarray(0, 5));
    await sleep(20);
    raw.write(get.subarray(5));
    expect(await raw.read()).toBe("$4\r\na\r\nb\r\n");
  });

  it("a 10 MB value round-trips byte for byte, sent in pieces", async () => {
    const value = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31 + (i >> 8)) & 0xff;
    const raw = await ctx.raw();
    const frame = encode(["SET", "big", value]);
    for (let i = 0; i < frame.length; i += 1 << 20) raw.write(frame.subarray(i, i + (1 << 20)));
    expect(await raw.read(20_000)).toBe("+OK\r\n");
    const got = await raw.call("GET", "big");
    const header = `$${value.length}\r\n`;
    expect(got.length).toBe(header.length + value.length + 2);
    expect(got.startsWith(header)).toBe(true);
    expect(Buffer.from(got.slice(header.length, header.length + value.length), "latin1").equals(value)).toBe(true);
    // the same through a real client
    const r = ctx.ioredis();
    expect((await r.getBuffer("big"))!.equals(value)).toBe(true);
    await raw.call("DEL", "big");
  });

  // Replies whose length is counted by hand (introspection, HELP texts, nested maps) must hold exactly what the header
  // says: MEMORY STATS once declared two fields fewer than it wrote, and the client took the rest for the replies
  // to its next commands. Each command goes out with an ECHO behind it, whose reply must come next, whole.
  it("every introspection reply is exactly one reply: the next command's reply follows it, RESP2 and RESP3", async () => {
    const seed = [["SET", "a", "1"], ["EXPIRE", "a", "100"], ["SELECT", "3"], ["SET", "b", "2"], ["SELECT", "0"], ["ZADD", "z", "1.5", "m"],
      ["XADD", "x", "1-1", "f", "v"], ["XGROUP", "CREATE", "x", "g", "0"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"],
      ["HSET", "h", "f", "v"], ["SADD", "s", "m"], ["RPUSH", "l", "a"], ["GEOADD", "geo", "13", "38", "p"], ["SCRIPT", "LOAD", "return 1"],
      // an entry each in SLOWLOG, LATENCY and ACL LOG, whose entries are counted by hand too
      ["CONFIG", "SET", "slowlog-log-slower-than", "0", "latency-monitor-threshold", "1"], ["EVAL", "local i = 0 while i < 300000 do i = i + 1 end", "0"], ["AUTH", "nobody", "pw"]];
    const commands = [
      "MEMORY STATS", "MEMORY DOCTOR", "MEMORY USAGE a", "INFO", "INFO everything", "CLIENT LIST", "CLIENT INFO", "CLIENT TRACKINGINFO",
      "FUNCTION STATS", "FUNCTION LIST", "XINFO STREAM x", "XINFO STREAM x FULL", "XINFO GROUPS x", "XINFO CONSUMERS x g", "COMMAND DOCS",
      "COMMAND INFO", "COMMAND", "ACL GETUSER default", "ACL LIST", "ACL CAT", "ACL LOG", "LATENCY HISTOGRAM", "LATENCY LATEST",
      "SLOWLOG GET", "CONFIG GET *", "HELLO", "ROLE", "LCS a a IDX WITHMATCHLEN", "PUBSUB NUMSUB a b", "CLUSTER INFO", "TIME",
      "XPENDING x g", "XPENDING x g - + 10", "XAUTOCLAIM x g c 0 0", "GEOSEARCH geo FROMLONLAT 13 38 BYRADIUS 10 km WITHCOORD WITHDIST WITHHASH",
      "ZRANGE z 0 -1 WITHSCORES", "ZRANDMEMBER z 2 WITHSCORES", "HRANDFIELD h 2 WITHVALUES", "ZSCAN z 0", "SCAN 0", "OBJECT HELP", "MEMORY HELP",
      "CONFIG HELP", "CLIENT HELP", "XINFO HELP", "ACL HELP", "SCRIPT HELP", "FUNCTION HELP", "PUBSUB HELP", "CLUSTER HELP", "COMMAND HELP",
      "XGROUP HELP", "OBJECT ENCODING a", "DEBUG HELP", "LATENCY HELP", "SLOWLOG HELP", "MODULE HELP", "LATENCY DOCTOR",
    ];
    for (const proto of ["2", "3"]) {
      const raw = await ctx.raw();
      await raw.call("HELLO", proto);
      for (const c of seed) await raw.call(...c);
      expect(await raw.call("LATENCY", "LATEST")).toMatch(/^\*[1-9]/);
      expect(await raw.call("ACL", "LOG")).toMatch(/^\*[1-9]/);
      for (const c of commands) {
        raw.write(Buffer.concat([encode(c.split(" ")), encode(["ECHO", "next"])]));
        const reply = await raw.read();
        expect(reply.length, c).toBeGreaterThan(0);
        expect(await raw.read(), `the reply after RESP${proto} ${c}`).toBe("$4\r\nnext\r\n");
      }
      raw.close();
    }
    const admin = await ctx.raw();
    expect(await admin.call("CONFIG", "SET", "slowlog-log-slower-than", "10000", "latency-monitor-threshold", "0")).toBe("+OK\r\n");
    admin.close();
  });

  it("inline commands: CRLF or LF, quotes and escapes, pipelined with multibulk", async () => {
    const raw = await ctx.raw();
    raw.write('PING\r\nSET inl "hello \\"world\\"\\x21"\nGET inl\r\n' + encode(["ECHO", "mb"]).toString() + "ECHO 'it\\'s'\r\n");
    expect(await raw.read()).toBe("+PONG\r\n");
    expect(await raw.read()).toBe("+OK\r\n");
    expect(await raw.read()).toBe('$14\r\nhello "world"!\r\n');
    expect(await raw.read()).toBe("$2\r\nmb\r\n");
    expect(await raw.read()).toBe("$4\r\nit's\r\n");
  });

  it("blank lines are ignored, even a flood of them in one read", async () => {
    const raw = await ctx.raw();
    raw.write("\r\n\n" + "\n".repeat(300_000) + "PING\r\n");
    expect(await raw.read()).toBe("+PONG\r\n");
    expect(await raw.silent(100)).toBe(true);
  });

  it("a deep pipeline is answered in order", async () => {
    const raw = await ctx.raw();
    const parts: Buffer[] = [];
    for (let i = 0; i < 5000; i++) parts.push(encode(["SET", `p${i}`, String(i)]), encode(["GET", `p${i}`]));
    raw.write(Buffer.concat(parts));
    for (let i = 0; i < 5000; i++) {
      expect(await raw.read()).toBe("+OK\r\n");
      expect(await raw.read()).toBe(`$${String(i).length}\r\n${i}\r\n`);
    }
  });
});

describeRuntimes(
  "protocol (requirepass)",
  (ctx) => {
    it("unauthenticated connections may not send more than 10 arguments", async () => {
      const raw = await ctx.raw();
      raw.write("*11\r\n");
      expect(await raw.read()).toBe("-ERR Protocol error: unauthenticated multibulk length\r\n");
      await raw.waitClosed();
    });

    it("unauthenticated connections may not send bulks over 16 KB", async () => {
      const raw = await ctx.raw();
      raw.write("*2\r\n$4\r\nAUTH\r\n$16385\r\n");
      expect(await raw.read()).toBe("-ERR Protocol error: unauthenticated bulk length\r\n");
      await raw.waitClosed();
    });

    it("the limits are lifted once authenticated", async () => {
      const raw = await ctx.raw();
      expect(await raw.call("PING")).toBe("-NOAUTH Authentication required.\r\n");
      expect(await raw.call("AUTH", "pw")).toBe("+OK\r\n");
      const big = "v".repeat(20000);
      expect(await raw.call("ECHO", big)).toBe(`$20000\r\n${big}\r\n`);
      expect(await raw.call("DEL", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")).toBe(":0\r\n");
    });
  },
  ["--requirepass", "pw"],
);
