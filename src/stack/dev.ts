// `valkey-bun dev`: read the stack manifest (config/stack.json) and the VALKEY_* environment (.env too), run
// the server and the apps under concurrently (named, coloured prefixes), hold each app until its depends_on
// conditions hold (compose semantics), tear everything down together, and exit with the code that matters.

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { Writable } from "node:stream";
import { createServer } from "node:net";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import type { CloseEvent, Command } from "concurrently";
import { loadEnvFile } from "../envfile.js";
import { cliEntry, currentRuntime, findRuntime, monotonicMs, pkgRoot, type RuntimeName } from "../runtime.js";
import { probe, watchHealth, type HealthWatch } from "./health.js";
import { startReaper, type Reaper } from "./reaper.js";
import { loadManifest, ManifestError, shellQuote, type ServiceSpec, type Stack } from "./manifest.js";

export const DEV_HELP = `Usage: valkey-bun dev [--manifest config/stack.json]

Starts the valkey-bun server and the apps declared in the stack manifest, each app once its depends_on
conditions hold (service_started, service_healthy, service_completed_successfully), with prefixed output.
Ctrl-C stops everything; so does any process exiting, unless kill_others says otherwise. The exit code is
0 when the manifest's success condition holds, otherwise the first failing process's exit code.`;

const COLORS = ["cyan", "green", "yellow", "blue", "magenta", "white"];

class UsageError extends Error {}

function parseArgs(argv: string[]): { manifest: string } | "help" {
  let manifest = "config/stack.json";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") return "help";
    if (a === "--manifest" || a === "-m") {
      const v = argv[++i];
      if (!v) throw new UsageError("--manifest needs a path");
      manifest = v;
    } else if (a.startsWith("--manifest=")) manifest = a.slice("--manifest=".length);
    else throw new UsageError(`unknown argument '${a}'`);
  }
  return { manifest };
}

/** The server's command line for the manifest's runtime. */
export function serverCommand(stack: Stack): { argv: string[]; runtime: RuntimeName } {
  const runtime = stack.valkey.runtime === "auto" ? currentRuntime : stack.valkey.runtime;
  const cli = cliEntry(runtime);
  if (!cli) throw new UsageError(`runtime "${runtime}" runs ${join(pkgRoot(), "dist", "cli.js")}, which does not exist (build with: npm run build)`);
  const exe = findRuntime(runtime);
  if (!exe) throw new UsageError(runtime === "node" ? 'runtime "node": no `node` on PATH' : 'runtime "bun": no `bun` found (install it, or use "runtime": "node")');
  return { argv: [exe, cli, ...stack.valkey.args], runtime };
}

/** A free TCP port on the server's address, for `port: 0` (apps need the URL before the server starts). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ port: 0, host }, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/**
 * A first port with `n - 1` free ports after it (a cluster's shards listen on port .. port+n-1): the OS picks
 * one, the rest are checked by binding them; a few tries before giving up.
 */
async function freePortRun(host: string, n: number, pick: (host: string) => Promise<number>): Promise<number> {
  const canBind = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen({ port, host }, () => s.close(() => resolve(true)));
    });
  for (let tries = 0; ; tries++) {
    const first = await pick(host);
    let ok = first + n - 1 <= 65535;
    for (let i = 1; ok && i < n; i++) ok = await canBind(first + i);
    if (ok || tries >= 20) return first;
  }
}

/** Run an app healthcheck test once: null when it exits 0, else why not. */
function runTest(spec: ServiceSpec, timeoutMs: number): Promise<string | null> {
  const t = spec.health!.test!;
  return new Promise((resolve) => {
    const child =
      "exec" in t
        ? spawn(t.exec[0]!, t.exec.slice(1), { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: "ignore" })
        : spawn(t.shell, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: "ignore", shell: true });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(`healthcheck timed out after ${timeoutMs}ms`);
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      resolve(`healthcheck could not run: ${e.message}`);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? null : `healthcheck exited with ${code ?? signal}`);
    });
  });
}

