#!/usr/bin/env node
// dist/cli.cjs (copied there by scripts/bundle.mjs): the `valkey-bun` CLI on Node. It runs the CommonJS bundle
// dist/node/cli.cjs through vm.Script with the V8 code cache written beside it at build time (cli.cjs.cache), so
// that a start skips parsing and compiling the bundle: Node 20 has no compile cache for ES modules. A Node whose
// V8 differs from the build's rejects the cache (V8 checks version, flags and source) and compiles as usual.
// The bundle's import() calls are rewritten to __import, which loads from here: a vm.Script of Node 20 has no
// dynamic import of its own once it comes from a code cache.
// This file is CommonJS so that Node starts without its ES module loader (~7 ms of CPU to the first PONG); the
// bin and the dev stack run it directly, `node dist/cli.js` through the ES module beside it (scripts/cli-entry.mjs).
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const dir = join(__dirname, "node");
const file = join(dir, "cli.cjs");
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
const bundle = { exports: {} };
const bundleRequire = createRequire(file);
// A built-in comes from require(), with the namespace's `default` beside its exports: an import() would build
// the ES module facade of node:net on the way to the first listen.
const load = (id) => (id.startsWith("node:") ? Promise.resolve().then(() => nodeBuiltin(id)) : import(id));
const nodeBuiltin = (id) => {
  const m = bundleRequire(id);
  return Object.create(m, { default: { value: m } });
};
script.runInThisContext()(bundle.exports, bundleRequire, bundle, file, dir, load);
