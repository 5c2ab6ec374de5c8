// The stack manifest (config/stack.json): the valkey service and the app processes beside it. Validated with
// zod (errors name the path of the bad field); config/stack.schema.json is generated from the same schema.
// Field names and meanings follow docker compose: depends_on + condition, restart, healthcheck timings.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as jsonc from "jsonc-parser";
import * as z from "zod";
import { CLUSTER_SIZE_MAX, ConfigError, findParam, loadConfig, validateParam } from "../config.js";
import { parseUserList } from "../acl/users-env.js";

// ---------------------------------------------------------------------------------------------------------
// Durations (compose / Go syntax: "500ms", "2s", "1m30s", "1.5s")

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** Milliseconds in a compose-style duration, or null when malformed. */
export function parseDuration(s: string): number | null {
  const t = s.trim();
  if (t === "0") return 0;
  if (!DURATION_RE.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(ms);
}

const duration = (description: string) =>
  z
    .string()
    .regex(/^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/, { error: 'expected a duration like "500ms", "2s" or "1m30s"' })
    .meta({ description });

// ---------------------------------------------------------------------------------------------------------
// Schema

const RESTART_RE = /^(?:no|on-failure(?::\d+)?)$/;
const restart = z
  .string()
  .regex(RESTART_RE, { error: 'expected "no", "on-failure" or "on-failure:<max retries>"' })
  .meta({
    description:
      'Restart policy when the process exits with a failure: "no" (default), "on-failure" (always retry) or "on-failure:N" (at most N restarts).',
    examples: ["no", "on-failure", "on-failure:3"],
  });

const timing = {
  interval: duration("Time between two checks once the start period is over (compose: interval)."),
  timeout: duration("How long one check may take before it counts as failed (compose: timeout)."),
  retries: z
    .number()
    .int()
    .min(1)
    .meta({ description: "Consecutive failures, after the start period, that make the service unhealthy (compose: retries)." }),
  start_period: duration("Grace period after start: failures do not count, a success makes the service healthy at once."),
  start_interval: duration("Time between checks during the start period (defaults to interval)."),
  disable: z.boolean().meta({ description: "Turn the healthcheck off (the service can then not be a service_healthy dependency)." }),
};

const valkeyHealthcheck = z
  .strictObject({
    interval: timing.interval.optional(),
    timeout: timing.timeout.optional(),
    retries: timing.retries.optional(),
    start_period: timing.start_period.optional(),
    start_interval: timing.start_interval.optional(),
    disable: timing.disable.optional(),
  })
  .meta({
    description:
      "How the server's health is probed: PING answered PONG and INFO says loading:0 (what `valkey-bun health` checks). Defaults: interval 100ms, timeout 1s, retries 3, start_period 10s.",
  });

const appHealthcheck = z
  .strictObject({
    test: z
      .union([z.string().min(1), z.array(z.string()).min(1)])
      .meta({
        description:
          'The check, as in compose: a shell command string, ["CMD", "prog", "arg", ...], ["CMD-SHELL", "shell command"] or ["NONE"]. Exit code 0 means healthy.',
        examples: ["curl -fsS http://localhost:3000/health", ["CMD", "node", "healthcheck.js"]],
      })
      .optional(),
    interval: timing.interval.optional(),
    timeout: timing.timeout.optional(),
    retries: timing.retries.optional(),
    start_period: timing.start_period.optional(),
    start_interval: timing.start_interval.optional(),
    disable: timing.disable.optional(),
  })
  .meta({ description: "Compose-style healthcheck. Defaults: interval 1s, timeout 5s, retries 3, start_period 0s." });

const CONDITIONS = ["service_started", "service_healthy", "service_completed_successfully"] as const;
const condition = z.enum(CONDITIONS).meta({
  description:
    "service_started: start once the dependency has started; service_healthy: wait until its healthcheck passes; service_completed_successfully: wait until it exited with code 0.",
});

const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const serviceName = z.string().regex(SERVICE_NAME_RE, { error: "service names use letters, digits, '_', '.', '-'" });

const dependsOn = z
  .union([
    z.array(serviceName).meta({ description: "Short form: each listed service must have started (condition service_started)." }),
    z.record(serviceName, z.strictObject({ condition: condition.optional() })),
  ])
  .meta({
    description:
      'Services this one waits for, as in compose. Omitted on an app: { "valkey": { "condition": "service_healthy" } }. Use {} to start at once.',
  });

const envValue = z.union([z.string(), z.number(), z.boolean()]);

const valkeyService = z
  .strictObject({
    runtime: z
      .enum(["node", "bun", "auto"])
      .meta({ description: "Runtime of the server process: node runs dist/cli.cjs, bun runs src/cli.ts, auto uses the runtime `valkey-bun dev` runs on." })
      .optional(),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .meta({ description: "TCP port (default VALKEY_PORT or 6379; 0 picks a free port, handed to apps as ${VALKEY_PORT})." })
      .optional(),
    host: z.string().min(1).meta({ description: "Listen address(es), Valkey `bind` syntax (default VALKEY_HOST or 127.0.0.1)." }).optional(),
    password: z.string().meta({ description: "requirepass (default VALKEY_PASSWORD). Part of ${VALKEY_URL}." }).optional(),
    databases: z.number().int().min(1).meta({ description: "Number of logical databases (default VALKEY_DBCOUNT or 16)." }).optional(),
    maxclients: z.number().int().min(1).meta({ description: "Maximum simultaneous clients (default VALKEY_MAXCLIENTS or 10000)." }).optional(),
    loglevel: z.enum(["debug", "verbose", "notice", "warning", "nothing"]).optional(),
    test_clock: z.boolean().meta({ description: "Start with --test-clock: DEBUG CLOCK GET | ADVANCE ms | SET ms move the server's clock." }).optional(),
    users: z
      .record(z.string().regex(/^\S+$/, { error: "user names have no spaces" }), z.string())
      .meta({
        description:
          'ACL users, name -> rules as in ACL SETUSER / a `user` line (default VALKEY_USERS). An app with "user" gets them in ${VALKEY_URL}. See docs/acl.md.',
        examples: [{ app: "on >secret ~app:* &app:* +@all -@dangerous" }],
      })
      .optional(),
    ui: z
      .union([z.boolean(), z.number().int().min(0).max(65535)])
      .meta({
        description:
          "Serve the key browser (--ui): true for a free port, or a port number. It binds 127.0.0.1 only and asks for the server's password; `valkey-bun dev` prints its URL.",
        examples: [true, 8001],
      })
      .optional(),
    cluster_size: z
      .number()
      .int()
      .min(0)
      .max(CLUSTER_SIZE_MAX)
      .meta({
        description:
          "Cluster mode: N shards on ports port .. port+N-1 (docs/cluster.md). Apps get REDIS_CLUSTER_NODES (host:port,...) in their environment and ${VALKEY_CLUSTER_NODES}. 0 (default): one standalone server.",
      })
      .optional(),
    flags: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "flag names are Valkey config parameters, lowercase, without leading --" }), envValue)
      .meta({
        description: 'Any other server flag, as { "name": value } for --name value, e.g. { "notify-keyspace-events": "KEA" }.',
        examples: [{ "notify-keyspace-events": "KEA", maxmemory: "100mb" }],
      })
      .optional(),
    healthcheck: valkeyHealthcheck.optional(),
    restart: restart.optional(),
    restart_delay: duration("Wait before a restart (default 0s).").optional(),
    color: z.string().meta({ description: 'Prefix colour (chalk names, "#rrggbb", or "auto").' }).optional(),
  })
  .meta({ description: "The valkey-bun server. Apps refer to it as \"valkey\" in depends_on." });

