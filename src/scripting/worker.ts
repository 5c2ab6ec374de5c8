// The Lua engine's thread. Scripts run here, not on the server's thread, so that a long script can be answered
// with BUSY and stopped with SCRIPT KILL / FUNCTION KILL (terminating this thread is the only way to stop a
// wasm loop). The code is a string run with `new Worker(src, { eval: true })`: one source that works the same
// from src/ under Bun or vitest and from the esbuild bundle, with no worker file to locate on disk. The
// functions it shares with the server thread (Channel, EngineReply) are copied in as source.
//
// Traffic goes through a Channel (channel.ts). Messages to the server thread (M.*):
//   CALL   [resp][argv packed]                  a redis.call; answered with REPLY [RESP bytes]
//   LOG    [level][message]                     redis.log; answered with ACK
//   REPORT [kind][resp][lua heap u32][RESP3 bytes]  the driver loop finished a job (kinds in driver.ts)
//   VALUE  (structured)                         the loop ended with an error: the engine's error value
//   CRASH  (string)                             the engine trapped; this thread is done
// Messages to this thread (J.*): JOB [numkeys u32][mode, id, source, function name, keys..., args... packed].
// The driver loop keeps compiled scripts: the server thread sends a script's source only until the loop has it
// (engine.ts, Host.sent); a job without it that the loop cannot run is reported "m", and comes again with it.

import { EngineReply } from "./resp-value.js";
import { Channel } from "./channel.js";

/** Message types to the server thread. */
export const M = { CALL: 1, LOG: 2, REPORT: 3, VALUE: 4, CRASH: 5 } as const;
/** Message types to the engine thread. */
export const J = { JOB: 1, REPLY: 2, ACK: 3 } as const;
/** Bytes per direction in the shared channel; larger messages go through the port. */
export const CAP = 512 * 1024;

/** Loads of the counter before sleeping: futex wake-ups cost 2-3x more CPU per EVALSHA on a 2-core VM. */
export const SPIN = 10000;

