// ACL users and selectors: the rule language of ACL SETUSER (Valkey's acl.c ACLSetUser / ACLSetSelector),
// its canonical description (ACL LIST / GETUSER), and the permission check (ACLCheckAllUserCommandPerm).
// A user owns a root selector plus any number of extra "(...)" selectors; a command is allowed when one
// selector allows it.

import { builtin } from "../runtime.js";
import type { CommandEntry } from "../commands/types.js";
import { F } from "../commands/types.js";
import { aclCategories, ACL_CATEGORIES, lookupByFullName } from "../commands/command.js";
import { allEntries, table } from "../commands/index.js";
import { doesCommandHaveKeys, getKeysFromCommand } from "../commands/keyspecs.js";
import { globMatch, globMatcher } from "../glob.js";
import { ACL_TEXT } from "../errors.js";

/** Why a command was refused; the order is Valkey's (ACL_DENIED_*), used to pick one error among selectors. */
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

export interface Denial {
  reason: number;
  /** argv index of the key or channel at fault (0 for a command). */
  pos: number;
}

const READ = 1;
const WRITE = 2;

interface KeyPattern {
  flags: number;
  pattern: string;
  /** The pattern compiled once (keys are checked on every command of a restricted user). */
  match: (key: Buffer) => boolean;
}

/** Why a rule was refused: the text after "Error in ACL SETUSER modifier '...': ". */
export class RuleError extends Error {}

const T = ACL_TEXT;

/** Category -> the entries Valkey gives it (containers and subcommands alike), computed once. */
let categoryCache: Map<CommandEntry, Set<string>> | null = null;
function categoriesOf(e: CommandEntry): Set<string> {
  if (categoryCache === null) {
    categoryCache = new Map();
    for (const x of allEntries()) categoryCache.set(x, new Set(aclCategories(x)));
  }
  return categoryCache.get(e) ?? new Set();
}

export function isCategory(name: string): boolean {
  return ACL_CATEGORIES.includes(name.toLowerCase());
}

/** Valkey's ACLStringHasSpaces: whitespace or NUL. */
export function hasSpaces(s: string): boolean {
  return /[\s\0\v]/.test(s);
}

export function hashPassword(pass: Buffer | string): string {
  return builtin("node:crypto").createHash("sha256").update(typeof pass === "string" ? Buffer.from(pass, "latin1") : pass).digest("hex");
}

export class Selector {
  allKeys = false;
  allChannels = false;
  /** Every command bit set (cleared as soon as one command is taken away). */
  allCommands = false;
  /** The reserved "future commands" bit: set by +@all / allcommands, cleared by -@all / nocommands. */
  future = false;
  keys: KeyPattern[] = [];
  channels: string[] = [];
  allowed = new Set<CommandEntry>();
  /** +cmd|arg rules for commands without subcommands (SELECT|0). */
  firstArgs: Map<CommandEntry, string[]> | null = null;
  /** The ordered command rules as given (Valkey's command_rules), for describing the selector. */
  rules: string[] = [];

  constructor(
    readonly root: boolean,
    pubsubAll: boolean,
  ) {
    this.allChannels = pubsubAll;
  }