const appService = z.strictObject({
  command: z.string().min(1).meta({ description: "Shell command line. ${VALKEY_URL}, ${VALKEY_HOST}, ${VALKEY_PORT}, ${VALKEY_PASSWORD} and ${ENV_VAR:-default} are substituted." }),
  cwd: z.string().min(1).meta({ description: "Working directory, relative to the manifest's project root (the folder holding config/)." }).optional(),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "environment variable names use letters, digits and '_'" }), envValue)
    .meta({ description: 'Extra environment, e.g. { "REDIS_URL": "${VALKEY_URL}" }.', examples: [{ REDIS_URL: "${VALKEY_URL}" }] })
    .optional(),
  user: z
    .string()
    .min(1)
    .meta({ description: "Connect as this ACL user (one of valkey.users, with a >password rule): ${VALKEY_URL} carries its name and password." })
    .optional(),
  depends_on: dependsOn.optional(),
  restart: restart.optional(),
  restart_delay: duration("Wait before a restart (default 0s).").optional(),
  healthcheck: appHealthcheck.optional(),
  color: z.string().meta({ description: 'Prefix colour (chalk names, "#rrggbb", or "auto").' }).optional(),
});

export const manifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    valkey: valkeyService.optional(),
    apps: z
      .record(serviceName, appService)
      .meta({ description: "Processes started beside the server, each held until its dependencies are ready." })
      .optional(),
    kill_others: z
      .array(z.enum(["failure", "success"]))
      .meta({
        description:
          'Stop everything when a process exits with one of these outcomes (concurrently\'s --kill-others-on). Default ["failure", "success"]: any exit stops the stack.',
      })
      .optional(),
    success: z
      .string()
      .regex(/^(?:all|first|last|!?command-.+)$/, { error: 'expected "all", "first", "last", "command-<name>" or "!command-<name>"' })
      .meta({
        description:
          'Which exits make `valkey-bun dev` succeed (concurrently\'s --success): "all" (default), "first", "last", "command-<name>", "!command-<name>". Otherwise it exits with the first failing exit code.',
      })
      .optional(),
    kill_signal: z.enum(["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL"]).meta({ description: "Signal sent to the other processes (default SIGTERM)." }).optional(),
    kill_timeout: duration("Send SIGKILL to processes still alive this long after the stop signal (default 5s).").optional(),
  })
  .meta({ title: "valkey-bun stack manifest", description: "The dev stack `valkey-bun dev` runs: a valkey-bun server and the apps beside it." });

