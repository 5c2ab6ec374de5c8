import { expect, it } from "vitest";
import { describeRuntimes, RESP_TYPES } from "../helpers/server.js";

const hex = (h: string) => Buffer.from(h, "hex");
// `DUMP` payloads produced by redis-server 7.0 (RDB version 10): "bar", 5 (int-encoded), 51 x "a" (LZF).
const BAR_V10 = hex("00036261720a00e6be4960ee66fd17");
const FIVE_V10 = hex("00c0050a00632f5f66832fb351");
const A51_LZF_V10 = hex("00c30933016161e026000161610a0022515eae73bac27e");

/** SET each pair (plain SET only: the strings family is completed elsewhere). */
async function setAll(r: { set(k: string | Buffer, v: string | Buffer): Promise<unknown> }, ...kv: string[]): Promise<void> {
  for (let i = 0; i < kv.length; i += 2) await r.set(kv[i]!, kv[i + 1]!);
}

/** Parse a raw RESP2 SCAN reply into [cursor, keys]. */
function parseScan(reply: string): [string, string[]] {
  const parts = reply.split("\r\n");
  const keys: string[] = [];
  for (let i = 5; i < parts.length - 1; i += 2) keys.push(parts[i]!);
  return [parts[2]!, keys];
}

describeRuntimes("keys", (ctx) => {
  it("DEL / UNLINK count only existing keys; EXISTS counts repeats; TYPE is a status reply", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await setAll(r, "a", "1", "b", "2", "c", "3");
    expect(await r.exists("a", "a", "b", "nokey")).toBe(3);
    expect(await r.del("a", "a", "nokey")).toBe(1);
    expect(await r.unlink("b", "c", "b")).toBe(2);
    expect(await r.exists("a", "b", "c")).toBe(0);
    await r.set("s", "v");
    const raw = await ctx.raw();
    expect(await raw.call("TYPE", "s")).toBe("+string\r\n");
    expect(await raw.call("TYPE", "nokey")).toBe("+none\r\n");
    expect(await raw.call("DEL")).toBe("-ERR wrong number of arguments for 'del' command\r\n");
    expect(await raw.call("UNLINK")).toBe("-ERR wrong number of arguments for 'unlink' command\r\n");
    expect(await raw.call("EXISTS")).toBe("-ERR wrong number of arguments for 'exists' command\r\n");
    expect(await raw.call("TYPE", "a", "b")).toBe("-ERR wrong number of arguments for 'type' command\r\n");
    expect(await raw.call("TOUCH", "s", "s", "nokey")).toBe(":2\r\n");
    const n = await ctx.nodeRedis(3);
    expect(await n.type("s")).toBe("string");
    expect(await n.exists(["s", "nokey"])).toBe(1);
    expect(await n.del(["s"])).toBe(1);
  });

  it("RENAME / RENAMENX: errors, same key, TTL moves with the key, destination overwritten", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await expect(r.rename("nokey", "x")).rejects.toThrow("ERR no such key");
    await expect(r.renamenx("nokey", "x")).rejects.toThrow("ERR no such key");
    await r.set("k", "v");
    await r.pexpire("k", 100000);
    expect(await r.rename("k", "k")).toBe("OK");
    expect(await r.renamenx("k", "k")).toBe(0);
    expect(await r.pttl("k")).toBeGreaterThan(99000);
    await r.set("dst", "old");
    expect(await r.rename("k", "dst")).toBe("OK");
    expect(await r.get("dst")).toBe("v");
    expect(await r.exists("k")).toBe(0);
    const pttl = await r.pttl("dst");
    expect(pttl).toBeGreaterThan(99000);
    expect(pttl).toBeLessThanOrEqual(100000);
    await r.set("other", "o");
    expect(await r.renamenx("dst", "other")).toBe(0);
    expect(await r.get("dst")).toBe("v");
    expect(await r.renamenx("dst", "fresh")).toBe(1);
    expect(await r.get("fresh")).toBe("v");
    // a key without TTL renamed over one with a TTL leaves no TTL
    await r.pexpire("other", 50000);
    await r.set("plain", "p");
    await r.rename("plain", "other");
    expect(await r.pttl("other")).toBe(-1);
    const raw = await ctx.raw();
    expect(await raw.call("RENAME", "fresh")).toBe("-ERR wrong number of arguments for 'rename' command\r\n");
    expect(await raw.call("RENAMENX", "a", "b", "c")).toBe("-ERR wrong number of arguments for 'renamenx' command\r\n");
    expect(await raw.call("RENAME", "fresh", "fresh2")).toBe("+OK\r\n");
    expect(await raw.call("RENAMENX", "fresh2", "fresh3")).toBe(":1\r\n");
  });

  it("RENAME of binary key names keeps every byte", async () => {
    const r = ctx.ioredis();
    const src = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a]);
    const dst = Buffer.from([0xfe, 0x00, 0x41]);
    await r.set(src, "bin");
    expect(await r.rename(src, dst)).toBe("OK");
    expect(await r.get(dst)).toBe("bin");
    expect(await r.exists(src)).toBe(0);
  });

  it("COPY: same db, DB option, REPLACE, TTL copied, copies are independent", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("src", "value");
    await r.pexpire("src", 60000);
    expect(await r.copy("src", "dst")).toBe(1);
    expect(await r.get("dst")).toBe("value");
    expect(await r.pttl("dst")).toBeGreaterThan(59000);
    expect(await r.copy("src", "dst")).toBe(0);
    await r.set("src", "changed");
    expect(await r.get("dst")).toBe("value");
    expect(await r.copy("src", "dst", "REPLACE")).toBe(1);
    expect(await r.get("dst")).toBe("changed");
    expect(await r.pttl("dst")).toBe(-1);
    expect(await r.copy("nokey", "dst2")).toBe(0);
    expect(await r.copy("src", "src", "DB", 2)).toBe(1);
    const n = await ctx.nodeRedis(2);
    expect(await n.copy("src", "viaNode", { DB: 2, REPLACE: true })).toBe(1);
    await n.select(2);
    expect(await n.get("src")).toBe("changed");
    expect(await n.get("viaNode")).toBe("changed");
    await n.select(0);
    const raw = await ctx.raw();
    expect(await raw.call("COPY", "src", "src")).toBe("-ERR source and destination objects are the same\r\n");
    expect(await raw.call("COPY", "src", "src", "DB", 0)).toBe("-ERR source and destination objects are the same\r\n");
    expect(await raw.call("COPY", "src", "x", "DB")).toBe("-ERR syntax error\r\n");
    expect(await raw.call("COPY", "src", "x", "DB", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("COPY", "src", "x", "DB", 16)).toBe("-ERR DB index is out of range\r\n");
    expect(await raw.call("COPY", "src", "x", "DB", -1)).toBe("-ERR DB index is out of range\r\n");
    expect(await raw.call("COPY", "src", "x", "DB", "99999999999")).toBe(
      "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
    );
    expect(await raw.call("COPY", "src", "x", "REPLACE", "foo")).toBe("-ERR syntax error\r\n");
    expect(await raw.call("COPY", "src")).toBe("-ERR wrong number of arguments for 'copy' command\r\n");
    expect(await r.exists("x")).toBe(0);
  });

  it("MOVE: errors, existing destination, TTL moves along", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("k", "v");
    await r.pexpire("k", 60000);
    const raw = await ctx.raw();
    expect(await raw.call("MOVE", "k", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("MOVE", "k", 16)).toBe("-ERR DB index is out of range\r\n");
    expect(await raw.call("MOVE", "k", -1)).toBe("-ERR DB index is out of range\r\n");
    expect(await raw.call("MOVE", "k", 0)).toBe("-ERR source and destination objects are the same\r\n");
    expect(await raw.call("MOVE", "k")).toBe("-ERR wrong number of arguments for 'move' command\r\n");
    expect(await r.get("k")).toBe("v");
    expect(await r.move("nokey", 1)).toBe(0);
    const r1 = ctx.ioredis({ db: 1 });
    await r1.set("k", "there");
    expect(await r.move("k", 1)).toBe(0);
    await r1.del("k");
    expect(await r.move("k", 1)).toBe(1);
    expect(await r.exists("k")).toBe(0);
    expect(await r1.get("k")).toBe("v");
    expect(await r1.pttl("k")).toBeGreaterThan(59000);
  });

  it("KEYS matches Valkey's glob rules, including escapes, classes and binary names", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await setAll(r, "hello", "1", "hallo", "1", "hxllo", "1", "hllo", "1", "heeeello", "1", "h*llo", "1", "a[b", "1");
    await r.set(Buffer.from([0x00, 0xff]), "1");
    const sorted = async (p: string | Buffer) => ((await r.keys(p as string)) as string[]).sort();
    expect(await sorted("h?llo")).toEqual(["h*llo", "hallo", "hello", "hxllo"]);
    expect(await sorted("h*llo")).toEqual(["h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]);
    expect(await sorted("h[ae]llo")).toEqual(["hallo", "hello"]);
    expect(await sorted("h[^e]llo")).toEqual(["h*llo", "hallo", "hxllo"]);
    expect(await sorted("h[a-b]llo")).toEqual(["hallo"]);
    expect(await sorted("h\\*llo")).toEqual(["h*llo"]);
    expect(await sorted("a\\[b")).toEqual(["a[b"]);
    expect(await sorted("nomatch*")).toEqual([]);
    const bin = await r.keysBuffer(Buffer.from([0x00, 0x2a]) as unknown as string);
    expect(bin).toEqual([Buffer.from([0x00, 0xff])]);
    expect((await r.keys("*")).length).toBe(8);
    const raw = await ctx.raw();
    expect(await raw.call("KEYS")).toBe("-ERR wrong number of arguments for 'keys' command\r\n");
    expect(await raw.call("KEYS", "a", "b")).toBe("-ERR wrong number of arguments for 'keys' command\r\n");
    expect(await raw.call("KEYS", "zz*")).toBe("*0\r\n");
  });

  it("SCAN walks the whole keyspace with COUNT, MATCH and TYPE, through ioredis, node-redis and raw bytes", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`key:${i}`, "x");
    for (let i = 0; i < 20; i++) p.rpush(`list:${i}`, "x");
    await p.exec();
    const hasLists = (await r.type("list:0")) === "list";

    const seen = new Set<string>();
    let cursor = "0";
    let calls = 0;
    do {
      const [next, keys] = await r.scan(cursor, "COUNT", 37);
      for (const k of keys) seen.add(k);
      cursor = next;
      calls++;
    } while (cursor !== "0");
    expect(seen.size).toBe(hasLists ? 1020 : 1000);
    expect(calls).toBeGreaterThan(10);

    const matched = new Set<string>();
    const stream = r.scanStream({ match: "key:1*", count: 100 });
    for await (const batch of stream) for (const k of batch as string[]) matched.add(k);
    expect(matched.size).toBe(111);
    for (const k of matched) expect(k.startsWith("key:1")).toBe(true);

    const n = await ctx.nodeRedis(3);
    const strings: string[] = [];
    for await (const batch of n.scanIterator({ TYPE: "string", COUNT: 200 })) strings.push(...batch);
    expect(new Set(strings).size).toBe(1000);

    const raw = await ctx.raw();
    const [c1, first] = parseScan(await raw.call("SCAN", 0, "COUNT", 5));
    expect(first.length).toBe(5);
    expect(c1).not.toBe("0");
    // a replayed cursor gives the same batch
    expect(parseScan(await raw.call("SCAN", 0, "COUNT", 5))).toEqual([c1, first]);
    expect(await raw.call("SCAN", 0, "TYPE", "zset")).toMatch(/^\*2\r\n\$\d+\r\n\d+\r\n\*0\r\n$/);
    // TYPE names are case-insensitive
    expect(await raw.call("SCAN", 0, "TYPE", "STRING", "COUNT", 2000, "MATCH", "key:99?")).toMatch(/^\*2\r\n\$1\r\n0\r\n\*10\r\n/);
  });

  it("SCAN returns every key that exists for the whole scan while the keyspace grows and shrinks", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    const p = r.pipeline();
    for (let i = 0; i < 300; i++) p.set(`stable:${i}`, "x");
    for (let i = 0; i < 300; i++) p.set(`doomed:${i}`, "x");
    await p.exec();
    const seen = new Set<string>();
    let cursor = "0";
    let round = 0;
    do {
      const [next, keys] = await r.scan(cursor, "COUNT", 10);
      for (const k of keys) seen.add(k);
      cursor = next;
      const q = r.pipeline();
      for (let j = 0; j < 8; j++) q.set(`new:${round}:${j}`, "y");
      for (let j = 0; j < 6; j++) q.del(`doomed:${round * 6 + j}`);
      await q.exec();
      round++;
    } while (cursor !== "0" && round < 5000);
    expect(cursor).toBe("0");
    for (let i = 0; i < 300; i++) expect(seen.has(`stable:${i}`)).toBe(true);
  });

  it("SCAN rejects bad cursors and options with Valkey's errors", async () => {
    const raw = await ctx.raw();
    expect(await raw.call("SCAN", "abc")).toBe("-ERR invalid cursor\r\n");
    expect(await raw.call("SCAN", "-1")).toBe("-ERR invalid cursor\r\n");
    expect(await raw.call("SCAN", "18446744073709551616")).toBe("-ERR invalid cursor\r\n");
    expect(await raw.call("SCAN", "1.5")).toBe("-ERR invalid cursor\r\n");
    expect(await raw.call("SCAN", 0, "COUNT", 0)).toBe("-ERR syntax error\r\n");
    expect(await raw.call("SCAN", 0, "COUNT", -5)).toBe("-ERR syntax error\r\n");
    expect(await raw.call("SCAN", 0, "COUNT", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
    expect(await raw.call("SCAN", 0, "COUNT")).toBe("-ERR syntax error\r\n");
    expect(await raw.call("SCAN", 0, "MATCH")).toBe("-ERR syntax error\r\n");
    expect(await raw.call("SCAN", 0, "FOO", "bar")).toBe("-ERR syntax error\r\n");
    expect(await raw.call("SCAN", 0, "TYPE", "nosuchtype")).toBe("-ERR unknown type name 'nosuchtype'\r\n");
    expect(await raw.call("SCAN")).toBe("-ERR wrong number of arguments for 'scan' command\r\n");
    // cursor beyond the end: finished
    expect(await raw.call("SCAN", "18446744073709551615", "COUNT", 1)).toBe("*2\r\n$1\r\n0\r\n*0\r\n");
  });

  it("RANDOMKEY: a live key, or null in both protocols", async () => {
    await ctx.flush();
    const raw = await ctx.raw();
    expect(await raw.call("RANDOMKEY")).toBe("$-1\r\n");
    await raw.call("HELLO", 3);
    expect(await raw.call("RANDOMKEY")).toBe("_\r\n");
    await raw.call("SET", "only", "1");
    expect(await raw.call("RANDOMKEY")).toBe("$4\r\nonly\r\n");
    expect(await raw.call("RANDOMKEY", "x")).toBe("-ERR wrong number of arguments for 'randomkey' command\r\n");
    const r = ctx.ioredis();
    await setAll(r, "a", "1", "b", "2", "c", "3");
    const got = new Set<string>();
    for (let i = 0; i < 200; i++) got.add((await r.randomkey())!);
    expect([...got].sort()).toEqual(["a", "b", "c", "only"]);
  });

  it("EXPIRE family: options, results, past times delete, TTL/PTTL/EXPIRETIME readings", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("k", "v");
    expect(await r.ttl("k")).toBe(-1);
    expect(await r.pttl("k")).toBe(-1);
    expect(await r.expiretime("k")).toBe(-1);
    expect(await r.ttl("nokey")).toBe(-2);
    expect(await r.pttl("nokey")).toBe(-2);
    expect(await r.call("PEXPIRETIME", "nokey")).toBe(-2);
    expect(await r.expire("nokey", 100)).toBe(0);
    expect(await r.expire("k", 100, "XX")).toBe(0);
    expect(await r.expire("k", 100, "GT")).toBe(0);
    expect(await r.expire("k", 100, "NX")).toBe(1);
    expect(await r.expire("k", 100, "NX")).toBe(0);
    expect(await r.expire("k", 200, "GT")).toBe(1);
    expect(await r.expire("k", 150, "GT")).toBe(0);
    expect(await r.expire("k", 150, "LT")).toBe(1);
    expect(await r.ttl("k")).toBe(150);
    const pttl = await r.pttl("k");
    expect(pttl).toBeGreaterThan(149000);
    expect(pttl).toBeLessThanOrEqual(150000);
    const at = Date.now() + 3_600_000;
    expect(await r.pexpireat("k", at)).toBe(1);
    expect(await r.call("PEXPIRETIME", "k")).toBe(at);
    expect(await r.expiretime("k")).toBe(Math.floor((at + 500) / 1000));
    expect(await r.expireat("k", 4102444800)).toBe(1);
    expect(await r.expiretime("k")).toBe(4102444800);
    expect(await r.persist("k")).toBe(1);
    expect(await r.persist("k")).toBe(0);
    expect(await r.persist("nokey")).toBe(0);
    expect(await r.ttl("k")).toBe(-1);
    // past and negative times delete the key
    expect(await r.pexpireat("k", 1)).toBe(1);
    expect(await r.exists("k")).toBe(0);
    await r.set("k", "v");
    expect(await r.expire("k", -1)).toBe(1);
    expect(await r.get("k")).toBeNull();
    await r.set("k", "v");
    expect(await r.pexpire("k", 0)).toBe(1);
    expect(await r.exists("k")).toBe(0);
    // huge but valid deadlines
    await r.set("k", "v");
    expect(await r.pexpireat("k", "9223372036854770000")).toBe(1);
    expect(await r.ttl("k")).toBeGreaterThan(1e15);
    expect(await r.pexpireat("k", "-9223372036854770000")).toBe(1);
    expect(await r.ttl("k")).toBe(-2);
    const n = await ctx.nodeRedis(2);
    await n.set("nk", "v");
    expect(await n.expire("nk", 100, "NX")).toBe(1);
    expect(await n.ttl("nk")).toBe(100);
    expect(await n.pExpire("nk", 500000, "GT")).toBe(1);
    expect(await n.persist("nk")).toBe(1);
  });

  it("EXPIRE family rejects bad input with Valkey's texts and leaves the key alone", async () => {
    const r = ctx.ioredis();
    await r.set("e", "v");
    await r.expire("e", 1000);
    const raw = await ctx.raw();
    const cases: Array<[Array<string | number>, string]> = [
      [["EXPIRE", "e", 10, "foo"], "-ERR Unsupported option foo\r\n"],
      [["EXPIRE", "e", "abc", "foo"], "-ERR Unsupported option foo\r\n"],
      [["EXPIRE", "e", 10, "nx", "xx"], "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"],
      [["EXPIRE", "e", 10, "nx", "gt"], "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"],
      [["EXPIRE", "e", 10, "lt", "nx"], "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"],
      [["EXPIRE", "e", 10, "gt", "lt"], "-ERR GT and LT options at the same time are not compatible\r\n"],
      [["EXPIRE", "e", "abc"], "-ERR value is not an integer or out of range\r\n"],
      [["EXPIRE", "e", "1.5"], "-ERR value is not an integer or out of range\r\n"],
      [["EXPIRE", "e", " 10"], "-ERR value is not an integer or out of range\r\n"],
      [["EXPIRE", "e", "9223372036854776"], "-ERR invalid expire time in 'expire' command\r\n"],
      [["EXPIRE", "e", "-9223372036854776"], "-ERR invalid expire time in 'expire' command\r\n"],
      [["EXPIRE", "e", "9223370399119966"], "-ERR invalid expire time in 'expire' command\r\n"],
      [["EXPIRE", "e", "9223372036854775808"], "-ERR value is not an integer or out of range\r\n"],
      [["PEXPIRE", "e", "9223372036854770000"], "-ERR invalid expire time in 'pexpire' command\r\n"],
      [["EXPIREAT", "e", "9223372036854776"], "-ERR invalid expire time in 'expireat' command\r\n"],
      [["pexpire", "e"], "-ERR wrong number of arguments for 'pexpire' command\r\n"],
      [["EXPIRE"], "-ERR wrong number of arguments for 'expire' command\r\n"],
      [["TTL"], "-ERR wrong number of arguments for 'ttl' command\r\n"],
      [["PTTL", "a", "b"], "-ERR wrong number of arguments for 'pttl' command\r\n"],
      [["EXPIRETIME"], "-ERR wrong number of arguments for 'expiretime' command\r\n"],
      [["PERSIST"], "-ERR wrong number of arguments for 'persist' command\r\n"],
    ];
    for (const [cmd, reply] of cases) expect(await raw.call(...cmd)).toBe(reply);
    const ttl = await r.ttl("e");
    expect(ttl).toBeGreaterThan(990);
    expect(ttl).toBeLessThanOrEqual(1000);
    expect(await r.get("e")).toBe("v");
  });

  it("a short real TTL expires the key (one bounded wait)", async () => {
    const r = ctx.ioredis();
    await r.set("short", "v");
    await r.pexpire("short", 50);
    await new Promise((res) => setTimeout(res, 120));
    expect(await r.get("short")).toBeNull();
    expect(await r.ttl("short")).toBe(-2);
  });

  it("OBJECT: encodings, refcount, idletime, help, null for missing keys, errors", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("int", "12345");
    await r.set("neg", "-9223372036854775808");
    await r.set("toobig", "9223372036854775808");
    await r.set("emb", "x".repeat(44));
    await r.set("raw", "x".repeat(45));
    await r.set("lead0", "007");
    expect(await r.object("ENCODING", "int")).toBe("int");
    expect(await r.object("ENCODING", "neg")).toBe("int");
    expect(await r.object("ENCODING", "toobig")).toBe("embstr");
    expect(await r.object("ENCODING", "emb")).toBe("embstr");
    expect(await r.object("ENCODING", "raw")).toBe("raw");
    expect(await r.object("ENCODING", "lead0")).toBe("embstr");
    expect(await r.object("ENCODING", "nokey")).toBeNull();
    await r.set("small", "42");
    expect(await r.object("REFCOUNT", "small")).toBe(2147483647);
    expect(await r.object("REFCOUNT", "raw")).toBe(1);
    expect(await r.object("IDLETIME", "raw")).toBe(0);
    const raw = await ctx.raw();
    expect(await raw.call("OBJECT", "ENCODING", "nokey")).toBe("$-1\r\n");
    expect(await raw.call("OBJECT", "REFCOUNT", "nokey")).toBe("$-1\r\n");
    expect(await raw.call("OBJECT", "FREQ", "raw")).toBe(
      "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
    );
    expect(await raw.call("OBJECT", "FOO", "raw")).toBe("-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n");
    expect(await raw.call("OBJECT", "ENCODING")).toBe("-ERR wrong number of arguments for 'object|encoding' command\r\n");
    expect(await raw.call("OBJECT", "ENCODING", "a", "b")).toBe("-ERR wrong number of arguments for 'object|encoding' command\r\n");
    expect(await raw.call("OBJECT")).toBe("-ERR wrong number of arguments for 'object' command\r\n");
    const help = await raw.call("OBJECT", "HELP");
    expect(help.startsWith("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n")).toBe(true);
    expect(help.endsWith("+HELP\r\n+    Print this help.\r\n")).toBe(true);
    await raw.call("HELLO", 3);
    expect(await raw.call("OBJECT", "ENCODING", "nokey")).toBe("_\r\n");
    expect(await raw.call("OBJECT", "ENCODING", "int")).toBe("$3\r\nint\r\n");
    const n = await ctx.nodeRedis(3);
    expect(await n.objectEncoding("emb")).toBe("embstr");
    expect(await n.objectRefCount("raw")).toBe(1);
  });

  it("DUMP produces Valkey's payload; RESTORE accepts it and redis-server 7.0's (RDB 10, int, LZF)", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("k", "bar");
    const d = await r.dumpBuffer("k");
    expect(d.subarray(0, 7).toString("hex")).toBe("00036261720b00");
    expect(d.length).toBe(15);
    expect(await r.dumpBuffer("nokey")).toBeNull();
    expect(await r.restore("k2", 0, d)).toBe("OK");
    expect(await r.get("k2")).toBe("bar");
    expect(await r.restore("from70", 0, BAR_V10)).toBe("OK");
    expect(await r.get("from70")).toBe("bar");
    expect(await r.restore("five", 0, FIVE_V10)).toBe("OK");
    expect(await r.get("five")).toBe("5");
    expect(await r.object("ENCODING", "five")).toBe("int");
    expect(await r.restore("lzf", 0, A51_LZF_V10)).toBe("OK");
    expect(await r.get("lzf")).toBe("a".repeat(51));
    // compressed on DUMP exactly as Valkey does
    expect((await r.dumpBuffer("lzf")).subarray(0, 13).toString("hex")).toBe("00c30933016161e02600016161");
    // binary values survive the round trip
    const bin = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    await r.set("bin", bin);
    const binDump = await r.dumpBuffer("bin");
    expect(await r.restore("bin2", 0, binDump)).toBe("OK");
    expect(await r.getBuffer("bin2")).toEqual(bin);
    // TTL, ABSTTL, REPLACE
    expect(await r.restore("ttl", 5000, d)).toBe("OK");
    const pttl = await r.pttl("ttl");
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    const at = Date.now() + 60_000;
    expect(await r.restore("abs", at, d, "ABSTTL")).toBe("OK");
    expect(await r.call("PEXPIRETIME", "abs")).toBe(at);
    expect(await r.restore("abs", 0, FIVE_V10, "REPLACE")).toBe("OK");
    expect(await r.get("abs")).toBe("5");
    expect(await r.pttl("abs")).toBe(-1);
    expect(await r.restore("past", 1, d, "ABSTTL")).toBe("OK");
    expect(await r.exists("past")).toBe(0);
    expect(await r.call("RESTORE", "abs", 1, d, "ABSTTL", "REPLACE")).toBe("OK");
    expect(await r.exists("abs")).toBe(0);
    expect(await r.restore("idle", 0, d, "IDLETIME", 3600)).toBe("OK");
    expect(await r.object("IDLETIME", "idle")).toBeGreaterThanOrEqual(3600);
    // node-redis with Buffer replies
    const n = (await ctx.nodeRedis(3)).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const nd = await n.dump("k");
    expect(Buffer.isBuffer(nd) && nd.equals(d)).toBe(true);
    expect(await n.restore("viaNode", 0, nd, { REPLACE: true })).toEqual("OK");
    expect(await r.get("viaNode")).toBe("bar");
  });

  it("RESTORE rejects bad input in Valkey's order and leaves keys unchanged", async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.set("k", "keep");
    const raw = await ctx.raw();
    const corrupt = Buffer.from(BAR_V10);
    corrupt[corrupt.length - 1]! ^= 1;
    const v12 = Buffer.from(BAR_V10);
    v12[v12.length - 10] = 12;
    const cases: Array<[Array<string | number | Buffer>, string]> = [
      [["RESTORE", "k", 0, BAR_V10], "-BUSYKEY Target key name already exists.\r\n"],
      [["RESTORE", "k", "abc", "junk"], "-BUSYKEY Target key name already exists.\r\n"],
      [["RESTORE", "k", 0, "junk", "IDLETIME", "x"], "-ERR value is not an integer or out of range\r\n"],
      [["RESTORE", "n", "abc", BAR_V10], "-ERR value is not an integer or out of range\r\n"],
      [["RESTORE", "n", -1, BAR_V10], "-ERR Invalid TTL value, must be >= 0\r\n"],
      [["RESTORE", "n", 0, "junk"], "-ERR DUMP payload version or checksum are wrong\r\n"],
      [["RESTORE", "n", 0, corrupt], "-ERR DUMP payload version or checksum are wrong\r\n"],
      [["RESTORE", "n", 0, v12], "-ERR DUMP payload version or checksum are wrong\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "IDLETIME", -1], "-ERR Invalid IDLETIME value, must be >= 0\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "FREQ", 256], "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "FREQ", -1], "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "IDLETIME", 1, "FREQ", 1], "-ERR syntax error\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "FREQ", 1, "IDLETIME", 1], "-ERR syntax error\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "IDLETIME"], "-ERR syntax error\r\n"],
      [["RESTORE", "n", 0, BAR_V10, "FOO"], "-ERR syntax error\r\n"],
      [["RESTORE", "n", 0], "-ERR wrong number of arguments for 'restore' command\r\n"],
      [["DUMP"], "-ERR wrong number of arguments for 'dump' command\r\n"],
    ];
    for (const [cmd, reply] of cases) expect(await raw.call(...cmd)).toBe(reply);
    // valid checksum around an undecodable value (RDB type 99)
    const payload = await r.dumpBuffer("k");
    const body = Buffer.concat([Buffer.from([99]), payload.subarray(1, payload.length - 8)]);
    const { crc64 } = await import("../../src/dump.js");
    const sealed = Buffer.concat([body, Buffer.alloc(8)]);
    sealed.writeBigUInt64LE(crc64(0n, body), body.length);
    expect(await raw.call("RESTORE", "n", 0, sealed)).toBe("-ERR Bad data format\r\n");
    expect(await r.get("k")).toBe("keep");
    expect(await r.exists("n")).toBe(0);
    expect(await raw.call("DUMP", "nokey")).toBe("$-1\r\n");
  });

  it("RENAME, EXPIRE and DEL invalidate WATCH (the key-modified signal)", async () => {
    await ctx.flush();
    const a = ctx.ioredis();
    const b = ctx.ioredis();
    for (const change of [() => b.rename("w", "w2"), () => b.expire("w", 100), () => b.persist("w"), () => b.del("w")]) {
      await a.set("w", "v");
      await a.pexpire("w", 50000);
      await a.watch("w");
      await change();
      expect(await a.multi().get("w").exec()).toBeNull();
      await a.del("w", "w2");
    }
    await a.set("w", "v");
    await a.watch("w");
    await b.expire("w", 100, "GT"); // not applied: no change signalled
    expect(await a.multi().get("w").exec()).toEqual([[null, "v"]]);
  });
});
