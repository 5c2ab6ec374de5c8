// The Lua engine's thread. Scripts run here, not on the server's thread, so that a long script can be answered
// with BUSY and stopped with SCRIPT KILL / FUNCTION KILL (terminating this thread is the only way to stop a
// wasm loop). The code is a string run with `new Worker(src, { eval: true })`: one source that works the same
// from src/ under Bun or vitest and from the esbuild bundle, with no worker file to locate on disk.
//
// Traffic with the server thread goes through one MessagePort read synchronously on both sides
// (receiveMessageOnPort), with two counters in a SharedArrayBuffer to wake the reader: ctrl[0] is bumped after
// each message to the server thread, ctrl[1] after each message to this one. Each side spins briefly before
// sleeping in Atomics.wait: a redis.call is a round trip, and a futex wake-up costs tens of µs on small VMs.
//
// Messages to the server:  {t:"call", a: argv packed, r: resp}  {t:"log", l, m}  {t:"crash", m}
//                          {t:"done", k: kind, r: resp, b: RESP3 bytes} (a job the driver loop finished)
//                          {t:"done", v} (the loop ended with an error: the engine's error value)
// Messages from the server: {a: [mode, id, source, function name, keys..., args...] packed, k: numkeys} (a job)
//                           {r: RESP bytes} (a redis.call reply)
//
// Payloads are exact-size Uint8Arrays: structured clone copies a view's whole ArrayBuffer, and small Buffers
// share an 8 KiB pool. The driver loop (driver.ts) keeps compiled scripts; `known` mirrors which ids it has,
// so their source is not copied into Lua again.

import { parseReply } from "./resp-value.js";

export const SPIN = 20000;

export const WORKER_SOURCE = String.raw`
"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const { sab, port, enginePath, hot, cold, options } = workerData;
const ctrl = new Int32Array(sab);
const SPIN = ${SPIN};
const parseReply = ${parseReply.toString()};
function send(m, transfer) {
  port.postMessage(m, transfer);
  Atomics.add(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
}
function recv() {
  for (;;) {
    const s = Atomics.load(ctrl, 1);
    const r = receiveMessageOnPort(port);
    if (r !== undefined) return r.message;
    let i = 0;
    while (i++ < SPIN && Atomics.load(ctrl, 1) === s);
    if (Atomics.load(ctrl, 1) === s) Atomics.wait(ctrl, 1, s);
  }
}
function pack(list) {
  let n = 4;
  for (const b of list) n += 4 + b.length;
  const out = Buffer.from(new ArrayBuffer(n));
  let o = out.writeUInt32LE(list.length, 0);
  for (const b of list) {
    o = out.writeUInt32LE(b.length, o);
    o += b.copy(out, o);
  }
  return out;
}
// Buffers in a result become exact copies (see above); the server thread turns them back into Buffers.
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
let fresh = false;
let current = null;
function unpack(u) {
  const b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const n = b.readUInt32LE(0);
  const out = new Array(n);
  let o = 4;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32LE(o);
    o += 4;
    out[i] = b.subarray(o, o + len);
    o += len;
  }
  return out;
}
// A job as the driver loop reads it: mode, id, source ("" when the loop has it), function name, numkeys, ...
function jobValue(job, head) {
  const p = unpack(job.a);
  const id = p[1].toString("latin1");
  let src = p[2];
  if (id !== "" && (p[0][0] === 0x65 || p[0][0] === 0x63 || p[0][0] === 0x66)) {
    if (known.has(id)) src = EMPTY;
    else known.add(id);
  }
  return [...head, p[0], p[1], src, p[3], job.k, ...p.slice(4)];
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
        return jobValue(current, [TOKEN_BUF, COLD_BUF]);
      }
      if (args.length === 4 && args[0].length === TOKEN_BUF.length && args[0].equals(TOKEN_BUF)) {
        const kind = args[1].toString("latin1");
        if (kind === "m") {
          // The loop dropped its cache: send the source again.
          known.clear();
          return jobValue(current, []);
        }
        const b = new Uint8Array(args[3]);
        send({ t: "done", k: kind, r: args[2][0] === 0x33 ? 3 : 2, b }, [b.buffer]);
        current = recv();
        return jobValue(current, []);
      }
      const a = pack(args);
      send({ t: "call", a, r: resp }, [a.buffer]);
      const m = recv();
      const b = Buffer.from(m.r.buffer, m.r.byteOffset, m.r.byteLength);
      const v = b.length === 0 ? null : parseReply(b, { pos: 0 });
      // The engine hands every null to Lua as false; under RESP3 Valkey gives nil, so the driver turns this
      // marker into nil (top-level replies only).
      return v === null && resp === 3 ? NIL_MARK : v;
    },
    log(level, msg) {
      send({ t: "log", l: level, m: new Uint8Array(msg) });
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
    current = recv();
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
        send({ t: "crash", m: String((e && e.stack) || e) });
        return;
      }
      send({ t: "done", v: detach(out) });
      current = recv();
    }
  },
  (e) => parentPort.postMessage({ fail: String((e && e.message) || e) }),
);
`;