export type Manifest = z.input<typeof manifestSchema>;

/** The JSON Schema committed as config/stack.schema.json (editor completion). */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------
// Errors that name the path of the bad field

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid stack manifest\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

/** `apps.web.env.REDIS_URL`, `apps["my app"]`, `healthcheck.test[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(String(p))) s += s === "" ? String(p) : `.${String(p)}`;
    else s += `[${JSON.stringify(String(p))}]`;
  }
  return s === "" ? "(top level)" : s;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** One line per zod issue; unions report the branch the value was meant for. */
function flattenIssues(issues: readonly z.core.$ZodIssue[], base: PropertyKey[], root: unknown, out: string[]): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // A branch whose issues are all below the value matched its type: report those.
      const deep = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
      if (deep) {
        flattenIssues(deep, path, root, out);
        continue;
      }
      const expected = issue.errors
        .flat()
        .filter((i) => i.code === "invalid_type" && i.path.length === 0)
        .map((i) => (i as { expected: string }).expected);
      const got = describeType(valueAt(root, path));
      if (expected.length === issue.errors.length) {
        out.push(`${formatPath(path)}: expected ${expected.map((e) => (e === "record" ? "object" : e)).join(" or ")}, got ${got}`);
        continue;
      }
      const first = issue.errors.find((b) => b.length > 0);
      if (first) {
        flattenIssues(first, path, root, out);
        continue;
      }
    }
    if (issue.code === "invalid_key") {
      flattenIssues(issue.issues.map((i) => ({ ...i, path: [] })).slice(0, 1), path, root, out);
      continue;
    }
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) out.push(`${formatPath([...path, k])}: unknown field`);
      continue;
    }
    if (issue.code === "invalid_type") {
      const v = valueAt(root, path);
      out.push(`${formatPath(path)}: ${v === undefined ? "required" : `expected ${issue.expected === "record" ? "object" : issue.expected}, got ${describeType(v)}`}`);
      continue;
    }
    out.push(`${formatPath(path)}: ${issue.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The resolved stack

export type Condition = (typeof CONDITIONS)[number];

export interface HealthTiming {
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

/** An app healthcheck's test: an argv to exec, or a shell command line. */
export type HealthTest = { exec: string[] } | { shell: string };

export interface ServiceSpec {
  name: string;
  /** Shell command line as concurrently runs it. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  dependsOn: Array<{ name: string; condition: Condition }>;
  /** concurrently restartTries for this process: 0 = never, -1 = unlimited. */
  restartTries: number;
  restartDelayMs: number;
  /** null: no healthcheck. For valkey, `test` is absent (the built-in PING/INFO probe). */
  health: (HealthTiming & { test?: HealthTest }) | null;
  color?: string;
}

export interface ValkeySpec extends ServiceSpec {
  runtime: "node" | "bun" | "auto";
  /** Server flags (without the password, which travels in VALKEY_PASSWORD to stay out of `ps`). */
  args: string[];
  host: string;
  port: number;
  password: string | null;
  /** Host clients connect to (a wildcard bind becomes 127.0.0.1). */
  connectHost: string;
  /** What apps get as ${VALKEY_URL}: redis://[:password@]connectHost:port */
  url: string;
  /** Cluster mode: shard count (0 = standalone) and every node as host:port (REDIS_CLUSTER_NODES). */
  clusterSize: number;
  clusterNodes: string[];
}

export interface Stack {
  file: string;
  root: string;
  valkey: ValkeySpec;
  apps: ServiceSpec[];
  killOthers: Array<"failure" | "success">;
  success: string;
  killSignal: "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGKILL";
  killTimeoutMs: number;
}

const VALKEY_HEALTH: HealthTiming = { intervalMs: 100, timeoutMs: 1000, retries: 3, startPeriodMs: 10_000, startIntervalMs: 100 };
const APP_HEALTH: HealthTiming = { intervalMs: 1000, timeoutMs: 5000, retries: 3, startPeriodMs: 0, startIntervalMs: 1000 };

function timingOf(h: { interval?: string; timeout?: string; retries?: number; start_period?: string; start_interval?: string }, d: HealthTiming): HealthTiming {
  const interval = h.interval !== undefined ? parseDuration(h.interval)! : d.intervalMs;
  return {
    intervalMs: interval,
    timeoutMs: h.timeout !== undefined ? parseDuration(h.timeout)! : d.timeoutMs,
    retries: h.retries ?? d.retries,
    startPeriodMs: h.start_period !== undefined ? parseDuration(h.start_period)! : d.startPeriodMs,
    startIntervalMs: h.start_interval !== undefined ? parseDuration(h.start_interval)! : h.interval !== undefined ? interval : d.startIntervalMs,
  };
}

function restartTries(policy: string | undefined): number {
  if (policy === undefined || policy === "no") return 0;
  if (policy === "on-failure") return -1;
  return Number(policy.slice("on-failure:".length));
}

export interface ResolveOptions {
  /** Environment for VALKEY_* defaults and ${VAR} substitution (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where the manifest came from (for messages and relative paths). */
  file?: string;
  /** Project root that relative cwd values start from (default: the manifest folder's parent when it is config/). */
  root?: string;
  /** The port to use when the manifest asks for port 0 (the caller found a free one). */
  port?: number;
  /** Names of the variables in `env` that came from a .env file (reported as `.env`, not `environment`). */
  envFile?: ReadonlySet<string>;
}

/** Quote one argument for /bin/sh (or cmd.exe). */
export function shellQuote(arg: string): string {
  if (process.platform === "win32") return /[\s"]/.test(arg) || arg === "" ? `"${arg.replace(/"/g, '""')}"` : arg;
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * compose-style interpolation: ${VAR}, ${VAR:-default} (unset or empty), ${VAR-default} (unset), $$ for '$'.
 * A variable that is unset and has no default is an error naming the field.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>, where: string, problems: string[]): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (m, name: string | undefined, op: string | undefined, def: string | undefined) => {
    if (m === "$$") return "$";
    const v = vars[name!];
    if (op === ":-") return v === undefined || v === "" ? def! : v;
    if (op === "-") return v === undefined ? def! : v;
    if (v === undefined) {
      problems.push(`${where}: variable ${name} is not set (write \${${name}:-default} for a fallback)`);
      return "";
    }
    return v;
  });
}

