import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScanLog, parseCursor } from "../../src/scan.js";

/** Run a full scan over `m`, calling `between` after every call (to mutate the collection mid-scan). */
function fullScan(m: Map<string, number>, log: ScanLog, count: number, between?: (round: number) => void): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let round = 0;
  do {
    cursor = log.scan(cursor, count, (k) => seen.push(k));
    between?.(round++);
  } while (cursor !== 0 && round < 100_000);
  return seen;
}

function tracked(): { m: Map<string, number>; log: ScanLog; add(k: string): void; del(k: string): void } {
  const m = new Map<string, number>();
  const log = new ScanLog(m, []);
  return {
    m,
    log,
    add(k) {
      const n = m.size;
      m.set(k, 1);
      if (m.size !== n) log.added(k);
    },
    del(k) {
      m.delete(k);
    },
  };
}

describe("ScanLog", () => {
  it("returns every element exactly once when nothing changes", () => {
    const t = tracked();
    for (let i = 0; i < 1000; i++) t.add(`k${i}`);
    for (const count of [1, 7, 10, 1000, 5000]) {
      const seen = fullScan(t.m, t.log, count);
      expect(seen.length).toBe(1000);
      expect(new Set(seen).size).toBe(1000);
    }
  });

  it("never misses an element present for the whole scan while others are added and removed", () => {
    const t = tracked();
    for (let i = 0; i < 2000; i++) t.add(`stable${i}`);
    for (let i = 0; i < 2000; i++) t.add(`churn${i}`);
    let next = 0;
    let rounds = 0;
    const seen = new Set(
      fullScan(t.m, t.log, 20, (round) => {
        rounds++;
        // grow, shrink, re-add removed names: forces compactions mid-scan
        for (let j = 0; j < 12; j++) t.add(`new${next++}`);
        for (let j = 0; j < 10; j++) t.del(`churn${(round * 10 + j) % 2000}`);
        for (let j = 0; j < 8; j++) t.del(`new${next - 1 - j}`);
        if (round % 3 === 0) t.add(`churn${round % 2000}`);
      }),
    );
    for (let i = 0; i < 2000; i++) expect(seen.has(`stable${i}`)).toBe(true);
    expect(rounds).toBeLessThan(1000);
  });

  it("keeps cursors valid across compaction and restarts numbering after clear", () => {
    const t = tracked();
    for (let i = 0; i < 100; i++) t.add(`a${i}`);
    const first: string[] = [];
    const cursor = t.log.scan(0, 50, (k) => first.push(k));
    expect(first.length).toBe(50);
    // delete the first half and churn enough to compact
    for (let i = 0; i < 50; i++) t.del(`a${i}`);
    for (let i = 0; i < 500; i++) {
      t.add(`tmp${i}`);
      t.del(`tmp${i}`);
    }
    expect(t.log.length).toBeLessThan(300);
    const rest: string[] = [];
    let c = cursor;
    do c = t.log.scan(c, 10, (k) => rest.push(k));
    while (c !== 0);
    for (let i = 50; i < 100; i++) expect(rest).toContain(`a${i}`);
    expect(rest.some((k) => /^a([0-9]|[1-4][0-9])$/.test(k))).toBe(false);
    // a cursor from before a clear only sees names added after it
    t.m.clear();
    t.log.cleared();
    t.add("fresh");
    const after: string[] = [];
    expect(t.log.scan(cursor, 10, (k) => after.push(k))).toBe(0);
    expect(after).toEqual(["fresh"]);
  });

  it("replays a cursor with the same batch (stateless), reports a re-added name once per batch", () => {
    const t = tracked();
    for (let i = 0; i < 30; i++) t.add(`k${i}`);
    const a: string[] = [];
    const b: string[] = [];
    const c1 = t.log.scan(0, 10, (k) => a.push(k));
    const c2 = t.log.scan(0, 10, (k) => b.push(k));
    expect(c1).toBe(c2);
    expect(a).toEqual(b);
    t.del("k1");
    t.add("k1"); // now at the end, with a second entry
    const all: string[] = [];
    t.log.scan(0, 100, (k) => all.push(k));
    expect(all.filter((k) => k === "k1").length).toBe(1);
  });

  it("reports a name once per batch when its first entry is from the log's first fill and its second newer", () => {
    // entries of the first fill are distinct, so a batch keeps no set of names until it reaches newer ones
    const m = new Map<string, number>();
    for (let i = 0; i < 50; i++) m.set(`k${i}`, i);
    const log = new ScanLog(m, [...m.keys()]);
    m.delete("k3");
    m.set("k3", 3);
    log.added("k3");
    m.set("new", 1);
    log.added("new");
    for (const from of [0, 2, 4]) {
      // from `from`'s entry on, one batch to the end: k3 twice in the log, reported once (if its first entry is in)
      const cursor = from === 0 ? 0 : log.scan(0, from, () => {});
      const seen: string[] = [];
      expect(log.scan(cursor, 1000, (k) => seen.push(k))).toBe(0);
      expect(seen.filter((k) => k === "k3").length).toBe(1);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.at(-1)).toBe("new");
    }
    // a whole scan in small batches still sees every name at least once
    expect(new Set(fullScan(m, log, 7))).toEqual(new Set(m.keys()));
  });

  it("one batch reports every live name exactly once after any adds, deletes, re-adds and clears", () => {
    // Entries added while the log has no tombstone are known distinct (no set of reported names is kept for them);
    // any delete before an add must end that, or a re-added name would be reported twice.
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ del: fc.integer({ min: 0, max: 12 }) }),
      fc.constant({ clear: true as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 20 }), (ops, first) => {
        const m = new Map<string, number>();
        for (let i = 0; i < first; i++) m.set(`k${i}`, i);
        const log = new ScanLog(m, [...m.keys()]);
        for (const o of ops) {
          if ("add" in o) {
            const n = m.size;
            m.set(`k${o.add}`, 1);
            if (m.size !== n) log.added(`k${o.add}`);
          } else if ("del" in o) m.delete(`k${o.del}`);
          else {
            m.clear();
            log.cleared();
          }
        }
        const seen: string[] = [];
        expect(log.scan(0, 1000, (k) => seen.push(k))).toBe(0);
        expect(seen.length).toBe(m.size);
        expect(new Set(seen)).toEqual(new Set(m.keys()));
      }),
      { numRuns: 2000 },
    );
  });

  it("bounds the work per call on a log full of tombstones", () => {
    const m = new Map<string, number>();
    const log = new ScanLog(m, []);
    for (let i = 0; i < 1000; i++) {
      m.set(`k${i}`, 1);
      log.added(`k${i}`);
    }
    for (let i = 0; i < 999; i++) m.delete(`k${i}`);
    // 1 live name among 1000 entries; compaction runs on the next scan and the call still finishes
    const seen: string[] = [];
    let c = 0;
    let calls = 0;
    do {
      c = log.scan(c, 1, (k) => seen.push(k));
      calls++;
    } while (c !== 0);
    expect(seen).toEqual(["k999"]);
    expect(calls).toBeLessThanOrEqual(2);
  });
});

