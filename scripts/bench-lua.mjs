#!/usr/bin/env node
// In-process benchmark of a script job's engine side: the driver loop (src/scripting/driver.ts) runs in this
// process and its host calls are answered here at once with canned replies, so what is measured is the engine
// alone, no server and no sockets. A checkout with dist/scripting/vm.js runs its jobs as the server does (vm.ts:
// the asyncified engine, unwound between jobs); an older one runs the driver on lua-redis-wasm's own engine with
// no thread hop, so across that change this shows the engine's own cost, not what the thread hops cost (for that,
// npm run bench:features). Each checkout must be built (dist/).
//
//   node scripts/bench-lua.mjs [--dirs .,/path/to/base] [--cases return1,calls10,bullmq] [--jobs 20000] [--rounds 5]
//                                                                                      (bun scripts/bench-lua.mjs ...)
//
//   return1  EVALSHA of `return 1`: the fixed cost of a job (the loop, the result's encoding, the report)
//   calls10  a script making 10 redis.calls of EXISTS: the cost of the redis.call wrappers
//   bullmq   BullMQ's addStandardJob (its 8 redis.calls answered with plausible replies)
// Prints µs per job after 5000 untimed ones, the minimum over --rounds (CPU-bound and noisy on a shared machine:
// the minimum is the least disturbed run). Compare checkouts only within one run.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { options, ROOT } from "./lib/bench-common.mjs";

const { opt } = options(import.meta.url, [1, 13]);
const DIRS = opt("dirs", ".").split(",").map((d) => resolve(ROOT, d));
const CASES = opt("cases", "return1,calls10,bullmq").split(",");
const JOBS = Number(opt("jobs", "20000"));
const ROUNDS = Number(opt("rounds", "5"));
const WARM = 5000;

const require = createRequire(import.meta.url);
const { load } = require("lua-redis-wasm");
const { pack } = require("msgpackr");

const vms = new Map();
const u32 = (h, p) => (h[p] | (h[p + 1] << 8) | (h[p + 2] << 16) | (h[p + 3] << 24)) >>> 0;

