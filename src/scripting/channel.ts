// The channel between the server thread and the Lua engine's thread (worker.ts). Each direction is a queue of
// SLOTS message slots in a SharedArrayBuffer (message n in slot n % SLOTS): the writer fills a slot in place, with
// the payload's length and type at its start, and bumps the counter the reader waits on; the reader reads it in
// place. The protocol is a job, then calls and replies, then the job's report; a redis.call whose result the
// script drops is sent without waiting for a reply (M.ACALL), so several messages may be queued towards the
// server thread. A payload larger than a slot, or a structured value, goes through the MessagePort instead
// (type | Channel.PORT). Copying bytes into shared memory costs far less than a postMessage/receiveMessageOnPort
// pair on each hop of an EVALSHA.
//
// A reader that finds no message sleeps in Atomics.wait at once, without spinning first. On this project's 2-core
// machine under load, any spin (even one of a few µs) cost 3-5x more server CPU per EVALSHA than sleeping: the
// spinning thread holds a core that the thread it waits for needs (scripts/bench-features.mjs --tests
// evalsha,evalsha10; numbers in the commit that removed the spin).
//
// This class is self-contained (no imports, no outer names): its source is also copied into the worker.

/** A received message: `data` views the shared region and is only valid until the reader's next recv or send. */
export interface Incoming {
  type: number;
  data: Buffer;
  value: unknown;
}

interface Port {
  postMessage(v: unknown, transfer?: ArrayBuffer[]): void;
}

export class Channel {
  static readonly PORT = 0x100;
  /** Control words, then one region per direction. */
  static readonly HEADER = 64;
  /** A power of two: counters wrap at 2^32 (Int32 arithmetic). */
  static readonly SLOTS = 16;

