// Engine glue: loads lua-redis-wasm on first use, runs the driver (driver.ts) for EVAL / FCALL / FUNCTION LOAD,
// and carries redis.call through the same command path as a client: a "script client" that shares the caller's
// db and protocol runs each command through server.call(), and what its ReplyWriter wrote is read back into
// Lua values (parseReply). Script results are written to the caller with its ReplyWriter (writeResult).

import type { Client } from "../client.js";
import { Client as ClientClass, type Connection } from "../client.js";
import type { Server } from "../server.js";
import { lookupCommand, F } from "../commands/index.js";
import { REDIS_COMPAT_VERSION, VALKEY_VERSION } from "../version.js";
import { HOT, COLD } from "./driver.js";

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

interface RawEngine {
  exports: {
    HEAPU8: Uint8Array;
    _alloc(n: number): number;
    _free_mem(p: number): void;
  };
  callEvalWithArgs(sp: number, sl: number, ap: number, al: number, nkeys: number): unknown;
  decodeResult(r: unknown, sha: string): LuaValue;
}

/** What a command called from a script needs to know about the script running it. */
export interface RunContext {
  caller: Client;
  /** EVAL_RO / FCALL_RO / no-writes: write commands are refused. */
  readOnly: boolean;
  /** A write command ran (SCRIPT KILL then answers UNKILLABLE). */
  dirty: boolean;
  /** The protocol redis.call replies are converted from (redis.setresp). */
  resp: 2 | 3;
  startedAt: number;
  /** "eval" or "function": which KILL may stop it, and the BUSY text. */
  kind: "eval" | "function";
}

const HOT_BUF = Buffer.from(HOT, "latin1");
const COLD_BUF = Buffer.from(COLD, "latin1");
const EMPTY = Buffer.alloc(0);

let engine: RawEngine | null = null;
let loading: Promise<void> | null = null;
let loadError: unknown = null;
/** The run in progress (scripts never nest: EVAL is noscript). */
let current: RunContext | null = null;
let currentServer: Server | null = null;
const scriptClients = new WeakMap<Server, Client>();

export function engineReady(): boolean {
  return engine !== null;
}

export function runningScript(): RunContext | null {
  return current;
}

/** Start loading the engine (once); resolves when it can run scripts. */
export function loadEngine(): Promise<void> {
  if (engine !== null) return Promise.resolve();
  if (loading !== null) return loading;
  loading = (async () => {
    try {
      const mod = (await import("lua-redis-wasm")) as unknown as {
        LuaWasmEngine: { create(o: unknown): Promise<{ engine: RawEngine }> };
      };
      const vk = VALKEY_VERSION.split(".").map(Number);
      const rd = REDIS_COMPAT_VERSION.split(".").map(Number);
      const created = await mod.LuaWasmEngine.create({
        host: {
          redisCall: () => ({ err: Buffer.from("ERR redis.call is routed through redis.pcall") }),
          redisPcall: (args: Buffer[]) => hostCall(args),
          log: (level: number, msg: Buffer) => hostLog(level, msg),
          onSetResp: (v: 2 | 3) => {
            if (current !== null) current.resp = v;
          },
        },
        // The engine counts instructions and aborts a script past this budget (its only guard against a
        // runaway script, since the server cannot answer SCRIPT KILL while the script holds the thread).
        limits: { maxFuel: 0xffffffff },
        profile: "valkey-8.0",
        redisProps: {
          REDIS_VERSION: { value: REDIS_COMPAT_VERSION },
          REDIS_VERSION_NUM: { value: (rd[0]! << 16) | (rd[1]! << 8) | rd[2]! },
          VALKEY_VERSION: { value: VALKEY_VERSION },
          VALKEY_VERSION_NUM: { value: (vk[0]! << 16) | (vk[1]! << 8) | vk[2]! },
          SERVER_NAME: { value: "valkey" },
        },
      });
      engine = created.engine;
    } catch (e) {
      loadError = e;
      throw e;
    } finally {
      loading = null;
    }
  })();
  return loading;
}

