// Test rig: spawn a real server process on each runtime, connect real clients and a raw byte-exact socket.
//
//   describeRuntimes("strings", (ctx) => {
//     it("...", async () => { const r = ctx.ioredis(); await r.set("a", "1"); ... });
//   });
//
// VALKEY_TEST_RUNTIMES=node (or bun) narrows the runtimes; default both.

import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { Redis, type RedisOptions } from "ioredis";
import { createClient, RESP_TYPES } from "redis";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUN = join(ROOT, "node_modules", ".bin", "bun");

export type Runtime = "node" | "bun";
export const RUNTIMES: Runtime[] = (process.env.VALKEY_TEST_RUNTIMES ?? "node,bun")
  .split(",")
  .map((s) => s.trim())
  .filter((s): s is Runtime => s === "node" || s === "bun");

export interface Spawned {
  port: number;
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Command line that runs the CLI on a runtime (Node runs the build's entry, as the bin does; Bun runs the sources). */
export function cliCommand(runtime: Runtime): [string, string[]] {
  return runtime === "bun" ? [BUN, [join(ROOT, "src", "cli.ts")]] : [process.execPath, [join(ROOT, "dist", "cli.cjs")]];
}

/** Spawn the CLI with flags (port 0 unless given) and wait for its ready line. */
export async function spawnServer(runtime: Runtime, args: string[] = [], env: Record<string, string> = {}): Promise<Spawned> {
  const [cmd, pre] = cliCommand(runtime);
  const full = args.includes("--port") ? args : ["--port", "0", ...args];
  const proc = spawn(cmd, [...pre, ...full], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    const check = () => {
      const m = /ready on redis:\/\/\S*:(\d+)/.exec(out); // the host may be an IPv6 literal
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on("data", check);
    proc.on("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc,
    output: () => out,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once("exit", (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}

function makeNodeRedis(port: number, resp: 2 | 3) {
  return createClient({ url: `redis://127.0.0.1:${port}`, RESP: resp });
}
export type NodeRedisClient = ReturnType<typeof makeNodeRedis>;

export interface Ctx {
  runtime: Runtime;
  port: number;
  server: Spawned;
  /** ioredis client (RESP2 by default; `{ protocol: 3 }` not needed: pass options). Closed after the suite. */
  ioredis(opts?: RedisOptions): Redis;
  /** node-redis client, connected. RESP 2 or 3. */
  nodeRedis(resp?: 2 | 3): Promise<NodeRedisClient>;
  /** Raw socket speaking bytes. */
  raw(): Promise<RawClient>;
  /** FLUSHALL between tests when wanted. */
  flush(): Promise<void>;
}

/**
 * Until some client of the server is blocked in XREAD: BullMQ's QueueEvents reads its events stream from '$', and
 * its waitUntilReady() means only "connected", so a job that finishes before that XREAD arrives is never announced.
 */
export async function untilBlockedInXread(admin: Redis, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = String(await admin.client("LIST"));
    if (list.split("\n").some((l) => / flags=\S*b/.test(l) && / cmd=xread /.test(l))) return;
    if (Date.now() > deadline) throw new Error(`no client blocked in XREAD after ${timeoutMs} ms:\n${list}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** describe() once per runtime, with a fresh server per runtime and clients cleaned up afterwards. */
export function describeRuntimes(name: string, fn: (ctx: Ctx) => void, args: string[] = []): void {
  for (const runtime of RUNTIMES) {
    describe(`${name} [${runtime}]`, () => {
      const closers: Array<() => Promise<unknown> | unknown> = [];
      const ctx = { runtime } as Ctx;
      beforeAll(async () => {
        ctx.server = await spawnServer(runtime, args);
        ctx.port = ctx.server.port;
      });
      afterAll(async () => {
        for (const c of closers.splice(0)) await Promise.resolve(c()).catch(() => {});
        await ctx.server?.stop();
      });
      ctx.ioredis = (opts = {}) => {
        const r = new Redis({ port: ctx.port, host: "127.0.0.1", lazyConnect: false, maxRetriesPerRequest: 1, ...opts });
        r.on("error", () => {});
        closers.push(() => r.disconnect());
        return r;
      };
      ctx.nodeRedis = async (resp = 2) => {
        const c = makeNodeRedis(ctx.port, resp);
        c.on("error", () => {});
        await c.connect();
        closers.push(() => c.destroy());
        return c;
      };
      ctx.raw = async () => {
        const r = await RawClient.connect(ctx.port);
        closers.push(() => r.close());
        return r;
      };
      ctx.flush = async () => {
        const r = await RawClient.connect(ctx.port);
        await r.call("FLUSHALL");
        r.close();
      };
      fn(ctx);
    });
  }
}

export { RESP_TYPES };

/** Encode a command as a RESP multibulk. */
export function encode(args: Array<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Length of the first complete RESP reply in buf, or -1 if incomplete. */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf("\r\n", pos);
  if (nl < 0) return -1;
  const type = String.fromCharCode(buf[pos]!);
  const head = buf.toString("latin1", pos + 1, nl);
  let p = nl + 2;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case "_":
    case ",":
    case "#":
    case "(":
      return p - pos;
    case "$":
    case "=":
    case "!": {
      const n = Number(head);
      if (n < 0) return p - pos;
      if (buf.length < p + n + 2) return -1;
      return p + n + 2 - pos;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let n = Number(head);
      if (n < 0) return p - pos;
      if (type === "%" || type === "|") n *= 2;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      if (type === "|") {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      return p - pos;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.toString("latin1", pos, pos + 40))}`);
  }
}

/** A byte-exact client: send commands (or raw bytes), read whole replies as latin1 strings. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly sock: Socket) {
    sock.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {});
  }
  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
  write(data: string | Buffer): void {
    this.sock.write(data);
  }
  send(...args: Array<string | Buffer | number>): void {
    this.sock.write(encode(args));
  }
  /** Next complete reply as a latin1 string, exact bytes. Rejects after `ms` without one. */
  async read(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const n = replyLength(this.buf);
      if (n >= 0) {
        const out = this.buf.toString("latin1", 0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buf.toString("latin1"))}`);
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.wait(left))) throw new Error(`no reply within ${ms}ms; have ${JSON.stringify(this.buf.toString("latin1"))}`);
    }
  }
  /** Send one command, read its reply. */
  async call(...args: Array<string | Buffer | number>): Promise<string> {
    this.send(...args);
    return this.read();
  }
  /** True if nothing arrives within ms (for commands with no reply). */
  async silent(ms = 200): Promise<boolean> {
    if (this.buf.length > 0) return false;
    await this.wait(ms);
    return this.buf.length === 0;
  }
  /** Resolves when the server closes the connection (or rejects after ms). */
  async waitClosed(ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("connection still open");
      await this.wait(left);
    }
  }
  close(): void {
    this.sock.destroy();
  }
}
