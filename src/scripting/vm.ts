// The Lua engine, on the server's own thread. lua-redis-wasm's Lua 5.1, rebuilt by scripts/build-lua-wasm.mjs
// (src/scripting/lua.wasm) with binaryen's asyncify, so that a host call can unwind the whole WebAssembly stack
// into memory and be resumed later:
// - The driver loop (driver.ts) keeps the scripts it compiled in its own locals and never returns. After each job
//   it reports and asks for the next one; that host call unwinds, and the next job rewinds into it. A script costs
//   no thread round trip and no copy of its arguments to another thread.
// - A script past its deadline (busy-reply-threshold) unwinds at its next redis.call or at the engine's tick
//   (every 100,000 VM instructions, also inside a pure-Lua loop), so the event loop can answer BUSY and SCRIPT
//   KILL between slices; KILL drops the instance, as Valkey drops a killed script's stack.
// Host calls from the driver arrive as an argument array in the engine's memory ([count u32][len u32, bytes]...),
// and answers are written in the engine's own encoding (EngineReply), not through lua-redis-wasm's JS values.

import { createRequire } from "node:module";
import { builtin, monotonicMs, pkgRoot } from "../runtime.js";
import { argsCopied, copyInto, copyOf, u32le as u32 } from "../resp.js";
import { EngineReply } from "./resp-value.js";
import type { LuaValue } from "./engine.js";

/** host_redis_log's level for the engine's tick (scripts/build-lua-wasm.mjs). */
const TICK_LEVEL = 99;
/** Room for an unwound stack: Lua nests at most 200 C calls, each a few hundred bytes of saved locals. */
const UNWIND_BYTES = 1 << 20;

/** A job for the driver loop (engine.ts run()). */
export interface Job {
  mode: string;
  id: string;
  source: Buffer;
  /** Send the source: the loop does not have this id compiled (it asks with "m" when it lost it). */
  withSource: boolean;
  fname: string;
  keys: Buffer[];
  args: Buffer[];
}

/** What the server does for the engine while a job runs. */
export interface VmHost {
  /** A redis.call: the RESP reply. */
  call(args: Buffer[], resp: 2 | 3): Buffer;
  log(level: number, msg: Buffer): void;
  /** At each tick and redis.call: 0 go on, 1 pause (unwind until resume()), 2 abort (the instance is dropped). */
  check(): 0 | 1 | 2;
}

export type Step =
  /** The loop finished the job: its kind, RESP and bytes (driver.ts). */
  | { kind: "report"; report: string; resp: 2 | 3; bytes: Buffer }
  /** Paused by check(): resume() goes on. */
  | { kind: "paused" }
  /** The loop ended: a script raised an error, and this is the engine's error value. */
  | { kind: "ended"; value: LuaValue }
  /** Stopped by check() (2), or the engine trapped: the instance is gone. */
  | { kind: "dead"; why: string };

