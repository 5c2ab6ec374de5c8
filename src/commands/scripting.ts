// Scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO, SCRIPT LOAD/EXISTS/FLUSH/KILL/SHOW/HELP, FUNCTION LOAD/LIST/DELETE/
// FLUSH/DUMP/RESTORE/STATS/KILL/HELP, FCALL FCALL_RO. The Lua engine (lua-redis-wasm) is loaded on the first
// command that needs it: the client waits (suspended, like CLIENT PAUSE) until it is ready, so a server that
// never runs a script never loads it. Scripts run on the server's thread, atomically; see the README (Lua scripting).

import { builtin } from "../runtime.js";
import { type Client, preflightHooks } from "../client.js";
import type { Server } from "../server.js";
import { F, type CommandEntry } from "./types.js";
import { lookupCommand, replyThrown } from "./index.js";
import { E, ReplyError, errorText, sanitize, unknownSubcommandOrWrongArity } from "../errors.js";
import { parseI64, str } from "../args.js";
import { globMatch } from "../glob.js";
import { RdbReader, RdbWriter, RDB_VERSION, crc64, verifyDumpPayload } from "../dump.js";
import {
  busyRun,
  killRun,
  dropCompiled,
  luaMemory,
  engineReady,
  loadEngine,
  engineLoadError,
  run,
  transcode,
  errText,
  raisedError,
  type RunContext,
  type RunResult,
} from "../scripting/engine.js";
import { guardScript, libraryChunk } from "../scripting/globals.js";

const evalKeys = (flags: string[], notes?: string) => [
  { begin: 2, keynum: [0, 1, 1] as [number, number, number], flags, ...(notes ? { notes } : {}) },
];
const RW = ["RW", "ACCESS", "UPDATE"];
const RO = ["RO", "ACCESS"];
const NOTE_RW = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
const NOTE_RO = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
const EVAL_FLAGS = ["noscript", "skip_monitor", "may_replicate", "no_mandatory_keys", "stale"];
const EVAL_RO_FLAGS = ["noscript", "skip_monitor", "no_mandatory_keys", "stale", "readonly"];

