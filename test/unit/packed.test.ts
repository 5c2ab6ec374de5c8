// The packed (listpack-like) forms of small lists and hashes against plain arrays / Maps under random edits:
// every element and order must match, across long elements (multi-char varint lengths) and conversions.

import { describe, expect, it } from "vitest";
import { ListValue } from "../../src/commands/lists.js";
import { HashValue, LISTPACK, adoptHash, hashLimits } from "../../src/structures/hash.js";
import { HASHTABLE, INTSET, SetValue, LISTPACK as SET_LISTPACK, adoptSet, setLimits } from "../../src/structures/set.js";

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LENGTHS = [0, 1, 5, 127, 128, 129, 300, 16383, 16384, 20000];

function element(r: () => number, i: number): string {
  const n = r() < 0.7 ? Math.floor(r() * 12) : LENGTHS[Math.floor(r() * LENGTHS.length)]!;
  let s = String(i);
  while (s.length < n) s += String.fromCharCode(Math.floor(r() * 256));
  return s.slice(0, n);
}

describe("packed list", () => {
  it("matches an array under random pushes, pops, sets, inserts, removals and conversions", () => {
    const r = rng(7);
    const l = new ListValue();
    const ref: string[] = [];
    for (let step = 0; step < 4000; step++) {
      const op = Math.floor(r() * 10);
      const i = Math.floor(r() * (ref.length + 1));
      const v = element(r, step);
      if (op === 0) (l.pushBack(v), ref.push(v));
      else if (op === 1) (l.pushFront(v), ref.unshift(v));
      else if (op === 2) expect(l.popBack()).toBe(ref.pop());
      else if (op === 3) expect(l.popFront()).toBe(ref.shift());
      else if (op === 4 && i < ref.length) (l.set(i, v), (ref[i] = v));
      else if (op === 5) (l.insert(i, v), ref.splice(i, 0, v));
      else if (op === 6) {
        const n = Math.floor(r() * 4);
        l.removeRange(i, n);
        ref.splice(i, n);
      } else if (op === 7) l.quicklist = r() < 0.3;
      else if (op === 8 && ref.length > 0) {
        // random reads, then a sequential walk both ways (the remembered position)
        for (let k = 0; k < 5; k++) {
          const j = Math.floor(r() * ref.length);
          expect(l.get(j)).toBe(ref[j]);
        }
        for (let j = ref.length - 1; j >= 0; j--) expect(l.get(j)).toBe(ref[j]);
      } else if (op === 9 && r() < 0.05) (l.clear(), (ref.length = 0));
      expect(l.length).toBe(ref.length);
      expect(l.first()).toBe(ref[0]);
      expect(l.last()).toBe(ref[ref.length - 1]);
    }
    expect(l.toArray()).toEqual(ref);
  });
});

