#!/usr/bin/env node
// In-process benchmark of the Lua driver (src/scripting/driver.ts): lua-redis-wasm loaded in this process runs the
// driver loop, and its host calls are answered here at once with canned replies, so what is measured is the Lua
// side of a script job alone: no worker thread, no channel, no server. This is where the per-operation costs in
// docs/performance.md (fifth round) come from. Each checkout must be built (dist/).
//
//   node scripts/bench-lua.mjs [--dirs .,/path/to/base] [--cases return1,calls10,bullmq] [--jobs 20000] [--rounds 5]
//                                                                                      (bun scripts/bench-lua.mjs ...)
//
//   return1  EVALSHA of `return 1`: the fixed cost of a job (the loop, the result's encoding, the report)
//   calls10  a script making 10 redis.calls of EXISTS: the cost of the redis.call wrappers
//   bullmq   BullMQ's addStandardJob (its 8 redis.calls answered with plausible replies)
// Prints µs per job after 5000 untimed ones, the minimum over --rounds (CPU-bound and noisy on a shared machine:
// the minimum is the least disturbed run). Compare checkouts only within one run.

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
const { load, encodeReply } = require("lua-redis-wasm");
const { pack } = require("msgpackr");

const u32 = (h, p) => (h[p] | (h[p + 1] << 8) | (h[p + 2] << 16) | (h[p + 3] << 24)) >>> 0;

/** Run `jobs` jobs of `body` (keys, args) through the driver of checkout `dir`; µs per job. */
async function measure(dir, body, keys, args, replies) {
  const { HOT, COLD } = await import(pathToFileURL(join(dir, "dist/scripting/driver.js")).href);
  const { guardScript } = await import(pathToFileURL(join(dir, "dist/scripting/globals.js")).href);
  const src = guardScript(Buffer.from(body));
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
      out = replies[name];
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

const bullmqSource = () => require("bullmq/dist/cjs/scripts/addStandardJob-9.js").addStandardJob.content;
const CASE = {
  return1: () => ({ body: "return 1", keys: [], args: [], replies: {} }),
  calls10: () => ({ body: "for i=1,10 do redis.call('EXISTS', KEYS[1]) end return 1", keys: [Buffer.from("k")], args: [], replies: { EXISTS: encodeReply(1) } }),
  bullmq: () => ({
    body: bullmqSource(),
    keys: ["wait", "paused", "meta", "id", "completed", "delayed", "active", "events", "marker"].map((k) => Buffer.from(`bull:q:${k}`)),
    args: [pack(["bull:q:", "", "j", Date.now(), null, null, null, null, null, null]), Buffer.from('{"i":1}'), pack({ attempts: 0, removeOnComplete: true })],
    replies: {
      INCR: encodeReply(7),
      HGET: encodeReply(Buffer.from("10000")),
      HMGET: encodeReply([null, null]),
      HMSET: encodeReply({ ok: Buffer.from("OK") }),
      LPUSH: encodeReply(1),
      ZADD: encodeReply(1),
      XADD: encodeReply(Buffer.from("1-1")),
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
