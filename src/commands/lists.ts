// Lists family. A list is a ListValue: a ring buffer of elements (latin1 strings: a JS string costs a
// fraction of a Buffer per element) that also tracks the listpack size Valkey would have for the same content,
// so OBJECT ENCODING converts between listpack and quicklist at Valkey's thresholds.
// Blocking variants (BLPOP, BRPOP, BLMOVE, BLMPOP, BRPOPLPUSH) reuse popFrom()/pushTo().

import type { Client } from "../client.js";
import { LONG_MAX, positiveInt, rangeInt, str, int, token } from "../args.js";
import { E, errorText, wrongArity } from "../errors.js";
import { N } from "../store.js";
import { PackedDeque, type BulkSink } from "../structures/deque.js";
import { after, backLenChars, cat2, cat4, cat5, lenChars, next, readLen, readLenBack, seek } from "../structures/packed.js";
import {
  RDB_TYPE,
  RdbFormatError,
  listpackDecode,
  listpackEncode,
  lpIntEntryBytes,
  lpStrEntryBytes,
  registerDump,
  registerRestore,
} from "../dump.js";
import { registerType } from "../values.js";
import type { CommandEntry } from "./types.js";
import { block, blockTimeout, canBlock } from "../blocking.js";

export const commands: CommandEntry[] = [
  {
    name: "lpush",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: lpush,
  },
  {
    name: "rpush",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: rpush,
  },
  {
    name: "lpushx",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: lpushx,
  },
  {
    name: "rpushx",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: rpushx,
  },
  {
    name: "lpop",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "DELETE"] }],
    run: lpop,
  },
  {
    name: "rpop",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "DELETE"] }],
    run: rpop,
  },
  {
    name: "llen",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RO"] }],
    run: llen,
  },
  {
    name: "lrange",
    arity: 4,
    flags: ["readonly"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: lrange,
  },
  {
    name: "lindex",
    arity: 3,
    flags: ["readonly"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: lindex,
  },
  {
    name: "lset",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "UPDATE"] }],
    run: lset,
  },
  {
    name: "linsert",
    arity: 5,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: linsert,
  },
  {
    name: "lrem",
    arity: 4,
    flags: ["write"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: lrem,
  },
  {
    name: "ltrim",
    arity: 4,
    flags: ["write"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RW", "DELETE"] }],
    run: ltrim,
  },
  {
    name: "lpos",
    arity: -3,
    flags: ["readonly"],
    acl: ["list"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: lpos,
  },
  {
    name: "lmove",
    arity: 5,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, flags: ["RW", "INSERT"] },
    ],
    run: lmove,
  },
  {
    name: "rpoplpush",
    arity: 3,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, flags: ["RW", "INSERT"] },
    ],
    run: rpoplpush,
  },
  {
    name: "lmpop",
    arity: -4,
    flags: ["write"],
    acl: ["list"],
    keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RW", "ACCESS", "DELETE"] }],
    run: lmpop,
  },
  {
    name: "blpop",
    arity: -3,
    flags: ["write", "blocking"],
    acl: ["list"],
    keys: [{ begin: 1, range: [-2, 1, 0], flags: ["RW", "ACCESS", "DELETE"] }],
    run: (c, a) => bpop(c, a, "left"),
  },
  {
    name: "brpop",
    arity: -3,
    flags: ["write", "blocking"],
    acl: ["list"],
    keys: [{ begin: 1, range: [-2, 1, 0], flags: ["RW", "ACCESS", "DELETE"] }],
    run: (c, a) => bpop(c, a, "right"),
  },
  {
    name: "blmove",
    arity: 6,
    flags: ["write", "denyoom", "blocking"],
    acl: ["list"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, flags: ["RW", "INSERT"] },
    ],
    run: blmove,
  },
  {
    name: "brpoplpush",
    arity: 4,
    flags: ["write", "denyoom", "blocking"],
    acl: ["list"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, flags: ["RW", "INSERT"] },
    ],
    run: brpoplpush,
  },
  {
    name: "blmpop",
    arity: -5,
    flags: ["write", "blocking"],
    acl: ["list"],
    keys: [{ begin: 2, keynum: [0, 1, 1], flags: ["RW", "ACCESS", "DELETE"] }],
    run: blmpop,
  },
];

// ---------------------------------------------------------------------------------------------------------
// The value

/** Listpack header (6 bytes) plus its end marker. */
const LP_EMPTY_BYTES = 7;

/** One quicklist node as Valkey would hold it: entry count, listpack bytes (or the element's for a plain node). */
export interface QlNode {
  count: number;
  bytes: number;
  plain: boolean;
}

/**
 * While a listpack, the elements live packed in ONE latin1 string `lp` (no per-element objects, as Valkey's
 * listpack): each entry is a varint length, the bytes, and the length's varint reversed (so both ends and a
 * remembered position can be walked from). A 10-element list drops from ~500 to ~200 bytes. Reads walk from
 * the nearest of the two ends and the last position found (so get(i) in a loop is linear); writes rebuild
 * the string, O(n) within one listpack node's size (8 kB by default), as Valkey's listpack does. Once a
 * quicklist, `lp` is null and `q` holds the elements in packed chunks of the same entry format
 * (structures/deque.ts: O(1) ends, O(log chunks + chunk) index).
 */
