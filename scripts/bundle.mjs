// Bundles the CLI after `tsc` has built dist/, so that a sidecar answers PING sooner; the library entry
// (dist/index.js) stays the plain tsc build. Packages that are only needed by `dev`, `health`, scripting or
// scripts stay external and load on demand.
// - dist/node/{cli,serve,dev,health,ui}.cjs: the CLI as CommonJS bundles, run on Node by dist/cli.cjs
//   (scripts/cli-loader.cjs) with the V8 code cache NAME.cjs.cache that this script writes by starting the server
//   once (and running `health` and `dev --help`): Node then neither parses nor compiles them at start (Node 20
//   caches no ES module code). cli is the entry; it loads the bundle of the command it runs (SPLIT below).
// - dist/cluster/shard.js: the cluster shard's worker thread entry, one ES module.
// - With Bun at hand, dist/bun/NAME.js + NAME.js.jsc: the same CommonJS bundles with Bun's bytecode beside them,
//   which an installed package runs under Bun (bin/valkey-bun.cjs, src/runtime.ts) instead of transpiling and
//   parsing ~100 TypeScript files at every start. A Bun of another version ignores the bytecode and parses them.
import { build } from "esbuild";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const external = ["ioredis", "concurrently", "lua-redis-wasm", "luaparse", "dotenv"];
rmSync(join(DIST, "chunks"), { recursive: true, force: true }); // the ES module chunks of earlier builds
await build({
  entryPoints: [join(ROOT, "src", "cluster", "shard.ts")],
  outfile: join(DIST, "cluster", "shard.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ESM builds first: jsonc-parser's "main" is a UMD file whose dynamic require()s cannot live in an ESM bundle.
  mainFields: ["module", "main"],
  external,
  logLevel: "warning",
});

/**
 * The CLI's bundles: each is loaded only by the command that needs it, through a dynamic import() that the build
 * turns into "chunk:NAME" (an ES module chunk would need Node's ES module loader, which has no code cache in Node
 * 20). Bytes of a bundle cost start time whether they run or not (Bun reads and hashes the source beside its
 * bytecode, V8 deserializes the whole cache): 830 KB in one file put zod, the dev stack and the key browser on the
 * server's start, and the whole server on every health probe. Modules two bundles share are in both (the module
 * state of config.ts or runtime.ts is not shared between commands).
 */
const SPLIT = { cli: "cli.ts", serve: "serve.ts", dev: "stack/dev.ts", health: "stack/health.ts", ui: "ui/server.ts" };
const chunkOf = new Map(Object.entries(SPLIT).map(([name, file]) => [join(ROOT, "src", file), name]));
const cjsDir = join(DIST, ".cjs");
// `bun build` would freeze import.meta.url to this machine's src/ paths: here import.meta.url is the bundle's own
// location at run time (pkgRoot(), createRequire and the cluster's shard entry all resolve from there).
for (const [name, file] of Object.entries(SPLIT)) {
  await build({
    entryPoints: [join(ROOT, "src", file)],
    outfile: join(cjsDir, `${name}.js`),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    external,
    charset: "ascii",
    minifyWhitespace: true,
    minifySyntax: true,
    define: { "import.meta.url": "__bundleUrl" },
    plugins: [
      {
        name: "chunks",
        setup(b) {
          b.onResolve({ filter: /^\./ }, (args) => {
            if (args.kind !== "dynamic-import") return undefined;
            const target = chunkOf.get(join(dirname(args.importer), args.path.replace(/\.js$/, ".ts")));
            return target === undefined || target === name ? undefined : { path: `chunk:${target}`, external: true };
          });
        },
      },
    ],
    // Bun's own pathToFileURL: node:url is 1.4 ms of a Bun start. `bun build` below replaces __filename (and
    // module.filename, and so arguments[3]) with this file's path on the building machine, which an installed
    // package does not have: there the bundle's own directory comes from module.paths[0], "<dir>/node_modules",
    // which Bun leaves alone. Node's loader (scripts/cli-loader.cjs) passes the real __filename and no module.paths.
    // __chunk loads another bundle on Bun (Node's text calls the loader's __import instead, see below).
    banner: {
      js:
        'var __bundleDir = typeof Bun !== "undefined" && module.paths && module.paths.length ? module.paths[0].slice(0, -"node_modules".length) : null, ' +
        `__bundleUrl = typeof Bun !== "undefined" ? Bun.pathToFileURL(__bundleDir !== null ? __bundleDir + "${name}.js" : __filename).href : require("node:url").pathToFileURL(__filename).href, ` +
        '__chunk = (n) => Promise.resolve().then(() => require((__bundleDir ?? __dirname + "/") + n + ".js"));',
    },
    logLevel: "warning",
  });
}

// Node: the bundles' dynamic import()s (externals, node: built-ins and the other bundles) become __import(), which
// the loader passes in (see scripts/cli-loader.cjs). Anything else written `import(` would be a surprise: stop.
const nodeDir = join(DIST, "node");
rmSync(nodeDir, { recursive: true, force: true });
mkdirSync(nodeDir);
for (const name of Object.keys(SPLIT)) {
  const cjs = join(cjsDir, `${name}.js`);
  // esbuild escapes strings but leaves comments and regular expressions as written: escape those characters too, so
  // that the loader can read the file as latin1 (a one-byte string, no UTF-8 decoding at each start).
  const utf8 = readFileSync(cjs, "utf8");
  if (/\\[^\x00-\x7f]|[\u{10000}-\u{10ffff}]/u.test(utf8)) throw new Error(`bundle: a character the ASCII escape below cannot carry (${name})`);
  const text = utf8
    .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/^#!.*\n/, "")
    .replace(/\bimport\((?=["'])/g, "__import(");
  for (const m of text.matchAll(/__import\(["']([^"']+)["']\)/g)) {
    const known = m[1].startsWith("node:") || external.includes(m[1]) || (m[1].startsWith("chunk:") && m[1].slice(6) in SPLIT);
    if (!known) throw new Error(`bundle: unexpected dynamic import of ${m[1]} (${name})`);
  }
  if (/\bimport\(/.test(text.replace(/__import\(/g, ""))) throw new Error(`bundle: an import() the loader does not handle (${name})`);
  if (/[^\x00-\x7f]/.test(text)) throw new Error(`bundle: dist/node/${name}.cjs is not ASCII (the loader reads it as latin1)`);
  // Written as the function the loader runs, so that it compiles the file's text as read: wrapping it there made a
  // second, flattened copy of the 590 KB source at every start.
  writeFileSync(join(nodeDir, `${name}.cjs`), `(function (exports, require, module, __filename, __dirname, __import) {${text}\n})`, "latin1");
  // Bun's text: another bundle is required from beside this one (the banner's __chunk).
  writeFileSync(cjs, utf8.replace(/\bimport\("chunk:(\w+)"\)/g, '__chunk("$1")'));
}
copyFileSync(join(ROOT, "scripts", "cli-loader.cjs"), join(DIST, "cli.cjs"));
copyFileSync(join(ROOT, "scripts", "cli-entry.mjs"), join(DIST, "cli.js"));
// Both are commands (`node dist/cli.js`, and older installs link dist/cli.js as the bin): keep them executable.
chmodSync(join(DIST, "cli.cjs"), 0o755);
chmodSync(join(DIST, "cli.js"), 0o755);
await writeCodeCaches();

/**
 * Start the Node server once, PING it and stop it, run `health` against it and `dev --help`: the loader then writes
 * what V8 compiled for each bundle by the time the process exits (for the server: startup, the listen path, a first
 * command) as its code cache. A cache taken before running (V8's eager functions only, 200 KB instead of 550 KB)
 * loads faster but leaves the rest to compile: 74 vs 69 ms CPU to the first PONG. The key browser's bundle gets no
 * cache (it would need a browser's requests): Node compiles it when --ui is given.
 */
async function writeCodeCaches() {
  const env = { ...process.env, NODE_OPTIONS: "", VALKEY_BUN_WRITE_CODE_CACHE: "1" };
  const port = await new Promise((resolve, reject) => {
    const s = createServer().once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, [join(DIST, "cli.cjs"), "--port", String(port), "--bind", "127.0.0.1", "--loglevel", "warning"], {
    cwd: DIST, // no .env of the checkout
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const ready = await new Promise((resolve) => {
    let seen = "";
    child.stdout.on("data", (d) => {
      seen += d;
      if (seen.includes(" ready on ")) resolve(true);
    });
    child.once("exit", () => resolve(false));
  });
  const pong = ready && (await new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(String(d) === "+PONG\r\n");
    });
    s.once("error", () => resolve(false));
  }));
  // The entry's cache is the server's (written first); these add the health and dev bundles' own.
  const health = pong && spawnSync(process.execPath, [join(DIST, "cli.cjs"), "health", "--url", `redis://127.0.0.1:${port}`], { cwd: DIST, env, stdio: "ignore" }).status === 0;
  spawnSync(process.execPath, [join(DIST, "cli.cjs"), "dev", "--help"], { cwd: DIST, env, stdio: "ignore" });
  child.kill("SIGTERM");
  await exited;
  if (!pong || !health) {
    // A build where nothing may listen still works: Node then compiles the bundles at each start.
    for (const name of Object.keys(SPLIT)) rmSync(join(nodeDir, `${name}.cjs.cache`), { force: true });
    console.error("bundle: the Node bundle did not start and answer PING and a health probe; no code cache written");
  }
}

const bun = [join(ROOT, "node_modules", ".bin", "bun")].find((p) => existsSync(p)) ?? "bun";
const bunDir = join(ROOT, "dist", "bun");
rmSync(bunDir, { recursive: true, force: true });
if (spawnSync(bun, ["--version"], { stdio: "ignore" }).status === 0) {
  // Whitespace and syntax minified (names kept, for stack traces): a smaller file Bun reads and hashes at each
  // start. Not the Node bundle: there it measured no faster, and its profiles keep their line numbers.
  const entries = Object.keys(SPLIT).map((name) => join(cjsDir, `${name}.js`));
  const args = ["build", ...entries, "--target=bun", "--format=cjs", "--bytecode", "--minify-whitespace", "--minify-syntax", "--outdir", bunDir, ...external.flatMap((e) => ["--external", e])];
  const r = spawnSync(bun, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0 || !Object.keys(SPLIT).every((name) => existsSync(join(bunDir, `${name}.js`)))) {
    console.error("bundle: bun build failed; Bun will run the sources");
    rmSync(bunDir, { recursive: true, force: true });
  }
}
rmSync(cjsDir, { recursive: true, force: true });
