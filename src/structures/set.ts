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
import { cat2, cat3, lenChars, next, readLen } from "./packed.js";

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

/**
 * The ascending members of the last intset asked (members()), dropped when that set changes. One cache for the
 * process rather than a field per set: a fifth own field costs every small set ~30 bytes on Bun, which keeps four
 * properties inline.
 */
let sortedFor: SetValue | null = null;
let sortedMembers: string[] = [];

/**
 * While an intset or a listpack, the members live packed in ONE latin1 string `lp` (varint length, bytes, in
 * insertion order; see packed.ts): no per-member objects, a 10-member set drops from ~600 to ~200 bytes.
 * Lookups scan it and writes rebuild it, O(n) within the encoding's entry limit, as Valkey's listpack does.
 * As a hashtable, `lp` is null and a Set in `n` (read through `h`) holds the members. Setting `enc` packs or
 * unpacks. Not a Set subclass (Symbol.toStringTag says "Set", see values.ts isSetLike): a Set's own table, empty
 * while packed, cost Node ~160 bytes per set.
 */
export class SetValue implements Set<string> {
  private e: SetEncoding = INTSET;
  idx: ScanIndex | null = null;
  /** The packed members while not a hashtable; null once a hashtable. */
  lp: string | null = "";
  /** While packed: the member count. As a hashtable: the members. */
  private n: number | Set<string> = 0;

  get [Symbol.toStringTag](): string {
    return "Set";
  }

  /** The members once a hashtable. */
  private get h(): Set<string> {
    return this.n as Set<string>;
  }

  get enc(): SetEncoding {
    return this.e;
  }

  set enc(v: SetEncoding) {
    this.e = v;
    if (v === HASHTABLE) this.unpack();
    else this.pack();
  }

  get size(): number {
    return this.lp !== null ? (this.n as number) : this.h.size;
  }

  has(m: string): boolean {
    const s = this.lp;
    return s === null ? this.h.has(m) : findMember(s, m) >= 0;
  }

  add(m: string): this {
    const s = this.lp;
    if (s === null) {
      const h = this.h;
      const n = h.size;
      h.add(m);
      if (h.size !== n) this.added(m);
    } else if (findMember(s, m) < 0) this.append(s, m);
    return this;
  }

  /** Packed: a member known to be absent. */
  private append(s: string, m: string): void {
    this.lp = cat3(s, lenChars(m.length), m);
    (this.n as number)++;
    this.added(m);
  }

  private added(m: string): void {
    if (sortedFor === this) sortedFor = null;
    if (this.idx !== null) this.idx.added(m);
  }

  delete(m: string): boolean {
    const s = this.lp;
    if (s === null) {
      if (!this.h.delete(m)) return false;
    } else {
      const at = findMember(s, m);
      if (at < 0) return false;
      this.lp = cat2(s.slice(0, at), s.slice(foundEnd));
      (this.n as number)--;
    }
    if (sortedFor === this) sortedFor = null;
    if (this.idx !== null) this.idx.deleted(m);
    return true;
  }

  clear(): void {
    if (this.lp !== null) {
      this.lp = "";
      this.n = 0;
    } else this.h.clear();
    if (sortedFor === this) sortedFor = null;
    this.idx?.cleared();
  }

  values(): SetIterator<string> {
    const s = this.lp;
    return s === null ? this.h.values() : (packedMembers(s) as SetIterator<string>);
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    for (const m of this.values()) yield [m, m];
  }

  forEach(fn: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    for (const m of this.values()) fn.call(thisArg, m, m, this);
  }

  /** Members in the order Valkey lists them. */
  members(): Iterable<string> {
    if (this.e !== INTSET) return this;
    if (sortedFor !== this) {
      sortedMembers = [...this].sort(compareInt64);
      sortedFor = this;
    }
    return sortedMembers;
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
    if (this.e === INTSET) {
      if (isInt64(m)) {
        this.append(this.lp!, m);
        if ((this.n as number) > intsetMax(lim)) this.enc = HASHTABLE;
        return true;
      }
      let maxLen = 0;
      if (this.size > 0) {
        const s = this.members() as string[];
        maxLen = Math.max(s[0]!.length, s[s.length - 1]!.length);
      }
      if (this.size < lim.entries && m.length <= lim.value && maxLen <= lim.value) this.toListpack();
      else this.enc = HASHTABLE;
    } else if (this.e === LISTPACK) {
      if (!(this.size < lim.entries && m.length <= lim.value)) this.enc = HASHTABLE;
    }
    const s = this.lp;
    if (s === null) this.add(m);
    else this.append(s, m);
    return true;
  }

