// The command table and the one gate every command passes before its handler runs: existence, arity, AUTH,
// ACL permissions, maxmemory (eviction / OOM), MULTI queueing, RESP2 subscribed mode, noscript. Handlers never
// repeat these checks.

import type { Client } from "../client.js";
import { ReplyError, E, NOREPLICAS, unknownCommand, unknownSubcommand, wrongArity, errorText, notSubscribed } from "../errors.js";
import { F, Command, type CommandEntry } from "./types.js";
import { ConfigError } from "../config.js";
import { families } from "./registry.js";
import { discardTransaction } from "./transactions.js";
import { aclDenied } from "../acl/state.js";
import { maxmemoryRefuses } from "../eviction.js";
import { clusterRedirect } from "../cluster/route.js";

export type { CommandEntry, KeySpec, Handler } from "./types.js";
export { F, mayReplicate } from "./types.js";

/** name (lowercase) -> entry */
export const table = new Map<string, CommandEntry>();

/** Returns the registered entry: a Command copy of `raw` (one shape for all), which replaces it in its list. */
function register(raw: CommandEntry, group: string, parent?: CommandEntry): CommandEntry {
  const e = new Command(raw, parent);
  e.group ??= group;
  e.fullname = parent ? `${parent.name}|${e.name}` : e.name;
  e.parent = parent;
  const subs = e.subcommands;
  if (subs) for (let i = 0; i < subs.length; i++) subs[i] = register(subs[i]!, e.group, e);
  if (!parent) {
    if (table.has(e.name)) throw new Error(`duplicate command ${e.name}`);
    table.set(e.name, e);
  }
  return e;
}

for (const [group, list] of families) for (let i = 0; i < list.length; i++) list[i] = register(list[i]!, group);

/**
 * Command name bytes -> entry without building a string: candidates are bucketed by length and lowercased
 * first byte, then compared byte by byte, case-insensitively. (Hot path: runs for every request.)
 */
const byShape = new Map<number, Array<[Uint8Array, CommandEntry]>>();
for (const e of table.values()) {
  const bytes = Buffer.from(e.name, "latin1");
  const k = bytes.length * 256 + bytes[0]!;
  let list = byShape.get(k);
  if (list === undefined) byShape.set(k, (list = []));
  list.push([bytes, e]);
}

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

function lookupName(name: Buffer): CommandEntry | undefined {
  const n = name.length;
  if (n === 0) return undefined;
  const list = byShape.get(n * 256 + lower(name[0]!));
  if (list === undefined) return undefined;
  outer: for (let j = 0; j < list.length; j++) {
    const cand = list[j]![0];
    for (let i = 1; i < n; i++) if (lower(name[i]!) !== cand[i]) continue outer;
    return list[j]![1];
  }
  return undefined;
}

/**
 * A server's `rename-command` lines applied to the table, as Valkey applies them to its command dict in order:
 * `byName` overrides the table for the names involved (null: no such command any more), and `disabled` holds the
 * commands no name reaches (COMMAND, COMMAND COUNT and COMMAND LIST leave them out; a renamed one keeps its own
 * name there, as in Valkey). ACLs and INFO keep the original names.
 */
export interface Renames {
  byName: Map<string, CommandEntry | null>;
  disabled: Set<CommandEntry>;
}

export function buildRenames(lines: Array<[string, string, string]>): Renames {
  const r: Renames = { byName: new Map(), disabled: new Set() };
  for (const [from, to, where] of lines) {
    const e = commandNamed(r, from.toLowerCase());
    if (e === undefined) throw new ConfigError(`${where}: No such command in rename-command`);
    r.byName.set(from.toLowerCase(), null);
    if (to === "") continue;
    if (commandNamed(r, to.toLowerCase()) !== undefined) throw new ConfigError(`${where}: Target command name already exists`);
    r.byName.set(to.toLowerCase(), e);
  }
  const reachable = new Set<CommandEntry>();
  for (const e of r.byName.values()) if (e !== null) reachable.add(e);
  for (const e of table.values()) if (r.byName.get(e.name) === null && !reachable.has(e)) r.disabled.add(e);
  return r;
}