describe("parseCursor (Valkey string2ull)", () => {
  const ok = (s: string) => parseCursor(Buffer.from(s));
  it("accepts canonical and strtoull forms", () => {
    expect(ok("0")).toBe(0);
    expect(ok("123")).toBe(123);
    expect(ok("007")).toBe(7);
    expect(ok("+5")).toBe(5);
    expect(ok(" 5")).toBe(5);
    expect(ok("18446744073709551615")).toBe(Number.MAX_SAFE_INTEGER);
    expect(ok("-0")).toBe(0);
    expect(ok("-9223372036854775809")).toBe(Number.MAX_SAFE_INTEGER); // wraps modulo 2^64
  });
  it("refuses negatives, garbage and overflow with ERR invalid cursor", () => {
    for (const s of ["-1", "abc", "", " ", "1 ", "1.5", "18446744073709551616", "0x10"]) {
      expect(() => ok(s)).toThrow("ERR invalid cursor");
    }
  });
});

describe("ScanLog.sample", () => {
  it("picks only live names, roughly uniformly, and nothing from an empty collection", () => {
    const m = new Map<string, number>();
    const log = new ScanLog(m, []);
    expect(log.sample()).toBeUndefined();
    for (let i = 0; i < 10; i++) {
      m.set(`k${i}`, 1);
      log.added(`k${i}`);
    }
    for (let i = 0; i < 5; i++) m.delete(`k${i}`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const k = log.sample()!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["k5", "k6", "k7", "k8", "k9"]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(500);
    m.clear();
    expect(log.sample()).toBeUndefined();
  });
});
