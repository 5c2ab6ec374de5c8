// Engine glue. lua-redis-wasm runs on a thread of its own (worker.ts), one per server, started by the first
// command that needs it; there it runs the driver (driver.ts) for EVAL / FCALL / FUNCTION LOAD. While a script
// runs, the server thread does nothing but serve the script's redis.call requests, so the script is atomic: each
// request runs through the same command path as a client's (a "script client" sharing the caller's db runs it
// with server.call()) and its RESP reply goes back to the engine.
// A script still running after busy-reply-threshold ms turns asynchronous: the caller waits (suspended), the
// server thread goes back to its event loop between short slices of serving the script, other clients get BUSY
// (the gate checks server.busyScript), and SCRIPT KILL / FUNCTION KILL stop it by terminating the thread.
// Script results arrive as RESP3 bytes encoded by the driver and are written to the caller in its protocol
// (transcode).

import type { Worker, MessagePort } from "node:worker_threads";
import { builtin } from "../runtime.js";
import { createRequire } from "node:module";
import type { Client } from "../client.js";
import { Client as ClientClass, type Connection } from "../client.js";
import type { Server } from "../server.js";
import { lookupCommand, F, mayReplicate, type CommandEntry } from "../commands/index.js";
import { NOREPLICAS, SCRIPT_ERR } from "../errors.js";
import { scriptClusterRefusal } from "../cluster/route.js";
import { REDIS_COMPAT_VERSION, VALKEY_VERSION } from "../version.js";
import { HOT, COLD } from "./driver.js";
import { WORKER_SOURCE, SPIN, CAP, M, J } from "./worker.js";
import { Channel, type Incoming } from "./channel.js";
import { EngineReply, parseReply } from "./resp-value.js";
import { rememberKeys } from "../commands/tracking.js";
import { aclAllows, aclDeniedInScript } from "../acl/state.js";
import { scriptRefusedOom } from "../eviction.js";
import { E } from "../errors.js";

// The subset of lua-redis-wasm's ReplyValue this glue produces and consumes.
export type LuaValue =
  | null
  | number
  | bigint
  | boolean
  | Buffer
  | { ok: Buffer }
  | { err: Buffer; code?: Buffer; meta?: { kind?: string; name?: string; line: number; sha: string } }
  | { double: number }
  | { big_number: Buffer }
  | { verbatim_string: { format: Buffer; string: Buffer } }
  | { map: [LuaValue, LuaValue][] }
  | { set: LuaValue[] }
  | LuaValue[];

/** What a command called from a script needs to know about the script running it. */
export interface RunContext {
  caller: Client;
  /** EVAL_RO / FCALL_RO / no-writes: write commands are refused. */
  readOnly: boolean;
  /** Flagged allow-oom: denyoom commands run even over maxmemory. */
  allowOom: boolean;
  /** A write command ran (SCRIPT KILL then answers UNKILLABLE). */
  dirty: boolean;
  /** "eval" or "function": which KILL may stop it, and the BUSY text. */
  kind: "eval" | "function";
  /** The script's name in FUNCTION STATS (the function name, or the sha for EVAL). */
  name: string;
  /** The command that started it, for FUNCTION STATS. */
  command: Buffer[];
  startedAt: number;
  /** Called once with the result when the run turned asynchronous (run() returned null). */
  onDone: ((r: RunResult) => void) | null;
  /** Error texts redis.call already counted in errorstats: the script's error reply carrying one is not counted again. */
  counted: Set<string>;
}

export type RunResult =
  /** A compile check or flush done. */
  | { kind: "ok" }
  /** A script's result as the driver encoded it (RESP3 bytes; see transcode). */
  | { kind: "resp"; resp: 2 | 3; bytes: Buffer }
  | { kind: "compile-error"; message: string }
  | { kind: "error"; value: Extract<LuaValue, { err: Buffer }> }
  | { kind: "library"; functions: Array<{ name: string; flags: string[]; description: string | null }> }
  | { kind: "no-function" }
  /** Stopped by SCRIPT KILL / FUNCTION KILL. */
  | { kind: "killed" }
  /** FUNCTION LOAD's library body ran past its time limit. */
  | { kind: "load-timeout" };

/** Valkey stops a library's registration code after this long (function_lua.c). */
const LOAD_TIMEOUT_MS = 500;
/** A job that runs no script (compile check, flush) answers well within this, or the engine thread is gone. */
const SILENT_MS = 60_000;
/** In the asynchronous phase, how long the server thread serves the script before it reads sockets again. */
const SLICE_MS = 20;