interface Engine {
  exports: { HEAPU8: Uint8Array; _alloc(n: number): number; _free_mem(p: number): void };
  readPtrLen(p: number): unknown;
  decodeResult(r: unknown, sha: string): unknown;
}
interface Asyncify {
  asyncify_start_unwind(p: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(p: number): void;
  asyncify_stop_rewind(): void;
  asyncify_get_state(): number;
  eval_with_args(ret: number, sp: number, sl: number, ap: number, al: number, nk: number): void;
  /** The hook's budget (an i64): at or below 1000, the next hook ticks (scripts/build-lua-wasm.mjs). */
  tick_fuel: { value: number };
}
type Handlers = { pcall: (...a: number[]) => void; log: (level: number, ptr: number, len: number) => void };

class Abort extends Error {}

/** A CallInfo of the engine's Lua stack, as Vm.frames reads it. */
interface Frame {
  /** A function of a script or function library (not the driver's). */
  user: boolean;
  /** A Lua function (any chunk), and the tail calls its CallInfo stands for. */
  lua: boolean;
  tail: number;
  /** "user_script" / "user_function" for functions compiled under those names (the driver's too), else "". */
  chunk: string;
  /** Its prototype when compiled under those names, else 0. */
  proto: number;
  pc: number;
  /** A C function's index in the function table, else -1. */
  fn: number;
}

let wasm: Uint8Array | null = null;
/** Engines are made one at a time: the instance is caught from WebAssembly.instantiate (see Vm.create). */
let making: Promise<unknown> = Promise.resolve();

/** A WebAssembly.Memory (the build's lib has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * emscripten_resize_heap: grow the engine's memory to hold `requested` bytes, 20 % over it (at most 96 MB over) as
 * emscripten's own does, in whole pages; past the memory's maximum (scripts/build-lua-wasm.mjs), to just what is
 * asked. False when it cannot (malloc then fails, and Lua raises "not enough memory").
 */
function growMemory(mem: WasmMemory, requested: number): boolean {
  const old = mem.buffer.byteLength;
  if (requested <= old) return true;
  const pages = (n: number): number => Math.ceil((n - old) / 65536);
  for (const want of [Math.max(requested, Math.min(old * 1.2, requested + 96 * 2 ** 20)), requested]) {
    try {
      mem.grow(pages(want));
      return true;
    } catch {} // RangeError: past the maximum
  }
  return false;
}

/** The origin of the engine's "since start" clocks. */
const VM_LOADED = monotonicMs();

/** WASI clock_time_get as emscripten's glue answers it (ns since the epoch for clock 0, else since start), through
 *  a view made now. */
function clockTimeGet(mem: WasmMemory, clk: number, ptime: number): number {
  if (!(clk >= 0 && clk <= 3)) return 28; // EINVAL
  const ms = clk === 0 ? Date.now() : monotonicMs() - VM_LOADED;
  new DataView(mem.buffer).setBigInt64(ptime, BigInt(Math.round(ms * 1e6)), true);
  return 0;
}

/** A host call's arguments are [count u32] then [len u32][bytes] each: the item after the one at o. */
const after = (h: Uint8Array, o: number): number => o + 4 + u32(h, o);
/** The item at o read as a non-negative decimal. */
const decimal = (h: Uint8Array, o: number): number => {
  let v = 0;
  for (let i = o + 4, e = i + u32(h, o); i < e; i++) v = v * 10 + h[i]! - 48;
  return v;
};
const w32 = (h: Uint8Array, p: number, v: number): void => {
  h[p] = v & 0xff;
  h[p + 1] = (v >>> 8) & 0xff;
  h[p + 2] = (v >>> 16) & 0xff;
  h[p + 3] = v >>> 24;
};

export class Vm {
  private readonly token: Buffer;
  private readonly nilMark: Buffer;
  private readonly out = new EngineReply();
  private host: VmHost | null = null;
  private job: Job | null = null;
  private resp: 2 | 3 = 2;
  /** The loop is unwound, waiting: "job" for the next job, "pause" inside a script. */
  private parked: "job" | "pause" | null = null;
  /** The loop's first host call gets its token, COLD and the job. */
  private fresh = false;
  private step: Step | null = null;
  private why = "";
  dead = false;
  /** Bytes of Lua heap after the last job (INFO used_memory_lua). */
  heap = 0;
  /** The lua_State the driver loop runs on, from the loop's first tick (0 until then). */
  private loopL = 0;

  private constructor(
    private readonly engine: Engine,
    private readonly raw: Asyncify,
    handlers: Handlers,
    private readonly rand: Uint16Array,
    private readonly hot: Buffer,
    private readonly cold: Buffer,
  ) {
    this.token = Buffer.from(builtin("node:crypto").randomBytes(16).toString("hex"), "latin1");
    this.nilMark = Buffer.concat([this.token, Buffer.from("nil")]);
    handlers.pcall = (...a) => this.onCall(a[0]!, a[1]!);
    handlers.log = (level, ptr, len) => this.onLog(level, ptr, len);
  }

