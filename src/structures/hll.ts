// HyperLogLog in Valkey's exact string representation (hyperloglog.c), so HLL values move between this server
// and Valkey/Redis through GET/SET/DUMP unchanged and PFCOUNT gives the same numbers for the same inputs.
//
// Value layout: a 16-byte header ("HYLL", encoding byte 0 = dense / 1 = sparse, 3 unused bytes, cached
// cardinality as 8 bytes little-endian whose top bit marks the cache stale), then the registers:
//   dense:  16384 6-bit registers packed LSB first (12288 bytes)
//   sparse: run-length opcodes ZERO 00xxxxxx (1..64 zeros), XZERO 01xxxxxx yyyyyyyy (1..16384 zeros),
//           VAL 1vvvvvxx (value 1..32 repeated 1..4 times).
// Elements hash with MurmurHash64A (seed 0xadc83b19); the estimator is Ertl's improved one (Redis >= 5).

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.72134752044448170368; // 0.5 / ln(2)

// ---------------------------------------------------------------------------------------------------------
// MurmurHash64A on 32-bit halves (64-bit products mod 2^64 without BigInt).

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rh:rl. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** MurmurHash64A(key, seed) as [high 32 bits, low 32 bits]. */
export function murmurHash64A(key: Uint8Array, seed: number): [number, number] {
  murmur(key, seed);
  return [rh, rl];
}

/** MurmurHash64A into rh:rl. */
function murmur(data: Uint8Array, seed: number): void {
  const len = data.length;
  mul64(0, len, M_HI, M_LO);
  let hh = rh;
  let hl = (rl ^ seed) >>> 0;
  const end = len - (len & 7);
  for (let i = 0; i < end; i += 8) {
    const kl = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const kh = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    // k ^= k >> 47
    let kh2 = rh;
    let kl2 = (rl ^ (rh >>> 15)) >>> 0;
    mul64(kh2, kl2, M_HI, M_LO);
    kh2 = rh;
    kl2 = rl;
    mul64((hh ^ kh2) >>> 0, (hl ^ kl2) >>> 0, M_HI, M_LO);
    hh = rh;
    hl = rl;
  }
  const rest = len & 7;
  if (rest !== 0) {
    let th = 0;
    let tl = 0;
    for (let j = rest - 1; j >= 0; j--) {
      if (j >= 4) th |= data[end + j]! << (8 * (j - 4));
      else tl |= data[end + j]! << (8 * j);
    }
    mul64((hh ^ th) >>> 0, (hl ^ tl) >>> 0, M_HI, M_LO);
    hh = rh;
    hl = rl;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, M_HI, M_LO);
  rl = (rl ^ (rh >>> 15)) >>> 0;
}

let patIndex = 0;