export const WORKER_SOURCE = String.raw`
"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const { sab, port, enginePath, hot, cold, options, cap } = workerData;
// The server's lrand48 state (x0, x1, x2), kept past this thread (engine.ts).
const rand = new Uint16Array(workerData.rand);
const Channel = ${Channel.toString()};
const EngineReply = ${EngineReply.toString()};
const M = ${JSON.stringify(M)};
const ch = new Channel(sab, port, receiveMessageOnPort, 1, cap, ${SPIN}, require("node:os"));
// Buffers in an error value become exact copies: structured clone copies a view's whole ArrayBuffer, and small
// Buffers share an 8 KiB pool. The server thread turns them back into Buffers.
function detach(v) {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(detach);
  const o = {};
  for (const k of Object.keys(v)) o[k] = detach(v[k]);
  return o;
}
let resp = 2;
const TOKEN = require("node:crypto").randomBytes(16).toString("hex");
const TOKEN_BUF = Buffer.from(TOKEN, "latin1");
const COLD_BUF = Buffer.from(cold, "latin1");
const NIL = Buffer.from(TOKEN + "nil", "latin1");
let fresh = false;
// The job in hand. Its bytes stay valid in the channel until this thread sends its report.
let current = null;
const out = new EngineReply();
const u32 = (h, p) => (h[p] | (h[p + 1] << 8) | (h[p + 2] << 16) | (h[p + 3] << 24)) >>> 0;
// The job as the driver loop reads it, into out: [head...], mode, id, source ("" once the loop has it), function
// name, numkeys, keys..., args... (the job is [numkeys u32][count u32][len u32, bytes]...).
function writeJob(head) {
  const d = current.data;
  const n = d.readUInt32LE(4);
  out.pos = 0;
  out.head(3, head.length + n + 1);
  for (const h of head) out.bytes(2, h, 0, h.length);
  let o = 8;
  for (let i = 0; i < n; i++) {
    const len = d.readUInt32LE(o);
    out.bytes(2, d, o + 4, o + 4 + len);
    o += 4 + len;
    if (i === 3) out.int(d.readUInt32LE(0));
  }
}
// A host call from the driver: its arguments are an argument array in the engine's memory ([count u32][len u32,
// bytes]...: the layout of the channel's jobs and calls, so a redis.call goes to the server thread as it is), and its
// answer is written to out. Decoding arguments to Buffers and encoding the answer from JS values, as the
// engine's own handler does, was a third of this thread's work per EVALSHA.
function answer(h, p, len) {
  if (fresh) {
    // The loop's first call: its token, the COLD chunk and the job that started it.
    fresh = false;
    writeJob([TOKEN_BUF, COLD_BUF]);
    return;
  }
  const argc = u32(h, p);
  if (argc <= 2 && u32(h, p + 4) === TOKEN_BUF.length && TOKEN_BUF.equals(h.subarray(p + 8, p + 8 + TOKEN_BUF.length))) {
    // math.random's lrand48 (driver.ts): rp(T) steps it, rp(T, seed) is srand48(seed). x = x * 0x5DEECE66D + 0xB
    // mod 2^48 on three 16-bit limbs, as Valkey's rand.c does, so every product stays exact in a double.
    out.pos = 0;
    if (argc === 2) {
      let seed = 0;
      for (let i = p + 12 + TOKEN_BUF.length, e = i + u32(h, i - 4); i < e; i++) seed = seed * 10 + h[i] - 48;
      rand[0] = 0x330e;
      rand[1] = seed & 0xffff;
      rand[2] = seed >>> 16;
      out.int(0);
      return;
    }
    const x0 = rand[0], x1 = rand[1], x2 = rand[2];
    const p0 = 0xe66d * x0 + 0xb;
    const p1 = 0xe66d * x1 + 0xdeec * x0 + Math.floor(p0 / 65536);
    rand[0] = p0 % 65536;
    rand[1] = p1 % 65536;
    rand[2] = (0xe66d * x2 + 0xdeec * x1 + 0x5 * x0 + Math.floor(p1 / 65536)) % 65536;
    out.int(rand[2] * 32768 + (rand[1] >>> 1));
    return;
  }
  if (argc === 5 && u32(h, p + 4) === TOKEN_BUF.length && TOKEN_BUF.equals(h.subarray(p + 8, p + 8 + TOKEN_BUF.length))) {
    const at = [];
    for (let i = 0, o = p + 4; i < 5; i++) {
      at.push(o + 4);
      o += 4 + u32(h, o);
    }
    const kind = h[at[1]];
    const bytes = h.subarray(at[3], at[3] + u32(h, at[3] - 4));
    let heap = 0;
    for (let i = at[4], e = i + u32(h, at[4] - 4); i < e; i++) heap = heap * 10 + h[i] - 48;
    ch.send(M.REPORT, 6 + bytes.length, (b) => {
      b[0] = kind;
      b[1] = h[at[2]] === 0x33 ? 3 : 2;
      b.writeUInt32LE(Math.min(heap, 0xffffffff), 2);
      b.set(bytes, 6);
    });
    current = ch.recv();
    writeJob([]);
    return;
  }
  ch.send(M.CALL, 1 + len, (b) => {
    b[0] = resp;
    b.set(h.subarray(p, p + len), 1);
  });
  const d = ch.recv().data;
  // The engine hands every null to Lua as false; under RESP3 Valkey gives nil, so nulls travel as a marker
  // the driver turns into nil.
  const nil = resp === 3 ? NIL : null;
  out.pos = 0;
  if (d.length === 0) out.null(nil);
  else out.resp(d, 0, nil);
}
const { load } = require(enginePath);
load(options).then((mod) => {
  const engine = mod.create({
    redisCall: () => ({ err: Buffer.from("ERR redis.call is routed through redis.pcall") }),
    redisPcall: () => ({ err: Buffer.from("ERR redis.pcall is answered by the engine thread") }),
    log(level, msg) {
      ch.send(M.LOG, 1 + msg.length, (b) => {
        b[0] = level;
        b.set(msg, 1);
      });
      ch.recv();
    },
    onSetResp(v) {
      resp = v;
    },
  });
  const ex = engine.exports;
  // In place of the engine's pcall handler (see answer). Its ABI as the engine's own handler reads it: with
  // three arguments the first is where to store {ptr, len}, else {ptr, len} is returned as one 64-bit value.
  mod.handlers.pcall = (...a) => {
    const sret = a.length >= 3;
    answer(ex.HEAPU8, sret ? a[1] : a[0], sret ? a[2] : a[1]);
    const n = out.pos;
    const ptr = ex._alloc(n);
    const h = ex.HEAPU8;
    h.set(out.buf.subarray(0, n), ptr);
    if (!sret) return (BigInt(n) << 32n) | BigInt(ptr >>> 0);
    const r = a[0];
    h[r] = ptr & 0xff; h[r + 1] = (ptr >>> 8) & 0xff; h[r + 2] = (ptr >>> 16) & 0xff; h[r + 3] = ptr >>> 24;
    h[r + 4] = n & 0xff; h[r + 5] = (n >>> 8) & 0xff; h[r + 6] = (n >>> 16) & 0xff; h[r + 7] = n >>> 24;
  };
  return engine;
}).then(
  (engine) => {
    const HOT = Buffer.from(hot, "latin1");
    const ex = engine.exports;
    parentPort.postMessage("ready");
    current = ch.recv();
    for (;;) {
      // Start a driver loop with the job in hand; it returns only when a script raised an error (or on a bug).
      fresh = true;
      resp = 2;
      let ended;
      try {
        const sp = ex._alloc(HOT.length);
        const ap = ex._alloc(4);
        ex.HEAPU8.set(HOT, sp);
        ex.HEAPU8.fill(0, ap, ap + 4);
        try {
          ended = engine.decodeResult(engine.callEvalWithArgs(sp, HOT.length, ap, 4, 0), "");
        } finally {
          ex._free_mem(sp);
          ex._free_mem(ap);
        }
      } catch (e) {
        // The wasm instance may be in any state after a trap: report it and let the server start a new thread.
        ch.sendValue(M.CRASH, String((e && e.stack) || e));
        return;
      }
      ch.sendValue(M.VALUE, detach(ended));
      current = ch.recv();
    }
  },
  (e) => parentPort.postMessage({ fail: String((e && e.message) || e) }),
);
`;
