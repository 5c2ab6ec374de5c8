// DUMP/RESTORE codecs of the collection families (registered by their family files), checked against payloads
// written by redis-server 7.0. A separate file from dump.test.ts, which registers throw-away codecs of its own.

import { describe, expect, it } from "vitest";
import { RDB_TYPE, RdbFormatError, RdbReader, RdbWriter, createDumpPayload, intsetEncode, listpackEncode, loadDumpPayload } from "../../src/dump.js";
import { Entry } from "../../src/store.js";
import { ListValue } from "../../src/commands/lists.js";
import "../../src/commands/zsets.js";
import "../../src/commands/streams.js";
import "../../src/commands/hashes.js";
import "../../src/commands/sets.js";
import { HASHTABLE, HashValue, LISTPACK } from "../../src/structures/hash.js";
import { INTSET, LISTPACK as SET_LP, HASHTABLE as SET_HT, SetValue } from "../../src/structures/set.js";

const hex = (h: string) => Buffer.from(h, "hex");

describe("list and sorted set codecs", () => {
  const valueHex = (p: Buffer) => p.subarray(0, p.length - 10).toString("hex");

  // DUMP on redis-server 7.0.15 after: RPUSH l a b 1 300 -7 / ZADD z 1 a 2.5 b -3 c /
  // ZADD zs 1 a 2.5 b with zset-max-listpack-entries 1 (skiplist)
  const L = "120102151500000005008161028162020101c12c02dff902ff0a00731ba5f5d3399158";
  const Z = "111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2";
  const ZS = "0502016200000000000004400161000000000000f03f0a00f46eb73919767291";

  function list(items: string[]) {
    const l = new ListValue();
    for (const x of items) l.pushBack(x);
    return l;
  }

  it("loads redis-server's list and writes the same bytes", () => {
    const got = loadDumpPayload(hex(L));
    expect(got.type).toBe("list");
    expect(got.value.toArray()).toEqual(["a", "b", "1", "300", "-7"]);
    expect(got.value.quicklist).toBe(false);
    expect(valueHex(createDumpPayload(new Entry("list", list(["a", "b", "1", "300", "-7"]), 0)))).toBe(L.slice(0, -20));
  });

  it("loads redis-server's listpack and skiplist sorted sets and writes the same bytes", () => {
    const z = loadDumpPayload(hex(Z));
    expect(z.type).toBe("zset");
    expect([...z.value]).toEqual([["c", -3], ["a", 1], ["b", 2.5]]);
    expect(z.value.skiplist).toBe(false);
    expect(valueHex(createDumpPayload(new Entry("zset", z.value, 0)))).toBe(Z.slice(0, -20));

    const zs = loadDumpPayload(hex(ZS));
    expect([...zs.value]).toEqual([["a", 1], ["b", 2.5]]);
    // small enough for a listpack under the default limits: converted on load, as Valkey does
    expect(zs.value.skiplist).toBe(false);
    const big = loadDumpPayload(hex(ZS), (p) => (p === "zset-max-listpack-entries" ? 1 : 64));
    expect(big.value.skiplist).toBe(true);
    expect(valueHex(createDumpPayload(new Entry("zset", big.value, 0)))).toBe(ZS.slice(0, -20));
  });

  it("splits a long list into quicklist nodes and restores it, plain nodes included", () => {
    const items = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? "p".repeat(10000) : `item-${i}`));
    const l = list(items);
    l.quicklist = true;
    const p = createDumpPayload(new Entry("list", l, 0));
    const r = new RdbReader(p.subarray(0, p.length - 10));
    expect(r.byte()).toBe(RDB_TYPE.LIST_QUICKLIST_2);
    const nodes = r.len();
    let plain = 0;
    for (let i = 0; i < nodes; i++) {
      const container = r.len();
      const blob = r.string();
      if (container === 1) {
        plain++;
        expect(blob.length).toBe(10000);
      } else expect(blob.length).toBeLessThanOrEqual(8192);
    }
    expect(plain).toBe(6);
    const back = loadDumpPayload(p);
    expect(back.value.toArray()).toEqual(items);
    expect(back.value.quicklist).toBe(true);
  });

  it("refuses empty and malformed collections", () => {
    const w = new RdbWriter();
    w.byte(RDB_TYPE.LIST_QUICKLIST_2);
    w.len(1);
    w.len(2);
    w.string(listpackEncode([]));
    expect(() => loadDumpPayload(Buffer.concat([w.finish(), Buffer.alloc(10)]))).toThrow();
    const z = new RdbWriter();
    z.byte(RDB_TYPE.ZSET_LISTPACK);
    z.string(listpackEncode(["a", "1", "b"]));
    expect(() => loadDumpPayload(Buffer.concat([z.finish(), Buffer.alloc(10)]))).toThrow();
    const d = new RdbWriter();
    d.byte(RDB_TYPE.ZSET_2);
    d.len(2);
    for (const m of ["a", "a"]) {
      d.string(Buffer.from(m));
      d.binaryDouble(1);
    }
    expect(() => loadDumpPayload(Buffer.concat([d.finish(), Buffer.alloc(10)]))).toThrow();
  });
});

