// RESP: the incremental request parser and the per-connection ReplyWriter.
// Hand-written on purpose: this is the hot path (every byte of every request and reply passes here), and
// no maintained library offers a server-side parser with Valkey's limits and exact protocol errors.

import { copyBytes } from "./args.js";
import { BIG_BUFFER, collectDuringBigRead, outsideMalloc, type ResizableArrayBuffer } from "./reclaim.js";
import { isBun } from "./runtime.js";

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Valkey's PROTO_INLINE_MAX_SIZE: longest inline request / count line without a newline. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Bulk payloads at least this large are collected into their own buffer instead of re-concatenating reads. */
const BIG_ARG = 32 * 1024;
/**
 * While one big bulk is read, a garbage collection every this many bytes (see collectDuringBigRead). Bun's is
 * concurrent and asked for twice as often: at 16 MB the read chunks it had not yet freed took a 96 MB SET's peak
 * to 1.21x the payload, 1.36x once under CI load (8 MB: 1.12-1.17x with two busy cores); Node's is a full
 * collection, already ~1.0x at 16 MB.
 */
const RECLAIM_EVERY = (isBun ? 8 : 16) * 1024 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit */
  maxQueryBuffer: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * An argument's bytes from the read chunk. On Node, Buffer#subarray is a JS wrapper around `new FastBuffer()`; a
 * Uint8Array subclass whose prototype chain ends in Buffer.prototype is the same kind of object (every Buffer
 * method, `instanceof Buffer`) and cheaper to make. On Bun, the first view of a fresh read chunk makes JSC
 * materialise its ArrayBuffer (~150 ns for SET's three views of a new chunk, 12 % of Bun's 1-deep profile);
 * copying a short argument into its own buffer costs a third of that, so only long ones are views there.
 */
class ArgView extends Uint8Array {}
Object.setPrototypeOf(ArgView.prototype, Buffer.prototype);
delete (ArgView.prototype as { constructor?: unknown }).constructor; // Buffer.prototype.constructor (Buffer), as FastBuffer
const viewArgs = !isBun;
/** Command names up to this long are shared between consecutive commands (RespParser.commandName). */
const NAME_CACHE = 24;
/** Bun: arguments up to this many bytes are copied rather than viewed. */
const COPY_ARG = 64;
/** `ab` / `at`: buf.buffer and buf.byteOffset, read once per command by the caller (Node only; null on Bun). */
function argView(buf: Buffer, ab: ArrayBuffer | null, at: number, start: number, end: number): Buffer {
  if (ab !== null) return new ArgView(ab, at + start, end - start) as Buffer;
  const n = end - start;
  if (n > COPY_ARG) return buf.subarray(start, end);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  return out;
}

/**
 * Arguments laid out as [count, (length, bytes)...] with 32-bit little-endian integers at `p` in memory that will be
 * written over (the Lua engine's heap, for redis.call), each made its own Buffer. Node: one copy of the whole array
 * and an ArgView into it per argument; Bun: a short argument copied by itself (see argView: on Bun a view costs more
 * than the copy, and a redis.call's three views were 18 % of Bun's busy time under a 10-call script).
 */
export function argsCopied(h: Uint8Array, p: number): Buffer[] {
  const n = u32le(h, p);
  const out: Buffer[] = new Array(n);
  if (viewArgs) {
    let end = p + 4;
    for (let i = 0; i < n; i++) end += 4 + u32le(h, end);
    const b = Buffer.from(h.subarray(p, end));
    const ab = b.buffer as ArrayBuffer;
    const at = b.byteOffset;
    for (let i = 0, o = 4; i < n; i++) {
      const l = u32le(b, o);
      out[i] = new ArgView(ab, at + o + 4, l) as Buffer;
      o += 4 + l;
    }
    return out;
  }
  for (let i = 0, o = p + 4; i < n; i++) {
    const l = u32le(h, o);
    out[i] = copyOf(h, o + 4, o + 4 + l);
    o += 4 + l;
  }
  return out;
}

/** src[s, e) as a Buffer of its own (copyInto). */
export function copyOf(src: Uint8Array, s: number, e: number): Buffer {
  const a = Buffer.allocUnsafe(e - s);
  copyInto(a, 0, src, s, e);
  return a;
}

/**
 * dst[at...] = src[s, e). Short runs (a command's name, a key, a small reply) go byte by byte: a subarray view
 * costs ~150 ns on Bun (~45 on Node), more than the copy (see argView). Hot path: every redis.call's arguments and
 * reply, and a job's names.
 */
export function copyInto(dst: Uint8Array, at: number, src: Uint8Array, s: number, e: number): void {
  if (e - s <= COPY_ARG) for (let i = s; i < e; i++) dst[at++] = src[i]!;
  else dst.set(src.subarray(s, e), at);
}

/** A 32-bit little-endian unsigned integer at h[p]. */
export const u32le = (h: Uint8Array, p: number): number => (h[p]! | (h[p + 1]! << 8) | (h[p + 2]! << 16) | (h[p + 3]! << 24)) >>> 0;