/** The top-level command a lower-case name reaches: the table's, unless the server's renames say otherwise. */
export function commandNamed(r: Renames | null, lower: string): CommandEntry | undefined {
  if (r !== null && r.byName.has(lower)) return r.byName.get(lower) ?? undefined;
  return table.get(lower);
}

/** lookupName on a server with renames. */
function lookupRenamed(r: Renames, name: Buffer): CommandEntry | undefined {
  return commandNamed(r, name.toString("latin1").toLowerCase());
}

/** The top-level commands a server exposes, in table order (all of them without renames). */
export function visibleCommands(r: Renames | null): CommandEntry[] {
  const all = [...table.values()];
  return r === null ? all : all.filter((e) => !r.disabled.has(e));
}

/** Every entry including subcommands, in table order. */
export function allEntries(): CommandEntry[] {
  const out: CommandEntry[] = [];
  for (const e of table.values()) {
    out.push(e);
    if (e.subcommands) out.push(...e.subcommands);
  }
  return out;
}

/**
 * Valkey's lookupCommand over an argv, for COMMAND GETKEYS and redis.call: the entry, or a container's
 * subcommand when one is given (undefined for an unknown one). The gate has its own faster path.
 */
export function lookupCommand(argv: Buffer[], renames: Renames | null = null): CommandEntry | undefined {
  const base = renames === null ? lookupName(argv[0]!) : lookupRenamed(renames, argv[0]!);
  if (base === undefined || argv.length === 1 || base.subcommands === undefined) return base;
  const sub = argv[1]!.toString("latin1").toLowerCase();
  return base.subcommands.find((s) => s.name === sub);
}

/** Commands allowed in RESP2 subscribed mode. */
const PUBSUB_ALLOWED = new Set([
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "ping",
  "quit",
  "reset",
]);

const UNSUBSCRIBE = new Set(["unsubscribe", "punsubscribe", "sunsubscribe"]);

/** Commands that run immediately inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

/**
 * Resolve argv to an entry and check everything that is not the handler's business. Returns the entry to
 * run, or null after writing the rejection (and flagging an open transaction, as Valkey does).
 */