interface Run {
  mode: "c" | "e" | "l" | "f" | "x";
  ctx: RunContext | null;
  /** Store time at the start: the script sees one instant, so keys do not expire under it. */
  now: number;
  /** In the asynchronous phase. */
  busy: boolean;
  /** expiryPaused as it was before the asynchronous phase paused active expiry. */
  expiryWasPaused: boolean;
  timer: ReturnType<typeof setImmediate> | null;
  /** Send the job again with its source (the driver loop asked for it). */
  resend: () => void;
}

interface Host {
  worker: Worker;
  port: MessagePort;
  ch: Channel;
  ready: boolean;
  loading: Promise<void>;
  error: unknown;
  run: Run | null;
  /** Terminated on purpose (KILL, crash, server closed). */
  gone: boolean;
  /** The Lua heap after the last job, in bytes (INFO used_memory_lua). */
  luaMemory: number;
  /**
   * Ids (script sha, library code sha) whose source the engine thread was sent: later jobs go without it (a
   * BullMQ script is ~30 KB, and copying it into the shared region cost more than the rest of the job). When the
   * driver loop no longer has one (its cache was reset), it asks again ("m") and the job is sent with the source.
   */
  sent: Set<string>;
}

const hosts = new WeakMap<Server, Host>();
const closeHooked = new WeakSet<Server>();
const scriptClients = new WeakMap<Server, Client>();
let enginePath: string | null = null;

export function engineReady(server: Server): boolean {
  return hosts.get(server)?.ready === true;
}

/** Start the server's engine thread (once); resolves when it can run scripts. */
export function loadEngine(server: Server): Promise<void> {
  let h = hosts.get(server);
  if (h === undefined || h.gone) {
    h = spawn(server);
    hosts.set(server, h);
  }
  return h.loading;
}

/** Bytes the Lua heap held after the last job; 0 until a script has run. */
export function luaMemory(server: Server): number {
  return hosts.get(server)?.luaMemory ?? 0;
}

export function engineLoadError(server: Server): unknown {
  return hosts.get(server)?.error ?? null;
}

function engineOptions(): unknown {
  const vk = VALKEY_VERSION.split(".").map(Number);
  const rd = REDIS_COMPAT_VERSION.split(".").map(Number);
  return {
    // No instruction budget (-1 turns the engine's off; leaving it unset keeps a small default): a long script
    // gets BUSY and SCRIPT KILL, as in Valkey.
    limits: { maxFuel: -1 },
    profile: "valkey-8.0",
    redisProps: {
      REDIS_VERSION: { value: REDIS_COMPAT_VERSION },
      REDIS_VERSION_NUM: { value: (rd[0]! << 16) | (rd[1]! << 8) | rd[2]! },
      VALKEY_VERSION: { value: VALKEY_VERSION },
      VALKEY_VERSION_NUM: { value: (vk[0]! << 16) | (vk[1]! << 8) | vk[2]! },
      SERVER_NAME: { value: "valkey" },
    },
  };
}

/** Each server's math.random state (lrand48's three 16-bit limbs): it outlives the engine thread, which SCRIPT
 *  KILL ends, as Valkey's outlives a script. Starts at lrand48's default seed, as Valkey's does. */
const rands = new WeakMap<Server, SharedArrayBuffer>();
function randState(server: Server): SharedArrayBuffer {
  let s = rands.get(server);
  if (s === undefined) {
    s = new SharedArrayBuffer(6);
    new Uint16Array(s).set([0x330e, 0xabcd, 0x1234]);
    rands.set(server, s);
  }
  return s;
}

