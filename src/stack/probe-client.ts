// The health probe's connection: commands out, RESP2 replies in, one at a time. Hand-written rather than ioredis
// because `valkey-bun health` is a whole process per compose healthcheck, and loading ioredis was most of it:
// 65-95 ms of a 120-330 ms probe on this project's 2-core machine, on Node and on Bun alike (`node -e
// 'require("ioredis")'`). The probe only needs AUTH, SELECT, PING, INFO and CLUSTER INFO/NODES.

import { builtin } from "../runtime.js";

/** An error reply (`-ERR ...`): its message is the server's text. */
export class ProbeReplyError extends Error {}

export type ProbeReply = string | number | null | ProbeReply[] | ProbeReplyError;

/** Thrown by readReply when the buffer ends inside a reply. */
export const PARTIAL = Symbol("partial");

/** The RESP2 type bytes: + - : $ * */
const TYPES = [43, 45, 58, 36, 42];

/** One reply from b[at...]; returns it and where it ends. Errors nested in arrays are values, as in RESP. */
export function readReply(b: Buffer, at: number): [ProbeReply, number] {
  if (at >= b.length) throw PARTIAL;
  if (!TYPES.includes(b[at]!)) {
    const shown = b.toString("latin1", at, Math.min(b.length, at + 40)).split("\r\n")[0];
    throw new Error(`unexpected reply from the server: ${JSON.stringify(shown)}`);
  }
  const eol = b.indexOf("\r\n", at);
  if (eol < 0) throw PARTIAL;
  const line = b.toString("utf8", at + 1, eol);
  const next = eol + 2;
  switch (b[at]) {
    case 43: // +
      return [line, next];
    case 45: // -
      return [new ProbeReplyError(line), next];
    case 58: // :
      return [Number(line), next];
    case 36: {
      // $
      const n = Number(line);
      if (n < 0) return [null, next];
      if (b.length < next + n + 2) throw PARTIAL;
      return [b.toString("utf8", next, next + n), next + n + 2];
    }
    case 42: {
      // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: ProbeReply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const [v, e] = readReply(b, p);
        out.push(v);
        p = e;
      }
      return [out, p];
    }
    default:
      throw new Error("unreachable");
  }
}

export interface ProbeConnection {
  /** Send one command; resolves with its reply, rejects with ProbeReplyError for an error reply. */
  call(...args: string[]): Promise<ProbeReply>;
  close(): void;
}

interface BunProbeSocket {
  write(data: Uint8Array): number;
  end(): void;
}

interface BunConnect {
  connect(opts: {
    hostname: string;
    port: number;
    socket: {
      open(s: BunProbeSocket): void;
      data(s: BunProbeSocket, d: Buffer): void;
      drain(s: BunProbeSocket): void;
      close(): void;
      error(s: BunProbeSocket, e: Error): void;
      connectError(s: BunProbeSocket, e: Error): void;
    };
  }): Promise<unknown>;
}

/**
 * A connection to host:port, returned at once: commands sent before it is up wait. A failure to connect
 * (ECONNREFUSED, ENOTFOUND, ...) rejects every call. On Bun through Bun.connect: loading node:net there is 8-20 ms,
 * a third of a probe's run.
 */
export function openProbe(host: string, port: number): ProbeConnection {
  let buf: Buffer = Buffer.alloc(0);
  const waiting: Array<{ ok: (v: ProbeReply) => void; fail: (e: Error) => void }> = [];
  let failure: Error | null = null;
  const failAll = (e: Error) => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.fail(failure);
  };
  let destroy = () => {};
  const onData = (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    let at = 0;
    try {
      while (waiting.length > 0 && at < buf.length) {
        const [v, end] = readReply(buf, at);
        at = end;
        const w = waiting.shift()!;
        if (v instanceof ProbeReplyError) w.fail(v);
        else w.ok(v);
      }
    } catch (e) {
      if (e !== PARTIAL) {
        failAll(e as Error);
        destroy();
      }
    }
    // what is left of a reply, copied: it must not depend on the transport's buffer
    buf = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  };
  let send: (req: Buffer) => void;
  const bun = (globalThis as { Bun?: BunConnect }).Bun;
  if (bun !== undefined) {
    let sock: BunProbeSocket | null = null;
    let unsent: Buffer = Buffer.alloc(0);
    let closed = false;
    const flush = () => {
      if (sock === null || unsent.length === 0) return;
      const n = sock.write(unsent);
      unsent = n >= unsent.length ? Buffer.alloc(0) : unsent.subarray(Math.max(0, n));
    };
    send = (req) => {
      unsent = unsent.length === 0 ? req : Buffer.concat([unsent, req]);
      flush();
    };
    destroy = () => {
      closed = true;
      sock?.end();
    };
    bun
      .connect({
        hostname: host,
        port,
        socket: {
          open(s) {
            sock = s;
            if (closed) s.end();
            else flush();
          },
          data: (_s, d) => onData(d),
          drain: () => flush(),
          close: () => failAll(new Error("Connection is closed.")),
          error: (_s, e) => failAll(e),
          connectError: (_s, e) => failAll(e),
        },
      })
      .catch((e: Error) => failAll(e));
  } else {
    // Loaded here, not imported: Bun takes the branch above and need not load node:net at all.
    const sock = builtin("node:net").connect({ host, port, noDelay: true });
    sock.on("error", failAll);
    sock.on("close", () => failAll(new Error("Connection is closed.")));
    sock.on("data", onData);
    send = (req) => void sock.write(req);
    destroy = () => sock.destroy();
  }
  return {
    call(...args) {
      if (failure) return Promise.reject(failure);
      let req = `*${args.length}\r\n`;
      for (const a of args) req += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
      send(Buffer.from(req));
      return new Promise((ok, fail) => waiting.push({ ok, fail }));
    },
    close: () => destroy(),
  };
}
