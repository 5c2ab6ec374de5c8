// Key extraction from key specs, as Valkey does it (db.c getKeysUsingKeySpecs / getKeysFromCommandWithSpecs and
// the native *GetKeys helpers), plus the legacy (first, last, step) triple and the `movablekeys` flag that
// COMMAND INFO derives from the specs (server.c populateCommandLegacyRangeSpec).

import type { CommandEntry, KeySpec } from "./types.js";

/** The parts of a table entry key extraction looks at (tests build these for commands not in the table). */
export type KeyCommand = Pick<CommandEntry, "name" | "fullname" | "arity" | "flags" | "keys">;

/** Native key helpers are looked up by full name ("set", never "config|set"). */
function nativeGetKeys(cmd: KeyCommand): NativeGetKeys | undefined {
  return NATIVE_GETKEYS.get(cmd.fullname ?? cmd.name);
}

/** One key found in a command line: its argv index and the flags of the spec (or helper) that found it. */
export interface KeyRef {
  pos: number;
  /** Key spec flag names as in the JSON specs ("RW", "ACCESS", ...). Empty when a native helper gives none. */
  flags: string[];
}

type Argv = ArrayLike<Buffer | string>;

function arg(argv: Argv, i: number): string {
  const a = argv[i]!;
  return typeof a === "string" ? a : a.toString("latin1");
}

function eqNoCase(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** Valkey's string2ll (no '+', no leading zeros, no spaces, int64 range), as a JS number. */
function string2ll(s: string): number | null {
  if (s.length === 0 || s.length > 20) return null;
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) return null;
  return Number(v);
}

/** C's atoi: leading spaces, optional sign, digits up to the first non-digit; 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  return v > 2147483647 || v < -2147483648 ? 0 : v;
}

// ---------------------------------------------------------------------------------------------------------
// Spec-level facts

function hasFlag(spec: KeySpec, flag: string): boolean {
  return spec.flags.includes(flag);
}

/** At least one spec that is not NOT_KEY (getAllKeySpecsFlags(cmd, 1) & CMD_KEY_NOT_KEY). */
function hasRealKeySpec(cmd: KeyCommand): boolean {
  return (cmd.keys ?? []).some((s) => !hasFlag(s, "NOT_KEY"));
}

/** Valkey's doesCommandHaveKeys: a native key helper, or a spec that is not NOT_KEY. */
export function doesCommandHaveKeys(cmd: KeyCommand): boolean {
  return nativeGetKeys(cmd) !== undefined || hasRealKeySpec(cmd);
}

export interface LegacyRange {
  first: number;
  /** Absolute index, or negative (counted from the end). */
  last: number;
  step: number;
  /** The specs cannot be expressed by the triple alone: COMMAND INFO adds the `movablekeys` flag. */
  movable: boolean;
}

function isIndexRange(s: KeySpec): s is KeySpec & { begin: number } {
  return typeof s.begin === "number" && s.keynum === undefined;
}