function spawn(server: Server): Host {
  enginePath ??= createRequire(import.meta.url).resolve("lua-redis-wasm");
  const sab = Channel.create(CAP);
  const { MessageChannel, Worker, receiveMessageOnPort } = builtin("node:worker_threads");
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { sab, port: port2, enginePath, hot: HOT, cold: COLD, options: engineOptions(), cap: CAP, rand: randState(server) },
    transferList: [port2],
  });
  worker.unref();
  const ch = new Channel(sab, port1, receiveMessageOnPort as (p: unknown) => { message: unknown } | undefined, 0, CAP, SPIN, builtin("node:os"));
  const h: Host = { worker, port: port1, ch, ready: false, loading: Promise.resolve(), error: null, run: null, gone: false, luaMemory: 0, sent: new Set() };
  h.loading = new Promise<void>((resolve, reject) => {
    worker.once("message", (m: unknown) => {
      if (m === "ready") {
        h.ready = true;
        resolve();
      } else {
        h.error = new Error((m as { fail?: string }).fail ?? String(m));
        reject(h.error);
      }
    });
    worker.once("error", (e) => {
      h.error ??= e;
      reject(e);
    });
  });
  h.loading.catch(() => {});
  worker.once("exit", () => {
    if (h.gone) return;
    // An engine thread that died on its own: the next script starts a new one.
    h.gone = true;
    h.ready = false;
    if (hosts.get(server) === h) hosts.delete(server);
    const r = h.run;
    if (r !== null && r.busy) finishAsync(server, h, r, crashResult("the Lua engine thread exited"));
  });
  if (!closeHooked.has(server)) {
    closeHooked.add(server);
    server.onClose(() => {
      const cur = hosts.get(server);
      if (cur !== undefined) stop(server, cur);
    });
  }
  return h;
}

function scriptClient(server: Server): Client {
  let fc = scriptClients.get(server);
  if (fc === undefined) {
    const conn: Connection = {
      write() {},
      end() {},
      destroy() {},
      pendingBytes: () => 0,
      remoteAddress: "lua",
      remotePort: 0,
      localAddress: "",
      localPort: 0,
      fd: -1,
    };
    fc = new ClientClass(server, conn, 0);
    fc.setAuthenticated(true);
    fc.inScript = true;
    fc.name = "";
    scriptClients.set(server, fc);
  }
  return fc;
}

/** Structured clone turned the engine's Buffers into Uint8Arrays; turn them back. */
function rebuffer(v: unknown): LuaValue {
  if (v === null || typeof v !== "object") return v as LuaValue;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(rebuffer);
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) o[k] = rebuffer((v as Record<string, unknown>)[k]);
  return o as LuaValue;
}

/**
 * Run a job in the driver loop. mode: "c" compile check, "e" EVAL, "l" FUNCTION LOAD, "f" FCALL, "x" drop what
 * the loop compiled. `id` names the compiled code the loop keeps (the script's sha, the library's code sha; ""
 * otherwise). `ctx` is null for "c", "l" and "x" (no command may run). Returns null when the run turned
 * asynchronous: ctx.onDone gets the result.
 */
export function run(
  server: Server,
  mode: "c" | "e" | "l" | "f" | "x",
  id: string,
  source: Buffer,
  keys: Buffer[],
  args: Buffer[],
  fname: string,
  ctx: RunContext | null,
): RunResult | null {
  const h = hosts.get(server);
  if (h === undefined || !h.ready || h.gone) throw new Error("Lua engine not loaded");
  if (h.run !== null) throw new Error("a script is already running");
  const resend = (): void => sendJob(h, mode, id, source, keys, args, fname, true);
  const r: Run = { mode, ctx, now: server.store.now, busy: false, expiryWasPaused: false, timer: null, resend };
  h.run = r;
  // The script's commands run in the caller's db (a SELECT inside the script stays inside it).
  if (ctx !== null) scriptClient(server).db = ctx.caller.db;
  if (mode === "x") h.sent.clear();
  sendJob(h, mode, id, source, keys, args, fname, id === "" || mode === "l" || !h.sent.has(id));
  const limit = mode === "l" ? LOAD_TIMEOUT_MS : ctx !== null ? Number(server.param("busy-reply-threshold")) : SILENT_MS;
  const out = drive(server, h, r, performance.now() + limit);
  if (out !== null) return out;
  if (ctx === null) {
    h.run = null;
    stop(server, h);
    if (mode === "l") return { kind: "load-timeout" };
    // A compile check or flush never takes this long: the thread is gone (its exit cannot be seen from here).
    return crashResult("the Lua engine did not answer");
  }
  r.busy = true;
  r.expiryWasPaused = server.store.expiryPaused;
  server.busyScript = ctx.kind;
  server.log("warning", `Slow script detected: still in execution after ${Date.now() - ctx.startedAt} milliseconds. You can try killing the script using the ${ctx.kind === "eval" ? "SCRIPT KILL" : "FUNCTION KILL"} command. Script name is: ${ctx.name}.`);
  r.timer = setImmediate(() => pump(server, h, r));
  return null;
}

/**
 * The job: numkeys, then the packed list mode, id, source (empty unless `withSource`), function name, keys...,
 * args... (worker.ts); the names go in as latin1 (a sha, a function name), written in place.
 */
