// `valkey-bun health`: what `redis-cli ping` does in a compose healthcheck, plus INFO's loading:0. One probe
// by default; with --wait, compose-style polling (interval, timeout, retries, start period). Exit 0 healthy,
// 1 unhealthy (one line on stderr says why), 2 bad usage. The probe speaks RESP itself (probe-client.ts): it runs
// as a whole process per compose healthcheck, and ioredis took longer to load than the rest of the probe.

import { clusterProblem } from "./cluster-health.js";
import { openProbe } from "./probe-client.js";
import { monotonicMs } from "../runtime.js";

export const HEALTH_HELP = `Usage: valkey-bun health [--url redis://[:password@]host:port[/db]] [--wait <duration>]
                         [--interval 100ms] [--timeout 1s] [--retries N] [--start-period 0s] [--quiet]

Exit 0 when the server answers PING with PONG and INFO says loading:0; 1 otherwise, with the reason on stderr.
A cluster node (--cluster-size) is healthy when it and every node it knows answer and say cluster_state:ok.
Without --url: VALKEY_HOST, VALKEY_PORT, VALKEY_PASSWORD (a .env file is read too), else redis://127.0.0.1:6379.
--wait keeps probing (every --interval, each probe limited to --timeout) until healthy or until the duration
has passed; with --retries, it also gives up after that many consecutive failures once --start-period is over.`;

export interface ProbeResult {
  ok: boolean;
  /** One line: "PONG" or why not. */
  reason: string;
  ms: number;
}

interface Target {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  shown: string;
}