/**
 * The problems a schema failure hides: drop every value the schema refused and resolve what is left, so that one
 * run lists the dependency, flag and environment problems too. Problems about the dropped values themselves (a
 * field now missing) are the schema's, already reported.
 */
function problemsBeyond(input: unknown, schemaProblems: string[], opts: ResolveOptions): string[] {
  if (input === null || typeof input !== "object") return [];
  const paths = schemaProblems.map((p) => parsePath(p.slice(0, Math.max(0, p.indexOf(": ")))));
  if (paths.some((p) => p === null)) return [];
  const rest = structuredClone(input) as Record<PropertyKey, unknown>;
  const dropped: string[] = [];
  // Deepest first, so that array indices still point where they did.
  for (const path of (paths as Array<Array<string | number>>).sort((a, b) => b.length - a.length)) {
    const parent = valueAt(rest, path.slice(0, -1));
    const key = path.at(-1)!;
    if (parent === null || typeof parent !== "object" || !(key in parent)) return [];
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<PropertyKey, unknown>)[key];
    dropped.push(formatPath(path));
  }
  try {
    resolveManifest(rest, opts);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    const about = (problem: string, path: string) => problem.startsWith(`${path}:`) || problem.startsWith(`${path}.`) || problem.startsWith(`${path}[`);
    return e.problems.filter((p) => !dropped.some((d) => about(p, d)));
  }
  return [];
}