export class ListValue {
  length = 0;
  /** Bytes the same elements take in a listpack (Valkey's lpBytes). */
  lpBytes = LP_EMPTY_BYTES;
  /**
   * While a quicklist: the nodes Valkey would have, head to tail (their counts add up to the length). Pushes and
   * pops at the ends follow quicklist.c exactly, so a quicklist turns back into a listpack at the same moment as in
   * Valkey (only when a single node is left); edits in the middle keep their node, without modelling splits.
   */
  nodes: QlNode[] | null = null;
  /** The packed elements while a listpack; null once a quicklist. */
  lp: string | null = "";
  /** The elements while a quicklist. */
  q: PackedDeque | null = null;
  /** The last entry found in `lp`: its index (-1: none) and position. */
  private ci = -1;
  private cp = 0;

  /** Reported encoding: quicklist once the list outgrew one listpack node. Setting it packs or unpacks. */
  get quicklist(): boolean {
    return this.lp === null;
  }

  set quicklist(v: boolean) {
    if (v) this.unpack();
    else this.pack();
  }

  get(i: number): string {
    const s = this.lp;
    if (s === null) return this.q!.get(i);
    const p = this.at(s, i);
    const n = readLen(s, p);
    return s.slice(next, next + n);
  }

  set(i: number, v: string): void {
    const s = this.lp;
    if (s === null) return this.q!.set(i, v);
    const p = this.at(s, i);
    const h = lenChars(v.length);
    this.lp = cat5(s.slice(0, p), h, v, backLenChars(h), s.slice(after(s, p)));
  }

  first(): string | undefined {
    return this.length === 0 ? undefined : this.get(0);
  }

  last(): string | undefined {
    return this.length === 0 ? undefined : this.get(this.length - 1);
  }

  pushBack(v: string): void {
    const s = this.lp;
    this.length++;
    if (s === null) return this.q!.pushBack(v);
    const h = lenChars(v.length);
    this.lp = cat4(s, h, v, backLenChars(h));
  }

  pushFront(v: string): void {
    const s = this.lp;
    this.length++;
    if (s === null) return this.q!.pushFront(v);
    const h = lenChars(v.length);
    this.lp = cat4(h, v, backLenChars(h), s);
    this.ci = -1;
  }

  popBack(): string | undefined {
    if (this.length === 0) return undefined;
    const s = this.lp;
    if (s === null) {
      this.length--;
      return this.q!.popBack();
    }
    const n = readLenBack(s, s.length);
    const end = next;
    const v = s.slice(end - n, end);
    this.lp = --this.length === 0 ? "" : s.slice(0, end - n - (s.length - end));
    if (this.ci >= this.length) this.ci = -1;
    return v;
  }

  popFront(): string | undefined {
    if (this.length === 0) return undefined;
    const s = this.lp;
    if (s === null) {
      this.length--;
      return this.q!.popFront();
    }
    const n = readLen(s, 0);
    const v = s.slice(next, next + n);
    this.lp = --this.length === 0 ? "" : s.slice(next + n + next);
    this.ci = -1;
    return v;
  }

  /** Insert so that the new element ends up at index i (0 <= i <= length). */
  insert(i: number, v: string): void {
    const s = this.lp;
    if (s === null) {
      this.q!.insert(i, v);
      this.length++;
      return;
    }
    const p = i >= this.length ? s.length : this.at(s, i);
    const h = lenChars(v.length);
    this.lp = cat5(s.slice(0, p), h, v, backLenChars(h), s.slice(p));
    this.length++;
    this.ci = -1;
  }

  /** Remove `count` elements starting at index `start` (clamped to the list). */
  removeRange(start: number, count: number): void {
    if (start < 0) start = 0;
    if (count > this.length - start) count = this.length - start;
    if (count <= 0) return;
    const s = this.lp;
    if (s === null) {
      this.q!.removeRange(start, count);
      this.length -= count;
      return;
    }
    const p0 = this.at(s, start);
    const p1 = start + count === this.length ? s.length : this.at(s, start + count);
    this.length -= count;
    this.lp = this.length === 0 ? "" : cat2(s.slice(0, p0), s.slice(p1));
    this.ci = -1;
  }

  clear(): void {
    this.length = 0;
    if (this.lp === null) return this.q!.clear();
    this.lp = "";
    this.ci = -1;
  }

