// A growable ring buffer: O(1) push/pop at both ends and O(1) access by index; inserts and removals in the
// middle shift the shorter side. Backs the LIST type.

const MIN_CAPACITY = 4;

export class Deque<T> {
  protected buf: Array<T | undefined>;
  protected head = 0;
  protected mask: number;
  length = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }

  static from<T>(items: ArrayLike<T>): Deque<T> {
    const d = new Deque<T>(items.length);
    for (let i = 0; i < items.length; i++) d.buf[i] = items[i];
    d.length = items.length;
    return d;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Element at 0 <= i < length. */
  get(i: number): T {
    return this.buf[(this.head + i) & this.mask] as T;
  }

  /** Element at 0 <= i < length, from the ring buffer itself (subclasses may override get). */
  slot(i: number): T {
    return this.buf[(this.head + i) & this.mask] as T;
  }

  set(i: number, v: T): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  first(): T | undefined {
    return this.length === 0 ? undefined : (this.buf[this.head] as T);
  }

  last(): T | undefined {
    return this.length === 0 ? undefined : (this.buf[(this.head + this.length - 1) & this.mask] as T);
  }

  pushBack(v: T): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    this.buf[(this.head + this.length) & this.mask] = v;
    this.length++;
  }

  pushFront(v: T): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.length++;
  }

  popBack(): T | undefined {
    if (this.length === 0) return undefined;
    const i = (this.head + this.length - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.length--;
    this.maybeShrink();
    return v;
  }

  popFront(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    this.maybeShrink();
    return v;
  }

  /** Insert so that the new element ends up at index i (0 <= i <= length). */
  insert(i: number, v: T): void {
    if (i === 0) return this.pushFront(v);
    if (i === this.length) return this.pushBack(v);
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    const m = this.mask;
    const b = this.buf;
    if (i < this.length / 2) {
      // shift the front part one step left
      this.head = (this.head - 1) & m;
      for (let k = 0; k < i; k++) b[(this.head + k) & m] = b[(this.head + k + 1) & m];
    } else {
      for (let k = this.length; k > i; k--) b[(this.head + k) & m] = b[(this.head + k - 1) & m];
    }
    b[(this.head + i) & m] = v;
    this.length++;
  }

  /** Remove `count` elements starting at index `start` (clamped to the deque). */
  removeRange(start: number, count: number): void {
    if (start < 0) start = 0;
    if (count > this.length - start) count = this.length - start;
    if (count <= 0) return;
    const m = this.mask;
    const b = this.buf;
    const after = this.length - start - count;
    if (start < after) {
      // move the front part right by count
      for (let k = start - 1; k >= 0; k--) b[(this.head + k + count) & m] = b[(this.head + k) & m];
      for (let k = 0; k < count; k++) b[(this.head + k) & m] = undefined;
      this.head = (this.head + count) & m;
    } else {
      for (let k = start; k < start + after; k++) b[(this.head + k) & m] = b[(this.head + k + count) & m];
      for (let k = start + after; k < this.length; k++) b[(this.head + k) & m] = undefined;
    }
    this.length -= count;
    this.maybeShrink();
  }

  removeAt(i: number): T {
    const v = this.get(i);
    this.removeRange(i, 1);
    return v;
  }

  clear(): void {
    this.buf = new Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.length = 0;
  }

  /** Elements [start, end) as an array. */
  slice(start = 0, end = this.length): T[] {
    const out: T[] = new Array(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = this.get(i);
    return out;
  }

  toArray(): T[] {
    return this.slice();
  }

  private maybeShrink(): void {
    const cap = this.mask + 1;
    if (cap > 64 && this.length < cap / 4) this.resize(cap / 2);
  }

  private resize(cap: number): void {
    const nb: Array<T | undefined> = new Array(cap);
    for (let i = 0; i < this.length; i++) nb[i] = this.buf[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = cap - 1;
  }
}
