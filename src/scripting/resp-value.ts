// RESP bytes -> lua-redis-wasm's values. parseReply makes JS values (the server reads a driver report with it);
// EngineReply writes the engine's own encoding (vm.ts).

import { copyInto } from "../resp.js";
import type { LuaValue } from "./engine.js";

export function parseReply(b: Buffer, st: { pos: number }): LuaValue {
  const t = b[st.pos]!;
  const eol = b.indexOf(13, st.pos);
  const line = b.toString("latin1", st.pos + 1, eol);
  st.pos = eol + 2;
  switch (t) {
    case 43: // +
      return { ok: Buffer.from(line, "latin1") };
    case 45: // -
      return { err: Buffer.from(line, "latin1") };
    case 58: {
      // :
      const n = Number(line);
      return Number.isSafeInteger(n) ? n : BigInt(line);
    }
    case 36: {
      // $
      const n = Number(line);
      if (n < 0) return null;
      const v = Buffer.from(b.subarray(st.pos, st.pos + n));
      st.pos += n + 2;
      return v;
    }
    case 42: // *
    case 62: {
      // >
      const n = Number(line);
      if (n < 0) return null;
      const out: LuaValue[] = [];
      for (let i = 0; i < n; i++) out.push(parseReply(b, st));
      return out;
    }
    case 37: {
      // %
      const n = Number(line);
      const pairs: [LuaValue, LuaValue][] = [];
      for (let i = 0; i < n; i++) pairs.push([parseReply(b, st), parseReply(b, st)]);
      return { map: pairs };
    }
    case 126: {
      // ~
      const n = Number(line);
      const items: LuaValue[] = [];
      for (let i = 0; i < n; i++) items.push(parseReply(b, st));
      return { set: items };
    }
    case 95: // _
      return null;
    case 35: // #
      return line === "t";
    case 44: // ,
      return { double: EngineReply.double(line) };
    case 40: // (
      return { big_number: Buffer.from(line, "latin1") };
    case 61: {
      // =
      const n = Number(line);
      const v = b.subarray(st.pos, st.pos + n);
      st.pos += n + 2;
      return { verbatim_string: { format: Buffer.from(v.subarray(0, 3)), string: Buffer.from(v.subarray(4)) } };
    }
    case 124: {
      // | attribute: skipped, the value follows
      const n = Number(line);
      for (let i = 0; i < n * 2; i++) parseReply(b, st);
      return parseReply(b, st);
    }
    default:
      throw new Error(`unexpected reply byte ${t}`);
  }
}

/**
 * RESP bytes -> lua-redis-wasm's reply encoding ([type u8][length or count u32 LE][payload], nested), written
 * straight into a reused buffer: the path for redis.call replies and jobs (vm.ts). The engine's own encoder
 * builds a JS value first and then a Buffer per node (Buffer.concat at every level); this did a third of the
 * engine's glue work per EVALSHA. Same output as encodeReply(parseReply(...)) of the engine, which the unit test
 * checks.
 */
export class EngineReply {
  buf: Buffer = Buffer.allocUnsafe(4096);
  pos = 0;

  /** A RESP3 double line's value ("inf", "-inf" and "nan" are not JS number syntax). */
  static double(line: string): number {
    return line === "inf" ? Infinity : line === "-inf" ? -Infinity : line === "nan" ? NaN : Number(line);
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** A node's type and its length (strings) or count (aggregates). */
  head(t: number, n: number): void {
    this.room(5);
    this.buf[this.pos] = t;
    this.buf.writeUInt32LE(n, this.pos + 1);
    this.pos += 5;
  }

  /** A string-like node (bulk 2, status 4, error 5, big number 11) of src[s, e). */
  bytes(t: number, src: Uint8Array, s: number, e: number): void {
    this.head(t, e - s);
    this.room(e - s);
    copyInto(this.buf, this.pos, src, s, e);
    this.pos += e - s;
  }

  /** A string-like node of a one-byte string (a mode, a sha, a function name), written without a Buffer. */
  latin1(t: number, s: string): void {
    this.head(t, s.length);
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  int(v: number | bigint): void {
    this.head(1, 8);
    this.room(8);
    if (typeof v === "number" && Number.isSafeInteger(v)) {
      // v >>> 0 is the low word of v's two's complement also for negative v.
      this.buf.writeUInt32LE(v >>> 0, this.pos);
      this.buf.writeInt32LE(Math.floor(v / 4294967296), this.pos + 4);
    } else this.buf.writeBigInt64LE(BigInt(v), this.pos);
    this.pos += 8;
  }

  /** A null: the engine's NULL, or (RESP3 scripts) `nil`, a status the driver turns into nil. */
  null(nil: Uint8Array | null): void {
    if (nil === null) this.head(0, 0);
    else this.bytes(4, nil, 0, nil.length);
  }

  /** The RESP value at b[at] (RESP2 or RESP3); returns the position after it. */
  resp(b: Buffer, at: number, nil: Uint8Array | null): number {
    const t = b[at]!;
    const eol = b.indexOf(13, at);
    let pos = eol + 2;
    // The line as a number: lengths and counts (and small integers) without making a string.
    let n = 0;
    let neg = false;
    let i = at + 1;
    if (b[i] === 45) (neg = true), i++;
    const small = eol - i < 16;
    if (small) {
      for (; i < eol; i++) n = n * 10 + b[i]! - 48;
      if (neg) n = -n;
    }
    switch (t) {
      case 43: // +
        this.bytes(4, b, at + 1, eol);
        return pos;
      case 45: // -
        this.bytes(5, b, at + 1, eol);
        return pos;
      case 58: // :
        this.int(small ? n : BigInt(b.toString("latin1", at + 1, eol)));
        return pos;
      case 36: // $
        if (n < 0) {
          this.null(nil);
          return pos;
        }
        this.bytes(2, b, pos, pos + n);
        return pos + n + 2;
      case 42: // *
      case 62: // >
      case 126: // ~
        if (n < 0) {
          this.null(nil);
          return pos;
        }
        this.head(t === 126 ? 10 : 3, n);
        for (let k = 0; k < n; k++) pos = this.resp(b, pos, nil);
        return pos;
      case 37: // %
        this.head(9, n);
        for (let k = 0; k < 2 * n; k++) pos = this.resp(b, pos, nil);
        return pos;
      case 95: // _
        this.null(nil);
        return pos;
      case 35: // #
        this.head(7, 1);
        this.room(1);
        this.buf[this.pos++] = b[at + 1] === 116 ? 1 : 0;
        return pos;
      case 44: {
        // ,
        this.head(8, 8);
        this.room(8);
        this.buf.writeDoubleLE(EngineReply.double(b.toString("latin1", at + 1, eol)), this.pos);
        this.pos += 8;
        return pos;
      }
      case 40: // (
        this.bytes(11, b, at + 1, eol);
        return pos;
      case 61: {
        // = (format, then the string after "xxx:")
        this.head(12, n + 3);
        this.room(n + 3);
        this.buf.writeUInt32LE(3, this.pos);
        this.buf.set(b.subarray(pos, pos + 3), this.pos + 4);
        this.buf.set(b.subarray(pos + 4, pos + n), this.pos + 7);
        this.pos += n + 3;
        return pos + n + 2;
      }
      case 124: {
        // | attribute: skipped, the value follows
        const mark = this.pos;
        for (let k = 0; k < 2 * n; k++) pos = this.resp(b, pos, nil);
        this.pos = mark;
        return this.resp(b, pos, nil);
      }
      default:
        throw new Error(`unexpected reply byte ${t}`);
    }
  }
}