  /** Elements [start, end) as an array. */
  slice(start = 0, end = this.length): string[] {
    if (this.lp === null) return this.q!.slice(start, end);
    const out: string[] = new Array(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = this.get(i);
    return out;
  }

  toArray(): string[] {
    return this.slice();
  }

  /** Elements [start, end) into `out` (LRANGE), written from the packed string without slicing them out. */
  writeRange(start: number, end: number, out: BulkSink): void {
    const s = this.lp;
    if (s === null) return this.q!.writeRange(start, end, out);
    if (start >= end) return;
    // The entry walk inline rather than eachEntry(): a callback per element cost LRANGE_100 ~11 % (in process).
    let p = this.at(s, start);
    for (let i = start; i < end; i++) {
      const n = readLen(s, p);
      const v = next;
      out.bulkOf(s, v, v + n);
      p = v + n + (v - p);
    }
  }

  /** Position of entry i (0 <= i < length) in s, walking from the nearest known position. */
  private at(s: string, i: number): number {
    const p = seek(s, this.length, i, this.ci, this.cp);
    this.ci = i;
    this.cp = p;
    return p;
  }

  private pack(): void {
    if (this.lp !== null) return;
    this.lp = this.q!.packAll();
    this.q = null;
    this.ci = -1;
  }

  private unpack(): void {
    const s = this.lp;
    if (s === null) return;
    this.q = PackedDeque.fromPacked(s, this.length);
    this.lp = null;
    this.ci = -1;
  }
}

export type End = "left" | "right";

/** OBJECT ENCODING for a list. */
export function encodingOf(v: ListValue, _params?: Map<string, string>): string {
  return v.quicklist ? "quicklist" : "listpack";
}

/** Deep copy for COPY. */
export function copyList(v: ListValue): ListValue {
  const c = new ListValue();
  if (v.lp !== null) {
    c.lp = v.lp;
    c.length = v.length;
  } else {
    c.quicklist = true;
    for (const e of v.toArray()) c.pushBack(e);
  }
  c.lpBytes = v.lpBytes;
  c.nodes = v.nodes === null ? null : v.nodes.map((n) => ({ ...n }));
  return c;
}

/** Bytes one element takes in a listpack (an integer when it is a canonical int64). */
export function lpEntrySize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const v = smallInt(s);
    if (v !== null) return lpIntEntryBytes(v);
  }
  return lpStrEntryBytes(n);
}

/** string2ll on a latin1 string: the value when it is a canonical int64 (a double is enough to classify it). */
function smallInt(s: string): number | null {
  const n = s.length;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : null;
  for (let k = i; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return null;
  }
  if (n - i >= 19) {
    const b = BigInt(s);
    if (b > LONG_MAX || b < -LONG_MAX - 1n) return null;
  }
  return Number(s);
}

const SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;

/** quicklistNodeLimit: [size limit, count limit] for list-max-listpack-size. */
function nodeLimit(fill: number): [number, number] {
  if (fill >= 0) return [Infinity, fill === 0 ? 1 : fill];
  return [SIZE_LEVELS[Math.min(-fill - 1, SIZE_LEVELS.length - 1)]!, Infinity];
}

/** _quicklistNodeExceedsLimit (per push: no allocation) */
function exceedsNode(fill: number, bytes: number, count: number): boolean {
  if (fill < 0) return bytes > SIZE_LEVELS[Math.min(-fill - 1, SIZE_LEVELS.length - 1)]!;
  if (bytes > SIZE_SAFETY_LIMIT) return true;
  return count > (fill === 0 ? 1 : fill);
}

let fillText = "";
let fillValue = 0;

/** list-max-listpack-size, parsed again only when its config text changes (every push reads it). */
function fillOf(c: Client): number {
  const t = c.server.param("list-max-listpack-size");
  if (t !== fillText) {
    fillValue = Number(t);
    fillText = t;
  }
  return fillValue;
}

/** Growing: a listpack list becomes a quicklist when the elements about to be added would overflow one node. */
function convertForGrowth(c: Client, l: ListValue, adding: readonly string[]): void {
  if (l.quicklist) return;
  let add = 0;
  for (let i = 0; i < adding.length; i++) add += adding[i]!.length;
  if (exceedsNode(fillOf(c), l.lpBytes + add, l.length + adding.length)) {
    // listTypeTryConvertListpack: the listpack so far becomes the quicklist's first node.
    l.quicklist = true;
    l.nodes = l.length > 0 ? [{ count: l.length, bytes: l.lpBytes, plain: false }] : [];
  }
}

/**
 * Shrinking: a quicklist becomes a listpack again below half the node limits (Valkey also needs the quicklist
 * to be a single node; a total under half a node stands in for that).
 */
function convertForShrink(c: Client, l: ListValue): void {
  if (!l.quicklist) return;
  // listTypeTryConvertQuicklist: only a quicklist of one packed node converts.
  const nodes = l.nodes;
  if (nodes !== null && (nodes.length !== 1 || nodes[0]!.plain)) return;
  let [sz, cnt] = nodeLimit(fillOf(c));
  sz = sz / 2;
  cnt = cnt === Infinity ? Infinity : Math.floor(cnt / 2);
  if (l.lpBytes <= sz && l.length <= cnt) {
    l.quicklist = false;
    l.nodes = null;
  }
}