  /** A new engine; `options` are lua-redis-wasm's load options, `rand` the server's lrand48 state. */
  static async create(options: Record<string, unknown>, rand: Uint16Array, hot: string, cold: string): Promise<Vm> {
    wasm ??= builtin("node:fs").readFileSync(builtin("node:path").join(pkgRoot(), "src", "scripting", "lua.wasm"));
    const { load } = createRequire(import.meta.url)("lua-redis-wasm") as {
      load(o: unknown): Promise<{ handlers: Handlers; create(h: unknown): Engine }>;
    };
    let resp: (v: number) => void = () => {};
    // lua-redis-wasm hands out the emscripten module, not the WebAssembly instance whose asyncify exports this
    // needs: catch the instance as its loader makes it, one load at a time.
    const made = making.then(async () => {
      const W = (globalThis as unknown as { WebAssembly: { instantiate: (...a: unknown[]) => Promise<{ instance?: { exports: unknown } }> } }).WebAssembly;
      const orig = W.instantiate;
      let instance: { exports: unknown } | undefined;
      let views = (): void => {};
      const memory = (): WasmMemory => (instance!.exports as { memory: WasmMemory }).memory;
      W.instantiate = async (...a) => {
        const env = (a[1] as { env?: Record<string, unknown> } | undefined)?.env;
        if (env !== undefined && typeof env.emscripten_resize_heap === "function") {
          // The memory grows (scripts/build-lua-wasm.mjs), which the glue was not built for: the host grows it,
          // and the views lua-redis-wasm and this file read (Module.HEAPU8) are made again. The glue's own views go
          // stale; of what it imports, only the clock runs after the engine is made (os.clock), so that is answered
          // here too. (Also the wasi namespace: the loader makes it the same object.)
          env.emscripten_resize_heap = (requested: number): number => {
            if (!growMemory(memory(), requested >>> 0)) return 0;
            views();
            return 1;
          };
          env.clock_time_get = (clk: number, _precision: bigint, ptime: number): number => clockTimeGet(memory(), clk, ptime);
        }
        const r = await orig.apply(W, a);
        const ex = r.instance?.exports as Record<string, unknown> | undefined;
        if (ex !== undefined && "asyncify_start_unwind" in ex && "eval_with_args" in ex) instance ??= r.instance;
        return r;
      };
      try {
        const mod = await load({ ...options, wasmBytes: wasm });
        const engine = mod.create({
          redisCall: () => ({ err: Buffer.from("ERR redis.call is routed through redis.pcall") }),
          redisPcall: () => ({ err: Buffer.from("ERR redis.pcall is answered by the host") }),
          log() {},
          onSetResp: (v: number) => resp(v),
        });
        if (instance === undefined) throw new Error("the Lua engine's instance was not seen");
        const mem = memory();
        views = () => (engine.exports.HEAPU8 = new Uint8Array(mem.buffer));
        views();
        return { mod, engine, raw: instance.exports as unknown as Asyncify };
      } finally {
        W.instantiate = orig;
      }
    });
    making = made.catch(() => {});
    const { mod, engine, raw } = await made;
    const vm = new Vm(engine, raw, mod.handlers, rand, Buffer.from(hot, "latin1"), Buffer.from(cold, "latin1"));
    resp = (v) => (vm.resp = v === 3 ? 3 : 2);
    vm.alloc();
    return vm;
  }

  private sp = 0;
  private ap = 0;
  private ret = 0;
  private data = 0;

  private alloc(): void {
    const ex = this.engine.exports;
    this.sp = ex._alloc(this.hot.length);
    ex.HEAPU8.set(this.hot, this.sp);
    this.ap = ex._alloc(4);
    ex.HEAPU8.fill(0, this.ap, this.ap + 4);
    this.ret = ex._alloc(8);
    this.data = ex._alloc(UNWIND_BYTES);
  }

  /** Run a job in the loop (starting one if none is waiting). */
  run(job: Job, host: VmHost): Step {
    if (this.parked === "pause") throw new Error("a script is paused in this engine");
    this.job = job;
    return this.enter(host);
  }

