#!/usr/bin/env node
// Makes src/scripting/lua.wasm, the Lua engine the server runs on its own thread, from lua-redis-wasm's
// redis_lua.wasm (Redis's Lua 5.1 with cjson, cmsgpack, struct and bit, built by emscripten). Its changes:
//
// 1. The engine's instruction-count hook (every 1000 VM instructions) raised "Script killed by fuel limit" when its
//    budget ran out. It now refills the budget and calls host_redis_log(99, L, 0) instead: the server's tick,
//    which lets it look at the clock inside a pure-Lua loop (busy-reply-threshold, FUNCTION LOAD's time limit).
// 2. Binaryen's asyncify pass, so that a host call (redis.pcall, that tick, and emscripten's invoke_vii, which
//    Lua's error handling runs through) can unwind the whole WebAssembly stack into memory and resume it later.
//    The driver loop (driver.ts) waits for its next job that way between scripts, keeping what it compiled, and a
//    script past busy-reply-threshold lets the event loop run between slices (engine.ts).
// 3. The memory starts at 16 MB and may grow to 512 MB, where emscripten built it with a fixed 64 MB (its
//    resize_heap aborts the engine): a script that held more than ~60 MB of Lua data (a big LRANGE or KEYS reply, a
//    large table) killed the engine, where Valkey runs it. The host grows it (src/scripting/vm.ts, which answers
//    emscripten_resize_heap). Not a fixed 512 MB: JavaScriptCore counts a memory's whole size towards its heap, and
//    at 512 MB Bun's collector let its young space grow to ~75 MB between collections (peak RSS under EVALSHA 139
//    MB against 98, and ~2 µs more CPU per call, most of it page faults on fresh heap blocks).
// 4. An exported global, tick_fuel: the budget's address, so that the host can have the next hook tick at once
//    (vm.ts reads the lua_State of the driver's thread from that tick).
// 5. A 1 MiB C stack, checked on every move of its pointer, in place of emscripten's unchecked 64 KiB (below).
// 6. cmsgpack's integer test as x86-64 computes it (below).
//
// The output is checked in, so that neither an install nor a start needs binaryen; the unit test
// test/unit/lua-wasm.test.ts builds it again and compares. Run this after upgrading lua-redis-wasm:
//
//   node scripts/build-lua-wasm.mjs [--check]
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "src", "scripting", "lua.wasm");
const require = createRequire(join(ROOT, "package.json"));
const SOURCE = join(dirname(require.resolve("lua-redis-wasm")), "redis_lua.wasm");
/** The input this patch was written against (lua-redis-wasm 1.5.0). Another build needs the patch checked again. */
const SOURCE_SHA256 = "c95b450f963b03479fe34da98bfecff67f277708dff89893ce2e40f898a0b42a";
/** VM instructions between two ticks (the hook's budget, refilled at each tick). */
const TICK_INSTRUCTIONS = 100_000;
/** The engine's memory in 64 KiB pages: initial and maximum (lua-redis-wasm's build has 1024, fixed). Data and stack
 *  take the first ~1.05 MB (STACK_BYTES). src/scripting/vm.ts growMemory grows it up to the maximum. */
const INITIAL_PAGES = 256;
const MEMORY_PAGES = 8192;
/** The C stack emscripten gave the engine, and the one it gets here (see 5. below). */
const EMSCRIPTEN_STACK = 65536;
const STACK_BYTES = 1024 * 1024;
/** The level host_redis_log receives for a tick (redis.log's levels are 0-3); src/scripting/vm.ts TICK_LEVEL. */
const TICK_LEVEL = 99;

