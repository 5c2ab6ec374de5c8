// The sorted set, in one of Valkey's two encodings:
// - listpack (small sets): the members and scores in two plain arrays in sorted order, no per-element objects
//   beside the member strings and no Map; lookups by member are linear scans, as in Valkey's listpack.
// - skiplist: a Map member -> score for O(1) lookups plus an order-statistic B+tree over (score, member) for
//   O(log n) insert, delete and rank and O(log n + m) ranges. It plays the part of Valkey's skiplist with spans,
//   but leaves keep members and scores in plain arrays, which costs far less memory per element in a JS heap
//   than one object per node (see scripts/bench-scale.mjs).
// A listpack set is the tree's root leaf alone (allowed to exceed LEAF_MAX), so every ordered walk is shared.
//
// Order is Valkey's: by score, then by member bytes (members are latin1 strings, so JS string comparison is
// memcmp order). Inner nodes keep, for each child but the first, a lower bound of the child's keys (its first
// key when it was split off); bounds may go stale after deletions, which keeps them valid lower bounds.

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

/** Sign of (s1, m1) - (s2, m2) in sorted-set order. */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** A predicate over (score, member) that holds for a prefix of the sorted order. */
export type Prefix = (score: number, member: string) => boolean;

export class SortedSet {
  /** member -> score in the skiplist encoding; null in the listpack encoding. */
  dict: Map<string, number> | null;
  private root: Node = new Leaf();
  /**
   * While ZSCANs are in progress: member -> insertion number for members added since the oldest one started
   * (null otherwise). Lets a scan stop where members newer than itself begin (see ZSCAN in commands/zsets.ts).
   */
  scanTags: Map<string, number> | null = null;
  scanSeq = 0;
  activeScans = 0;

  /** A new empty set; listpack-encoded unless `skiplist` (callers that fill a result first and then settle its
   *  encoding keep the default, so a large result is never built by linear scans). */
  constructor(skiplist = true) {
    this.dict = skiplist ? new Map() : null;
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
    return this.dict !== null ? this.dict.size : (this.root as Leaf).members.length;
  }

  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    const l = this.root as Leaf;
    const i = l.members.indexOf(member);
    return i < 0 ? undefined : l.scores[i];
  }

  has(member: string): boolean {
    if (this.dict !== null) return this.dict.has(member);
    return (this.root as Leaf).members.indexOf(member) >= 0;
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
    if (old === undefined && this.scanTags !== null) this.scanTags.set(member, ++this.scanSeq);
    this.treeInsert(score, member);
    return old === undefined;
  }

  delete(member: string): boolean {
    if (this.dict === null) {
      const l = this.root as Leaf;
      const i = l.members.indexOf(member);
      if (i < 0) return false;
      l.members.splice(i, 1);
      l.scores.splice(i, 1);
      return true;
    }
    const old = this.dict.get(member);
    if (old === undefined) return false;
    this.dict.delete(member);
    if (this.scanTags !== null) this.scanTags.delete(member);
    this.treeRemove(old, member);
    return true;
  }

  /** 0-based rank by ascending order, or -1. */
  rank(member: string): number {
    if (this.dict === null) return (this.root as Leaf).members.indexOf(member);
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
    const [leaf, i] = this.locate(rank);
    return [leaf.members[i]!, leaf.scores[i]!];
  }

  /**
   * Visit `count` elements starting at `rank`, ascending (or descending when `reverse`: rank, rank-1, ...).
   * Stops early when the callback returns false.
   */
  range(rank: number, count: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): void {
    if (count <= 0 || rank < 0 || rank >= this.size) return;
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
      const l = this.root as Leaf;
      const ms = l.members.splice(start, end - start + 1);
      const ss = l.scores.splice(start, end - start + 1);
      for (let i = 0; i < ms.length; i++) out.push([ms[i]!, ss[i]!]);
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
      const l = this.root as Leaf;
      const r = z.root as Leaf;
      r.members = l.members.slice();
      r.scores = l.scores.slice();
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
    const depths = new Set<number>();
    walk(this.root, null, 0, depths);
    if (depths.size > 1) throw new Error("unbalanced");
    if (count !== this.size) throw new Error("count mismatch");
    if (this.dict === null && this.root instanceof Inner) throw new Error("listpack with inner nodes");
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
    const l = this.root as Leaf;
    const ms = l.members;
    const ss = l.scores;
    const i = ms.indexOf(member);
    if (i >= 0) {
      if (ss[i] === score) return false;
      // still in order where it is: only the score changes
      if ((i === 0 || compareKeys(ss[i - 1]!, ms[i - 1]!, score, member) < 0) && (i === ms.length - 1 || compareKeys(score, member, ss[i + 1]!, ms[i + 1]!) < 0)) {
        ss[i] = score;
        return false;
      }
      ms.splice(i, 1);
      ss.splice(i, 1);
    }
    // exact-size copies (as a listpack is reallocated): push and splice would keep up to 1.5x + 16 spare slots
    const at = SortedSet.leafIndex(l, score, member);
    l.members = ms.toSpliced(at, 0, member);
    l.scores = ss.toSpliced(at, 0, score);
    return i < 0;
  }

  /** listpack -> skiplist: bulk-load the tree from the sorted arrays and build the dict. */
  private toTree(): void {
    const l = this.root as Leaf;
    const ms = l.members;
    const ss = l.scores;
    const d = new Map<string, number>();
    this.dict = d;
    this.root = new Leaf();
    for (let i = 0; i < ms.length; i++) {
      d.set(ms[i]!, ss[i]!);
      this.appendMax(ss[i]!, ms[i]!);
    }
  }

  /** skiplist -> listpack: one exact-size pair of arrays, no dict. */
  private toPacked(): void {
    const n = this.size;
    const ms: string[] = new Array(n);
    const ss: number[] = new Array(n).fill(0);
    let i = 0;
    for (const [m, s] of this) {
      ms[i] = m;
      ss[i++] = s;
    }
    const l = new Leaf();
    l.members = ms;
    l.scores = ss;
    this.root = l;
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
