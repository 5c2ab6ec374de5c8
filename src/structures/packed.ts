// Helpers for values packed into one latin1 string (listpack-like small values, quicklist chunks): lengths as
// little-endian base-128 varints of latin1 chars (chars stay < 256, so the string keeps one byte per char).
// Hand-written scanning: these run on every access to a small value.

const CHARS: string[] = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

/** The varint chars of a length, first char = lowest 7 bits. */
export function lenChars(n: number): string {
  if (n < 128) return CHARS[n]!;
  let out = "";
  while (n >= 128) {
    out += String.fromCharCode(128 | n % 128);
    n = Math.floor(n / 128);
  }
  return out + CHARS[n]!;
}

/** lenChars(n) written as bytes into b at p; returns the position after it. */
export function writeLen(b: Uint8Array, p: number, n: number): number {
  while (n >= 128) {
    b[p++] = 128 | n % 128;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}

/** Set by readLen / readLenBack: the position after (before) the length just read. */
export let next = 0;

/** The length whose varint starts at p; `next` is set to the position after it. */
export function readLen(s: string, p: number): number {
  let c = s.charCodeAt(p++);
  if (c < 128) {
    next = p;
    return c;
  }
  let n = c - 128;
  let mul = 128;
  while ((c = s.charCodeAt(p++)) >= 128) {
    n += (c - 128) * mul;
    mul *= 128;
  }
  next = p;
  return n + c * mul;
}

/** The length whose reversed varint ends just before p; `next` is set to where that varint starts. */
export function readLenBack(s: string, p: number): number {
  let c = s.charCodeAt(--p);
  if (c < 128) {
    next = p;
    return c;
  }
  let n = c - 128;
  let mul = 128;
  while ((c = s.charCodeAt(--p)) >= 128) {
    n += (c - 128) * mul;
    mul *= 128;
  }
  next = p;
  return n + c * mul;
}

// Concatenation by join: both runtimes return one flat string. `a + b` leaves a rope/cons cell behind, which
// JSC keeps at ~4x the packed size even once resolved (a 4-element list: 210 vs 48 bytes).
const J2: string[] = ["", ""];
const J3: string[] = ["", "", ""];
const J4: string[] = ["", "", "", ""];
const J5: string[] = ["", "", "", "", ""];

export function cat2(a: string, b: string): string {
  J2[0] = a;
  J2[1] = b;
  const s = J2.join("");
  J2[0] = J2[1] = "";
  return s;
}

export function cat3(a: string, b: string, c: string): string {
  J3[0] = a;
  J3[1] = b;
  J3[2] = c;
  const s = J3.join("");
  J3[0] = J3[1] = J3[2] = "";
  return s;
}

export function cat4(a: string, b: string, c: string, d: string): string {
  J4[0] = a;
  J4[1] = b;
  J4[2] = c;
  J4[3] = d;
  const s = J4.join("");
  J4[0] = J4[1] = J4[2] = J4[3] = "";
  return s;
}

export function cat5(a: string, b: string, c: string, d: string, e: string): string {
  J5[0] = a;
  J5[1] = b;
  J5[2] = c;
  J5[3] = d;
  J5[4] = e;
  const s = J5.join("");
  J5[0] = J5[1] = J5[2] = J5[3] = J5[4] = "";
  return s;
}

/** The reversed varint of a length (read backwards from the end of an entry). */
export function backLenChars(h: string): string {
  return h.length === 1 ? h : [...h].reverse().join("");
}

/**
 * Position of entry i of packed string s (`count` entries), walking from the nearest of its two ends and of
 * entry `ci` at position `cp` (ci -1: none), so that reading entries in order is linear.
 */
export function seek(s: string, count: number, i: number, ci: number, cp: number): number {
  let k = 0;
  let p = 0;
  let d = i;
  if (count - i < d) {
    k = count;
    p = s.length;
    d = count - i;
  }
  if (ci >= 0 && (ci > i ? ci - i : i - ci) < d) {
    k = ci;
    p = cp;
  }
  for (; k < i; k++) p = after(s, p);
  for (; k > i; k--) p = before(s, p);
  return p;
}

/** `count` entries of packed string s from position p, each handed over as its bounds in s. */
export function eachEntry(s: string, p: number, count: number, fn: (s: string, start: number, end: number) => void): void {
  for (let t = 0; t < count; t++) {
    const len = readLen(s, p);
    const v = next;
    fn(s, v, v + len);
    p = v + len + (v - p);
  }
}

/** Position of the entry after the one at p. */
export function after(s: string, p: number): number {
  const n = readLen(s, p);
  return next + n + (next - p);
}

/** Position of the entry before the one at p. */
export function before(s: string, p: number): number {
  const n = readLenBack(s, p);
  return next - n - (p - next);
}