  /** Go on with a paused script. */
  resume(host: VmHost): Step {
    if (this.parked !== "pause") throw new Error("no script is paused in this engine");
    return this.enter(host);
  }

  private enter(host: VmHost): Step {
    if (this.dead) return { kind: "dead", why: this.why || "the Lua engine is gone" };
    this.host = host;
    this.step = null;
    const raw = this.raw;
    try {
      if (this.parked !== null) {
        this.rewinding = this.parked;
        this.parked = null;
        raw.asyncify_start_rewind(this.data);
      } else {
        this.fresh = true;
        this.resp = 2;
      }
      raw.eval_with_args(this.ret, this.sp, this.hot.length, this.ap, 4, 0);
      if (raw.asyncify_get_state() === 1) {
        raw.asyncify_stop_unwind();
        return this.step ?? { kind: "paused" };
      }
      const value = this.engine.decodeResult(this.engine.readPtrLen(this.ret), "") as LuaValue;
      return { kind: "ended", value };
    } catch (e) {
      // A trap, or check() said abort: the stack is gone and the instance may be in any state.
      this.dead = true;
      this.rewinding = null;
      this.why = e instanceof Abort ? "stopped" : String((e as Error)?.stack ?? e);
      return { kind: "dead", why: this.why };
    } finally {
      this.host = null;
    }
  }

  /** Unwind from the host call in progress: the loop waits for `what`. */
  private park(what: "job" | "pause"): void {
    const h = this.engine.exports.HEAPU8;
    const d = this.data;
    // asyncify's data header: where the saved stack starts and ends.
    w32(h, d, d + 8);
    w32(h, d + 4, d + UNWIND_BYTES);
    this.parked = what;
    this.raw.asyncify_start_unwind(d);
  }

  /** The stack is being rewound (what it waited for): the next host call is the one it was unwound from. */
  private rewinding: "job" | "pause" | null = null;

  /** When this host call is the one the loop is being rewound into: what it was waiting for. */
  private rewound(): "job" | "pause" | null {
    const w = this.rewinding;
    if (w === null) return null;
    this.rewinding = null;
    this.raw.asyncify_stop_rewind();
    return w;
  }

  private onLog(level: number, ptr: number, len: number): void {
    if (level === TICK_LEVEL) {
      if (this.loopL === 0) {
        // The loop's first tick, inside xpcall(function() pcall(function() ... end) end) (driver.ts).
        this.loopL = ptr;
        const f = this.frames(ptr);
        if (f !== null && f.length >= 4 && f[1]!.fn >= 0 && f[3]!.fn >= 0) this.catchers = [f[1]!.fn, f[3]!.fn];
      }
      if (this.rewound() === null) this.tick();
      return;
    }
    const h = this.engine.exports.HEAPU8;
    this.host!.log(level, Buffer.from(h.subarray(ptr, ptr + len)));
  }

  /** The host's check at a tick or a redis.call; true when the call unwinds now. */
  private tick(): boolean {
    const c = this.host!.check();
    if (c === 0) return false;
    if (c === 2) throw new Abort("stopped");
    this.park("pause");
    return true;
  }

  /** The engine's pcall import (sret: {ptr, len} goes to r). */
  private onCall(r: number, p: number): void {
    const w = this.rewound();
    // Rewound into the call that unwound: the report gets the next job, a paused redis.call is made now.
    if (w === "job") this.writeJob([]);
    else if (w === "pause") this.call(p);
    else if (this.answer(p)) return;
    this.give(r);
  }

  private give(r: number): void {
    const ex = this.engine.exports;
    const n = this.out.pos;
    const ptr = ex._alloc(n);
    const h = ex.HEAPU8;
    copyInto(h, ptr, this.out.buf, 0, n);
    w32(h, r, ptr);
    w32(h, r + 4, n);
  }

