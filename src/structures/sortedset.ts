// The sorted set, in one of Valkey's two encodings:
// - listpack (small sets): ONE latin1 string `lp` of entries in sorted order (member length varint, member,
//   the score's 8 bytes as 8 chars), no per-element objects and no Map (a 10-member set drops from ~750 to ~300
//   bytes); lookups by member and writes are linear scans and rebuilds, O(n) in at most zset-max-listpack-entries,
//   as in Valkey's listpack. Ordered reads decode what they visit.
// - skiplist: a Map member -> score for O(1) lookups plus an order-statistic B+tree over (score, member) for
//   O(log n) insert, delete and rank and O(log n + m) ranges. It plays the part of Valkey's skiplist with spans,
//   but leaves keep members and scores in plain arrays, which costs far less memory per element in a JS heap
//   than one object per node (see scripts/bench-scale.mjs).
//
// Order is Valkey's: by score, then by member bytes (members are latin1 strings, so JS string comparison is
// memcmp order). Inner nodes keep, for each child but the first, a lower bound of the child's keys (its first
// key when it was split off); bounds may go stale after deletions, which keeps them valid lower bounds.

import { cat2, cat5, lenChars, next, readLen } from "./packed.js";

const LEAF_MAX = 64;
const LEAF_MIN = 16;
const INNER_MAX = 64;
const INNER_MIN = 16;

class Leaf {
  members: string[] = [];
  scores: number[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner {
  children: Node[] = [];
  /** Element count of each child's subtree. */
  sizes: number[] = [];
  /** Lower bound of child i's keys (index 0 unused). */
  sepS: number[] = [];
  sepM: string[] = [];
}

type Node = Leaf | Inner;

/** The root of every listpack-encoded set (never written: listpack sets live in `lp`). */
const NO_TREE = new Leaf();

/** Sign of (s1, m1) - (s2, m2) in sorted-set order. */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** A predicate over (score, member) that holds for a prefix of the sorted order. */
export type Prefix = (score: number, member: string) => boolean;

/**
 * ZSCANs in progress on one set: member -> insertion number for members added since the oldest of them started.
 * Lets a scan stop where members newer than itself begin (see ZSCAN in commands/zsets.ts).
 */
export class ZScanTags {
  readonly tags = new Map<string, number>();
  /** The last insertion number given. */
  seq = 0;
  /** Scans in progress. */
  active = 0;
}

export class SortedSet {
  /** member -> score in the skiplist encoding; null in the listpack encoding. */
  dict: Map<string, number> | null;
  private root: Node;
  /** The packed entries while a listpack (dict === null), else null; `ln` entries. */
  private lp: string | null;
  private ln = 0;
  /** While ZSCANs are in progress, their bookkeeping (null otherwise: three fields fewer on every zset, ~16 bytes). */
  zscan: ZScanTags | null = null;

  /** A new empty set; listpack-encoded unless `skiplist` (callers that fill a result first and then settle its
   *  encoding keep the default, so a large result is never built by linear scans). */
  constructor(skiplist = true) {
    this.dict = skiplist ? new Map() : null;
    this.root = skiplist ? new Leaf() : NO_TREE;
    this.lp = skiplist ? null : "";
  }

  /** Valkey encoding: skiplist (true) or listpack. Assigning converts (managed by the zset family). */
  get skiplist(): boolean {
    return this.dict !== null;
  }

  set skiplist(v: boolean) {
    if (v === (this.dict !== null)) return;
    if (v) this.toTree();
    else this.toPacked();
  }

  get size(): number {
    return this.dict !== null ? this.dict.size : this.ln;
  }

  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    const s = this.lp!;
    return lpFind(s, member) < 0 ? undefined : scoreAt(s, fEnd - 8);
  }

  has(member: string): boolean {
    if (this.dict !== null) return this.dict.has(member);
    return lpFind(this.lp!, member) >= 0;
  }

  /** Add or move a member. Returns true when it is new. A score equal to the current one (0 and -0 are equal,
   *  as in Valkey) changes nothing. */
  set(member: string, score: number): boolean {
    if (this.dict === null) return this.packedSet(member, score);
    const old = this.dict.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.treeRemove(old, member);
    }
    this.dict.set(member, score);
    if (old === undefined && this.zscan !== null) this.zscan.tags.set(member, ++this.zscan.seq);
    this.treeInsert(score, member);
    return old === undefined;
  }

