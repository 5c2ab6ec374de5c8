// DUMP / RESTORE payloads in Valkey's real format: one RDB-encoded value (type byte + value), then the RDB
// version as 2 bytes little-endian, then CRC64 (Jones polynomial, as Redis/Valkey crc64.c) of everything
// before it, 8 bytes little-endian. Strings are built in; every other type registers its RDB codec here
// from its family file (registerDump / registerRestore), using RdbWriter / RdbReader for the primitives.

import { parseI64Big } from "./args.js";
import { lzfCompress, lzfDecompress } from "./lzf.js";
import type { Entry, ValueType } from "./store.js";

/** Valkey 8's RDB version (Redis 7.2 too); payloads up to this version are accepted (Redis 7.0 writes 10). */
export const RDB_VERSION = 11;

/** RDB object type bytes. */
export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

// ---------------------------------------------------------------------------------------------------------
// CRC64 Jones (reflected, polynomial 0xad93d23594c935a9, init 0, no final xor): crc64("123456789") is
// 0xe9c6d914c4b8d9ca. Table-driven on two 32-bit halves to stay out of BigInt on the byte loop.

const CRC_LO = new Uint32Array(256);
const CRC_HI = new Uint32Array(256);
let crcReady = false;

/** The tables, made on the first DUMP or RESTORE: 2048 BigInt steps are ~0.5 ms of a Bun start otherwise. */
function crcTables(): void {
  const poly = 0x95ac9329ac4bc9b5n; // bit-reversed 0xad93d23594c935a9
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    CRC_LO[i] = Number(c & 0xffffffffn);
    CRC_HI[i] = Number(c >> 32n);
  }
  crcReady = true;
}