  static create(cap: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Channel.HEADER + 2 * cap);
  }

  // ctrl[s]: messages sent to side s; ctrl[2 + s]: messages side s has finished with; ctrl[4 + s]: side s sleeps
  // waiting for a message; ctrl[6 + s]: the writer to side s sleeps waiting for a free slot.
  private readonly ctrl: Int32Array;
  private readonly outbox: Buffer;
  private readonly inbox: Buffer;
  private readonly slot: number;
  private seen = 0;
  private sent = 0;

  /** side 0 is the server thread, 1 the engine thread. */
  constructor(
    sab: SharedArrayBuffer,
    private readonly port: Port,
    private readonly receive: (p: Port) => { message: unknown } | undefined,
    private readonly side: 0 | 1,
    cap: number,
  ) {
    this.ctrl = new Int32Array(sab, 0, 8);
    const to = (s: number) => Buffer.from(sab, Channel.HEADER + s * cap, cap);
    this.outbox = to(1 - side);
    this.inbox = to(side);
    this.slot = Math.floor(cap / Channel.SLOTS);
  }

  /**
   * Send `size` bytes that `fill` writes at offset 0 of the buffer it is given. A `quiet` message does not wake a
   * reader that sleeps: it is read with the next message that does, or when the reader's wait times out.
   */
  send(type: number, size: number, fill: (b: Buffer) => void, quiet = false): void {
    this.done();
    const d = 1 - this.side;
    const o = this.free(d);
    const out = this.outbox;
    if (size <= this.slot - 8) {
      fill(out.subarray(o + 8, o + 8 + size));
      out.writeInt32LE(size, o);
      out.writeInt32LE(type, o + 4);
    } else {
      const b = Buffer.from(new ArrayBuffer(size));
      fill(b);
      this.port.postMessage(b, [b.buffer as ArrayBuffer]);
      out.writeInt32LE(type | Channel.PORT, o + 4);
    }
    this.wake(d, quiet);
  }

  /** Send a structured value (cloned through the port). */
  sendValue(type: number, v: unknown): void {
    this.done();
    const d = 1 - this.side;
    const o = this.free(d);
    this.port.postMessage(v);
    this.outbox.writeInt32LE(type | Channel.PORT, o + 4);
    this.wake(d);
  }

  /** The offset of the next slot towards side d, once its reader has finished with what the slot held. */
  private free(d: number): number {
    const ctrl = this.ctrl;
    for (;;) {
      const f = Atomics.load(ctrl, 2 + d);
      if (((this.sent - f) | 0) < Channel.SLOTS) break;
      // The reader may sleep with only quiet messages in its slots.
      if (Atomics.load(ctrl, 4 + d) !== 0) Atomics.notify(ctrl, d);
      Atomics.store(ctrl, 6 + d, 1);
      Atomics.wait(ctrl, 2 + d, f);
      Atomics.store(ctrl, 6 + d, 0);
    }
    return (this.sent & (Channel.SLOTS - 1)) * this.slot;
  }

  /** Bump the reader's counter; notify only a reader that sleeps (ctrl[4 + side] is set around its wait). */
  private wake(d: number, quiet = false): void {
    this.sent = (this.sent + 1) | 0;
    Atomics.add(this.ctrl, d, 1);
    if (!quiet && Atomics.load(this.ctrl, 4 + d) !== 0) Atomics.notify(this.ctrl, d);
  }

  /** This side has finished with every message it received: their slots may be written again. */
  private done(): void {
    const i = this.side;
    if (Atomics.load(this.ctrl, 2 + i) === this.seen) return;
    Atomics.store(this.ctrl, 2 + i, this.seen);
    if (Atomics.load(this.ctrl, 6 + i) !== 0) Atomics.notify(this.ctrl, 2 + i);
  }

  /** The next message, or undefined once `deadline` (performance.now()) has passed. */
  recv(deadline = Infinity): Incoming | undefined {
    this.done();
    const ctrl = this.ctrl;
    const i = this.side;
    const s = this.seen;
    while (Atomics.load(ctrl, i) === s) {
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      // Flag first, then wait on the counter: a writer that saw no flag bumped the counter before we set it,
      // so the wait returns at once.
      Atomics.store(ctrl, 4 + i, 1);
      Atomics.wait(ctrl, i, s, left);
      Atomics.store(ctrl, 4 + i, 0);
    }
    this.seen = (s + 1) | 0;
    const o = (s & (Channel.SLOTS - 1)) * this.slot;
    const type = this.inbox.readInt32LE(o + 4);
    if ((type & Channel.PORT) === 0) return { type, data: this.inbox.subarray(o + 8, o + 8 + this.inbox.readInt32LE(o)), value: null };
    const m = this.receive(this.port)!.message;
    if (m instanceof Uint8Array) return { type: type & 0xff, data: Buffer.from(m.buffer, m.byteOffset, m.byteLength), value: null };
    return { type: type & 0xff, data: Buffer.alloc(0), value: m };
  }

  /** Bytes that pack() writes for `list`. */
  static packedSize(list: Uint8Array[], from = 0): number {
    let n = 4;
    for (let i = from; i < list.length; i++) n += 4 + list[i]!.length;
    return n;
  }

  /** A length-prefixed list at offset o. */
  static pack(out: Buffer, o: number, list: Uint8Array[], from = 0): void {
    o = out.writeUInt32LE(list.length - from, o);
    for (let i = from; i < list.length; i++) {
      const b = list[i]!;
      o = out.writeUInt32LE(b.length, o);
      out.set(b, o);
      o += b.length;
    }
  }

  /** The list at offset o: views into `b` unless `copy`. */
  static unpack(b: Buffer, o: number, copy: boolean): Buffer[] {
    const n = b.readUInt32LE(o);
    o += 4;
    const out: Buffer[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = b.readUInt32LE(o);
      o += 4;
      out[i] = copy ? Buffer.from(b.subarray(o, o + len)) : b.subarray(o, o + len);
      o += len;
    }
    return out;
  }
}
