// ACL family: ACL SETUSER GETUSER DELUSER USERS LIST WHOAMI CAT GENPASS DRYRUN LOG LOAD SAVE HELP.
// The rules and checks live in src/acl/; this file parses arguments and writes Valkey's replies.

import { builtin } from "../runtime.js";
import type { Client } from "../client.js";
import { ACL_E, E, errorText, unknownSubcommandOrWrongArity, wrongArity } from "../errors.js";
import { parseI64, str } from "../args.js";
import { redactArg } from "../server.js";
import type { CommandEntry } from "./types.js";
import { ACL_CATEGORIES, aclCategories } from "./command.js";
import { table, lookupCommand } from "./index.js";
import { aclOf, denialText, loadAclFile } from "../acl/state.js";
import { DENIED_AUTH, DENIED_CMD, DENIED_KEY, hasSpaces, type Selector } from "../acl/user.js";

const ADMIN = ["admin", "noscript", "loading", "stale", "sentinel"];
const PLAIN = ["noscript", "loading", "stale", "sentinel"];
const ALL_NODES = ["request_policy:all_nodes", "response_policy:all_succeeded"];

/** COMMAND DOCS fields, as in the specs (the command-table unit test compares them). */
const doc = (summary: string, complexity: string, since = "6.0.0") => ({ summary, complexity, since });

export const commands: CommandEntry[] = [
  {
    name: "acl",
    arity: -2,
    flags: ["sentinel"],
    ...doc("A container for Access List Control commands.", "Depends on subcommand."),
    subcommands: [
      { name: "cat", ...doc("Lists the ACL categories, or the commands inside a category.", "O(1) since the categories and commands are a fixed set."), arity: -2, flags: PLAIN, run: aclCat },
      { name: "deluser", ...doc("Deletes ACL users, and terminates their connections.", "O(1) amortized time considering the typical user."), arity: -3, flags: ADMIN, tips: ALL_NODES, run: aclDeluser },
      { name: "dryrun", ...doc("Simulates the execution of a command by a user, without executing the command.", "O(1).", "7.0.0"), arity: -4, flags: ADMIN, run: aclDryrun },
      { name: "genpass", ...doc("Generates a pseudorandom, secure password that can be used to identify ACL users.", "O(1)"), arity: -2, flags: PLAIN, run: aclGenpass },
      { name: "getuser", ...doc("Lists the ACL rules of a user.", "O(N). Where N is the number of password, command and pattern rules that the user has."), arity: 3, flags: ADMIN, run: aclGetuser },
      { name: "help", ...doc("Returns helpful text about the different subcommands.", "O(1)"), arity: 2, flags: ["loading", "stale", "sentinel"], run: aclHelp },
      { name: "list", ...doc("Dumps the effective rules in ACL file format.", "O(N). Where N is the number of configured users."), arity: 2, flags: ADMIN, run: (c) => aclList(c, false) },
      { name: "load", ...doc("Reloads the rules from the configured ACL file.", "O(N). Where N is the number of configured users."), arity: 2, flags: ADMIN, run: aclLoad },
      { name: "log", ...doc("Lists recent security events generated due to ACL rules.", "O(N) with N being the number of entries shown."), arity: -2, flags: ADMIN, run: aclLog },
      { name: "save", ...doc("Saves the effective ACL rules in the configured ACL file.", "O(N). Where N is the number of configured users."), arity: 2, flags: ADMIN, tips: ALL_NODES, run: aclSave },
      { name: "setuser", ...doc("Creates and modifies an ACL user and its rules.", "O(N). Where N is the number of rules provided."), arity: -3, flags: ADMIN, tips: ALL_NODES, run: aclSetuser },
      { name: "users", ...doc("Lists all ACL users.", "O(N). Where N is the number of configured users."), arity: 2, flags: ADMIN, run: (c) => aclList(c, true) },
      { name: "whoami", ...doc("Returns the authenticated username of the current connection.", "O(1)"), arity: 2, flags: PLAIN, run: (c) => c.w.bulk(c.user.name) },
    ],
  },
];

// ACL SETUSER username [rule [rule ...]]
function aclSetuser(c: Client, argv: Buffer[]): void {
  const name = str(argv[2]!);
  const ops = argv.slice(3).map(str);
  // Rules carry passwords: SLOWLOG and MONITOR never see them.
  for (let i = 2; i < argv.length; i++) redactArg(argv, i);
  if (hasSpaces(name)) throw ACL_E.spacesInName;
  const err = aclOf(c.server).setUser(name, ops);
  if (err !== null) throw errorText("ERR " + err.replace(/[\r\n]/g, " "));
  c.w.ok();
}

// ACL DELUSER username [username ...]
function aclDeluser(c: Client, argv: Buffer[]): void {
  const names = argv.slice(2).map(str);
  if (names.includes("default")) throw ACL_E.deleteDefault;
  const acl = aclOf(c.server);
  let n = 0;
  for (const name of names) if (acl.deleteUser(name)) n++;
  c.w.integer(n);
}