  clone(): Selector {
    const s = new Selector(this.root, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channels = [...this.channels];
    s.allowed = new Set(this.allowed);
    s.firstArgs = this.firstArgs === null ? null : new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.rules = [...this.rules];
    return s;
  }

  /** Valkey's ACLSetSelector. Throws RuleError. */
  apply(op: string): void {
    const low = op.toLowerCase();
    if (low === "allkeys" || op === "~*") {
      this.allKeys = true;
      this.keys = [];
    } else if (low === "resetkeys") {
      this.allKeys = false;
      this.keys = [];
    } else if (low === "allchannels" || op === "&*") {
      this.allChannels = true;
      this.channels = [];
    } else if (low === "resetchannels") {
      this.allChannels = false;
      this.channels = [];
    } else if (low === "allcommands" || low === "+@all") {
      for (const e of allEntries()) this.allowed.add(e);
      this.allCommands = this.future = true;
      this.rules = [];
      this.firstArgs = null;
    } else if (low === "nocommands" || low === "-@all") {
      this.allowed.clear();
      this.allCommands = this.future = false;
      this.rules = [];
      this.firstArgs = null;
    } else if (op[0] === "~" || op[0] === "%") {
      this.addKeyPattern(op);
    } else if (op[0] === "&") {
      if (this.allChannels) throw new RuleError(T.afterAllChannels);
      const pat = op.slice(1);
      if (hasSpaces(pat)) throw new RuleError(T.syntax);
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.allChannels = false;
    } else if (op[0] === "+" && op[1] !== "@") {
      this.allowCommand(op.slice(1));
    } else if (op[0] === "-" && op[1] !== "@") {
      const e = lookupByFullName(op.slice(1));
      if (e === undefined) throw new RuleError(T.unknownRule);
      this.changePerm(e, false);
      this.updateRules(e.fullname!, false);
    } else if ((op[0] === "+" || op[0] === "-") && op[1] === "@") {
      const cat = low.slice(2);
      if (!isCategory(cat)) throw new RuleError(T.unknownRule);
      this.updateRules("@" + cat, op[0] === "+");
      this.setCategory(cat, op[0] === "+");
    } else throw new RuleError(T.syntax);
  }

  private addKeyPattern(op: string): void {
    if (this.allKeys) throw new RuleError(T.afterAllKeys);
    let flags = 0;
    let offset = 1;
    if (op[0] === "%") {
      let ok = true;
      for (; offset < op.length; offset++) {
        const ch = op[offset]!.toUpperCase();
        if (ch === "R" && !(flags & READ)) flags |= READ;
        else if (ch === "W" && !(flags & WRITE)) flags |= WRITE;
        else if (op[offset] === "~") {
          offset++;
          break;
        } else {
          ok = false;
          break;
        }
      }
      if (!flags || !ok) throw new RuleError(T.syntax);
    } else flags = READ | WRITE;
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) throw new RuleError(T.syntax);
    const found = this.keys.find((k) => k.pattern === pattern);
    if (found) found.flags |= flags;
    else this.keys.push({ flags, pattern, match: globMatcher(pattern) });
    this.allKeys = false;
  }

  private allowCommand(name: string): void {
    const bar = name.lastIndexOf("|");
    if (bar < 0) {
      const e = lookupByFullName(name);
      if (e === undefined) throw new RuleError(T.unknownRule);
      this.changePerm(e, true);
      this.updateRules(e.fullname!, true);
      return;
    }
    const base = lookupByFullName(name.slice(0, bar));
    if (base === undefined) throw new RuleError(T.unknownRule);
    if (base.parent !== undefined) throw new RuleError(T.firstArgOfSubcommand);
    const sub = name.slice(bar + 1);
    if (sub.length === 0) throw new RuleError(T.syntax);
    if (base.subcommands !== undefined) {
      const e = lookupByFullName(name);
      if (e === undefined) throw new RuleError(T.unknownRule);
      this.changePerm(e, true);
    } else {
      // SELECT|0-style first-arg rules (deprecated in Valkey, still honoured).
      this.firstArgs ??= new Map();
      const list = this.firstArgs.get(base) ?? [];
      if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
      this.firstArgs.set(base, list);
    }
    this.updateRules(name, true);
  }

  /** ACLChangeSelectorPerm: a container carries its subcommands along. */
  private changePerm(e: CommandEntry, allow: boolean): void {
    this.setBit(e, allow);
    this.firstArgs?.delete(e);
    if (e.subcommands) for (const s of e.subcommands) this.setBit(s, allow);
  }

  private setBit(e: CommandEntry, allow: boolean): void {
    if (allow) this.allowed.add(e);
    else {
      this.allowed.delete(e);
      this.allCommands = false;
    }
  }

  /** ACLSetSelectorCommandBitsForCategory over the command table, containers before their subcommands. */
  private setCategory(cat: string, allow: boolean): void {
    const walk = (list: Iterable<CommandEntry>) => {
      for (const e of list) {
        if (categoriesOf(e).has(cat)) this.changePerm(e, allow);
        if (e.subcommands) walk(e.subcommands);
      }
    };
    walk(table.values());
  }

  /** ACLUpdateCommandRules: drop the same rule (and its subcommand rules) before appending the new one. */
  private updateRules(rule: string, allow: boolean): void {
    const r = rule.toLowerCase();
    this.rules = this.rules.filter((x) => {
      const body = x.slice(1);
      return !(body === r || body.startsWith(r + "|"));
    });
    this.rules.push((allow ? "+" : "-") + r);
  }

  /** ACLDescribeSelectorCommandRules */
  commandRules(): string {
    return [this.future ? "+@all" : "-@all", ...this.rules].join(" ");
  }

