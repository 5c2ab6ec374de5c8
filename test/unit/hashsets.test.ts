// Hash and set commands run in-process (no sockets): Valkey's encodings and the member order they imply,
// keyspace events, and values written by other code (plain Map/Set) being adopted.

import { describe, expect, it } from "vitest";
import { inProcess } from "../helpers/inproc.js";
import { copyValue as copyHash, encodingOf as hashEncodingOf } from "../../src/commands/hashes.js";
import { copyValue as copySet, encodingOf as setEncodingOf } from "../../src/commands/sets.js";
import { HashValue } from "../../src/structures/hash.js";
import { SetValue } from "../../src/structures/set.js";
import { deepClone, isMapLike, isSetLike } from "../../src/values.js";
import { model, valueBytes } from "../../src/memory.js";

const SMALL = {
  "hash-max-listpack-entries": 4,
  "hash-max-listpack-value": 8,
  "set-max-intset-entries": 4,
  "set-max-listpack-entries": 4,
  "set-max-listpack-value": 8,
};

function harness(overrides: Record<string, number> = SMALL) {
  const { server, client: c, run: call } = inProcess(overrides);
  const events: string[] = [];
  server.store.notifyFlags = 0xffff & ~(1 << 11) & ~(1 << 14); // everything but key-miss and new-key
  server.store.hooks.notify = (_db, ev, key) => void events.push(`${ev} ${key}`);
  const enc = (key: string): string => {
    const e = c.db.peek(key)!;
    return e.type === "hash" ? hashEncodingOf(e.value, server.config.params) : setEncodingOf(e.value, server.config.params);
  };
  /** Bulk strings of a flat reply, in order. */
  const items = (...args: Array<string | number>): string[] => {
    const r = call(...args);
    const outItems: string[] = [];
    const re = /\$(\d+)\r\n/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(r)) !== null) {
      outItems.push(r.substr(m.index + m[0].length, Number(m[1])));
      re.lastIndex = m.index + m[0].length + Number(m[1]) + 2;
    }
    return outItems;
  };
  const flushEvents = () => events.splice(0);
  return { server, c, call, enc, items, events, flushEvents };
}

describe("hash encodings", () => {
  it("listpack until an entry or value limit is crossed, then hashtable for good", () => {
    const t = harness();
    t.call("HSET", "h", "a", "1", "b", "2");
    expect(t.enc("h")).toBe("listpack");
    t.call("HSET", "h", "c", "3", "d", "4");
    expect(t.enc("h")).toBe("listpack");
    t.call("HSET", "h", "e", "5");
    expect(t.enc("h")).toBe("hashtable");
    t.call("HDEL", "h", "a", "b", "c", "d");
    expect(t.enc("h")).toBe("hashtable");

    t.call("HSET", "v", "a", "123456789");
    expect(t.enc("v")).toBe("hashtable");
    t.call("HSET", "f", "123456789", "x");
    expect(t.enc("f")).toBe("hashtable");
    // more pairs than the limit converts up front, even when they repeat the same field
    t.call("HSET", "dup", "a", "1", "a", "2", "a", "3", "a", "4", "a", "5");
    expect(t.enc("dup")).toBe("hashtable");
    expect(t.call("HLEN", "dup")).toBe(":1\r\n");
    // HINCRBYFLOAT producing a long value converts too
    t.call("HSET", "g", "x", "1");
    t.call("HINCRBYFLOAT", "g", "x", "0.123456789");
    expect(t.enc("g")).toBe("hashtable");
    t.call("HSETNX", "n", "x", "123456789");
    expect(t.enc("n")).toBe("hashtable");
  });

  it("small hashes list fields in insertion order; updates stay in place, re-added fields go last", () => {
    const t = harness();
    t.call("HSET", "h", "c", "1", "a", "2", "b", "3");
    t.call("HSET", "h", "c", "9");
    t.call("HDEL", "h", "a");
    t.call("HSET", "h", "a", "7");
    expect(t.items("HKEYS", "h")).toEqual(["c", "b", "a"]);
    expect(t.items("HGETALL", "h")).toEqual(["c", "9", "b", "3", "a", "7"]);
    expect(t.items("HSCAN", "h", "0")).toEqual(["0", "c", "9", "b", "3", "a", "7"]);
  });
});