/** Between commands: never pushed to (a multibulk header replaces it first). */
const NO_ARGS: Buffer[] = [];

/** Big bulk arguments the parser allocated for one command alone (nothing else points into them). */
const ownedArgs = new WeakSet<Buffer>();

/**
 * An argument a handler stores beyond the command: the parser's own big buffer is taken as is, once (no second
 * 100 MB copy for SET/APPEND of a large value); anything else may point into a read chunk and is copied.
 */
export function keepArg(b: Buffer): Buffer {
  return b.length >= BIG_ARG && ownedArgs.delete(b) ? b : copyBytes(b);
}

/**
 * Bun: the argv next() returned last. Its arguments 1.. of at most COPY_ARG bytes are argView's copies, made for
 * this command alone, so keepArgAt can store them without a second copy (in-process on Bun, SET ~10 % and a
 * 10-key MSET ~17 % cheaper). A WeakSet of such Buffers would cost more than the copy it saves.
 */
let freshArgv: Buffer[] | null = null;
/** Bit i: freshArgv[i] was handed over by keepArgAt or replaced (disownArg); either way it is no longer fresh. */
let freshTaken = 0;
/** What keepArgAt handed over since the server last let go of the argv they came from (argsReleased). */
const handed: Buffer[] = [];

/** `v` may still be an argument the server will read (SLOWLOG): it must not be written in place (storeCounter). */
export function isHandedOver(v: Buffer): boolean {
  return handed.length !== 0 && handed.includes(v);
}

/** The server holds no argv of past commands any more (call() is done, or its run of commands was timed). */
export function argsReleased(): void {
  if (handed.length !== 0) handed.length = 0;
}

/**
 * keepArg(argv[i]) that, on Bun, hands a short argument the parser copied for this command over as is, once:
 * a second keep of it, an argument that views a read chunk, or argv[0] (shared: RespParser.commandName) is copied.
 * The handed-over Buffer stays in argv (MONITOR and SLOWLOG read it after the handler; for a run of batch-timed
 * commands SLOWLOG copies it only when the run is timed), as Valkey's SET shares its argv object with the key
 * space: a stored string must not be written in place while isHandedOver() (Valkey's dbUnshareStringValue).
 */
export function keepArgAt(argv: Buffer[], i: number): Buffer {
  const b = argv[i]!;
  if (argv === freshArgv && i > 0 && i < 32 && b.length <= COPY_ARG && (freshTaken & (1 << i)) === 0) {
    freshTaken |= 1 << i;
    handed.push(b);
    return b;
  }
  return keepArg(b);
}

/** argv[i] is about to be replaced by a Buffer the parser did not make for it (redactArg): never hand it over. */
export function disownArg(argv: Buffer[], i: number): void {
  if (argv === freshArgv && i < 32) freshTaken |= 1 << i;
}

/**
 * Incremental request parser. `feed()` appends bytes; `next()` returns one complete command (argv as Buffers)
 * or null when more bytes are needed. After a protocol error `error` holds Valkey's text (the connection must
 * reply with it and close). Returned argv Buffers may point into the caller's read chunk: they are valid while
 * the command runs; anything kept longer (stored values, MULTI queues, blocked commands) must be copied.
 */
export class RespParser {
  error: string | null = null;
  /** Set when the connection must be closed without a reply (query buffer limit). */
  overflow = false;
  /** Valkey caps multibulk/bulk sizes for connections that still have to authenticate. */
  unauthenticated = false;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments still expected for the multibulk in progress; -1 = between commands. */
  private argc = -1;
  private args: Buffer[] = NO_ARGS;
  /** Arguments of the multibulk in progress read so far (entries of `args` filled). */
  private argi = 0;
  /** Leading entries of `args` that own their memory (copied by retain(), or a big bulk). */
  private owned = 0;
  /** Length of the bulk being read; -1 = header not read yet. */
  private bulkLen = -1;
  /** Large bulk being filled across reads (without its trailing CRLF). */
  private big: Buffer | null = null;
  private bigFill = 0;
  /** Bytes of the CRLF after a big bulk still to be skipped. */
  private skip = 0;
  /** The last command name seen (see commandName). */
  private lastName: Buffer = EMPTY;

  constructor(private limits: ParserLimits) {}

  setLimits(limits: ParserLimits): void {
    this.limits = limits;
  }

  /** Bytes held but not yet parsed (for CLIENT LIST qbuf). */
  get pending(): number {
    return this.buf.length - this.pos + (this.big ? this.bigFill : 0);
  }

