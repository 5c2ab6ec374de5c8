// COMMAND family: COMMAND, COUNT, INFO, LIST, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP. Everything is answered from
// the live command table; key positions come from the key specs (keyspecs.ts).

import type { Client } from "../client.js";
import { E, errorText } from "../errors.js";
import { str, token } from "../args.js";
import { globMatch } from "../glob.js";
import type { ReplyWriter } from "../resp.js";
import type { CommandEntry, KeySpec } from "./types.js";
import { commandNamed, lookupCommand, table, visibleCommands, type Renames } from "./index.js";
import { doesCommandHaveKeys, getKeysFromCommand, keyFlagNames, legacyRange } from "./keyspecs.js";

const META = ["loading", "stale", "sentinel"];

export const commands: CommandEntry[] = [
  {
    name: "command",
    arity: -1,
    flags: META,
    acl: ["connection"],
    tips: ["nondeterministic_output_order"],
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    complexity: "O(N) where N is the total number of commands",
    run: commandAll,
    subcommands: [
      { name: "count", arity: 2, flags: META, acl: ["connection"], since: "2.8.13", summary: "Returns a count of commands.", complexity: "O(1)", run: commandCount },
      {
        name: "docs",
        arity: -2,
        flags: META,
        acl: ["connection"],
        tips: ["nondeterministic_output_order"],
        since: "7.0.0",
        summary: "Returns documentary information about one, multiple or all commands.",
        complexity: "O(N) where N is the number of commands to look up",
        run: commandDocs,
      },
      {
        name: "getkeys",
        arity: -3,
        flags: META,
        acl: ["connection"],
        since: "2.8.13",
        summary: "Extracts the key names from an arbitrary command.",
        complexity: "O(N) where N is the number of arguments to the command",
        run: (c, argv) => getKeysReply(c, argv, false),
      },
      {
        name: "getkeysandflags",
        arity: -3,
        flags: META,
        acl: ["connection"],
        since: "7.0.0",
        summary: "Extracts the key names and access flags for an arbitrary command.",
        complexity: "O(N) where N is the number of arguments to the command",
        run: (c, argv) => getKeysReply(c, argv, true),
      },
      { name: "help", arity: 2, flags: META, acl: ["connection"], since: "5.0.0", summary: "Returns helpful text about the different subcommands.", complexity: "O(1)", run: commandHelp },
      {
        name: "info",
        arity: -2,
        flags: META,
        acl: ["connection"],
        tips: ["nondeterministic_output_order"],
        since: "2.8.13",
        summary: "Returns information about one, multiple or all commands.",
        complexity: "O(N) where N is the number of commands to look up",
        run: commandInfo,
      },
      {
        name: "list",
        arity: -2,
        flags: META,
        acl: ["connection"],
        tips: ["nondeterministic_output_order"],
        since: "7.0.0",
        summary: "Returns a list of command names.",
        complexity: "O(N) where N is the total number of commands",
        run: commandList,
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Metadata as COMMAND shows it

/** Command flags COMMAND INFO prints, in Valkey's order (sentinel, may_replicate, protected... are hidden). */
const FLAG_REPLY = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy",
];

/** ACL categories in Valkey's order (acl.c ACLCommandCategories). */
export const ACL_CATEGORIES = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

/** The flags COMMAND INFO shows for an entry: its own plus `movablekeys` derived from the key specs. */
export function replyFlags(e: CommandEntry): string[] {
  const own = new Set(e.flags);
  if (legacyRange(e).movable) own.add("movablekeys");
  return FLAG_REPLY.filter((f) => own.has(f));
}

/** Explicit categories plus those Valkey implies from the flags (server.c setImplicitACLCategories). */
export function aclCategories(e: CommandEntry): string[] {
  const cats = new Set(e.acl ?? []);
  const f = new Set(e.flags);
  if (f.has("write")) cats.add("write");
  if (f.has("readonly") && !cats.has("scripting")) cats.add("read");
  if (f.has("admin")) {
    cats.add("admin");
    cats.add("dangerous");
  }
  if (f.has("pubsub")) cats.add("pubsub");
  if (f.has("fast")) cats.add("fast");
  if (f.has("blocking")) cats.add("blocking");
  if (!cats.has("fast")) cats.add("slow");
  return ACL_CATEGORIES.filter((c) => cats.has(c));
}

/** Valkey's lookupCommandBySds: "name" or "container|sub", case-insensitive; a subcommand path must exist. */
export function lookupByFullName(name: string, renames: Renames | null = null): CommandEntry | undefined {
  const parts = name.split("|");
  if (parts.length > 2) return undefined;
  // ACL rules name commands by their own names; COMMAND INFO and DOCS by the names a server's renames give them
  const base = commandNamed(renames, parts[0]!.toLowerCase());
  if (base === undefined) return undefined;
  if (parts.length === 1) return base;
  if (base.subcommands === undefined) return undefined;
  const sub = parts[1]!.toLowerCase();
  return base.subcommands.find((s) => s.name === sub);
}

function writeKeySpec(w: ReplyWriter, s: KeySpec): void {
  w.map(s.notes !== undefined ? 4 : 3);
  if (s.notes !== undefined) {
    w.bulk("notes");
    w.bulk(s.notes);
  }
  w.bulk("flags");
  statusSet(w, keyFlagNames(s.flags));
  w.bulk("begin_search");
  w.map(2);
  w.bulk("type");
  if (s.begin === "unknown") {
    w.bulk("unknown");
    w.bulk("spec");
    w.map(0);
  } else if (typeof s.begin === "number") {
    w.bulk("index");
    w.bulk("spec");
    w.map(1);
    w.bulk("index");
    w.integer(s.begin);
  } else {
    w.bulk("keyword");
    w.bulk("spec");
    w.map(2);
    w.bulk("keyword");
    w.bulk(s.begin.keyword);
    w.bulk("startfrom");
    w.integer(s.begin.startfrom);
  }
  w.bulk("find_keys");
  w.map(2);
  w.bulk("type");
  if (s.begin === "unknown") {
    w.bulk("unknown");
    w.bulk("spec");
    w.map(0);
  } else if (s.keynum !== undefined) {
    w.bulk("keynum");
    w.bulk("spec");
    w.map(3);
    w.bulk("keynumidx");
    w.integer(s.keynum[0]);
    w.bulk("firstkey");
    w.integer(s.keynum[1]);
    w.bulk("keystep");
    w.integer(s.keynum[2]);
  } else {
    const [lastkey, keystep, limit] = s.range ?? [0, 1, 0];
    w.bulk("range");
    w.bulk("spec");
    w.map(3);
    w.bulk("lastkey");
    w.integer(lastkey);
    w.bulk("keystep");
    w.integer(keystep);
    w.bulk("limit");
    w.integer(limit);
  }
}

function statusSet(w: ReplyWriter, items: string[]): void {
  w.set(items.length);
  for (const s of items) w.simple(s);
}

/** One COMMAND INFO entry: [name, arity, flags, first, last, step, acl, tips, key specs, subcommands]. */
function writeCommandInfo(w: ReplyWriter, e: CommandEntry | undefined): void {
  if (e === undefined) {
    w.null();
    return;
  }
  const r = legacyRange(e);
  w.array(10);
  w.bulk(e.fullname!);
  w.integer(e.arity);
  statusSet(w, replyFlags(e));
  w.integer(r.first);
  w.integer(r.last);
  w.integer(r.step);
  statusSet(
    w,
    aclCategories(e).map((c) => "@" + c),
  );
  const tips = e.tips ?? [];
  w.set(tips.length);
  for (const t of tips) w.bulk(t);
  const specs = e.keys ?? [];
  w.set(specs.length);
  for (const s of specs) writeKeySpec(w, s);
  if (e.subcommands === undefined) w.set(0);
  else {
    w.array(e.subcommands.length);
    for (const s of e.subcommands) writeCommandInfo(w, s);
  }
}

/** One COMMAND DOCS entry, from what the table knows (summary, since, group, complexity, subcommands). */
function writeCommandDocs(w: ReplyWriter, e: CommandEntry): void {
  let n = 1;
  if (e.summary !== undefined) n++;
  if (e.since !== undefined) n++;
  if (e.complexity !== undefined) n++;
  if (e.subcommands !== undefined) n++;
  w.map(n);
  if (e.summary !== undefined) {
    w.bulk("summary");
    w.text(e.summary);
  }
  if (e.since !== undefined) {
    w.bulk("since");
    w.bulk(e.since);
  }
  w.bulk("group");
  w.bulk(e.group ?? "");
  if (e.complexity !== undefined) {
    w.bulk("complexity");
    w.text(e.complexity);
  }
  if (e.subcommands !== undefined) {
    w.bulk("subcommands");
    w.map(e.subcommands.length);
    for (const s of e.subcommands) {
      w.bulk(s.fullname!);
      writeCommandDocs(w, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Handlers

// COMMAND
function commandAll(c: Client): void {
  const all = visibleCommands(c.server.renames);
  c.w.array(all.length);
  for (const e of all) writeCommandInfo(c.w, e);
}

// COMMAND COUNT
function commandCount(c: Client): void {
  c.w.integer(c.server.renames === null ? table.size : visibleCommands(c.server.renames).length);
}

// COMMAND INFO [command-name [command-name ...]]
function commandInfo(c: Client, argv: Buffer[]): void {
  if (argv.length === 2) {
    commandAll(c);
    return;
  }
  c.w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) writeCommandInfo(c.w, lookupByFullName(str(argv[i]!), c.server.renames));
}

// COMMAND DOCS [command-name [command-name ...]]
function commandDocs(c: Client, argv: Buffer[]): void {
  const found: CommandEntry[] = [];
  if (argv.length === 2) found.push(...visibleCommands(c.server.renames));
  else {
    for (let i = 2; i < argv.length; i++) {
      const e = lookupByFullName(str(argv[i]!), c.server.renames);
      if (e !== undefined) found.push(e);
    }
  }
  c.w.map(found.length);
  for (const e of found) {
    c.w.bulk(e.fullname!);
    writeCommandDocs(c.w, e);
  }
}

// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
function commandList(c: Client, argv: Buffer[]): void {
  let filter: ((e: CommandEntry) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    if (token(argv[i]!) !== "filterby" || moreargs !== 2) throw E.syntax;
    const type = token(argv[i + 1]!);
    const value = str(argv[i + 2]!);
    if (type === "module") filter = () => false; // no modules here
    else if (type === "aclcat") {
      const cat = value.toLowerCase();
      filter = ACL_CATEGORIES.includes(cat) ? (e) => aclCategories(e).includes(cat) : () => false;
    } else if (type === "pattern") filter = (e) => globMatch(value, e.fullname!, true);
    else throw E.syntax;
    i += 2;
  }
  const names: string[] = [];
  for (const e of visibleCommands(c.server.renames)) {
    if (filter === null || filter(e)) names.push(e.fullname!);
    if (e.subcommands) for (const s of e.subcommands) if (filter === null || filter(s)) names.push(s.fullname!);
  }
  c.w.bulks(names);
}

// COMMAND GETKEYS command [arg [arg ...]]  /  COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
function getKeysReply(c: Client, argv: Buffer[], withFlags: boolean): void {
  const cmdArgv = argv.slice(2);
  const e = lookupCommand(cmdArgv, c.server.renames);
  if (e === undefined) throw errorText("ERR Invalid command specified");
  if (!doesCommandHaveKeys(e)) throw errorText("ERR The command has no key arguments");
  const argc = cmdArgv.length;
  if ((e.arity > 0 && e.arity !== argc) || argc < -e.arity) throw errorText("ERR Invalid number of arguments specified for command");
  const keys = getKeysFromCommand(e, cmdArgv);
  if (keys.length === 0 && !e.flags.includes("no_mandatory_keys")) throw errorText("ERR Invalid arguments specified for command");
  c.w.array(keys.length);
  for (const k of keys) {
    if (!withFlags) c.w.bulk(cmdArgv[k.pos]!);
    else {
      c.w.array(2);
      c.w.bulk(cmdArgv[k.pos]!);
      statusSet(c.w, keyFlagNames(k.flags));
    }
  }
}

// COMMAND HELP
function commandHelp(c: Client, argv: Buffer[]): void {
  c.w.help(str(argv[0]!).toUpperCase(), [
    "(no subcommand)",
    "    Return details about all commands.",
    "COUNT",
    "    Return the total number of commands in this server.",
    "LIST",
    "    Return a list of all commands in this server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full command.",
  ]);
}