function sendJob(h: Host, mode: string, id: string, source: Buffer, keys: Buffer[], args: Buffer[], fname: string, withSource: boolean): void {
  if (withSource && id !== "" && mode !== "l") h.sent.add(id);
  const src = withSource ? source.length : 0;
  let size = 8 + 5 + 4 + id.length + 4 + src + 4 + fname.length;
  for (const k of keys) size += 4 + k.length;
  for (const a of args) size += 4 + a.length;
  h.ch.send(J.JOB, size, (b) => {
    b.writeUInt32LE(keys.length, 0);
    b.writeUInt32LE(4 + keys.length + args.length, 4);
    b.writeUInt32LE(1, 8);
    b[12] = mode.charCodeAt(0);
    let o = b.writeUInt32LE(id.length, 13);
    o += b.write(id, o, "latin1");
    o = b.writeUInt32LE(src, o);
    if (withSource) o += source.copy(b, o);
    o = b.writeUInt32LE(fname.length, o);
    o += b.write(fname, o, "latin1");
    Channel.pack(b, Channel.pack(b, o, keys), args);
  });
}

/** Serve the engine thread until the run ends (its result) or `deadline` passes (null). */
function drive(server: Server, h: Host, r: Run, deadline: number): RunResult | null {
  const ch = h.ch;
  for (;;) {
    const m: Incoming | undefined = ch.recv(deadline);
    if (m === undefined) return null;
    const d = m.data;
    switch (m.type) {
      case M.CALL: {
        const out = hostCall(server, r, Channel.unpack(d, 1), d[0] === 3 ? 3 : 2);
        ch.send(J.REPLY, out.length, (b) => b.set(out, 0));
        break;
      }
      case M.LOG:
        hostLog(server, d[0]!, d.subarray(1));
        ch.send(J.ACK, 0, () => {});
        break;
      case M.REPORT:
        if (d[0] === 0x6d) {
          // "m": the driver loop does not have this script compiled; the same job again, with the source.
          r.resend();
          break;
        }
        h.run = null;
        h.luaMemory = d.readUInt32LE(2);
        return report(String.fromCharCode(d[0]!), d[1] === 3 ? 3 : 2, d.subarray(6));
      case M.VALUE:
        // The loop ended (a script raised an error); the next one starts with nothing compiled.
        h.run = null;
        h.sent.clear();
        return decode(rebuffer(m.value));
      default: {
        // A trap inside the engine: this thread is finished; the next script starts a new one.
        h.run = null;
        stop(server, h);
        server.log("warning", `Lua engine failure: ${String(m.value)}`);
        return crashResult("the Lua engine failed");
      }
    }
  }
}

const crashResult = (why: string): RunResult => ({ kind: "error", value: { err: Buffer.from(`ERR ${why} while running the script`) } });

/** Asynchronous phase: serve the script for a slice, then let the event loop run (BUSY replies, KILL). */
function pump(server: Server, h: Host, r: Run): void {
  r.timer = null;
  if (h.run !== r) return;
  server.store.expiryPaused = true;
  const out = drive(server, h, r, performance.now() + SLICE_MS);
  if (out === null) {
    r.timer = setImmediate(() => pump(server, h, r));
    return;
  }
  finishAsync(server, h, r, out);
}

function finishAsync(server: Server, h: Host, r: Run, out: RunResult): void {
  if (r.timer !== null) clearImmediate(r.timer);
  r.timer = null;
  if (h.run === r) h.run = null;
  server.busyScript = null;
  server.store.expiryPaused = r.expiryWasPaused;
  r.ctx!.onDone?.(out);
}

/** Terminate the engine thread; a new one starts for the next script. */
function stop(server: Server, h: Host): void {
  h.gone = true;
  h.ready = false;
  if (hosts.get(server) === h) hosts.delete(server);
  h.port.close();
  void h.worker.terminate();
}

/** SCRIPT FLUSH / FUNCTION FLUSH: the engine drops what it compiled (and its heap shrinks, as in Valkey). */
export function dropCompiled(server: Server): void {
  const h = hosts.get(server);
  if (h !== undefined && h.ready && !h.gone && h.run === null) run(server, "x", "", Buffer.alloc(0), [], [], "", null);
}

/** The script running asynchronously (past busy-reply-threshold), if any. */
export function busyRun(server: Server): RunContext | null {
  const r = hosts.get(server)?.run;
  return r !== undefined && r !== null && r.busy ? r.ctx : null;
}

