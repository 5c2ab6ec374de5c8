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
// Messages to the server:  {t:"call", a: argv packed, r: resp}  {t:"log", l, m}  {t:"done", v}  {t:"crash", m}
// Messages from the server: {a: argBuf, k: numkeys} (a job)  {r: RESP bytes} (a redis.call reply)
//
// Payloads are exact-size Uint8Arrays: structured clone copies a view's whole ArrayBuffer, and small Buffers
// share an 8 KiB pool.

import { parseReply } from "./resp-value.js";

export const SPIN = 2000;

export const WORKER_SOURCE = String.raw`
"use strict";
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const { sab, port, enginePath, hot, options } = workerData;
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
const { LuaWasmEngine } = require(enginePath);
LuaWasmEngine.create({
  ...options,
  host: {
    redisCall: () => ({ err: Buffer.from("ERR redis.call is routed through redis.pcall") }),
    redisPcall(args) {
      const a = pack(args);
      send({ t: "call", a, r: resp }, [a.buffer]);
      const m = recv();
      const b = Buffer.from(m.r.buffer, m.r.byteOffset, m.r.byteLength);
      return b.length === 0 ? null : parseReply(b, { pos: 0 });
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
    for (;;) {
      const job = recv();
      resp = 2;
      let out;
      try {
        const sp = ex._alloc(HOT.length);
        const ap = ex._alloc(job.a.length);
        ex.HEAPU8.set(HOT, sp);
        ex.HEAPU8.set(job.a, ap);
        try {
          out = engine.decodeResult(engine.callEvalWithArgs(sp, HOT.length, ap, job.a.length, job.k), "");
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
    }
  },
  (e) => parentPort.postMessage({ fail: String((e && e.message) || e) }),
);
`;