  feed(chunk: Buffer): void {
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    if (this.big) {
      const need = this.big.length - this.bigFill;
      const n = Math.min(need, data.length);
      data.copy(this.big, this.bigFill, 0, n);
      if (this.big.length >= RECLAIM_EVERY && Math.floor((this.bigFill + n) / RECLAIM_EVERY) !== Math.floor(this.bigFill / RECLAIM_EVERY)) {
        collectDuringBigRead();
      }
      this.bigFill += n;
      data = data.subarray(n);
      if (this.bigFill === this.big.length) {
        if (this.owned === this.argi) this.owned++;
        ownedArgs.add(this.big);
        this.args[this.argi++] = this.big;
        this.big = null;
        this.bigFill = 0;
        this.bulkLen = -1;
        const s = Math.min(2, data.length);
        this.skip = 2 - s;
        data = data.subarray(s);
      }
    }
    if (this.pos >= this.buf.length) {
      this.setBuf(data);
      this.pos = 0;
    } else if (data.length > 0) {
      this.setBuf(Buffer.concat([this.buf.subarray(this.pos), data]));
      this.pos = 0;
    }
    // A large bulk being collected counts too: the limit is on everything the client has sent but not run.
    if (this.pending > this.limits.maxQueryBuffer) this.overflow = true;
  }

  /**
   * Detach from the caller's read chunk: copy unparsed bytes and the arguments of a half-read command, so
   * the chunk can be released or reused by the transport.
   */
  retain(): void {
    this.setBuf(this.pos < this.buf.length ? Buffer.from(this.buf.subarray(this.pos)) : EMPTY);
    this.pos = 0;
    // Only what arrived since the last retain() can point into a transport chunk; copying everything again
    // would make a command with several large arguments quadratic.
    for (let i = this.owned; i < this.argi; i++) this.args[i] = Buffer.from(this.args[i]!);
    this.owned = this.argi;
  }

  /** buf.buffer and buf.byteOffset are accessor calls: read once per chunk, not once per command (next()). */
  private bufAb: ArrayBuffer | null = null;
  private bufAt = 0;

  private setBuf(b: Buffer): void {
    this.buf = b;
    this.bufAb = viewArgs ? (b.buffer as ArrayBuffer) : null;
    this.bufAt = b.byteOffset;
  }

