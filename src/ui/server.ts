// The key browser (`--ui [port]`): a small HTTP server in the server's own process, bound to loopback only, that
// serves one page (src/ui/page.ts, plain HTML and JavaScript: nothing to build) and a JSON API over the server's
// own commands. The API talks to the server as an ordinary client over TCP (ioredis, already a dependency), so
// everything it shows is what any client would see, with the same password (HTTP basic auth asks for it), and
// MONITOR and pub/sub arrive through their own connections as server-sent events.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Redis as RedisClient } from "ioredis";
import { PAGE } from "./page.js";

export interface UiOptions {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Where the valkey-bun server listens (the UI connects to it like any client). */
  redisHost: string;
  redisPort: number;
  /** The server's current requirepass (null: none); read on every request, so CONFIG SET applies at once. */
  password: () => string | null;
}

export interface RunningUi {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Query = URLSearchParams;

/** Bytes as text: UTF-8 when they are valid UTF-8 without control characters, else redis-cli's "\xNN" escapes. */
export function showBytes(b: Buffer): string {
  try {
    const s = new TextDecoder("utf-8", { fatal: true }).decode(b);
    // eslint-disable-next-line no-control-regex
    if (!/[\x00-\x08\x0e-\x1f\x7f]/.test(s)) return s;
  } catch {
    // not UTF-8
  }
  let out = "";
  for (const c of b) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : c === 0x5c ? "\\\\" : `\\x${c.toString(16).padStart(2, "0")}`;
  return out;
}

const int = (q: Query, name: string, dflt: number, min = 0, max = 1_000_000): number => {
  const v = Number(q.get(name) ?? dflt);
  return Number.isInteger(v) ? Math.min(max, Math.max(min, v)) : dflt;
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startUi(opts: UiOptions): Promise<RunningUi> {
  const { Redis } = await import("ioredis");
  const clients = new Map<number, RedisClient>();
  const streams = new Set<RedisClient>();
  /** "ip:port" of the UI's own connections: MONITOR leaves them out, or the page would watch itself poll. */
  const own = new Set<string>();

  const connect = (db: number): RedisClient => {
    const r = new Redis({
      host: opts.redisHost,
      port: opts.redisPort,
      password: opts.password() ?? undefined,
      db,
      connectionName: "valkey-bun-ui",
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableReadyCheck: false,
    });
    r.on("error", () => {});
    r.on("connect", () => {
      const s = (r as unknown as { stream?: { localAddress?: string; localPort?: number } }).stream;
      if (s?.localPort) own.add(`${s.localAddress?.replace(/^::ffff:/, "")}:${s.localPort}`);
    });
    return r;
  };
  const client = (db: number): RedisClient => {
    let r = clients.get(db);
    if (!r || r.status === "end") {
      r = connect(db);
      clients.set(db, r);
    }
    return r;
  };
  const call = (db: number, ...args: Array<string | number | Buffer>) => client(db).callBuffer(String(args[0]), ...args.slice(1)) as Promise<unknown>;
  const text = (v: unknown): string => (Buffer.isBuffer(v) ? showBytes(v) : v === null ? "" : String(v));

  async function overview() {
    const [info, dbs] = await Promise.all([call(0, "INFO", "keyspace"), call(0, "CONFIG", "GET", "databases")]);
    const counts = new Map<number, { keys: number; expires: number }>();
    for (const m of text(info).matchAll(/^db(\d+):keys=(\d+),expires=(\d+)/gm)) counts.set(Number(m[1]), { keys: Number(m[2]), expires: Number(m[3]) });
    const n = Number(text((dbs as Buffer[])[1]));
    return { databases: Array.from({ length: n }, (_, db) => ({ db, ...(counts.get(db) ?? { keys: 0, expires: 0 }) })) };
  }

  async function keys(q: Query) {
    const db = int(q, "db", 0);
    const [cursor, found] = (await call(db, "SCAN", q.get("cursor") ?? "0", "MATCH", q.get("match") || "*", "COUNT", int(q, "count", 100, 1, 10_000))) as [Buffer, Buffer[]];
    const pipe = client(db).pipeline();
    for (const k of found) pipe.type(k).pttl(k).call("MEMORY", "USAGE", k);
    const res = ((await pipe.exec()) ?? []).map(([, v]) => v);
    return {
      cursor: text(cursor),
      keys: found.map((k, i) => ({ id: k.toString("base64"), key: showBytes(k), type: String(res[3 * i]), ttl: Number(res[3 * i + 1]), size: res[3 * i + 2] === null ? null : Number(res[3 * i + 2]) })),
    };
  }

  async function key(q: Query) {
    const db = int(q, "db", 0);
    const k = Buffer.from(q.get("id") ?? "", "base64");
    const count = int(q, "count", 50, 1, 1000);
    const start = int(q, "start", 0);
    const cursor = q.get("cursor") ?? "0";
    const [type, ttl, size, encoding] = await Promise.all([
      call(db, "TYPE", k).then(text),
      call(db, "PTTL", k).then(Number),
      call(db, "MEMORY", "USAGE", k).then((v) => (v === null ? null : Number(v))),
      call(db, "OBJECT", "ENCODING", k).then(text, () => ""),
    ]);
    const head = { key: showBytes(k), type, ttl, size, encoding };
    switch (type) {
      case "none":
        throw new HttpError(404, "no such key");
      case "string": {
        const len = Number(await call(db, "STRLEN", k));
        const v = (await call(db, "GETRANGE", k, 0, 65_535)) as Buffer;
        return { ...head, length: len, value: showBytes(v), truncated: len > v.length };
      }
      case "hash": {
        const [next, flat] = (await call(db, "HSCAN", k, cursor, "COUNT", count)) as [Buffer, Buffer[]];
        const fields = [];
        for (let i = 0; i < flat.length; i += 2) fields.push({ field: showBytes(flat[i]!), value: showBytes(flat[i + 1]!) });
        return { ...head, length: Number(await call(db, "HLEN", k)), cursor: text(next), fields };
      }
      case "set": {
        const [next, members] = (await call(db, "SSCAN", k, cursor, "COUNT", count)) as [Buffer, Buffer[]];
        return { ...head, length: Number(await call(db, "SCARD", k)), cursor: text(next), members: members.map(showBytes) };
      }
      case "list": {
        const items = (await call(db, "LRANGE", k, start, start + count - 1)) as Buffer[];
        return { ...head, length: Number(await call(db, "LLEN", k)), start, items: items.map(showBytes) };
      }
      case "zset": {
        const reply = (await call(db, "ZRANGE", k, start, start + count - 1, "WITHSCORES")) as Array<Buffer | [Buffer, Buffer]>;
        // ioredis hands WITHSCORES replies over as [member, score] pairs; a plain client sees them flat.
        const pairs = reply.length > 0 && Array.isArray(reply[0]) ? (reply as Array<[Buffer, Buffer]>) : Array.from({ length: reply.length / 2 }, (_, i) => [reply[2 * i], reply[2 * i + 1]] as [Buffer, Buffer]);
        const members = pairs.map(([member, score]) => ({ member: showBytes(member), score: text(score) }));
        return { ...head, length: Number(await call(db, "ZCARD", k)), start, members };
      }
      case "stream": {
        const from = q.get("from") || "-";
        const raw = (await call(db, "XRANGE", k, from, "+", "COUNT", count + 1)) as Array<[Buffer, Buffer[]]>;
        const entries = raw.slice(0, count).map(([id, kv]) => ({ id: text(id), fields: Array.from({ length: kv.length / 2 }, (_, i) => [showBytes(kv[2 * i]!), showBytes(kv[2 * i + 1]!)]) }));
        const groupsRaw = (await call(db, "XINFO", "GROUPS", k)) as Buffer[][];
        const groups = await Promise.all(
          groupsRaw.map(async (g) => {
            const o: Record<string, string> = {};
            for (let i = 0; i < g.length; i += 2) o[text(g[i])] = text(g[i + 1]);
            const pending = (await call(db, "XPENDING", k, o.name!, "-", "+", 20)) as Array<[Buffer, Buffer, number, number]>;
            return { ...o, pendingEntries: pending.map(([id, consumer, idle, deliveries]) => ({ id: text(id), consumer: text(consumer), idle: Number(idle), deliveries: Number(deliveries) })) };
          }),
        );
        return { ...head, length: Number(await call(db, "XLEN", k)), entries, next: raw.length > count ? text(raw[count]![0]) : null, groups };
      }
      default:
        return head;
    }
  }

  async function slowlog() {
    const rows = (await call(0, "SLOWLOG", "GET", 100)) as unknown[][];
    return rows.map((r) => ({ id: Number(r[0]), time: Number(r[1]), micros: Number(r[2]), args: (r[3] as Buffer[]).map(showBytes), client: text(r[4]), name: text(r[5]) }));
  }

  /** Server-sent events from a connection of its own, closed when the page goes away. */
  function events(req: IncomingMessage, res: ServerResponse, start: (r: RedisClient, send: (data: unknown) => void) => Promise<void>) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(": connected\n\n");
    const r = connect(0);
    streams.add(r);
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const stop = () => {
      streams.delete(r);
      r.disconnect();
    };
    req.on("close", stop);
    start(r, send).catch((e: Error) => {
      send({ error: e.message });
      res.end();
      stop();
    });
  }

  async function monitor(req: IncomingMessage, res: ServerResponse) {
    events(req, res, async (r, send) => {
      const m = await r.monitor();
      streams.add(m);
      req.on("close", () => {
        streams.delete(m);
        m.disconnect();
      });
      m.on("monitor", (time: string, args: string[], source: string, database: string) => {
        if (!own.has(source)) send({ time: Number(time), db: Number(database), source, args });
      });
    });
  }

  async function pubsub(req: IncomingMessage, res: ServerResponse, q: Query) {
    events(req, res, async (r, send) => {
      r.on("pmessageBuffer", (_pattern: Buffer, channel: Buffer, message: Buffer) => send({ time: Date.now(), channel: showBytes(channel), message: showBytes(message) }));
      await r.psubscribe(q.get("pattern") || "*");
      send({ subscribed: q.get("pattern") || "*" });
    });
  }

  const authorized = (req: IncomingMessage): boolean => {
    const pw = opts.password();
    if (pw === null) return true;
    const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
    if (!m) return false;
    const given = Buffer.from(Buffer.from(m[1]!, "base64").toString("utf8").replace(/^[^:]*:/, ""));
    const want = Buffer.from(pw);
    return given.length === want.length && timingSafeEqual(given, want);
  };

  const http = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      // Loopback only, and only under a loopback name: a web page elsewhere cannot reach it through DNS rebinding.
      if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(req.headers.host ?? "")) throw new HttpError(403, "the key browser answers on 127.0.0.1 only");
      if (!authorized(req)) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="valkey-bun (user: default, password: the server\'s requirepass)"', "content-type": "text/plain" });
        res.end("the server has a password: sign in with it\n");
        return;
      }
      if (req.method !== "GET") throw new HttpError(405, "GET only");
      const q = url.searchParams;
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(PAGE);
        return;
      }
      if (url.pathname === "/api/monitor") return monitor(req, res);
      if (url.pathname === "/api/pubsub") return pubsub(req, res, q);
      const api: Record<string, () => Promise<unknown>> = {
        "/api/overview": overview,
        "/api/keys": () => keys(q),
        "/api/key": () => key(q),
        "/api/slowlog": slowlog,
        "/api/info": async () => ({ text: text(await call(0, "INFO", "everything")) }),
      };
      const handler = api[url.pathname];
      if (!handler) throw new HttpError(404, "not found");
      const body = JSON.stringify(await handler());
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
    })().catch((e: Error) => {
      if (res.headersSent) return void res.end();
      res.writeHead(e instanceof HttpError ? e.status : 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: e.message }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen({ port: opts.port, host: "127.0.0.1" }, () => resolve());
  });
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: async () => {
      for (const r of [...clients.values(), ...streams]) r.disconnect();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Remove `--ui [port]` / `--ui=port` from the server's flags: null when absent, 0 (a free port) without a port. */
export function takeUiFlag(argv: string[]): { argv: string[]; port: number | null } {
  const rest: string[] = [];
  let port: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--ui(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    let v = m[1];
    if (v === undefined && i + 1 < argv.length && /^\d+$/.test(argv[i + 1]!)) v = argv[++i];
    const n = v === undefined || v === "" || v === "yes" ? 0 : Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--ui: '${v}' is not a port (0-65535; without one, a free port is picked)`);
    port = n;
  }
  return { argv: rest, port };
}