export function engineLoadError(): unknown {
  return loadError;
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

export type RunResult =
  | { kind: "value"; resp: 2 | 3; value: LuaValue }
  | { kind: "compile-error"; message: string }
  | { kind: "error"; value: Extract<LuaValue, { err: Buffer }> }
  | { kind: "library"; functions: Array<{ name: string; flags: string[]; description: string | null }> }
  | { kind: "no-function" };

/**
 * Run the driver. mode: "c" compile check, "e" EVAL, "l" FUNCTION LOAD, "f" FCALL. `ctx` is null for "c" and
 * "l" (no command may run).
 */
export function run(
  server: Server,
  mode: "c" | "e" | "l" | "f",
  source: Buffer,
  keys: Buffer[],
  args: Buffer[],
  fname: string,
  ctx: RunContext | null,
): RunResult {
  const eng = engine;
  if (eng === null) throw new Error("Lua engine not loaded");
  const all = [...keys, ...args, Buffer.from(mode), source, Buffer.from(fname, "latin1"), COLD_BUF];
  let total = 4;
  for (const b of all) total += 4 + b.length;
  const argBuf = Buffer.allocUnsafe(total);
  let o = argBuf.writeUInt32LE(all.length, 0);
  for (const b of all) {
    o = argBuf.writeUInt32LE(b.length, o);
    o += b.copy(argBuf, o);
  }
  const ex = eng.exports;
  const sp = ex._alloc(HOT_BUF.length);
  const ap = ex._alloc(argBuf.length);
  ex.HEAPU8.set(HOT_BUF, sp);
  ex.HEAPU8.set(argBuf, ap);
  const prevCtx = current;
  const prevServer = currentServer;
  current = ctx;
  currentServer = server;
  let fc: Client | null = null;
  let savedDb = null;
  if (ctx !== null) {
    fc = scriptClient(server);
    savedDb = fc.db;
    fc.db = ctx.caller.db;
    fc.user = ctx.caller.user;
  }
  let out: LuaValue;
  try {
    out = eng.decodeResult(eng.callEvalWithArgs(sp, HOT_BUF.length, ap, argBuf.length, keys.length), "");
  } finally {
    ex._free_mem(sp);
    ex._free_mem(ap);
    current = prevCtx;
    currentServer = prevServer;
    if (fc !== null && savedDb !== null) fc.db = savedDb;
  }
  if (Array.isArray(out)) {
    const tag = out[0];
    if (tag === -1) return { kind: "compile-error", message: latin1(out[1] as Buffer) };
    if (tag === -2) {
      const list = (out[1] ?? []) as LuaValue[];
      return {
        kind: "library",
        functions: list.map((e) => {
          const [n, fl, d] = e as [Buffer, Buffer[], Buffer | boolean];
          return { name: latin1(n), flags: (fl ?? []).map(latin1), description: Buffer.isBuffer(d) ? latin1(d) : null };
        }),
      };
    }
    if (tag === -3) return { kind: "no-function" };
    if (tag === 0 && out.length === 1 && mode === "c") return { kind: "value", resp: 2, value: null };
    return { kind: "value", resp: tag === 3 ? 3 : 2, value: out.length > 1 ? out[1]! : null };
  }
  if (out !== null && typeof out === "object" && "err" in out) return { kind: "error", value: out };
  throw new Error("unexpected driver result");
}

const latin1 = (b: Buffer): string => b.toString("latin1");

// ---------------------------------------------------------------------------------------------------------
// redis.call

const errValue = (text: string): LuaValue => ({ err: Buffer.from(text, "latin1") });

function hostCall(args: Buffer[]): LuaValue {
  const ctx = current;
  const server = currentServer;
  if (ctx === null || server === null) return errValue("ERR redis.call is not available here");
  const e = lookupCommand(args);
  if (e === undefined) return errValue("ERR Unknown Valkey command called from script");
  if (e.run === undefined || (e.arity > 0 && args.length !== e.arity) || args.length < -e.arity) {
    return errValue("ERR Wrong number of args calling Valkey command from script");
  }
  const bits = e.bits!;
  if (bits & F.NOSCRIPT) return errValue("ERR This Valkey command is not allowed from script");
  const mayWrite = (bits & F.WRITE) !== 0 || e.flags.includes("may_replicate");
  if (ctx.readOnly && mayWrite) return errValue("ERR Write commands are not allowed from read-only scripts.");
  const fc = scriptClient(server);
  fc.w.proto = ctx.resp;
  fc.w.take();
  // The script's commands run as the caller would run them: same db (SELECT inside the script stays inside it).
  server.call(fc, e, args.map((b) => Buffer.from(b)));
  if (bits & F.WRITE) ctx.dirty = true;
  const out = fc.w.take();
  if (out === null) return null;
  return parseReply(out, { pos: 0 });
}

const LOG_LEVELS = ["debug", "verbose", "notice", "warning"] as const;

function hostLog(level: number, msg: Buffer): void {
  const server = currentServer;
  if (server === null) return;
  server.log(LOG_LEVELS[level] ?? "warning", msg.toString("utf8"));
}

/** RESP (2 or 3) bytes written by a handler -> the value redis.call hands to Lua. */
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
      return { double: line === "inf" ? Infinity : line === "-inf" ? -Infinity : line === "nan" ? NaN : Number(line) };
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

// ---------------------------------------------------------------------------------------------------------
// results and errors

/** Error text of a returned {err=...} value, as Valkey sends it (code and message joined). */
export function errText(v: { err: Buffer; code?: Buffer }): string {
  const msg = v.err.toString("latin1");
  return v.code !== undefined ? `${v.code.toString("latin1")} ${msg}` : msg;
}

const oneLine = (s: string): string => s.replace(/[\r\n]/g, " ");

/** Write a script's result to the caller as Valkey converts Lua values (booleans follow the script's RESP). */
export function writeResult(c: Client, v: LuaValue, resp: 2 | 3): void {
  const w = c.w;
  if (v === null) return w.null();
  if (typeof v === "number" || typeof v === "bigint") return w.integer(v);
  if (typeof v === "boolean") {
    if (resp === 3) return w.bool(v);
    if (v) return w.integer(1);
    return w.null();
  }
  if (Buffer.isBuffer(v)) return w.bulk(v);
  if (Array.isArray(v)) {
    w.array(v.length);
    for (const x of v) writeResult(c, x, resp);
    return;
  }
  if ("err" in v) return w.error(oneLine(errText(v)));
  if ("ok" in v) return w.simple(oneLine(v.ok.toString("latin1")));
  if ("double" in v) return w.double(v.double);
  if ("big_number" in v) return w.bigNumber(v.big_number.toString("latin1"));
  if ("verbatim_string" in v) return w.verbatim(v.verbatim_string.string, v.verbatim_string.format.toString("latin1"));
  if ("map" in v) {
    w.map(v.map.length);
    for (const [k, x] of v.map) {
      writeResult(c, k, resp);
      writeResult(c, x, resp);
    }
    return;
  }
  if ("set" in v) {
    w.set(v.set.length);
    for (const x of v.set) writeResult(c, x, resp);
    return;
  }
  w.null();
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
    return { message: `ERR ${chunk}:${meta.line}: Script attempted to access nonexistent global variable '${meta.name ?? ""}'`, line: meta.line };
  }
  const raw = v.err.toString("latin1");
  const code = v.code?.toString("latin1");
  const mark = raw.indexOf("\x01");
  if (mark >= 0) {
    const m = POS.exec(raw.slice(0, mark));
    return { message: raw.slice(mark + 1), line: m ? Number(m[1]) : 1 };
  }
  const full = code !== undefined && code !== "ERR" ? `${code} ${raw}` : raw;
  const m = /^(?:user_script|user_function):(\d+):/.exec(full);
  return { message: `ERR ${full}`, line: m ? Number(m[1]) : 1 };
}
