// Strings and bitmap commands driven in-process (no sockets): keyspace events, TTL bookkeeping, encodings,
// WRONGTYPE against hand-made non-string entries, proto-max-bulk-len limits, and the long double emulation
// behind INCRBYFLOAT.

import { inProcess } from "../helpers/inproc.js";
import { describe, expect, it } from "vitest";
import type { Server } from "../../src/server.js";
import { type Clock, N } from "../../src/store.js";
import type { Client } from "../../src/client.js";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../../src/longdouble.js";

interface Harness {
  server: Server;
  clock: Clock;
  client: Client;
  events: string[];
  /** Run one command, return its exact reply bytes (latin1). */
  run(...args: Array<string | Buffer>): string;
}

function harness(params: Record<string, string> = {}): Harness {
  const { server, clock, client, run } = inProcess(params);
  const events: string[] = [];
  server.store.notifyFlags = 0xffff & ~N.KEY_MISS & ~N.NEW;
  server.store.hooks.notify = (_db, event, key, cls) => {
    const name = Object.entries(N).find(([, v]) => v === cls)?.[0] ?? String(cls);
    events.push(`${name}:${event}:${key}`);
  };
  return { server, clock, client, events, run };
}

describe("keyspace events of string commands", () => {
  it("emits Valkey's event names and classes", () => {
    const h = harness();
    const ev = (...args: string[]) => {
      h.events.length = 0;
      h.run(...args);
      return [...h.events];
    };
    expect(ev("SET", "k", "v")).toEqual(["STRING:set:k"]);
    expect(ev("SET", "k", "v", "EX", "100")).toEqual(["STRING:set:k", "GENERIC:expire:k"]);
    expect(ev("SET", "k", "v", "NX")).toEqual([]);
    expect(ev("SET", "k", "v", "PXAT", "1")).toEqual(["GENERIC:del:k"]);
    expect(ev("SET", "k", "v", "PXAT", "1")).toEqual([]);
    expect(ev("SETEX", "k", "10", "v")).toEqual(["STRING:set:k", "GENERIC:expire:k"]);
    expect(ev("PSETEX", "k", "10000", "v")).toEqual(["STRING:set:k", "GENERIC:expire:k"]);
    expect(ev("SETNX", "k", "v")).toEqual([]);
    expect(ev("SETNX", "n", "v")).toEqual(["STRING:set:n"]);
    expect(ev("GETSET", "k", "w")).toEqual(["STRING:set:k"]);
    expect(ev("GETEX", "k")).toEqual([]);
    expect(ev("GETEX", "k", "PERSIST")).toEqual([]);
    expect(ev("GETEX", "k", "EX", "100")).toEqual(["GENERIC:expire:k"]);
    expect(ev("GETEX", "k", "PERSIST")).toEqual(["GENERIC:persist:k"]);
    expect(ev("GETEX", "k", "EXAT", "1")).toEqual(["GENERIC:del:k"]);
    expect(ev("GETDEL", "n")).toEqual(["GENERIC:del:n"]);
    expect(ev("GETDEL", "n")).toEqual([]);
    expect(ev("MSET", "a", "1", "b", "2")).toEqual(["STRING:set:a", "STRING:set:b"]);
    expect(ev("MSETNX", "a", "1", "c", "2")).toEqual([]);
    expect(ev("MSETNX", "c", "1", "d", "2")).toEqual(["STRING:set:c", "STRING:set:d"]);
    expect(ev("APPEND", "a", "x")).toEqual(["STRING:append:a"]);
    expect(ev("APPEND", "a", "")).toEqual(["STRING:append:a"]);
    expect(ev("INCR", "i")).toEqual(["STRING:incrby:i"]);
    expect(ev("DECRBY", "i", "5")).toEqual(["STRING:incrby:i"]);
    expect(ev("INCRBY", "i", "x")).toEqual([]);
    expect(ev("INCRBYFLOAT", "f", "1.5")).toEqual(["STRING:incrbyfloat:f"]);
    expect(ev("SETRANGE", "r", "2", "ab")).toEqual(["STRING:setrange:r"]);
    expect(ev("SETRANGE", "r", "0", "")).toEqual([]);
    expect(ev("SETRANGE", "missing", "0", "")).toEqual([]);
    expect(ev("SETBIT", "bits", "3", "1")).toEqual(["STRING:setbit:bits"]);
    expect(ev("SETBIT", "bits", "3", "1")).toEqual([]);
    expect(ev("SETBIT", "bits", "2", "0")).toEqual([]);
    expect(ev("SETBIT", "bits", "20", "0")).toEqual(["STRING:setbit:bits"]);
    expect(ev("BITFIELD", "bits", "GET", "u8", "0")).toEqual([]);
    expect(ev("BITFIELD", "bits", "SET", "u8", "0", "7", "SET", "u8", "8", "1")).toEqual(["STRING:setbit:bits"]);
    expect(ev("BITFIELD", "bits", "SET", "u8", "0", "7")).toEqual([]);
    expect(ev("BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9")).toEqual([]);
    // lookupStringForBitCommand creates the (zeroed) string even though every op failed
    expect(h.server.store.dbs[0]!.keys.get("bf2")!.value).toEqual(Buffer.alloc(1));
    expect(ev("BITOP", "OR", "dest", "bits", "bits")).toEqual(["STRING:set:dest"]);
    expect(ev("BITOP", "OR", "dest", "nothing")).toEqual(["GENERIC:del:dest"]);
    expect(ev("BITOP", "OR", "dest", "nothing")).toEqual([]);
  });

  it("signals WATCH on writes and not on failed conditions", () => {
    const h = harness();
    h.run("SET", "w", "1");
    h.run("WATCH", "w");
    h.run("SET", "w", "2", "NX");
    h.run("MULTI");
    h.run("GET", "w");
    expect(h.run("EXEC")).toBe("*1\r\n$1\r\n1\r\n");
    h.run("WATCH", "w");
    h.run("INCR", "w");
    h.run("MULTI");
    h.run("GET", "w");
    expect(h.run("EXEC")).toBe("*-1\r\n");
  });
});

