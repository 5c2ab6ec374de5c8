#!/usr/bin/env node
// In-process benchmark of the per-command path: pipelined batches fed straight to Client.onData of a Server made
// in this process (no sockets, no syscalls), for one or more checkouts interleaved in one run. What it shows is
// the JavaScript cost per command (parse, gate, handler, reply, stats) that the socket benchmarks (bench.mjs)
// bury under write syscalls. Each checkout must be built (dist/ for Node; Bun runs src/).
//
//   node scripts/bench-inproc.mjs [--dirs .,/path/to/base] [--tests ping,pingi,set,get,incr,mset,lpush,rpop,zadd,
//        zpopmin,lrange_100,publish,zadd1,sadd1,hset1,zpopmin0,spop0,get0,xadd,xrange,xread,ppublish] [--p 16] [--rounds 5] [--iters 4000]        (bun scripts/bench-inproc.mjs ...)
//
// Prints ns per command, the median of --rounds (each: --iters batches of --p commands, every batch a fresh copy,
// as a transport hands over a new chunk). Before measuring, each server runs 50 different commands so that the
// gate's inline caches see many entry shapes, as a real server's do. PUBLISH has one subscriber (flushed by the
// server's microtask after each batch). Noisy on a loaded machine: compare checkouts only within one run.
import { resolve } from "node:path";
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i < 0 ? d : args[i + 1]; };
const dirs = opt("--dirs", ".").split(",").map((d) => resolve(d));
const tests = opt("--tests", "ping,pingi,set,get,incr,mset,lpush,rpop,zadd,zpopmin,publish").split(",");
const P = Number(opt("--p", "16"));
const rounds = Number(opt("--rounds", "5"));
const iters = Number(opt("--iters", "4000"));
const isBun = typeof Bun !== "undefined";
function enc(argv) { if (typeof argv === "string") return argv; let s = `*${argv.length}\r\n`; for (const a of argv) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`; return s; }
let r = 1;
const rnd = () => String((r = (r * 1103515245 + 12345) % 2147483648) % 100000).padStart(12, "0");
const gen = {
  ping: () => ["PING"], pingi: () => "PING\r\n", set: () => ["SET", "key:" + rnd(), "xxx"], get: () => ["GET", "key:" + rnd()],
  incr: () => ["INCR", "counter:" + rnd()], mset: () => { const a = ["MSET"]; for (let i = 0; i < 10; i++) a.push("key:" + rnd(), "xxx"); return a; },
  lpush: () => ["LPUSH", "mylist", "xxx"], rpop: () => ["RPOP", "mylist"], zadd: () => ["ZADD", "myzset", String(r % 1000), "element:" + rnd()],
  zpopmin: () => ["ZPOPMIN", "myzset"], lrange_100: () => ["LRANGE", "mylist", "0", "99"],
  publish: () => ["PUBLISH", "chan", "hello world"],
  // as redis-benchmark sends them without -r: one member, one field, an empty key to pop from
  zadd1: () => ["ZADD", "myzset1", "0", "element:__rand_int__"], sadd1: () => ["SADD", "myset", "element:__rand_int__"],
  hset1: () => ["HSET", "myhash", "element:__rand_int__", "xxx"], zpopmin0: () => ["ZPOPMIN", "nozset"],
  spop0: () => ["SPOP", "noset"], get0: () => ["GET", "nokey"],
  xadd: () => ["XADD", "mystream", "*", "f", String(r++ % 100000), "g", "payload"],
  xrange: () => ["XRANGE", "xfilled", "-", "+", "COUNT", "10"],
  xread: () => ["XREAD", "COUNT", "10", "STREAMS", "xfilled", "0"],
  // PUBLISH to a channel nobody subscribes to by name, with 3 pattern subscriptions (one matching)
  ppublish: () => ["PUBLISH", "news.sport", "hello world"],
};
const targets = [];
for (const d of dirs) {
  const m = await import(isBun ? `${d}/src/server.ts` : `${d}/dist/server.js`);
  const { loadConfig } = await import(isBun ? `${d}/src/config.ts` : `${d}/dist/config.js`);
  const server = new m.Server(loadConfig({ env: {} }));
  let bytes = 0;
  const conn = { write: (b) => { bytes += b.length; return true; }, end() {}, destroy() {}, pendingBytes: () => 0, remoteAddress: "127.0.0.1", remotePort: 1, localAddress: "127.0.0.1", localPort: 2, fd: -1 };
  const c = server.accept(conn);
  const sub = server.accept({ ...conn });
  targets.push({ d, server, c, sub });
}
// pub/sub: one subscriber per target
for (const t of targets) { t.sub.onData(Buffer.from(enc(["SUBSCRIBE", "chan"]))); t.sub.onData(Buffer.from(enc(["PSUBSCRIBE", "news.*", "weather.*", "socket.io#/#*"]))); }
// warm-up with a mix of commands so the gate's inline caches see many entry shapes (as a real server does)
const mix = [["PING"],["SET","a","1"],["GET","a"],["INCR","n"],["MSET","a","1","b","2"],["LPUSH","l","x"],["RPOP","l"],["ZADD","z","1","m"],["ZPOPMIN","z"],["HSET","h","f","v"],["HGET","h","f"],["SADD","s","m"],["SPOP","s"],["EXISTS","a"],["DEL","b"],["TYPE","a"],["TTL","a"],["EXPIRE","a","100"],["PERSIST","a"],["LRANGE","l","0","-1"],["CONFIG","GET","maxmemory"],["CLIENT","ID"],["ECHO","x"],["STRLEN","a"],["APPEND","a","x"],["SCARD","s"],["ZSCORE","z","m"],["LLEN","l"],["HLEN","h"],["DBSIZE"],["XADD","st","*","f","v"],["OBJECT","ENCODING","a"],["GETRANGE","a","0","1"],["SETRANGE","a","0","x"],["DECR","n"],["INCRBY","n","2"],["PUBLISH","c","m"],["SISMEMBER","s","m"],["HDEL","h","f"],["ZCARD","z"],["SELECT","0"],["COMMAND","COUNT"],["UNLINK","zz"],["PTTL","a"],["GETSET","a","y"],["SETNX","q","1"],["HINCRBY","h","n","1"],["ZINCRBY","z","1","m"],["LINDEX","l","0"],["RPUSH","l","y"]];
for (const t of targets) for (let k = 0; k < 50; k++) t.c.onData(Buffer.from(mix.map(enc).join("")));
const res = {};
for (const test of tests) {
  // pre-generate batches (as Buffers: the transport gives a fresh chunk each read)
  const nb = 64;
  const batches = [];
  for (let i = 0; i < nb; i++) { let s = ""; for (let j = 0; j < P; j++) s += enc(gen[test]()); batches.push(Buffer.from(s)); }
  if (test === "xrange" || test === "xread") for (const t of targets) for (let i = 0; i < 2000; i++) t.c.onData(Buffer.from(enc(["XADD", "xfilled", "*", "f", String(i), "g", "payload"])));
  if (test === "rpop" || test === "zpopmin" || test === "lrange_100") {
    for (const t of targets) { const fill = test === "zpopmin" ? "zadd" : "lpush"; for (let i = 0; i < 20000; i++) { let s = ""; for (let j = 0; j < 16; j++) s += enc(gen[fill]()); t.c.onData(Buffer.from(s)); } }
  }
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      if (test === "rpop" || test === "zpopmin") { const fill = test === "zpopmin" ? "zadd" : "lpush"; let s = ""; for (let j = 0; j < 16; j++) s += enc(gen[fill]()); const b = Buffer.from(s); for (let i = 0; i < iters; i++) t.c.onData(Buffer.from(b)); }
      const t0 = process.hrtime.bigint();
      if (test === "publish" || test === "ppublish") for (let i = 0; i < iters; i++) { t.c.onData(Buffer.from(batches[i % nb])); await null; }
      else for (let i = 0; i < iters; i++) t.c.onData(Buffer.from(batches[i % nb]));
      const ns = Number(process.hrtime.bigint() - t0) / (iters * P);
      ((res[test] ??= {})[t.d] ??= []).push(ns);
    }
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
console.log(`runtime ${isBun ? "bun " + Bun.version : "node " + process.version}, P=${P}, ns/command (median of ${rounds}, includes Buffer.from copy of each batch)`);
console.log(["test", ...dirs].join("\t"));
for (const test of tests) console.log([test, ...dirs.map((d) => med(res[test][d]).toFixed(0))].join("\t"));
process.exit(0);