  delete(member: string): boolean {
    if (this.dict === null) {
      const s = this.lp!;
      const at = lpFind(s, member);
      if (at < 0) return false;
      this.lp = cat2(s.slice(0, at), s.slice(fEnd));
      this.ln--;
      return true;
    }
    const old = this.dict.get(member);
    if (old === undefined) return false;
    this.dict.delete(member);
    if (this.zscan !== null) this.zscan.tags.delete(member);
    this.treeRemove(old, member);
    return true;
  }

  /** 0-based rank by ascending order, or -1. */
  rank(member: string): number {
    if (this.dict === null) return lpFind(this.lp!, member) < 0 ? -1 : fIndex;
    const s = this.dict.get(member);
    if (s === undefined) return -1;
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      const i = SortedSet.childFor(node, s, member);
      const sizes = node.sizes;
      for (let k = 0; k < i; k++) acc += sizes[k]!;
      node = node.children[i]!;
    }
    return acc + SortedSet.leafIndex(node, s, member);
  }

  /** Number of leading elements (in sorted order) for which `pred` holds. */
  countWhile(pred: Prefix): number {
    if (this.dict === null) {
      const s = this.lp!;
      let k = 0;
      for (let p = 0; p < s.length; k++) {
        const n = readLen(s, p);
        const m = next;
        if (!pred(scoreAt(s, m + n), s.slice(m, m + n))) break;
        p = m + n + 8;
      }
      return k;
    }
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      const n = node.children.length;
      // largest i >= 1 with pred(sep_i), else 0
      let lo = 1;
      let hi = n - 1;
      let idx = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (pred(node.sepS[mid]!, node.sepM[mid]!)) {
          idx = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      for (let i = 0; i < idx; i++) acc += node.sizes[i]!;
      node = node.children[idx]!;
    }
    const leaf = node;
    let lo = 0;
    let hi = leaf.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(leaf.scores[mid]!, leaf.members[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return acc + lo;
  }

  /** Member and score at a 0-based rank (caller checks bounds). */
  at(rank: number): [member: string, score: number] {
    if (this.dict === null) {
      const s = this.lp!;
      let p = 0;
      for (let k = 0; k < rank; k++) p = readLen(s, p) + next + 8;
      const n = readLen(s, p);
      return [s.slice(next, next + n), scoreAt(s, next + n)];
    }
    const [leaf, i] = this.locate(rank);
    return [leaf.members[i]!, leaf.scores[i]!];
  }

  /**
   * Visit `count` elements starting at `rank`, ascending (or descending when `reverse`: rank, rank-1, ...).
   * Stops early when the callback returns false.
   */
  range(rank: number, count: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): void {
    if (count <= 0 || rank < 0 || rank >= this.size) return;
    if (this.dict === null) return this.packedRange(rank, count, reverse, fn);
    let [leaf, i] = this.locate(rank);
    let l: Leaf | null = leaf;
    while (l !== null && count > 0) {
      if (reverse) {
        for (; i >= 0 && count > 0; i--, count--) if (fn(l.members[i]!, l.scores[i]!) === false) return;
        l = l.prev;
        if (l !== null) i = l.members.length - 1;
      } else {
        const n = l.members.length;
        for (; i < n && count > 0; i++, count--) if (fn(l.members[i]!, l.scores[i]!) === false) return;
        l = l.next;
        i = 0;
      }
    }
  }

  /** Every element in ascending order. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    if (this.dict === null) {
      const s = this.lp!;
      for (let p = 0; p < s.length; ) {
        const n = readLen(s, p);
        const m = next;
        p = m + n + 8;
        yield [s.slice(m, m + n), scoreAt(s, m + n)];
      }
      return;
    }
    let l: Leaf | null = this.firstLeaf();
    while (l !== null) {
      for (let i = 0; i < l.members.length; i++) yield [l.members[i]!, l.scores[i]!];
      l = l.next;
    }
  }

  /** Remove the elements with ranks [start, end] (inclusive); returns them as [member, score] pairs. */
  removeRange(start: number, end: number): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    if (start < 0) start = 0;
    if (end >= this.size) end = this.size - 1;
    if (start > end) return out;
    if (this.dict === null) {
      const s = this.lp!;
      let p = 0;
      let k = 0;
      for (; k < start; k++) p = readLen(s, p) + next + 8;
      const p0 = p;
      for (; k <= end; k++) {
        const n = readLen(s, p);
        const m = next;
        p = m + n + 8;
        out.push([s.slice(m, m + n), scoreAt(s, m + n)]);
      }
      this.lp = cat2(s.slice(0, p0), s.slice(p));
      this.ln -= out.length;
      return out;
    }
    this.range(start, end - start + 1, false, (m, s) => {
      out.push([m, s]);
    });
    for (const [m] of out) this.delete(m);
    return out;
  }

  clone(): SortedSet {
    const z = new SortedSet(this.dict !== null);
    if (this.dict === null) {
      z.lp = this.lp;
      z.ln = this.ln;
      return z;
    }
    for (const [m, s] of this) {
      z.dict!.set(m, s);
      z.appendMax(s, m);
    }
    return z;
  }

  /** Build from elements already in ascending order with distinct members (bulk load, skiplist encoding). */
  static fromSorted(items: Array<[string, number]>): SortedSet {
    const z = new SortedSet();
    for (const [m, s] of items) {
      z.dict!.set(m, s);
      z.appendMax(s, m);
    }
    return z;
  }

  /** Tree height and node counts, for tests. */
  checkInvariants(): void {
    let count = 0;
    const walk = (node: Node, lo: [number, string] | null, depth: number, depths: Set<number>): number => {
      if (node instanceof Leaf) {
        depths.add(depth);
        for (let i = 0; i < node.members.length; i++) {
          if (i > 0 && compareKeys(node.scores[i - 1]!, node.members[i - 1]!, node.scores[i]!, node.members[i]!) >= 0)
            throw new Error("leaf out of order");
          if (lo && compareKeys(node.scores[i]!, node.members[i]!, lo[0], lo[1]) < 0) throw new Error("key below bound");
          if (this.dict !== null && this.dict.get(node.members[i]!) !== node.scores[i]) throw new Error("dict mismatch");
        }
        count += node.members.length;
        return node.members.length;
      }
      let total = 0;
      if (node.children.length < 1) throw new Error("empty inner");
      for (let i = 0; i < node.children.length; i++) {
        const b: [number, string] | null = i === 0 ? lo : [node.sepS[i]!, node.sepM[i]!];
        const n = walk(node.children[i]!, b, depth + 1, depths);
        if (n !== node.sizes[i]) throw new Error(`size mismatch ${n} vs ${node.sizes[i]}`);
        total += n;
      }
      return total;
    };
    if (this.dict !== null) {
      const depths = new Set<number>();
      walk(this.root, null, 0, depths);
      if (depths.size > 1) throw new Error("unbalanced");
      if (count !== this.size) throw new Error("count mismatch");
    } else {
      if (this.root !== NO_TREE || NO_TREE.members.length !== 0) throw new Error("listpack with a tree");
      count = this.ln;
    }
    // leaf chain covers everything in order
    let prev: [number, string] | null = null;
    let n = 0;
    for (const [m, s] of this) {
      if (prev && compareKeys(prev[0], prev[1], s, m) >= 0) throw new Error("chain out of order");
      prev = [s, m];
      n++;
    }
    if (n !== count) throw new Error("chain count mismatch");
  }

  // ---------------------------------------------------------------------------------------------------
  // listpack encoding

  private packedSet(member: string, score: number): boolean {
    let s = this.lp!;
    const at = lpFind(s, member);
    if (at >= 0) {
      if (scoreAt(s, fEnd - 8) === score) return false;
      s = cat2(s.slice(0, at), s.slice(fEnd));
    }
    // the first entry not below (score, member)
    let p = 0;
    while (p < s.length) {
      const n = readLen(s, p);
      const m = next;
      const sc = scoreAt(s, m + n);
      if (sc > score || (sc === score && s.slice(m, m + n) >= member)) break;
      p = m + n + 8;
    }
    this.lp = cat5(s.slice(0, p), lenChars(member.length), member, scoreChars(score), s.slice(p));
    if (at >= 0) return false;
    this.ln++;
    return true;
  }

  private packedRange(rank: number, count: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): void {
    const s = this.lp!;
    if (!reverse) {
      let p = 0;
      for (let k = 0; k < rank; k++) p = readLen(s, p) + next + 8;
      for (; count > 0 && p < s.length; count--) {
        const n = readLen(s, p);
        const m = next;
        p = m + n + 8;
        if (fn(s.slice(m, m + n), scoreAt(s, m + n)) === false) return;
      }
      return;
    }
    // backwards: the entry starts up to rank first (entries only know their length from the front)
    const starts: number[] = [];
    for (let p = 0, k = 0; k <= rank; k++) {
      starts.push(p);
      p = readLen(s, p) + next + 8;
    }
    for (let k = rank; k >= 0 && count > 0; k--, count--) {
      const n = readLen(s, starts[k]!);
      const m = next;
      if (fn(s.slice(m, m + n), scoreAt(s, m + n)) === false) return;
    }
  }

  /** The listpack's elements as a leaf (decoded; read-only use). */
  private view(): Leaf {
    const s = this.lp!;
    const l = new Leaf();
    const ms: string[] = new Array(this.ln);
    const ss: number[] = new Array(this.ln).fill(0);
    for (let p = 0, k = 0; p < s.length; k++) {
      const n = readLen(s, p);
      const m = next;
      ms[k] = s.slice(m, m + n);
      ss[k] = scoreAt(s, m + n);
      p = m + n + 8;
    }
    l.members = ms;
    l.scores = ss;
    return l;
  }

  /** listpack -> skiplist: bulk-load the tree from the packed entries and build the dict. */
  private toTree(): void {
    const l = this.view();
    const ms = l.members;
    const ss = l.scores;
    const d = new Map<string, number>();
    this.dict = d;
    this.root = new Leaf();
    this.lp = null;
    this.ln = 0;
    for (let i = 0; i < ms.length; i++) {
      d.set(ms[i]!, ss[i]!);
      this.appendMax(ss[i]!, ms[i]!);
    }
  }

  /** skiplist -> listpack: one packed string, no dict, no tree. */
  private toPacked(): void {
    const parts: string[] = [];
    for (const [m, sc] of this) parts.push(lenChars(m.length), m, scoreChars(sc));
    this.ln = this.size;
    this.lp = parts.join("");
    this.root = NO_TREE;
    this.dict = null;
  }

  // ---------------------------------------------------------------------------------------------------
  // tree internals

  private firstLeaf(): Leaf {
    let node = this.root;
    while (node instanceof Inner) node = node.children[0]!;
    return node;
  }

  private locate(rank: number): [Leaf, number] {
    let node = this.root;
    while (node instanceof Inner) {
      let i = 0;
      const sizes = node.sizes;
      while (rank >= sizes[i]!) rank -= sizes[i++]!;
      node = node.children[i]!;
    }
    return [node, rank];
  }

  /** Child index in an inner node for an existing or new key: largest i >= 1 with sep_i <= key, else 0. */
  private static childFor(node: Inner, s: number, m: string): number {
    let lo = 1;
    let hi = node.children.length - 1;
    let idx = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(node.sepS[mid]!, node.sepM[mid]!, s, m) <= 0) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return idx;
  }

  /** Append a key larger than every key in the tree (bulk loading in order). */
  private appendMax(s: number, m: string): void {
    const path: Inner[] = [];
    let node = this.root;
    while (node instanceof Inner) {
      path.push(node);
      node.sizes[node.sizes.length - 1]!++;
      node = node.children[node.children.length - 1]!;
    }
    node.members.push(m);
    node.scores.push(s);
    if (node.members.length > LEAF_MAX) this.splitUp(path, node, path.map((p) => p.children.length - 1));
  }

  /**
   * Walk from the root to the leaf where (s, m) belongs, adding `delta` to the subtree sizes on the way and
   * recording the path (for splits and merges). Returns the leaf; leafIndex finds the position in it.
   */
  private descend(s: number, m: string, delta: 1 | -1, path: Inner[], idxs: number[]): Leaf {
    let node = this.root;
    while (node instanceof Inner) {
      const i = SortedSet.childFor(node, s, m);
      path.push(node);
      idxs.push(i);
      node.sizes[i]! += delta;
      node = node.children[i]!;
    }
    return node;
  }

  /** First position in the leaf whose key is not below (s, m). */
  private static leafIndex(leaf: Leaf, s: number, m: string): number {
    let lo = 0;
    let hi = leaf.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(leaf.scores[mid]!, leaf.members[mid]!, s, m) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private treeInsert(s: number, m: string): void {
    const path: Inner[] = [];
    const idxs: number[] = [];
    const leaf = this.descend(s, m, 1, path, idxs);
    const lo = SortedSet.leafIndex(leaf, s, m);
    if (lo === leaf.members.length) {
      leaf.members.push(m);
      leaf.scores.push(s);
    } else {
      leaf.members.splice(lo, 0, m);
      leaf.scores.splice(lo, 0, s);
    }
    if (leaf.members.length > LEAF_MAX) this.splitUp(path, leaf, idxs);
  }

  /** Split an overfull node and propagate up the path. */
  private splitUp(path: Inner[], node: Node, idxs: number[]): void {
    let level = path.length;
    let cur: Node = node;
    for (;;) {
      let right: Node;
      let sepS: number;
      let sepM: string;
      let leftSize: number;
      let rightSize: number;
      if (cur instanceof Leaf) {
        const half = cur.members.length >> 1;
        const r = new Leaf();
        r.members = cur.members.splice(half);
        r.scores = cur.scores.splice(half);
        r.next = cur.next;
        if (r.next) r.next.prev = r;
        r.prev = cur;
        cur.next = r;
        sepS = r.scores[0]!;
        sepM = r.members[0]!;
        leftSize = cur.members.length;
        rightSize = r.members.length;
        right = r;
      } else {
        const half = cur.children.length >> 1;
        const r = new Inner();
        r.children = cur.children.splice(half);
        r.sizes = cur.sizes.splice(half);
        r.sepS = cur.sepS.splice(half);
        r.sepM = cur.sepM.splice(half);
        sepS = r.sepS[0]!;
        sepM = r.sepM[0]!;
        leftSize = sum(cur.sizes);
        rightSize = sum(r.sizes);
        right = r;
      }
      if (level === 0) {
        const root = new Inner();
        root.children = [cur, right];
        root.sizes = [leftSize, rightSize];
        root.sepS = [0, sepS];
        root.sepM = ["", sepM];
        this.root = root;
        return;
      }
      level--;
      const parent = path[level]!;
      const i = idxs[level]!;
      parent.children.splice(i + 1, 0, right);
      parent.sizes[i] = leftSize;
      parent.sizes.splice(i + 1, 0, rightSize);
      parent.sepS.splice(i + 1, 0, sepS);
      parent.sepM.splice(i + 1, 0, sepM);
      if (parent.children.length <= INNER_MAX) return;
      cur = parent;
    }
  }

  private treeRemove(s: number, m: string): void {
    const path: Inner[] = [];
    const idxs: number[] = [];
    const leaf = this.descend(s, m, -1, path, idxs);
    const lo = SortedSet.leafIndex(leaf, s, m);
    if (lo >= leaf.members.length || leaf.members[lo] !== m) throw new Error("sorted set corrupt: member not in tree");
    if (lo === leaf.members.length - 1) {
      leaf.members.pop();
      leaf.scores.pop();
    } else {
      leaf.members.splice(lo, 1);
      leaf.scores.splice(lo, 1);
    }
    this.rebalance(path, idxs, leaf);
  }

  private rebalance(path: Inner[], idxs: number[], node: Node): void {
    let level = path.length;
    let cur: Node = node;
    while (level > 0) {
      const len = cur instanceof Leaf ? cur.members.length : cur.children.length;
      if (len >= (cur instanceof Leaf ? LEAF_MIN : INNER_MIN)) return;
      level--;
      const parent = path[level]!;
      const i = idxs[level]!;
      if (parent.children.length === 1) {
        cur = parent;
        continue;
      }
      // pair (left, right) = (i-1, i) or (i, i+1)
      const li = i > 0 ? i - 1 : i;
      const left = parent.children[li]!;
      const right = parent.children[li + 1]!;
      if (left instanceof Leaf && right instanceof Leaf) {
        if (left.members.length + right.members.length <= LEAF_MAX) {
          left.members.push(...right.members);
          left.scores.push(...right.scores);
          left.next = right.next;
          if (right.next) right.next.prev = left;
          removeChild(parent, li + 1);
          parent.sizes[li] = left.members.length;
        } else {
          const total = left.members.length + right.members.length;
          const wantLeft = total >> 1;
          if (left.members.length < wantLeft) {
            const k = wantLeft - left.members.length;
            left.members.push(...right.members.splice(0, k));
            left.scores.push(...right.scores.splice(0, k));
          } else {
            const k = left.members.length - wantLeft;
            right.members.unshift(...left.members.splice(wantLeft, k));
            right.scores.unshift(...left.scores.splice(wantLeft, k));
          }
          parent.sizes[li] = left.members.length;
          parent.sizes[li + 1] = right.members.length;
          parent.sepS[li + 1] = right.scores[0]!;
          parent.sepM[li + 1] = right.members[0]!;
        }
      } else {
        const l = left as Inner;
        const r = right as Inner;
        if (l.children.length + r.children.length <= INNER_MAX) {
          r.sepS[0] = parent.sepS[li + 1]!;
          r.sepM[0] = parent.sepM[li + 1]!;
          l.children.push(...r.children);
          l.sizes.push(...r.sizes);
          l.sepS.push(...r.sepS);
          l.sepM.push(...r.sepM);
          parent.sizes[li] = parent.sizes[li]! + parent.sizes[li + 1]!;
          removeChild(parent, li + 1);
        } else {
          const total = l.children.length + r.children.length;
          const wantLeft = total >> 1;
          r.sepS[0] = parent.sepS[li + 1]!;
          r.sepM[0] = parent.sepM[li + 1]!;
          if (l.children.length < wantLeft) {
            const k = wantLeft - l.children.length;
            l.children.push(...r.children.splice(0, k));
            l.sizes.push(...r.sizes.splice(0, k));
            l.sepS.push(...r.sepS.splice(0, k));
            l.sepM.push(...r.sepM.splice(0, k));
          } else {
            const k = l.children.length - wantLeft;
            r.children.unshift(...l.children.splice(wantLeft, k));
            r.sizes.unshift(...l.sizes.splice(wantLeft, k));
            r.sepS.unshift(...l.sepS.splice(wantLeft, k));
            r.sepM.unshift(...l.sepM.splice(wantLeft, k));
          }
          parent.sepS[li + 1] = r.sepS[0]!;
          parent.sepM[li + 1] = r.sepM[0]!;
          r.sepS[0] = 0;
          r.sepM[0] = "";
          parent.sizes[li] = sum(l.sizes);
          parent.sizes[li + 1] = sum(r.sizes);
        }
      }
      cur = parent;
    }
    // collapse a root with a single child
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0]!;
  }
}

