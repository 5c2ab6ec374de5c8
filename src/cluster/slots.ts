// Key -> hash slot (CRC16-XMODEM of the key or of its {hash tag}, mod 16384), and the even slot split that
// `redis-cli --cluster create` gives N primaries. Pure functions: the gate runs keySlot on every keyed command.

export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC16-XMODEM (Valkey's crc16.c) of bytes [start, end). */
export function crc16(b: Uint8Array, start = 0, end = b.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

/** Valkey's keyHashSlot: hash only what is between the first '{' and the next '}' when that is non-empty. */
export function keySlot(key: Uint8Array): number {
  const n = key.length;
  let s = 0;
  while (s < n && key[s] !== 123) s++;
  if (s === n) return crc16(key, 0, n) & 0x3fff;
  let e = s + 1;
  while (e < n && key[e] !== 125) e++;
  if (e === n || e === s + 1) return crc16(key, 0, n) & 0x3fff;
  return crc16(key, s + 1, e) & 0x3fff;
}

/** keySlot of a latin1 key string (the store's key form), without copying it to bytes (runs per new key). */
export function keySlotOf(key: string): number {
  const n = key.length;
  let start = 0;
  let end = n;
  const s = key.indexOf("{");
  if (s !== -1) {
    const e = key.indexOf("}", s + 1);
    if (e !== -1 && e !== s + 1) {
      start = s + 1;
      end = e;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ key.charCodeAt(i)) & 0xff]!;
  return crc & 0x3fff;
}

/**
 * Valkey's patternHashSlot (SORT BY/GET in cluster mode): the slot every key a pattern can form hashes to,
 * or -1 when the pattern may form keys in different slots.
 */
export function patternSlot(p: Uint8Array): number {
  let s = -1;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === 42 || ch === 63 || ch === 91 || ch === 92) return -1; // * ? [ \
    if (s === -1 && ch === 123) s = i;
    else if (s >= 0 && ch === 125 && i === s + 1) s = -2;
    else if (s >= 0 && ch === 125) return crc16(p, s + 1, i) & 0x3fff;
  }
  return crc16(p) & 0x3fff;
}

/** SORT BY/GET in cluster mode: every key the pattern can form is in the sorted key's slot. */
export function patternInKeySlot(pattern: Uint8Array, key: Uint8Array): boolean {
  return patternSlot(pattern) === keySlot(key);
}

/** redis-cli's clusterManagerAllocSlots: N primaries get [first, last] ranges (float32 arithmetic, lround). */
export function splitSlots(n: number): Array<[number, number]> {
  const per = Math.fround(SLOTS / n);
  const out: Array<[number, number]> = [];
  let first = 0;
  let cursor = Math.fround(0);
  for (let i = 0; i < n; i++) {
    const x = Math.fround(cursor + per - 1);
    let last = Math.round(x); // x > 0: Math.round is lround

    if (last > SLOTS || i === n - 1) last = SLOTS - 1;
    if (last < first) last = first;
    out.push([first, last]);
    first = last + 1;
    cursor = Math.fround(cursor + per);
  }
  return out;
}

/** Contiguous runs of slots [start, end] from a sorted list. */
export function slotRanges(slots: Iterable<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of slots) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}
