// The set value: a Set<string> (members latin1) that also tracks Valkey's encoding, the order Valkey would
// list members in, and (once scanned or sampled while large) a ScanIndex kept in step with every change.
//
// Encodings as in Valkey 8: an intset (all members canonical int64, at most set-max-intset-entries) lists
// members in ascending numeric order; a listpack (at most set-max-listpack-entries members, none longer
// than set-max-listpack-value) lists them in insertion order, which the JS Set keeps, and takes the intset's
// sorted order when it is converted from one; a hashtable has no defined order. Conversions only go up
// (intset -> listpack -> hashtable), except where a command rebuilds the value (SPOP with a large count).

import { ScanIndex } from "./scannable.js";
import { SMALL } from "./hash.js";

export const INTSET = 0;
export const LISTPACK = 1;
export const HASHTABLE = 2;
export type SetEncoding = 0 | 1 | 2;

export interface SetLimits {
  intset: number;
  entries: number;
  value: number;
}

export function setLimits(param: (name: string) => string | undefined): SetLimits {
  return {
    intset: Number(param("set-max-intset-entries") ?? 512),
    entries: Number(param("set-max-listpack-entries") ?? 128),
    value: Number(param("set-max-listpack-value") ?? 64),
  };
}

/** Valkey's intsetMaxEntries(): the configured limit, capped at 2^30. */
function intsetMax(lim: SetLimits): number {
  return Math.min(lim.intset, 1 << 30);
}

/** string2ll: a canonical int64 (no '+', no leading zeros, no spaces, "-0" refused). */
export function isInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n < 19) return true;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n;
}

/** Numeric order of two canonical int64 strings. */
export function compareInt64(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  const r = a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return an ? -r : r;
}

const baseAdd = Set.prototype.add;
const baseClear = Set.prototype.clear;

export class SetValue extends Set<string> {
  enc: SetEncoding = INTSET;
  idx: ScanIndex | null = null;
  /** Ascending members while an intset (cache, dropped on every change). */
  private sorted: string[] | null = null;

  override add(m: string): this {
    const n = this.size;
    super.add(m);
    if (this.size !== n) {
      this.sorted = null;
      if (this.idx !== null) this.idx.added(m);
    }
    return this;
  }

  override delete(m: string): boolean {
    if (!super.delete(m)) return false;
    this.sorted = null;
    if (this.idx !== null) this.idx.deleted(m);
    return true;
  }

  override clear(): void {
    super.clear();
    this.sorted = null;
    this.idx?.cleared();
  }

  /** Members in the order Valkey lists them. */
  members(): Iterable<string> {
    if (this.enc !== INTSET) return this;
    return (this.sorted ??= [...this].sort(compareInt64));
  }

  index(): ScanIndex {
    return (this.idx ??= new ScanIndex(this, this.keys()));
  }

  randomMember(): string {
    if (this.size <= SMALL && this.idx === null) {
      let skip = Math.floor(Math.random() * this.size);
      for (const k of this) if (skip-- === 0) return k;
    }
    return this.index().random();
  }

  /** Valkey's setTypeAddAux for a member given as a string: adds with the encoding conversions. */
  addMember(m: string, lim: SetLimits): boolean {
    if (this.has(m)) return false;
    if (this.enc === INTSET) {
      if (isInt64(m)) {
        this.add(m);
        if (this.size > intsetMax(lim)) this.enc = HASHTABLE;
        return true;
      }
      let maxLen = 0;
      if (this.size > 0) {
        const s = this.members() as string[];
        maxLen = Math.max(s[0]!.length, s[s.length - 1]!.length);
      }
      if (this.size < lim.entries && m.length <= lim.value && maxLen <= lim.value) this.toListpack();
      else this.enc = HASHTABLE;
    } else if (this.enc === LISTPACK) {
      if (!(this.size < lim.entries && m.length <= lim.value)) this.enc = HASHTABLE;
    }
    this.add(m);
    return true;
  }

  /** intset -> listpack: the listpack starts in the intset's (ascending) order. */
  private toListpack(): void {
    const order = this.members() as string[];
    baseClear.call(this);
    for (const m of order) baseAdd.call(this, m);
    this.enc = LISTPACK;
    this.sorted = null;
  }

  /** setTypeMaybeConvert: a command about to add `hint` members converts early. */
  maybeConvert(hint: number, lim: SetLimits): void {
    if ((this.enc === LISTPACK && hint > lim.entries) || (this.enc === INTSET && hint > lim.intset)) this.enc = HASHTABLE;
  }

  /** maybeConvertToIntset: when every member is known to be an integer. */
  maybeToIntset(lim: SetLimits): void {
    if (this.enc !== INTSET && this.size <= intsetMax(lim)) {
      this.enc = INTSET;
      this.sorted = null;
    }
  }
}

/** setTypeCreate: the encoding a new set starts with, from its first member and the expected size. */
export function createSet(first: string, hint: number, lim: SetLimits): SetValue {
  const s = new SetValue();
  if (isInt64(first) && hint <= lim.intset) s.enc = INTSET;
  else if (hint <= lim.entries) s.enc = LISTPACK;
  else s.enc = HASHTABLE;
  return s;
}

/** The encoding Valkey would give a set holding these members (for values built by other code). */
function encodingFor(members: Iterable<string>, size: number, lim: SetLimits): SetEncoding {
  let ints = true;
  let short = true;
  for (const m of members) {
    if (ints && !isInt64(m)) ints = false;
    if (m.length > lim.value) short = false;
    if (!ints && !short) break;
  }
  if (ints && size <= intsetMax(lim)) return INTSET;
  if (short && size <= lim.entries) return LISTPACK;
  return HASHTABLE;
}

/** Wrap a plain Set written by other code (RESTORE, COPY...) so it gets an encoding and an index. */
export function adoptSet(v: Set<string>, lim: SetLimits): SetValue {
  if (v instanceof SetValue) return v;
  const s = new SetValue();
  for (const m of v) baseAdd.call(s, m);
  s.enc = encodingFor(s, s.size, lim);
  return s;
}

/** A copy with the same encoding and order (COPY). */
export function dupSet(v: Set<string>, lim: SetLimits): SetValue {
  const src = adoptSet(v, lim);
  const s = new SetValue();
  for (const m of src) baseAdd.call(s, m);
  s.enc = src.enc;
  return s;
}

const NAMES = ["intset", "listpack", "hashtable"] as const;

/** OBJECT ENCODING name. */
export function setEncoding(v: Set<string>, lim: SetLimits): "intset" | "listpack" | "hashtable" {
  return NAMES[adoptSet(v, lim).enc];
}
