// Which runtime serves: the one the user asked for. `--runtime bun|node|auto` (or VALKEY_RUNTIME) decides; `auto`
// means the runtime the user launched us with: Bun when we already run on Bun (`bun src/cli.ts`, `bunx --bun`),
// and also when Bun launched the installed bin (`bun run start`, `bunx valkey-bun`): the bin's `node` shebang starts
// Node, but Bun says it was Bun in npm_config_user_agent, so the CLI hands over to Bun. A direct
// `node dist/cli.js` stays on Node (tests and tools that name their runtime get it).

import { createRequire } from "node:module";

export type RuntimeName = "node" | "bun";
export type RuntimeChoice = RuntimeName | "auto";

export const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
export const currentRuntime: RuntimeName = isBun ? "bun" : "node";

/** "bun 1.4.5" / "node v20.20.2", as the ready line shows it. */
export function runtimeLabel(): string {
  return isBun ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.version}`;
}

/**
 * A monotonic clock in milliseconds, for durations and deadlines (its origin is arbitrary). Node 20's global
 * `performance` loads perf_hooks on first use, 1.6-1.9 ms that a fresh server paid on its first command;
 * process.hrtime() costs the same per call there (~90 ns) and needs nothing loaded. Bun's performance.now() is
 * native and the cheaper of the two.
 */
export const monotonicMs: () => number = isBun
  ? () => performance.now()
  : () => {
      const t = process.hrtime();
      return t[0] * 1e3 + t[1] / 1e6;
    };

/** Wall-clock milliseconds minus monotonicMs(), taken once: Date.now() has whole milliseconds, so this origin is up
 *  to 1 ms early, as a constant; every reading after it moves with the monotonic clock, as timeOrigin + now() does. */
const EPOCH_ORIGIN = Date.now() - monotonicMs();

/** Wall-clock time in microseconds with sub-millisecond steps (TIME, MONITOR lines, INFO server_time_usec). */
export function epochMicros(offsetMs = 0): number {
  return Math.floor((EPOCH_ORIGIN + monotonicMs() + offsetMs) * 1000);
}

// node:fs, node:path and node:url load on first use: under Bun each costs 1-2 ms of a start that needs none.
const existsSync = (path: string): boolean => builtin("node:fs").existsSync(path);
const join = (...parts: string[]): string => builtin("node:path").join(...parts);
const dirname = (p: string): string => builtin("node:path").dirname(p);

let pkgRootDir: string | undefined;
/** The package root: the nearest folder above this file holding package.json (src/, dist/, or a dist/ bundle). */
export function pkgRoot(): string {
  if (pkgRootDir !== undefined) return pkgRootDir;
  let dir = dirname(builtin("node:url").fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return (pkgRootDir = dir);
}

export class RuntimeError extends Error {}

type Builtins = { "node:crypto": typeof import("node:crypto"); "node:fs": typeof import("node:fs"); "node:url": typeof import("node:url"); "node:os": typeof import("node:os"); "node:vm": typeof import("node:vm"); "node:v8": typeof import("node:v8");
  "node:path": typeof import("node:path");
  "node:worker_threads": typeof import("node:worker_threads");
  "node:net": typeof import("node:net");
};
const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;

/**
 * A Node built-in loaded synchronously on first use rather than imported: node:crypto alone costs milliseconds
 * of startup (~7 ms under Bun), and most servers never hash anything.
 */
export function builtin<K extends keyof Builtins>(id: K): Builtins[K] {
  return (getBuiltin ? getBuiltin(id) : createRequire(import.meta.url)(id)) as Builtins[K];
}

/**
 * `bytes` random bytes as hex (run ids). Web Crypto under Bun, where node:crypto takes ~10 ms to load; on Node
 * the kernel's /dev/urandom through node:fs, loaded anyway, where node:crypto costs ~2 ms of a start.
 */
export function randomHex(bytes: number): string {
  if (isBun) return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const fs = builtin("node:fs");
  const buf = Buffer.alloc(bytes);
  try {
    const fd = fs.openSync("/dev/urandom", "r");
    try {
      if (fs.readSync(fd, buf, 0, bytes, null) === bytes) return buf.toString("hex");
    } finally {
      fs.closeSync(fd);
    }
  } catch {}
  return builtin("node:crypto").randomBytes(bytes).toString("hex");
}

function parseChoice(v: string, source: string): RuntimeChoice {
  if (v === "bun" || v === "node" || v === "auto") return v;
  throw new RuntimeError(`${source}: '${v}' is not a runtime (expected bun, node or auto)`);
}

/** Remove `--runtime X` / `--runtime=X` from argv (anywhere: no server flag has that name). */
export function takeRuntimeFlag(argv: string[]): { argv: string[]; choice: RuntimeChoice | null } {
  const rest: string[] = [];
  let choice: RuntimeChoice | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--runtime") {
      const v = argv[++i];
      if (v === undefined) throw new RuntimeError("--runtime needs a value (bun, node or auto)");
      choice = parseChoice(v, "--runtime");
    } else if (a.startsWith("--runtime=")) choice = parseChoice(a.slice("--runtime=".length), "--runtime");
    else rest.push(a);
  }
  return { argv: rest, choice };
}

/**
 * The runtime to serve on. `viaBin`: we were started through the installed `valkey-bun` bin (bin/valkey-bun.cjs),
 * the only path where Bun's user agent means "the user chose Bun".
 */
export function wantedRuntime(choice: RuntimeChoice | null, env: NodeJS.ProcessEnv, viaBin: boolean): RuntimeName {
  const c = choice ?? (env.VALKEY_RUNTIME ? parseChoice(env.VALKEY_RUNTIME, "VALKEY_RUNTIME") : "auto");
  if (c !== "auto") return c;
  if (isBun) return "bun";
  return viaBin && (env.npm_config_user_agent ?? "").startsWith("bun/") ? "bun" : "node";
}

export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(builtin("node:path").delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** An executable of the runtime, or null. Bun: the one running us, the one that launched us, this package's, PATH's. */
export function findRuntime(name: RuntimeName): string | null {
  if (name === currentRuntime) return process.execPath;
  if (name === "node") return onPath("node");
  const launcher = process.env.npm_execpath;
  if (launcher && (process.env.npm_config_user_agent ?? "").startsWith("bun/") && /bun(\.exe)?$/.test(launcher) && existsSync(launcher)) return launcher;
  return [join(pkgRoot(), "node_modules", ".bin", "bun"), join(pkgRoot(), "..", ".bin", "bun")].find((p) => existsSync(p)) ?? onPath("bun");
}

/**
 * The CLI entry a runtime runs. Node: the build's CommonJS entry (dist/cli.cjs; tsc's dist/cli.js when the bundle
 * step did not run). Bun: in an installed package the bytecode bundle
 * (dist/bun/cli.js, see scripts/bundle.mjs), which starts several times faster than transpiling the sources; in a
 * git checkout the TypeScript sources, so that an edit needs no build; the Node build when neither is there.
 */
export function cliEntry(name: RuntimeName): string | null {
  const src = join(pkgRoot(), "src", "cli.ts");
  const dist = join(pkgRoot(), "dist", "cli.js");
  const bundle = join(pkgRoot(), "dist", "bun", "cli.js");
  if (name === "bun" && existsSync(src) && (existsSync(join(pkgRoot(), ".git")) || !existsSync(bundle))) return src;
  if (name === "bun" && existsSync(bundle)) return bundle;
  const cjs = join(pkgRoot(), "dist", "cli.cjs");
  return existsSync(cjs) ? cjs : existsSync(dist) ? dist : null;
}

/**
 * Run the CLI on the other runtime with these arguments and return its exit code: stdio is shared, signals are
 * passed on, and the child learns our pid (VALKEY_BUN_PARENT_PID) so it exits when we vanish, even by SIGKILL.
 */
export async function delegate(target: RuntimeName, argv: string[]): Promise<number> {
  const exe = findRuntime(target);
  const entry = cliEntry(target);
  if (!exe) throw new RuntimeError(target === "bun" ? "runtime bun: no `bun` found (install it, or use --runtime node)" : "runtime node: no `node` on PATH");
  if (!entry) throw new RuntimeError(`runtime ${target}: ${join(pkgRoot(), "dist", "cli.js")} does not exist (build with: npm run build)`);
  const { spawn } = await import("node:child_process"); // only on a hand-over: the server's own start stays light
  const child = spawn(exe, [entry, ...argv], {
    stdio: "inherit",
    env: { ...process.env, VALKEY_RUNTIME: target, VALKEY_BUN_PARENT_PID: String(process.pid) },
  });
  const forward = (s: NodeJS.Signals) => child.kill(s);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, forward);
  // Whoever launched us (bunx, npm, a shell) may die without passing a signal on: then stop the server too.
  watchParent(() => forward("SIGTERM"), process.ppid);
  return new Promise((resolve) => {
    child.once("error", (e) => {
      console.error(`valkey-bun: cannot run ${exe}: ${e.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : signal === "SIGKILL" ? 9 : 15));
    });
  });
}

/**
 * Call `onGone` once the parent process is gone (we were re-parented), so that a launcher killed with SIGKILL
 * leaves no server behind. NaN or 1 watches nothing.
 */
export function watchParent(onGone: () => void, parent: number): void {
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 250);
  timer.unref();
}