function removeChild(p: Inner, i: number): void {
  p.children.splice(i, 1);
  p.sizes.splice(i, 1);
  p.sepS.splice(i, 1);
  p.sepM.splice(i, 1);
}

function sum(a: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// The listpack form: entries of member length (varint), member, score (its 8 IEEE-754 bytes as latin1 chars).

const F64 = new Float64Array(1);
const U8 = new Uint8Array(F64.buffer);

function scoreChars(score: number): string {
  F64[0] = score;
  return String.fromCharCode(U8[0]!, U8[1]!, U8[2]!, U8[3]!, U8[4]!, U8[5]!, U8[6]!, U8[7]!);
}

function scoreAt(s: string, p: number): number {
  for (let i = 0; i < 8; i++) U8[i] = s.charCodeAt(p + i);
  return F64[0]!;
}

/** Set by lpFind: the found entry's index and end. */
let fIndex = 0;
let fEnd = 0;

/** Start of the entry of member m in s, or -1. */
function lpFind(s: string, m: string): number {
  const ml = m.length;
  for (let p = 0, k = 0; p < s.length; k++) {
    const at = p;
    let n = s.charCodeAt(p);
    let ms = p + 1;
    if (n >= 128) (n = readLen(s, p)), (ms = next);
    p = ms + n + 8;
    if (n === ml && s.startsWith(m, ms)) {
      fIndex = k;
      fEnd = p;
      return at;
    }
  }
  return -1;
}