/** Parse a redis:// URL (TLS-less). Throws Error with a one-line message. */
export function parseRedisUrl(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL '${url}'`);
  }
  if (u.protocol === "rediss:" || u.protocol === "valkeys:") throw new Error(`${u.protocol}// (TLS) is not supported: valkey-bun serves plain TCP; use redis://`);
  if (u.protocol !== "redis:" && u.protocol !== "valkey:") throw new Error(`unsupported URL scheme '${u.protocol}' (expected redis://)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const port = u.port === "" ? 6379 : Number(u.port);
  const dbPart = u.pathname.replace(/^\//, "");
  const db = dbPart === "" ? 0 : Number(dbPart);
  if (!Number.isInteger(db) || db < 0) throw new Error(`invalid database '${dbPart}' in URL`);
  const t: Target = { host, port, db, shown: `${u.hostname}:${port}` };
  if (u.username) t.username = decodeURIComponent(u.username);
  if (u.password) t.password = decodeURIComponent(u.password);
  return t;
}

/** The same URL (credentials, db) for another node of the cluster. */
function peerUrl(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host.includes(":") ? `[${host}]` : host;
  u.port = String(port);
  return u.toString();
}

function oneLine(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === "ECONNREFUSED") return "connection refused";
  if (err?.code === "ENOTFOUND" || err?.code === "EAI_AGAIN") return `cannot resolve host (${err.code})`;
  if (err?.code === "ECONNRESET") return "connection reset by server";
  const msg = String(err?.message ?? e).split("\n")[0]!;
  // The server's NOAUTH text names the command it refused; say what to do instead.
  if (msg.startsWith("NOAUTH")) return "NOAUTH Authentication required (the server has a password: put it in the URL, redis://:PASSWORD@host:port)";
  return msg;
}

/**
 * One probe: connect, AUTH if the URL has a password, PING (expects PONG), INFO persistence (expects
 * loading:0). Never throws.
 */
export async function probe(url: string, timeoutMs = 1000, peers = true): Promise<ProbeResult> {
  const t0 = monotonicMs();
  let target: Target;
  try {
    target = parseRedisUrl(url);
  } catch (e) {
    return { ok: false, reason: (e as Error).message, ms: 0 };
  }
  const c = openProbe(target.host, target.port);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
  });
  const run = async (): Promise<string | null> => {
    if (target.password !== undefined) await (target.username !== undefined ? c.call("AUTH", target.username, target.password) : c.call("AUTH", target.password));
    if (target.db !== 0) await c.call("SELECT", String(target.db));
    const pong = await c.call("PING");
    if (pong !== "PONG") return `PING replied ${JSON.stringify(pong)}`;
    const info = String(await c.call("INFO", "persistence"));
    const loading = /^loading:(\d+)/m.exec(info)?.[1];
    if (loading === undefined) return "INFO persistence has no loading field";
    if (loading !== "0") return "server is loading its dataset (loading:1)";
    // A cluster node is healthy when the whole cluster is: every node answers and says cluster_state:ok.
    return clusterProblem(c, peers ? (host, port) => probe(peerUrl(url, host, port), timeoutMs, false).then((r) => (r.ok ? null : r.reason)) : null);
  };
  let reason: string | null;
  try {
    reason = await Promise.race([run(), deadline]);
  } catch (e) {
    reason = oneLine(e);
  } finally {
    clearTimeout(timer);
    c.close();
  }
  const ms = Math.round(monotonicMs() - t0);
  return reason === null ? { ok: true, reason: "PONG", ms } : { ok: false, reason: `${target.shown}: ${reason}`, ms };
}

// ---------------------------------------------------------------------------------------------------------
// Compose-style health state machine, shared by `health --wait` and `valkey-bun dev`.

export interface HealthTimingMs {
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures (after the start period) that mean unhealthy; Infinity = never give up. */
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export type HealthState = "starting" | "healthy" | "unhealthy";

export interface HealthWatch {
  /** Settles when the service becomes healthy (true) or unhealthy (false), or when stopped (false). */
  readonly done: Promise<boolean>;
  readonly state: HealthState;
  readonly attempts: number;
  readonly lastReason: string;
  /** Run a check now (e.g. the server printed its ready line). */
  poke(): void;
  stop(): void;
}

/**
 * Probe `check` (resolves null when healthy, else a reason) with compose's semantics: the first check runs one
 * start interval after start; during the start period failures do not count; afterwards `retries`
 * consecutive failures make the service unhealthy; one success makes it healthy. Checks never overlap.
 */
export function watchHealth(check: (timeoutMs: number) => Promise<string | null>, t: HealthTimingMs): HealthWatch {
  const started = monotonicMs();
  let state: HealthState = "starting";
  let attempts = 0;
  let failures = 0;
  let lastReason = "no check has completed yet";
  let running = false;
  let pokeAgain = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle!: (ok: boolean) => void;
  const done = new Promise<boolean>((r) => (settle = r));

  const schedule = () => {
    if (stopped || state !== "starting") return;
    const inStart = monotonicMs() - started < t.startPeriodMs;
    timer = setTimeout(runCheck, inStart ? t.startIntervalMs : t.intervalMs);
  };
  const runCheck = async () => {
    if (stopped || state !== "starting") return;
    if (running) {
      pokeAgain = true;
      return;
    }
    clearTimeout(timer);
    running = true;
    attempts++;
    let reason: string | null;
    try {
      reason = await check(t.timeoutMs);
    } catch (e) {
      reason = String((e as Error)?.message ?? e);
    }
    running = false;
    if (stopped) return;
    if (reason === null) {
      state = "healthy";
      lastReason = "healthy";
      settle(true);
      return;
    }
    lastReason = reason;
    if (monotonicMs() - started >= t.startPeriodMs) failures++;
    if (failures >= t.retries) {
      state = "unhealthy";
      settle(false);
      return;
    }
    if (pokeAgain) {
      pokeAgain = false;
      void runCheck();
    } else schedule();
  };
  schedule();
  return {
    done,
    get state() {
      return state;
    },
    get attempts() {
      return attempts;
    },
    get lastReason() {
      return lastReason;
    },
    poke: () => void runCheck(),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      settle(false);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// CLI

class UsageError extends Error {}

function durationArg(flag: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  const ms = parseDurationLight(v);
  if (ms === null) throw new UsageError(`${flag}: expected a duration like 500ms, 10s or 1m, got '${v}'`);
  return ms;
}

/** Same syntax as the manifest's durations (kept here so the probe does not load zod). A bare number means seconds, as in `timeout 5`. */
function parseDurationLight(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(s)) return null;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return Math.round(ms);
}

interface HealthArgs {
  url: string | null;
  waitMs: number | null;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  quiet: boolean;
}

function parseArgs(argv: string[]): HealthArgs | "help" {
  const a: HealthArgs = { url: null, waitMs: null, intervalMs: 100, timeoutMs: 1000, retries: Infinity, startPeriodMs: 0, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const next = () => value ?? argv[++i];
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--url":
      case "-u": {
        const v = next();
        if (!v) throw new UsageError("--url needs a value");
        a.url = v;
        break;
      }
      case "--wait":
        a.waitMs = durationArg("--wait", next());
        break;
      case "--interval":
        a.intervalMs = durationArg("--interval", next());
        break;
      case "--timeout":
        a.timeoutMs = durationArg("--timeout", next());
        break;
      case "--start-period":
        a.startPeriodMs = durationArg("--start-period", next());
        break;
      case "--retries": {
        const v = next();
        if (!v || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--retries: expected a positive integer, got '${v ?? ""}'`);
        a.retries = Number(v);
        break;
      }
      case "-q":
      case "--quiet":
        a.quiet = true;
        break;
      default:
        throw new UsageError(`unknown argument '${argv[i]}'`);
    }
  }
  return a;
}

