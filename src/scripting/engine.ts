// Engine glue. The Lua engine (vm.ts) runs on the server's own thread, one per server, made by the first command
// that needs it; it runs the driver (driver.ts) for EVAL / FCALL / FUNCTION LOAD. A script runs to its end inside
// the command that started it, so it is atomic: each redis.call runs through the same command path as a
// client's (a "script client" sharing the caller's db runs it with server.call()) and its RESP reply goes back to
// the engine.
// A script still running after busy-reply-threshold ms turns asynchronous: the engine unwinds it at its next
// redis.call or tick, the caller waits (suspended), the event loop runs between short slices of the script,
// other clients get BUSY (the gate checks server.busyScript), and SCRIPT KILL / FUNCTION KILL stop it by dropping
// the engine. Script results arrive as RESP3 bytes encoded by the driver and are written to the caller in its
// protocol (transcode).

import type { Client } from "../client.js";
import { Client as ClientClass, type Connection } from "../client.js";
import type { Server } from "../server.js";
import { lookupCommand, F, mayReplicate, type CommandEntry } from "../commands/index.js";
import { NOREPLICAS, SCRIPT_ERR } from "../errors.js";
import { scriptClusterRefusal } from "../cluster/route.js";
import { REDIS_COMPAT_VERSION, VALKEY_VERSION } from "../version.js";
import { HOT, COLD } from "./driver.js";
import { Vm, type Step, type VmHost } from "./vm.js";
import { EngineReply, parseReply } from "./resp-value.js";
import { rememberKeys } from "../commands/tracking.js";
import { aclAllows, aclDeniedInScript } from "../acl/state.js";
import { scriptRefusedOom } from "../eviction.js";
import { E } from "../errors.js";
import { monotonicMs } from "../runtime.js";

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
  /** Error texts redis.call already counted in errorstats: the script's error reply carrying one is not counted
   *  again. Null until one is (most scripts never fail a call: no Set per script). */
  counted: Set<string> | null;
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
  /** Stopped by SCRIPT KILL / FUNCTION KILL; `line`: the line Valkey's error would name (0: not known). */
  | { kind: "killed"; line: number }
  /** FUNCTION LOAD's library body ran past its time limit. */
  | { kind: "load-timeout" };

/** Valkey stops a library's registration code after this long (function_lua.c). */
const LOAD_TIMEOUT_MS = 500;
/** In the asynchronous phase, how long the script runs before the event loop reads sockets again. */
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
  /** monotonicMs() past which the script pauses (or, for FUNCTION LOAD, is stopped). */
  deadline: number;
}

interface Host {
  vm: Vm | null;
  /** What the engine calls back while the run's job runs (the run is `run`). */
  host: VmHost;
  ready: boolean;
  loading: Promise<void>;
  error: unknown;
  run: Run | null;
  /** Dropped on purpose (KILL, crash, server closed). */
  gone: boolean;
  /**
   * Ids (script sha, library code sha) whose source the driver loop was given: later jobs go without it (a
   * BullMQ script is ~30 KB). When the loop no longer has one (its cache was reset, or it restarted after an
   * error), it asks again ("m") and gets the job again with the source (vm.ts).
   */
  sent: Set<string>;
}

const hosts = new WeakMap<Server, Host>();
const closeHooked = new WeakSet<Server>();
const scriptClients = new WeakMap<Server, Client>();

export function engineReady(server: Server): boolean {
  return hosts.get(server)?.ready === true;
}

/** Start the server's engine (once); resolves when it can run scripts. */
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
  return hosts.get(server)?.vm?.heap ?? 0;
}

export function engineLoadError(server: Server): unknown {
  return hosts.get(server)?.error ?? null;
}