/** _quicklistNodeAllowInsert */
function nodeAllowsInsert(n: QlNode | undefined, fill: number, sz: number): boolean {
  if (n === undefined || n.plain || isLargeElement(sz, fill)) return false;
  return !exceedsNode(fill, n.bytes + sz + SIZE_ESTIMATE_OVERHEAD, n.count + 1);
}

/** quicklistPush at one end: into the end node when it allows, else into a new node (plain when too large). */
function nodePush(nodes: QlNode[], v: string, where: End, fill: number): void {
  const at = where === "left" ? 0 : nodes.length - 1;
  const n = nodes[at];
  if (nodeAllowsInsert(n, fill, v.length)) {
    n!.count++;
    n!.bytes += lpEntrySize(v);
    return;
  }
  const fresh = isLargeElement(v.length, fill)
    ? { count: 1, bytes: v.length, plain: true }
    : { count: 1, bytes: LP_EMPTY_BYTES + lpEntrySize(v), plain: false };
  if (where === "left") nodes.unshift(fresh);
  else nodes.push(fresh);
}

/** The node holding index i and the index of its first element. */
function nodeAt(nodes: QlNode[], i: number): [number, number] {
  let first = 0;
  for (let k = 0; k < nodes.length; k++) {
    if (i < first + nodes[k]!.count) return [k, first];
    first += nodes[k]!.count;
  }
  return [nodes.length - 1, first - (nodes[nodes.length - 1]?.count ?? 0)];
}

/** Entry i (still in the list) leaves its node; an emptied node goes. */
function nodeRemoveAt(l: ListValue, i: number): void {
  const nodes = l.nodes!;
  // the ends (every pop) without walking the nodes
  const k = i === 0 ? 0 : i === l.length - 1 ? nodes.length - 1 : nodeAt(nodes, i)[0];
  const n = nodes[k]!;
  n.count--;
  n.bytes -= n.plain ? n.bytes : lpEntrySize(l.get(i));
  if (n.count === 0) nodes.splice(k, 1);
}

function pushOne(l: ListValue, v: string, where: End, fill: number): void {
  if (where === "left") l.pushFront(v);
  else l.pushBack(v);
  l.lpBytes += lpEntrySize(v);
  if (l.nodes !== null) nodePush(l.nodes, v, where, fill);
}

function popOne(l: ListValue, where: End): string {
  if (l.nodes !== null) nodeRemoveAt(l, where === "left" ? 0 : l.length - 1);
  const v = (where === "left" ? l.popFront() : l.popBack())!;
  l.lpBytes -= lpEntrySize(v);
  return v;
}

function replaceAt(l: ListValue, i: number, v: string): void {
  const delta = lpEntrySize(v) - lpEntrySize(l.get(i));
  l.lpBytes += delta;
  if (l.nodes !== null) {
    const n = l.nodes[nodeAt(l.nodes, i)[0]]!;
    n.bytes = n.plain ? v.length : n.bytes + delta;
  }
  l.set(i, v);
}

/** Insert v at index i (LINSERT): into the node there when it allows, else a node of its own beside it. */
function insertAt(l: ListValue, i: number, v: string, fill: number): void {
  if (l.nodes !== null && l.nodes.length > 0) {
    const nodes = l.nodes;
    const [k] = nodeAt(nodes, Math.min(i, l.length - 1));
    const n = nodes[k]!;
    if (nodeAllowsInsert(n, fill, v.length)) {
      n.count++;
      n.bytes += lpEntrySize(v);
    } else {
      const fresh = isLargeElement(v.length, fill)
        ? { count: 1, bytes: v.length, plain: true }
        : { count: 1, bytes: LP_EMPTY_BYTES + lpEntrySize(v), plain: false };
      nodes.splice(i >= l.length ? k + 1 : k, 0, fresh);
    }
  }
  l.insert(i, v);
  l.lpBytes += lpEntrySize(v);
}

function removeRange(l: ListValue, start: number, count: number): void {
  if (count <= 0) return;
  if (count === l.length) {
    l.clear();
    l.lpBytes = LP_EMPTY_BYTES;
    if (l.nodes !== null) l.nodes = [];
    return;
  }
  for (let i = start + count - 1; i >= start; i--) {
    if (l.nodes !== null) nodeRemoveAt(l, i);
    l.lpBytes -= lpEntrySize(l.get(i));
  }
  l.removeRange(start, count);
}

/** A new list holding `items` in order, encoded as Valkey encodes a list built by pushing them (SORT STORE). */
export function listFrom(c: Client, items: readonly string[]): ListValue {
  const l = new ListValue();
  convertForGrowth(c, l, items);
  const fill = fillOf(c);
  for (let i = 0; i < items.length; i++) pushOne(l, items[i]!, "right", fill);
  return l;
}

/** The list at `key` for writing: undefined when missing, WRONGTYPE for another type. */
export function listForWrite(c: Client, key: string): ListValue | undefined {
  return c.db.writeAs(key, "list");
}

/**
 * Push elements at one end of the list at `key`, creating it when `list` is undefined. Signals the change
 * with the lpush/rpush event. Returns the list.
 */
