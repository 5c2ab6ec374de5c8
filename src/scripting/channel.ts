// The synchronous channel between the server thread and the Lua engine's thread (worker.ts). The protocol is
// strictly alternating (a job, then calls and replies, then the job's report), so each direction needs one
// message slot: a region of a SharedArrayBuffer that the writer fills in place and the reader reads in place,
// with its length and type beside the sequence counter the reader waits on. A payload larger than the region,
// or a structured value, goes through the MessagePort instead (type | Channel.PORT). Copying bytes into shared
// memory costs far less than a postMessage/receiveMessageOnPort pair on each of the four hops of an EVALSHA.
//
// Waiting spins briefly before sleeping in Atomics.wait, unless the machine is overloaded (its 1-minute load
// average at 2.5 runnable threads per core or more, looked at once a second). A futex sleep and wake-up costs more
// than the other thread takes to answer: EVALSHA of INCR+GET on a 2-core VM, server CPU per call, spin vs none:
// 33 vs 52-80 µs at load 1.5, 40 vs 70 µs at load 3.6. But when the thread it waits for is rarely running, the
// spinning thread holds a core it needs: 311 vs 54 µs at load 7-11. (An adaptive spin, twice the last short
// wait, did not recover the idle case: a sleep's own wake-up makes every wait look long.)
//
// This class is self-contained (no imports, no outer names): its source is also copied into the worker.

/** A received message: `data` views the shared region and is only valid until the reader answers. */
export interface Incoming {
  type: number;
  data: Buffer;
  value: unknown;
}

/** What the spin decision reads of node:os (handed in: this class imports nothing). */
export interface LoadSource {
  loadavg(): number[];
  availableParallelism?(): number;
  cpus(): unknown[];
}

interface Port {
  postMessage(v: unknown, transfer?: ArrayBuffer[]): void;
}

export class Channel {
  static readonly PORT = 0x100;
  /** Control words, then one region per direction. */
  static readonly HEADER = 64;

  /** At 2.5 runnable threads per core or more (1-minute load average): waits do not spin then. */
  static overloaded(os: LoadSource): boolean {
    const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    return (os.loadavg()[0] ?? 0) >= 2.5 * cores;
  }

  static create(cap: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Channel.HEADER + 2 * cap);
  }

  private readonly ctrl: Int32Array;
  private readonly outbox: Buffer;
  private readonly inbox: Buffer;
  private seen = 0;
  /** Whether waits spin (not overloaded), and when to look again (Date.now()). */
  private spinning = true;
  private lookAt = 0;

  /** side 0 is the server thread, 1 the engine thread; ctrl[side] counts messages to that side. */
  constructor(
    sab: SharedArrayBuffer,
    private readonly port: Port,
    private readonly receive: (p: Port) => { message: unknown } | undefined,
    private readonly side: 0 | 1,
    private readonly cap: number,
    private readonly spin: number,
    /** node:os of this thread; without it waits always spin. */
    private readonly os: LoadSource | null = null,
  ) {
    this.ctrl = new Int32Array(sab, 0, 8);
    const to = (s: number) => Buffer.from(sab, Channel.HEADER + s * cap, cap);
    this.outbox = to(1 - side);
    this.inbox = to(side);
  }

  /** Send `size` bytes that `fill` writes at offset 0 of the buffer it is given. */
  send(type: number, size: number, fill: (b: Buffer) => void): void {
    const d = 1 - this.side;
    if (size <= this.cap) {
      fill(this.outbox);
      Atomics.store(this.ctrl, 2 + 2 * d, size);
      Atomics.store(this.ctrl, 3 + 2 * d, type);
    } else {
      const b = Buffer.from(new ArrayBuffer(size));
      fill(b);
      this.port.postMessage(b, [b.buffer as ArrayBuffer]);
      Atomics.store(this.ctrl, 3 + 2 * d, type | Channel.PORT);
    }
    this.wake(d);
  }

  /** Send a structured value (cloned through the port). */
  sendValue(type: number, v: unknown): void {
    const d = 1 - this.side;
    this.port.postMessage(v);
    Atomics.store(this.ctrl, 3 + 2 * d, type | Channel.PORT);
    this.wake(d);
  }

  /** Bump the reader's counter; notify only a reader that sleeps (ctrl[6 + side] is set around its wait). */
  private wake(d: number): void {
    Atomics.add(this.ctrl, d, 1);
    if (Atomics.load(this.ctrl, 6 + d) !== 0) Atomics.notify(this.ctrl, d);
  }

  /** The next message, or undefined once `deadline` (performance.now()) has passed. */
  recv(deadline = Infinity): Incoming | undefined {
    const ctrl = this.ctrl;
    const i = this.side;
    for (;;) {
      const s = Atomics.load(ctrl, i);
      if (s !== this.seen) {
        this.seen = s;
        break;
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      const now = Date.now();
      if (now >= this.lookAt) (this.lookAt = now + 1000), (this.spinning = this.os === null || !Channel.overloaded(this.os));
      let n = this.spinning ? 0 : this.spin;
      while (n++ < this.spin && Atomics.load(ctrl, i) === s);
      if (Atomics.load(ctrl, i) === s) {
        // Flag first, then wait on the counter: a writer that saw no flag bumped the counter before we set it,
        // so the wait returns at once.
        Atomics.store(ctrl, 6 + i, 1);
        Atomics.wait(ctrl, i, s, left);
        Atomics.store(ctrl, 6 + i, 0);
      }
    }
    const type = Atomics.load(ctrl, 3 + 2 * i);
    if ((type & Channel.PORT) === 0) return { type, data: this.inbox.subarray(0, Atomics.load(ctrl, 2 + 2 * i)), value: null };
    const m = this.receive(this.port)!.message;
    if (m instanceof Uint8Array) return { type: type & 0xff, data: Buffer.from(m.buffer, m.byteOffset, m.byteLength), value: null };
    return { type: type & 0xff, data: Buffer.alloc(0), value: m };
  }

  /** The items of `list`, each as [len u32][bytes], from offset o (no count); returns the offset after them. */
  static pack(out: Buffer, o: number, list: Uint8Array[]): number {
    for (const b of list) {
      o = out.writeUInt32LE(b.length, o);
      out.set(b, o);
      o += b.length;
    }
    return o;
  }

  /**
   * The list at offset o, copied out of the shared region: one copy of the whole list, which the items view
   * (the region is written over by the next message; a view per item of one copy costs less than a copy each).
   */
  static unpack(b: Buffer, o: number): Buffer[] {
    b = Buffer.from(b.subarray(o));
    o = 0;
    const n = b.readUInt32LE(o);
    o += 4;
    const out: Buffer[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = b.readUInt32LE(o);
      o += 4;
      out[i] = b.subarray(o, o + len);
      o += len;
    }
    return out;
  }
}