export const commands: CommandEntry[] = [
  { name: "eval", arity: -3, flags: EVAL_FLAGS, acl: ["scripting"], keys: evalKeys(RW, NOTE_RW), run: (c, a) => evalCmd(c, a, false, false), flagsOf: (c, a) => evalFlags(c, a, false) },
  { name: "evalsha", arity: -3, flags: EVAL_FLAGS, acl: ["scripting"], keys: evalKeys(RW), run: (c, a) => evalCmd(c, a, false, true), flagsOf: (c, a) => evalFlags(c, a, true) },
  { name: "eval_ro", arity: -3, flags: EVAL_RO_FLAGS, acl: ["scripting"], keys: evalKeys(RO, NOTE_RO), run: (c, a) => evalCmd(c, a, true, false), flagsOf: (c, a) => evalFlags(c, a, false) },
  { name: "evalsha_ro", arity: -3, flags: EVAL_RO_FLAGS, acl: ["scripting"], keys: evalKeys(RO), run: (c, a) => evalCmd(c, a, true, true), flagsOf: (c, a) => evalFlags(c, a, true) },
  { name: "fcall", arity: -3, flags: EVAL_FLAGS, acl: ["scripting"], keys: evalKeys(RW, NOTE_RW), run: (c, a) => fcall(c, a, false), flagsOf: fcallFlags },
  { name: "fcall_ro", arity: -3, flags: EVAL_RO_FLAGS, acl: ["scripting"], keys: evalKeys(RO, NOTE_RO), run: (c, a) => fcall(c, a, true), flagsOf: fcallFlags },
  {
    name: "script",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "load", arity: 3, flags: ["noscript", "stale"], acl: ["scripting"], tips: ["request_policy:all_nodes", "response_policy:all_succeeded"], run: scriptLoad },
      { name: "exists", arity: -3, flags: ["noscript"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:agg_logical_and"], run: scriptExists },
      { name: "flush", arity: -2, flags: ["noscript"], acl: ["scripting"], tips: ["request_policy:all_nodes", "response_policy:all_succeeded"], run: scriptFlush },
      { name: "kill", arity: 2, flags: ["noscript", "allow_busy"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:one_succeeded"], run: scriptKill },
      { name: "show", arity: 3, flags: ["noscript"], acl: ["scripting"], run: scriptShow },
      { name: "debug", arity: 3, flags: ["noscript"], acl: ["scripting"], run: scriptDebug },
      { name: "help", arity: 2, flags: ["loading", "stale"], acl: ["scripting"], run: scriptHelp },
    ],
  },
  {
    name: "function",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "load", arity: -3, flags: ["noscript", "write", "denyoom"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: functionLoad },
      { name: "list", arity: -2, flags: ["noscript"], acl: ["scripting"], tips: ["nondeterministic_output_order"], run: functionList },
      { name: "delete", arity: 3, flags: ["noscript", "write"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: functionDelete },
      { name: "flush", arity: -2, flags: ["noscript", "write"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: functionFlush },
      { name: "dump", arity: 2, flags: ["noscript"], acl: ["scripting"], run: functionDump },
      { name: "restore", arity: -3, flags: ["noscript", "write", "denyoom"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: functionRestore },
      { name: "stats", arity: 2, flags: ["noscript", "allow_busy"], acl: ["scripting"], tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], run: functionStats },
      { name: "kill", arity: 2, flags: ["noscript", "allow_busy"], acl: ["scripting"], tips: ["request_policy:all_shards", "response_policy:one_succeeded"], run: functionKill },
      { name: "help", arity: 2, flags: ["loading", "stale"], acl: ["scripting"], run: functionHelp },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------
// state

interface Script {
  /** What SCRIPT SHOW returns. */
  source: Buffer;
  /** What Lua compiles: the shebang line blanked so line numbers stay. */
  body: Buffer;
  /** Has a shebang: flags apply and EVAL compatibility mode is off. */
  shebang: boolean;
  flags: Set<string>;
}

interface LuaFunction {
  name: string;
  library: Library;
  flags: string[];
  description: string | null;
}

interface Library {
  name: string;
  /** What the engine's driver loop keeps the compiled library under (sha1 of the body). */
  id: string;
  code: Buffer;
  body: Buffer;
  functions: Map<string, LuaFunction>;
}

interface State {
  scripts: Map<string, Script>;
  libraries: Map<string, Library>;
  functions: Map<string, LuaFunction>;
}

const states = new WeakMap<Server, State>();

function state(server: Server): State {
  let s = states.get(server);
  if (s === undefined) {
    s = { scripts: new Map(), libraries: new Map(), functions: new Map() };
    states.set(server, s);
  }
  return s;
}

/** INFO memory's scripting figures (the engine's one Lua heap serves EVAL and functions: counted as eval). */
export function scriptingMemory(server: Server): {
  vmEval: number;
  scriptsEval: number;
  cachedScripts: number;
  functions: number;
  libraries: number;
  functionsMemory: number;
} {
  const st = state(server);
  let scriptsEval = 0;
  for (const [sha, s] of st.scripts) scriptsEval += sha.length + s.source.length;
  let functionsMemory = 0;
  for (const lib of st.libraries.values()) functionsMemory += lib.name.length + lib.code.length;
  for (const f of st.functions.keys()) functionsMemory += f.length;
  return {
    vmEval: luaMemory(server),
    scriptsEval,
    cachedScripts: st.scripts.size,
    functions: st.functions.size,
    libraries: st.libraries.size,
    functionsMemory,
  };
}

/** Commands that need the Lua engine; the first one waits for it to load. */
const NEEDS_ENGINE = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "script|load", "function|load", "function|restore"]);

function needsEngine(e: CommandEntry): boolean {
  return NEEDS_ENGINE.has(e.fullname!);
}

// Only entries marked preflight reach the hook below (the server checks the field, not this set, per command).
for (const e of commands) {
  if (NEEDS_ENGINE.has(e.name)) e.preflight = true;
  if (e.subcommands) for (const s of e.subcommands) if (NEEDS_ENGINE.has(`${e.name}|${s.name}`)) s.preflight = true;
}

// Until the server's Lua engine is made, hold commands that need it (also after SCRIPT KILL replaced it).
const holdForEngine = (c: Client, e: CommandEntry, argv: Buffer[]): boolean => {
  const wait =
    needsEngine(e) || ((e.parent ?? e).name === "exec" && c.multi !== null && c.multi.some((q) => needsEngine(q.entry)));
  if (!wait || engineReady(c.server) || engineLoadError(c.server) !== null) return false;
  c.suspended = true;
  c.pendingArgv = argv.map((b) => Buffer.from(b));
  const resume = () => c.server.resume(c);
  loadEngine(c.server).then(resume, resume);
  return true;
};
preflightHooks.push(holdForEngine);

/**
 * The engine must be up for this command. Before the command runs, holdForEngine waits for it; inside EXEC's
 * queue (after SCRIPT KILL replaced the engine mid-transaction) the client is suspended here and the
 * command runs again once the engine is up. Returns true when it suspended the client.
 */
function awaitEngine(c: Client, argv: Buffer[]): boolean {
  if (engineReady(c.server)) return false;
  const e = engineLoadError(c.server);
  if (e !== null) throw errorText(sanitize(`ERR Lua engine unavailable: ${e instanceof Error ? e.message : String(e)}`));
  const entry = lookupCommand(argv, c.server.renames)!;
  const copy = argv.map((b) => Buffer.from(b));
  const server = c.server;
  c.suspended = true;
  // The transaction is still running: other clients wait with BUSY rather than run in the middle of it.
  const holding = server.busyScript === null;
  if (holding) server.busyScript = "eval";
  const again = () => {
    if (holding) server.busyScript = null;
    c.suspended = false;
    if (c.closed) return;
    // The command was counted (stats, MONITOR) when it first ran; now it only does its work.
    try {
      entry.run!(c, copy);
    } catch (err) {
      replyThrown(c, err, entry);
    }
    if (!c.suspended) afterSuspension(c);
  };
  loadEngine(c.server).then(again, again);
  return true;
}

/** A suspended client goes on: the rest of its EXEC queue, blocked clients the wait made ready, its input. */
function afterSuspension(c: Client): void {
  c.server.continueSuspended(c);
}

/** EVAL and FCALL are flagged skip_monitor: they show in MONITOR here, before the commands their script runs. */
function feedMonitors(c: Client, argv: Buffer[]): void {
  if (c.server.monitors.size !== 0) c.server.feedMonitors(c, argv);
}

/** Valkey 8's text (Redis 7 added "Please use EVAL."). */
const NOSCRIPT = "NOSCRIPT No matching script.";
const sha1 = (b: Buffer): string => builtin("node:crypto").createHash("sha1").update(b).digest("hex");

// ---------------------------------------------------------------------------------------------------------
// EVAL

/**
 * Valkey's scriptFlagsToCmdFlags: a script that declares flags (a shebang, every function) replaces the
 * command's write/denyoom/stale flags with its own; no-writes implies allow-oom.
 */
function declaredFlags(bits: number, flags: { has(f: string): boolean }): number {
  let b = bits & ~(F.STALE | F.DENYOOM | F.WRITE);
  if (!flags.has("allow-oom") && !flags.has("no-writes")) b |= F.DENYOOM;
  if (!flags.has("no-writes")) b |= F.WRITE;
  if (flags.has("allow-stale")) b |= F.STALE;
  return b;
}

/** evalGetCommandFlags: EVAL's flags from its script's shebang (a script not cached yet is parsed). */
function evalFlags(c: Client, argv: Buffer[], bySha: boolean): number {
  const bits = lookupCommand([argv[0]!], c.server.renames)!.bits!;
  let script: Script | undefined;
  if (bySha) script = state(c.server).scripts.get(argv[1]!.toString("latin1").toLowerCase());
  else {
    try {
      script = parseScript(argv[1]!);
    } catch {
      return bits; // EVAL itself reports the bad shebang
    }
  }
  return script === undefined || !script.shebang ? bits : declaredFlags(bits, script.flags);
}

/** fcallGetCommandFlags: a function's declared flags (an unknown function keeps FCALL's). */
function fcallFlags(c: Client, argv: Buffer[]): number {
  const bits = lookupCommand([argv[0]!], c.server.renames)!.bits!;
  const fn = state(c.server).functions.get(str(argv[1]!));
  return fn === undefined ? bits : declaredFlags(bits, new Set(fn.flags));
}

const SCRIPT_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

/** Parse an EVAL script's shebang ("#!lua flags=a,b"); the body keeps a blank first line. */
function parseScript(source: Buffer): Script {
  if (source.length < 2 || source[0] !== 0x23 || source[1] !== 0x21) {
    return { source, body: source, shebang: false, flags: new Set() };
  }
  let nl = source.indexOf(10);
  if (nl < 0) nl = source.length;
  const line = source.toString("latin1", 0, nl);
  const parts = line.split(" ").filter((p) => p !== "");
  if (parts[0] !== "#!lua") throw errorText(sanitize(`ERR Unexpected engine in script shebang: ${parts[0]}`));
  const flags = new Set<string>();
  for (const p of parts.slice(1)) {
    if (!p.startsWith("flags=")) throw errorText(sanitize(`ERR Unknown lua shebang option: ${p}`));
    for (const f of p.slice(6).split(",")) {
      if (f === "") continue;
      if (!SCRIPT_FLAGS.has(f)) throw errorText(sanitize(`ERR Unexpected flag in script shebang: ${f}`));
      flags.add(f);
    }
  }
  return { source, body: source.subarray(nl), shebang: true, flags };
}

/** Compile-check and cache a script; returns its sha. */
function loadScript(c: Client, source: Buffer): string {
  const st = state(c.server);
  const sha = sha1(source);
  if (st.scripts.has(sha)) return sha;
  const s = parseScript(Buffer.from(source));
  s.body = guardScript(s.body);
  const r = run(c.server, "c", sha, s.body, [], [], "", null)!;
  if (r.kind === "compile-error") throw errorText(sanitize(`ERR Error compiling script (new function): ${r.message}`));
  if (r.kind === "error") throw errorText(sanitize(errText(r.value)));
  st.scripts.set(sha, s);
  return sha;
}

/** numkeys for EVAL/FCALL: Valkey checks "greater than" before "negative". */
function numKeys(argv: Buffer[], badText: string): number {
  const n = parseI64(argv[2]!);
  if (n === null) throw errorText(badText);
  if (n > argv.length - 3) throw errorText("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw errorText("ERR Number of keys can't be negative");
  return n;
}

// EVAL script numkeys [key ...] [arg ...]   (EVALSHA sha1 ..., EVAL_RO, EVALSHA_RO)
function evalCmd(c: Client, argv: Buffer[], ro: boolean, bySha: boolean): void {
  if (awaitEngine(c, argv)) return;
  feedMonitors(c, argv);
  // A sha of the wrong length cannot match: NOSCRIPT before numkeys is read, as Valkey's evalShaCommand does.
  if (bySha && argv[1]!.length !== 40) throw errorText(NOSCRIPT);
  const nk = numKeys(argv, E.notInteger.reply);
  const st = state(c.server);
  let sha: string;
  if (bySha) {
    sha = argv[1]!.toString("latin1").toLowerCase();
    if (!st.scripts.has(sha)) throw errorText(NOSCRIPT);
  } else {
    sha = loadScript(c, argv[1]!);
  }
  const script = st.scripts.get(sha)!;
  if (script.shebang && !script.flags.has("no-writes") && ro) {
    throw errorText("ERR Can not execute a script with write flag using *_ro command.");
  }
  const readOnly = ro || (script.shebang && script.flags.has("no-writes"));
  const keys = argv.slice(3, 3 + nk);
  const args = argv.slice(3 + nk);
  execute(c, argv, "e", sha, script.body, keys, args, "", readOnly, "eval", sha, "user_script", script.flags.has("allow-oom"));
}

function execute(
  c: Client,
  argv: Buffer[],
  mode: "e" | "f",
  id: string,
  body: Buffer,
  keys: Buffer[],
  args: Buffer[],
  fname: string,
  readOnly: boolean,
  kind: "eval" | "function",
  label: string,
  chunk: string,
  allowOom: boolean,
): void {
  const ctx: RunContext = {
    caller: c,
    readOnly,
    allowOom,
    dirty: false,
    kind,
    name: label,
    command: argv,
    startedAt: Date.now(),
    onDone: null,
    counted: null,
  };
  const r = run(c.server, mode, id, body, keys, args, fname, ctx);
  if (r !== null) return finish(c, argv, ctx, r, label, chunk, false);
  // Past busy-reply-threshold: the caller waits for the result; other clients get BUSY meanwhile.
  ctx.command = argv.map((b) => Buffer.from(b));
  c.suspended = true;
  ctx.onDone = (res) => {
    if (!c.closed) finish(c, ctx.command, ctx, res, label, chunk, true);
    afterSuspension(c);
  };
}

/** An error a redis.call inside the script already counted in errorstats, as the script's own error. */
class CountedError extends ReplyError {}

/**
 * Write the script's result. Its error is the command's failure (failed_calls, errorstats) as for any command;
 * the gate counts it, except after the asynchronous phase (the command has returned) and for an error that
 * redis.call counted already (Valkey flags those ERR_REPLY_FLAG_NO_STATS_UPDATE).
 */
function finish(c: Client, argv: Buffer[], ctx: RunContext, r: RunResult, label: string, chunk: string, async: boolean): void {
  try {
    reply(c, r, label, chunk, ctx.counted);
  } catch (err) {
    if (!(err instanceof ReplyError) || (!async && !(err instanceof CountedError))) throw err;
    const e = lookupCommand(argv, c.server.renames);
    if (e !== undefined) e.failedCalls!++;
    c.server.stats.failedCalls++;
    if (!(err instanceof CountedError)) c.server.stats.errorReply(err.reply);
    c.w.error(err.reply);
  }
}

function reply(c: Client, r: RunResult, label: string, chunk: string, counted: Set<string> | null): void {
  switch (r.kind) {
    case "resp": {
      // A top-level error reply is the command's error (counted as one).
      if (r.bytes[0] !== 0x2d) return transcode(c, r.bytes, r.resp);
      const text = sanitize(r.bytes.toString("latin1", 1, r.bytes.indexOf(13)));
      throw counted?.has(text) ? new CountedError(text) : errorText(text);
    }
    case "error": {
      const { message, line } = raisedError(r.value, chunk);
      const text = sanitize(`${message} script: ${label}, on @${chunk}:${line}.`);
      throw counted?.has(message) ? new CountedError(text) : errorText(text);
    }
    case "killed": {
      // valkey-server 8.0.1's text, "SCRIPT KILL..." for functions too (checked against the reference build), with
      // the line the script stood on.
      throw errorText(`ERR Script killed by user with SCRIPT KILL... script: ${label}, on @${chunk}:${r.line || 1}.`);
    }
    case "compile-error":
      throw errorText(sanitize(`ERR Error compiling script (new function): ${r.message}`));
    default:
      throw errorText("ERR Function not found");
  }
}

// ---------------------------------------------------------------------------------------------------------
// SCRIPT

// SCRIPT LOAD script
function scriptLoad(c: Client, argv: Buffer[]): void {
  if (awaitEngine(c, argv)) return;
  c.w.bulk(loadScript(c, argv[2]!));
}

// SCRIPT EXISTS sha1 [sha1 ...]
function scriptExists(c: Client, argv: Buffer[]): void {
  const st = state(c.server);
  c.w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.w.integer(st.scripts.has(argv[i]!.toString("latin1").toLowerCase()) ? 1 : 0);
}

function flushMode(argv: Buffer[], what: string): void {
  if (argv.length > 3) throw unknownSubcommandOrWrongArity(argv[0]!.toString("latin1"), argv[1]!.toString("latin1"));
  if (argv.length === 3) {
    const m = argv[2]!.toString("latin1").toLowerCase();
    if (m !== "sync" && m !== "async") throw errorText(`ERR ${what} only supports SYNC|ASYNC option`);
  }
}

// SCRIPT FLUSH [ASYNC|SYNC]
function scriptFlush(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw errorText("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  if (argv.length === 3) {
    const m = argv[2]!.toString("latin1").toLowerCase();
    if (m !== "sync" && m !== "async") throw errorText("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  state(c.server).scripts.clear();
  dropCompiled(c.server);
  c.w.ok();
}

const NOTBUSY = "NOTBUSY No scripts in execution right now.";

// SCRIPT KILL
function scriptKill(c: Client): void {
  killRunning(c, "eval");
}

// FUNCTION KILL
function functionKill(c: Client): void {
  killRunning(c, "function");
}

/** Stop the script that is past busy-reply-threshold, unless it wrote or is of the other kind. */
function killRunning(c: Client, kind: "eval" | "function"): void {
  const ctx = busyRun(c.server);
  if (ctx === null) throw errorText(NOTBUSY);
  if (ctx.dirty) {
    throw errorText(
      "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
    );
  }
  if (ctx.kind !== kind) throw ctx.kind === "eval" ? E.busyEval : E.busyFunction;
  c.server.log("notice", `Script killed by user with ${kind === "eval" ? "SCRIPT KILL" : "FUNCTION KILL"}.`);
  killRun(c.server);
  c.w.ok();
}

// SCRIPT DEBUG YES|SYNC|NO: debugging off is the only mode here; the Lua debugger (LDB) is not implemented.
function scriptDebug(c: Client, argv: Buffer[]): void {
  if (c.inExec) throw errorText("ERR SCRIPT DEBUG must be called outside MULTI");
  const mode = argv[2]!.toString("latin1").toLowerCase();
  if (mode === "no") return c.w.ok();
  if (mode === "yes" || mode === "sync") throw errorText("ERR SCRIPT DEBUG YES|SYNC: the Lua debugger is not supported by valkey-bun");
  throw errorText("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

// SCRIPT SHOW sha1
function scriptShow(c: Client, argv: Buffer[]): void {
  const s = state(c.server).scripts.get(argv[2]!.toString("latin1").toLowerCase());
  if (s === undefined) throw errorText(NOSCRIPT);
  c.w.bulk(s.source);
}

// SCRIPT HELP
function scriptHelp(c: Client): void {
  c.w.help("SCRIPT", [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined",
    "     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "SHOW <sha1>",
    "    Show a script from the scripts cache.",
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// FUNCTION / FCALL

// FCALL function numkeys [key ...] [arg ...]   (FCALL_RO)
function fcall(c: Client, argv: Buffer[], ro: boolean): void {
  if (awaitEngine(c, argv)) return;
  feedMonitors(c, argv);
  const st = state(c.server);
  const name = str(argv[1]!);
  const fn = st.functions.get(name);
  if (fn === undefined) throw errorText("ERR Function not found");
  const nk = numKeys(argv, "ERR Bad number of keys provided");
  const noWrites = fn.flags.includes("no-writes");
  if (ro && !noWrites) throw errorText("ERR Can not execute a script with write flag using *_ro command.");
  const keys = argv.slice(3, 3 + nk);
  const args = argv.slice(3 + nk);
  execute(c, argv, "f", fn.library.id, fn.library.body, keys, args, name, ro || noWrites, "function", name, "user_function", fn.flags.includes("allow-oom"));
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

/** Parse, compile and run a library's registration; throws Valkey's errors. */
function createLibrary(c: Client, code: Buffer): Library {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) throw errorText("ERR Missing library metadata");
  let nl = code.indexOf(10);
  if (nl < 0) nl = code.length;
  const parts = code.toString("latin1", 2, nl).split(" ").filter((p) => p !== "");
  const engineName = parts[0] ?? "";
  if (engineName.toLowerCase() !== "lua") throw errorText(sanitize(`ERR Engine '${engineName}' not found`));
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.slice(0, 5).toLowerCase() !== "name=") throw errorText(sanitize(`ERR Invalid metadata value given: ${p}`));
    if (name !== null) throw errorText("ERR Invalid metadata value, name argument was given multiple times");
    name = p.slice(5);
  }
  if (name === null) throw errorText("ERR Library name was not given");
  if (!NAME_RE.test(name)) {
    throw errorText("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  const body = libraryChunk(code.subarray(nl));
  const r = run(c.server, "l", "", body, [], [], "", null)!;
  if (r.kind === "load-timeout") throw errorText("ERR Error registering functions: ERR FUNCTION LOAD timeout");
  if (r.kind === "compile-error") throw errorText(sanitize(`ERR Error compiling function: ${r.message}`));
  if (r.kind === "error") {
    const { message } = raisedError(r.value, "user_function");
    throw errorText(sanitize(`ERR Error registering functions: ${message}`));
  }
  if (r.kind !== "library") throw errorText("ERR Error registering functions");
  if (r.functions.length === 0) throw errorText("ERR No functions registered");
  const lib: Library = { name, id: sha1(body), code: Buffer.from(code), body, functions: new Map() };
  for (const f of r.functions) lib.functions.set(f.name, { name: f.name, library: lib, flags: f.flags, description: f.description });
  return lib;
}

/** Add libraries (replacing those named in `replace`); all or nothing. */
function install(st: State, libs: Library[], replace: boolean): void {
  const dropping = new Set<string>();
  for (const lib of libs) {
    if (st.libraries.has(lib.name)) {
      if (!replace) throw errorText(sanitize(`ERR Library '${lib.name}' already exists`));
      dropping.add(lib.name);
    }
  }
  const names = new Set<string>();
  for (const lib of libs) {
    for (const f of lib.functions.keys()) {
      const other = st.functions.get(f);
      if ((other !== undefined && !dropping.has(other.library.name)) || names.has(f)) {
        throw errorText(sanitize(`ERR Function ${f} already exists`));
      }
      names.add(f);
    }
  }
  for (const n of dropping) removeLibrary(st, n);
  for (const lib of libs) {
    st.libraries.set(lib.name, lib);
    for (const [f, fn] of lib.functions) st.functions.set(f, fn);
  }
}

function removeLibrary(st: State, name: string): void {
  const lib = st.libraries.get(name);
  if (lib === undefined) return;
  for (const f of lib.functions.keys()) st.functions.delete(f);
  st.libraries.delete(name);
}

// FUNCTION LOAD [REPLACE] function-code
function functionLoad(c: Client, argv: Buffer[]): void {
  if (awaitEngine(c, argv)) return;
  let replace = false;
  for (let i = 2; i < argv.length - 1; i++) {
    const a = argv[i]!.toString("latin1");
    if (a.toLowerCase() === "replace") replace = true;
    else throw errorText(sanitize(`ERR Unknown option given: ${a}`));
  }
  const st = state(c.server);
  const lib = createLibrary(c, argv[argv.length - 1]!);
  if (!replace && st.libraries.has(lib.name)) throw errorText(sanitize(`ERR Library '${lib.name}' already exists`));
  install(st, [lib], replace);
  c.server.store.dirty++;
  c.w.bulk(lib.name);
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
function functionList(c: Client, argv: Buffer[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toString("latin1");
    const t = a.toLowerCase();
    // Each option once: a repeated one is an unknown argument, as in Valkey.
    if (t === "withcode" && !withCode) {
      withCode = true;
    } else if (t === "libraryname" && pattern === null) {
      if (i >= argv.length - 1) throw errorText("ERR library name argument was not given");
      pattern = argv[++i]!.toString("latin1");
    } else {
      throw errorText(sanitize(`ERR Unknown argument ${a}`));
    }
  }
  const libs = [...state(c.server).libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
  const w = c.w;
  w.array(libs.length);
  for (const lib of libs) {
    w.map(withCode ? 4 : 3);
    w.bulk("library_name");
    w.bulk(lib.name);
    w.bulk("engine");
    w.bulk("LUA");
    w.bulk("functions");
    w.array(lib.functions.size);
    for (const f of lib.functions.values()) {
      w.map(3);
      w.bulk("name");
      w.bulk(f.name);
      w.bulk("description");
      w.bulkOrNull(f.description);
      w.bulk("flags");
      w.set(f.flags.length);
      for (const fl of f.flags) w.simple(fl);
    }
    if (withCode) {
      w.bulk("library_code");
      w.bulk(lib.code);
    }
  }
}

// FUNCTION DELETE library-name
function functionDelete(c: Client, argv: Buffer[]): void {
  const st = state(c.server);
  const name = argv[2]!.toString("latin1");
  if (!st.libraries.has(name)) throw errorText("ERR Library not found");
  removeLibrary(st, name);
  c.server.store.dirty++;
  c.w.ok();
}

// FUNCTION FLUSH [ASYNC|SYNC]
function functionFlush(c: Client, argv: Buffer[]): void {
  flushMode(argv, "FUNCTION FLUSH");
  const st = state(c.server);
  st.libraries.clear();
  st.functions.clear();
  dropCompiled(c.server);
  c.server.store.dirty++;
  c.w.ok();
}

const RDB_OPCODE_FUNCTION2 = 245;

// FUNCTION DUMP
function functionDump(c: Client): void {
  const w = new RdbWriter(true);
  for (const lib of state(c.server).libraries.values()) {
    w.byte(RDB_OPCODE_FUNCTION2);
    w.string(lib.code);
  }
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  const body = w.finish();
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out);
  out.writeBigUInt64LE(crc64(0n, body), body.length);
  c.w.bulk(out);
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
function functionRestore(c: Client, argv: Buffer[]): void {
  if (awaitEngine(c, argv)) return;
  if (argv.length > 4) throw unknownSubcommandOrWrongArity(argv[0]!.toString("latin1"), argv[1]!.toString("latin1"));
  let policy = "append";
  if (argv.length === 4) {
    policy = argv[3]!.toString("latin1").toLowerCase();
    if (policy !== "flush" && policy !== "append" && policy !== "replace") {
      throw errorText("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  const payload = argv[2]!;
  if (!verifyDumpPayload(payload)) throw errorText("ERR DUMP payload version or checksum are wrong");
  const r = new RdbReader(payload.subarray(0, payload.length - 10));
  const codes: Buffer[] = [];
  try {
    while (r.remaining > 0) {
      const op = r.byte();
      if (op !== RDB_OPCODE_FUNCTION2) throw errorText("ERR given type is not a function");
      codes.push(Buffer.from(r.string()));
    }
  } catch (e) {
    if (e instanceof ReplyError) throw e;
    throw errorText("ERR payload version or checksum are wrong");
  }
  const libs = codes.map((code) => createLibrary(c, code));
  const st = state(c.server);
  if (policy === "flush") {
    st.libraries.clear();
    st.functions.clear();
  }
  if (policy === "append") for (const l of libs) if (st.libraries.has(l.name)) throw errorText(sanitize(`ERR Library ${l.name} already exists`));
  install(st, libs, policy === "replace");
  c.server.store.dirty++;
  c.w.ok();
}

// FUNCTION STATS
function functionStats(c: Client): void {
  const st = state(c.server);
  const running = busyRun(c.server);
  if (running !== null && running.kind === "eval") throw E.busyEval;
  const w = c.w;
  w.map(2);
  w.bulk("running_script");
  if (running === null) w.null();
  else {
    w.map(3);
    w.bulk("name");
    w.bulk(running.name);
    w.bulk("command");
    w.array(running.command.length);
    for (const a of running.command) w.bulk(a);
    w.bulk("duration_ms");
    w.integer(Date.now() - running.startedAt);
  }
  w.bulk("engines");
  w.map(1);
  w.bulk("LUA");
  w.map(2);
  w.bulk("libraries_count");
  w.integer(st.libraries.size);
  w.bulk("functions_count");
  w.integer(st.functions.size);
}

// FUNCTION HELP
function functionHelp(c: Client): void {
  c.w.help("FUNCTION", [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
  ]);
}
