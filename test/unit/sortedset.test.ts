import { describe, expect, it } from "vitest";
import { SortedSet, compareKeys } from "../../src/structures/sortedset.js";
import { CHUNK, PackedDeque } from "../../src/structures/deque.js";

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function model(m: Map<string, number>): Array<[string, number]> {
  return [...m].sort((a, b) => compareKeys(a[1], a[0], b[1], b[0]));
}

describe("SortedSet (order-statistic B+tree + dict)", () => {
  it.each([
    ["skiplist", 1],
    ["skiplist", 2],
    ["skiplist", 3],
    ["listpack", 4],
    ["listpack", 5],
    ["converting", 6],
  ])("matches a naive model under random inserts, updates, deletes, ranks and ranges (%s, seed %i)", (enc, seed) => {
    {
      const r = rng(seed);
      const z = new SortedSet(enc === "skiplist");
      const m = new Map<string, number>();
      const universe = enc === "listpack" ? 150 : seed === 3 || seed === 6 ? 5000 : 800;
      for (let op = 0; op < 12000; op++) {
        const x = r();
        const member = "m" + Math.floor(r() * universe);
        if (x < 0.5) {
          const score = seed === 2 ? Math.floor(r() * 5) : Math.floor(r() * 1000) / 8 - 50;
          const isNew = !m.has(member);
          expect(z.set(member, score)).toBe(isNew);
          m.set(member, score);
        } else if (x < 0.85) {
          expect(z.delete(member)).toBe(m.delete(member));
        } else if (x < 0.95) {
          const sorted = model(m);
          const idx = sorted.findIndex(([mm]) => mm === member);
          expect(z.rank(member)).toBe(idx);
        } else {
          const sorted = model(m);
          if (sorted.length === 0) continue;
          const start = Math.floor(r() * sorted.length);
          const count = Math.floor(r() * 150);
          const rev = r() < 0.5;
          const got: Array<[string, number]> = [];
          z.range(start, count, rev, (mm, s) => {
            got.push([mm, s]);
          });
          const want = rev ? sorted.slice(Math.max(0, start - count + 1), start + 1).reverse() : sorted.slice(start, start + count);
          expect(got).toEqual(want);
          const lim = Math.floor(r() * 100) - 50;
          expect(z.countWhile((s) => s < lim)).toBe(sorted.filter(([, s]) => s < lim).length);
        }
        expect(z.size).toBe(m.size);
        if (enc === "converting" && op % 500 === 0) {
          z.skiplist = !z.skiplist;
          z.checkInvariants();
          expect([...z]).toEqual(model(m));
        }
        if (op % 2000 === 0) z.checkInvariants();
      }
      z.checkInvariants();
      expect([...z]).toEqual(model(m));
      for (let i = 0; i < z.size; i += 97) expect(z.at(i)).toEqual(model(m)[i]);
      const c = z.clone();
      c.checkInvariants();
      expect(c.skiplist).toBe(z.skiplist);
      expect([...c]).toEqual([...z]);
      if (enc === "listpack") expect(z.skiplist).toBe(false);
      expect(z.removeRange(3, 9)).toEqual(model(m).slice(3, 10));
      for (const [k] of model(m).slice(3, 10)) m.delete(k);
      expect([...z]).toEqual(model(m));
      // drain completely
      for (const k of [...m.keys()]) expect(z.delete(k)).toBe(true);
      expect(z.size).toBe(0);
      z.checkInvariants();
    }
  });

  it.each([true, false])("orders equal scores by member bytes and treats -0 as 0 (skiplist %s)", (skiplist) => {
    const z = new SortedSet(skiplist);
    for (const mm of ["b", "a", "\xff", "\x00", "ab"]) z.set(mm, 1);
    expect([...z].map(([mm]) => mm)).toEqual(["\x00", "a", "ab", "b", "\xff"]);
    z.set("n", 0);
    expect(z.set("n", -0)).toBe(false);
    expect(Object.is(z.score("n"), 0)).toBe(true);
    expect(z.rank("n")).toBe(0);
    expect(z.rank("\xff")).toBe(5);
    expect(z.rank("missing")).toBe(-1);
  });

  it("removeRange removes by rank and returns the removed pairs", () => {
    const z = new SortedSet();
    for (let i = 0; i < 1000; i++) z.set("k" + i, i);
    const out = z.removeRange(100, 899);
    expect(out.length).toBe(800);
    expect(out[0]).toEqual(["k100", 100]);
    expect(z.size).toBe(200);
    z.checkInvariants();
    expect(z.at(100)).toEqual(["k900", 900]);
  });
});

describe("PackedDeque (chunked list)", () => {
  it("matches an array model under random pushes, pops, inserts and removals", () => {
    const r = rng(7);
    const d = new PackedDeque();
    const a: string[] = [];
    for (let op = 0; op < 30000; op++) {
      const x = r();
      const v = String(Math.floor(r() * 1e6)).repeat(r() < 0.01 ? 3000 : 1);
      if (x < 0.25) {
        d.pushBack(v);
        a.push(v);
      } else if (x < 0.5) {
        d.pushFront(v);
        a.unshift(v);
      } else if (x < 0.62) {
        expect(d.popBack()).toBe(a.pop());
      } else if (x < 0.74) {
        expect(d.popFront()).toBe(a.shift());
      } else if (x < 0.84) {
        const i = Math.floor(r() * (a.length + 1));
        d.insert(i, v);
        a.splice(i, 0, v);
      } else if (x < 0.92) {
        const i = Math.floor(r() * (a.length + 1));
        const n = Math.floor(r() * 5);
        d.removeRange(i, n);
        a.splice(i, n);
      } else if (a.length > 0) {
        const i = Math.floor(r() * a.length);
        expect(d.get(i)).toBe(a[i]);
        d.set(i, v);
        a[i] = v;
      }
      expect(d.length).toBe(a.length);
      if (op % 1000 === 0) {
        expect(d.toArray()).toEqual(a);
        for (let i = a.length - 1; i >= 0; i -= 7) expect(d.get(i)).toBe(a[i]);
      }
    }
    expect(d.toArray()).toEqual(a);
    expect(d.first()).toBe(a[0]);
    expect(d.last()).toBe(a[a.length - 1]);
  });

  it("keeps big lists in packed chunks and drains them from either end", () => {
    const d = new PackedDeque();
    for (let i = 0; i < 10000; i++) d.pushBack(String(i));
    expect(d.chunks().packed.length).toBe(Math.floor(10000 / CHUNK));
    expect(d.chunks().back).toBe(10000 % CHUNK);
    for (let i = 0; i < 5000; i++) expect(d.popFront()).toBe(String(i));
    for (let i = 9999; i >= 9990; i--) expect(d.popBack()).toBe(String(i));
    expect(d.get(0)).toBe("5000");
    expect(d.get(d.length - 1)).toBe("9989");
    expect(d.slice(100, 103)).toEqual(["5100", "5101", "5102"]);
  });
});
