#!/usr/bin/env node
// dist/cli.js (copied there by scripts/bundle.mjs): the `valkey-bun` CLI on Node. It runs the CommonJS bundle
// dist/node/cli.cjs through vm.Script with the V8 code cache written beside it at build time (cli.cjs.cache), so
// that a start skips parsing and compiling the bundle: Node 20 has no compile cache for ES modules. A Node whose
// V8 differs from the build's rejects the cache (V8 checks version, flags and source) and compiles as usual.
// The bundle's import() calls are rewritten to __import, which loads from here: a vm.Script of Node 20 has no
// dynamic import of its own once it comes from a code cache.
// Built-ins through process.getBuiltinModule where Node has it (20.16+): an ES module import of node:fs builds its
// module facade, which loads fs streams and more (~2 ms).
const builtin = process.getBuiltinModule ?? (await import("node:module")).createRequire(import.meta.url);
const { readFileSync, writeFileSync } = builtin("node:fs");
const { createRequire } = builtin("node:module");
const { Script } = builtin("node:vm");

const file = new URL("./node/cli.cjs", import.meta.url).pathname;
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
// The bundle is ASCII (esbuild escapes the rest): latin1 makes a one-byte string without UTF-8 decoding.
const source = readFileSync(file, "latin1");
const script = new Script(`(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`, {
  filename: file,
  cachedData,
});
// scripts/bundle.mjs runs the server once with this set, and keeps what V8 compiled by the time it exits.
const out = process.env.VALKEY_BUN_WRITE_CODE_CACHE;
delete process.env.VALKEY_BUN_WRITE_CODE_CACHE;
if (out) process.once("exit", () => writeFileSync(out, script.createCachedData()));
const module = { exports: {} };
const require = createRequire(file);
// A built-in comes from require(), with the namespace's `default` beside its exports: an import() would build
// the ES module facade of node:net on the way to the first listen.
const load = (id) => (id.startsWith("node:") ? Promise.resolve().then(() => nodeBuiltin(id)) : import(id));
const nodeBuiltin = (id) => {
  const m = require(id);
  return Object.create(m, { default: { value: m } });
};
script.runInThisContext()(module.exports, require, module, file, new URL("./node", import.meta.url).pathname, load);
