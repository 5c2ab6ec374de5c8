// The shape of a command table entry. Metadata is Valkey's (see ../shared/valkey-commands); a unit test keeps
// every entry in step with those specs.

import type { Client } from "../client.js";

export type Handler = (c: Client, argv: Buffer[]) => void;

/** Valkey key spec, compact form. */
export interface KeySpec {
  /** begin_search: index position, or keyword search; "unknown" = both begin_search and find_keys unknown
   *  (SORT's BY/GET/STORE keys, found by the command's own key extractor). */
  begin: number | { keyword: string; startfrom: number } | "unknown";
  /** find_keys range: [lastkey, step, limit]. Default [0, 1, 0] (one key). */
  range?: [number, number, number];
  /** find_keys keynum: [keynumidx, firstkey, step]. */
  keynum?: [number, number, number];
  /** Key spec flags as in the JSON specs, e.g. ["RO", "ACCESS"]. */
  flags: string[];
  /** The spec's `notes` text, shown by COMMAND INFO when present. */
  notes?: string;
}

export interface CommandEntry {
  /** Lowercase name; subcommands use their own name only ("get" under "config"). */
  name: string;
  /** Valkey arity: positive = exact argc, negative = at least -arity. argv[0] counts. */
  arity: number;
  /** Lowercase Valkey command flags: write readonly denyoom admin pubsub noscript blocking loading stale
   *  skip_monitor skip_slowlog fast no_auth may_replicate no_mandatory_keys no_multi allow_busy ... */
  flags: string[];
  /** Explicit ACL categories beyond those implied by flags (lowercase, without '@'). */
  acl?: string[];
  keys?: KeySpec[];
  /** Command tips (request_policy:..., nondeterministic_output, ...). */
  tips?: string[];
  run?: Handler;
  subcommands?: CommandEntry[];
  /** Set by the registry. */
  group?: string;
  summary?: string;
  since?: string;
  complexity?: string;
  /** Filled by the registry: "config|get". */
  fullname?: string;
  parent?: CommandEntry;
  /** Live statistics (INFO commandstats). */
  calls?: number;
  usec?: number;
  failedCalls?: number;
  rejectedCalls?: number;
  /** Precomputed flag bits for the gate. */
  bits?: number;
  /** Valkey's getCommandFlags: the flag bits of one call when they depend on it (scripts declare their own). */
  flagsOf?: (c: Client, argv: Buffer[]) => number;
  /** Held back by the preflight hooks (client.ts) before it runs: commands that need the scripting engine, EXEC. */
  preflight?: boolean;
  /** Set by the registry: cheap per call (flagged fast, or O(1) per argument, see Command), so a pipeline's
   *  consecutive runs of such commands share one clock read (Server.execute). */
  batchTimed?: boolean;
  /** Set by the registry: the entry's index among all registered entries (per-command arrays, e.g. latency.ts). */
  id?: number;
}

let nextCommandId = 0;

/** Not flagged fast by Valkey, but O(1) per key or argument like the fast ones: timed as they are. */
const BATCH_TIMED = new Set(["set", "mset", "msetnx", "setex", "psetex"]);

/**
 * Every registered entry as one class: the family tables are object literals of many shapes, which would make
 * the gate's and call()'s reads of arity / bits / run / calls megamorphic (hot path: every request).
 */
export class Command implements CommandEntry {
  name: string;
  arity: number;
  flags: string[];
  acl?: string[] = undefined;
  keys?: KeySpec[] = undefined;
  tips?: string[] = undefined;
  run?: Handler = undefined;
  subcommands?: CommandEntry[] = undefined;
  group?: string = undefined;
  summary?: string = undefined;
  since?: string = undefined;
  complexity?: string = undefined;
  fullname?: string = undefined;
  parent?: CommandEntry = undefined;
  calls = 0;
  usec = 0;
  failedCalls = 0;
  rejectedCalls = 0;
  bits: number;
  flagsOf?: (c: Client, argv: Buffer[]) => number = undefined;
  preflight = false;
  batchTimed: boolean;
  readonly id = nextCommandId++;
  constructor(e: CommandEntry, parent?: CommandEntry) {
    this.name = e.name;
    this.arity = e.arity;
    this.flags = e.flags;
    Object.assign(this, e);
    this.bits = flagBits(e.flags);
    this.batchTimed =
      ((this.bits & (F.FAST | F.BLOCKING)) === F.FAST || (parent === undefined && BATCH_TIMED.has(e.name))) && this.flagsOf === undefined;
  }
}

/** Flag bits the gate checks on every command. */
export const F = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  ADMIN: 1 << 3,
  PUBSUB: 1 << 4,
  NOSCRIPT: 1 << 5,
  BLOCKING: 1 << 6,
  LOADING: 1 << 7,
  STALE: 1 << 8,
  SKIP_MONITOR: 1 << 9,
  SKIP_SLOWLOG: 1 << 10,
  FAST: 1 << 11,
  NO_AUTH: 1 << 12,
  NO_MULTI: 1 << 13,
  ALLOW_BUSY: 1 << 14,
} as const;

/** Writes and commands flagged may_replicate (PUBLISH, EVAL, ...): what a WRITE pause holds back and what a
 * read-only script may not call. */
export function mayReplicate(e: CommandEntry): boolean {
  return (e.bits! & F.WRITE) !== 0 || e.flags.includes("may_replicate");
}

/** Valkey's flag names (lowercase, as the tables write them) -> F bits. */
const FLAG_BITS = new Map<string, number>(Object.entries(F).map(([k, v]) => [k.toLowerCase(), v]));

export function flagBits(flags: string[]): number {
  let b = 0;
  for (const f of flags) b |= FLAG_BITS.get(f) ?? 0;
  return b;
}
