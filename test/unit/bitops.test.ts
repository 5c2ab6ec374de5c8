import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combine, findBit, popcount } from "../../src/commands/bitops.js";

/** The plain byte-by-byte count, as Valkey's redisPopcount defines the result. */
function naive(p: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) for (let v = p[i]!; v !== 0; v &= v - 1) n++;
  return n;
}

describe("popcount (BITCOUNT)", () => {
  it("counts the bits of any range, across 64 KB blocks, in plain and resizable buffers", () => {
    const resizable = (n: number) => new Uint8Array(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(n, { maxByteLength: n * 2 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300_000 }),
        fc.boolean(),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (len, mapped, seed, a, b) => {
          const p = mapped ? resizable(len) : new Uint8Array(len);
          let x = seed | 1;
          for (let i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            p[i] = x & 255;
          }
          const s = Math.floor(Math.min(a, b) * len);
          const e = Math.floor(Math.max(a, b) * len);
          expect(popcount(p, s, e)).toBe(naive(p, s, e));
        },
      ),
      { numRuns: 60 },
    );
    const ones = new Uint8Array(3 * 65536 + 5).fill(255);
    expect(popcount(ones, 0, ones.length)).toBe(8 * ones.length);
    expect(popcount(ones, 7, ones.length - 3)).toBe(8 * (ones.length - 10));
  });

  it("findBit finds the first set or clear bit past long runs of the other, as a bit-by-bit scan does", () => {
    const scan = (p: Uint8Array, start: number, count: number, bit: number) => {
      for (let i = 0; i < count * 8; i++) if (((p[start + (i >> 3)]! >> (7 - (i & 7))) & 1) === bit) return i;
      return bit ? -1 : count * 8;
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(0, 1), fc.integer({ min: 0, max: 255 }), fc.nat(300), (len, at, bit, mark, start) => {
        const p = new Uint8Array(len + start).fill(bit ? 0 : 255);
        if (at < len) p[start + at] = bit ? mark | 1 : mark & 0xfe; // one byte holding the bit sought (or none)
        expect(findBit(p, start, len, bit)).toBe(scan(p, start, len, bit));
      }),
      { numRuns: 80 },
    );
  });

  it("combine (BITOP) gives the byte-by-byte AND, OR, XOR and NOT across 64 KB blocks, from unaligned sources", () => {
    const ops: Array<[number, (a: number, b: number) => number]> = [
      [0, (a, b) => a & b],
      [1, (a, b) => a | b],
      [2, (a, b) => a ^ b],
      [3, (a) => ~a & 0xff],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }), fc.integer(), (len, which, shift, seed) => {
        const [op, f] = ops[which]!;
        let x = seed | 1;
        const rnd = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x & 255);
        const res = Buffer.alloc(len);
        for (let i = 0; i < len; i++) res[i] = rnd();
        // a source at an odd offset of a larger buffer, as a pooled Buffer is
        const backing = Buffer.alloc(len + shift);
        for (let i = 0; i < backing.length; i++) backing[i] = rnd();
        const src = backing.subarray(shift);
        const want = Buffer.from(res.map((a, i) => f(a, src[i]!)));
        combine(res, op === 3 ? null : src, len, op);
        expect(res.equals(want)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