  /** The job as the driver loop reads it, into out: [head...], mode, id, source (when sent), function name,
   *  numkeys, keys..., args... */
  private writeJob(head: Buffer[]): void {
    const j = this.job!;
    const out = this.out;
    out.pos = 0;
    out.head(3, head.length + 5 + j.keys.length + j.args.length);
    for (const h of head) out.bytes(2, h, 0, h.length);
    out.latin1(2, j.mode);
    out.latin1(2, j.id);
    if (j.withSource) out.bytes(2, j.source, 0, j.source.length);
    else out.head(2, 0);
    out.latin1(2, j.fname);
    out.int(j.keys.length);
    for (const k of j.keys) out.bytes(2, k, 0, k.length);
    for (const a of j.args) out.bytes(2, a, 0, a.length);
  }

  private isToken(h: Uint8Array, p: number): boolean {
    const t = this.token;
    if (u32(h, p + 4) !== t.length) return false;
    for (let i = 0; i < t.length; i++) if (h[p + 8 + i] !== t[i]) return false;
    return true;
  }

  /** A host call from the driver, answered into out; true when it unwound instead (out is not used). */
  private answer(p: number): boolean {
    const out = this.out;
    const h = this.engine.exports.HEAPU8;
    if (this.fresh) {
      // The loop's first call: its token, the COLD chunk and the job that started it. The loop's next hook ticks
      // (its first 1000 instructions), so that loopL is known before any script runs.
      this.fresh = false;
      this.loopL = 0;
      const fuel = this.raw.tick_fuel.value;
      w32(h, fuel, 1000);
      w32(h, fuel + 4, 0);
      this.writeJob([this.token, this.cold]);
      return false;
    }
    const argc = u32(h, p);
    if (argc <= 2 && this.isToken(h, p)) {
      // math.random's lrand48 (driver.ts): rp(T) steps it, rp(T, seed) is srand48(seed). x = x * 0x5DEECE66D + 0xB
      // mod 2^48 on three 16-bit limbs, as Valkey's rand.c does, so every product stays exact in a double.
      const rand = this.rand;
      out.pos = 0;
      if (argc === 2) {
        const seed = decimal(h, after(h, p + 4));
        rand[0] = 0x330e;
        rand[1] = seed & 0xffff;
        rand[2] = seed >>> 16;
        out.int(0);
        return false;
      }
      const x0 = rand[0]!, x1 = rand[1]!, x2 = rand[2]!;
      const p0 = 0xe66d * x0 + 0xb;
      const p1 = 0xe66d * x1 + 0xdeec * x0 + Math.floor(p0 / 65536);
      rand[0] = p0 % 65536;
      rand[1] = p1 % 65536;
      rand[2] = (0xe66d * x2 + 0xdeec * x1 + 0x5 * x0 + Math.floor(p1 / 65536)) % 65536;
      out.int(rand[2]! * 32768 + (rand[1]! >>> 1));
      return false;
    }
    if (argc === 3 && this.isToken(h, p)) {
      const at = after(h, p + 4); // the second argument
      const f = this.frames(this.loopL);
      out.pos = 0;
      if (h[at + 4] === 0x77) {
        // "w": the driver's error handler, for an error without its line in the text: the line of the innermost
        // script function on the stack, which is still there.
        const top = f?.find((x) => x.user);
        out.int(top === undefined ? 0 : this.lineAt(top.proto, top.pc, false));
      } else {
        // "l", level: error(msg, level) with a level other than 1 (driver.ts Er): the caller's position (the
        // line Valkey's error names), the tag, and the position luaL_where would prefix (none for level 0).
        const level = decimal(h, after(h, at));
        const caller = f === null ? "?" : this.where(f, 2);
        out.latin1(2, caller === "?" ? "?" : `${caller}\x01\x03${level > 0 ? this.where(f!, level) : ""}`);
      }
      return false;
    }
    if (argc === 5 && this.isToken(h, p)) {
      // The loop's report: [T, kind, resp, bytes, heap].
      const kindAt = after(h, p + 4);
      const respAt = after(h, kindAt);
      const bytesAt = after(h, respAt);
      const kind = h[kindAt + 4]!;
      if (kind === 0x6d) {
        // "m": the loop does not have this script compiled: the same job, with its source.
        this.job!.withSource = true;
        this.writeJob([]);
        return false;
      }
      this.heap = decimal(h, after(h, bytesAt));
      this.step = {
        kind: "report",
        report: String.fromCharCode(kind),
        resp: h[respAt + 4] === 0x33 ? 3 : 2,
        bytes: copyOf(h, bytesAt + 4, after(h, bytesAt)),
      };
      this.park("job");
      return true;
    }
    // A redis.call: past the deadline, the script stops here first (and makes the call when it goes on).
    if (this.tick()) return true;
    this.call(p);
    return false;
  }

