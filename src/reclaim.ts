// Give memory back to the OS once the server goes quiet. Large values, query buffers and unread replies are
// JS ArrayBuffers: DEL, FLUSHALL or a disconnect only make them garbage, and an idle JS heap is not collected,
// so the RSS would stay at its peak (Node kept 1.16 GB after DEL of a 500 MB string; Valkey's free() returns
// it at once). After activity (commands or connections coming and going), once nothing has happened for a
// second and the process is RECLAIM_BYTES above its startup RSS, run one full collection (Bun.gc(true); on
// Node the gc function exposed through v8 flags), which frees the backing stores (large ones are mmapped, so
// the RSS drops). At most one collection per quiet period; under load the collector runs on its own.

const RECLAIM_BYTES = 32 * 1024 * 1024;

/** Buffers from this size on may come from outsideMalloc (see its callers for when). */
export const BIG_BUFFER = 1024 * 1024;
/** ES2024 resizable ArrayBuffer (Node 20+, Bun), not yet in this project's TypeScript lib. */
export type ResizableArrayBuffer = ArrayBuffer & { resizable?: boolean; maxByteLength: number; resize(n: number): void };
type ResizableCtor = new (n: number, o: { maxByteLength: number }) => ArrayBuffer;

/**
 * A Buffer of n bytes whose memory is mapped for it alone, growable in place up to `max`. Node's
 * Buffer.allocUnsafe takes large buffers from glibc malloc, whose mmap threshold rises to the largest block
 * freed (up to 32 MB): once a few multi-MB buffers have come and gone, the next ones land in the brk heap, and
 * when freed they stay resident behind any small block allocated after them. V8 maps a resizable ArrayBuffer's
 * pages itself and unmaps them when it is collected. The price is fresh pages: filling 2 MB of one costs 4x
 * what refilling heap pages does (measured on Node 20), so this serves buffers that grow, not one-off ones. And on
 * Node 20, V8 stops optimizing code that indexes a typed array over a resizable ArrayBuffer: keep these out of
 * code every command runs (the reply writer's slab is malloc's there, see ReplyWriter.ensure).
 */
export function outsideMalloc(n: number, max: number): Buffer {
  return Buffer.from(new (ArrayBuffer as ResizableCtor)(n, { maxByteLength: Math.max(n, max) }), 0, n);
}

const IDLE_MS = 1000;

type Gc = () => void;
let gc: Gc | null | undefined;
let loading = false;

function loadGc(): void {
  if (gc !== undefined || loading) return;
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun !== undefined) {
    gc = () => bun.gc(true);
    return;
  }
  loading = true;
  // Lazy: only a server that held large buffers pays for these imports.
  void Promise.all([import("node:v8"), import("node:vm")])
    .then(([v8, vm]) => {
      v8.setFlagsFromString("--expose-gc");
      gc = vm.runInNewContext("gc") as Gc;
    })
    .catch(() => (gc = null))
    .finally(() => (loading = false));
}

function rss(): number {
  return process.memoryUsage.rss();
}

export class Reclaimer {
  private lastCommands = -1;
  private lastClients = -1;
  private quietSince = Date.now();
  private active = false;
  private readonly startRss = rss();
  /** Full collections run. */
  runs = 0;

  /** Called from the server cron with the commands-processed counter and the number of clients. */
  tick(commands: number, clients: number): void {
    const now = Date.now();
    if (commands !== this.lastCommands || clients !== this.lastClients) {
      this.lastCommands = commands;
      this.lastClients = clients;
      this.quietSince = now;
      this.active = true;
      return;
    }
    if (!this.active || now - this.quietSince < IDLE_MS) return;
    if (rss() - this.startRss < RECLAIM_BYTES) return;
    loadGc();
    if (gc === undefined) return; // loading: next tick
    this.active = false;
    if (gc === null) return;
    gc();
    this.runs++;
  }
}

/**
 * A big bulk is being copied out of socket reads, each a fresh buffer on both runtimes that is garbage once
 * copied; the collector would find them only later, so the RSS held the payload about twice (Bun 1.94x, Node
 * 1.3-1.4x for a 100 MB SET). The parser calls this every few MB of one big bulk: Bun collects concurrently,
 * Node runs a full collection once its gc is loaded (the first call starts loading it).
 */
export function collectDuringBigRead(): void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun !== undefined) return bun.gc(false);
  if (gc === undefined) return loadGc();
  if (gc !== null) gc();
}