describe("TTL bookkeeping", () => {
  it("SET drops the TTL, KEEPTTL and the read-modify-write commands keep it, GETSET drops it", () => {
    const h = harness();
    const db = h.server.store.dbs[0]!;
    const now = () => h.server.store.now;
    h.run("SET", "k", "v", "EX", "100");
    expect(db.getExpire("k")).toBe(now() + 100_000);
    h.run("SET", "k", "v", "KEEPTTL");
    expect(db.getExpire("k")).toBeDefined();
    for (const cmd of [
      ["APPEND", "k", "x"],
      ["SETRANGE", "k", "0", "1"],
      ["SETBIT", "k", "1", "1"],
      ["BITFIELD", "k", "SET", "u8", "0", "49"],
      ["INCR", "k"],
      ["INCRBYFLOAT", "k", "0.5"],
    ]) {
      h.run(...cmd);
      expect(db.getExpire("k"), cmd.join(" ")).toBeDefined();
    }
    h.run("SET", "k", "v");
    expect(db.getExpire("k")).toBeUndefined();
    h.run("SET", "k", "v", "PX", "1500");
    expect(db.getExpire("k")).toBe(now() + 1500);
    h.run("GETSET", "k", "w");
    expect(db.getExpire("k")).toBeUndefined();
    h.run("SET", "k", "v", "EXAT", "99999999999");
    expect(db.getExpire("k")).toBe(99999999999_000);
    h.run("SET", "k", "v", "PXAT", "9223372036854775807");
    expect(db.getExpire("k")).toBe(Number(2n ** 63n - 1n));
    h.run("GETEX", "k", "PX", "250");
    expect(db.getExpire("k")).toBe(now() + 250);
    h.run("GETEX", "k", "PERSIST");
    expect(db.getExpire("k")).toBeUndefined();
    h.run("MSET", "k", "1");
    expect(db.getExpire("k")).toBeUndefined();
    h.run("BITOP", "NOT", "k", "k");
    expect(db.getExpire("k")).toBeUndefined();
  });

  it("keys set with PX expire on the store clock", () => {
    const h = harness();
    h.run("SET", "k", "v", "PX", "100");
    h.run("SETEX", "s", "1", "v");
    h.run("SET", "kept", "v", "PX", "100");
    h.run("SET", "kept", "w", "KEEPTTL");
    h.run("SET", "dropped", "v", "PX", "100");
    h.run("SET", "dropped", "w");
    expect(h.run("GET", "k")).toBe("$1\r\nv\r\n");
    h.clock.advance(101);
    expect(h.run("MGET", "k", "s", "kept", "dropped")).toBe("*4\r\n$-1\r\n$1\r\nv\r\n$-1\r\n$1\r\nw\r\n");
    h.clock.advance(1000);
    expect(h.run("GET", "s")).toBe("$-1\r\n");
  });
});