export async function buildLuaWasm() {
  const input = readFileSync(SOURCE);
  const sha = createHash("sha256").update(input).digest("hex");
  if (sha !== SOURCE_SHA256) throw new Error(`build-lua-wasm: ${SOURCE} is not the build this patch was written for (sha256 ${sha})`);
  const { default: binaryen } = await import("binaryen");
  const features = binaryen.Features.MVP | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory |
    binaryen.Features.SignExt | binaryen.Features.MutableGlobals | (binaryen.Features.BulkMemoryOpt ?? 0);
  const read = binaryen.readBinary(input);
  read.setFeatures(features);
  let text = read.emitText();
  read.dispose();

  // The hook's error message, by its address in the data segment.
  const msg = "Script killed by fuel limit\0";
  const seg = /\(data \$\S+ \(i32\.const (\d+)\) "/.exec(text);
  if (!seg) throw new Error("build-lua-wasm: no data segment");
  const base = Number(seg[1]);
  const dataStart = input.indexOf("newproxy\0");
  const at = input.indexOf(msg);
  if (dataStart < 0 || at < 0) throw new Error("build-lua-wasm: the fuel message is not where it was");
  const addr = base + (at - dataStart);
  const log = /\(import "env" "host_redis_log" \(func (\$\S+)/.exec(text);
  if (!log) throw new Error("build-lua-wasm: no host_redis_log import");
  // (if (i64.le_s (local.get $2) (i64.const 1000)) (then (drop (call $luaL_error (local.get $0) (i32.const MSG) (i32.const 0)))))
  // after (i64.store (i32.const FUEL) (i64.sub (local.tee $2 (i64.load (i32.const FUEL))) (i64.const 1000)))
  const hook = new RegExp(
    String.raw`\(i64\.store\s+\(i32\.const (\d+)\)\s+\(i64\.sub\s+\(local\.tee \$2\s+\(i64\.load\s+\(i32\.const \1\)\s*\)\s*\)\s+\(i64\.const 1000\)\s*\)\s*\)\s*` +
      String.raw`\(if\s+\(i64\.le_s\s+\(local\.get \$2\)\s+\(i64\.const 1000\)\s*\)\s+\(then\s+\(drop\s+\(call \$\S+\s+\(local\.get \$0\)\s+\(i32\.const ${addr}\)\s+\(i32\.const 0\)\s*\)\s*\)\s*\)\s*\)`,
    "g",
  );
  const found = [...text.matchAll(hook)];
  if (found.length !== 1) throw new Error(`build-lua-wasm: found the fuel hook ${found.length} times, not once`);
  const fuel = found[0][1];
  text = text.replace(hook, () =>
    `(i64.store (i32.const ${fuel}) (i64.sub (local.tee $2 (i64.load (i32.const ${fuel}))) (i64.const 1000)))\n` +
      `(if (i64.le_s (local.get $2) (i64.const 1000)) (then\n` +
      `  (i64.store (i32.const ${fuel}) (i64.const ${TICK_INSTRUCTIONS}))\n` +
      `  (call ${log[1]} (i32.const ${TICK_LEVEL}) (local.get $0) (i32.const 0))))`,
  );

  // 5. The C stack. emscripten gave it 64 KiB below the heap, [STACK_LOW, 96800), with nothing to stop an overflow:
  // past its end the stack ran over the static data below it. cjson.encode of a table nested 1000 deep (Valkey's
  // limit, "Cannot serialise, excessive nesting") needs more than that, and a cyclic table got there: the overflow
  // wrote over collectgarbage's option names and the allocator's state, and later scripts failed or spun forever.
  // The stack now has STACK_BYTES (the heap starts after it), and binaryen's stack-check pass makes every move of
  // the stack pointer outside it a trap: the host drops the instance and starts a fresh one (src/scripting/vm.ts).
  const sp = /\(global \$global\$0 \(mut i32\) \(i32\.const (\d+)\)\)/.exec(text);
  const ctor = /\(i32\.store\s+\(i32\.const (\d+)\)\s+\(i32\.const (\d+)\)\s*\)\s*\(i32\.store\s+\(i32\.const (\d+)\)\s+\(i32\.const 42\)\s*\)\s*\(i32\.store\s+\(i32\.const (\d+)\)\s+\(i32\.const (\d+)\)\s*\)/.exec(text);
  if (!sp || !ctor || Number(ctor[2]) !== Number(sp[1]) || Number(ctor[5]) !== EMSCRIPTEN_STACK) throw new Error("build-lua-wasm: the stack is not where it was");
  const stackHigh = Number(sp[1]);
  const stackLow = stackHigh - EMSCRIPTEN_STACK;
  const top = stackLow + STACK_BYTES;
  // sbrk's break starts where the stack ended: the word that holds it is the one sbrk (the function that calls
  // emscripten_resize_heap) loads and stores.
  const resize = /\(import "env" "emscripten_resize_heap" \(func (\$\S+)/.exec(text);
  if (!resize) throw new Error("build-lua-wasm: no emscripten_resize_heap import");
  const call = `\\(call ${resize[1].replaceAll("$", "\\$")}`;
  const sbrk = new RegExp(String.raw`\(i32\.load\s+\(i32\.const (\d+)\)\s*\)[^]{0,1200}?` + call + String.raw`[^]{0,400}?\(i32\.store\s+\(i32\.const \1\)\s+\(local\.get \$1\)\s*\)\s*\(local\.get \$0\)\s*\)`).exec(text);
  if (!sbrk) throw new Error("build-lua-wasm: the heap start is not where it was");
  const brkAddr = Number(sbrk[1]);
  const le = (n) => [...Buffer.from(new Uint32Array([n]).buffer)].map((x) => "\\" + x.toString(16).padStart(2, "0")).join("");
  text = text
    .replace(sp[0], `(global $__stack_pointer (mut i32) (i32.const ${top}))`)
    .replaceAll("$global$0", "$__stack_pointer")
    .replace(ctor[0], ctor[0].replace(`(i32.const ${stackHigh})`, `(i32.const ${top})`).replace(`(i32.const ${EMSCRIPTEN_STACK})`, `(i32.const ${STACK_BYTES})`));
  text = text.replace(/\)\s*$/, `(data (i32.const ${brkAddr}) "${le(top)}"))`);

  // 6. cmsgpack.pack's test for an integer, IS_INT64_EQUIVALENT(x): !isinf(x) && (int64_t)x == x. The cast is
  // undefined past int64's range, so clang compiled it as trunc(x) == x, and 1e100 was packed as the integer
  // INT64_MAX. On x86-64, where Valkey runs, the cast gives INT64_MIN out of range and the test fails, so such a
  // number is packed as a double. The range check the cast implies is added back.
  const intTest = new RegExp(
    String.raw`\(br_if (\$\S+)\s+\(f64\.ne\s+\(local\.get (\$\d+)\)\s+\(f64\.trunc\s+\(local\.get \2\)\s*\)\s*\)\s*\)` +
      String.raw`(?=\s*\(local\.set \$\d+\s+\(local\.get \$\d+\)\s*\)\s*\(local\.set \$\d+\s+\(i64\.trunc_sat_f64_s)`,
    "g",
  );
  const intTests = [...text.matchAll(intTest)];
  if (intTests.length !== 1) throw new Error(`build-lua-wasm: found cmsgpack's integer test ${intTests.length} times, not once`);
  text = text.replace(intTest, (_, block, x) =>
    `(br_if ${block} (i32.or (f64.ne (local.get ${x}) (f64.trunc (local.get ${x})))\n` +
      `  (i32.or (f64.lt (local.get ${x}) (f64.const -9223372036854775808)) (f64.ge (local.get ${x}) (f64.const 9223372036854775808)))))`,
  );

  const memory = /\(memory \$(\S+) 1024 1024\)/;
  if (!memory.test(text)) throw new Error("build-lua-wasm: the memory is not 1024 pages, fixed");
  text = text.replace(memory, (_, name) => `(memory $${name} ${INITIAL_PAGES} ${MEMORY_PAGES})`);

  const checked = binaryen.parseText(text);
  checked.setFeatures(features);
  checked.runPasses(["stack-check"]);
  text = checked.emitText();
  checked.dispose();
  const limits = [/\(global \$__stack_base \(mut i32\) \(i32\.const 0\)\)/, /\(global \$__stack_limit \(mut i32\) \(i32\.const 0\)\)/];
  if (!limits.every((r) => r.test(text))) throw new Error("build-lua-wasm: stack-check added no limits");
  text = text
    .replace(limits[0], `(global $__stack_base (mut i32) (i32.const ${top}))`)
    .replace(limits[1], `(global $__stack_limit (mut i32) (i32.const ${stackLow}))`);

  const mod = binaryen.parseText(text);
  mod.setFeatures(features);
  mod.addGlobal("tick_fuel", binaryen.i32, false, mod.i32.const(Number(fuel)));
  mod.addGlobalExport("tick_fuel", "tick_fuel");
  binaryen.setPassArgument("asyncify-imports", "env.host_redis_pcall,env.host_redis_log,env.invoke_vii");
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(0);
  mod.runPasses(["asyncify"]);
  mod.optimize();
  if (!mod.validate()) throw new Error("build-lua-wasm: the result does not validate");
  const out = Buffer.from(mod.emitBinary());
  mod.dispose();
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildLuaWasm();
  if (process.argv.includes("--check")) {
    const same = out.equals(readFileSync(OUT));
    console.log(same ? "src/scripting/lua.wasm is up to date" : "src/scripting/lua.wasm differs from a fresh build");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(OUT, out);
  console.log(`wrote ${OUT} (${out.length} bytes)`);
}