describe("set encodings", () => {
  it("intset lists members ascending; converts to listpack keeping that order, then appends", () => {
    const t = harness();
    t.call("SADD", "s", "3", "-1", "10", "2");
    expect(t.enc("s")).toBe("intset");
    expect(t.items("SMEMBERS", "s")).toEqual(["-1", "2", "3", "10"]);
    expect(t.items("SSCAN", "s", "0")).toEqual(["0", "-1", "2", "3", "10"]);
    t.call("SREM", "s", "10");
    t.call("SADD", "s", "x");
    expect(t.enc("s")).toBe("listpack");
    expect(t.items("SMEMBERS", "s")).toEqual(["-1", "2", "3", "x"]);
    t.call("SADD", "s", "0");
    expect(t.enc("s")).toBe("hashtable");
  });

  it("follows Valkey's creation and growth rules", () => {
    const t = harness();
    t.call("SADD", "i", "1", "2", "3", "4", "5");
    expect(t.enc("i")).toBe("hashtable");
    t.call("SADD", "j", "1", "2", "3", "4");
    expect(t.enc("j")).toBe("intset");
    t.call("SADD", "j", "5");
    expect(t.enc("j")).toBe("hashtable");
    t.call("SADD", "l", "a");
    expect(t.enc("l")).toBe("listpack");
    t.call("SADD", "l", "123456789");
    expect(t.enc("l")).toBe("hashtable");
    // an intset whose longest number is too long for a listpack goes straight to hashtable
    t.call("SADD", "k", "-123456789");
    t.call("SADD", "k", "a");
    expect(t.enc("k")).toBe("hashtable");
    // the size hint: SADD of more members than the listpack limit converts at once
    t.call("SADD", "m", "a");
    t.call("SADD", "m", "a", "a", "a", "a", "a");
    expect(t.enc("m")).toBe("hashtable");
  });

  it("STORE results get the encoding Valkey builds", () => {
    const t = harness();
    t.call("SADD", "a", "1", "2", "3");
    t.call("SADD", "b", "x", "2", "3", "y");
    expect(t.enc("b")).toBe("listpack");
    t.call("SINTERSTORE", "d", "a", "b");
    expect(t.enc("d")).toBe("intset");
    expect(t.items("SMEMBERS", "d")).toEqual(["2", "3"]);
    t.call("SUNIONSTORE", "u", "a", "b");
    expect(t.enc("u")).toBe("hashtable");
    t.call("SADD", "p", "5", "4");
    t.call("SADD", "q", "z");
    t.call("SUNIONSTORE", "u2", "p", "q");
    expect(t.enc("u2")).toBe("listpack");
    expect(t.items("SMEMBERS", "u2")).toEqual(["4", "5", "z"]);
    expect(t.items("SUNION", "q", "p")).toEqual(["z", "4", "5"]);
    t.call("SDIFFSTORE", "df", "b", "a");
    expect(t.enc("df")).toBe("listpack");
    expect(t.items("SMEMBERS", "df")).toEqual(["x", "y"]);
  });

  it("SPOP with a count close to the size rebuilds the set as Valkey does", () => {
    const t = harness({ ...SMALL, "set-max-listpack-entries": 128, "set-max-intset-entries": 512 });
    const members = Array.from({ length: 200 }, (_, i) => `m${i}`);
    t.call("SADD", "s", ...members);
    expect(t.enc("s")).toBe("hashtable");
    const popped = t.items("SPOP", "s", "190");
    expect(popped.length).toBe(190);
    expect(new Set(popped).size).toBe(190);
    expect(t.call("SCARD", "s")).toBe(":10\r\n");
    expect(t.enc("s")).toBe("listpack");
    for (const m of popped) expect(t.call("SISMEMBER", "s", m)).toBe(":0\r\n");
  });

  it("SPOP/SRANDMEMBER return distinct members from big and small sets", () => {
    const t = harness({});
    t.call("SADD", "big", ...Array.from({ length: 1000 }, (_, i) => `m${i}`));
    t.call("SADD", "small", "a", "b", "c", "d", "e");
    for (const key of ["big", "small"]) {
      for (const n of [2, 4, 400]) {
        const got = t.items("SRANDMEMBER", key, n);
        expect(got.length).toBe(Math.min(n, key === "big" ? 1000 : 5));
        expect(new Set(got).size).toBe(got.length);
      }
      expect(t.items("SRANDMEMBER", key, -20).length).toBe(20);
    }
    const popped = t.items("SPOP", "big", "300");
    expect(new Set(popped).size).toBe(300);
    expect(t.call("SCARD", "big")).toBe(":700\r\n");
  });
});