function engineOptions(): Record<string, unknown> {
  const vk = VALKEY_VERSION.split(".").map(Number);
  const rd = REDIS_COMPAT_VERSION.split(".").map(Number);
  return {
    // The budget between two ticks of the engine's hook (scripts/build-lua-wasm.mjs); it is refilled at each.
    limits: { maxFuel: 100_000 },
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

/** Each server's math.random state (lrand48's three 16-bit limbs): it outlives the engine, which SCRIPT KILL
 *  drops, as Valkey's outlives a script. Starts at lrand48's default seed, as Valkey's does. */
const rands = new WeakMap<Server, Uint16Array>();
function randState(server: Server): Uint16Array {
  let s = rands.get(server);
  if (s === undefined) {
    s = Uint16Array.of(0x330e, 0xabcd, 0x1234);
    rands.set(server, s);
  }
  return s;
}

function spawn(server: Server): Host {
  const host: VmHost = {
    call: (a, resp) => hostCall(server, h.run!, a, resp),
    log: (level, msg) => hostLog(server, level, msg),
    check: () => pastDeadline(h.run!),
  };
  const h: Host = { vm: null, host, ready: false, loading: Promise.resolve(), error: null, run: null, gone: false, sent: new Set() };
  h.loading = Vm.create(engineOptions(), randState(server), HOT, COLD).then(
    (vm) => {
      h.vm = vm;
      h.ready = !h.gone;
    },
    (e: unknown) => {
      h.error = e;
      throw e;
    },
  );
  h.loading.catch(() => {});
  if (!closeHooked.has(server)) {
    closeHooked.add(server);
    // A script paused past busy-reply-threshold would otherwise go on in slices after the server closed.
    server.onClose(() => {
      const cur = hosts.get(server);
      if (cur === undefined) return;
      const r = cur.run;
      if (r !== null && r.timer !== null) clearImmediate(r.timer);
      cur.run = null;
      drop(server, cur);
    });
  }
  return h;
}

/** FUNCTION LOAD past its limit is stopped (2); a script past busy-reply-threshold pauses between slices (1). */
function pastDeadline(r: Run): 0 | 1 | 2 {
  if (monotonicMs() <= r.deadline) return 0;
  return r.mode === "l" ? 2 : r.ctx !== null ? 1 : 0;
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
  if (h === undefined || !h.ready || h.gone || h.vm === null) throw new Error("Lua engine not loaded");
  if (h.run !== null) throw new Error("a script is already running");
  const limit = mode === "l" ? LOAD_TIMEOUT_MS : ctx !== null ? Number(server.param("busy-reply-threshold")) : Infinity;
  const r: Run = {
    mode,
    ctx,
    now: server.store.now,
    busy: false,
    expiryWasPaused: false,
    timer: null,
    deadline: monotonicMs() + limit,
  };
  h.run = r;
  // The script's commands run in the caller's db (a SELECT inside the script stays inside it).
  if (ctx !== null) scriptClient(server).db = ctx.caller.db;
  if (mode === "x") h.sent.clear();
  const withSource = id === "" || mode === "l" || !h.sent.has(id);
  if (withSource && id !== "" && mode !== "l") h.sent.add(id);
  const out = settle(server, h, h.vm.run({ mode, id, source, withSource, fname, keys, args }, h.host));
  if (out !== null) return out;
  r.busy = true;
  r.expiryWasPaused = server.store.expiryPaused;
  server.busyScript = ctx!.kind;
  server.log("warning", `Slow script detected: still in execution after ${Date.now() - ctx!.startedAt} milliseconds. You can try killing the script using the ${ctx!.kind === "eval" ? "SCRIPT KILL" : "FUNCTION KILL"} command. Script name is: ${ctx!.name}.`);
  r.timer = setImmediate(() => pump(server, h, r));
  return null;
}

/** What a step of the engine means for the run: its result, or null while the script is paused. */
function settle(server: Server, h: Host, s: Step): RunResult | null {
  switch (s.kind) {
    case "paused":
      return null;
    case "report":
      h.run = null;
      return report(s.report, s.resp, s.bytes);
    case "ended":
      // The loop ended (a script raised an error value that is not a string); the next one starts with nothing
      // compiled.
      h.run = null;
      h.sent.clear();
      return decode(s.value);
    case "dead": {
      const r = h.run;
      h.run = null;
      drop(server, h);
      if (r?.mode === "l" && s.why === "stopped") return { kind: "load-timeout" };
      server.log("warning", `Lua engine failure: ${s.why}`);
      return crashResult("the Lua engine failed");
    }
  }
}

// raisedError puts "ERR " in front, as for any error the script raised.
const crashResult = (why: string): RunResult => ({ kind: "error", value: { err: Buffer.from(`${why} while running the script`) } });

/** Asynchronous phase: serve the script for a slice, then let the event loop run (BUSY replies, KILL). */
function pump(server: Server, h: Host, r: Run): void {
  r.timer = null;
  if (h.run !== r || h.vm === null) return;
  server.store.expiryPaused = true;
  r.deadline = monotonicMs() + SLICE_MS;
  const out = settle(server, h, h.vm.resume(h.host));
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

/** Drop the engine (and what it compiled); the next script makes a new one. */
function drop(server: Server, h: Host): void {
  h.gone = true;
  h.ready = false;
  h.vm = null;
  if (hosts.get(server) === h) hosts.delete(server);
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
  const line = h.vm?.scriptLine() ?? 0;
  drop(server, h);
  finishAsync(server, h, r, { kind: "killed", line });
  // Make the next engine now, so the next script does not wait for it.
  void loadEngine(server).catch(() => {});
}

/** A job the driver loop finished: its kind and RESP3 bytes (see driver.ts). */
function report(kind: string, resp: 2 | 3, b: Buffer): RunResult {
  switch (kind) {
    case "v":
      return { kind: "resp", resp, bytes: b }; // the Vm's own copy
    case "k":
      return { kind: "ok" };
    case "c":
      return { kind: "compile-error", message: latin1(b) };
    case "l":
      return library(parseReply(b, { pos: 0 }) as LuaValue[]);
    case "n":
      return { kind: "no-function" };
    case "r":
      return raised(b);
    default:
      throw new Error(`unexpected driver report ${kind}`);
  }
}

/** The engine's coded errors (its globals protection): `__RLUA_E__:<kind>[:<name>]`. */
const ERROR_MARKER = "__RLUA_E__:";

/**
 * An error the script raised, reported by the driver as "<line>:<message>": the error value lua-redis-wasm makes
 * for an error that ends a chunk (its buildScriptError), which raisedError reads.
 */
function raised(b: Buffer): RunResult {
  const colon = b.indexOf(0x3a);
  const line = Number(latin1(b.subarray(0, colon))) || 1;
  const err = b.subarray(colon + 1);
  const text = latin1(err);
  const at = text.indexOf(ERROR_MARKER);
  if (at < 0) return { kind: "error", value: { err: Buffer.from(err), code: ERR_CODE, meta: { line, sha: "" } } };
  const rest = text.slice(at + ERROR_MARKER.length);
  const sep = rest.indexOf(":");
  const [kind, name] = sep < 0 ? [rest, undefined] : [rest.slice(0, sep), rest.slice(sep + 1)];
  return { kind: "error", value: { err: Buffer.from(kind, "latin1"), code: ERR_CODE, meta: { kind, name, line, sha: "" } } };
}
const ERR_CODE = Buffer.from("ERR");

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
    const target = lookupCommand(args.slice(1), server.renames);
    return target === undefined ? errReply("ERR") : aclAllows(ctx.caller.user, target, args.slice(1)) ? ONE : ZERO;
  }
  const e = lookupCommand(args, server.renames);
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
  if (out[0] === 0x2d) (ctx.counted ??= new Set()).add(out.toString("latin1", 1, out.indexOf(13)));
  return out;
}

function refuse(server: Server, ctx: RunContext, text: string, e: CommandEntry | undefined): Buffer {
  if (e !== undefined) e.rejectedCalls!++;
  server.stats.rejectedCalls++;
  server.stats.errorReply(text);
  (ctx.counted ??= new Set()).add(text);
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
    const kind = raw.charCodeAt(mark + 1);
    const message = kind === 2 || kind === 3 ? `ERR ${raw.slice(mark + 2)}` : raw.slice(mark + 1);
    return { message, line: m ? Number(m[1]) : 1 };
  }
  const full = code !== undefined && code !== "ERR" ? `${code} ${raw}` : raw;
  const m = /^(?:user_script|user_function):(\d+):/.exec(full);
  return { message: `ERR ${full}`, line: m ? Number(m[1]) : 1 };
}
