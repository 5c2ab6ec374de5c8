// One server's ACL state: its users (the default user first among equals), the ACL LOG, and what happens to
// connections when users change: AUTH, deleting a user (its clients are closed), revoking channels (its
// subscribers are closed), loading users from the config, VALKEY_USERS and the aclfile.

import type { Client } from "../client.js";
import type { Server } from "../server.js";
import type { CommandEntry } from "../commands/types.js";
import { ACL_TEXT as T, E, ReplyError, errorText } from "../errors.js";
import { clientInfoLine } from "../commands/connection.js";
import { errnoText } from "../commands/config.js";
import { ConfigError } from "../config.js";
import { builtin } from "../runtime.js";
import { channelAllowed, DENIED_AUTH, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, hasSpaces, mergeSelectorArgs, RuleError, User, type Denial } from "./user.js";

export interface LogEntry {
  count: number;
  reason: number;
  context: "toplevel" | "multi" | "lua";
  object: string;
  username: string;
  /** ms of the last update */
  ctime: number;
  cinfo: string;
  entryId: number;
  created: number;
}

export class AclState {
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  log: LogEntry[] = [];
  logCount = 0;

  constructor(readonly server: Server) {
    this.defaultUser = createDefaultUser();
    this.users.set("default", this.defaultUser);
  }

  get pubsubAll(): boolean {
    return this.server.param("acl-pubsub-default") === "allchannels";
  }

  /** Users in ACL USERS / ACL LIST order (Valkey keeps them in a radix tree: byte order). */
  sorted(): User[] {
    return [...this.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name, "latin1"), Buffer.from(b.name, "latin1")));
  }

  /**
   * ACLStringSetUser: apply every rule to a scratch copy, then commit all or nothing. Returns the error text, or
   * null. Subscribers of an existing user whose channels are revoked are disconnected.
   */
  setUser(name: string, ops: string[]): string | null {
    const merged = mergeSelectorArgs(ops);
    if (!Array.isArray(merged)) return T.unmatchedParen(ops[merged.unmatched]!);
    const existing = this.users.get(name);
    const temp = existing ? existing.clone() : new User(name, this.pubsubAll);
    for (const op of merged) {
      try {
        temp.apply(op, this.pubsubAll);
      } catch (e) {
        if (e instanceof RuleError) return T.badModifier(op, e.message);
        throw e;
      }
    }
    temp.refresh();
    if (existing) {
      killRevokedSubscribers(this.server, temp, existing);
      existing.copyFrom(temp);
      if (existing === this.defaultUser) defaultUserChanged(this.server);
    } else this.users.set(name, temp);
    return null;
  }

  /** ACL DELUSER of one user: its connections fall back to the default user, unauthenticated, and close. */
  deleteUser(name: string): boolean {
    const u = this.users.get(name);
    if (u === undefined) return false;
    this.users.delete(name);
    for (const c of this.server.clients.values()) {
      if (c.user !== u) continue;
      c.user = this.defaultUser;
      c.setAuthenticated(false);
      this.server.kill(c);
    }
    return true;
  }

  /** addACLLogEntry (and the INFO acl_access_denied_* counters). */
  addLog(c: Client, reason: number, context: LogEntry["context"], object: string, username: string): void {
    const st = this.server.stats;
    if (reason === DENIED_AUTH) st.authFailures++;
    else if (reason === DENIED_CMD) st.aclDeniedCmd++;
    else if (reason === DENIED_KEY) st.aclDeniedKey++;
    else st.aclDeniedChannel++;
    const now = Date.now();
    const real = this.server.current ?? c;
    const cinfo = clientInfoLine(real);
    for (let i = 0; i < Math.min(10, this.log.length); i++) {
      const x = this.log[i]!;
      if (x.reason === reason && x.context === context && Math.abs(x.ctime - now) <= 60000 && x.object === object && x.username === username) {
        this.log.splice(i, 1);
        this.log.unshift(x);
        x.cinfo = cinfo;
        x.ctime = now;
        x.count++;
        return;
      }
    }
    this.log.unshift({ count: 1, reason, context, object, username, ctime: now, cinfo, entryId: this.logCount++, created: now });
    const max = Number(this.server.param("acllog-max-len"));
    if (this.log.length > max) this.log.length = max;
  }

  /** Replace every user with the given definitions ("name rule rule ..."), all or nothing (ACL LOAD). */
  replaceUsers(defs: Array<{ name: string; ops: string[]; where: string } | { error: string }>): string | null {
    let errors = "";
    const fresh = new Map<string, User>();
    for (const d of defs) {
      if ("error" in d) {
        errors += d.error;
        continue;
      }
      if (hasSpaces(d.name)) {
        errors += T.loadBadName(d.where, d.name);
        continue;
      }
      if (fresh.has(d.name)) {
        errors += T.loadDuplicate(d.name, d.where.split(":").pop()!);
        continue;
      }
      const u = new User(d.name, this.pubsubAll);
      fresh.set(d.name, u);
      const merged = mergeSelectorArgs(d.ops);
      if (!Array.isArray(merged)) {
        errors += T.loadUnmatched(d.where);
        continue;
      }
      let syntax = false;
      for (const op of merged) {
        try {
          u.apply(op.trim(), this.pubsubAll);
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          if (e.message === T.unknownRule) errors += T.loadUnknown(d.where, op, e.message);
          else if (!syntax) {
            errors += T.loadOther(d.where, e.message);
            syntax = true;
          }
        }
      }
      u.refresh();
    }
    if (errors !== "") return errors + T.loadAborted;
    const newDefault = fresh.get("default") ?? createDefaultUser();
    // Connections keep the default user object; everyone else's user is gone (and so are their connections).
    const old = [...this.users.keys()].filter((n) => n !== "default");
    this.defaultUser.copyFrom(newDefault);
    fresh.set("default", this.defaultUser);
    for (const n of old) this.deleteUser(n);
    this.users.clear();
    for (const [n, u] of fresh) this.users.set(n, u);
    defaultUserChanged(this.server);
    return null;
  }
}