/** URL from VALKEY_HOST / VALKEY_PORT / VALKEY_PASSWORD, as the server itself would read them. */
export function urlFromEnv(env: Record<string, string | undefined>): string {
  let host = (env.VALKEY_HOST ?? "").split(/[\s,]+/).filter(Boolean)[0]?.replace(/^-/, "") ?? "";
  if (host === "" || host === "*" || host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::*" || host === "::") host = "::1";
  const port = env.VALKEY_PORT && env.VALKEY_PORT !== "0" ? env.VALKEY_PORT : "6379";
  const auth = env.VALKEY_PASSWORD ? `:${encodeURIComponent(env.VALKEY_PASSWORD)}@` : "";
  return `redis://${auth}${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export async function main(argv: string[]): Promise<number> {
  let args: HealthArgs | "help";
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`valkey-bun health: ${e.message}`);
    return 2;
  }
  if (args === "help") {
    console.log(HEALTH_HELP);
    return 0;
  }
  let url = args.url;
  if (url === null) {
    if (!process.env.VALKEY_PORT || !process.env.VALKEY_HOST || !process.env.VALKEY_PASSWORD) {
      const dotenv = await import("dotenv");
      dotenv.config({ quiet: true });
    }
    url = urlFromEnv(process.env);
  }
  const say = (line: string) => !args.quiet && console.log(line);
  const fail = (line: string) => !args.quiet && console.error(`valkey-bun health: ${line}`);

  if (args.waitMs === null) {
    const r = await probe(url, args.timeoutMs);
    if (r.ok) say("PONG");
    else fail(r.reason);
    return r.ok ? 0 : 1;
  }
  const t0 = monotonicMs();
  const watch = watchHealth((timeoutMs) => probe(url, timeoutMs).then((r) => (r.ok ? null : r.reason)), {
    intervalMs: args.intervalMs,
    timeoutMs: args.timeoutMs,
    retries: args.retries,
    startPeriodMs: args.startPeriodMs,
    startIntervalMs: args.intervalMs,
  });
  watch.poke();
  const expiry = setTimeout(() => watch.stop(), args.waitMs);
  const ok = await watch.done;
  clearTimeout(expiry);
  const took = Math.round(monotonicMs() - t0);
  if (ok) {
    say(`PONG (healthy after ${took}ms, ${watch.attempts} ${watch.attempts === 1 ? "check" : "checks"})`);
    return 0;
  }
  const why = watch.state === "unhealthy" ? `unhealthy after ${watch.attempts} checks` : `not healthy within ${args.waitMs}ms (${watch.attempts} checks)`;
  fail(`${why}: ${watch.lastReason}`);
  return 1;
}