// ACL GETUSER username
function aclGetuser(c: Client, argv: Buffer[]): void {
  const u = aclOf(c.server).users.get(str(argv[2]!));
  if (u === undefined) return c.w.null();
  const w = c.w;
  w.map(6);
  w.bulk("flags");
  const flags = u.flagNames();
  w.set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk("passwords");
  w.array(u.passwords.length);
  for (const p of u.passwords) w.bulk(p);
  describeSelector(c, u.root);
  w.bulk("selectors");
  w.array(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    w.map(3);
    describeSelector(c, u.selectors[i]!);
  }
}

function describeSelector(c: Client, s: Selector): void {
  c.w.bulk("commands");
  c.w.bulk(s.commandRules());
  c.w.bulk("keys");
  c.w.bulk(s.keysText());
  c.w.bulk("channels");
  c.w.bulk(s.channelsText());
}

// ACL USERS | ACL LIST
function aclList(c: Client, namesOnly: boolean): void {
  const users = aclOf(c.server).sorted();
  c.w.array(users.length);
  for (const u of users) c.w.bulk(namesOnly ? u.name : `user ${u.name} ${u.describe()}`);
}

// ACL CAT [category]
function aclCat(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw unknownSubcommandOrWrongArity("acl", str(argv[1]!));
  if (argv.length === 2) {
    c.w.array(ACL_CATEGORIES.length);
    for (const cat of ACL_CATEGORIES) c.w.bulk(cat);
    return;
  }
  const cat = str(argv[2]!).toLowerCase();
  if (!ACL_CATEGORIES.includes(cat)) throw ACL_E.unknownCategory(str(argv[2]!));
  const names: string[] = [];
  const walk = (list: Iterable<CommandEntry>) => {
    for (const e of list) {
      if (aclCategories(e).includes(cat)) names.push(e.fullname!);
      if (e.subcommands) walk(e.subcommands);
    }
  };
  walk(table.values());
  c.w.array(names.length);
  for (const n of names) c.w.bulk(n);
}

// ACL GENPASS [bits]
function aclGenpass(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw unknownSubcommandOrWrongArity("acl", str(argv[1]!));
  let bits = 256;
  if (argv.length === 3) {
    const v = parseI64(argv[2]!);
    if (v === null) throw E.notInteger;
    bits = v;
  }
  if (bits <= 0 || bits > 4096) {
    throw ACL_E.genpass;
  }
  const chars = Math.floor((bits + 3) / 4);
  c.w.bulk(builtin("node:crypto").randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars));
}

// ACL DRYRUN username command [arg [arg ...]]
function aclDryrun(c: Client, argv: Buffer[]): void {
  const u = aclOf(c.server).users.get(str(argv[2]!));
  if (u === undefined) throw ACL_E.noUser(str(argv[2]!));
  const cmdArgv = argv.slice(3);
  const e = lookupCommand(cmdArgv, c.server.renames);
  if (e === undefined) throw ACL_E.noCommand(str(argv[3]!));
  if ((e.arity > 0 && e.arity !== cmdArgv.length) || cmdArgv.length < -e.arity) throw wrongArity(e.fullname!);
  const d = u.check(e, cmdArgv);
  if (d === null) return c.w.ok();
  c.w.bulk(denialText(d, u, e, cmdArgv, true));
}

const REASONS: Record<number, string> = { [DENIED_CMD]: "command", [DENIED_KEY]: "key", [DENIED_AUTH]: "auth" };

// ACL LOG [count | RESET]
function aclLog(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw unknownSubcommandOrWrongArity("acl", str(argv[1]!));
  const acl = aclOf(c.server);
  let count = 10;
  if (argv.length === 3) {
    if (str(argv[2]!).toLowerCase() === "reset") {
      acl.log = [];
      return c.w.ok();
    }
    const v = parseI64(argv[2]!);
    if (v === null) throw E.notInteger;
    count = Math.max(0, v);
  }
  const list = acl.log.slice(0, count);
  const now = Date.now();
  const w = c.w;
  w.array(list.length);
  for (const le of list) {
    w.map(10);
    w.bulk("count");
    w.integer(le.count);
    w.bulk("reason");
    w.bulk(REASONS[le.reason] ?? "channel");
    w.bulk("context");
    w.bulk(le.context);
    w.bulk("object");
    w.bulk(le.object);
    w.bulk("username");
    w.bulk(le.username);
    w.bulk("age-seconds");
    w.double((now - le.ctime) / 1000);
    w.bulk("client-info");
    w.bulk(le.cinfo);
    w.bulk("entry-id");
    w.integer(le.entryId);
    w.bulk("timestamp-created");
    w.integer(le.created);
    w.bulk("timestamp-last-updated");
    w.integer(le.ctime);
  }
}

// ACL LOAD
function aclLoad(c: Client): void {
  if (c.server.param("aclfile") === "") throw ACL_E.noAclFile;
  const err = loadAclFile(c.server);
  if (err !== null) throw errorText("ERR " + err.replace(/[\r\n]/g, " "));
  c.w.ok();
}

// ACL SAVE: this server never writes to disk, so it says so instead of pretending.
function aclSave(c: Client): void {
  if (c.server.param("aclfile") === "") throw ACL_E.noAclFile;
  throw E.persistence("ACL SAVE");
}

// ACL HELP
function aclHelp(c: Client): void {
  c.w.help("ACL", [
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
  ]);
}