describe("encodings", () => {
  it("APPEND/SETRANGE/SETBIT/BITFIELD/BITOP make raw strings; SET/INCR/INCRBYFLOAT/APPEND-to-missing do not", () => {
    const h = harness();
    const entry = (k: string) => h.server.store.dbs[0]!.keys.get(k)!;
    h.run("APPEND", "a", "x");
    expect(entry("a").raw).toBe(false);
    h.run("APPEND", "a", "y");
    expect(entry("a").raw).toBe(true);
    h.run("SET", "a", "1");
    expect(entry("a").raw).toBe(false);
    h.run("SETRANGE", "a", "0", "2");
    expect(entry("a").raw).toBe(true);
    h.run("INCR", "a");
    expect(entry("a").raw).toBe(false);
    h.run("SETBIT", "a", "0", "0");
    expect(entry("a").raw).toBe(true);
    h.run("INCRBYFLOAT", "a", "1");
    expect(entry("a").raw).toBe(false);
    h.run("SETRANGE", "b", "1", "x");
    expect(entry("b").raw).toBe(true);
    h.run("BITFIELD", "c", "SET", "u8", "0", "1");
    expect(entry("c").raw).toBe(true);
    h.run("BITOP", "NOT", "d", "c");
    expect(entry("d").raw).toBe(true);
  });

  it("growing a value in place never leaks into another key", () => {
    const h = harness();
    h.run("SET", "a", "x");
    h.run("SET", "b", "y");
    for (let i = 0; i < 50; i++) {
      h.run("APPEND", "a", "0123456789");
      h.run("SETRANGE", "b", String(i * 3), "abc");
      h.run("SETBIT", "c", String(i * 17), "1");
    }
    expect(h.run("STRLEN", "a")).toBe(":501\r\n");
    expect(h.run("GETRANGE", "a", "0", "10")).toBe("$11\r\nx0123456789\r\n");
    expect(h.run("GET", "b")).toBe(`$150\r\n${"abc".repeat(50)}\r\n`);
    expect(h.run("BITCOUNT", "c")).toBe(":50\r\n");
    h.run("SET", "d", "1234");
    h.run("INCR", "d");
    h.run("APPEND", "d", "0");
    h.run("INCR", "d");
    expect(h.run("GET", "d")).toBe("$5\r\n12351\r\n");
  });
});