/** CRC64 of `data`, continuing from `crc` (0 to start). */
export function crc64(crc: bigint, data: Uint8Array): bigint {
  if (!crcReady) crcTables();
  let lo = Number(crc & 0xffffffffn) >>> 0;
  let hi = Number((crc >> 32n) & 0xffffffffn) >>> 0;
  for (let i = 0; i < data.length; i++) {
    const t = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ CRC_LO[t]!;
    hi = (hi >>> 8) ^ CRC_HI[t]!;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

// ---------------------------------------------------------------------------------------------------------
// RDB primitives

const RDB_6BITLEN = 0;
const RDB_14BITLEN = 1;
const RDB_32BITLEN = 0x80;
const RDB_64BITLEN = 0x81;
const RDB_ENCVAL = 3;
const RDB_ENC_INT8 = 0;
const RDB_ENC_INT16 = 1;
const RDB_ENC_INT32 = 2;
const RDB_ENC_LZF = 3;

/** A payload that cannot be decoded (RESTORE replies "ERR Bad data format"). */
export class RdbFormatError extends Error {}

function bad(what: string): never {
  throw new RdbFormatError(what);
}

/** Canonical int64 text (as Valkey's ll2string round trip) of at most `maxLen` bytes, or null. */
function canonicalInt(s: Uint8Array, maxLen: number): number | null {
  const n = s.length;
  if (n === 0 || n > maxLen) return null;
  let i = 0;
  const neg = s[0] === 45;
  if (neg) {
    if (n === 1) return null;
    i = 1;
  }
  if (s[i] === 48) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const d = s[i]! - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Builds an RDB value (rio buffer). */
export class RdbWriter {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;

  constructor(
    /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves space. */
    readonly compress = true,
  ) {}

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(4096, n));
    this.pos = 0;
  }

  byte(b: number): void {
    this.room(1);
    this.cur[this.pos++] = b;
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.cur.set(b, this.pos);
    this.pos += b.length;
  }

  /** rdbSaveLen */
  len(n: number): void {
    if (n < 1 << 6) this.byte((RDB_6BITLEN << 6) | n);
    else if (n < 1 << 14) {
      this.byte((RDB_14BITLEN << 6) | (n >> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.room(5);
      this.cur[this.pos++] = RDB_32BITLEN;
      this.cur.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.room(9);
      this.cur[this.pos++] = RDB_64BITLEN;
      this.cur.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveLen of an unsigned 64-bit value (stream IDs and counters; a bigint beyond 2^53). */
  lenU64(v: number | bigint): void {
    if (typeof v === "number") return this.len(v);
    if (v <= 0xffffffffn) return this.len(Number(v));
    this.room(9);
    this.cur[this.pos++] = RDB_64BITLEN;
    this.cur.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** rdbEncodeInteger: true when `v` fits an 8/16/32-bit integer encoding (and was written). */
  private tryInt(v: number): boolean {
    this.room(5);
    const c = this.cur;
    if (v >= -128 && v <= 127) {
      c[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      c.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      c[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      c.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      c[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      c.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else return false;
    return true;
  }

  /** rdbSaveRawString: integer encoding for short canonical integers, LZF when it pays, else verbatim. */
  string(s: Uint8Array): void {
    if (s.length <= 11) {
      const v = canonicalInt(s, 11);
      if (v !== null && this.tryInt(v)) return;
    }
    if (this.compress && s.length > 20) {
      const c = lzfCompress(s, s.length - 4);
      if (c !== null) {
        this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
        this.len(c.length);
        this.len(s.length);
        this.raw(c);
        return;
      }
    }
    this.len(s.length);
    this.raw(s);
  }

  /** rdbSaveLongLongAsStringObject */
  integerString(v: number | bigint): void {
    if (typeof v === "number" && this.tryInt(v)) return;
    const s = Buffer.from(String(v), "latin1");
    this.len(s.length);
    this.raw(s);
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754, little-endian. */
  binaryDouble(d: number): void {
    this.room(8);
    this.cur.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** rdbSaveMillisecondTime / 64-bit little-endian integers (stream metadata). */
  int64LE(v: bigint): void {
    this.room(8);
    this.cur.writeBigInt64LE(v, this.pos);
    this.pos += 8;
  }

  finish(): Buffer {
    this.chunks.push(this.cur.subarray(0, this.pos));
    const out = Buffer.concat(this.chunks);
    this.chunks = [];
    this.cur = Buffer.allocUnsafe(0);
    this.pos = 0;
    return out;
  }
}

/** Reads an RDB value; every read past the end or malformed field throws RdbFormatError. */
export class RdbReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) bad("unexpected end of payload");
    return this.buf[this.pos++]!;
  }

  raw(n: number): Buffer {
    if (n > this.buf.length - this.pos) bad("unexpected end of payload");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** rdbLoadLen with the "encoded" flag. */
  lenEnc(): { len: number; encoded: boolean } {
    const b0 = this.byte();
    const type = (b0 & 0xc0) >> 6;
    if (type === RDB_ENCVAL) return { len: b0 & 0x3f, encoded: true };
    if (type === RDB_6BITLEN) return { len: b0 & 0x3f, encoded: false };
    if (type === RDB_14BITLEN) return { len: ((b0 & 0x3f) << 8) | this.byte(), encoded: false };
    if (b0 === RDB_32BITLEN) return { len: this.raw(4).readUInt32BE(0), encoded: false };
    if (b0 === RDB_64BITLEN) {
      const v = this.raw(8).readBigUInt64BE(0);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad("length too large");
      return { len: Number(v), encoded: false };
    }
    return bad(`unknown length encoding ${b0}`);
  }

  /** rdbLoadLen of an unsigned 64-bit value: a number when it is a safe integer, else a bigint. */
  lenU64(): number | bigint {
    const b0 = this.buf[this.pos];
    if (b0 !== RDB_64BITLEN) return this.len();
    this.pos++;
    const v = this.raw(8).readBigUInt64BE(0);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** rdbLoadLen (no encoded values allowed). */
  len(): number {
    const { len, encoded } = this.lenEnc();
    if (encoded) bad("unexpected encoded length");
    return len;
  }

  /** rdbGenericLoadStringObject: raw, integer-encoded or LZF-compressed string, as bytes. */
  string(): Buffer {
    const { len, encoded } = this.lenEnc();
    if (!encoded) return Buffer.from(this.raw(len));
    switch (len) {
      case RDB_ENC_INT8:
        return Buffer.from(String(this.raw(1).readInt8(0)), "latin1");
      case RDB_ENC_INT16:
        return Buffer.from(String(this.raw(2).readInt16LE(0)), "latin1");
      case RDB_ENC_INT32:
        return Buffer.from(String(this.raw(4).readInt32LE(0)), "latin1");
      case RDB_ENC_LZF: {
        const clen = this.len();
        const ulen = this.len();
        const out = lzfDecompress(this.raw(clen), ulen);
        if (out === null) bad("invalid LZF compressed string");
        return out;
      }
      default:
        return bad(`unknown string encoding ${len}`);
    }
  }

  /** rdbLoadBinaryDoubleValue */
  binaryDouble(): number {
    return this.raw(8).readDoubleLE(0);
  }

  /** rdbLoadDoubleValue (old ZSET type): length byte, 253 nan, 254 +inf, 255 -inf, else ASCII. */
  asciiDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const v = Number(this.raw(n).toString("latin1"));
    if (Number.isNaN(v)) bad("invalid double");
    return v;
  }

  int64LE(): bigint {
    return this.raw(8).readBigInt64LE(0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Listpack and intset blobs (stored as one RDB string): the small encodings Valkey 8 writes for hashes
// (HASH_LISTPACK: field, value, ...), sorted sets (ZSET_LISTPACK: member, score, ... with scores as
// strings), sets (SET_LISTPACK, SET_INTSET) and list nodes (LIST_QUICKLIST_2: node count, then per node
// container 2 = packed + listpack). Decoding returns every element as bytes (integers as decimal text).

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;

/** Bytes of a listpack back-length field for an entry of `l` bytes (lpEncodeBacklen). */
function lpBacklenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/**
 * Bytes one listpack entry takes, back-length included: the size model of the encodings listpackEncode writes,
 * used by lists and streams to decide where a node ends. Integers (a canonical int64) take 7- to 64-bit forms.
 */
export function lpIntEntryBytes(v: number | bigint): number {
  if (typeof v === "bigint") return v >= -2147483648n && v <= 2147483647n ? lpIntEntryBytes(Number(v)) : 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes of a listpack string entry of `n` bytes: a 1-, 2- or 5-byte header, the bytes, the back-length. */
export function lpStrEntryBytes(n: number): number {
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + lpBacklenSize(enc);
}

function lpWriteBacklen(out: number[], l: number): void {
  const n = lpBacklenSize(l);
  if (n === 1) out.push(l);
  else {
    // most significant 7-bit group first; every byte but the first has bit 7 set
    for (let i = n - 1; i >= 0; i--) {
      const group = Math.floor(l / 2 ** (7 * i)) & 127;
      out.push(i === n - 1 ? group : group | 128);
    }
  }
}

/** The listpack blob Valkey builds by appending `items` in order. */
export function listpackEncode(items: Iterable<Uint8Array | string>): Buffer {
  const body: number[] = [];
  let count = 0;
  for (const it of items) {
    const b = typeof it === "string" ? Buffer.from(it, "latin1") : it;
    const start = body.length;
    const v = b.length <= 20 ? parseI64Big(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) : null;
    if (v !== null) {
      if (v >= 0n && v <= 127n) body.push(Number(v));
      else if (v >= -4096n && v <= 4095n) {
        const u = Number(v < 0n ? (1n << 13n) + v : v);
        body.push((u >> 8) | 0xc0, u & 0xff);
      } else {
        const width = v >= -32768n && v <= 32767n ? 2 : v >= -8388608n && v <= 8388607n ? 3 : v >= -2147483648n && v <= 2147483647n ? 4 : 8;
        body.push(width === 2 ? 0xf1 : width === 3 ? 0xf2 : width === 4 ? 0xf3 : 0xf4);
        let u = BigInt.asUintN(width * 8, v);
        for (let i = 0; i < width; i++, u >>= 8n) body.push(Number(u & 0xffn));
      }
    } else if (b.length < 64) {
      body.push(0x80 | b.length);
      for (let i = 0; i < b.length; i++) body.push(b[i]!);
    } else if (b.length < 4096) {
      body.push(0xe0 | (b.length >> 8), b.length & 0xff);
      for (let i = 0; i < b.length; i++) body.push(b[i]!);
    } else {
      body.push(0xf0, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, (b.length >>> 24) & 0xff);
      for (let i = 0; i < b.length; i++) body.push(b[i]!);
    }
    lpWriteBacklen(body, body.length - start);
    count++;
  }
  const out = Buffer.allocUnsafe(LP_HDR_SIZE + body.length + 1);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(count < 65535 ? count : 65535, 4);
  for (let i = 0; i < body.length; i++) out[LP_HDR_SIZE + i] = body[i]!;
  out[out.length - 1] = LP_EOF;
  return out;
}

/** The elements of a listpack blob, as bytes; RdbFormatError when the blob is malformed. */
export function listpackDecode(lp: Uint8Array): Buffer[] {
  const buf = Buffer.from(lp.buffer, lp.byteOffset, lp.byteLength);
  if (buf.length < LP_HDR_SIZE + 1 || buf.readUInt32LE(0) !== buf.length || buf[buf.length - 1] !== LP_EOF) bad("invalid listpack header");
  const out: Buffer[] = [];
  let p = LP_HDR_SIZE;
  const end = buf.length - 1;
  const need = (n: number) => {
    if (p + n > end) bad("listpack entry past the end");
  };
  while (p < end) {
    const start = p;
    const b = buf[p]!;
    let item: Buffer;
    if ((b & 0x80) === 0) {
      item = Buffer.from(String(b & 0x7f));
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need(1 + len);
      item = Buffer.from(buf.subarray(p + 1, p + 1 + len));
      p += 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      need(2);
      let v = ((b & 0x1f) << 8) | buf[p + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      item = Buffer.from(String(v));
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(2);
      const len = ((b & 0x0f) << 8) | buf[p + 1]!;
      need(2 + len);
      item = Buffer.from(buf.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      need(5);
      const len = buf.readUInt32LE(p + 1);
      need(5 + len);
      item = Buffer.from(buf.subarray(p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      need(1 + width);
      let u = 0n;
      for (let i = width - 1; i >= 0; i--) u = (u << 8n) | BigInt(buf[p + 1 + i]!);
      item = Buffer.from(BigInt.asIntN(width * 8, u).toString());
      p += 1 + width;
    } else return bad(`invalid listpack encoding ${b}`);
    const l = p - start;
    p += lpBacklenSize(l);
    if (p > end) bad("listpack back-length past the end");
    out.push(item);
  }
  const n = buf.readUInt16LE(4);
  if (n !== 65535 && n !== out.length) bad("listpack element count mismatch");
  return out;
}

/** The intset blob for canonical int64 members: width 2/4/8 by the widest, ascending. */
export function intsetEncode(members: Iterable<bigint>): Buffer {
  const vals = [...members].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of vals) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = Buffer.alloc(8 + width * vals.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => {
    const at = 8 + i * width;
    if (width === 2) out.writeInt16LE(Number(v), at);
    else if (width === 4) out.writeInt32LE(Number(v), at);
    else out.writeBigInt64LE(v, at);
  });
  return out;
}

/** The members of an intset blob; RdbFormatError when malformed or not sorted strictly ascending. */
export function intsetDecode(blob: Uint8Array): bigint[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) bad("intset too short");
  const width = buf.readUInt32LE(0);
  const n = buf.readUInt32LE(4);
  if ((width !== 2 && width !== 4 && width !== 8) || buf.length !== 8 + width * n) bad("invalid intset");
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const at = 8 + i * width;
    const v = width === 2 ? BigInt(buf.readInt16LE(at)) : width === 4 ? BigInt(buf.readInt32LE(at)) : buf.readBigInt64LE(at);
    if (i > 0 && v <= out[i - 1]!) bad("intset not sorted");
    out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Per-type registry

/** Reads a numeric config parameter (list-max-listpack-size, zset-max-listpack-entries, ...). */
export type DumpConfig = (param: string) => number;

/** Valkey's defaults for the encoding parameters codecs consult (used when no server config is given). */
const DEFAULT_PARAMS: Record<string, number> = {
  "list-max-listpack-size": -2,
  "zset-max-listpack-entries": 128,
  "zset-max-listpack-value": 64,
  "hash-max-listpack-entries": 128,
  "hash-max-listpack-value": 64,
  "set-max-intset-entries": 512,
  "set-max-listpack-entries": 128,
  "set-max-listpack-value": 64,
  "stream-node-max-bytes": 4096,
  "stream-node-max-entries": 100,
};

export const defaultDumpConfig: DumpConfig = (param) => {
  const v = DEFAULT_PARAMS[param];
  if (v === undefined) throw new Error(`no default for ${param}`);
  return v;
};

/** Writes the RDB type byte and the value. */
export type DumpFn = (value: any, w: RdbWriter, entry: Entry, cfg: DumpConfig) => void;
/** Decodes a value of the given RDB type; throws RdbFormatError on malformed input. */
export type RestoreFn = (rdbType: number, r: RdbReader, cfg: DumpConfig) => { type: ValueType; value: any };

const dumpers = new Map<ValueType, DumpFn>();
const restorers = new Map<number, RestoreFn>();

export function registerDump(type: ValueType, fn: DumpFn): void {
  dumpers.set(type, fn);
}

export function registerRestore(rdbTypes: number[], fn: RestoreFn): void {
  for (const t of rdbTypes) restorers.set(t, fn);
}

registerDump("string", (value: Buffer, w) => {
  w.byte(RDB_TYPE.STRING);
  w.string(value);
});
registerRestore([RDB_TYPE.STRING], (_t, r) => ({ type: "string", value: r.string() }));

/** Whether DUMP can serialize values of this type (its family registered a codec). */
export function canDump(type: ValueType): boolean {
  return dumpers.has(type);
}

/** DUMP: the serialized value plus version and checksum. */
export function createDumpPayload(entry: Entry, compress = true, cfg: DumpConfig = defaultDumpConfig): Buffer {
  const fn = dumpers.get(entry.type);
  if (fn === undefined) throw new Error(`no DUMP codec registered for type ${entry.type}`);
  const w = new RdbWriter(compress);
  fn(entry.value, w, entry, cfg);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  const body = w.finish();
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out);
  out.writeBigUInt64LE(crc64(0n, body), body.length);
  return out;
}

/** verifyDumpPayload: footer present, RDB version not newer than ours, CRC64 matches. */
export function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const ver = p[p.length - 10]! | (p[p.length - 9]! << 8);
  if (ver > RDB_VERSION) return false;
  return crc64(0n, p.subarray(0, p.length - 8)) === p.readBigUInt64LE(p.length - 8);
}

/** RESTORE: decode a verified payload's value; RdbFormatError when it is not a value we can load. */
export function loadDumpPayload(p: Buffer, cfg: DumpConfig = defaultDumpConfig): { type: ValueType; value: any } {
  const r = new RdbReader(p.subarray(0, p.length - 10));
  const rdbType = r.byte();
  const fn = restorers.get(rdbType);
  if (fn === undefined) bad(`unsupported RDB object type ${rdbType}`);
  return fn(rdbType, r, cfg);
}
