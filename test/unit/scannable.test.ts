// ScanIndex (stable cursors, uniform O(1) picks), Valkey's glob matcher and SCAN cursor parsing.

import { describe, expect, it } from "vitest";
import { parseCursor, sampleInOrder } from "../../src/structures/scannable.js";
import { globMatch } from "../../src/glob.js";
import { HashValue } from "../../src/structures/hash.js";
import { SetValue } from "../../src/structures/set.js";

function fullScan(s: SetValue, count: number, between: () => void): string[] {
  const seen: string[] = [];
  let cursor = 0;
  do {
    cursor = s.index().scan(cursor, count, (k) => seen.push(k));
    between();
  } while (cursor !== 0);
  return seen;
}

describe("ScanIndex", () => {
  it("never misses an element present for the whole scan while the set grows and shrinks", () => {
    for (let round = 0; round < 20; round++) {
      const s = new SetValue();
      for (let i = 0; i < 500; i++) s.add(`m${i}`);
      const stable = new Set<string>();
      for (let i = 0; i < 500; i += 3) stable.add(`m${i}`);
      let next = 500;
      let steps = 0;
      const seen = fullScan(s, 1 + (round % 7), () => {
        if (++steps > 60) return;
        // churn: delete some non-stable members, re-add some, add new ones
        for (let k = 0; k < 20; k++) {
          const i = Math.floor(Math.random() * next);
          const m = `m${i}`;
          if (stable.has(m)) continue;
          if (s.has(m)) s.delete(m);
          else s.add(m);
        }
        for (let k = 0; k < 5; k++) s.add(`m${next++}`);
      });
      const seenSet = new Set(seen);
      for (const m of stable) expect(seenSet.has(m), m).toBe(true);
      // only a key's latest insertion is live: no duplicates within one scan of a key never deleted
      const counts = new Map<string, number>();
      for (const m of seen) counts.set(m, (counts.get(m) ?? 0) + 1);
      for (const m of stable) expect(counts.get(m)).toBe(1);
    }
  });

  it("keeps dead slots at most about as many as live ones", () => {
    const s = new SetValue();
    for (let i = 0; i < 1000; i++) s.add(`m${i}`);
    const idx = s.index();
    for (let i = 0; i < 990; i++) s.delete(`m${i}`);
    expect(idx.slots).toBeLessThanOrEqual(2 * s.size + 17);
    for (let i = 0; i < 1000; i++) {
      s.add("x");
      s.delete("x");
    }
    expect(idx.slots).toBeLessThanOrEqual(2 * s.size + 17);
  });

  it("a cursor from a replaced value restarts the scan instead of skipping", () => {
    const a = new SetValue();
    for (let i = 0; i < 100; i++) a.add(`a${i}`);
    let cursor = a.index().scan(0, 50, () => {});
    expect(cursor).not.toBe(0);
    const b = new SetValue();
    for (let i = 0; i < 100; i++) b.add(`b${i}`);
    const seen: string[] = [];
    do cursor = b.index().scan(cursor, 30, (k) => seen.push(k));
    while (cursor !== 0);
    expect(seen.length).toBe(100);
  });

  it("picks uniformly, also after deletions and re-insertions", () => {
    const h = new HashValue();
    for (let i = 0; i < 200; i++) h.set(`f${i}`, Buffer.from("v"));
    h.index();
    // churn so that stale slots exist for re-added keys
    for (let i = 0; i < 100; i++) h.delete(`f${i}`);
    for (let i = 0; i < 50; i++) h.set(`f${i}`, Buffer.from("v"));
    const hits = new Map<string, number>();
    const n = 150 * 400;
    for (let i = 0; i < n; i++) {
      const k = h.randomField();
      expect(h.has(k)).toBe(true);
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    expect(hits.size).toBe(150);
    for (const [, v] of hits) {
      expect(v).toBeGreaterThan(250);
      expect(v).toBeLessThan(600);
    }
  });

  it("samples distinct members in order", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    for (let k = 0; k <= 50; k += 7) {
      const got = sampleInOrder(items, 50, k);
      expect(got.length).toBe(k);
      expect([...got].sort((a, b) => a - b)).toEqual(got);
      expect(new Set(got).size).toBe(k);
    }
  });
});

describe("globMatch (Valkey's stringmatchlen)", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*", "anything", true],
    ["*", "", false],
    ["", "", true],
    ["a*", "abc", true],
    ["a*c", "abc", true],
    ["a*d", "abc", false],
    ["?b?", "abc", true],
    ["??", "abc", false],
    ["[abc]x", "bx", true],
    ["[^abc]x", "bx", false],
    ["[^abc]x", "dx", true],
    ["[a-c]", "b", true],
    ["[c-a]", "b", true],
    ["[a-c]", "d", false],
    ["\\*", "*", true],
    ["\\*", "a", false],
    ["[\\]]", "]", true],
    ["[abc", "a", true],
    ["[abc", "b", true],
    ["[abc", "d", false],
    ["a\\", "a\\", true],
    ["h*llo", "hello", true],
    ["h*llo", "heeeello", true],
    ["h*llo*", "hello world", true],
    ["*a*b*c*", "xaxbxcx", true],
    ["*a*b*c*", "xaxcxbx", false],
    ["f[12]", "f3", false],
  ];
  for (const [p, s, want] of cases) it(`${JSON.stringify(p)} ~ ${JSON.stringify(s)} = ${want}`, () => expect(globMatch(p, s)).toBe(want));

  it("does not blow up on pathological patterns", () => {
    expect(globMatch("*".repeat(50) + "b", "a".repeat(5000))).toBe(false);
    expect(globMatch("a*a*a*a*a*a*a*a*a*a*b", "a".repeat(2000))).toBe(false);
  });
});

describe("parseCursor (string2ull)", () => {
  const b = (s: string) => Buffer.from(s);
  it("accepts what Valkey accepts", () => {
    expect(parseCursor(b("0"))).toBe(0);
    expect(parseCursor(b("42"))).toBe(42);
    expect(parseCursor(b("18446744073709551615"))).toBe(18446744073709551615);
    expect(parseCursor(b("007"))).toBe(7);
    expect(parseCursor(b(" 5"))).toBe(5);
    expect(parseCursor(b("+5"))).toBe(5);
  });
  it("refuses what Valkey refuses", () => {
    for (const s of ["", "-1", "x", "5 ", "18446744073709551616", "1.5"]) expect(parseCursor(b(s)), s).toBeNull();
  });
});