/** server.c populateCommandLegacyRangeSpec, with COMMAND INFO's translation of lastkey to an absolute index. */
export function legacyRange(cmd: KeyCommand): LegacyRange {
  const specs = cmd.keys ?? [];
  if (specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  if (specs.length === 1 && isIndexRange(specs[0]!)) {
    const s = specs[0]!;
    const [lastkey, step] = s.range ?? [0, 1, 0];
    const first = s.begin as number;
    return { first, last: lastkey >= 0 ? lastkey + first : lastkey, step, movable: hasFlag(s, "INCOMPLETE") };
  }
  let movable = false;
  let firstkey = Number.MAX_SAFE_INTEGER;
  let lastkey = 0;
  let prevLastkey = 0;
  for (const s of specs) {
    if (!isIndexRange(s)) {
      movable = true;
      continue;
    }
    const [rLast, rStep] = s.range ?? [0, 1, 0];
    const pos = s.begin as number;
    if (rStep !== 1 || (prevLastkey !== 0 && prevLastkey !== pos - 1)) {
      movable = true;
      continue;
    }
    if (hasFlag(s, "INCOMPLETE")) movable = true;
    firstkey = Math.min(firstkey, pos);
    const abs = rLast >= 0 ? rLast + pos : rLast;
    // Valkey compares as unsigned: a negative (from-the-end) lastkey wins over any positive one
    lastkey = (lastkey >>> 0) >= (abs >>> 0) ? lastkey : abs;
    prevLastkey = lastkey;
  }
  if (firstkey === Number.MAX_SAFE_INTEGER) return { first: 0, last: 0, step: 0, movable: true };
  // stored relative to firstkey, then made absolute again by COMMAND INFO
  const rel = lastkey < 0 ? lastkey : lastkey - firstkey;
  return { first: firstkey, last: rel >= 0 ? rel + firstkey : rel, step: 1, movable };
}

// ---------------------------------------------------------------------------------------------------------
// Extraction

/**
 * db.c getKeysUsingKeySpecs. Returns the keys, or null when a spec cannot be applied (unknown spec, bad
 * numkeys, out of range, INCOMPLETE) unless `partial` asks for the keys of the specs that could be applied.
 */
export function getKeysUsingKeySpecs(
  cmd: KeyCommand,
  argv: Argv,
  opts: { includeNotKeys?: boolean; partial?: boolean } = {},
): KeyRef[] | null {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const spec of cmd.keys ?? []) {
    if (hasFlag(spec, "NOT_KEY") && !opts.includeNotKeys) continue;
    let ok = true;
    let first = 0;
    let last = 0;
    let step = 1;
    const b = spec.begin;
    if (typeof b === "number") {
      first = b;
    } else if (b === "unknown") {
      ok = false;
    } else {
      const start = b.startfrom > 0 ? b.startfrom : argc + b.startfrom;
      const end = b.startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (eqNoCase(arg(argv, i), b.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword not found: this spec has no keys here
    }
    if (ok) {
      if (spec.keynum !== undefined) {
        const [keynumidx, firstkey, keystep] = spec.keynum;
        step = keystep;
        const idx = first + keynumidx;
        const numkeys = keynumidx >= argc || idx >= argc ? null : string2ll(arg(argv, idx));
        if (numkeys === null || numkeys < 0) ok = false;
        else {
          first += firstkey;
          last = first + numkeys - 1;
        }
      } else {
        const [lastkey, keystep, limit] = spec.range ?? [0, 1, 0];
        step = keystep;
        if (lastkey >= 0) last = first + lastkey;
        else if (limit === 0) last = argc + lastkey;
        else last = first + (Math.trunc((argc - first) / limit) + lastkey);
      }
    }
    if (ok && (last >= argc || last < first || first >= argc)) ok = false;
    if (ok) {
      for (let i = first; i <= last; i += step) {
        // Commands with a variable arity have no dispatch-time check that the positions exist.
        if (i >= argc || i < first) continue;
        keys.push({ pos: i, flags: spec.flags });
      }
      if (hasFlag(spec, "INCOMPLETE")) ok = false;
    }
    if (!ok) {
      if (opts.partial) continue;
      return null;
    }
  }
  return keys;
}

/**
 * db.c getKeysFromCommandWithSpecs: the specs when they are complete and their flags reliable, else the
 * command's native key helper. An empty result means "no keys found" (COMMAND GETKEYS then errors unless the
 * command has no_mandatory_keys).
 */
export function getKeysFromCommand(cmd: KeyCommand, argv: Argv): KeyRef[] {
  const specs = cmd.keys ?? [];
  const hasVarFlags = specs.some((s) => hasFlag(s, "VARIABLE_FLAGS"));
  if (hasRealKeySpec(cmd) && !hasVarFlags) {
    const r = getKeysUsingKeySpecs(cmd, argv);
    if (r !== null) return r;
  }
  const native = nativeGetKeys(cmd);
  return native ? native(argv) : [];
}

// ---------------------------------------------------------------------------------------------------------
// Native key helpers (db.c), used when the specs are incomplete or their flags depend on the arguments.

type NativeGetKeys = (argv: Argv) => KeyRef[];

/** COMMAND [destkey] <num-keys> <key> ... : db.c genericGetKeys. The destination key comes last. */
function genericGetKeys(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number, keyStep: number): NativeGetKeys {
  return (argv) => {
    const argc = argv.length;
    const num = keyCountOfs < argc ? atoi(arg(argv, keyCountOfs)) : 0;
    if (num < 1 || num > Math.trunc((argc - firstKeyOfs) / keyStep)) return [];
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: firstKeyOfs + i * keyStep, flags: [] });
    if (storeKeyOfs) keys.push({ pos: storeKeyOfs, flags: [] });
    return keys;
  };
}

const RO_ACCESS = ["RO", "ACCESS"];
const RW_ACCESS_UPDATE = ["RW", "ACCESS", "UPDATE"];
const RW_ACCESS_DELETE = ["RW", "ACCESS", "DELETE"];
const OW_UPDATE = ["OW", "UPDATE"];

// SET key value [... GET ...]: RW when GET is given, OW otherwise.
function setGetKeys(argv: Argv): KeyRef[] {
  for (let i = 3; i < argv.length; i++) if (eqNoCase(arg(argv, i), "get")) return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  return [{ pos: 1, flags: OW_UPDATE }];
}

// BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...]: read-only when only GETs are given.
function bitfieldGetKeys(argv: Argv): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remargs = argv.length - i - 1;
    const a = arg(argv, i).toLowerCase();
    if (a === "get" && remargs >= 2) i += 2;
    else if ((a === "set" || a === "incrby") && remargs >= 3) {
      readonly = false;
      break;
    } else if (a === "overflow" && remargs >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
function sortGetKeys(argv: Argv): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  let store: KeyRef | null = null;
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 2; i < argv.length; i++) {
    const a = arg(argv, i).toLowerCase();
    // Valkey's loop tests "store" only while scanning its skip list, i.e. always for a non-skip word
    if (a in skip) i += skip[a]!;
    else if (a === "store" && i + 1 < argv.length) store = { pos: i + 1, flags: OW_UPDATE };
  }
  if (store) keys.push(store);
  return keys;
}

