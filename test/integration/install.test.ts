// Install anywhere, serve on the runtime the user chose: this checkout is packed (`npm pack`, which builds in
// prepack) and installed into throw-away apps with npm and with Bun, as a user would; the installed bin and
// `import { startServer } from "valkey-bun"` must work with no build step in the app.

import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, until } from "../helpers/proc.js";
import { BUN, ROOT } from "../helpers/server.js";

const TMP = mkdtempSync(join(tmpdir(), "valkey-bun-install-"));
let tarball = "";

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1" };
  for (const k of Object.keys(env)) if (k.startsWith("VALKEY_") || k.startsWith("npm_")) delete env[k];
  return { ...env, ...extra };
}

function app(name: string): string {
  const dir = join(TMP, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module", scripts: { start: "valkey-bun" } }));
  writeFileSync(
    join(dir, "use.mjs"),
    `import { startServer } from "valkey-bun";\nconst s = await startServer();\nconsole.log("started", s.url, typeof Bun === "undefined" ? "node" : "bun");\nawait s.close();\n`,
  );
  return dir;
}

interface Started {
  child: ChildProcess;
  out: () => string;
  ready: Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Spawn a command that starts a server; `ready` resolves with the ready line's match. */
function start(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Started {
  const child = spawn(cmd, [...args, "--port", "0"], { cwd, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 20_000);
    const check = () => {
      const m = /ready on redis:\/\/127\.0\.0\.1:(\d+) \((node|bun) [^,]+, pid (\d+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before ready:\n${out}`));
    });
  });
  return { child, out: () => out, ready, exited };
}

const started: Started[] = [];
afterAll(() => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill("SIGKILL");
});

let manifestBefore = "";
beforeAll(() => {
  manifestBefore = readFileSync(join(ROOT, "package.json"), "utf8");
  // prepack builds dist/ when src/ is newer (here it is current: the suite builds first).
  execFileSync("npm", ["pack", "--pack-destination", TMP, "--silent"], { cwd: ROOT, env: cleanEnv(), stdio: "pipe" });
  tarball = join(TMP, readdirSync(TMP).find((f) => f.endsWith(".tgz"))!);
}, 120_000);

it("packs without the prepare script (it only builds clones and git installs) and leaves package.json as it was", () => {
  expect(readFileSync(join(ROOT, "package.json"), "utf8")).toBe(manifestBefore);
  const packed = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as { scripts: Record<string, string> };
  expect(packed.scripts.prepare).toBeUndefined();
  expect(packed.scripts.start).toBeDefined();
});

/**
 * The ready line names `runtime`; SIGTERM to the command the user ran stops the server (whichever process it is).
 * `direct`: signal the server itself (npx runs the bin under `sh -c`, which does not pass signals on).
 */
async function serves(s: Started, runtime: "node" | "bun", direct = false): Promise<void> {
  started.push(s);
  const m = await s.ready;
  expect(m[2], s.out()).toBe(runtime);
  const server = Number(m[3]);
  // A script: the installed package finds its Lua engine (src/scripting/lua.wasm) from each entry.
  const c = new Redis({ port: Number(m[1]), maxRetriesPerRequest: 0 });
  try {
    expect(await c.eval("return redis.call('ECHO', ARGV[1])", 0, "lua"), s.out()).toBe("lua");
  } finally {
    c.disconnect();
  }
  if (direct) process.kill(server, "SIGTERM");
  else s.child.kill("SIGTERM");
  const code = await s.exited;
  if (server === s.child.pid) expect(code).toBe(0);
  expect(await until(() => !alive(server), 5_000), `server ${server} still running:\n${s.out()}`).toBe(true);
}

describe("npm install -D <packed tarball>", () => {
  let dir = "";
  let installOutput = "";
  beforeAll(() => {
    dir = app("npm-app");
    const r = spawnSync("npm", ["install", "-D", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: dir, env: cleanEnv(), encoding: "utf8" });
    installOutput = r.stdout + r.stderr;
    expect(r.status, installOutput).toBe(0);
  }, 180_000);

  it("installs without asking to approve an install script of valkey-bun's", () => {
    expect(installOutput).not.toMatch(/valkey-bun@[^ ]* \((prepare|install|postinstall)/);
  });

  it("ships dist/ and a runnable bin: the app needs no build step", () => {
    const pkg = join(dir, "node_modules", "valkey-bun");
    expect(statSync(join(pkg, "dist", "cli.js")).isFile()).toBe(true);
    expect(statSync(join(pkg, "dist", "cli.cjs")).isFile()).toBe(true);
    expect(statSync(join(pkg, "dist", "index.js")).isFile()).toBe(true);
    expect(statSync(join(dir, "node_modules", ".bin", "valkey-bun")).mode & 0o111).not.toBe(0);
  });

  it("npx valkey-bun and `npm start` serve on Node; --runtime bun and VALKEY_RUNTIME=bun hand over to Bun", async () => {
    await serves(start(join(dir, "node_modules", ".bin", "valkey-bun"), [], dir), "node");
    await serves(start("npm", ["start", "--"], dir), "node", true);
    // `node dist/cli.js`, the build's ES module entry (older installs link it as the bin)
    await serves(start(process.execPath, [join(dir, "node_modules", "valkey-bun", "dist", "cli.js")], dir), "node");
    await serves(start(join(dir, "node_modules", ".bin", "valkey-bun"), ["--runtime", "bun"], dir, { PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` }), "bun");
    await serves(start(join(dir, "node_modules", ".bin", "valkey-bun"), [], dir, { VALKEY_RUNTIME: "bun", PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` }), "bun");
  }, 60_000);

  it("bunx valkey-bun and `bun run start` serve on Bun (the bin's node shebang hands over)", async () => {
    await serves(start(BUN, ["x", "valkey-bun"], dir), "bun");
    await serves(start(BUN, ["run", "start"], dir), "bun");
    // --runtime node wins over the launcher.
    await serves(start(BUN, ["x", "valkey-bun", "--runtime", "node"], dir), "node");
  }, 60_000);

  // Reads the server's command line from /proc (Linux, as CI): the hand-over spawns Bun with the entry it chose.
  it.skipIf(!existsSync("/proc/self/cmdline"))("Bun runs the package's bytecode bundle, not the TypeScript sources", async () => {
    const pkg = join(dir, "node_modules", "valkey-bun");
    expect(statSync(join(pkg, "dist", "bun", "cli.js.jsc")).size).toBeGreaterThan(0);
    const s = start(BUN, ["x", "valkey-bun"], dir);
    started.push(s);
    const m = await s.ready;
    expect(m[2]).toBe("bun");
    const argv = readFileSync(`/proc/${m[3]}/cmdline`, "utf8").split("\0");
    expect(argv.find((a) => a.endsWith(join("dist", "bun", "cli.js"))), argv.join(" ")).toContain(join("node_modules", "valkey-bun"));
    expect(argv.some((a) => a.endsWith(".ts")), argv.join(" ")).toBe(false);
    s.child.kill("SIGTERM");
    expect(await until(() => !alive(Number(m[3])), 5_000), s.out()).toBe(true);
  }, 30_000);

  // The CLI is several bundles (scripts/bundle.mjs): the entry loads serve, health, dev or ui from beside itself.
  it("health and dev load their own bundles from the installed package, on Node and on Bun", async () => {
    const pkg = join(dir, "node_modules", "valkey-bun");
    for (const name of ["cli", "serve", "health", "dev", "ui"]) {
      expect(statSync(join(pkg, "dist", "node", `${name}.cjs`)).isFile()).toBe(true);
      expect(statSync(join(pkg, "dist", "bun", `${name}.js.jsc`)).size).toBeGreaterThan(0);
    }
    const s = start(BUN, [join(pkg, "dist", "bun", "cli.js")], dir);
    started.push(s);
    const m = await s.ready;
    const url = `redis://127.0.0.1:${m[1]}`;
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, env: cleanEnv(), encoding: "utf8" });
    expect(run(join(dir, "node_modules", ".bin", "valkey-bun"), ["health", "--url", url])).toBe("PONG\n");
    expect(run(BUN, [join(pkg, "dist", "bun", "cli.js"), "health", "--url", url])).toBe("PONG\n");
    expect(run(join(dir, "node_modules", ".bin", "valkey-bun"), ["dev", "--help"])).toMatch(/^Usage: valkey-bun dev /);
    expect(run(BUN, [join(pkg, "dist", "bun", "cli.js"), "dev", "--help"])).toMatch(/^Usage: valkey-bun dev /);
    s.child.kill("SIGTERM");
    expect(await until(() => !alive(Number(m[3])), 5_000), s.out()).toBe(true);
  }, 30_000);

  // `bun build` writes the building checkout's path into the bytecode bundle as its __filename: a bundle that
  // believed it would hand over to (and load its dependencies from) that checkout, not from where it is installed.
  it.skipIf(!existsSync("/proc/self/cmdline"))("the bytecode bundle finds its own package wherever it is installed (--runtime node hands over to it)", async () => {
    const pkg = join(dir, "node_modules", "valkey-bun");
    const s = start(BUN, [join(pkg, "dist", "bun", "cli.js"), "--runtime", "node"], dir);
    started.push(s);
    const m = await s.ready;
    expect(m[2], s.out()).toBe("node");
    const argv = readFileSync(`/proc/${m[3]}/cmdline`, "utf8").split("\0");
    expect(argv.find((a) => a.endsWith(join("dist", "cli.cjs"))), argv.join(" ")).toBe(join(pkg, "dist", "cli.cjs"));
    s.child.kill("SIGTERM");
    expect(await until(() => !alive(Number(m[3])), 5_000), s.out()).toBe(true);
  }, 30_000);

  it("the hand-over leaves no orphan: the server exits when the launching process is killed, even by SIGKILL", async () => {
    const s = start(BUN, ["x", "valkey-bun"], dir);
    started.push(s);
    const m = await s.ready;
    const server = Number(m[3]);
    expect(server).not.toBe(s.child.pid);
    s.child.kill("SIGKILL");
    expect(await until(() => !alive(server), 5_000), s.out()).toBe(true);
  }, 30_000);

  it('import { startServer } from "valkey-bun" works on Node and on Bun', () => {
    expect(execFileSync(process.execPath, ["use.mjs"], { cwd: dir, env: cleanEnv(), encoding: "utf8" })).toMatch(/^started redis:\/\/127\.0\.0\.1:\d+ node$/m);
    expect(execFileSync(BUN, ["use.mjs"], { cwd: dir, env: cleanEnv(), encoding: "utf8" })).toMatch(/^started redis:\/\/127\.0\.0\.1:\d+ bun$/m);
  }, 30_000);
});

describe("bun add -d <packed tarball>", () => {
  let dir = "";
  beforeAll(() => {
    dir = app("bun-app");
    execFileSync(BUN, ["add", "-d", tarball], { cwd: dir, env: cleanEnv(), stdio: "pipe" });
  }, 180_000);

  it("bunx valkey-bun serves on Bun, npx valkey-bun on Node, and the import works", async () => {
    expect(statSync(join(dir, "node_modules", ".bin", "valkey-bun")).mode & 0o111).not.toBe(0);
    await serves(start(BUN, ["x", "valkey-bun"], dir), "bun");
    await serves(start("npx", ["--no-install", "valkey-bun"], dir), "node", true);
    expect(execFileSync(BUN, ["use.mjs"], { cwd: dir, env: cleanEnv(), encoding: "utf8" })).toMatch(/^started redis:\/\/127\.0\.0\.1:\d+ bun$/m);
  }, 60_000);
});

describe("npm install <path to a clone> (prepare runs inside the linked folder)", () => {
  it("does not fail the install when the clone has no dev dependencies to build with; pack does", () => {
    const clone = join(TMP, "bare-clone");
    mkdirSync(join(clone, "scripts"), { recursive: true });
    for (const f of ["scripts/prepare.mjs", "scripts/pack-manifest.mjs", "package.json"]) writeFileSync(join(clone, f), readFileSync(join(ROOT, f)));
    cpSync(join(ROOT, "src"), join(clone, "src"), { recursive: true });
    const prepare = spawnSync(process.execPath, ["scripts/prepare.mjs"], { cwd: clone, encoding: "utf8", env: cleanEnv() });
    expect(prepare.status, prepare.stderr).toBe(0);
    expect(prepare.stderr).toContain("valkey-bun: not building dist/ here (TypeScript and esbuild, its dev dependencies, are not installed)");
    const pack = spawnSync(process.execPath, ["scripts/prepare.mjs", "--require"], { cwd: clone, encoding: "utf8", env: cleanEnv() });
    expect(pack.status).toBe(1);
    expect(pack.stderr).toContain("run `npm install` first");
  });
});