  keysText(): string {
    if (this.allKeys) return "~*";
    return this.keys.map(patternText).join(" ");
  }

  channelsText(): string {
    if (this.allChannels) return "&*";
    return this.channels.map((c) => "&" + c).join(" ");
  }

  /** ACLDescribeSelector */
  describe(): string {
    let s = "";
    if (this.allKeys) s += "~* ";
    else for (const k of this.keys) s += patternText(k) + " ";
    if (this.allChannels) s += "&* ";
    else {
      s += "resetchannels ";
      for (const c of this.channels) s += "&" + c + " ";
    }
    return s + this.commandRules();
  }

  /** ACLSelectorCheckCmd */
  check(e: CommandEntry, argv: Buffer[], keys: () => Array<{ pos: number; flags: string[] }>): Denial | null {
    if (!this.allCommands && !(e.bits! & F.NO_AUTH) && !this.allowed.has(e)) {
      const list = this.firstArgs?.get(e);
      const idx = e.parent ? 2 : 1;
      if (list === undefined || argv.length < 2 || argv.length <= idx) return { reason: DENIED_CMD, pos: 0 };
      const a = argv[idx]!.toString("latin1").toLowerCase();
      if (!list.some((x) => x.toLowerCase() === a)) return { reason: DENIED_CMD, pos: 0 };
    }
    if (!this.allKeys && doesCommandHaveKeys(e)) {
      for (const k of keys()) if (!this.keyAllowed(argv[k.pos]!, k.flags)) return { reason: DENIED_KEY, pos: k.pos };
    }
    if (!this.allChannels) {
      const spec = CHANNELS[e.fullname!];
      if (spec !== undefined) {
        const end = spec.all ? argv.length : 2;
        for (let i = 1; i < end; i++) {
          if (!channelAllowed(this.channels, argv[i]!.toString("latin1"), spec.pattern)) return { reason: DENIED_CHANNEL, pos: i };
        }
      }
    }
    return null;
  }

  keyAllowed(key: Buffer, specFlags: string[]): boolean {
    if (this.allKeys) return true;
    let need = 0;
    for (const f of specFlags) {
      if (f === "ACCESS") need |= READ;
      else if (f === "INSERT" || f === "DELETE" || f === "UPDATE") need |= WRITE;
    }
    for (const p of this.keys) if ((p.flags & need) === need && p.match(key)) return true;
    return false;
  }
}

/** Channel arguments that ACL checks (Valkey's channel specs: PUBLISH/SUBSCRIBE kinds; unsubscribing is free). */
const CHANNELS: Record<string, { all: boolean; pattern: boolean }> = {
  publish: { all: false, pattern: false },
  spublish: { all: false, pattern: false },
  subscribe: { all: true, pattern: false },
  ssubscribe: { all: true, pattern: false },
  psubscribe: { all: true, pattern: true },
};

/** ACLCheckChannelAgainstList: channels match ACL patterns as globs, PSUBSCRIBE patterns only literally. */
export function channelAllowed(list: string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true;
  return false;
}

function patternText(k: KeyPattern): string {
  return (k.flags === (READ | WRITE) ? "~" : k.flags === READ ? "%R~" : "%W~") + k.pattern;
}