  /**
   * The line Valkey's SCRIPT KILL error would name for the script paused here. Valkey's hook raises the error in
   * the running function, then on every new line (so a pcall that catches it does not save the script): the line
   * is the innermost script function's, or, when a pcall / xpcall of the script's stands between, the next line
   * of the function that made the outermost such call. Read from Lua 5.1's structures in the engine's memory
   * (wasm32 layout: lstate.h, lobject.h, lopcodes.h); 0 when they do not look as expected.
   */
  scriptLine(): number {
    const L = this.loopL;
    if (L === 0 || this.dead) return 0;
    const frames = this.frames(L);
    if (frames === null) return 0;
    const at = frames.findIndex((f) => f.user);
    if (at < 0) return 0;
    let caller = -1;
    for (let i = at + 1; i < frames.length; i++) {
      if (!this.catchers.includes(frames[i]!.fn)) continue;
      let j = i + 1;
      while (j < frames.length && frames[j]!.proto !== 0 && !frames[j]!.user) j++; // the driver's pcall wrapper
      if (j < frames.length && frames[j]!.user) caller = i = j;
    }
    const f = frames[caller >= 0 ? caller : at]!;
    return this.lineAt(f.proto, f.pc, caller >= 0);
  }

  /**
   * The line of the instruction running in a frame of prototype p whose saved pc is `pc` (0 when out of range);
   * with `next`, the line the code goes on to after it: the first instruction on another line, or the target of a
   * jump back.
   */
  private lineAt(p: number, pc: number, next: boolean): number {
    const h = this.engine.exports.HEAPU8;
    const code = u32(h, p + 12); // Proto.code, .lineinfo, .sizelineinfo
    const lines = u32(h, p + 20);
    const size = u32(h, p + 48);
    if (lines + 4 * size > h.length || code + 4 * size > h.length) return 0;
    const at = (pc - code) / 4 - 1; // the saved pc is past the running instruction
    const ok = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < size;
    if (!ok(at)) return 0;
    const line = (i: number): number => u32(h, lines + 4 * i);
    const cur = line(at);
    if (!next) return cur;
    for (let i = at + 1, steps = 0; ok(i) && steps < size; i++, steps++) {
      if (line(i) !== cur) return line(i);
      const ins = u32(h, code + 4 * i);
      const op = ins & 0x3f;
      const jump = (ins >>> 14) - 131071; // sBx
      if (op === 22 /* JMP */ || op === 31 /* FORLOOP */) {
        if (jump < 0) return ok(i + 1 + jump) ? line(i + 1 + jump) : cur;
        i += jump;
      } else if (op === 30 /* RETURN */) break;
    }
    return cur;
  }

  /** pcall's and xpcall's C functions (their table indexes), from the loop's first tick (driver.ts). */
  private catchers: number[] = [];