describe("keyspace events", () => {
  it("hash commands", () => {
    const t = harness({});
    t.call("HSET", "h", "a", "1");
    t.call("HSETNX", "h", "a", "2");
    t.call("HSETNX", "h", "b", "2");
    t.call("HMSET", "h", "c", "3");
    t.call("HINCRBY", "h", "n", "1");
    t.call("HINCRBYFLOAT", "h", "f", "1.5");
    t.call("HDEL", "h", "zz");
    t.call("HDEL", "h", "a", "b", "c", "n");
    t.call("HDEL", "h", "f");
    t.call("HINCRBY", "h", "x", "notanumber");
    expect(t.flushEvents()).toEqual([
      "hset h",
      "hset h",
      "hset h",
      "hincrby h",
      "hincrbyfloat h",
      "hdel h",
      "hdel h",
      "del h",
    ]);
  });

  it("set commands", () => {
    const t = harness({});
    t.call("SADD", "s", "a", "b", "c");
    t.call("SADD", "s", "a");
    t.call("SREM", "s", "zz");
    t.call("SREM", "s", "a");
    t.call("SMOVE", "s", "t", "b");
    t.call("SMOVE", "s", "t", "c");
    expect(t.flushEvents()).toEqual(["sadd s", "srem s", "srem s", "sadd t", "srem s", "del s", "sadd t"]);
    t.call("SPOP", "t");
    t.call("SPOP", "t", "5");
    expect(t.flushEvents()).toEqual(["spop t", "spop t", "del t"]);
    t.call("SADD", "a", "1", "2");
    t.call("SADD", "b", "2", "3");
    t.flushEvents();
    t.call("SINTERSTORE", "d", "a", "b");
    t.call("SUNIONSTORE", "d", "a", "b");
    t.call("SDIFFSTORE", "d", "a", "b");
    t.call("SDIFFSTORE", "d", "a", "a");
    t.call("SDIFFSTORE", "d", "a", "a");
    t.call("SINTERSTORE", "d", "a", "nokey");
    expect(t.flushEvents()).toEqual(["sinterstore d", "sunionstore d", "sdiffstore d", "del d"]);
  });
});

describe("HashValue as a Map<string, Buffer>", () => {
  it("hands out Buffers to code outside the family and keeps the index in step", () => {
    const h = new HashValue();
    h.set("a", Buffer.from([0, 255]));
    h.set("b", "xy");
    expect(h.get("a")).toEqual(Buffer.from([0, 255]));
    expect(h.get("zz")).toBeUndefined();
    expect([...h]).toEqual([
      ["a", Buffer.from([0, 255])],
      ["b", Buffer.from("xy")],
    ]);
    expect([...h.values()]).toEqual([Buffer.from([0, 255]), Buffer.from("xy")]);
    const seen: string[] = [];
    h.forEach((v, k, m) => {
      expect(m).toBe(h);
      seen.push(`${k}=${v.toString("hex")}`);
    });
    expect(seen).toEqual(["a=00ff", "b=7879"]);
    const idx = h.index();
    h.set("c", "1");
    h.delete("a");
    const scanned: string[] = [];
    idx.scan(0, 10, (k) => scanned.push(k));
    expect(scanned).toEqual(["b", "c"]);
  });
});

