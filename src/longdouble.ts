// Valkey's INCRBYFLOAT / HINCRBYFLOAT arithmetic: C `long double` on x86-64, i.e. the x87 80-bit format
// (64-bit significand, exponent range 2^-16382..2^16383, denormals down to 2^-16445), parsed with
// strtold, added with round-to-nearest-even, printed with "%.17Lf" and trailing zeros trimmed.
// Plain doubles give different answers (0.1 + 0.2 prints "0.3" in Valkey, 1e308 * 2 does not overflow),
// so values are kept exact as sign * m * 2^e with a BigInt significand and rounded as the FPU would.

export interface LongDouble {
  neg: boolean;
  /** Significand, at most 64 bits; 0n for zero. Ignored when `inf`. */
  m: bigint;
  e: number;
  inf: boolean;
}

const EMAX = 16383;
const EMIN = -16382;
/** Exponent of the least significant bit of the smallest denormal. */
const ETINY = EMIN - 63;
/** Valkey's MAX_LONG_DOUBLE_CHARS: longer inputs are refused. */
const MAX_CHARS = 5 * 1024;

const zero = (neg: boolean): LongDouble => ({ neg, m: 0n, e: 0, inf: false });
const infinity = (neg: boolean): LongDouble => ({ neg, m: 0n, e: 0, inf: true });

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Round (q + frac) * 2^exp to the format, frac in [0, 1) and nonzero iff `sticky`. */
function round(neg: boolean, q: bigint, exp: number, sticky: boolean): LongDouble {
  if (q === 0n) return zero(neg);
  let len = bitLength(q);
  const top = exp + len - 1;
  const drop = top < EMIN ? ETINY - exp : len - 64;
  if (drop > 0) {
    if (drop > len + 1) return zero(neg);
    const d = BigInt(drop);
    let keep = q >> d;
    const rem = q & ((1n << d) - 1n);
    const half = 1n << (d - 1n);
    if (rem > half || (rem === half && (sticky || (keep & 1n) === 1n))) keep += 1n;
    q = keep;
    exp += drop;
    len = bitLength(q);
    if (len > 64) {
      q >>= 1n;
      exp += 1;
      len--;
    }
    if (q === 0n) return zero(neg);
  }
  if (exp + len - 1 > EMAX) return infinity(neg);
  return { neg, m: q, e: exp, inf: false };
}

/** Round the positive rational n / d (times the sign) to the format. */
function roundRational(neg: boolean, n: bigint, d: bigint): LongDouble {
  const shift = 66 + bitLength(d) - bitLength(n);
  let q: bigint;
  let r: bigint;
  if (shift >= 0) {
    const num = n << BigInt(shift);
    q = num / d;
    r = num % d;
  } else {
    const den = d << BigInt(-shift);
    q = n / den;
    r = n % den;
  }
  return round(neg, q, -shift, r !== 0n);
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const DEC = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * Valkey's string2ld: strtold over the whole string, refusing leading spaces, NaN, overflow and
 * underflow to zero. Infinity is accepted (callers decide). Returns null when the text is not a float.
 */
export function parseLongDouble(b: Buffer | string): LongDouble | null {
  const s = typeof b === "string" ? b : b.toString("latin1");
  if (s.length === 0 || s.length >= MAX_CHARS || isSpace(s.charCodeAt(0))) return null;
  let i = 0;
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    i = 1;
  }
  const body = s.slice(i);
  const lower = body.toLowerCase();
  if (lower === "inf" || lower === "infinity") return infinity(neg);
  let hm: RegExpExecArray | null;
  if ((lower.startsWith("0x") && (hm = HEX.exec(body)) !== null)) {
    const intDigits = hm[1]!;
    const fracDigits = hm[2] ?? "";
    if (intDigits.length + fracDigits.length === 0) return null;
    const mant = BigInt("0x0" + intDigits + fracDigits);
    const pexp = clampExp(hm[3]) - 4 * fracDigits.length;
    if (mant === 0n) return zero(neg);
    if (pexp > 20000) return null;
    if (pexp + bitLength(mant) < ETINY - 2) return null;
    const v = round(neg, mant, pexp, false);
    return v.inf || v.m === 0n ? null : v;
  }
  const m = DEC.exec(body);
  if (m === null) return null;
  const intDigits = m[1]!;
  const fracDigits = m[2] ?? "";
  if (intDigits.length + fracDigits.length === 0) return null;
  const digits = (intDigits + fracDigits).replace(/^0+/, "");
  if (digits.length === 0) return zero(neg);
  const k = clampExp(m[3]) - fracDigits.length;
  const magnitude = digits.length + k; // value is in [10^(magnitude-1), 10^magnitude)
  if (magnitude > 4934) return null;
  if (magnitude < -4952) return null;
  const D = BigInt(digits);
  const v = k >= 0 ? round(neg, D * 10n ** BigInt(k), 0, false) : roundRational(neg, D, 10n ** BigInt(-k));
  return v.inf || v.m === 0n ? null : v;
}

function clampExp(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  return Math.max(-1e6, Math.min(1e6, n));
}

/** a + b, rounded to nearest even. Infinite operands give an infinite result (NaN is not representable). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return infinity(a.inf ? a.neg : b.neg);
  if (a.m === 0n) return b.m === 0n ? zero(a.neg && b.neg) : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const A = a.m << BigInt(a.e - e);
  const B = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -A : A) + (b.neg ? -B : B);
  if (sum === 0n) return zero(false);
  return sum < 0n ? round(true, -sum, e, false) : round(false, sum, e, false);
}

const P17 = 10n ** 17n;

/** "%.17Lf" with trailing zeros (and a trailing '.') removed; "-0" becomes "0" (Valkey's LD_STR_HUMAN). */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.inf) return v.neg ? "-inf" : "inf";
  let scaled: bigint;
  if (v.e >= 0) scaled = (v.m << BigInt(v.e)) * P17;
  else {
    const num = v.m * P17;
    const sh = BigInt(-v.e);
    scaled = num >> sh;
    const rem = num - (scaled << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (scaled & 1n) === 1n)) scaled += 1n;
  }
  const int = (scaled / P17).toString();
  const frac = (scaled % P17).toString().padStart(17, "0").replace(/0+$/, "");
  const out = (v.neg ? "-" : "") + int + (frac.length > 0 ? "." + frac : "");
  return out === "-0" ? "0" : out;
}