describe("WRONGTYPE leaves the key untouched", () => {
  const cases: string[][] = [
    ["GET", "L"],
    ["SET", "L", "v", "GET"],
    ["SET", "L", "v", "NX", "GET"],
    ["SET", "L", "v", "XX", "GET", "EX", "10"],
    ["GETSET", "L", "v"],
    ["GETDEL", "L"],
    ["GETEX", "L"],
    ["GETEX", "L", "PERSIST"],
    ["GETEX", "L", "EX", "100"],
    ["APPEND", "L", "x"],
    ["STRLEN", "L"],
    ["INCR", "L"],
    ["DECR", "L"],
    ["INCRBY", "L", "1"],
    ["DECRBY", "L", "1"],
    ["INCRBYFLOAT", "L", "1"],
    ["GETRANGE", "L", "0", "1"],
    ["SUBSTR", "L", "0", "1"],
    ["SETRANGE", "L", "0", "x"],
    ["SETBIT", "L", "0", "1"],
    ["GETBIT", "L", "0"],
    ["BITCOUNT", "L"],
    ["BITCOUNT", "L", "0", "1", "BIT"],
    ["BITPOS", "L", "1"],
    ["BITOP", "AND", "dest", "s", "L"],
    ["BITFIELD", "L", "GET", "u8", "0"],
    ["BITFIELD", "L", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "L", "GET", "u8", "0"],
    ["BITFIELD", "L"],
  ];
  for (const cmd of cases) {
    it(cmd.join(" "), () => {
      const h = harness();
      const db = h.server.store.dbs[0]!;
      const list = ["a", "b"];
      db.set("L", "list", list);
      db.setExpire("L", h.server.store.now + 100_000);
      h.run("SET", "s", "x");
      h.run("SET", "dest", "keep");
      h.events.length = 0;
      expect(h.run(...cmd)).toBe("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
      expect(db.keys.get("L")!.value).toBe(list);
      expect(db.keys.get("L")!.type).toBe("list");
      expect(list).toEqual(["a", "b"]);
      expect(db.getExpire("L")).toBeDefined();
      expect(h.run("GET", "dest")).toBe("$4\r\nkeep\r\n");
      expect(h.events).toEqual([]);
    });
  }

  it("LCS names its own error; SET without GET and MSET overwrite any type; MGET answers nil", () => {
    const h = harness();
    const db = h.server.store.dbs[0]!;
    db.set("L", "list", ["a"]);
    expect(h.run("LCS", "L", "x")).toBe("-ERR The specified keys must contain string values\r\n");
    expect(h.run("LCS", "x", "L", "LEN")).toBe("-ERR The specified keys must contain string values\r\n");
    expect(h.run("MGET", "L", "nope")).toBe("*2\r\n$-1\r\n$-1\r\n");
    expect(h.run("SET", "L", "v")).toBe("+OK\r\n");
    expect(h.run("GET", "L")).toBe("$1\r\nv\r\n");
    db.set("M", "hash", new Map());
    expect(h.run("MSET", "M", "v")).toBe("+OK\r\n");
    expect(h.run("GET", "M")).toBe("$1\r\nv\r\n");
    db.set("N", "set", new Set());
    expect(h.run("MSETNX", "N", "v", "other", "w")).toBe(":0\r\n");
    expect(h.run("BITOP", "NOT", "N", "M")).toBe(":1\r\n");
    expect(h.run("GET", "N")).toBe("$1\r\n\x89\r\n");
  });
});

describe("proto-max-bulk-len bounds string growth", () => {
  const MB = 1024 * 1024;
  it("APPEND, SETRANGE, SETBIT and BITFIELD refuse to build a string over the limit", () => {
    const h = harness({ "proto-max-bulk-len": "1mb" });
    const db = h.server.store.dbs[0]!;
    expect(h.run("SET", "k", Buffer.alloc(MB - 2, 97))).toBe("+OK\r\n");
    expect(h.run("APPEND", "k", "xy")).toBe(`:${MB}\r\n`);
    expect(h.run("APPEND", "k", "z")).toBe("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    expect(db.keys.get("k")!.value.length).toBe(MB);
    expect(h.run("SETRANGE", "k", String(MB - 1), "q")).toBe(`:${MB}\r\n`);
    expect(h.run("SETRANGE", "k", String(MB), "q")).toBe("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    expect(h.run("SETRANGE", "new", String(MB), "q")).toBe("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    expect(db.keys.has("new")).toBe(false);
    expect(h.run("SETRANGE", "k", "9223372036854775807", "q")).toBe(
      "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
    expect(h.run("SETBIT", "b", String(MB * 8 - 1), "1")).toBe(":0\r\n");
    expect(db.keys.get("b")!.value.length).toBe(MB);
    expect(h.run("SETBIT", "b", String(MB * 8), "1")).toBe("-ERR bit offset is not an integer or out of range\r\n");
    expect(h.run("GETBIT", "b", String(MB * 8))).toBe("-ERR bit offset is not an integer or out of range\r\n");
    expect(h.run("BITFIELD", "b", "GET", "u8", String(MB * 8))).toBe("-ERR bit offset is not an integer or out of range\r\n");
    expect(h.run("BITFIELD", "b", "GET", "u8", `#${MB}`)).toBe("-ERR bit offset is not an integer or out of range\r\n");
    expect(h.run("BITFIELD", "b", "GET", "u8", `#${MB - 1}`)).toBe("*1\r\n:1\r\n");
  });
});

describe("INCRBYFLOAT long double arithmetic", () => {
  const incr = (a: string, b: string): string => {
    const x = parseLongDouble(Buffer.from(a, "latin1"));
    const y = parseLongDouble(Buffer.from(b, "latin1"));
    if (x === null || y === null) return "not a float";
    const s = addLongDouble(x, y);
    return s.inf ? "nan or inf" : formatLongDouble(s);
  };
  it("prints like Valkey's %.17Lf human format (checked against redis-server on x86-64)", () => {
    expect(incr("10", "10.5")).toBe("20.5");
    expect(incr("0", "5.0e3")).toBe("5000");
    expect(incr("1.1", "2.2")).toBe("3.3");
    expect(incr("0.1", "0.2")).toBe("0.3");
    expect(incr("3.0e3", "-3000")).toBe("0");
    expect(incr("-1e-20", "0")).toBe("0");
    expect(incr("1e18", "0.1")).toBe("1000000000000000000.125");
    expect(incr("0", "0.000003814697265625")).toBe("0.00000381469726562");
    expect(incr("0", "0.000011444091796875")).toBe("0.00001144409179688");
    expect(incr("7.5e-18", "1.5")).toBe("1.50000000000000001");
    expect(incr("9223372036854775807", "1.5")).toBe("9223372036854775808");
    expect(incr("-9223372036854775808", "1.5")).toBe("-9223372036854775806.5");
    expect(incr("123456789012345678901234567890", "0")).toBe("123456789012345678899921813504");
    expect(incr("0x1.8", "1")).toBe("2.5");
    expect(incr("0X1P1", "0x.8")).toBe("2.5");
    expect(incr("+.5e-3", "5.")).toBe("5.0005");
    expect(incr("00012", "1E5")).toBe("100012");
    expect(incr("0", "1e400").slice(0, 40)).toBe("1000000000000000000028188068394758651458");
    expect(incr("0", "1e400").length).toBe(401);
    expect(incr("0", "0x1P-16445")).toBe("0");
  });
  it("refuses what strtold refuses and what overflows", () => {
    for (const bad of ["", " 1", "1 ", "abc", "1e", "e5", "--1", "+-1", ".e1", "0x", "nan", "NaN", "1.5\0", "1e5000", "1e-5000", "0x1p-16446", "0x1p16384", "1.19e4932"]) {
      expect(incr("0", bad), JSON.stringify(bad)).toBe("not a float");
    }
    expect(incr("0", "0." + "1".repeat(5117))).toBe("0.11111111111111111");
    expect(incr("0", "0." + "1".repeat(5118))).toBe("not a float");
    for (const inf of ["inf", "-inf", "Infinity", "-INFINITY"]) expect(incr("1", inf)).toBe("nan or inf");
    expect(incr("1.18e4932", "1.18e4932")).toBe("nan or inf");
    expect(incr("3.7e-4951", "0")).toBe("0");
  });
});
