// The generic keyspace family driven in-process through a real Server and Client (no sockets), so the
// store's clock can be moved instead of sleeping and keyspace events / WATCH / stats can be observed.
import { inProcess, FrozenClock } from "../helpers/inproc.js";
import { describe, expect, it } from "vitest";
import { N } from "../../src/store.js";
import { registerType } from "../../src/values.js";

function start(overrides: Record<string, string | number> = {}) {
  const h = inProcess(overrides, new FrozenClock());
  const { server, clock } = h;
  const events: string[] = [];
  // every class but "new" (its own tests are in test/integration/notifications.test.ts)
  server.store.notifyFlags = 0xffff & ~N.NEW;
  server.store.hooks.notify = (db, event, key) => events.push(`${db}:${event}:${key}`);
  const connect = () => h.connect().run;
  const call = connect();
  const take = () => events.splice(0);
  return { server, clock, call, connect, events, take, db: (i = 0) => server.store.dbs[i]! };
}

describe("keyspace commands in-process (injected clock, events, WATCH)", () => {
  it("expires keys when the clock passes their TTL, with TTL rounding as Valkey", () => {
    const { call, clock, take } = start();
    call("SET", "k", "v");
    expect(call("PEXPIRE", "k", 1499)).toBe(":1\r\n");
    expect(call("TTL", "k")).toBe(":1\r\n");
    expect(call("PEXPIRE", "k", 1500)).toBe(":1\r\n");
    expect(call("TTL", "k")).toBe(":2\r\n");
    expect(call("PTTL", "k")).toBe(":1500\r\n");
    clock.advance(1000);
    expect(call("PTTL", "k")).toBe(":500\r\n");
    take();
    clock.advance(600);
    expect(call("GET", "k")).toBe("$-1\r\n");
    expect(call("TTL", "k")).toBe(":-2\r\n");
    expect(take()).toContain("0:expired:k");
  });

  it("EXPIRETIME/PEXPIRETIME report the absolute deadline; EXPIREAT in the past deletes with a del event", () => {
    const { call, take } = start();
    call("SET", "k", "v");
    take();
    expect(call("PEXPIREAT", "k", 1_700_000_100_600)).toBe(":1\r\n");
    expect(call("PEXPIRETIME", "k")).toBe(":1700000100600\r\n");
    expect(call("EXPIRETIME", "k")).toBe(":1700000101\r\n");
    expect(call("EXPIREAT", "k", 1_700_000_200)).toBe(":1\r\n");
    expect(call("PEXPIRETIME", "k")).toBe(":1700000200000\r\n");
    expect(take()).toEqual(["0:expire:k", "0:expire:k"]);
    expect(call("PEXPIREAT", "k", 1_700_000_000_000)).toBe(":1\r\n"); // == now: already expired
    expect(take()).toEqual(["0:del:k"]);
    expect(call("EXISTS", "k")).toBe(":0\r\n");
    call("SET", "k", "v");
    take();
    expect(call("EXPIRE", "k", -5)).toBe(":1\r\n");
    expect(take()).toEqual(["0:del:k"]);
  });

  it("NX/XX/GT/LT compare against the current deadline (no TTL counts as infinite)", () => {
    const { call } = start();
    call("SET", "k", "v");
    expect(call("EXPIRE", "k", 100, "GT")).toBe(":0\r\n");
    expect(call("EXPIRE", "k", 100, "LT")).toBe(":1\r\n");
    expect(call("EXPIRE", "k", 100, "LT")).toBe(":0\r\n");
    expect(call("EXPIRE", "k", 99, "LT")).toBe(":1\r\n");
    expect(call("EXPIRE", "k", 99, "GT")).toBe(":0\r\n");
    expect(call("EXPIRE", "k", 200, "GT", "XX")).toBe(":1\r\n");
    expect(call("PTTL", "k")).toBe(":200000\r\n");
    expect(call("EXPIRE", "k", 5, "NX")).toBe(":0\r\n");
    expect(call("PERSIST", "k")).toBe(":1\r\n");
    expect(call("EXPIRE", "k", 5, "XX")).toBe(":0\r\n");
    expect(call("EXPIRE", "k", 5, "NX")).toBe(":1\r\n");
    // LT with a past time still deletes
    expect(call("EXPIRE", "k", -1, "LT")).toBe(":1\r\n");
    expect(call("EXISTS", "k")).toBe(":0\r\n");
  });

  it("KEYS hides expired keys without deleting them; SCAN deletes them (expired event)", () => {
    const { call, clock, take, db } = start();
    call("SET", "a", "1");
    call("SET", "b", "2");
    call("PEXPIRE", "b", 10);
    clock.advance(20);
    take();
    expect(call("KEYS", "*")).toBe("*1\r\n$1\r\na\r\n");
    expect(db().keys.has("b")).toBe(true);
    expect(take()).toEqual([]);
    expect(call("SCAN", "0")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
    expect(db().keys.has("b")).toBe(false);
    expect(take()).toEqual(["0:expired:b"]);
  });

  it("RENAME moves value and TTL, emits rename_from then rename_to, and touches WATCH on both keys", () => {
    const { call, connect, take } = start();
    const other = connect();
    call("SET", "src", "v");
    call("SET", "dst", "old");
    call("PEXPIRE", "src", 5000);
    other("WATCH", "dst");
    other("MULTI");
    other("GET", "dst");
    take();
    expect(call("RENAME", "src", "dst")).toBe("+OK\r\n");
    expect(take()).toEqual(["0:rename_from:src", "0:rename_to:dst"]);
    expect(other("EXEC")).toBe("*-1\r\n");
    expect(call("PTTL", "dst")).toBe(":5000\r\n");
    expect(call("GET", "dst")).toBe("$1\r\nv\r\n");
    // renaming onto itself keeps the TTL and emits nothing
    expect(call("RENAME", "dst", "dst")).toBe("+OK\r\n");
    expect(call("PTTL", "dst")).toBe(":5000\r\n");
    expect(take()).toEqual([]);
    // a renamed key without TTL drops the destination's TTL
    call("SET", "plain", "p");
    call("PEXPIRE", "dst", 100);
    expect(call("RENAMENX", "plain", "dst")).toBe(":0\r\n");
    expect(call("RENAME", "plain", "dst")).toBe("+OK\r\n");
    expect(call("PTTL", "dst")).toBe(":-1\r\n");
  });

  it("MOVE and COPY emit their events in the right databases and carry the TTL", () => {
    const { call, take } = start();
    call("SET", "k", "v");
    call("PEXPIRE", "k", 7000);
    take();
    expect(call("MOVE", "k", 3)).toBe(":1\r\n");
    expect(take()).toEqual(["0:move_from:k", "3:move_to:k"]);
    call("SELECT", 3);
    expect(call("PTTL", "k")).toBe(":7000\r\n");
    expect(call("COPY", "k", "k2", "DB", 5)).toBe(":1\r\n");
    expect(take()).toEqual(["5:copy_to:k2"]);
    call("SELECT", 5);
    expect(call("PTTL", "k2")).toBe(":7000\r\n");
    expect(call("GET", "k2")).toBe("$1\r\nv\r\n");
  });

  it("PERSIST, RESTORE and RESTORE of an already expired ABSTTL emit persist / restore / del", () => {
    const { call, take } = start();
    call("SET", "k", "v");
    call("EXPIRE", "k", 100);
    take();
    expect(call("PERSIST", "k")).toBe(":1\r\n");
    expect(take()).toEqual(["0:persist:k"]);
    const payload = Buffer.from("00036261720a00e6be4960ee66fd17", "hex"); // redis-server 7.0's DUMP of "bar"
    expect(call("RESTORE", "r", 0, payload)).toBe("+OK\r\n");
    expect(take()).toEqual(["0:restore:r"]);
    expect(call("RESTORE", "r", 1_600_000_000_000, payload, "REPLACE", "ABSTTL")).toBe("+OK\r\n");
    expect(take()).toEqual(["0:del:r"]);
    expect(call("EXISTS", "r")).toBe(":0\r\n");
    take();
    expect(call("RESTORE", "r2", 1_600_000_000_000, payload, "ABSTTL")).toBe("+OK\r\n");
    expect(take()).toEqual([]);
    expect(call("RESTORE", "r3", 1_700_000_009_000, payload, "ABSTTL")).toBe("+OK\r\n");
    expect(call("PTTL", "r3")).toBe(":9000\r\n");
  });

  it("IDLETIME follows the clock; TTL/TYPE/EXISTS/OBJECT do not touch the key, GET/TOUCH do", () => {
    const { call, clock, server } = start();
    call("SET", "k", "v");
    clock.advance(5_000);
    call("TTL", "k");
    call("TYPE", "k");
    call("EXISTS", "k");
    call("OBJECT", "ENCODING", "k");
    expect(call("OBJECT", "IDLETIME", "k")).toBe(":5\r\n");
    expect(call("TOUCH", "k", "nokey")).toBe(":1\r\n");
    expect(call("OBJECT", "IDLETIME", "k")).toBe(":0\r\n");
    const payload = Buffer.from("00036261720a00e6be4960ee66fd17", "hex");
    call("RESTORE", "idle", 0, payload, "IDLETIME", 1000);
    expect(call("OBJECT", "IDLETIME", "idle")).toBe(":1000\r\n");
    // lookups count hits and misses
    const misses = server.store.stats.keyspaceMisses;
    call("TTL", "nokey");
    call("TYPE", "nokey");
    expect(server.store.stats.keyspaceMisses).toBe(misses + 2);
  });

  it("keymiss events come from TYPE/EXISTS/TTL but not from OBJECT", () => {
    const { call, take } = start();
    take();
    call("OBJECT", "ENCODING", "nokey");
    expect(take()).toEqual([]);
    call("TYPE", "nokey");
    call("TTL", "nokey");
    expect(take()).toEqual(["0:keymiss:nokey", "0:keymiss:nokey"]);
  });

  it("OBJECT FREQ works under an LFU policy (RESTORE FREQ sets it) and IDLETIME is refused there", () => {
    const { call } = start({ "maxmemory-policy": "allkeys-lfu" });
    const payload = Buffer.from("00036261720a00e6be4960ee66fd17", "hex");
    expect(call("RESTORE", "k", 0, payload, "FREQ", 42)).toBe("+OK\r\n");
    expect(call("OBJECT", "FREQ", "k")).toBe(":42\r\n");
    expect(call("OBJECT", "IDLETIME", "k")).toMatch(/^-ERR An LFU maxmemory policy is selected, idle time not tracked\./);
    expect(call("OBJECT", "FREQ", "nokey")).toBe("$-1\r\n");
  });

  it("OBJECT REFCOUNT shares small integers only when no LRU/LFU policy needs per-key data", () => {
    const a = start();
    a.call("SET", "n", "9999");
    a.call("SET", "m", "10000");
    expect(a.call("OBJECT", "REFCOUNT", "n")).toBe(":2147483647\r\n");
    expect(a.call("OBJECT", "REFCOUNT", "m")).toBe(":1\r\n");
    const b = start({ maxmemory: "100mb", "maxmemory-policy": "allkeys-lru" });
    b.call("SET", "n", "5");
    expect(b.call("OBJECT", "REFCOUNT", "n")).toBe(":1\r\n");
  });

  it("COPY is deep for strings and for collection shapes (default structural clone or the type's hook)", () => {
    const { call, db } = start({ "hash-max-listpack-entries": 2 });
    call("SET", "s", "hello");
    call("COPY", "s", "s2");
    (db().keys.get("s")!.value as Buffer)[0] = 0x4a; // mutate the original in place
    expect(call("GET", "s2")).toBe("$5\r\nhello\r\n");
    expect(call("GET", "s")).toBe("$5\r\nJello\r\n");

    const h = db().set("h", "hash", new Map([["f", Buffer.from("v")]]));
    expect(call("OBJECT", "ENCODING", "h")).toBe("$8\r\nlistpack\r\n");
    expect(call("COPY", "h", "h2")).toBe(":1\r\n");
    (h.value as Map<string, Buffer>).get("f")![0] = 0x78;
    (h.value as Map<string, Buffer>).set("g", Buffer.from("w")).set("i", Buffer.from("x"));
    const h2 = db().keys.get("h2")!.value as Map<string, Buffer>;
    expect([...h2.keys()]).toEqual(["f"]);
    expect(h2.get("f")!.toString()).toBe("v");
    expect(call("OBJECT", "ENCODING", "h")).toBe("$9\r\nhashtable\r\n");
    expect(call("TYPE", "h2")).toBe("+hash\r\n");

    // families register their own deep copy and encoding (lists, sorted sets)
    call("RPUSH", "q", "a");
    call("COPY", "q", "q2");
    call("RPUSH", "q", "b");
    expect(call("LRANGE", "q2", "0", "-1")).toBe("*1\r\n$1\r\na\r\n");
    expect(call("OBJECT", "ENCODING", "q2")).toBe("$8\r\nlistpack\r\n");
    call("ZADD", "z", "1", "a");
    call("COPY", "z", "z2");
    call("ZADD", "z", "2", "b");
    expect(call("ZCARD", "z2")).toBe(":1\r\n");
    expect(call("OBJECT", "ENCODING", "z2")).toBe("$8\r\nlistpack\r\n");
  });

  it("SCAN never misses keys that live through the whole scan while others come and go", () => {
    const { call } = start();
    for (let i = 0; i < 500; i++) call("SET", `stable:${i}`, "x");
    const seen = new Set<string>();
    let cursor = "0";
    let round = 0;
    do {
      const reply = call("SCAN", cursor, "COUNT", 7);
      const parts = reply.split("\r\n");
      cursor = parts[2]!;
      for (let i = 5; i < parts.length; i += 2) if (parts[i]) seen.add(parts[i]!);
      for (let j = 0; j < 5; j++) call("SET", `tmp:${round}:${j}`, "y");
      call("DEL", `tmp:${round - 1}:0`, `tmp:${round - 1}:1`, `tmp:${round - 1}:2`);
      round++;
    } while (cursor !== "0" && round < 10_000);
    expect(cursor).toBe("0");
    for (let i = 0; i < 500; i++) expect(seen.has(`stable:${i}`)).toBe(true);
  });

  it("RANDOMKEY skips and deletes expired keys, null when nothing is left", () => {
    const { call, clock, take } = start();
    for (let i = 0; i < 5; i++) {
      call("SET", `k${i}`, "v");
      call("PEXPIRE", `k${i}`, 10);
    }
    call("SET", "live", "v");
    clock.advance(20);
    take();
    for (let i = 0; i < 20; i++) expect(call("RANDOMKEY")).toBe("$4\r\nlive\r\n");
    call("DEL", "live");
    expect(call("RANDOMKEY")).toBe("$-1\r\n");
    expect(call("DBSIZE")).toBe(":0\r\n");
    expect(take().filter((e) => e.includes(":expired:")).length).toBe(5);
  });

  it("SCAN keeps working across FLUSHDB and SWAPDB-style replacement of the keyspace", () => {
    const { call, server } = start();
    call("SET", "a", "1");
    expect(call("SCAN", "0")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
    call("FLUSHDB");
    call("SET", "b", "1");
    expect(call("SCAN", "0")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
    server.store.dbs[1]!.set("c", "string", Buffer.from("1"));
    server.store.swap(0, 1);
    expect(call("SCAN", "0")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nc\r\n");
    call("SET", "d", "1");
    expect(call("SCAN", "0", "MATCH", "d")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nd\r\n");
  });
});