/** hllPatLen: the run length of the element's hash (1..51); its register index goes to `patIndex`. */
function patLen(ele: Uint8Array): number {
  murmur(ele, 0xadc83b19);
  patIndex = rl & HLL_P_MASK;
  // hash >>= 14, then set bit 50 so the count is at most Q+1
  const lo = ((rl >>> HLL_P) | (rh << (32 - HLL_P))) >>> 0;
  const hi = (rh >>> HLL_P) | (1 << (HLL_Q - 32));
  return 1 + (lo !== 0 ? ctz32(lo) : 32 + ctz32(hi));
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** The register index and run length an element maps to (PFADD's view of it). */
export function hllPatLen(ele: Uint8Array): [index: number, count: number] {
  const count = patLen(ele);
  return [patIndex, count];
}

// ---------------------------------------------------------------------------------------------------------
// Dense registers (at byte offset `off` of `r`).

export function denseGet(r: Uint8Array, off: number, i: number): number {
  const bit = i * 6;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < r.length ? r[byte + 1]! : 0;
  return ((r[byte]! >>> fb) | (b1 << (8 - fb))) & 63;
}

export function denseSet(r: Uint8Array, off: number, i: number, v: number): void {
  const bit = i * 6;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  r[byte] = (r[byte]! & ~(63 << fb)) | (v << fb);
  if (byte + 1 < r.length) r[byte + 1] = (r[byte + 1]! & ~(63 >>> fb8)) | (v >>> fb8);
}

/** hllDenseSet: raise register i to `count`; 1 when it changed. */
function denseSetMax(r: Uint8Array, i: number, count: number): number {
  if (count > denseGet(r, HLL_HDR_SIZE, i)) {
    denseSet(r, HLL_HDR_SIZE, i, count);
    return 1;
  }
  return 0;
}

function denseHisto(r: Uint8Array, histo: Int32Array): void {
  let p = HLL_HDR_SIZE;
  for (let j = 0; j < 4096; j++, p += 3) {
    const b0 = r[p]!;
    const b1 = r[p + 1]!;
    const b2 = r[p + 2]!;
    histo[b0 & 63]!++;
    histo[((b0 >>> 6) | (b1 << 2)) & 63]!++;
    histo[((b1 >>> 4) | (b2 << 4)) & 63]!++;
    histo[b2 >>> 2]!++;
  }
}

// ---------------------------------------------------------------------------------------------------------
// A value being modified: `b` has room beyond `len` so sparse updates grow it in place.

export class HllBuf {
  constructor(
    public b: Buffer,
    public len: number,
  ) {}

  /** Work on `v` directly when dense (fixed size), on a copy with spare room when sparse. */
  static of(v: Buffer): HllBuf {
    if (v[4] === HLL_DENSE) return new HllBuf(v, v.length);
    const b = Buffer.allocUnsafe(Math.max(64, v.length * 2));
    v.copy(b);
    return new HllBuf(b, v.length);
  }

  get encoding(): number {
    return this.b[4]!;
  }

  /** The value to store. */
  value(): Buffer {
    return this.len === this.b.length ? this.b : Buffer.from(this.b.subarray(0, this.len));
  }

  invalidateCache(): void {
    this.b[15] = this.b[15]! | 0x80;
  }

  private room(n: number): void {
    if (this.len + n <= this.b.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.b.length * 2, this.len + n));
    this.b.copy(nb, 0, 0, this.len);
    this.b = nb;
  }

  /** hllSparseToDense: false when the sparse opcodes are corrupt. */
  toDense(): boolean {
    if (this.encoding === HLL_DENSE) return true;
    const d = Buffer.alloc(HLL_DENSE_SIZE);
    this.b.copy(d, 0, 0, HLL_HDR_SIZE);
    d[4] = HLL_DENSE;
    const ok = walkSparse(this.b, this.len, (idx, run, val) => {
      if (val !== 0) for (let i = idx; i < idx + run; i++) denseSet(d, HLL_HDR_SIZE, i, val);
    });
    if (!ok) return false;
    this.b = d;
    this.len = d.length;
    return true;
  }

  /** hllAdd: 1 when a register changed, 0 when not, -1 when the value is corrupt. */
  add(ele: Uint8Array, sparseMaxBytes: number): number {
    const count = patLen(ele);
    const index = patIndex;
    if (this.encoding === HLL_DENSE) return denseSetMax(this.b, index, count);
    if (this.encoding === HLL_SPARSE) return this.sparseSet(index, count, sparseMaxBytes);
    return -1;
  }

  /** Raise register `index` to `count` in whichever encoding the value has (PFMERGE). */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.encoding === HLL_DENSE) return denseSetMax(this.b, index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** hllSparseSet, promoting to dense when the value would exceed 32 or the sparse form hll-sparse-max-bytes. */
  sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.room(3);
    const b = this.b;
    let p = HLL_HDR_SIZE;
    let end = this.len;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;

    const op = b[p]!;
    const isXzero = (op & 0xc0) === 0x40;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const isZero = (op & 0xc0) === 0;
    const isVal = (op & 0x80) !== 0;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]!) + 1 : (op & 3) + 1;

    let merged = false;
    if (isVal) {
      const old = ((op >>> 2) & 0x1f) + 1;
      if (old >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        merged = true;
      }
    }
    if (!merged && isZero && runlen === 1) {
      b[p] = valOp(count, 1);
      merged = true;
    }
    if (!merged) {
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) zeroOps(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) zeroOps(seq, last - index);
      } else {
        const cur = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const delta = seq.length - (isXzero ? 2 : 1);
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
      this.len += delta;
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
      end += delta;
    }

    // Merge adjacent VAL opcodes of equal value, up to 5 opcodes from the one before the change.
    p = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const o = b[p]!;
      if ((o & 0xc0) === 0x40) {
        p += 2;
        continue;
      }
      if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && b[p + 1]! & 0x80) {
        const o2 = b[p + 1]!;
        const v1 = ((o >>> 2) & 0x1f) + 1;
        const v2 = ((o2 >>> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const l = (o & 3) + 1 + (o2 & 3) + 1;
          if (l <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, l);
            b.copyWithin(p, p + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSetMax(this.b, index, count);
    return 1;
  }
}

function valOp(val: number, len: number): number {
  return (((val - 1) << 2) | (len - 1) | 0x80) & 0xff;
}

function zeroOps(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq.push((l >>> 8) | 0x40, l & 0xff);
  } else seq.push(len - 1);
}

// ---------------------------------------------------------------------------------------------------------
// Whole values

/** createHLLObject: an empty sparse HLL (one XZERO covering all registers), cached cardinality 0. */
export function createHll(): Buffer {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2);
  b.write("HYLL", 0, "latin1");
  b[4] = HLL_SPARSE;
  let l = SPARSE_XZERO_MAX_LEN - 1;
  b[16] = (l >>> 8) | 0x40;
  b[17] = l & 0xff;
  return b;
}