/** Validate a parsed manifest object and resolve it into a Stack. Throws ManifestError listing every problem. */
export function resolveManifest(input: unknown, opts: ResolveOptions = {}): Stack {
  const file = opts.file ?? "stack manifest";
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) {
    const problems: string[] = [];
    flattenIssues(parsed.error.issues, [], input, problems);
    throw new ManifestError(file, [...problems, ...problemsBeyond(input, problems, opts)]);
  }
  const m = parsed.data;
  const env = opts.env ?? process.env;
  const root = opts.root ?? (opts.file ? defaultRoot(opts.file) : process.cwd());
  const problems: string[] = [];
  const v = m.valkey ?? {};
  const apps = m.apps ?? {};
  const killOthers = m.kill_others ?? ["failure", "success"];

  // The server's settings: manifest fields, else VALKEY_* env, else defaults (bind defaults to loopback here).
  const flagPairs: Array<[path: string, name: string, value: string]> = [];
  const field = (path: string, name: string, value: string | number | boolean | undefined) => {
    if (value === undefined) return;
    flagPairs.push([path, name, typeof value === "boolean" ? (value ? "yes" : "no") : String(value)]);
  };
  field("valkey.port", "port", v.port);
  field("valkey.host", "bind", v.host);
  field("valkey.databases", "databases", v.databases);
  field("valkey.maxclients", "maxclients", v.maxclients);
  field("valkey.loglevel", "loglevel", v.loglevel);
  const firstClass = new Set(["port", "bind", "requirepass", "databases", "maxclients", "loglevel"]);
  for (const [name, value] of Object.entries(v.flags ?? {})) {
    const path = `valkey.flags.${name}`;
    const p = findParam(name);
    if (!p) {
      problems.push(`${path}: unknown server flag --${name}`);
      continue;
    }
    if (firstClass.has(p.name)) {
      problems.push(`${path}: set this with valkey.${p.name === "bind" ? "host" : p.name === "requirepass" ? "password" : p.name}`);
      continue;
    }
    field(path, p.name, value);
  }
  const validFlags: string[] = [];
  for (const [path, name, value] of flagPairs) {
    try {
      validateParam(findParam(name)!, value);
      validFlags.push(`--${name}`, value);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(`${path}: ${e.message}`);
    }
  }
  if (v.password !== undefined && /[\s]/.test(v.password)) problems.push("valkey.password: must not contain whitespace");
  // ACL users travel to the server in VALKEY_USERS (out of `ps`, like the password); apps may connect as one.
  const userLines = v.users !== undefined ? Object.entries(v.users).map(([n, rules]) => `${n} ${rules}`).join("; ") : (env.VALKEY_USERS ?? "");
  const userRules = new Map(parseUserList(userLines).map(([n, ...rules]) => [n!, rules]));

  let config;
  try {
    const envForServer = { ...env };
    if (v.host === undefined && !envForServer.VALKEY_HOST) envForServer.VALKEY_HOST = "127.0.0.1";
    if (v.password !== undefined) envForServer.VALKEY_PASSWORD = v.password;
    envForServer.VALKEY_USERS = userLines;
    // The manifest's valid settings go in as flags, so a VALKEY_* variable they override is not even read.
    config = loadConfig({ env: envForServer, argv: validFlags, ...(opts.envFile ? { envFile: opts.envFile } : {}) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split("\n")) problems.push(`${/^invalid \S+ in \.env:/.test(line) ? ".env" : "environment"}: ${line}`);
    // Go on with the defaults, so the apps' problems are listed in this run too.
    config = loadConfig({ env: { VALKEY_HOST: "127.0.0.1" } });
  }
  const host = config.params.get("bind")!;
  const port = Number(config.params.get("port")) || opts.port || 0;
  const password = config.params.get("requirepass") || null;
  const firstAddr = host.split(/\s+/)[0]!.replace(/^-/, "");
  const connectHost = firstAddr === "*" || firstAddr === "0.0.0.0" ? "127.0.0.1" : firstAddr === "::*" || firstAddr === "::" ? "::1" : firstAddr;

  const addrOf = (p: number) => `${connectHost.includes(":") ? `[${connectHost}]` : connectHost}:${p}`;
  const hostPort = addrOf(port);
  const url = `redis://${password ? `:${encodeURIComponent(password)}@` : ""}${hostPort}`;

  // Every effective setting travels as a flag, so the child's own .env/VALKEY_* reading cannot disagree.
  const args = ["--port", String(port), "--bind", ...host.split(/\s+/)];
  for (const name of ["databases", "maxclients", "loglevel"]) args.push(`--${name}`, config.params.get(name)!);
  for (const [, name, value] of flagPairs) if (!firstClass.has(name)) args.push(`--${name}`, value);
  if (v.test_clock) args.push("--test-clock");
  if (v.ui !== undefined && v.ui !== false) args.push("--ui", String(v.ui === true ? 0 : v.ui));
  const clusterSize = v.cluster_size ?? 0;
  if (clusterSize > 0) args.push("--cluster-size", String(clusterSize));
  const clusterNodes = Array.from({ length: clusterSize }, (_, i) => addrOf(port + i));

  const names = new Set(["valkey", ...Object.keys(apps)]);
  if ("valkey" in apps) problems.push('apps.valkey: the name "valkey" is the server\'s; pick another name');

  const valkeyHealth = v.healthcheck?.disable ? null : { ...timingOf(v.healthcheck ?? {}, VALKEY_HEALTH) };
  const valkey: ValkeySpec = {
    name: "valkey",
    command: "",
    cwd: root,
    env: { VALKEY_PASSWORD: password ?? "", VALKEY_USERS: userLines },
    dependsOn: [],
    restartTries: restartTries(v.restart),
    restartDelayMs: v.restart_delay ? parseDuration(v.restart_delay)! : 0,
    health: valkeyHealth,
    ...(v.color !== undefined ? { color: v.color } : {}),
    runtime: v.runtime ?? "auto",
    args,
    host,
    port,
    password,
    connectHost,
    url,
    clusterSize,
    clusterNodes,
  };

  const specs: ServiceSpec[] = [];
  const appUrls = new Map<string, { url: string; user: string }>();
  for (const [name, a] of Object.entries(apps)) {
    if (name === "valkey") continue;
    const base = formatPath(["apps", name]);
    if (a.user !== undefined) {
      const rules = userRules.get(a.user);
      const pw = rules?.find((r) => r.startsWith(">"))?.slice(1);
      if (rules === undefined) problems.push(`${base}.user: no user "${a.user}" in valkey.users (users: ${[...userRules.keys()].join(", ") || "none"})`);
      else if (pw === undefined) problems.push(`${base}.user: user "${a.user}" needs a >password rule to be put in \${VALKEY_URL}`);
      else appUrls.set(name, { url: `redis://${encodeURIComponent(a.user)}:${encodeURIComponent(pw)}@${hostPort}`, user: a.user });
    }
    const deps: Array<{ name: string; condition: Condition }> =
      a.depends_on === undefined
        ? [{ name: "valkey", condition: "service_healthy" }]
        : Array.isArray(a.depends_on)
          ? a.depends_on.map((d) => ({ name: d, condition: "service_started" as const }))
          : Object.entries(a.depends_on).map(([d, o]) => ({ name: d, condition: o.condition ?? "service_started" }));
    for (const [i, d] of deps.entries()) {
      const where = formatPath(Array.isArray(a.depends_on) ? ["apps", name, "depends_on", i] : ["apps", name, "depends_on", d.name]);
      if (!names.has(d.name)) problems.push(`${where}: unknown service "${d.name}" (services: ${[...names].join(", ")})`);
      else if (d.name === name) problems.push(`${where}: a service cannot depend on itself`);
    }
    let health: ServiceSpec["health"] = null;
    const h = a.healthcheck;
    if (h && !h.disable) {
      const t = h.test;
      let test: HealthTest | null = null;
      if (t === undefined) problems.push(`${base}.healthcheck.test: required (or set disable: true)`);
      else if (typeof t === "string") test = { shell: t };
      else if (t[0] === "NONE") test = null;
      else if (t[0] === "CMD" && t.length >= 2) test = { exec: t.slice(1) };
      else if (t[0] === "CMD-SHELL" && t.length === 2) test = { shell: t[1]! };
      else
        problems.push(
          `${base}.healthcheck.test: ${t[0] === "CMD" ? '["CMD", ...] needs a program' : t[0] === "CMD-SHELL" ? '["CMD-SHELL", ...] takes exactly one shell command' : `expected ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"], got "${t[0]}" first`}`,
        );
      if (test) health = { ...timingOf(h, APP_HEALTH), test };
    }
    specs.push({
      name,
      command: a.command,
      cwd: a.cwd ?? ".",
      env: Object.fromEntries(Object.entries(a.env ?? {}).map(([k, val]) => [k, String(val)])),
      dependsOn: deps,
      restartTries: restartTries(a.restart),
      restartDelayMs: a.restart_delay ? parseDuration(a.restart_delay)! : 0,
      health,
      ...(a.color !== undefined ? { color: a.color } : {}),
    });
  }

  // Conditions need what they wait for.
  const byName = new Map<string, ServiceSpec>([["valkey", valkey], ...specs.map((s) => [s.name, s] as const)]);
  for (const s of specs) {
    for (const d of s.dependsOn) {
      const dep = byName.get(d.name);
      if (!dep || d.name === s.name) continue;
      const where = formatPath(["apps", s.name, "depends_on", d.name]);
      if (d.condition === "service_healthy" && dep.health === null)
        problems.push(`${where}: service_healthy needs a healthcheck on "${d.name}"${d.name === "valkey" ? " (valkey.healthcheck.disable is set)" : ""}`);
      if (d.condition === "service_completed_successfully" && killOthers.includes("success"))
        problems.push(`${where}: service_completed_successfully needs kill_others without "success" (${d.name} exiting 0 would stop the stack)`);
      if (d.condition === "service_completed_successfully" && d.name === "valkey") problems.push(`${where}: the server does not complete; use service_healthy`);
    }
  }
  const cycle = findCycle(specs);
  if (cycle) problems.push(`${formatPath(["apps", cycle[0]!, "depends_on"])}: dependency cycle ${cycle.join(" -> ")}`);
  const success = m.success ?? "all";
  const target = /^!?command-(.+)$/.exec(success)?.[1];
  if (target !== undefined && !names.has(target) && !/^\d+$/.test(target)) problems.push(`success: unknown service "${target}"`);

  // Interpolation, now that the URL is known.
  const allVars: Record<string, string | undefined> = {
    ...env,
    VALKEY_URL: url,
    VALKEY_HOST: connectHost,
    VALKEY_PORT: String(port),
    VALKEY_PASSWORD: password ?? "",
    VALKEY_CLUSTER_NODES: clusterNodes.join(","),
  };
  for (const s of specs) {
    // A cluster's node list reaches every app beside its REDIS_URL (an app's own setting wins).
    if (clusterSize > 0) s.env.REDIS_CLUSTER_NODES ??= "${VALKEY_CLUSTER_NODES}";
    const base = formatPath(["apps", s.name]);
    const own = appUrls.get(s.name);
    const vars = own === undefined ? allVars : { ...allVars, VALKEY_URL: own.url, VALKEY_USER: own.user };
    s.command = interpolate(s.command, vars, `${base}.command`, problems);
    s.cwd = resolve(root, interpolate(s.cwd, vars, `${base}.cwd`, problems));
    for (const k of Object.keys(s.env)) s.env[k] = interpolate(s.env[k]!, vars, formatPath(["apps", s.name, "env", k]), problems);
    const t = s.health?.test;
    if (t && "shell" in t) t.shell = interpolate(t.shell, vars, `${base}.healthcheck.test`, problems);
    if (t && "exec" in t) t.exec = t.exec.map((x, i) => interpolate(x, vars, `${base}.healthcheck.test[${i + 1}]`, problems));
  }
  if (problems.length) throw new ManifestError(file, problems);

  return {
    file,
    root,
    valkey,
    apps: specs,
    killOthers,
    success,
    killSignal: m.kill_signal ?? "SIGTERM",
    killTimeoutMs: m.kill_timeout !== undefined ? parseDuration(m.kill_timeout)! : 5000,
  };
}

