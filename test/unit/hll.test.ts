import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuf,
  createHll,
  decodeSparse,
  denseFromRaw,
  denseGet,
  denseSet,
  hllCount,
  hllPatLen,
  isHll,
  mergeInto,
  murmurHash64A,
  rawCount,
} from "../../src/structures/hll.js";

/** MurmurHash64A straight from hyperloglog.c, in BigInt. */
function murmurRef(data: Uint8Array, seed: bigint): bigint {
  const M = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  let h = (seed ^ (BigInt(data.length) * M)) & mask;
  const end = data.length - (data.length & 7);
  for (let i = 0; i < end; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]!);
    k = (k * M) & mask;
    k ^= k >> 47n;
    k = (k * M) & mask;
    h ^= k;
    h = (h * M) & mask;
  }
  const rest = data.length & 7;
  if (rest) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(data[end + j]!) << BigInt(8 * j);
    h = (h * M) & mask;
  }
  h ^= h >> 47n;
  h = (h * M) & mask;
  h ^= h >> 47n;
  return h;
}

function build(n: number, limit = 3000): HllBuf {
  const h = HllBuf.of(createHll());
  for (let i = 0; i < n; i++) h.add(Buffer.from("e" + i), limit);
  h.invalidateCache();
  return h;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);

// `PFADD nN e0 e1 ... e(N-1)` then `PFCOUNT nN` and `GET nN` on redis-server 7.0 (the same algorithm as Valkey 8).
const REDIS: Array<[n: number, count: number, len: number, sha: string]> = [
  [1, 1, 21, "ccda8ba82764c30e"],
  [10, 10, 48, "0bba112db5cc118c"],
  [100, 100, 285, "aebee27e50c67272"],
  [1000, 1008, 1906, "ab6313e24c05ff99"],
  [2000, 2000, 12304, "934a6aaa45ebe9f4"],
  [5000, 4968, 12304, "bd470063c39f632f"],
  [20000, 19901, 12304, "e0b65a9f0a68fd60"],
];

describe("MurmurHash64A", () => {
  it("matches the reference on every tail length and random bytes", () => {
    for (let len = 0; len < 48; len++) {
      const data = Buffer.alloc(len);
      for (let i = 0; i < len; i++) data[i] = (Math.random() * 256) | 0;
      for (const seed of [0, 0xadc83b19, 0xffffffff]) {
        const [hi, lo] = murmurHash64A(data, seed);
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(murmurRef(data, BigInt(seed)));
      }
    }
  });

  it("maps an element to a register and a run length in 1..51", () => {
    for (let i = 0; i < 1000; i++) {
      const [index, count] = hllPatLen(Buffer.from("x" + i));
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(HLL_REGISTERS);
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(51);
    }
  });
});

describe("HLL values", () => {
  it("creates Valkey's empty sparse HLL", () => {
    expect(createHll().toString("hex")).toBe("48594c4c01000000000000000000000" + "07fff");
    expect(hllCount(createHll())).toBe(0);
  });

  it("builds the same bytes and counts as redis-server", () => {
    for (const [n, count, len, digest] of REDIS) {
      const h = build(n);
      const v = h.value();
      expect(hllCount(v), `count of ${n}`).toBe(count);
      v.writeBigUInt64LE(BigInt(count), 8); // what PFCOUNT caches before GET
      expect([v.length, sha(v)], `bytes of ${n}`).toEqual([len, digest]);
    }
    const abc = HllBuf.of(createHll());
    for (const e of ["a", "b", "c"]) abc.add(Buffer.from(e), 3000);
    expect(abc.value().toString("hex")).toBe("48594c4c01000000000000000000008060f38050b1844bfb80425a");
  });

  it("promotes sparse to dense past hll-sparse-max-bytes, keeping the count", () => {
    const small = build(300, 3000);
    expect(small.encoding).toBe(HLL_SPARSE);
    const promoted = build(300, 200);
    expect(promoted.encoding).toBe(HLL_DENSE);
    expect(promoted.len).toBe(HLL_DENSE_SIZE);
    expect(hllCount(promoted.value())).toBe(hllCount(small.value()));
  });

  it("validates headers like isHLLObjectOrReply", () => {
    expect(isHll(createHll())).toBe(true);
    expect(isHll(Buffer.from("HYLL"))).toBe(false);
    const v = createHll();
    v[4] = 2;
    expect(isHll(v)).toBe(false);
    const d = Buffer.alloc(HLL_DENSE_SIZE);
    d.write("HYLL");
    expect(isHll(d)).toBe(true);
    expect(isHll(d.subarray(0, 100))).toBe(false);
  });

  it("reports corrupt sparse opcodes", () => {
    const v = Buffer.concat([createHll().subarray(0, 16), Buffer.from([0x7f, 0xff, 0x7f, 0xff])]); // 32768 registers
    expect(hllCount(v)).toBe(-1);
    expect(mergeInto(new Uint8Array(HLL_REGISTERS), v)).toBe(false);
    expect(HllBuf.of(v).toDense()).toBe(false);
    const short = Buffer.concat([createHll().subarray(0, 16), Buffer.from([0x40, 0x00])]); // 1 register
    expect(HllBuf.of(short).add(Buffer.from("zz"), 3000)).toBe(-1);
  });

  it("dense registers round-trip and merge like the sparse form", () => {
    const d = Buffer.alloc(HLL_DENSE_SIZE);
    const want = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = (i * 7 + 3) & 63;
      denseSet(d, 16, i, want[i]!);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) expect(denseGet(d, 16, i)).toBe(want[i]);
    const raw = new Uint8Array(HLL_REGISTERS);
    const s = build(500);
    expect(mergeInto(raw, s.value())).toBe(true);
    expect(rawCount(raw)).toBe(hllCount(s.value()));
    const dense = Buffer.alloc(HLL_DENSE_SIZE);
    dense.write("HYLL");
    denseFromRaw(dense, raw);
    expect(hllCount(dense)).toBe(hllCount(s.value()));
  });

  it("decodes sparse opcodes for PFDEBUG DECODE", () => {
    const h = HllBuf.of(createHll());
    h.add(Buffer.from("a"), 3000);
    // redis-server: PFADD q a; PFDEBUG DECODE q
    expect(decodeSparse(h.value())).toBe("Z:12711 v:2,1 Z:3672");
  });
});