export function gate(c: Client, argv: Buffer[]): CommandEntry | null {
  const a0 = argv[0]!;
  // The parser hands a connection's repeated command name over as the same Buffer (RespParser.commandName), and
  // nothing writes into argv: the same object is the same name. Cached per client: one cache for the process
  // missed on every command when many clients each send one at a time. Only known names: they are short, so
  // the parser's own copies (never a view that would pin a read chunk for an idle client).
  let e: CommandEntry | undefined;
  if (a0 === c.gateName) e = c.gateEntry;
  else {
    const renames = c.server.renames;
    e = renames === null ? lookupName(a0) : lookupRenamed(renames, a0);
    if (e !== undefined) {
      c.gateName = a0;
      c.gateEntry = e;
    }
  }
  if (e === undefined) {
    c.lastCmd = "NULL";
    return reject(c, unknownCommand(a0.toString("latin1"), argv.slice(1, 129).map((b) => b.toString("latin1"))));
  }
  // A container runs its own handler when called without a subcommand (COMMAND); otherwise it needs one.
  if (e.subcommands !== undefined && (argv.length >= 2 || e.run === undefined)) {
    const parent = e;
    c.lastCmd = argv.length < 2 ? parent.name : "NULL";
    if (argv.length < 2) return reject(c, wrongArity(parent.name), parent);
    const sub = argv[1]!.toString("latin1").toLowerCase();
    const s = parent.subcommands!.find((x) => x.name === sub);
    if (s === undefined) return reject(c, unknownSubcommand(argv[1]!.toString("latin1"), parent.name), parent);
    e = s;
  }
  // Valkey's c->lastcmd (CLIENT LIST cmd=): the command looked up, whether it then runs, queues or is refused.
  c.lastCmd = e.fullname!;
  const arity = e.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return reject(c, wrongArity(e.fullname!), e);
  const bits = e.bits!;
  if (!c.authenticated && !(bits & F.NO_AUTH)) return reject(c, E.noAuth, e);
  if (c.multi !== null && bits & F.NO_MULTI) return reject(c, errorText("ERR Command not allowed inside a transaction"), e);
  // ACL: only users short of all commands, keys and channels pay for a check (src/acl/state.ts).
  if (c.user.restricted) {
    const denied = aclDenied(c, e, argv);
    if (denied !== null) return reject(c, denied, e);
  }
  // Valkey's processCommand order: ACL, cluster redirection, then maxmemory.
  if (c.server.cluster !== null) {
    const redirect = clusterRedirect(c.server.cluster, c, e, argv);
    if (redirect !== null) return reject(c, redirect, e, true);
  }
  if (c.server.store.memoryLimited && maxmemoryRefuses(c, e, argv)) return c.closing ? null : reject(c, E.oom, e);
  if (c.inPubSubMode && !PUBSUB_ALLOWED.has((e.parent ?? e).name)) {
    return reject(
      c,
      errorText(
        `ERR Can't execute '${e.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      ),
      e,
    );
  }
  // Valkey 8: (P|S)UNSUBSCRIBE by a client with no subscriptions is refused (also inside MULTI, both protocols).
  // (the name first: PUBLISH passes here for every message, and the count adds up three Sets)
  if (bits & F.PUBSUB && UNSUBSCRIBE.has(e.name) && c.subscriptionCount === 0) return reject(c, notSubscribed(e.name), e);
  // A script past busy-reply-threshold (scripting/engine.ts): only allow_busy commands run meanwhile.
  const busy = c.server.busyScript;
  if (busy !== null && !(bits & F.ALLOW_BUSY)) return reject(c, busy === "eval" ? E.busyEval : E.busyFunction, e);
  // min-replicas-to-write: a write, or a script whose declared flags (shebang, function flags) make it one, also
  // when it is only being queued in MULTI (Valkey's processCommand uses getCommandFlags here too).
  if ((bits & F.WRITE || e.flagsOf !== undefined) && c.server.writesRefused && (e.flagsOf !== undefined ? e.flagsOf(c, argv) : bits) & F.WRITE) {
    return reject(c, NOREPLICAS, e);
  }
  return e;
}

export function isQueuedInMulti(c: Client, e: CommandEntry): boolean {
  return c.multi !== null && !MULTI_IMMEDIATE.has((e.parent ?? e).name);
}

/** `plain`: a refused EXEC replies with the error itself (cluster redirections), not EXECABORT. */
export function reject(c: Client, err: ReplyError, e?: CommandEntry, plain = false): null {
  if (e) e.rejectedCalls!++;
  c.server.stats.rejectedCalls++;
  let text = err.reply;
  if (e !== undefined && e.name === "exec" && e.parent === undefined) {
    // A refused EXEC ends the transaction and says why, in or out of MULTI (Valkey's execCommandAbort).
    discardTransaction(c);
    if (!plain) text = `EXECABORT Transaction discarded because of: ${text.startsWith("ERR ") ? text.slice(4) : text}`;
  } else if (c.multi !== null) c.multiError = true;
  c.server.stats.errorReply(text);
  c.w.error(text);
  return null;
}

/** Reply for an error thrown by a handler. Anything that is not a ReplyError is a bug: log it, keep going. */
export function replyThrown(c: Client, err: unknown, e: CommandEntry): void {
  e.failedCalls!++;
  c.server.stats.failedCalls++;
  if (err instanceof ReplyError) {
    c.w.error(err.reply);
    c.server.stats.errorReply(err.reply);
  } else {
    c.server.log("warning", `internal error in '${e.fullname}': ${(err as Error)?.stack ?? String(err)}`);
    c.w.error(E.internal.reply);
    c.server.stats.errorReply(E.internal.reply);
  }
}