  next(): Buffer[] | null {
    freshArgv = null; // the previous command has run: nothing pins its arguments (or the chunk they view)
    if (this.error !== null || this.big) return null;
    const buf = this.buf;
    const len = buf.length;
    const ab = this.bufAb;
    const at = this.bufAt;
    for (;;) {
      if (this.argc < 0) {
        let pos = this.pos;
        if (pos >= len) return null;
        if (buf[pos] !== STAR) {
          const inl = this.inline();
          if (inl === undefined) continue; // blank line: look at what follows
          return inl;
        }
        let n: number | null = fastCount(buf, pos, len);
        let cr = countEnd;
        if (n < 0) {
          cr = findCR(buf, pos, len);
          if (cr < 0 || cr + 1 >= len) {
            if (cr < 0 && len - pos > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big mbulk count string");
            return null;
          }
          n = parseLine(buf, pos + 1, cr);
        }
        if (n === null || n > 2147483647) return this.fail("Protocol error: invalid multibulk length");
        if (this.unauthenticated && n > 10) return this.fail("Protocol error: unauthenticated multibulk length");
        pos = cr + 2;
        this.pos = pos;
        if (n <= 0) continue;
        this.argc = n;
        // Sized up front (a pushed-to [] starts with 17 slots: 40 % of a GET's allocation); filled in order.
        this.args = n <= 1024 ? new Array<Buffer>(n) : [];
        this.argi = 0;
        this.owned = 0;
      }
      const args = this.args;
      while (this.argi < this.argc) {
        let pos = this.pos;
        if (this.bulkLen < 0) {
          if (pos >= len) return null;
          let n: number | null = buf[pos] === DOLLAR ? fastCount(buf, pos, len) : -1;
          let cr = countEnd;
          if (n < 0) {
            cr = findCR(buf, pos, len);
            if (cr < 0 || cr + 1 >= len) {
              if (cr < 0 && len - pos > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big bulk count string");
              return null;
            }
            if (buf[pos] !== DOLLAR) {
              return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
            }
            n = parseLine(buf, pos + 1, cr);
          }
          if (n === null || n < 0 || n > this.limits.maxBulkLen) return this.fail("Protocol error: invalid bulk length");
          if (this.unauthenticated && n > 16384) return this.fail("Protocol error: unauthenticated bulk length");
          pos = cr + 2;
          this.pos = pos;
          this.bulkLen = n;
          if (n >= BIG_ARG && len - pos < n + 2) {
            // Collect the payload straight into its own buffer; later reads copy into it (no re-concatenation).
            const big = Buffer.allocUnsafe(n);
            const avail = len - pos;
            buf.copy(big, 0, pos, len);
            this.big = big;
            this.bigFill = avail;
            this.pos = len;
            return null;
          }
        }
        const n = this.bulkLen;
        if (len - pos < n + 2) return null;
        if (this.argi === 0 && n <= NAME_CACHE) args[this.argi++] = this.commandName(buf, pos, n);
        else args[this.argi++] = argView(buf, ab, at, pos, pos + n);
        this.pos = pos + n + 2;
        this.bulkLen = -1;
      }
      this.argc = -1;
      this.args = NO_ARGS; // the next multibulk header allocates its own
      this.argi = 0;
      this.owned = 0;
      if (!viewArgs) {
        freshArgv = args;
        freshTaken = 0;
      }
      return args;
    }
  }

  /**
   * argv[0]: the previous command's name Buffer when the bytes are the same (pipelines repeat one command;
   * no view or copy is made), else an owned copy that becomes the cached one. Nothing writes into argv.
   */
  /** @internal (also splitArgs' first word) */
  commandName(buf: Buffer, pos: number, n: number): Buffer {
    const last = this.lastName;
    if (last.length === n) {
      let i = 0;
      while (i < n && buf[pos + i] === last[i]) i++;
      if (i === n) return last;
    }
    return (this.lastName = copyOut(buf, pos, pos + n));
  }

  /** One inline command; undefined for a blank line (nothing to run, keep parsing). */
  private inline(): Buffer[] | null | undefined {
    const buf = this.buf;
    const pos = this.pos;
    const lf = findLF(buf, pos, buf.length);
    // Valkey checks the length only while the newline has not arrived, so whether a line a little over 64 KB
    // passes depends on how its reads fell (valkey-server 8 rejects a 70 KB line sent in one write). Any line
    // longer than the limit is refused here, however the transport cut it.
    if ((lf < 0 ? buf.length : lf) - pos > PROTO_INLINE_MAX_SIZE) return this.fail("Protocol error: too big inline request");
    if (lf < 0) return null;
    let end = lf;
    if (end > pos && buf[end - 1] === CR) end--;
    this.pos = lf + 1;
    const args = splitArgs(buf, pos, end, this);
    if (args === null) return this.fail("Protocol error: unbalanced quotes in request");
    if (args.length === 0) return undefined;
    return args;
  }

  private fail(text: string): null {
    this.error = text;
    return null;
  }
}

/** The CR of the line fastCount() read (module scratch: no allocation per call). */
let countEnd = 0;

/**
 * The common count line after a '*' or '$' at pos: "0", or 1-11 digits without a leading zero, then CR with
 * the LF byte already read. Returns the count and leaves the CR's index in countEnd; -1 for anything else,
 * which the general path (findCR + parseLine) then decides exactly as before. One pass instead of two.
 */
function fastCount(buf: Buffer, pos: number, len: number): number {
  const first = pos + 1;
  const stop = Math.min(len - 1, first + 11);
  let v = 0;
  let i = first;
  for (; i < stop; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (i === first || i >= len - 1 || buf[i] !== CR || (buf[first] === 48 && i > first + 1)) return -1;
  countEnd = i;
  return v;
}

/** Index of the next CR: a plain loop for the short header lines of RESP (cheaper than Buffer#indexOf). */
function findCR(buf: Buffer, pos: number, len: number): number {
  const stop = Math.min(len, pos + 24);
  for (let i = pos; i < stop; i++) if (buf[i] === CR) return i;
  return stop === len ? -1 : buf.indexOf(CR, stop);
}

/** Index of the next LF (an inline request's end): a plain loop first, as findCR (Buffer#indexOf is a native call). */
function findLF(buf: Buffer, pos: number, len: number): number {
  const stop = Math.min(len, pos + 64);
  for (let i = pos; i < stop; i++) if (buf[i] === LF) return i;
  return stop === len ? -1 : buf.indexOf(LF, stop);
}

/** Valkey's string2ll over buf[start, end): optional '-', no '+', no leading zeros, 64-bit range. */
function parseLine(buf: Buffer, start: number, end: number): number | null {
  const n = end - start;
  if (n <= 0 || n > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 48) return i + 1 === end && !neg ? 0 : null;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}
function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
}

/** Ends an unquoted token (isspace() is used between tokens and after quotes). */
function isTokenEnd(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function copyOut(buf: Buffer, start: number, end: number): Buffer {
  const n = end - start;
  const out = Buffer.allocUnsafe(n);
  if (n <= SMALL_COPY) for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  else buf.copy(out, 0, start, end);
  return out;
}

/**
 * Valkey's sdssplitargs: inline arguments with "double" (C escapes, \xHH) and 'single' quotes. With `names` (the
 * parser of an inline request), a plain first word is its shared command name (RespParser.commandName).
 */
export function splitArgs(buf: Buffer, start: number, end: number, names?: RespParser): Buffer[] | null {
  const out: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(buf[p])) p++;
    if (p >= end) return out;
    // Common case (PING, redis-cli style words): a token without quotes is copied out in one go.
    let q = p;
    while (q < end && !isSpace(buf[q]) && buf[q] !== 34 && buf[q] !== 39) q++;
    if (q === end || isTokenEnd(buf[q]!)) {
      out.push(names !== undefined && out.length === 0 && q - p <= NAME_CACHE ? names.commandName(buf, p, q - p) : copyOut(buf, p, q));
      p = q + 1;
      continue;
    }
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = p < end ? buf[p]! : -1;
      if (inq) {
        if (c === -1) return null;
        if (c === 92 && p + 3 < end && buf[p + 1] === 120 && isHex(buf[p + 2]!) && isHex(buf[p + 3]!)) {
          cur.push(hexVal(buf[p + 2]!) * 16 + hexVal(buf[p + 3]!));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = buf[p]!;
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          // closing quote must be followed by a space or nothing
          if (p + 1 < end && !isSpace(buf[p + 1])) return null;
          done = true;
        } else cur.push(c);
      } else if (insq) {
        if (c === -1) return null;
        if (c === 92 && p + 1 < end && buf[p + 1] === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(buf[p + 1])) return null;
          done = true;
        } else cur.push(c);
      } else {
        // Only these end an unquoted token (isspace() is used between tokens and after quotes).
        if (c === -1 || c === 32 || c === 10 || c === 13 || c === 9) done = true;
        else if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur.push(c);
      }
      if (p < end) p++;
    }
    out.push(Buffer.from(cur));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reply writer

const SLAB = 64 * 1024;
const FIRST_SLAB = 16 * 1024;

const C_OK = Buffer.from("+OK\r\n");
const C_NULL2 = Buffer.from("$-1\r\n");
const C_NULLARR2 = Buffer.from("*-1\r\n");
const C_NULL3 = Buffer.from("_\r\n");
const C_EMPTYARR = Buffer.from("*0\r\n");
const C_TRUE = Buffer.from("#t\r\n");
const C_FALSE = Buffer.from("#f\r\n");

/**
 * Copies up to this many bytes with a JS loop: Buffer#copy and Uint8Array#set are native calls whose fixed
 * cost (35-80 ns on Bun and Node) dwarfs moving a "+OK\r\n" or a short value byte by byte (5-15 ns). Hot path:
 * every constant reply and most bulk replies pass here.
 */
const SMALL_COPY = 16;

/** Latin1 strings up to this length are written with a charCodeAt loop (Buffer#write costs ~100 ns a call on Node). */
const SMALL_STRING = 32;

function copySmall(src: Uint8Array, dst: Buffer, at: number): void {
  for (let i = 0; i < src.length; i++) dst[at + i] = src[i]!;
}

/** Pre-encoded ":n\r\n" for small n, each made on first use (1025 Buffers up front cost ~1.5 ms of startup). */
const SMALL_INTS: Array<Buffer | undefined> = new Array<Buffer | undefined>(1025).fill(undefined);
function smallInt(n: number): Buffer {
  return SMALL_INTS[n] ?? (SMALL_INTS[n] = Buffer.from(`:${n}\r\n`));
}

/** Bun: a reply slab outgrown past this size by small writes moves into memory mapped for it (see ensure). */
const MAP_FROM = 16 * 1024 * 1024;

/**
 * Per-connection reply buffer. All output is copied into a slab; `take()` hands the bytes written since the
 * last take to the transport (one write per batch of commands). Only this class knows RESP2 from RESP3.
 */
export class ReplyWriter {
  proto: 2 | 3 = 2;
  /** Small until a reply needs more (memory per idle client); reused after every write the transport completed. */
  private slab: Buffer = Buffer.allocUnsafe(FIRST_SLAB);
  private start = 0;
  pos = 0;
  /** What mark() adds to `pos`: grows by the bytes a rebase moved out from under earlier positions. */
  private base = 0;