type Subscribable<T> = { subscribe(o: { next(v: T): void; error(e: unknown): void; complete(): void }): { unsubscribe(): void } };

/**
 * `source.pipe(map(fn))` without importing rxjs (concurrently's own dependency, not ours): rxjs's Observable
 * is the root class of whatever Subject or Observable the source is.
 */
function mapObservable<T, U>(source: Subscribable<T>, fn: (v: T) => U): never {
  let proto = Object.getPrototypeOf(source) as object;
  while (Object.getPrototypeOf(proto) !== Object.prototype) proto = Object.getPrototypeOf(proto) as object;
  const Observable = proto.constructor as new (subscribe: (subscriber: { next(v: U): void; error(e: unknown): void; complete(): void }) => () => void) => unknown;
  return new Observable((subscriber) => {
    const sub = source.subscribe({ next: (v) => subscriber.next(fn(v)), error: (e) => subscriber.error(e), complete: () => subscriber.complete() });
    return () => sub.unsubscribe();
  }) as never;
}

function exitNumber(code: number | string): number {
  if (typeof code === "number") return code;
  const n = (constants.signals as Record<string, number>)[code];
  return n !== undefined ? 128 + n : 1;
}

export async function main(argv: string[]): Promise<number> {
  const t0 = monotonicMs();
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`valkey-bun dev: ${(e as Error).message}`);
    return 2;
  }
  if (args === "help") {
    console.log(DEV_HELP);
    return 0;
  }
  const envFile = await loadEnvFile();

  let stack: Stack;
  let server: { argv: string[]; runtime: "node" | "bun" };
  try {
    const file = resolve(args.manifest);
    stack = loadManifest(file, { env: process.env, envFile });
    if (stack.valkey.port === 0) {
      const port = await freePortRun(stack.valkey.connectHost, stack.valkey.clusterSize || 1, freePort);
      stack = loadManifest(file, { env: process.env, envFile, port });
    }
    server = serverCommand(stack);
  } catch (e) {
    if (e instanceof ManifestError || e instanceof UsageError) {
      console.error(`valkey-bun dev: ${e.message}`);
      return 1;
    }
    throw e;
  }
  // Start the server before loading concurrently (rxjs is most of dev's own startup): both happen at once.
  const reaper = startReaper();
  const early = spawnEarly(serverCommandLine(server.argv), stack.valkey, reaper);
  const signals = { caught: null as NodeJS.Signals | null };
  const onSignal = (s: NodeJS.Signals) => {
    signals.caught ??= s;
    if (!early.adopted) early.child.kill(s);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  // Our stdout closed (`valkey-bun dev | head -3`, a terminal gone): that is a hangup; stop everything as for SIGHUP.
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" && signals.caught === null) process.emit("SIGHUP" as never, "SIGHUP" as never);
  };
  process.stdout.on("error", onStdoutError);
  try {
    return await run(stack, server, t0, early, signals, reaper);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    if (!early.adopted && early.child.exitCode === null) early.child.kill("SIGTERM");
    reaper.release();
  }
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How concurrently runs a command line: /bin/sh -c (cmd.exe on Windows), in a process group the reaper knows. */
function shellSpawn(command: string, options: SpawnOptions, reaper: Reaper): ChildProcess {
  if (process.platform === "win32") return spawn("cmd.exe", ["/s", "/c", `"${command}"`], { ...options, windowsVerbatimArguments: true });
  const child = spawn("/bin/sh", ["-c", command], { ...options, detached: reaper.detached });
  reaper.add(child);
  return child;
}

/** `exec` so the server is the process concurrently watches and signals (its exit code, not the shell's). */
function serverCommandLine(argv: string[]): string {
  return `${process.platform === "win32" ? "" : "exec "}${argv.map(shellQuote).join(" ")}`;
}

