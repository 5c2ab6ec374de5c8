// DUMP/RESTORE codecs of the collection families (registered by their family files), checked against payloads
// written by redis-server 7.0. A separate file from dump.test.ts, which registers throw-away codecs of its own.

import { describe, expect, it } from "vitest";
import { RDB_TYPE, RdbReader, RdbWriter, createDumpPayload, listpackEncode, loadDumpPayload } from "../../src/dump.js";
import { Entry } from "../../src/store.js";
import { ListValue } from "../../src/commands/lists.js";
import "../../src/commands/zsets.js";

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
