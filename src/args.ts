// Argument parsing with Valkey's rules and error texts. Keys/fields/members are latin1 strings (a bijection
// for bytes 0..255), values stay Buffers.

import { E, ReplyError } from "./errors.js";

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** Binary-safe bytes -> JS string (latin1). */
export const str: (b: Buffer) => string = typeof (globalThis as { Bun?: unknown }).Bun === "undefined" ? strShort : strNative;

function strNative(b: Buffer): string {
  return latin1(b, 0, b.length);
}

/** b[start, end) as latin1: Buffer's native latin1Slice without toString's encoding dispatch (~15 ns less on Node). */
export function latin1(b: Buffer, start: number, end: number): string {
  return (b as unknown as Latin1Slicer).latin1Slice(start, end);
}

const fc = String.fromCharCode;

/**
 * Node: a short key through String.fromCharCode with one argument per byte (a flat one-byte string, the same as
 * latin1 for 0..255) costs ~27 ns less than the native latin1Slice call (measured with a Map lookup of the result
 * for 6-, 16- and 20-byte keys: 40 vs 67 ns). Written out per length because spreading or apply() is slower and
 * concatenating pieces would make a cons string that the Map lookup must flatten. On Bun latin1Slice is faster.
 */
function strShort(b: Buffer): string {
  switch (b.length) {
    case 0:
      return "";
    case 1:
      return fc(b[0]!);
    case 2:
      return fc(b[0]!, b[1]!);
    case 3:
      return fc(b[0]!, b[1]!, b[2]!);
    case 4:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!);
    case 5:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!);
    case 6:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!);
    case 7:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!);
    case 8:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!);
    case 9:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!);
    case 10:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!);
    case 11:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!);
    case 12:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!);
    case 13:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!);
    case 14:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!);
    case 15:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!);
    case 16:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!);
    case 17:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!);
    case 18:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!);
    case 19:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!);
    case 20:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!);
    case 21:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!);
    case 22:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!);
    case 23:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!);
    case 24:
      return fc(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!, b[8]!, b[9]!, b[10]!, b[11]!, b[12]!, b[13]!, b[14]!, b[15]!, b[16]!, b[17]!, b[18]!, b[19]!, b[20]!, b[21]!, b[22]!, b[23]!);
    default:
      return strNative(b);
  }
}
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * A stored value's own copy of an argument (argv may point into the socket's read chunk). Hot path (SET, MSET):
 * allocUnsafe (pooled) plus a byte loop for short values skips Buffer.from's generic dispatch, about half the
 * cost of a short value's copy on Node.
 */
export function copyBytes(b: Buffer): Buffer {
  const n = b.length;
  const out = Buffer.allocUnsafe(n);
  if (n <= 16) for (let i = 0; i < n; i++) out[i] = b[i]!;
  else out.set(b);
  return out;
}

/** ASCII-lowercased token for option matching. */
export function token(b: Buffer): string {
  return b.toString("latin1").toLowerCase();
}

/**
 * Valkey's string2ll: optional '-', digits, no '+', no spaces, no leading zeros, within int64.
 * Returns a bigint, or null when the text is not such an integer.
 */
export function parseI64Big(b: Buffer | string): bigint | null {
  const s = typeof b === "string" ? b : b.toString("latin1");
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  if (s.charCodeAt(i) === 48) return n === 1 ? 0n : null;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  if (v < I64_MIN || v > I64_MAX) return null;
  return v;
}