describe("packed hash", () => {
  it("matches a Map under random sets, updates and deletes, then converts (a hashtable has no order, as in Valkey)", () => {
    const r = rng(11);
    const h = new HashValue();
    const ref = new Map<string, string>();
    for (let step = 0; step < 3000; step++) {
      const f = `f${Math.floor(r() * 40)}` + (r() < 0.1 ? "x".repeat(200) : "");
      const op = Math.floor(r() * 3);
      if (op === 0 || op === 1) {
        const v = element(r, step);
        h.set(f, v);
        ref.set(f, v);
      } else expect(h.delete(f)).toBe(ref.delete(f));
      expect(h.size).toBe(ref.size);
      expect(h.has(f)).toBe(ref.has(f));
      expect(h.getRaw(f)).toBe(ref.get(f));
    }
    expect(h.enc).toBe(LISTPACK);
    expect([...h.rawEntries()]).toEqual([...ref.entries()]);
    expect([...h.keys()]).toEqual([...ref.keys()]);
    expect([...h.rawValues()]).toEqual([...ref.values()]);
    h.toHashtable();
    expect(h.lp).toBeNull();
    const sorted = <T extends [string, string]>(a: T[]) => a.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    expect(sorted([...h.rawEntries()])).toEqual(sorted([...ref.entries()]));
    expect(h.get("nope")).toBeUndefined();
    for (const [f, v] of ref) expect(h.get(f)!.toString("latin1")).toBe(v);
  });

  it("keeps a hashtable (packed buckets, long entries apart) equal to a Map while it grows and shrinks", () => {
    const r = rng(12);
    const h = new HashValue();
    h.toHashtable();
    const ref = new Map<string, string>();
    const check = () => {
      expect(h.size).toBe(ref.size);
      expect(new Map(h.rawEntries())).toEqual(ref);
      expect(new Set(h.keys())).toEqual(new Set(ref.keys()));
      expect([...h.rawValues()].sort()).toEqual([...ref.values()].sort());
    };
    for (let round = 0; round < 3; round++) {
      for (let step = 0; step < 5000; step++) {
        const f = `f${Math.floor(r() * 3000)}` + (r() < 0.02 ? "y".repeat(600) : "");
        const op = r();
        if (op < (round === 2 ? 0.2 : 0.7)) {
          const v = r() < 0.02 ? "z".repeat(700) : element(r, step);
          expect(h.has(f)).toBe(ref.has(f));
          const n = h.size;
          h.set(f, v);
          ref.set(f, v);
          expect(h.size - n).toBe(ref.size - n);
        } else expect(h.delete(f)).toBe(ref.delete(f));
        expect(h.getRaw(f)).toBe(ref.get(f));
      }
      check();
    }
    for (const f of [...ref.keys()]) expect(h.delete(f)).toBe(ref.delete(f));
    check();
  });
});

describe("packed set", () => {
  it("matches a Set under random adds and deletes through intset, listpack and hashtable", () => {
    const r = rng(13);
    const lim = setLimits(() => undefined);
    for (let round = 0; round < 20; round++) {
      const s = new SetValue();
      const ref = new Set<string>();
      const ints = round % 2 === 0;
      for (let step = 0; step < 400; step++) {
        const m = ints && r() < 0.95 ? String(Math.floor(r() * 300) - 150) : element(r, Math.floor(r() * 300));
        if (r() < 0.7) expect(s.addMember(m, lim)).toBe(!ref.has(m) && (ref.add(m), true));
        else expect(s.delete(m)).toBe(ref.delete(m));
        expect(s.size).toBe(ref.size);
        expect(s.has(m)).toBe(ref.has(m));
      }
      expect(new Set(s)).toEqual(ref);
      expect(s.lp === null).toBe(s.enc === HASHTABLE);
      if (s.enc === SET_LISTPACK) expect([...s]).toEqual([...s.members()]);
      if (s.enc === INTSET) expect([...s.members()]).toEqual([...ref].sort((a, b) => Number(a) - Number(b)));
      s.enc = HASHTABLE;
      expect(new Set(s)).toEqual(ref);
    }
  });
});

describe("values written by other code", () => {
  it("a large plain Map / Set is adopted as a hashtable, a small one packed, with every element", () => {
    const big = new Map<string, Buffer>();
    for (let i = 0; i < 5000; i++) big.set(`f${i}`, Buffer.from(`v${i}`));
    const h = adoptHash(big, hashLimits(() => undefined));
    expect(h.lp).toBeNull();
    expect(h.size).toBe(5000);
    expect(h.getRaw("f4999")).toBe("v4999");
    const small = adoptHash(new Map([["a", Buffer.from("1")]]), hashLimits(() => undefined));
    expect(small.lp).not.toBeNull();
    expect(small.getRaw("a")).toBe("1");
    const s = adoptSet(new Set(Array.from({ length: 5000 }, (_, i) => `m${i}`)), setLimits(() => undefined));
    expect(s.enc).toBe(HASHTABLE);
    expect(s.size).toBe(5000);
    const ints = adoptSet(new Set(["3", "1", "2"]), setLimits(() => undefined));
    expect(ints.enc).toBe(INTSET);
    expect([...ints.members()]).toEqual(["1", "2", "3"]);
  });
});