describe("stream codec", () => {
  // redis-server 7.0 (RDB_TYPE_STREAM_LISTPACKS_2): XADD sx 5-1 name ann age 30; XADD sx 5-2 name bob age 41;
  // XADD sx 6-0 other x; XDEL sx 5-2
  const SX =
    "13011000000000000000050000000000000001404d4d0000001900020101010201846e616d65058361676504000102010001000183616e6e041e01050103010001010183626f62042901050100010101dfff020101856f74686572068178020601ff0206000501050203000a000a080d284ce44f9a";
  // XADD c 1-1 a 1 / 1-2 a 2 / 1-3 a 3; XGROUP CREATE c grp 0; XREADGROUP alice COUNT 2, then bob; XACK 1-1
  const C =
    "13011000000000000000010000000000000001c3293011300000001400030100010101816102000102200a400c0004600900012005800902020103200900ff030103010100000301036772700103030200000000000000010000000000000002956aba17a20100000100000000000000010000000000000003966aba17a2010000010205616c696365956aba17a2010000010000000000000001000000000000000203626f62966aba17a201000001000000000000000100000000000000030a000847b866dd92845c";

  it("loads redis-server's stream with a tombstone and writes the same node bytes as type 21", () => {
    const got = loadDumpPayload(hex(SX));
    expect(got.type).toBe("stream");
    const s = got.value;
    expect(s.length).toBe(2);
    expect(s.range({ ms: 0, seq: 0 }, { ms: 100, seq: 0 }).map((e: any) => [`${e.ms}-${e.seq}`, e.fv.map(String)])).toEqual([
      ["5-1", ["name", "ann", "age", "30"]],
      ["6-0", ["other", "x"]],
    ]);
    expect([s.lastId, s.firstId, s.maxDeletedId, s.entriesAdded]).toEqual([{ ms: 6, seq: 0 }, { ms: 5, seq: 1 }, { ms: 5, seq: 2 }, 3]);
    const mine = createDumpPayload(new Entry("stream", s, 0));
    expect(mine[0]).toBe(RDB_TYPE.STREAM_LISTPACKS_3);
    // type 21 adds only consumers' active time; without groups the value bytes are redis-server's
    expect(mine.subarray(1, mine.length - 10).toString("hex")).toBe(SX.slice(2, -20));
  });

  it("loads consumer groups, PELs and consumers, and round-trips them", () => {
    const s = loadDumpPayload(hex(C)).value;
    const g = s.groups.get("grp");
    expect([g.lastId, g.entriesRead, g.pel.size, [...g.consumers.keys()]]).toEqual([{ ms: 1, seq: 3 }, 3, 2, ["alice", "bob"]]);
    const alice = g.consumers.get("alice");
    expect(alice.pel.size).toBe(1);
    expect(g.pel.get({ ms: 1, seq: 2 }).consumer).toBe(alice);
    expect(alice.activeTime).toBe(alice.seenTime); // type 19 has no active time
    const again = loadDumpPayload(createDumpPayload(new Entry("stream", s, 0))).value;
    expect(createDumpPayload(new Entry("stream", again, 0)).equals(createDumpPayload(new Entry("stream", s, 0)))).toBe(true);
  });

  it("refuses a consumer PEL entry missing from the group PEL", () => {
    const bad = hex(C);
    // last consumer PEL id 1-3 -> 1-9 (then fix nothing: the codec must refuse before any CRC matters)
    const at = bad.length - 10 - 1;
    bad[at] = 9;
    expect(() => loadDumpPayload(bad)).toThrow();
  });
});