// SORT_RO key ...
function sortROGetKeys(): KeyRef[] {
  return [{ pos: 1, flags: RO_ACCESS }];
}

// MIGRATE host port <key | ""> destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...]
function migrateGetKeys(argv: Argv): KeyRef[] {
  const argc = argv.length;
  let first = 3;
  let num = 1;
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (argc > 6) {
    for (let i = 6; i < argc; i++) {
      const a = arg(argv, i).toLowerCase();
      if (a === "keys") {
        if (arg(argv, 3).length > 0) num = 0; // syntax error, left to the command
        else {
          first = i + 1;
          num = argc - first;
        }
        break;
      }
      if (a in skip) i += skip[a]!;
    }
  }
  const keys: KeyRef[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: RW_ACCESS_DELETE });
  return keys;
}

// GEORADIUS key longitude latitude radius unit ... [STORE key | STOREDIST key]
// GEORADIUSBYMEMBER key member radius unit ... [STORE key | STOREDIST key]
function georadiusGetKeys(argv: Argv): KeyRef[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = arg(argv, i).toLowerCase();
    if ((a === "store" || a === "storedist") && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyRef[] = [{ pos: 1, flags: [] }];
  if (stored !== -1) keys.push({ pos: stored, flags: [] });
  return keys;
}

// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]
function xreadGetKeys(argv: Argv): KeyRef[] {
  const argc = argv.length;
  let streamsPos = -1;
  for (let i = 1; i < argc; i++) {
    const a = arg(argv, i).toLowerCase();
    if (a === "block" || a === "count") i++;
    else if (a === "group") i += 2;
    else if (a === "noack") continue;
    else if (a === "streams") {
      streamsPos = i;
      break;
    } else break;
  }
  let num = streamsPos !== -1 ? argc - streamsPos - 1 : 0;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  num /= 2;
  const keys: KeyRef[] = [];
  for (let i = streamsPos + 1; i < argc - num; i++) keys.push({ pos: i, flags: [] });
  return keys;
}

/** Commands whose JSON spec names a `get_keys_function`, by full name. */
export const NATIVE_GETKEYS = new Map<string, NativeGetKeys>(Object.entries({
  set: setGetKeys,
  bitfield: bitfieldGetKeys,
  sort: sortGetKeys,
  sort_ro: sortROGetKeys,
  migrate: migrateGetKeys,
  georadius: georadiusGetKeys,
  georadiusbymember: georadiusGetKeys,
  xread: xreadGetKeys,
  xreadgroup: xreadGetKeys,
  eval: genericGetKeys(0, 2, 3, 1),
  eval_ro: genericGetKeys(0, 2, 3, 1),
  evalsha: genericGetKeys(0, 2, 3, 1),
  evalsha_ro: genericGetKeys(0, 2, 3, 1),
  fcall: genericGetKeys(0, 2, 3, 1),
  fcall_ro: genericGetKeys(0, 2, 3, 1),
  blmpop: genericGetKeys(0, 2, 3, 1),
  bzmpop: genericGetKeys(0, 2, 3, 1),
  lmpop: genericGetKeys(0, 1, 2, 1),
  zmpop: genericGetKeys(0, 1, 2, 1),
  sintercard: genericGetKeys(0, 1, 2, 1),
  zunion: genericGetKeys(0, 1, 2, 1),
  zinter: genericGetKeys(0, 1, 2, 1),
  zdiff: genericGetKeys(0, 1, 2, 1),
  zintercard: genericGetKeys(0, 1, 2, 1),
  zunionstore: genericGetKeys(1, 2, 3, 1),
  zinterstore: genericGetKeys(1, 2, 3, 1),
  zdiffstore: genericGetKeys(1, 2, 3, 1),
}));

// ---------------------------------------------------------------------------------------------------------
// Reply names

const KEY_FLAG_REPLY: Array<[string, string]> = [
  ["RO", "RO"],
  ["RW", "RW"],
  ["OW", "OW"],
  ["RM", "RM"],
  ["ACCESS", "access"],
  ["UPDATE", "update"],
  ["INSERT", "insert"],
  ["DELETE", "delete"],
  ["NOT_KEY", "not_key"],
  ["INCOMPLETE", "incomplete"],
  ["VARIABLE_FLAGS", "variable_flags"],
];

/** Key spec flags as COMMAND INFO / GETKEYSANDFLAGS print them, in Valkey's order. */
export function keyFlagNames(flags: string[]): string[] {
  const out: string[] = [];
  for (const [f, name] of KEY_FLAG_REPLY) if (flags.includes(f)) out.push(name);
  return out;
}