  /** Bytes written since the last take (for output-buffer accounting). */
  get size(): number {
    return this.pos - this.start;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    const ab = this.slab.buffer as ResizableArrayBuffer;
    if (ab.resizable === true && this.pos + n <= ab.maxByteLength) {
      // A big slab grows into the address space reserved for it: nothing copied, views already taken stay valid.
      const len = Math.min(ab.maxByteLength, Math.max(this.pos + n, this.slab.length * 2));
      ab.resize(len);
      this.slab = Buffer.from(ab, 0, len);
      return;
    }
    const used = this.pos - this.start;
    const size = Math.max(SLAB, (used + n) * 2);
    // On Bun a slab outgrown a second time in one batch by a big bulk (many large values: 12 pipelined GETs of 8 MB
    // peaked 1.5-2.1x their size over the baseline this way, 1.8-3.3x through malloc's doublings) is mapped for
    // itself with room to grow in place, and filled by memcpy. A reply of many small elements is, only once it passes
    // MAP_FROM: the JIT's byte stores into a typed array over a resizable ArrayBuffer are ~3x slower on
    // JavaScriptCore too (SMEMBERS of 200k members in process: 20-25 ms against 7), but below that each doubling's
    // old slab waits for the collector (KEYS * of 50 MB peaked at 153 MB over the baseline through malloc alone,
    // 57 mapped from 2 MB on).
    // Never on Node: V8 11 (Node 20) stops optimizing the code that has written into a typed array over a resizable
    // ArrayBuffer, and the reply writer is every command's code: after one reply over 1 MB, pipelined LRANGE_100
    // fell from ~260k to 25-47k requests/s for every client, for good.
    const nb = isBun && this.slab.length >= BIG_BUFFER && (n >= BIG_BUFFER || this.slab.length >= MAP_FROM) ? outsideMalloc(size, size * 8) : Buffer.allocUnsafe(size);
    this.slab.copy(nb, 0, this.start, this.pos);
    this.slab = nb;
    this.base += this.start;
    this.start = 0;
    this.pos = used;
  }