function createDefaultUser(): User {
  const u = new User("default", false);
  for (const op of ["+@all", "~*", "&*", "on", "nopass"]) u.apply(op, false);
  u.refresh();
  return u;
}

const states = new WeakMap<Server, AclState>();

export function aclOf(server: Server): AclState {
  let s = states.get(server);
  if (s === undefined) states.set(server, (s = new AclState(server)));
  return s;
}

/** The user new connections start as. */
export function defaultUser(server: Server): User {
  return aclOf(server).defaultUser;
}

/** Valkey's authRequired: the default user needs a password, or is off. */
export function defaultNeedsAuth(server: Server): boolean {
  const d = aclOf(server).defaultUser;
  return !(d.nopass && d.enabled);
}

/** Connections that never authenticated run as the default user as soon as it stops needing a password. */
function defaultUserChanged(server: Server): void {
  if (defaultNeedsAuth(server)) return;
  for (const c of server.clients.values()) if (!c.authenticated && c.user === aclOf(server).defaultUser) c.setAuthenticated(true);
}

/** requirepass is the default user's password (ACLUpdateDefaultUserPassword). */
export function setDefaultPassword(server: Server, password: string | null): void {
  const d = aclOf(server).defaultUser;
  d.apply("resetpass", false);
  d.apply(password === null ? "nopass" : ">" + password, false);
  d.refresh();
  defaultUserChanged(server);
}