  /**
   * The call stack of thread L, innermost first: for a Lua function compiled from a script or library (chunk
   * "@user_script" / "@user_function", as the driver's own functions are) its prototype and saved pc, `user` when
   * it is not one of the driver's (those are the prototypes under the bottom frame's); for a C function its
   * index. Null when the structures do not look as expected.
   */
  private frames(L: number): Frame[] | null {
    const h = this.engine.exports.HEAPU8;
    const ok = (p: number, n: number): boolean => p > 0 && p + n <= h.length;
    if (!ok(L, 44)) return null;
    const top = u32(h, L + 20); // L->ci, L->base_ci (CallInfo: 24 bytes)
    const base = u32(h, L + 40);
    if (!ok(base, 24) || !ok(top, 24) || top < base || (top - base) % 24 !== 0 || top - base > 24 * 10000) return null;
    const out: Frame[] = [];
    for (let ci = top; ci > base; ci -= 24) {
      // L->savedpc for the running function, ci->savedpc below it
      const frame: Frame = { user: false, lua: false, tail: 0, chunk: "", proto: 0, pc: u32(h, ci === top ? L + 24 : ci + 12), fn: -1 };
      out.push(frame);
      const func = u32(h, ci + 4); // ci->func: a TValue (8-byte value, then its type)
      if (!ok(func, 16) || u32(h, func + 8) !== 6) continue; // LUA_TFUNCTION
      const cl = u32(h, func);
      if (!ok(cl, 20)) continue;
      if (h[cl + 6] !== 0) {
        frame.fn = u32(h, cl + 16); // CClosure.f
        continue;
      }
      frame.lua = true;
      frame.tail = u32(h, ci + 20); // ci->tailcalls
      const p = u32(h, cl + 16); // LClosure.p
      if (!ok(p, 68)) continue;
      const src = u32(h, p + 32); // Proto.source: a TString, its bytes after a 16-byte header
      const n = ok(src, 16) ? u32(h, src + 12) : 0;
      if ((n !== 12 && n !== 14) || !ok(src + 16, n)) continue;
      const name = Buffer.from(h.buffer, h.byteOffset + src + 16, n).toString("latin1");
      if (name === "@user_script" || name === "@user_function") {
        frame.proto = p;
        frame.chunk = name.slice(1);
      }
    }
    // The driver's prototypes: the tree under the outermost script-named frame's.
    const driver = new Set<number>();
    const root = out.findLast((f) => f.proto !== 0);
    for (const todo = root === undefined ? [] : [root.proto]; todo.length > 0 && driver.size < 10000; ) {
      const q = todo.pop()!;
      if (driver.has(q)) continue;
      driver.add(q);
      const kids = u32(h, q + 16); // Proto.p, Proto.sizep
      for (let i = 0, n = u32(h, q + 52); i < n && ok(kids + 4 * i, 4); i++) if (ok(u32(h, kids + 4 * i), 68)) todo.push(u32(h, kids + 4 * i));
    }
    for (const f of out) f.user = f.proto !== 0 && !driver.has(f.proto);
    return out;
  }

  /**
   * luaL_where(L, level) seen from the host call at the top of `frames` (which stands where luaB_error's frame
   * would): lua_getstack's walk, tail calls counted, then "<chunk>:<line>: " for a script's function and "" for a C
   * function, a tail call or a driver function (Valkey has C there). "?" when the top is not the driver's Er (the
   * call came from a coroutine, whose stack this is not): the driver then raises as before.
   */
  private where(frames: Frame[], level: number): string {
    if (frames.length < 2 || frames[0]!.lua || !frames[1]!.lua || frames[1]!.user) return "?";
    let lv = level;
    let i = 0;
    for (; lv > 0 && i < frames.length; i++) {
      lv--;
      if (frames[i]!.lua) lv -= frames[i]!.tail;
    }
    if (lv !== 0 || i >= frames.length || !frames[i]!.user) return "";
    const f = frames[i]!;
    const line = this.lineAt(f.proto, f.pc, false);
    return line > 0 ? `${f.chunk}:${line}: ` : "";
  }

  private call(p: number): void {
    const out = this.out;
    const args = argsCopied(this.engine.exports.HEAPU8, p);
    const reply = this.host!.call(args, this.resp);
    // The engine hands every null to Lua as false; under RESP3 Valkey gives nil, so nulls travel as a marker
    // the driver turns into nil.
    const nil = this.resp === 3 ? this.nilMark : null;
    out.pos = 0;
    if (reply.length === 0) out.null(nil);
    else out.resp(reply, 0, nil);
  }
}