  /**
   * A position for truncate(), cut(), since() and insertArray() that stays right when a growing slab moves the
   * bytes written since the last flush to its front (`pos` itself does not).
   */
  mark(): number {
    return this.pos + this.base;
  }

  /** Bytes written since the last take, or null. The returned Buffer is owned by the caller. */
  take(): Buffer | null {
    if (this.pos === this.start) return null;
    const out = this.slab.subarray(this.start, this.pos);
    // A slab grown for a large reply is handed off with it, not kept for the client's lifetime.
    if (this.slab.length - this.pos < 4096 || this.slab.length > 16 * SLAB) {
      this.slab = Buffer.allocUnsafe(SLAB);
      this.base += this.pos;
      this.pos = 0;
    }
    this.start = this.pos;
    return out;
  }

  /**
   * The connection's flush: the bytes written since the last flush as a view of the slab, then `sent()`. Unlike
   * take(), the slab is reused when the transport says it kept no reference (no allocation per write).
   */
  pending(): Buffer | null {
    return this.pos === this.start ? null : this.slab.subarray(this.start, this.pos);
  }

  /** After pending(): `done` = the transport copied or sent the bytes and holds no reference to the view. */
  sent(done: boolean): void {
    if (done) {
      this.base += this.pos;
      this.start = this.pos = 0;
      // A slab grown for a large reply is not kept for the client's lifetime.
      if (this.slab.length > 16 * SLAB) this.slab = Buffer.allocUnsafe(SLAB);
    } else if (this.slab.length - this.pos < 4096 || this.slab.length > 16 * SLAB) {
      this.slab = Buffer.allocUnsafe(SLAB);
      this.base += this.pos;
      this.start = this.pos = 0;
    } else this.start = this.pos;
  }

  /** The bytes written after `mark`, as a view (overwritten once the writer is reset or flushed). */
  since(mark: number): Buffer {
    return this.slab.subarray(mark - this.base, this.pos);
  }

  /** Forget everything written (a scratch writer between uses); a slab grown past the usual size is let go. */
  reset(): void {
    this.base += this.pos;
    this.start = this.pos = 0;
    if (this.slab.length > SLAB) this.slab = Buffer.allocUnsafe(FIRST_SLAB);
  }

  /** Drop everything written after `mark` (CLIENT REPLY OFF/SKIP). */
  truncate(mark: number): void {
    const p = mark - this.base;
    if (p >= this.start && p <= this.pos) this.pos = p;
  }

  /** Drop everything written since the last flush (a client being closed). */
  discard(): void {
    this.pos = this.start;
  }

  /** Remove and return (as a copy) everything written after `mark`. */
  cut(mark: number): Buffer {
    const out = Buffer.from(this.since(mark));
    this.truncate(mark);
    return out;
  }

  /**
   * The header of an array of the `n` elements written since `mark`, put in front of them: for a reply whose length
   * is known only once it is written (KEYS, XRANGE, XREAD), as Valkey's deferred lengths. With `cursor`, SCAN's
   * [cursor, [elements]] around them. One move of those bytes, no array of the elements.
   */
  insertArray(mark: number, n: number, cursor?: number): void {
    if (cursor === undefined) this.insertHeader(mark, `*${n}\r\n`);
    else {
      const cur = String(cursor);
      this.insertHeader(mark, `*2\r\n$${cur.length}\r\n${cur}\r\n*${n}\r\n`);
    }
  }

  /** `head` (latin1) at `mark`, before what was written since. */
  private insertHeader(mark: number, head: string): void {
    const n = head.length;
    this.ensure(n);
    const p = mark - this.base;
    const b = this.slab;
    if (this.pos > p) b.copyWithin(p + n, p, this.pos);
    for (let i = 0; i < n; i++) b[p + i] = head.charCodeAt(i);
    this.pos += n;
  }

  raw(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    if (n <= SMALL_COPY) copySmall(b, this.slab, this.pos);
    else this.slab.set(b, this.pos);
    this.pos += n;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.slab.write(s, this.pos, "latin1");
  }

  private header(prefix: string, n: number): void {
    this.intLine(prefix.charCodeAt(0), n);
  }