/** ACLKillPubsubClientsIfNeeded: close the user's subscribers whose channels the new rules no longer allow. */
function killRevokedSubscribers(server: Server, next: User, original: User): void {
  if (next.selectors.some((s) => s.allChannels)) return;
  const upcoming = next.selectors.flatMap((s) => s.channels);
  const superset = original.selectors.every((s) => !s.allChannels && s.channels.every((ch) => upcoming.includes(ch)));
  if (superset) return;
  for (const c of server.clients.values()) {
    if (c.user !== original || c.subscriptionCount === 0) continue;
    let kill = false;
    for (const p of c.patterns) if (!channelAllowed(upcoming, p, true)) kill = true;
    for (const ch of c.channels) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true;
    for (const ch of c.shardChannels) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true;
    if (kill) server.kill(c);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The check the gate, EXEC and scripts make

/** getAclErrorMessage */
export function denialText(d: Denial, u: User, e: CommandEntry, argv: Buffer[], verbose: boolean): string {
  if (d.reason === DENIED_CMD) return T.noCommand(u.name, e.fullname!);
  const what = d.reason === DENIED_KEY ? "key" : "channel";
  return verbose ? T.noAccess(u.name, argv[d.pos]!.toString("latin1"), what) : T.noAccessShort(what);
}

function logDenial(c: Client, d: Denial, e: CommandEntry, argv: Buffer[], context: LogEntry["context"]): void {
  const object = d.reason === DENIED_CMD ? e.fullname! : argv[d.pos]!.toString("latin1");
  aclOf(c.server).addLog(c, d.reason, context, object, c.user.name);
}

/**
 * The gate's permission check (called only for restricted users): null when the command may run, else the
 * NOPERM error, logged in ACL LOG.
 */
export function aclDenied(c: Client, e: CommandEntry, argv: Buffer[]): ReplyError | null {
  const d = c.user.check(e, argv);
  if (d === null) return null;
  logDenial(c, d, e, argv, c.multi !== null ? "multi" : "toplevel");
  return errorText(`NOPERM ${denialText(d, c.user, e, argv, false)}`);
}

/** EXEC re-checks each queued command: the rules may have changed since it was queued. */
export function aclDeniedInExec(c: Client, e: CommandEntry, argv: Buffer[]): string | null {
  const d = c.user.check(e, argv);
  if (d === null) return null;
  logDenial(c, d, e, argv, "multi");
  return T.execChanged(T.execWhy[d.reason]!);
}

/** SORT's BY pattern / GET: only for a user who may read every key (Valkey's sortCommandGeneric). */
export function aclReadsAllKeys(c: Client, argv: Buffer[]): boolean {
  const e = c.server.currentEntry;
  return !c.user.restricted || e === null || c.user.readsAllKeys(e, argv);
}

/** redis.acl_check_cmd: whether the user may run this command line (nothing is logged). */
export function aclAllows(u: User, e: CommandEntry, argv: Buffer[]): boolean {
  return !u.restricted || u.check(e, argv) === null;
}

/** redis.call / server.call from a script runs with the caller's permissions. */
export function aclDeniedInScript(caller: Client, e: CommandEntry, argv: Buffer[]): string | null {
  if (!caller.user.restricted) return null;
  const d = caller.user.check(e, argv);
  if (d === null) return null;
  logDenial(caller, d, e, argv, "lua");
  return T.inScript(denialText(d, caller.user, e, argv, false));
}

// ---------------------------------------------------------------------------------------------------------
// Authentication

/** AUTH / HELLO AUTH: on success the connection runs as that user; a failure is logged (reason auth). */
export function authenticate(c: Client, username: string, pass: Buffer, argv0: Buffer): void {
  const acl = aclOf(c.server);
  const u = acl.users.get(username);
  if (u === undefined || !u.checkPassword(pass)) {
    acl.addLog(c, DENIED_AUTH, c.multi !== null ? "multi" : "toplevel", argv0.toString("latin1"), username);
    throw E.wrongPass;
  }
  c.user = u;
  c.setAuthenticated(true);
}

/** RESET: back to the default user, authenticated only if it needs no password. */
export function resetUser(c: Client): void {
  c.user = defaultUser(c.server);
  c.setAuthenticated(!defaultNeedsAuth(c.server));
}

// ---------------------------------------------------------------------------------------------------------
// Users from outside: `user` config lines / VALKEY_USERS, then the aclfile

/**
 * ACLLoadUsersAtStartup. Throws (the server does not start) on a bad rule, or when both `user` lines and an
 * aclfile are given, as Valkey does.
 */
export function loadUsersAtStartup(server: Server, lines: string[][]): void {
  const acl = aclOf(server);
  const file = server.param("aclfile");
  if (file !== "" && lines.length > 0) {
    throw new ConfigError(
      "Configuring users in the config (user lines or VALKEY_USERS) and at the same time an ACL file is invalid: define users in one place",
    );
  }
  for (const line of lines) {
    const [name, ...ops] = line;
    if (name === undefined) continue;
    if (hasSpaces(name)) throw new ConfigError("Spaces not allowed in ACL usernames");
    if (name === "default") acl.defaultUser.apply("reset", acl.pubsubAll);
    const err = acl.setUser(name, ops);
    if (err !== null) throw new ConfigError(`Error loading ACL rule for the user named '${name}': ${err}`);
  }
  if (file !== "") {
    const err = loadAclFile(server);
    if (err !== null) throw new ConfigError(`Aborting startup because of ACL errors: ${err}`);
  }
}

/** ACLLoadFromFile: null on success, else Valkey's one-line list of problems (nothing is changed then). */
export function loadAclFile(server: Server): string | null {
  const file = server.param("aclfile");
  let text: string;
  try {
    text = builtin("node:fs").readFileSync(file, "latin1");
  } catch (e) {
    return T.loadOpen(file, errnoText(e as NodeJS.ErrnoException));
  }
  const defs: Parameters<AclState["replaceUsers"]>[0] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const argv = line.split(" ").filter((a) => a !== "");
    if (argv.length === 0) return;
    if (argv[0] !== "user" || argv.length < 2) {
      defs.push({ error: T.loadNotUser(`${file}:${i + 1}`) });
      return;
    }
    defs.push({ name: argv[1]!, ops: argv.slice(2), where: `${file}:${i + 1}` });
  });
  return aclOf(server).replaceUsers(defs);
}

/** CONFIG REWRITE's `user` lines: every user, unless an aclfile holds them (then none: the lines go). */
export function configUserLines(server: Server): string[] {
  if (server.param("aclfile") !== "") return [];
  return aclOf(server)
    .sorted()
    .map((u) => `user ${u.name} ${u.describe()}`);
}

/** Build the server's users at startup: requirepass, then `user` lines / VALKEY_USERS, then the aclfile. */
export function initAcl(server: Server): void {
  const pass = server.param("requirepass");
  setDefaultPassword(server, pass === "" ? null : pass);
  loadUsersAtStartup(server, server.config.users ?? []);
}