/** SCRIPT KILL / FUNCTION KILL: stop the asynchronous run; its caller gets the "killed" result. */
export function killRun(server: Server): void {
  const h = hosts.get(server);
  const r = h?.run;
  if (h === undefined || r === null || r === undefined || !r.busy) return;
  stop(server, h);
  finishAsync(server, h, r, { kind: "killed" });
  // Start the next engine thread now, so the next script does not wait for it.
  void loadEngine(server).catch(() => {});
}

/** A job the driver loop finished: its kind and RESP3 bytes (see driver.ts). */
function report(kind: string, resp: 2 | 3, b: Buffer): RunResult {
  switch (kind) {
    case "v":
      return { kind: "resp", resp, bytes: Buffer.from(b) };
    case "k":
      return { kind: "ok" };
    case "c":
      return { kind: "compile-error", message: latin1(b) };
    case "l":
      return library(parseReply(b, { pos: 0 }) as LuaValue[]);
    case "n":
      return { kind: "no-function" };
    default:
      throw new Error(`unexpected driver report ${kind}`);
  }
}

function library(list: LuaValue[]): RunResult {
  return {
    kind: "library",
    functions: list.map((e) => {
      const [n, fl, d] = e as [Buffer, Buffer[], Buffer | boolean];
      return { name: latin1(n), flags: (fl ?? []).map(latin1), description: Buffer.isBuffer(d) ? latin1(d) : null };
    }),
  };
}

/** What an ended driver loop returned: the error a script raised (the loop ends no other way). */
function decode(out: LuaValue): RunResult {
  if (out !== null && typeof out === "object" && !Array.isArray(out) && !Buffer.isBuffer(out) && "err" in out) {
    return { kind: "error", value: out };
  }
  throw new Error("unexpected driver result");
}

const latin1 = (b: Buffer): string => b.toString("latin1");

// ---------------------------------------------------------------------------------------------------------
// redis.call

const errReply = (text: string): Buffer => Buffer.from(`-${text}\r\n`, "latin1");
const ACL_CHECK = Buffer.from("\x01acl_check_cmd", "latin1");
const ONE = Buffer.from(":1\r\n");
const ZERO = Buffer.from(":0\r\n");
const EMPTY = Buffer.alloc(0);

/** Run one redis.call for the script; returns the RESP reply the engine converts to a Lua value. */
function hostCall(server: Server, r: Run, args: Buffer[], resp: 2 | 3): Buffer {
  const ctx = r.ctx;
  if (ctx === null) return errReply("ERR redis.call is not available here");
  // redis.acl_check_cmd(...): may the caller run this command line? (the driver's private call)
  if (args[0]!.equals(ACL_CHECK)) {
    const target = lookupCommand(args.slice(1));
    return target === undefined ? errReply("ERR") : aclAllows(ctx.caller.user, target, args.slice(1)) ? ONE : ZERO;
  }
  const e = lookupCommand(args);
  if (e === undefined) return refuse(server, ctx, SCRIPT_ERR.unknownCommand, undefined);
  if (e.run === undefined || (e.arity > 0 && args.length !== e.arity) || args.length < -e.arity) return refuse(server, ctx, SCRIPT_ERR.wrongArity, e);
  const bits = e.bits!;
  if (bits & F.NOSCRIPT) return refuse(server, ctx, SCRIPT_ERR.noscript, e);
  const denied = aclDeniedInScript(ctx.caller, e, args);
  if (denied !== null) return refuse(server, ctx, denied, e);
  if (ctx.readOnly && mayReplicate(e)) return refuse(server, ctx, SCRIPT_ERR.readOnlyWrite, e);
  if (bits & F.WRITE && server.writesRefused) return refuse(server, ctx, NOREPLICAS.reply, e);
  if (!ctx.allowOom && scriptRefusedOom(server, e, ctx.dirty)) return refuse(server, ctx, E.oom.reply, e);
  const fc = scriptClient(server);
  if (server.cluster !== null) {
    const refused = scriptClusterRefusal(server.cluster, fc, e, args);
    if (refused !== null) return errReply(refused.reply);
  }
  // The script's commands run as the caller would run them: same db (SELECT inside the script stays inside it).
  if (fc.w.proto !== resp) fc.w.proto = resp;
  fc.user = ctx.caller.user;
  fc.scriptCaller = ctx.caller;
  fc.w.take();
  // One instant for the whole script, also while other clients' commands run between asynchronous slices.
  server.store.now = r.now;
  server.call(fc, e, args);
  if (bits & F.WRITE) ctx.dirty = true;
  // Keys the script reads are tracked for the caller's client-side cache, as Valkey's call() does.
  if (ctx.caller.tracking !== null) rememberKeys(ctx.caller, e, args);
  const out = fc.w.take() ?? EMPTY;
  // A failed command was counted by server.call.
  if (out[0] === 0x2d) ctx.counted.add(out.toString("latin1", 1, out.indexOf(13)));
  return out;
}