  /** `<prefix><n>\r\n` for a safe integer, digits written straight into the slab (hot: every header). */
  private intLine(prefix: number, n: number): void {
    this.ensure(24);
    const b = this.slab;
    let p = this.pos;
    b[p++] = prefix;
    if (n < 0) {
      b[p++] = 45;
      n = -n;
    }
    let len = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
    let q = p + len;
    p = q;
    do {
      b[--q] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  ok(): void {
    this.raw(C_OK);
  }

  simple(s: string): void {
    this.ascii("+" + s + "\r\n");
  }

  /** `text` is the full error line without '-', e.g. "ERR syntax error". */
  error(text: string): void {
    this.ascii("-" + text + "\r\n");
  }

  integer(n: number | bigint): void {
    if (typeof n === "number" && Number.isSafeInteger(n)) {
      if (n >= 0 && n <= 1024) this.raw(smallInt(n));
      else this.intLine(58, n);
    } else this.ascii(":" + n + "\r\n");
  }

  /** Binary-safe bulk string; strings are latin1 (keys, fields, members). */
  bulk(v: Buffer | Uint8Array | string): void {
    if (typeof v === "string") {
      const n = v.length;
      this.intLine(36, n);
      this.ensure(n + 2);
      if (n <= SMALL_STRING) {
        // Short latin1 strings (list elements, fields, members): a loop beats Buffer#write's dispatch (LRANGE).
        const b = this.slab;
        const p = this.pos;
        for (let i = 0; i < n; i++) b[p + i] = v.charCodeAt(i);
        this.pos = p + n;
      } else this.pos += this.slab.write(v, this.pos, "latin1");
    } else {
      const n = v.length;
      this.intLine(36, n);
      this.ensure(n + 2);
      if (n <= SMALL_COPY) copySmall(v, this.slab, this.pos);
      else this.slab.set(v, this.pos);
      this.pos += n;
    }
    this.slab[this.pos++] = CR;
    this.slab[this.pos++] = LF;
  }

  /** Bulk string of the latin1 chars s[start, end), not sliced out first (LRANGE over packed list chunks). */
  bulkOf(s: string, start: number, end: number): void {
    if (end - start > SMALL_STRING) return this.bulk(s.slice(start, end));
    this.intLine(36, end - start);
    this.ensure(end - start + 2);
    const b = this.slab;
    let p = this.pos;
    for (let i = start; i < end; i++) b[p++] = s.charCodeAt(i);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** Bulk string from a JS (utf8) string, for human text such as INFO. */
  text(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.intLine(36, n);
    this.utf8(s, n);
  }

  /** s as utf8 (n bytes, Buffer.byteLength) and CRLF, into the slab: no Buffer of its own (INFO's 5 kB on every connection). */
  private utf8(s: string, n: number): void {
    this.ensure(n + 2);
    this.pos += this.slab.write(s, this.pos, "utf8");
    this.slab[this.pos++] = CR;
    this.slab[this.pos++] = LF;
  }

  /** Null bulk (RESP2 `$-1`, RESP3 `_`). */
  null(): void {
    this.raw(this.proto === 3 ? C_NULL3 : C_NULL2);
  }

  /** Null array (RESP2 `*-1`, RESP3 `_`). */
  nullArray(): void {
    this.raw(this.proto === 3 ? C_NULL3 : C_NULLARR2);
  }

  array(n: number): void {
    if (n === 0) this.raw(C_EMPTYARR);
    else this.header("*", n);
  }

  /** Map of n pairs; RESP2 sends a flat array of 2n. */
  map(n: number): void {
    if (this.proto === 3) this.header("%", n);
    else this.array(n * 2);
  }

  set(n: number): void {
    if (this.proto === 3) this.header("~", n);
    else this.array(n);
  }

  push(n: number): void {
    if (this.proto === 3) this.header(">", n);
    else this.array(n);
  }

  /** Attribute-free double: RESP3 `,`, RESP2 bulk string, formatted as Valkey does. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.proto === 3) this.ascii("," + s + "\r\n");
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.proto === 3) this.raw(b ? C_TRUE : C_FALSE);
    else this.raw(smallInt(b ? 1 : 0));
  }

  /** RESP3 big number, RESP2 bulk string. */
  bigNumber(n: bigint | string): void {
    if (this.proto === 3) this.ascii("(" + n + "\r\n");
    else this.bulk(String(n));
  }

  /** RESP3 verbatim string (`=len\r\ntxt:...`), RESP2 bulk string; a Buffer is sent as its bytes. */
  verbatim(s: string | Buffer, format = "txt"): void {
    if (this.proto === 3) {
      const n = typeof s === "string" ? Buffer.byteLength(s, "utf8") : s.length;
      this.ascii("=" + (n + 4) + "\r\n" + format + ":");
      if (typeof s === "string") this.utf8(s, n);
      else {
        this.raw(s);
        this.raw(CRLF);
      }
    } else if (typeof s === "string") this.text(s);
    else this.bulk(s);
  }

  // helpers shared by many commands

  /** Valkey's `<CMD> HELP` reply: the header line, the command's lines, then HELP itself. */
  help(cmd: string, lines: string[]): void {
    this.array(lines.length + 3);
    this.simple(`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
    for (const l of lines) this.simple(l);
    this.simple("HELP");
    this.simple("    Print this help.");
  }

  /** n scored elements (ZRANGE ... WITHSCORES and kin): RESP2 one flat array of 2n, RESP3 n nested pairs. */
  scoredArray(n: number): void {
    this.array(this.proto === 3 ? n : n * 2);
  }

  /** A double already formatted by the caller (GEOPOS coordinates): RESP3 `,text`, RESP2 bulk string. */
  doubleText(text: string): void {
    if (this.proto === 3) this.ascii("," + text + "\r\n");
    else this.bulk(text);
  }

  /** Opens one [member, score] pair inside scoredArray (a no-op in RESP2). */
  scoredPair(): void {
    if (this.proto === 3) this.array(2);
  }

  bulks(items: ArrayLike<Buffer | string>): void {
    this.array(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]!);
  }

  /** Array whose entries may be null (MGET, HMGET). */
  bulksOrNull(items: ArrayLike<Buffer | string | null | undefined>): void {
    this.array(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (v == null) this.null();
      else this.bulk(v);
    }
  }

  /** A bulk string, or the null bulk. */
  bulkOrNull(v: Buffer | string | null | undefined): void {
    if (v == null) this.null();
    else this.bulk(v);
  }
}

const CRLF = Buffer.from("\r\n");

/** 2^62: Valkey's double2ll bound (LLONG_MAX / 2 as a double). */
const D2LL_MAX = 4611686018427387904;

/**
 * Valkey's d2string: integral values within +-2^62 print as integers (double2ll + ll2string), everything else
 * through fpconv_dtoa: shortest round-trip digits, plain notation for "human" exponents, otherwise d.ddde+X.
 * Used for every double reply (ZSCORE, RESP3 doubles; INCRBYFLOAT uses its own format).
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  if (Number.isInteger(d) && d >= -D2LL_MAX && d <= D2LL_MAX) {
    return Math.abs(d) <= Number.MAX_SAFE_INTEGER ? String(d) : BigInt(d).toString();
  }
  // One conversion, whose shortest round-trip digits are fpconv_dtoa's; only the layout differs. Bun: String(),
  // the quicker there, whose text is fpconv's as it is wherever neither writes an exponent and fpconv writes a
  // point (fewer than 7 decimals, or 1e-3 <= |d| < 1e4). Node: toExponential(), twice as quick as String() for
  // 17-digit values (V8's String goes through its number-string cache): 200-270 vs 430-480 ns in a microbenchmark.
  const neg = d < 0;
  const a = neg ? -d : d;
  const text = isBun ? String(a) : a.toExponential();
  const ePos = text.indexOf("e");
  let digits: string;
  let E = 0;
  if (ePos !== -1) {
    // "d.ddde+X" or "de-X"
    digits = ePos > 1 ? text[0]! + text.slice(2, ePos) : text.slice(0, ePos);
    for (let p = ePos + 2; p < text.length; p++) E = E * 10 + text.charCodeAt(p) - 48;
    if (text.charCodeAt(ePos + 1) === 45) E = -E;
  } else {
    const dot = text.indexOf(".");
    if (dot === -1) {
      // an integer beyond 2^62, below 1e21: trailing zeros are not digits
      let end = text.length;
      while (text.charCodeAt(end - 1) === 48) end--;
      digits = text.slice(0, end);
      E = text.length - 1;
    } else {
      if ((a >= 1e-3 && a < 1e4) || text.length - dot < 8) return neg ? "-" + text : text;
      if (text.charCodeAt(0) === 48) {
        // "0.000ddd"
        let z = dot + 1;
        while (text.charCodeAt(z) === 48) z++;
        digits = text.slice(z);
        E = dot - z;
      } else {
        digits = text.slice(0, dot) + text.slice(dot + 1);
        E = dot - 1;
      }
    }
  }
  return fpconvLayout(neg, digits, E);
}

/**
 * fpconv_dtoa's text for the shortest round-trip `digits` of |d| (no leading or trailing zeros) whose first digit
 * is at 10^E: plain notation for "human" exponents, otherwise d.ddde+X.
 */
export function fpconvLayout(neg: boolean, digits: string, E: number): string {
  let ndigits = digits.length;
  const K = E - ndigits + 1;
  const exp = Math.abs(E);
  const sign = neg ? "-" : "";
  if (K >= 0 && exp < ndigits + 7) return sign + digits + "0".repeat(K);
  if (K < 0 && (K > -7 || exp < 4)) {
    const offset = ndigits + K;
    if (offset <= 0) return sign + "0." + "0".repeat(-offset) + digits;
    return sign + digits.slice(0, offset) + "." + digits.slice(offset);
  }
  ndigits = Math.min(ndigits, 18 - (neg ? 1 : 0));
  return sign + digits[0] + (ndigits > 1 ? "." + digits.slice(1, ndigits) : "") + (E < 0 ? "e-" : "e+") + exp;
}