/** Run `jobs` jobs of `body` (keys, args) through the driver of checkout `dir`; µs per job. */
async function measure(dir, body, keys, args, replies) {
  const { HOT, COLD } = await import(pathToFileURL(join(dir, "dist/scripting/driver.js")).href);
  const { guardScript } = await import(pathToFileURL(join(dir, "dist/scripting/globals.js")).href);
  const src = guardScript(Buffer.from(body));
  const vmFile = join(dir, "dist/scripting/vm.js");
  if (existsSync(vmFile)) {
    const { Vm } = await import(pathToFileURL(vmFile).href);
    // One engine per checkout, as a server has: every engine is a 64 MB WebAssembly memory, and past 8 of them
    // JavaScriptCore gives the next ones bounds-checked memory, which is slower (maxNumWasmFastMemories).
    if (!vms.has(dir)) vms.set(dir, await Vm.create({ limits: { maxFuel: 100_000 }, profile: "valkey-8.0" }, Uint16Array.of(0x330e, 0xabcd, 0x1234), HOT, COLD));
    const vm = vms.get(dir);
    const id = createHash("sha1").update(body).digest("hex");
    const host = {
      call(a) {
        const out = replies[Buffer.from(a[0]).toString("latin1").toUpperCase()];
        if (out === undefined) throw new Error(`bench-lua: no canned reply for ${a[0]}`);
        return out;
      },
      log() {},
      check: () => 0,
    };
    const job = (withSource) => ({ mode: "e", id, source: src, withSource, fname: "", keys, args });
    let t0 = 0;
    for (let n = 0; n < WARM + JOBS; n++) {
      if (n === WARM) t0 = performance.now();
      const s = vm.run(job(n === 0), host);
      if (s.kind !== "report" || s.report !== "v") throw new Error(`bench-lua: the job ended with ${JSON.stringify(s).slice(0, 200)} in ${dir}`);
    }
    return ((performance.now() - t0) * 1000) / JOBS;
  }
  const { EngineReply } = await import(pathToFileURL(join(dir, "dist/scripting/resp-value.js")).href);
  const encodeReply = (v) => {
    const o = new EngineReply();
    if (Buffer.isBuffer(v)) o.resp(v, 0, null);
    else {
      o.head(3, v.length);
      for (const b of v) typeof b === "number" ? o.int(b) : o.bytes(2, b, 0, b.length);
    }
    return Buffer.from(o.buf.subarray(0, o.pos));
  };
  const enc = Object.fromEntries(Object.entries(replies).map(([k, v]) => [k, encodeReply(v)]));
  const mod = await load({ limits: { maxFuel: -1 }, profile: "valkey-8.0" });
  const engine = mod.create({ redisCall: () => null, redisPcall: () => null, log() {} });
  const ex = engine.exports;
  const job = (withSource) => [Buffer.from("e"), Buffer.from("0".repeat(40)), withSource ? src : Buffer.alloc(0), Buffer.alloc(0), keys.length, ...keys, ...args];
  const first = encodeReply([Buffer.from("tok"), Buffer.from(COLD, "latin1"), ...job(true)]);
  const next = encodeReply(job(false));
  const TOKEN = [0x74, 0x6f, 0x6b];
  let n = 0;
  let t0 = 0;
  let started = false;
  let result = null;
  mod.handlers.pcall = (...a) => {
    const sret = a.length >= 3;
    const h = ex.HEAPU8;
    const p = sret ? a[1] : a[0];
    let out;
    if (!started) {
      started = true;
      out = first;
    } else if (u32(h, p) === 5 && u32(h, p + 4) === 3 && TOKEN.every((c, i) => h[p + 8 + i] === c)) {
      // the loop's report: [tok, kind, resp, bytes, heap]
      const kind = h[p + 8 + 3 + 4];
      if (kind !== 0x76) throw new Error(`bench-lua: the job ended with kind '${String.fromCharCode(kind)}' in ${dir}`);
      // the first WARM jobs are not timed: a fresh engine's WebAssembly starts in V8's baseline tier
      if (n === WARM) t0 = performance.now();
      if (n++ === WARM + JOBS) {
        result = ((performance.now() - t0) * 1000) / JOBS;
        throw new Error("done");
      }
      out = next;
    } else {
      const len = u32(h, p + 4);
      const name = Buffer.from(h.subarray(p + 8, p + 8 + len)).toString("latin1").toUpperCase();
      out = enc[name];
      if (out === undefined) throw new Error(`bench-lua: no canned reply for ${name}`);
    }
    const ptr = ex._alloc(out.length);
    ex.HEAPU8.set(out, ptr);
    if (!sret) return (BigInt(out.length) << 32n) | BigInt(ptr >>> 0);
    const dv = new DataView(ex.HEAPU8.buffer);
    dv.setUint32(a[0], ptr, true);
    dv.setUint32(a[0] + 4, out.length, true);
  };
  try {
    engine.eval(HOT);
  } catch {}
  if (result === null) throw new Error(`bench-lua: the driver of ${dir} stopped before ${JOBS} jobs`);
  return result;
}

/** A canned reply, as RESP. */
const resp = (s) => Buffer.from(`${s}\r\n`, "latin1");
const bullmqSource = () => require("bullmq/dist/cjs/scripts/addStandardJob-9.js").addStandardJob.content;
const CASE = {
  return1: () => ({ body: "return 1", keys: [], args: [], replies: {} }),
  calls10: () => ({ body: "for i=1,10 do redis.call('EXISTS', KEYS[1]) end return 1", keys: [Buffer.from("k")], args: [], replies: { EXISTS: resp(":1") } }),
  bullmq: () => ({
    body: bullmqSource(),
    keys: ["wait", "paused", "meta", "id", "completed", "delayed", "active", "events", "marker"].map((k) => Buffer.from(`bull:q:${k}`)),
    args: [pack(["bull:q:", "", "j", Date.now(), null, null, null, null, null, null]), Buffer.from('{"i":1}'), pack({ attempts: 0, removeOnComplete: true })],
    replies: {
      INCR: resp(":7"),
      HGET: resp("$5\r\n10000"),
      HMGET: resp("*2\r\n$-1\r\n$-1"),
      HMSET: resp("+OK"),
      LPUSH: resp(":1"),
      ZADD: resp(":1"),
      XADD: resp("$3\r\n1-1"),
    },
  }),
};

const rows = [];
for (const c of CASES) {
  if (!CASE[c]) throw new Error(`bench-lua: unknown case ${c} (${Object.keys(CASE).join(", ")})`);
  const { body, keys, args, replies } = CASE[c]();
  const best = DIRS.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < DIRS.length; i++) best[i] = Math.min(best[i], await measure(DIRS[i], body, keys, args, replies));
  rows.push({ case: c, ...Object.fromEntries(DIRS.map((d, i) => [d === ROOT ? "." : d, best[i].toFixed(2)])) });
}
console.log(`µs per job, in process (${typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.version}`}; minimum of ${ROUNDS} rounds of ${JOBS} jobs)`);
console.table(rows);