describe("hash and set codecs", () => {
  const valueHex = (p: Buffer) => p.subarray(0, p.length - 10).toString("hex");
  const payload = (w: RdbWriter) => Buffer.concat([w.finish(), Buffer.alloc(10)]);
  const cfgWith = (over: Record<string, number>) => (p: string) =>
    over[p] ?? ({ "hash-max-listpack-entries": 128, "hash-max-listpack-value": 64, "set-max-intset-entries": 512, "set-max-listpack-entries": 128, "set-max-listpack-value": 64 } as Record<string, number>)[p]!;

  // DUMP on redis-server 7.0.15 after: HSET h a 1 b 2 c hello / the same as hb with hash-max-listpack-entries 2 /
  // SADD si 5 -3 100000 / SADD sw 1 -5000000000 7 / SADD s a b c (a hashtable: 7.0 has no listpack sets)
  const H = "101b1b0000000600816102010181620202018163028568656c6c6f06ff0a00be10ed0842772901";
  const HB = "040301630568656c6c6f0162c0020161c0010a00adb381bc410b5c5e";
  const SI = "0b140400000003000000fdffffff05000000a08601000a006d306c6cccb96cee";
  const SW = "0b200800000003000000000efad5feffffff010000000000000007000000000000000a00d03929227272b2f0";
  const S = "02030163016201610a005ea67e5623750bab";

  it("loads redis-server's listpack hash and writes the same bytes", () => {
    const h = loadDumpPayload(hex(H));
    expect(h.type).toBe("hash");
    expect(h.value).toBeInstanceOf(HashValue);
    expect([...h.value.rawEntries()]).toEqual([["a", "1"], ["b", "2"], ["c", "hello"]]);
    expect(h.value.enc).toBe(LISTPACK);
    expect(valueHex(createDumpPayload(new Entry("hash", h.value, 0)))).toBe(H.slice(0, -20));
  });

  it("loads a HASH as a listpack when it fits, a hashtable otherwise, and writes HASH for a hashtable", () => {
    const small = loadDumpPayload(hex(HB));
    expect([...small.value.rawEntries()]).toEqual([["c", "hello"], ["b", "2"], ["a", "1"]]);
    expect(small.value.enc).toBe(LISTPACK);
    const big = loadDumpPayload(hex(HB), cfgWith({ "hash-max-listpack-entries": 2 }));
    expect(big.value.enc).toBe(HASHTABLE);
    // RDB_TYPE_HASH, 3 pairs; the pairs come in the hashtable's order (in Valkey too: its dict order)
    const dumped = createDumpPayload(new Entry("hash", big.value, 0));
    expect(valueHex(dumped).slice(0, 4)).toBe(HB.slice(0, 4));
    expect(valueHex(dumped).length).toBe(HB.length - 20);
    expect(new Map(loadDumpPayload(dumped).value.rawEntries())).toEqual(new Map([["c", "hello"], ["b", "2"], ["a", "1"]]));
    expect(loadDumpPayload(hex(HB), cfgWith({ "hash-max-listpack-value": 4 })).value.enc).toBe(HASHTABLE);
    // a HASH_LISTPACK is converted on its entry count only, as Valkey does
    expect(loadDumpPayload(hex(H), cfgWith({ "hash-max-listpack-value": 4 })).value.enc).toBe(LISTPACK);
    expect(loadDumpPayload(hex(H), cfgWith({ "hash-max-listpack-entries": 2 })).value.enc).toBe(HASHTABLE);
  });

  it("loads redis-server's intsets (16 and 64 bit) and writes the same bytes", () => {
    for (const [p, members] of [
      [SI, ["-3", "5", "100000"]],
      [SW, ["-5000000000", "1", "7"]],
    ] as const) {
      const s = loadDumpPayload(hex(p));
      expect(s.type).toBe("set");
      expect(s.value).toBeInstanceOf(SetValue);
      expect(s.value.enc).toBe(INTSET);
      expect([...s.value.members()]).toEqual(members);
      expect(valueHex(createDumpPayload(new Entry("set", s.value, 0)))).toBe(p.slice(0, -20));
    }
    expect(loadDumpPayload(hex(SI), cfgWith({ "set-max-intset-entries": 2 })).value.enc).toBe(SET_HT);
  });

  it("loads a SET with setTypeAdd's conversions and writes SET_LISTPACK / SET by encoding", () => {
    const s = loadDumpPayload(hex(S));
    expect(s.value.enc).toBe(SET_LP);
    expect([...s.value.members()]).toEqual(["c", "b", "a"]);
    const lp = createDumpPayload(new Entry("set", s.value, 0));
    expect(lp[0]).toBe(RDB_TYPE.SET_LISTPACK);
    expect(valueHex(lp)).toBe("14" + "10" + listpackEncode(["c", "b", "a"]).toString("hex"));
    expect([...loadDumpPayload(lp).value.members()]).toEqual(["c", "b", "a"]);

    const ht = loadDumpPayload(hex(S), cfgWith({ "set-max-listpack-entries": 2 }));
    expect(ht.value.enc).toBe(SET_HT);
    expect(valueHex(createDumpPayload(new Entry("set", ht.value, 0)))).toBe(S.slice(0, -20));
    expect(loadDumpPayload(createDumpPayload(new Entry("set", ht.value, 0)), cfgWith({ "set-max-listpack-entries": 2 })).value.enc).toBe(SET_HT);

    // integers first: an intset, converted to a listpack (ascending order kept) at the first non-integer
    const w = new RdbWriter();
    w.byte(RDB_TYPE.SET);
    w.len(3);
    for (const m of ["9", "2", "x"]) w.string(Buffer.from(m));
    const mixed = loadDumpPayload(payload(w));
    expect(mixed.value.enc).toBe(SET_LP);
    expect([...mixed.value.members()]).toEqual(["2", "9", "x"]);
    // a SET_LISTPACK of integers stays a listpack; one over set-max-listpack-entries becomes a hashtable
    const li = new RdbWriter();
    li.byte(RDB_TYPE.SET_LISTPACK);
    li.string(listpackEncode(["3", "1"]));
    expect(loadDumpPayload(payload(li)).value.enc).toBe(SET_LP);
    const li2 = new RdbWriter();
    li2.byte(RDB_TYPE.SET_LISTPACK);
    li2.string(listpackEncode(["3", "1"]));
    expect(loadDumpPayload(payload(li2), cfgWith({ "set-max-listpack-entries": 1 })).value.enc).toBe(SET_HT);
  });

  it("refuses empty, duplicate, odd and unsupported hash and set payloads", () => {
    const cases: Array<(w: RdbWriter) => void> = [
      (w) => (w.byte(RDB_TYPE.HASH_LISTPACK), w.string(listpackEncode([]))),
      (w) => (w.byte(RDB_TYPE.HASH_LISTPACK), w.string(listpackEncode(["a", "1", "b"]))),
      (w) => (w.byte(RDB_TYPE.HASH_LISTPACK), w.string(listpackEncode(["a", "1", "a", "2"]))),
      (w) => (w.byte(RDB_TYPE.HASH), w.len(0)),
      (w) => (w.byte(RDB_TYPE.HASH), w.len(2), ["f", "1", "f", "2"].forEach((x) => w.string(Buffer.from(x)))),
      (w) => (w.byte(RDB_TYPE.SET), w.len(0)),
      (w) => (w.byte(RDB_TYPE.SET), w.len(2), w.string(Buffer.from("a")), w.string(Buffer.from("a"))),
      (w) => (w.byte(RDB_TYPE.SET), w.len(2), w.string(Buffer.from("7")), w.string(Buffer.from("7"))),
      (w) => (w.byte(RDB_TYPE.SET_INTSET), w.string(intsetEncode([]))),
      (w) => (w.byte(RDB_TYPE.SET_INTSET), w.string(Buffer.from("020000000200000005000300", "hex"))),
      (w) => (w.byte(RDB_TYPE.SET_LISTPACK), w.string(listpackEncode([]))),
      (w) => (w.byte(RDB_TYPE.SET_LISTPACK), w.string(listpackEncode(["a", "a"]))),
      // ziplist encodings (Redis < 7) are not loaded
      (w) => (w.byte(RDB_TYPE.HASH_ZIPLIST), w.string(Buffer.alloc(11))),
      (w) => (w.byte(RDB_TYPE.ZSET_ZIPLIST), w.string(Buffer.alloc(11))),
    ];
    for (const build of cases) {
      const w = new RdbWriter();
      build(w);
      expect(() => loadDumpPayload(payload(w))).toThrow(RdbFormatError);
    }
  });
});
