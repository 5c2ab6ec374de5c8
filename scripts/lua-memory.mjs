#!/usr/bin/env node
// The Lua heap (INFO used_memory_lua) across many scripts: succeeding, failing and refused ones, and unique
// scripts (which the engine keeps compiled). Prints the heap before and after N calls of each kind, so the
// figures can be set beside a real Valkey's (Valkey keeps its heap flat, ~35 KB with libc malloc).
//
//   node scripts/lua-memory.mjs --port 6379 [--calls 10000]
import { Redis } from "ioredis";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const port = Number(arg("--port", "6379"));
const n = Number(arg("--calls", "10000"));
const r = new Redis({ port, host: "127.0.0.1" });
const mem = async () => Number(/used_memory_lua:(\d+)/.exec(await r.info("memory"))[1]);
await r.script("FLUSH");
await r.set("x", "0");
await r.set("str", "s");
const kinds = {
  incr: ["return redis.call('incr', KEYS[1])", 1, "x"],
  unique: null,
  error: ["error('boom')", 0],
  "call-fails": ["return redis.call('lpush', KEYS[1], 'a')", 1, "str"],
  "unknown-cmd": ["return redis.call('nosuch')", 0],
  "pcall-fails": ["return redis.pcall('lpush', KEYS[1], 'a')", 1, "str"],
  "wrong-arity": ["return redis.call('get')", 0],
  "no-global": ["return foo", 0],
};
for (const [kind, cmd] of Object.entries(kinds)) {
  await r.eval("return 1", 0);
  const before = await mem();
  const pending = [];
  for (let i = 0; i < n; i++) {
    pending.push(r.eval(...(cmd ?? [`return ${i}`, 0])).catch(() => {}));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const after = await mem();
  console.log(`${kind.padEnd(12)} used_memory_lua before=${before} after=${after} delta=${after - before}`);
}
r.disconnect();