export function pushTo(c: Client, key: string, list: ListValue | undefined, where: End, items: readonly string[]): ListValue {
  let l = list;
  if (l === undefined) {
    l = new ListValue();
    c.db.set(key, "list", l);
  }
  convertForGrowth(c, l, items);
  const fill = fillOf(c);
  for (let i = 0; i < items.length; i++) pushOne(l, items[i]!, where, fill);
  c.db.changed(key, where === "left" ? "lpush" : "rpush", N.LIST);
  if (items.length > 1) c.server.store.dirty += items.length - 1;
  return l;
}

/**
 * Pop up to `count` (>= 1) elements from one end of the list at `key`: null when the key is missing, WRONGTYPE
 * for another type. Emits lpop/rpop, deletes the emptied key (then "del"), signals the change.
 */
export function popFrom(c: Client, key: string, where: End, count: number): string[] | null {
  const l = listForWrite(c, key);
  if (l === undefined) return null;
  return popFromList(c, key, l, where, count);
}

function popFromList(c: Client, key: string, l: ListValue, where: End, count: number): string[] {
  const n = Math.min(count, l.length);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = popOne(l, where);
  elementsRemoved(c, key, l, where === "left" ? "lpop" : "rpop", n);
  return out;
}

/** After removing n > 0 elements: event, deletion of an emptied key, shrink conversion, signal. */
function elementsRemoved(c: Client, key: string, l: ListValue, event: string, n: number): void {
  if (l.length === 0) {
    c.db.delete(key);
    c.db.changed(key, event, N.LIST);
    c.db.notify("del", key, N.GENERIC);
  } else {
    convertForShrink(c, l);
    c.db.changed(key, event, N.LIST);
  }
  if (n > 1) c.server.store.dirty += n - 1;
}

function items(argv: Buffer[], from: number): string[] {
  const out: string[] = new Array(argv.length - from);
  for (let i = from; i < argv.length; i++) out[i - from] = str(argv[i]!);
  return out;
}

function whereArg(b: Buffer): End {
  const t = token(b);
  if (t === "left") return "left";
  if (t === "right") return "right";
  throw E.syntax;
}