/** Valkey's ACLMergeSelectorArguments: "(~x" "+get)" -> "(~x +get)". Returns the index of an unclosed "(". */
export function mergeSelectorArgs(args: string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let sel = "";
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    if (open === -1 && op[0] === "(" && op[op.length - 1] !== ")") {
      sel = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      sel += " " + op;
      if (op[op.length - 1] === ")") {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) return { unmatched: open };
  return out;
}

export class User {
  enabled = false;
  nopass = false;
  sanitizeSkip = false;
  passwords: string[] = [];
  selectors: Selector[];
  /** Anything short of all commands, all keys and all channels: the gate checks this user's commands. */
  restricted = true;

  constructor(
    readonly name: string,
    pubsubAll: boolean,
  ) {
    this.selectors = [new Selector(true, pubsubAll)];
  }

  /** The name, so `${c.user}` reads as it did when Client.user was the name string. */
  toString(): string {
    return this.name;
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  /** A copy with the same rules under another name (ACLCopyUser onto a scratch user). */
  clone(name = this.name): User {
    const u = new User(name, false);
    u.copyFrom(this);
    return u;
  }

  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitizeSkip = src.sanitizeSkip;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.clone());
    this.refresh();
  }

  refresh(): void {
    const s = this.selectors;
    this.restricted = !(s.length === 1 && s[0]!.allCommands && s[0]!.allKeys && s[0]!.allChannels);
  }

  /** Valkey's ACLSetUser for one op. Throws RuleError. */
  apply(op: string, pubsubAll: boolean): void {
    if (op.length === 0) return;
    const low = op.toLowerCase();
    if (low === "on") this.enabled = true;
    else if (low === "off") this.enabled = false;
    else if (low === "skip-sanitize-payload") this.sanitizeSkip = true;
    else if (low === "sanitize-payload") this.sanitizeSkip = false;
    else if (low === "nopass") {
      this.nopass = true;
      this.passwords = [];
    } else if (low === "resetpass") {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === ">" || op[0] === "#") {
      const h = op[0] === ">" ? hashPassword(Buffer.from(op.slice(1), "latin1")) : checkHash(op.slice(1));
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.nopass = false;
    } else if (op[0] === "<" || op[0] === "!") {
      const h = op[0] === "<" ? hashPassword(Buffer.from(op.slice(1), "latin1")) : checkHash(op.slice(1));
      const i = this.passwords.indexOf(h);
      if (i < 0) throw new RuleError(T.noSuchPassword);
      this.passwords.splice(i, 1);
    } else if (op[0] === "(" && op[op.length - 1] === ")") {
      const s = new Selector(false, pubsubAll);
      for (const part of op.slice(1, -1).split(" ")) if (part !== "") s.apply(part);
      this.selectors.push(s);
    } else if (low === "clearselectors") {
      this.selectors.length = 1;
    } else if (low === "reset") {
      this.nopass = false;
      this.passwords = [];
      const root = this.root;
      root.apply("resetkeys");
      root.apply("resetchannels");
      if (pubsubAll) root.apply("allchannels");
      this.enabled = false;
      this.sanitizeSkip = false;
      this.selectors.length = 1;
      root.apply("-@all");
    } else this.root.apply(op);
  }

  /** Valkey's ACLDescribeUser (ACL LIST, ACL SAVE format). */
  describe(): string {
    let s = "";
    if (this.enabled) s += "on ";
    else s += "off ";
    if (this.nopass) s += "nopass ";
    s += this.sanitizeSkip ? "skip-sanitize-payload " : "sanitize-payload ";
    for (const p of this.passwords) s += "#" + p + " ";
    s += this.root.describe();
    for (let i = 1; i < this.selectors.length; i++) s += " (" + this.selectors[i]!.describe() + ")";
    return s;
  }

  flagNames(): string[] {
    const f = [this.enabled ? "on" : "off"];
    if (this.nopass) f.push("nopass");
    f.push(this.sanitizeSkip ? "skip-sanitize-payload" : "sanitize-payload");
    return f;
  }

  /** ACLCheckAllUserCommandPerm: null when some selector allows the command. */
  check(e: CommandEntry, argv: Buffer[]): Denial | null {
    let cached: Array<{ pos: number; flags: string[] }> | null = null;
    const keys = () => (cached ??= getKeysFromCommand(e, argv));
    let reason = DENIED_CMD;
    let pos = 0;
    for (const s of this.selectors) {
      const d = s.check(e, argv, keys);
      if (d === null) return null;
      if (d.reason > reason || (d.reason === reason && d.pos > pos)) {
        reason = d.reason;
        pos = d.pos;
      }
    }
    return { reason, pos };
  }

  /** ACLUserCheckCmdWithUnrestrictedKeyAccess(CMD_KEY_ACCESS): one selector allows the command and reads every key. */
  readsAllKeys(e: CommandEntry, argv: Buffer[]): boolean {
    let cached: Array<{ pos: number; flags: string[] }> | null = null;
    const keys = () => (cached ??= getKeysFromCommand(e, argv));
    for (const s of this.selectors) {
      if (s.check(e, argv, keys) !== null) continue;
      if (s.allKeys || s.keys.some((k) => k.flags & READ && k.pattern === "*")) return true;
    }
    return false;
  }

  checkPassword(pass: Buffer): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    return this.passwords.includes(hashPassword(pass));
  }

  /** ACLUserCheckChannelPerm */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    for (const s of this.selectors) if (s.allChannels || channelAllowed(s.channels, channel, isPattern)) return true;
    return false;
  }
}

function checkHash(h: string): string {
  if (!/^[0-9a-f]{64}$/.test(h)) throw new RuleError(T.badHash);
  return h;
}