function findCycle(specs: ServiceSpec[]): string[] | null {
  const deps = new Map(specs.map((s) => [s.name, s.dependsOn.map((d) => d.name).filter((n) => n !== s.name)]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 2 || !deps.has(n)) return null;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n)!) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const s of specs) {
    const c = visit(s.name);
    if (c) return c;
  }
  return null;
}

/** The manifest's project root: the parent of a config/ folder, else the manifest's own folder. */
function defaultRoot(file: string): string {
  const dir = dirname(resolve(file));
  return /[\\/]config$/.test(dir) ? dirname(dir) : dir;
}

/** `apps.web.env.REDIS_URL`, `apps["my app"]`, `healthcheck.test[0]` back into a path (formatPath's inverse). */
function parsePath(text: string): Array<string | number> | null {
  const path: Array<string | number> = [];
  const re = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) path.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  return re.lastIndex === text.length && path.length > 0 ? path : null;
}

/** "line N: problem" for a problem that names a field (or the nearest field around it that exists in the file). */
function withLine(problem: string, tree: jsonc.Node, text: string): string {
  const colon = problem.indexOf(": ");
  let path = colon > 0 ? parsePath(problem.slice(0, colon)) : null;
  if (!path) return problem;
  for (; path.length > 0; path = path.slice(0, -1)) {
    const node = jsonc.findNodeAtLocation(tree, path);
    if (!node) continue;
    const at = node.parent?.type === "property" ? node.parent.offset : node.offset;
    return `line ${text.slice(0, at).split("\n").length}: ${problem}`;
  }
  return problem;
}

/** Read, parse and resolve a manifest file. JSON syntax errors name the line and column; other problems their line. */
export function loadManifest(file: string, opts: Omit<ResolveOptions, "file"> = {}): Stack {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ManifestError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`]);
  }
  // jsonc-parser rather than JSON.parse: it says where a syntax error is on every runtime, and where each field is.
  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !tree) {
    throw new ManifestError(
      file,
      // The first error: the ones after it follow from it.
      errors.slice(0, 1).map((e) => {
        const before = text.slice(0, e.offset);
        return `not valid JSON at line ${before.split("\n").length}, column ${before.length - before.lastIndexOf("\n")}: ${jsonc.printParseErrorCode(e.error)}`;
      }),
    );
  }
  try {
    return resolveManifest(jsonc.getNodeValue(tree), { ...opts, file });
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    // In file order; what comes from the environment after.
    const line = (p: string) => Number(/^line (\d+): /.exec(p)?.[1] ?? Infinity);
    throw new ManifestError(file, e.problems.map((p) => withLine(p, tree, text)).sort((a, b) => line(a) - line(b)));
  }
}
