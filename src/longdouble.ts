// INCRBYFLOAT computes in C `long double` (x87 80-bit extended on x86-64: 64-bit mantissa, 15-bit exponent),
// parses with strtold and prints with "%.17Lf" minus trailing zeros. A JS double gives different digits
// ("1.1" + "2.2" is "3.3" in Valkey, 3.3000000000000003 in doubles), so this file emulates that arithmetic
// exactly with BigInt: correctly rounded parsing, one correctly rounded addition, exact decimal printing.

/** A finite extended value `(-1)^neg * m * 2^e` (m < 2^64), or an infinity. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  inf: boolean;
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Exponent of the least significant mantissa bit for the smallest (denormal) values: 2^-16445. */
const EMIN = -16445;
/** Largest `e` of a finite value: (2^64-1) * 2^16320 < 2^16384. */
const EMAX = 16320;
/** Valkey's MAX_LONG_DOUBLE_CHARS: longer inputs are refused. */
const MAX_CHARS = 5 * 1024;
const TEN17 = 10n ** 17n;

const ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + 32 - Math.clz32(Number.parseInt(hex[0]!, 16));
}

/** Round `num / den * 2^bexp` (num >= 0, den > 0) to the nearest extended value, ties to even. */
function roundScaled(neg: boolean, num: bigint, den: bigint, bexp: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0, inf: false };
  let k = 64 - (bitLength(num) - bitLength(den));
  let e = bexp - k;
  let denormal = false;
  if (e < EMIN) {
    k = bexp - EMIN;
    e = EMIN;
    denormal = true;
  }
  let q: bigint;
  let r: bigint;
  let d: bigint;
  for (;;) {
    const n = k >= 0 ? num << BigInt(k) : num;
    d = k >= 0 ? den : den << BigInt(-k);
    q = n / d;
    r = n - q * d;
    if (q < TWO64 || denormal) break;
    k--;
    e++;
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) {
    q = TWO63;
    e++;
  }
  if (e > EMAX) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m: q, e, inf: false };
}

const DEC_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

function clampExp(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  return n > 1e7 ? 1e7 : n < -1e7 ? -1e7 : n;
}

/**
 * Valkey's string2ld: strtold over the whole argument; refuses empty or too long input, leading space,
 * trailing garbage, NaN, and overflow or underflow to zero. Returns null when refused.
 */
export function parseLongDouble(b: Buffer | string): LongDouble | null {
  if (b.length === 0 || b.length >= MAX_CHARS) return null;
  const s = typeof b === "string" ? b : b.toString("latin1");
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let m = DEC_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === "-";
    const intDigits = m[2] ?? "";
    const fracDigits = m[3] ?? m[4] ?? "";
    const digits = (intDigits + fracDigits).replace(/^0+/, "");
    if (digits.length === 0) return { neg, m: 0n, e: 0, inf: false };
    const x = clampExp(m[5]) - fracDigits.length;
    const mag = x + digits.length; // value is in [10^(mag-1), 10^mag)
    if (mag > 4934) return null; // above LDBL_MAX (~1.19e4932): overflow
    if (mag < -4955) return null; // below half the smallest denormal (~3.6e-4951): underflow to zero
    const d = BigInt(digits);
    const v = x >= 0 ? roundScaled(neg, d * 10n ** BigInt(x), 1n, 0) : roundScaled(neg, d, 10n ** BigInt(-x), 0);
    return v.inf || v.m === 0n ? null : v;
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === "-";
    const intDigits = m[2] ?? "";
    const fracDigits = m[3] ?? m[4] ?? "";
    const digits = (intDigits + fracDigits).replace(/^0+/, "");
    if (digits.length === 0) return { neg, m: 0n, e: 0, inf: false };
    const p = clampExp(m[5]) - 4 * fracDigits.length;
    const mag = p + digits.length * 4;
    if (mag > 16400) return null;
    if (mag < -16460) return null;
    const v = roundScaled(neg, BigInt("0x" + digits), 1n, p);
    return v.inf || v.m === 0n ? null : v;
  }
  m = INF_RE.exec(s);
  if (m !== null) return { neg: m[1] === "-", m: 0n, e: 0, inf: true };
  return null;
}

/** a + b rounded to extended precision. Any infinite operand gives an infinity (or NaN: the caller refuses both). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return { neg: false, m: 0n, e: 0, inf: true };
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0, inf: false } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const av = a.m << BigInt(a.e - e);
  const bv = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -av : av) + (b.neg ? -bv : bv);
  if (sum === 0n) return ZERO;
  return sum < 0n ? roundScaled(true, -sum, 1n, e) : roundScaled(false, sum, 1n, e);
}

/** Valkey's ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and point trimmed, "-0" printed as "0". */
export function formatLongDouble(v: LongDouble): string {
  if (v.inf) return v.neg ? "-inf" : "inf";
  let s: string;
  if (v.e >= 0) s = (v.m << BigInt(v.e)).toString();
  else {
    const n = v.m * TEN17;
    const sh = BigInt(-v.e);
    let q = n >> sh;
    const r = n - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
    const digits = q.toString().padStart(18, "0");
    const int = digits.slice(0, digits.length - 17);
    const frac = digits.slice(digits.length - 17).replace(/0+$/, "");
    s = frac.length > 0 ? int + "." + frac : int;
  }
  if (v.neg && s !== "0") s = "-" + s;
  return s;
}