/** Resolve [start, stop] like Valkey (negative from the end); null when the range is empty. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

// ---------------------------------------------------------------------------------------------------------
// Commands

// LPUSH key element [element ...]
function lpush(c: Client, argv: Buffer[]): void {
  pushGeneric(c, argv, "left", false);
}

// RPUSH key element [element ...]
function rpush(c: Client, argv: Buffer[]): void {
  pushGeneric(c, argv, "right", false);
}

// LPUSHX key element [element ...]
function lpushx(c: Client, argv: Buffer[]): void {
  pushGeneric(c, argv, "left", true);
}

// RPUSHX key element [element ...]
function rpushx(c: Client, argv: Buffer[]): void {
  pushGeneric(c, argv, "right", true);
}

function pushGeneric(c: Client, argv: Buffer[], where: End, xx: boolean): void {
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined && xx) return c.w.integer(0);
  c.w.integer(pushTo(c, key, l, where, items(argv, 2)).length);
}

// LPOP key [count]
function lpop(c: Client, argv: Buffer[]): void {
  popGeneric(c, argv, "left");
}

// RPOP key [count]
function rpop(c: Client, argv: Buffer[]): void {
  popGeneric(c, argv, "right");
}

function popGeneric(c: Client, argv: Buffer[], where: End): void {
  if (argv.length > 3) throw wrongArity(where === "left" ? "lpop" : "rpop");
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveInt(argv[2]!) : 1;
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined) return hasCount ? c.w.nullArray() : c.w.null();
  if (hasCount && count === 0) return c.w.array(0);
  const out = popFromList(c, key, l, where, count);
  if (hasCount) c.w.bulks(out);
  else c.w.bulk(out[0]!);
}

// LLEN key
function llen(c: Client, argv: Buffer[]): void {
  const l: ListValue | undefined = c.db.readAs(str(argv[1]!), "list");
  c.w.integer(l === undefined ? 0 : l.length);
}

// LRANGE key start stop
function lrange(c: Client, argv: Buffer[]): void {
  const start = int(argv[2]!);
  const stop = int(argv[3]!);
  const l: ListValue | undefined = c.db.readAs(str(argv[1]!), "list");
  if (l === undefined) return c.w.array(0);
  const r = clampRange(start, stop, l.length);
  if (r === null) return c.w.array(0);
  c.w.array(r[1] - r[0] + 1);
  l.writeRange(r[0], r[1] + 1, c.w);
}

// LINDEX key index
function lindex(c: Client, argv: Buffer[]): void {
  const l: ListValue | undefined = c.db.readAs(str(argv[1]!), "list");
  if (l === undefined) return c.w.null();
  let i = int(argv[2]!);
  if (i < 0) i += l.length;
  if (i < 0 || i >= l.length) return c.w.null();
  c.w.bulk(l.get(i));
}

// LSET key index element
function lset(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined) throw E.noSuchKey;
  let i = int(argv[2]!);
  const v = str(argv[3]!);
  convertForGrowth(c, l, [v]);
  if (i < 0) i += l.length;
  if (i < 0 || i >= l.length) throw errorText("ERR index out of range");
  replaceAt(l, i, v);
  convertForShrink(c, l);
  c.db.changed(key, "lset", N.LIST);
  c.w.ok();
}

// LINSERT key <BEFORE | AFTER> pivot element
function linsert(c: Client, argv: Buffer[]): void {
  const t = token(argv[2]!);
  if (t !== "before" && t !== "after") throw E.syntax;
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined) return c.w.integer(0);
  const pivot = str(argv[3]!);
  const v = str(argv[4]!);
  convertForGrowth(c, l, [v]);
  for (let i = 0; i < l.length; i++) {
    if (l.get(i) === pivot) {
      insertAt(l, t === "after" ? i + 1 : i, v, fillOf(c));
      c.db.changed(key, "linsert", N.LIST);
      return c.w.integer(l.length);
    }
  }
  c.w.integer(-1);
}

// LREM key count element
function lrem(c: Client, argv: Buffer[]): void {
  let toRemove = rangeInt(argv[2]!, -LONG_MAX, LONG_MAX);
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined) return c.w.integer(0);
  const v = str(argv[3]!);
  const fromTail = toRemove < 0;
  if (fromTail) toRemove = -toRemove;
  // compact in one pass, keeping the survivors' order
  const n = l.length;
  const keep: string[] = [];
  const gone: number[] = [];
  let removed = 0;
  if (!fromTail) {
    for (let i = 0; i < n; i++) {
      const e = l.get(i);
      if (e === v && (toRemove === 0 || removed < toRemove)) removed++, gone.push(i);
      else keep.push(e);
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const e = l.get(i);
      if (e === v && (toRemove === 0 || removed < toRemove)) removed++, gone.push(i);
      else keep.push(e);
    }
    keep.reverse();
  }
  if (removed > 0) {
    if (l.nodes !== null) {
      gone.sort((a, b) => b - a);
      for (const i of gone) nodeRemoveAt(l, i);
    }
    const bytes = l.lpBytes - removed * lpEntrySize(v);
    l.clear();
    for (const e of keep) l.pushBack(e);
    l.lpBytes = bytes;
    elementsRemoved(c, key, l, "lrem", removed);
  }
  c.w.integer(removed);
}

// LTRIM key start stop
function ltrim(c: Client, argv: Buffer[]): void {
  const start = int(argv[2]!);
  const stop = int(argv[3]!);
  const key = str(argv[1]!);
  const l = listForWrite(c, key);
  if (l === undefined) return c.w.ok();
  const len = l.length;
  const r = clampRange(start, stop, len);
  const ltrimN = r === null ? len : r[0];
  const rtrimN = r === null ? 0 : len - r[1] - 1;
  removeRange(l, 0, ltrimN);
  removeRange(l, l.length - rtrimN, rtrimN);
  const total = ltrimN + rtrimN;
  if (total === 0) {
    c.db.notify("ltrim", key, N.LIST);
  } else {
    elementsRemoved(c, key, l, "ltrim", total);
  }
  c.w.ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
function lpos(c: Client, argv: Buffer[]): void {
  const ele = str(argv[2]!);
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = token(argv[j]!);
    const more = argv.length - 1 - j;
    if (opt === "rank" && more) {
      rank = rangeInt(argv[++j]!, -LONG_MAX, LONG_MAX);
      if (rank === 0)
        throw errorText(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
    } else if (opt === "count" && more) {
      count = positiveInt(argv[++j]!, "ERR COUNT can't be negative");
    } else if (opt === "maxlen" && more) {
      maxlen = positiveInt(argv[++j]!, "ERR MAXLEN can't be negative");
    } else throw E.syntax;
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const l: ListValue | undefined = c.db.readAs(str(argv[1]!), "list");
  if (l === undefined) return count !== -1 ? c.w.array(0) : c.w.null();
  const len = l.length;
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < len && (maxlen === 0 || k < maxlen); k++) {
    const idx = fromTail ? len - 1 - k : k;
    if (l.get(idx) !== ele) continue;
    matches++;
    if (matches < rank) continue;
    found.push(idx);
    if (count === -1) break;
    if (count !== 0 && matches - rank + 1 >= count) break;
  }
  if (count !== -1) {
    c.w.array(found.length);
    for (const i of found) c.w.integer(i);
  } else if (found.length > 0) c.w.integer(found[0]!);
  else c.w.null();
}

// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
function lmove(c: Client, argv: Buffer[]): void {
  const from = whereArg(argv[3]!);
  const to = whereArg(argv[4]!);
  moveGeneric(c, str(argv[1]!), str(argv[2]!), from, to);
}

// RPOPLPUSH source destination
function rpoplpush(c: Client, argv: Buffer[]): void {
  moveGeneric(c, str(argv[1]!), str(argv[2]!), "right", "left");
}

/** LMOVE semantics: pop one from src, push it on dst; replies with the element or null. */
export function moveGeneric(c: Client, src: string, dst: string, from: End, to: End): void {
  const s = listForWrite(c, src);
  if (s === undefined) return c.w.null();
  const d = listForWrite(c, dst);
  const v = popOne(s, from);
  // Valkey pushes first (lpush/rpush on dst), then reports the pop on src
  pushTo(c, dst, src === dst ? s : d, to, [v]);
  elementsRemoved(c, src, s, from === "left" ? "lpop" : "rpop", 1);
  // Both keys were signalled, but a move is one change for rdb_changes_since_last_save (Valkey: server.dirty++).
  c.server.store.dirty--;
  c.w.bulk(v);
}

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
function lmpop(c: Client, argv: Buffer[]): void {
  if (!serveMpop(c, parseMpop(argv, 1))) c.w.nullArray();
}

