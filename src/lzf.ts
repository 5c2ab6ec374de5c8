// LZF (liblzf 3.6 as vendored by Valkey 8 / Redis 7: HLOG 16, VERY_FAST, hash table starting empty), the compression of
// RDB strings inside DUMP payloads. Decompression must accept anything Valkey/Redis produce; compression
// follows lzf_compress() step by step so DUMP payloads come out byte-identical to Valkey's.
//
// Format: 000LLLLL + L+1 literal bytes | LLLooooo oooooooo (L = 1..6: back reference of L+2 bytes at offset
// o+1) | 111ooooo LLLLLLLL oooooooo (back reference of L+9 bytes).

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** lzf_decompress into exactly `outLen` bytes; null when the input is corrupt or does not fill `outLen`. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    let ctrl = input[ip++]!;
    if (ctrl < 1 << 5) {
      // literal run
      ctrl++;
      if (op + ctrl > outLen) return null;
      if (ip + ctrl > inEnd) return null;
      out.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      // back reference
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen) return null;
      if (ref < 0) return null;
      // byte by byte: the reference may overlap the bytes being written
      for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : null;
}

/** Made on the first compression (DUMP of a long string): 256 KB zeroed at module load was ~0.8 ms of a Bun start. */
let htab: Int32Array | null = null;

/**
 * lzf_compress with an output limit: the compressed bytes, or null when they would not fit in `outLen`
 * (Valkey then stores the string verbatim).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Buffer | null {
  const inEnd = input.length;
  if (inEnd === 0 || outLen <= 0) return null;
  // slot 0 doubles as "empty": position 0 can never be a reference (ref > in_data)
  if (htab === null) htab = new Int32Array(HSIZE);
  else htab.fill(0);
  const h = htab;
  const out = Buffer.alloc(outLen + 4);
  const outEnd = outLen;
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run
  let hval = (input[0]! << 8) | (input[1] ?? 0);
  const idx = (h: number) => ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]!) >>> 0;
    const slot = idx(hval);
    const ref = h[slot]!;
    h[slot] = ip;
    const off = ip - ref - 1;
    if (ref > 0 && off >= 0 && off < MAX_OFF && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero
      // liblzf's unrolled scan: 16 unbounded steps when maxlen > 16, then the bounded loop. It can run up
      // to 2 bytes past maxlen, which shapes the output, so it is kept as is.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      h[idx(hval)] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      h[idx(hval)] = ip;
      ip++;
    } else {
      // one more literal byte
      if (op >= outEnd) return null;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }
  if (op + 3 > outEnd) return null; // at most 3 bytes can be missing here
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--; // undo run if length is zero
  return out.subarray(0, op);
}