function refuse(server: Server, ctx: RunContext, text: string, e: CommandEntry | undefined): Buffer {
  if (e !== undefined) e.rejectedCalls!++;
  server.stats.rejectedCalls++;
  server.stats.errorReply(text);
  ctx.counted.add(text);
  return errReply(text);
}

const LOG_LEVELS = ["debug", "verbose", "notice", "warning"] as const;

function hostLog(server: Server, level: number, msg: Buffer): void {
  server.log(LOG_LEVELS[level] ?? "warning", msg.toString("utf8"));
}

// ---------------------------------------------------------------------------------------------------------
// results and errors

/** Error text of a returned {err=...} value, as Valkey sends it (code and message joined). */
export function errText(v: { err: Buffer; code?: Buffer }): string {
  const msg = v.err.toString("latin1");
  return v.code !== undefined ? `${v.code.toString("latin1")} ${msg}` : msg;
}

/**
 * Write a script's result, RESP3 as the driver encoded it, to the caller in its protocol (booleans follow the
 * script's RESP). One pass over the bytes, no recursion: a result can nest thousands of levels deep.
 */
export function transcode(c: Client, b: Buffer, resp: 2 | 3): void {
  const w = c.w;
  let pos = 0;
  while (pos < b.length) {
    const t = b[pos]!;
    const eol = b.indexOf(13, pos);
    const line = b.toString("latin1", pos + 1, eol);
    pos = eol + 2;
    switch (t) {
      case 36: {
        // $
        const n = Number(line);
        w.bulk(b.subarray(pos, pos + n));
        pos += n + 2;
        break;
      }
      case 58: {
        // :
        const n = Number(line);
        w.integer(Number.isSafeInteger(n) ? n : BigInt(line));
        break;
      }
      case 42: // *
        w.array(Number(line));
        break;
      case 37: // %
        w.map(Number(line));
        break;
      case 126: // ~
        w.set(Number(line));
        break;
      case 35: // #
        if (resp === 3) w.bool(line === "t");
        else if (line === "t") w.integer(1);
        else w.null();
        break;
      case 95: // _
        w.null();
        break;
      case 45: // -
        w.error(line);
        break;
      case 43: // +
        w.simple(line);
        break;
      case 44: // ,
        w.double(EngineReply.double(line));
        break;
      case 40: // (
        w.bigNumber(line);
        break;
      case 61: {
        // =
        const n = Number(line);
        w.verbatim(b.subarray(pos + 4, pos + n), b.toString("latin1", pos, pos + 3));
        pos += n + 2;
        break;
      }
      default:
        throw new Error(`unexpected result byte ${t}`);
    }
  }
}

const POS = /(?:user_script|user_function):(\d+): $/;

/**
 * The error a script raised, in Valkey's form: "<message> script: <label>, on @<chunk>:<line>." Messages from
 * redis.call failures and error({err=...}) are used as they are; Lua runtime errors get "ERR ".
 */
export function raisedError(v: { err: Buffer; code?: Buffer; meta?: { kind?: string; name?: string; line: number } }, chunk: string): {
  message: string;
  line: number;
} {
  const meta = v.meta;
  if (meta?.kind === "global-read") {
    return { message: `ERR ${chunk}:${meta.line}: ${SCRIPT_ERR.globalRead(meta.name ?? "")}`, line: meta.line };
  }
  const raw = v.err.toString("latin1");
  const code = v.code?.toString("latin1");
  const mark = raw.indexOf("\x01");
  if (mark >= 0) {
    const m = POS.exec(raw.slice(0, mark));
    // error(nil) / error(true): the value's text (driver.ts, Er).
    const message = raw.charCodeAt(mark + 1) === 2 ? `ERR ${raw.slice(mark + 2)}` : raw.slice(mark + 1);
    return { message, line: m ? Number(m[1]) : 1 };
  }
  const full = code !== undefined && code !== "ERR" ? `${code} ${raw}` : raw;
  const m = /^(?:user_script|user_function):(\d+):/.exec(full);
  return { message: `ERR ${full}`, line: m ? Number(m[1]) : 1 };
}