interface MpopRequest {
  keys: string[];
  where: End;
  count: number;
}

/** LMPOP / BLMPOP arguments from argv[at] = numkeys. */
function parseMpop(argv: Buffer[], at: number): MpopRequest {
  const numkeys = rangeInt(argv[at]!, 1n, LONG_MAX, "ERR numkeys should be greater than 0");
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) throw E.syntax;
  const where = whereArg(argv[whereIdx]!);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && token(argv[j]!) === "count" && more) {
      count = rangeInt(argv[++j]!, 1n, LONG_MAX, "ERR count should be greater than 0");
    } else throw E.syntax;
  }
  const keys: string[] = [];
  for (let k = at + 1; k < whereIdx; k++) keys.push(str(argv[k]!));
  return { keys, where, count: count === -1 ? 1 : count };
}

/** Pop from the first non-empty list and reply [key, elements]; false (nothing written) if all are empty. */
function serveMpop(c: Client, req: MpopRequest): boolean {
  for (const key of req.keys) {
    const l = listForWrite(c, key);
    if (l === undefined || l.length === 0) continue;
    const out = popFromList(c, key, l, req.where, req.count);
    c.w.array(2);
    c.w.bulk(key);
    c.w.bulks(out);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Blocking variants: served at once when data is there, else parked on the keys (src/blocking.ts) and run
// again when a write makes one ready. Inside MULTI/EXEC or a script they answer like the non-blocking form.

// BLPOP key [key ...] timeout  /  BRPOP key [key ...] timeout
function bpop(c: Client, argv: Buffer[], where: End): void {
  const timeout = blockTimeout(argv[argv.length - 1]!);
  const keys: string[] = [];
  for (let k = 1; k < argv.length - 1; k++) {
    const key = str(argv[k]!);
    const l = listForWrite(c, key);
    if (l !== undefined && l.length > 0) {
      const [v] = popFromList(c, key, l, where, 1);
      c.w.array(2);
      c.w.bulk(key);
      c.w.bulk(v!);
      return;
    }
    keys.push(key);
  }
  if (canBlock(c)) block(c, argv, keys, timeout, { type: "list", timeoutReply: "nullArray" });
  else c.w.nullArray();
}

// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
function blmove(c: Client, argv: Buffer[]): void {
  const from = whereArg(argv[3]!);
  const to = whereArg(argv[4]!);
  bmove(c, argv, str(argv[1]!), str(argv[2]!), from, to, argv[5]!);
}

// BRPOPLPUSH source destination timeout
function brpoplpush(c: Client, argv: Buffer[]): void {
  bmove(c, argv, str(argv[1]!), str(argv[2]!), "right", "left", argv[3]!);
}

function bmove(c: Client, argv: Buffer[], src: string, dst: string, from: End, to: End, timeoutArg: Buffer): void {
  const timeout = blockTimeout(timeoutArg);
  const l = listForWrite(c, src);
  if (l !== undefined && l.length > 0) return moveGeneric(c, src, dst, from, to);
  if (canBlock(c)) block(c, argv, [src], timeout, { type: "list", timeoutReply: "nullArray" });
  else c.w.null();
}

// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
function blmpop(c: Client, argv: Buffer[]): void {
  const timeout = blockTimeout(argv[1]!);
  const req = parseMpop(argv, 2);
  if (serveMpop(c, req)) return;
  if (canBlock(c)) block(c, argv, req.keys, timeout, { type: "list", timeoutReply: "nullArray" });
  else c.w.nullArray();
}

// ---------------------------------------------------------------------------------------------------------
// COPY, OBJECT ENCODING, DUMP / RESTORE

registerType("list", { clone: copyList, encoding: (e) => encodingOf(e.value) });

const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;
/** quicklist.c SIZE_ESTIMATE_OVERHEAD */
const SIZE_ESTIMATE_OVERHEAD = 8;

/** isLargeElement: an element stored alone in a plain node. */
function isLargeElement(sz: number, fill: number): boolean {
  return fill >= 0 ? sz > SIZE_SAFETY_LIMIT : sz > SIZE_LEVELS[Math.min(-fill - 1, SIZE_LEVELS.length - 1)]!;
}

/**
 * The quicklist nodes Valkey holds for these elements when they were pushed in order: a listpack list grows
 * until one more element would overflow a node, then becomes a quicklist whose first node is that listpack;
 * later elements fill tail nodes (_quicklistNodeAllowInsert), elements too large for a node get a plain node.
 */
function quicklistNodes(l: ListValue, fill: number): Array<{ plain: boolean; items: string[] }> {
  if (!l.quicklist) return [{ plain: false, items: l.toArray() }];
  if (l.nodes !== null) {
    const out: Array<{ plain: boolean; items: string[] }> = [];
    let i = 0;
    for (const n of l.nodes) {
      const items: string[] = [];
      for (let k = 0; k < n.count; k++) items.push(l.get(i++));
      out.push({ plain: n.plain, items });
    }
    return out;
  }
  const nodes: Array<{ plain: boolean; items: string[]; bytes: number }> = [];
  let i = 0;
  let bytes = LP_EMPTY_BYTES;
  const first: string[] = [];
  for (; i < l.length; i++) {
    const v = l.get(i);
    if (exceedsNode(fill, bytes + v.length, first.length + 1)) break;
    first.push(v);
    bytes += lpEntrySize(v);
  }
  if (first.length > 0) nodes.push({ plain: false, items: first, bytes });
  for (; i < l.length; i++) {
    const v = l.get(i);
    if (isLargeElement(v.length, fill)) {
      nodes.push({ plain: true, items: [v], bytes: v.length });
      continue;
    }
    const tail = nodes[nodes.length - 1];
    if (tail !== undefined && !tail.plain && !exceedsNode(fill, tail.bytes + v.length + SIZE_ESTIMATE_OVERHEAD, tail.items.length + 1)) {
      tail.items.push(v);
      tail.bytes += lpEntrySize(v);
    } else nodes.push({ plain: false, items: [v], bytes: LP_EMPTY_BYTES + lpEntrySize(v) });
  }
  return nodes;
}

function nodeOf(plain: boolean, items: string[]): QlNode {
  let bytes = plain ? items[0]!.length : LP_EMPTY_BYTES;
  if (!plain) for (const v of items) bytes += lpEntrySize(v);
  return { count: items.length, bytes, plain };
}

registerDump("list", (l: ListValue, w, _e, cfg) => {
  w.byte(RDB_TYPE.LIST_QUICKLIST_2);
  const nodes = quicklistNodes(l, cfg("list-max-listpack-size"));
  w.len(nodes.length);
  for (const n of nodes) {
    w.len(n.plain ? QUICKLIST_NODE_CONTAINER_PLAIN : QUICKLIST_NODE_CONTAINER_PACKED);
    w.string(n.plain ? Buffer.from(n.items[0]!, "latin1") : listpackEncode(n.items));
  }
});

registerRestore([RDB_TYPE.LIST, RDB_TYPE.LIST_QUICKLIST_2], (t, r, cfg) => {
  const l = new ListValue();
  l.quicklist = true;
  const fill = cfg("list-max-listpack-size");
  let packedNodes = 0;
  let plainNodes = 0;
  let nodeBytes = 0;
  const push = (b: Buffer) => {
    const v = b.toString("latin1");
    l.pushBack(v);
    l.lpBytes += lpEntrySize(v);
  };
  const nodes: QlNode[] = [];
  const n = r.len();
  for (let i = 0; i < n; i++) {
    if (t === RDB_TYPE.LIST) {
      push(r.string());
      continue;
    }
    const container = r.len();
    if (container !== QUICKLIST_NODE_CONTAINER_PLAIN && container !== QUICKLIST_NODE_CONTAINER_PACKED) throw new RdbFormatError("bad quicklist container");
    const blob = r.string();
    if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
      plainNodes++;
      push(blob);
      nodes.push({ count: 1, bytes: blob.length, plain: true });
      continue;
    }
    const items = listpackDecode(blob);
    // empty listpacks are skipped, as Valkey does
    if (items.length === 0) continue;
    packedNodes++;
    nodeBytes = blob.length;
    for (const it of items) push(it);
    nodes.push({ count: items.length, bytes: blob.length, plain: false });
  }
  if (l.length === 0) throw new RdbFormatError("empty list");
  if (t === RDB_TYPE.LIST) {
    // createQuicklistObject + pushes, then listTypeTryConversion
    l.quicklist = exceedsNode(fill, l.lpBytes, l.length);
    if (l.quicklist) l.nodes = quicklistNodes(l, fill).map((q) => nodeOf(q.plain, q.items));
  } else {
    // listTypeTryConversionRaw(LIST_CONV_AUTO): one packed node within the node limits becomes a listpack
    const [sz, cnt] = nodeLimit(fill);
    l.quicklist = !(packedNodes === 1 && plainNodes === 0 && nodeBytes <= sz && l.length <= cnt);
    if (l.quicklist) l.nodes = nodes;
  }
  return { type: "list", value: l };
});