/** Fast path for the common case: an int64 as a JS number (exact below 2^53), or null. */
export function parseI64(b: Buffer | string): number | null {
  if (typeof b === "string") b = Buffer.from(b, "latin1");
  const n = b.length;
  if (n === 0 || n > 20) return null;
  if (n > 15) {
    const big = parseI64Big(b);
    return big === null ? null : Number(big);
  }
  // at most 15 chars: always exact in a double
  let i = 0;
  let neg = false;
  if (b[0] === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  if (b[i] === 48) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Integer argument or `ERR value is not an integer or out of range`. */
export function int(b: Buffer): number {
  const v = parseI64(b);
  if (v === null) throw E.notInteger;
  return v;
}

/** Integer argument that must fit in int64 exactly (INCRBY family, BITFIELD). */
export function bigint(b: Buffer): bigint {
  const v = parseI64Big(b);
  if (v === null) throw E.notInteger;
  return v;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;

/**
 * strtod-like double parsing as Valkey accepts it (getDoubleFromObject): decimal and hex forms, inf/infinity;
 * NaN, spaces, and values strtod flags as out of range (overflow, or underflow to zero) are refused.
 */
export function parseFloatStrict(b: Buffer | string): number | null {
  const s = typeof b === "string" ? b : b.toString("latin1");
  if (s.length === 0 || s.length > 5000) return null;
  if (FLOAT_RE.test(s)) {
    const v = Number(s);
    if (v === Infinity || v === -Infinity) return null;
    if (v === 0 && /[1-9]/.test(s.split(/[eE]/)[0]!)) return null;
    return v;
  }
  const l = s.toLowerCase();
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  const h = HEX_FLOAT_RE.exec(s);
  if (h) {
    const digits = (h[2] ?? "") + (h[3] ?? h[4] ?? "");
    const fracLen = (h[3] ?? h[4] ?? "").length;
    let m = 0;
    for (const ch of digits) m = m * 16 + parseInt(ch, 16);
    const e = Number(h[5] ?? 0) - 4 * fracLen;
    const half = Math.trunc(e / 2);
    const v = m === 0 ? 0 : m * 2 ** half * 2 ** (e - half);
    if (v === Infinity || (v === 0 && m !== 0)) return null;
    return h[1] === "-" ? -v : v;
  }
  return null;
}

/** Double argument or `ERR value is not a valid float`. */
export function float(b: Buffer): number {
  const v = parseFloatStrict(b);
  if (v === null) throw E.notFloat;
  return v;
}

/** A cursor over argv for option grammars: `const a = new Args(argv, 2); while (a.more()) ...`. */
export class Args {
  constructor(
    readonly argv: Buffer[],
    public i = 1,
  ) {}
  more(): boolean {
    return this.i < this.argv.length;
  }
  remaining(): number {
    return this.argv.length - this.i;
  }
  peekToken(): string {
    return token(this.argv[this.i]!);
  }
  /** Next argument or syntax error when missing. */
  bytes(): Buffer {
    if (this.i >= this.argv.length) throw E.syntax;
    return this.argv[this.i++]!;
  }
  key(): string {
    return str(this.bytes());
  }
  token(): string {
    return token(this.bytes());
  }
  int(): number {
    return int(this.bytes());
  }
  float(): number {
    return float(this.bytes());
  }
  end(): void {
    if (this.i < this.argv.length) throw E.syntax;
  }
}

export function err(text: string): ReplyError {
  return new ReplyError(text);
}

/** LONG_MAX as Valkey's range checks spell it; -LONG_MAX is the usual lower bound for signed counts. */
export const LONG_MAX = I64_MAX;

/**
 * Valkey's getRangeLongFromObjectOrReply: an int64 within [min, max]. With `msg` that one error text is used for
 * both a non-integer and an out-of-range value (as Valkey does); without it the two standard texts.
 */
export function rangeInt(b: Buffer, min: bigint, max: bigint, msg?: string): number {
  const v = parseI64Big(b);
  if (v === null) throw msg === undefined ? E.notInteger : new ReplyError(msg);
  if (v < min || v > max) throw new ReplyError(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
  return Number(v);
}

/** Valkey's getPositiveLongFromObjectOrReply: 0..LONG_MAX, default text "value is out of range, must be positive". */
export function positiveInt(b: Buffer, msg = "ERR value is out of range, must be positive"): number {
  return rangeInt(b, 0n, I64_MAX, msg);
}