/** isHLLObjectOrReply's checks on a string value: magic, known encoding, exact dense size. */
export function isHll(v: Buffer): boolean {
  if (v.length < HLL_HDR_SIZE) return false;
  if (v[0] !== 72 || v[1] !== 89 || v[2] !== 76 || v[3] !== 76) return false;
  if (v[4]! > HLL_MAX_ENCODING) return false;
  if (v[4] === HLL_DENSE && v.length !== HLL_DENSE_SIZE) return false;
  return true;
}

/** The cached cardinality, or -1 when stale. */
export function cachedCard(v: Buffer): number | bigint {
  if (v[15]! & 0x80) return -1;
  const n = v.readBigUInt64LE(8);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function setCachedCard(v: Buffer, card: number): void {
  v.writeBigUInt64LE(BigInt(card), 8);
}

/** hllMerge: max[i] = MAX(max[i], register i of the HLL value v); false when v's sparse form is corrupt. */
export function mergeInto(max: Uint8Array, v: Buffer): boolean {
  if (v[4] === HLL_DENSE) {
    let p = HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i += 4, p += 3) {
      const b0 = v[p]!;
      const b1 = v[p + 1]!;
      const b2 = v[p + 2]!;
      const r0 = b0 & 63;
      const r1 = ((b0 >>> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >>> 4) | (b2 << 4)) & 63;
      const r3 = b2 >>> 2;
      if (r0 > max[i]!) max[i] = r0;
      if (r1 > max[i + 1]!) max[i + 1] = r1;
      if (r2 > max[i + 2]!) max[i + 2] = r2;
      if (r3 > max[i + 3]!) max[i + 3] = r3;
    }
    return true;
  }
  return walkSparse(v, v.length, (idx, run, val) => {
    if (val !== 0) for (let i = idx; i < idx + run; i++) if (val > max[i]!) max[i] = val;
  });
}

/** hllDenseCompress: write raw registers into a dense value's register area. */
export function denseFromRaw(v: Buffer, max: Uint8Array): void {
  let p = HLL_HDR_SIZE;
  for (let i = 0; i < HLL_REGISTERS; i += 4, p += 3) {
    const r0 = max[i]!;
    const r1 = max[i + 1]!;
    const r2 = max[i + 2]!;
    const r3 = max[i + 3]!;
    v[p] = (r0 | (r1 << 6)) & 0xff;
    v[p + 1] = ((r1 >>> 2) | (r2 << 4)) & 0xff;
    v[p + 2] = ((r2 >>> 4) | (r3 << 2)) & 0xff;
  }
}

/** Register histogram of an HLL value; null when its sparse form is corrupt. */
function histogram(v: Buffer): Int32Array | null {
  const histo = new Int32Array(64);
  if (v[4] === HLL_DENSE) {
    denseHisto(v, histo);
    return histo;
  }
  const ok = walkSparse(v, v.length, (_idx, run, val) => {
    histo[val]! += run;
  });
  return ok ? histo : null;
}

function rawHistogram(max: Uint8Array): Int32Array {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]! & 63]!++;
  return histo;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** hllCount of an HLL value; -1 when its sparse form is corrupt. */
export function hllCount(v: Buffer): number {
  const h = histogram(v);
  return h === null ? -1 : estimate(h);
}

/** hllCount of raw registers (one byte each). */
export function rawCount(max: Uint8Array): number {
  return estimate(rawHistogram(max));
}

/**
 * Walk a sparse value's opcodes (ZERO, XZERO, VAL) up to `end`, calling visit(first register, run length,
 * value) for each run (value 0 for the zero runs). False when the runs overflow the register count or do not
 * cover it exactly: a corrupt value, as Valkey's sparse readers decide.
 */
function walkSparse(s: Uint8Array, end: number, visit: (idx: number, run: number, val: number) => void): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = s[p]!;
    let run: number;
    let val = 0;
    if ((op & 0xc0) === 0) {
      run = (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      run = (((op & 0x3f) << 8) | (s[p + 1] ?? 0)) + 1;
      p += 2;
    } else {
      run = (op & 3) + 1;
      val = ((op >>> 2) & 0x1f) + 1;
      p++;
    }
    if (idx + run > HLL_REGISTERS) return false;
    visit(idx, run, val);
    idx += run;
  }
  return idx === HLL_REGISTERS;
}

/** PFDEBUG DECODE: the sparse opcodes as text. */
export function decodeSparse(v: Buffer): string {
  const out: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < v.length) {
    const op = v[p]!;
    if ((op & 0xc0) === 0) {
      out.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      out.push(`Z:${(((op & 0x3f) << 8) | (v[p + 1] ?? 0)) + 1}`);
      p += 2;
    } else {
      out.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return out.join(" ");
}