  /** intset -> listpack: the listpack starts in the intset's (ascending) order. */
  private toListpack(): void {
    const order = this.members() as string[];
    const parts: string[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) parts[i] = lenChars(order[i]!.length) + order[i]!;
    this.lp = parts.join("");
    this.e = LISTPACK;
    if (sortedFor === this) sortedFor = null;
  }

  private pack(): void {
    if (this.lp !== null) return;
    const parts: string[] = [];
    for (const m of this.h.values()) parts.push(lenChars(m.length) + m);
    this.lp = parts.join("");
    this.n = parts.length;
    if (sortedFor === this) sortedFor = null;
  }

  private unpack(): void {
    const s = this.lp;
    if (s === null) return;
    this.lp = null;
    this.n = new Set(packedMembers(s));
  }

  /** As a hashtable: add a member without the bookkeeping (building a value). */
  addUnindexed(m: string): void {
    this.h.add(m);
  }

  /** After copying another set's packed string into `lp` (COPY). */
  setPackedSize(n: number): void {
    this.n = n;
  }

  /** setTypeMaybeConvert: a command about to add `hint` members converts early. */
  maybeConvert(hint: number, lim: SetLimits): void {
    if ((this.e === LISTPACK && hint > lim.entries) || (this.e === INTSET && hint > lim.intset)) this.enc = HASHTABLE;
  }

  /** maybeConvertToIntset: when every member is known to be an integer. */
  maybeToIntset(lim: SetLimits): void {
    if (this.e !== INTSET && this.size <= intsetMax(lim)) {
      this.enc = INTSET;
      if (sortedFor === this) sortedFor = null;
    }
  }
}

/** Set by findMember: where the found member's entry ends. */
let foundEnd = 0;

/** Start of the entry holding `m` in a packed set, or -1. Hand-written scan: the hot path of small sets. */
function findMember(s: string, m: string): number {
  const len = s.length;
  const ml = m.length;
  let p = 0;
  while (p < len) {
    const at = p;
    let n = s.charCodeAt(p);
    let ms = p + 1;
    if (n >= 128) (n = readLen(s, p)), (ms = next);
    p = ms + n;
    // the last char first: members often share a prefix ("user:1", "user:2")
    if (n === ml && (n === 0 || s.charCodeAt(p - 1) === m.charCodeAt(n - 1)) && s.startsWith(m, ms)) {
      foundEnd = p;
      return at;
    }
  }
  return -1;
}

function* packedMembers(s: string): Generator<string, undefined> {
  for (let p = 0; p < s.length; ) {
    const n = readLen(s, p);
    p = next + n;
    yield s.slice(next, p);
  }
  return undefined;
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
  s.enc = HASHTABLE;
  for (const m of v) s.addUnindexed(m);
  s.enc = encodingFor(s, s.size, lim);
  return s;
}

/** A copy with the same encoding and order (COPY). */
export function dupSet(v: Set<string>, lim: SetLimits): SetValue {
  const src = adoptSet(v, lim);
  const s = new SetValue();
  if (src.lp !== null) {
    s.enc = src.enc;
    s.lp = src.lp;
    s.setPackedSize(src.size);
    return s;
  }
  s.enc = HASHTABLE;
  for (const m of src) s.addUnindexed(m);
  return s;
}

const NAMES = ["intset", "listpack", "hashtable"] as const;

/** OBJECT ENCODING name. */
export function setEncoding(v: Set<string>, lim: SetLimits): "intset" | "listpack" | "hashtable" {
  return NAMES[adoptSet(v, lim).enc];
}
