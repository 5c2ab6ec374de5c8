// The Lua engine's thread. Scripts run here, not on the server's thread, so that a long script can be answered
// with BUSY and stopped with SCRIPT KILL / FUNCTION KILL (terminating this thread is the only way to stop a
// wasm loop). The code is a string run with `new Worker(src, { eval: true })`: one source that works the same
// from src/ under Bun or vitest and from the esbuild bundle, with no worker file to locate on disk. The
// functions it shares with the server thread (Channel, parseReply) are copied in as source.
//
// Traffic goes through a Channel (channel.ts). Messages to the server thread (M.*):
//   CALL   [resp][argv packed]                  a redis.call; answered with REPLY [RESP bytes]
//   LOG    [level][message]                     redis.log; answered with ACK
//   REPORT [kind][resp][lua heap u32][RESP3 bytes]  the driver loop finished a job (kinds in driver.ts)
//   VALUE  (structured)                         the loop ended with an error: the engine's error value
//   CRASH  (string)                             the engine trapped; this thread is done
// Messages to this thread (J.*): JOB [numkeys u32][mode, id, source, function name, keys..., args... packed].
// The driver loop keeps compiled scripts; `known` mirrors which ids it has, so their source is not copied into
// Lua again.

import { parseReply } from "./resp-value.js";
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
const Channel = ${Channel.toString()};
const parseReply = ${parseReply.toString()};
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
const EMPTY = Buffer.alloc(0);
const known = new Set();
const NIL_MARK = { ok: Buffer.from(TOKEN + "nil", "latin1") };
function markNulls(v) {
  if (v === null) return NIL_MARK;
  if (Array.isArray(v)) return v.map(markNulls);
  if (v !== null && typeof v === "object" && !Buffer.isBuffer(v)) {
    if (Array.isArray(v.map)) return { map: v.map.map(([k, x]) => [markNulls(k), markNulls(x)]) };
    if (Array.isArray(v.set)) return { set: v.set.map(markNulls) };
  }
  return v;
}
let fresh = false;
// The job in hand. Its bytes stay valid in the channel until this thread sends its report.
let current = null;
// A job as the driver loop reads it: mode, id, source ("" when the loop has it), function name, numkeys, ...
function jobValue(head) {
  const d = current.data;
  const p = Channel.unpack(d, 4, false);
  const id = p[1].toString("latin1");
  if (p[0][0] === 0x78) known.clear();
  let src = p[2];
  if (id !== "" && p[0][0] !== 0x6c) {
    if (known.has(id)) src = EMPTY;
    else known.add(id);
  }
  return [...head, p[0], p[1], src, p[3], d.readUInt32LE(0), ...p.slice(4)];
}
const { LuaWasmEngine } = require(enginePath);
LuaWasmEngine.create({
  ...options,
  host: {
    redisCall: () => ({ err: Buffer.from("ERR redis.call is routed through redis.pcall") }),
    redisPcall(args) {
      if (fresh) {
        // The loop's first call: its token, the COLD chunk and the job that started it.
        fresh = false;
        return jobValue([TOKEN_BUF, COLD_BUF]);
      }
      if (args.length === 5 && args[0].length === TOKEN_BUF.length && args[0].equals(TOKEN_BUF)) {
        const kind = args[1][0];
        if (kind === 0x6d) {
          // "m": the loop dropped its cache; send the source again.
          known.clear();
          return jobValue([]);
        }
        const bytes = args[3];
        ch.send(M.REPORT, 6 + bytes.length, (b) => {
          b[0] = kind;
          b[1] = args[2][0] === 0x33 ? 3 : 2;
          b.writeUInt32LE(Math.min(Number(args[4].toString("latin1")) || 0, 0xffffffff), 2);
          b.set(bytes, 6);
        });
        current = ch.recv();
        return jobValue([]);
      }
      ch.send(M.CALL, 1 + Channel.packedSize(args), (b) => {
        b[0] = resp;
        Channel.pack(b, 1, args);
      });
      const d = ch.recv().data;
      const v = d.length === 0 ? null : parseReply(d, { pos: 0 });
      // The engine hands every null to Lua as false; under RESP3 Valkey gives nil, so nulls travel as a marker
      // the driver turns into nil.
      return resp === 3 ? markNulls(v) : v;
    },
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
  },
}).then(
  ({ engine }) => {
    const HOT = Buffer.from(hot, "latin1");
    const ex = engine.exports;
    parentPort.postMessage("ready");
    current = ch.recv();
    for (;;) {
      // Start a driver loop with the job in hand; it returns only when a script raised an error (or on a bug).
      fresh = true;
      known.clear();
      resp = 2;
      let out;
      try {
        const sp = ex._alloc(HOT.length);
        const ap = ex._alloc(4);
        ex.HEAPU8.set(HOT, sp);
        ex.HEAPU8.fill(0, ap, ap + 4);
        try {
          out = engine.decodeResult(engine.callEvalWithArgs(sp, HOT.length, ap, 4, 0), "");
        } finally {
          ex._free_mem(sp);
          ex._free_mem(ap);
        }
      } catch (e) {
        // The wasm instance may be in any state after a trap: report it and let the server start a new thread.
        ch.sendValue(M.CRASH, String((e && e.stack) || e));
        return;
      }
      ch.sendValue(M.VALUE, detach(out));
      current = ch.recv();
    }
  },
  (e) => parentPort.postMessage({ fail: String((e && e.message) || e) }),
);
`;