describe("HashValue and SetValue stand in for a Map and a Set without being one", () => {
  it("are told apart by Symbol.toStringTag for deep copies, encodings and memory estimates", () => {
    const h = new HashValue();
    h.set("f", "v");
    const s = new SetValue();
    s.add("m");
    // not subclasses: a Map's / Set's own (unused) table costs V8 ~160 bytes per value
    expect(h).not.toBeInstanceOf(Map);
    expect(s).not.toBeInstanceOf(Set);
    expect(Object.prototype.toString.call(h)).toBe("[object Map]");
    expect(Object.prototype.toString.call(s)).toBe("[object Set]");
    expect(isMapLike(h) && isSetLike(s) && !isMapLike(s) && !isSetLike(h)).toBe(true);
    expect(deepClone(h)).toEqual(new Map([["f", Buffer.from("v")]]));
    expect(deepClone(s)).toEqual(new Set(["m"]));
    // packed values are estimated as such, not as a generic object
    const bytes = (v: unknown) => valueBytes(v, 0);
    expect(bytes(h)).toBe(model.hashPacked + model.str0 + (h.lp as string).length);
    expect(bytes(s)).toBe(model.setPacked + model.str0 + (s.lp as string).length);
    // a hashtable-encoded set keeps its members in a Set of its own
    s.enc = 2;
    s.add("n");
    expect([...s].sort()).toEqual(["m", "n"]);
    expect(s.size).toBe(2);
    expect(bytes(s)).toBe(model.set + 2 * model.setSlot + valueBytes("m", 0) + valueBytes("n", 0));
    s.enc = 1;
    expect(s.lp).not.toBeNull();
    expect([...s]).toEqual(["m", "n"]);
  });
});

describe("values written by other code", () => {
  it("a plain Map / Set in the store is adopted", () => {
    const t = harness();
    t.c.db.set("h", "hash", new Map([["a", Buffer.from("1")]]));
    t.c.db.set("s", "set", new Set(["2", "1"]));
    expect(t.enc("h")).toBe("listpack");
    expect(t.enc("s")).toBe("intset");
    expect(t.items("HGETALL", "h")).toEqual(["a", "1"]);
    expect(t.c.db.peek("h")!.value).toBeInstanceOf(HashValue);
    expect(t.items("SMEMBERS", "s")).toEqual(["1", "2"]);
    expect(t.c.db.peek("s")!.value).toBeInstanceOf(SetValue);
    t.c.db.set("big", "set", new Set(["a", "b", "c", "d", "e"]));
    expect(t.enc("big")).toBe("hashtable");
  });

  it("copies keep the encoding (and a listpack's order)", () => {
    const t = harness();
    t.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
    t.call("HDEL", "h", "a", "b", "c");
    const h = copyHash(t.c.db.peek("h")!.value, t.server.config.params);
    expect(h).not.toBe(t.c.db.peek("h")!.value);
    t.c.db.set("h2", "hash", h);
    expect(t.enc("h2")).toBe("hashtable");
    // a hashtable has no insertion order (in Valkey either)
    const pairs = t.items("HGETALL", "h2") as string[];
    expect(new Map([[pairs[0], pairs[1]], [pairs[2], pairs[3]]])).toEqual(new Map([["d", "4"], ["e", "5"]]));
    t.call("SADD", "s", "9", "1");
    t.call("SADD", "s", "x");
    t.c.db.set("s2", "set", copySet(t.c.db.peek("s")!.value, t.server.config.params));
    expect(t.enc("s2")).toBe("listpack");
    expect(t.items("SMEMBERS", "s2")).toEqual(["1", "9", "x"]);
  });
});