interface EarlyServer {
  command: string;
  child: ChildProcess;
  adopted: boolean;
  /** close/error events that fired before concurrently listened; replayed when it adopts the child. */
  missed: Array<[event: string, ...args: unknown[]]>;
  spawnedAt: number;
}

function spawnEarly(command: string, spec: ServiceSpec, reaper: Reaper): EarlyServer {
  // VALKEY_BUN_PARENT_PID: the server also watches us itself (src/runtime.ts watchParent).
  const env = { ...process.env, ...spec.env, VALKEY_BUN_PARENT_PID: String(process.pid) };
  const child = shellSpawn(command, { cwd: spec.cwd, env, stdio: ["pipe", "pipe", "pipe"] }, reaper);
  const early: EarlyServer = { command, child, adopted: false, missed: [], spawnedAt: monotonicMs() };
  child.on("error", (e) => !early.adopted && early.missed.push(["error", e]));
  child.on("close", (code, signal) => !early.adopted && early.missed.push(["close", code, signal]));
  return early;
}

async function run(
  stack: Stack,
  server: { argv: string[]; runtime: string },
  t0: number,
  early: EarlyServer,
  signals: { caught: NodeJS.Signals | null },
  reaper: Reaper,
): Promise<number> {
  const cc = await import("concurrently");
  const url = stack.valkey.url;
  const specs: ServiceSpec[] = [stack.valkey, ...stack.apps];
  const logger = new cc.Logger({ prefixFormat: "name", timestampFormat: "HH:mm:ss.SSS" });
  logger.setPrefixLength(Math.max(...specs.map((s) => s.name.length)));
  const abortController = new AbortController();

  // Per-service state the gate reads.
  const health = new Map<string, HealthWatch>();
  const exited = new Map<string, number | string>();
  const startedAt = new Map<string, number>([["valkey", early.spawnedAt]]);
  let gateFailure: string | null = null;

  let commands: Command[] = [];
  const byName = (name: string) => commands.find((c) => c.name === name)!;

  const stopAll = (why: string) => {
    if (abortController.signal.aborted) return;
    abortController.abort();
    logger.logGlobalEvent(why);
    for (const c of commands) if (cc.Command.canKill(c)) c.kill(stack.killSignal);
  };

  /** Resolves null when every depends_on condition of `spec` holds, else the reason it never will. */
  const dependenciesReady = (spec: ServiceSpec): Promise<string | null> =>
    Promise.all(
      spec.dependsOn.map(async ({ name, condition }): Promise<string | null> => {
        const dep = byName(name);
        if (condition === "service_completed_successfully") {
          const code = await new Promise<number | string>((resolve) => {
            if (exited.has(name)) return resolve(exited.get(name)!);
            const sub = dep.close.subscribe((e) => {
              sub.unsubscribe();
              resolve(e.exitCode);
            });
          });
          return code === 0 ? null : `${name} exited with ${code}`;
        }
        if (dep.state !== "started" && !exited.has(name)) {
          await new Promise<void>((resolve) => {
            const sub = dep.stateChange.subscribe(() => {
              sub.unsubscribe();
              resolve();
            });
          });
        }
        if (condition === "service_started") return null;
        const ok = await health.get(name)!.done;
        if (ok) return null;
        if (exited.has(name)) return `${name} exited with ${exited.get(name)} before it was healthy`;
        return `${name} is unhealthy: ${health.get(name)!.lastReason}`;
      }),
    ).then((reasons) => reasons.find((r) => r !== null) ?? null);

  // The flow controller that holds each app until its dependencies are ready (concurrently starts all
  // commands at once; this wraps start()).
  const dependsOn = {
    handle(cmds: Command[]) {
      for (const c of cmds) {
        const spec = specs.find((s) => s.name === c.name)!;
        const start = c.start.bind(c);
        let first = true;
        c.start = () => {
          if (!first || spec.dependsOn.length === 0) return start();
          first = false;
          // Deferred: concurrently calls start() before it hands back the command list the gate looks in.
          void Promise.resolve()
            .then(() => {
              logger.logCommandEvent(`waiting for ${spec.dependsOn.map((d) => `${d.name} (${d.condition})`).join(", ")}`, c);
              return dependenciesReady(spec);
            })
            .then((reason) => {
              if (abortController.signal.aborted) return;
              if (reason === null) return start();
              gateFailure ??= `${spec.name} not started: dependency failed to start: ${reason}`;
              stopAll(gateFailure);
            });
        };
      }
      return { commands: cmds };
    },
  };

  // Healthchecks start with their process; the server is also probed the moment it prints its ready line.
  const healthchecks = {
    handle(cmds: Command[]) {
      for (const c of cmds) {
        const spec = specs.find((s) => s.name === c.name)!;
        if (spec === stack.valkey) {
          // The key browser's URL, said once by the launcher itself so it stands out from the server's output.
          const ui = c.stdout.subscribe((buf) => {
            const m = /key browser on (http:\/\/\S+)/.exec(String(buf));
            if (!m) return;
            ui.unsubscribe();
            logger.logGlobalEvent(`key browser: ${m[1]}`);
          });
        }
        c.stateChange.subscribe((state) => {
          if (state === "started" && !startedAt.has(spec.name)) startedAt.set(spec.name, monotonicMs());
          if (state !== "started" || health.has(spec.name) || spec.health === null) return;
          const h = spec.health;
          const check = spec === stack.valkey ? (ms: number) => probe(url, ms).then((r) => (r.ok ? null : r.reason)) : (ms: number) => runTest(spec, ms);
          const watch = watchHealth(check, h);
          health.set(spec.name, watch);
          void watch.done.then((ok) => {
            const since = Math.round(monotonicMs() - startedAt.get(spec.name)!);
            if (ok) logger.logCommandEvent(`healthy ${since}ms after start (${Math.round(monotonicMs() - t0)}ms after \`valkey-bun dev\` began)`, c);
            else if (watch.state === "unhealthy") logger.logCommandEvent(`unhealthy: ${watch.lastReason}`, c);
          });
          if (spec === stack.valkey) {
            const sub = c.stdout.subscribe((buf) => {
              if (!String(buf).includes("ready on redis://")) return;
              sub.unsubscribe();
              watch.poke();
            });
          }
        });
        c.close.subscribe((e) => {
          exited.set(spec.name, e.exitCode);
          health.get(spec.name)?.stop();
        });
      }
      return { commands: cmds };
    },
  };

  // concurrently's restart option is global; the manifest's restart policy is per service.
  const restarts = {
    handle(cmds: Command[]) {
      const out = [...cmds];
      for (const [i, c] of cmds.entries()) {
        const spec = specs.find((s) => s.name === c.name)!;
        if (spec.restartTries === 0) continue;
        const r = new cc.RestartProcess({ logger, tries: spec.restartTries, delay: spec.restartDelayMs });
        out[i] = r.handle([c]).commands[0]!;
      }
      return { commands: out };
    },
  };

  // A process that dies of the signal the teardown sent it was stopped, not failed: for the success
  // condition it exited 0 (as concurrently's KillOnSignal does for Ctrl-C). Its own exit code still counts.
  const teardownIsNotFailure = {
    handle(cmds: Command[]) {
      return {
        commands: cmds.map((c) => {
          const close = mapObservable(c.close, (e: CloseEvent) => (e.killed && typeof e.exitCode === "string" ? { ...e, exitCode: 0 } : e));
          return new Proxy(c, { get: (target, prop) => (prop === "close" ? close : target[prop as keyof Command]) });
        }),
      };
    },
  };

  // Once a signal stops the stack (Ctrl-C, SIGTERM, stdout closed), per-process exit lines and "Sending SIGTERM to
  // other processes.." read as failures; one "stopped" line after the teardown says what happened instead.
  const quietWhenStopping = new Proxy(logger, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== "function") return v;
      if (prop !== "logCommandEvent" && prop !== "logGlobalEvent") return v.bind(target);
      return (...a: unknown[]) => signals.caught === null && (v as (...x: unknown[]) => void).apply(target, a);
    },
  });

  const palette = [...COLORS];
  const inputs = specs.map((s) => ({
    name: s.name,
    command: s === stack.valkey ? early.command : s.command,
    cwd: s.cwd,
    env: s.env,
    prefixColor: s.color ?? (s === stack.valkey ? "red" : palette.shift() ?? "gray"),
  }));
  const { result, commands: started } = cc.createConcurrently(inputs, {
    logger,
    // Not process.stdout itself: concurrently throws once its stream errored, and ours does when stdout closes.
    outputStream: new Writable({
      write(chunk, _enc, done) {
        if (process.stdout.writable) process.stdout.write(chunk);
        done();
      },
    }),
    abortSignal: abortController.signal,
    // The server's first start adopts the process spawned early; everything else spawns as concurrently does.
    spawn: (command: string, options: SpawnOptions) => {
      if (early.adopted || command !== early.command) return shellSpawn(command, options, reaper);
      early.adopted = true;
      if (early.missed.length) setImmediate(() => early.missed.forEach(([event, ...args]) => early.child.emit(event, ...args)));
      return early.child;
    },
    successCondition: stack.success as never,
    // dependsOn and healthchecks come first: they need the bare Command objects, not the proxies later
    // controllers wrap them in.
    controllers: [
      dependsOn,
      healthchecks,
      new cc.LogError({ logger }),
      new cc.LogOutput({ logger }),
      new cc.LogExit({ logger: quietWhenStopping }),
      new cc.KillOnSignal({ process, abortController }),
      restarts,
      new cc.KillOthers({
        logger: quietWhenStopping,
        conditions: stack.killOthers,
        killSignal: stack.killSignal,
        timeoutMs: stack.killTimeoutMs,
        abortController,
      }),
      teardownIsNotFailure,
    ],
  });
  commands = started;
  // A signal that came while concurrently was loading already stopped the server; stop the rest.
  if (signals.caught !== null) stopAll(`${signals.caught} received while starting`);
  logger.logGlobalEvent(`valkey-bun dev: ${stack.file}; server on ${server.runtime} at ${url.replace(/\/\/:[^@]*@/, "//:***@")}`);

  // Should the result never settle while the event loop empties, do not let the process exit 0.
  const stranded = () => {
    console.error("valkey-bun dev: internal error: every process is gone but no result came");
    process.exitCode = 70;
  };
  process.once("beforeExit", stranded);
  let events: CloseEvent[];
  let success: boolean;
  try {
    events = await result;
    success = true;
  } catch (e) {
    if (!Array.isArray(e)) throw e;
    events = e as CloseEvent[];
    success = false;
  } finally {
    process.off("beforeExit", stranded);
    for (const w of health.values()) w.stop();
  }
  if (signals.caught !== null) {
    const why = signals.caught === "SIGHUP" && !process.stdout.writable ? "stdout closed" : signals.caught;
    logger.logGlobalEvent(`stopped (${why}) after ${((monotonicMs() - t0) / 1000).toFixed(1)}s: ${specs.map((s) => s.name).join(", ")}`);
  }
  if (gateFailure !== null) return 1;
  if (signals.caught !== null && signals.caught !== "SIGINT") return exitNumber(signals.caught);
  if (success) return 0;
  const culprit = events.find((e) => !e.killed && e.exitCode !== 0) ?? events.find((e) => e.exitCode !== 0);
  return culprit ? exitNumber(culprit.exitCode) || 1 : 1;
}
