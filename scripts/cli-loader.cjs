#!/usr/bin/env node
// dist/cli.cjs (copied there by scripts/bundle.mjs): the `valkey-bun` CLI on Node. It runs the CommonJS bundles in
// dist/node/ through vm.Script with the V8 code cache written beside each at build time (NAME.cjs.cache), so that
// a start skips parsing and compiling them: Node 20 has no compile cache for ES modules. A Node whose V8 differs
// from the build's rejects a cache (V8 checks version, flags and source) and compiles as usual.
// cli.cjs is the entry (argument handling); serve, dev, health and ui are bundles of their own that it loads on
// demand, so that a health probe loads no server code. The bundles' import() calls are rewritten to __import, which
// loads from here ("chunk:NAME" is another bundle): a vm.Script of Node 20 has no dynamic import of its own once it
// comes from a code cache.
// This file is CommonJS so that Node starts without its ES module loader (~7 ms of CPU to the first PONG); the
// bin and the dev stack run it directly, `node dist/cli.js` through the ES module beside it (scripts/cli-entry.mjs).
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const dir = join(__dirname, "node");
// scripts/bundle.mjs runs the CLI with this set: each bundle without a cache then writes, when the process exits,
// what V8 compiled for it by then (startup, the listen path, a first command).
const writeCaches = process.env.VALKEY_BUN_WRITE_CODE_CACHE === "1";
delete process.env.VALKEY_BUN_WRITE_CODE_CACHE;
const bundleRequire = createRequire(join(dir, "cli.cjs"));
// A built-in comes from require(), with the namespace's `default` beside its exports: an import() would build
// the ES module facade of node:net on the way to the first listen.
const nodeBuiltin = (id) => {
  const m = bundleRequire(id);
  return Object.create(m, { default: { value: m } });
};
const load = (id) =>
  id.startsWith("node:") ? Promise.resolve().then(() => nodeBuiltin(id)) : id.startsWith("chunk:") ? Promise.resolve().then(() => bundle(id.slice(6))) : import(id);
const loaded = new Map();
const bundle = (name) => {
  if (!loaded.has(name)) loaded.set(name, run(name));
  return loaded.get(name);
};

/** Run dist/node/NAME.cjs and return its exports. */
function run(name) {
  const file = join(dir, `${name}.cjs`);
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  // The bundles are ASCII (esbuild escapes the rest): latin1 makes a one-byte string without UTF-8 decoding.
  const source = readFileSync(file, "latin1");
  // The file is the function expression itself (scripts/bundle.mjs): compiled as read, no copy.
  const script = new Script(source, {
    filename: file,
    cachedData,
  });
  if (writeCaches && cachedData === undefined) process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dir, load);
  return mod.exports;
}

bundle("cli");
