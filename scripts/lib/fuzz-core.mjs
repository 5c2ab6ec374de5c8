// Shared by scripts/fuzz.mjs (the long run) and test/integration/fuzz.test.ts (a short seeded run in npm test):
// fast-check generators for command sequences over every family, valid and mutated RESP frames and raw bytes;
// a small RESP connection; the robustness check (server alive, other clients served, known data intact) and
// the reply comparison against a reference server (with the allow-list of intended differences).

import fc from "fast-check";
import { spawn } from "node:child_process";
import net from "node:net";
import { freePort } from "./bench-common.mjs";

export { freePort };

// ---------------------------------------------------------------------------------------------------------
// command sequences

const KEYS = ["a", "b", "c", "{t}d"];
const key = fc.constantFrom(...KEYS);
const small = fc.constantFrom("0", "1", "2", "-1", "3", "10", "-7", "100");
const num = fc.oneof(small, fc.constantFrom("9223372036854775807", "-9223372036854775808", "1.5", "-0.25", "1e3", "inf", "-inf", "nan", "abc", "", " 1", "0x10", "99999999999999999999"));
const word = fc.oneof(fc.constantFrom("x", "y", "foo", "bar", "", "héllo", "a b", "\r\n", "*1"), fc.string({ maxLength: 6 }));
const value = fc.oneof(word, num);
const field = fc.constantFrom("f1", "f2", "f3", "m1", "m2", "m3");
const score = fc.oneof(small, fc.constantFrom("1.5", "-inf", "+inf", "(1", "(5", "[a", "-", "+", "nan", "x"));
const streamId = fc.constantFrom("0-1", "1-1", "1-2", "2-0", "5-5", "0", "1", "$", ">", "-", "+", "0-0", "x-y");
const t = (s) => fc.constant(s);
const opt = (arb) => fc.option(arb, { nil: undefined, freq: 2 });
const many = (arb, min = 1, max = 3) => fc.array(arb, { minLength: min, maxLength: max });
const cmd = (...parts) => fc.tuple(...parts).map((xs) => xs.flat(Infinity).filter((x) => x !== undefined));

/** Per family, commands with mostly valid and sometimes invalid arguments. Deterministic replies only. */
export const families = {
  strings: fc.oneof(
    cmd(t("SET"), key, value, opt(fc.constantFrom(["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", "100"], ["PX", "0"], ["EX", "abc"], ["NX", "XX"]))),
    cmd(t("GET"), key),
    cmd(t("APPEND"), key, value),
    cmd(fc.constantFrom("INCR", "DECR", "STRLEN", "GETDEL"), key),
    cmd(fc.constantFrom("INCRBY", "DECRBY", "INCRBYFLOAT", "GETSET", "SETNX"), key, num),
    cmd(fc.constantFrom("GETRANGE", "SETRANGE"), key, small, value),
    cmd(t("MGET"), many(key)),
    cmd(t("MSET"), many(fc.tuple(key, value))),
    cmd(t("LCS"), key, key, opt(fc.constantFrom(["LEN"], ["IDX"], ["IDX", "MINMATCHLEN", "1", "WITHMATCHLEN"]))),
  ),
  keys: fc.oneof(
    cmd(fc.constantFrom("DEL", "EXISTS", "UNLINK", "TOUCH"), many(key)),
    cmd(fc.constantFrom("TYPE", "PERSIST", "TTL", "OBJECT"), key),
    cmd(t("OBJECT"), fc.constantFrom("ENCODING", "REFCOUNT", "NOPE"), key),
    cmd(fc.constantFrom("RENAME", "RENAMENX"), key, key),
    cmd(t("COPY"), key, key, opt(t("REPLACE"))),
    cmd(fc.constantFrom("EXPIRE", "PEXPIRE"), key, fc.constantFrom("100", "0", "-1", "abc", "9223372036854775807"), opt(fc.constantFrom("NX", "XX", "GT", "LT", "BAD"))),
    cmd(t("SORT"), key, opt(fc.constantFrom(["ALPHA"], ["DESC"], ["LIMIT", "0", "2"], ["BY", "nosort"], ["LIMIT", "x"]))),
  ),
  hashes: fc.oneof(
    cmd(fc.constantFrom("HSET", "HMSET"), key, many(fc.tuple(field, value))),
    cmd(fc.constantFrom("HGET", "HEXISTS", "HSTRLEN"), key, field),
    cmd(fc.constantFrom("HDEL", "HMGET"), key, many(field)),
    cmd(fc.constantFrom("HLEN", "HKEYS", "HVALS", "HGETALL"), key),
    cmd(fc.constantFrom("HINCRBY", "HINCRBYFLOAT", "HSETNX"), key, field, num),
  ),
  lists: fc.oneof(
    cmd(fc.constantFrom("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), key, many(value)),
    cmd(fc.constantFrom("LPOP", "RPOP"), key, opt(small)),
    cmd(fc.constantFrom("LRANGE", "LTRIM"), key, small, small),
    cmd(fc.constantFrom("LLEN"), key),
    cmd(fc.constantFrom("LINDEX"), key, num),
    cmd(t("LSET"), key, small, value),
    cmd(t("LINSERT"), key, fc.constantFrom("BEFORE", "AFTER", "MIDDLE"), value, value),
    cmd(t("LREM"), key, small, value),
    cmd(t("LPOS"), key, value, opt(fc.constantFrom(["RANK", "1"], ["RANK", "0"], ["COUNT", "0"], ["MAXLEN", "-1"]))),
    cmd(t("LMOVE"), key, key, fc.constantFrom("LEFT", "RIGHT"), fc.constantFrom("LEFT", "RIGHT", "UP")),
    cmd(t("LMPOP"), t("2"), key, key, fc.constantFrom("LEFT", "RIGHT"), opt(fc.constantFrom(["COUNT", "2"], ["COUNT", "0"]))),
  ),
  sets: fc.oneof(
    cmd(fc.constantFrom("SADD", "SREM", "SMISMEMBER"), key, many(field)),
    cmd(fc.constantFrom("SISMEMBER"), key, field),
    cmd(fc.constantFrom("SCARD", "SMEMBERS"), key),
    cmd(fc.constantFrom("SINTER", "SUNION", "SDIFF"), many(key)),
    cmd(fc.constantFrom("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), key, many(key)),
    cmd(t("SINTERCARD"), fc.constantFrom("1", "2", "0", "x"), key, key, opt(fc.constantFrom(["LIMIT", "1"], ["LIMIT", "-1"]))),
    cmd(t("SMOVE"), key, key, field),
  ),
  zsets: fc.oneof(
    cmd(t("ZADD"), key, opt(fc.constantFrom("NX", "XX", "GT", "LT", "CH", "INCR")), many(fc.tuple(score, field))),
    cmd(fc.constantFrom("ZSCORE", "ZRANK", "ZREVRANK"), key, field),
    cmd(t("ZINCRBY"), key, score, field),
    cmd(t("ZRANGE"), key, score, score, opt(fc.constantFrom(["WITHSCORES"], ["BYSCORE"], ["BYLEX"], ["REV"], ["BYSCORE", "LIMIT", "0", "1"], ["LIMIT", "0", "1"]))),
    cmd(fc.constantFrom("ZRANGEBYSCORE", "ZCOUNT", "ZLEXCOUNT", "ZREMRANGEBYSCORE"), key, score, score),
    cmd(fc.constantFrom("ZCARD"), key),
    cmd(fc.constantFrom("ZPOPMIN", "ZPOPMAX"), key, opt(small)),
    cmd(fc.constantFrom("ZREM", "ZMSCORE"), key, many(field)),
    cmd(fc.constantFrom("ZUNIONSTORE", "ZINTERSTORE"), key, t("2"), key, key, opt(fc.constantFrom(["WEIGHTS", "1", "2"], ["AGGREGATE", "MAX"], ["AGGREGATE", "NONE"]))),
    cmd(fc.constantFrom("ZUNION", "ZINTER", "ZDIFF"), t("2"), key, key, opt(t("WITHSCORES"))),
  ),
  streams: fc.oneof(
    cmd(t("XADD"), key, opt(fc.constantFrom(["MAXLEN", "2"], ["NOMKSTREAM"], ["MINID", "1"])), streamId, many(fc.tuple(field, value))),
    cmd(fc.constantFrom("XLEN"), key),
    cmd(fc.constantFrom("XRANGE", "XREVRANGE"), key, streamId, streamId, opt(fc.constantFrom(["COUNT", "1"], ["COUNT", "x"]))),
    cmd(t("XDEL"), key, many(streamId)),
    cmd(t("XTRIM"), key, fc.constantFrom("MAXLEN", "MINID", "BAD"), small),
    cmd(t("XGROUP"), fc.constantFrom("CREATE", "DESTROY", "SETID"), key, t("g"), streamId, opt(t("MKSTREAM"))),
    cmd(t("XREADGROUP"), t("GROUP"), t("g"), t("c"), opt(fc.constantFrom(["COUNT", "2"], ["NOACK"])), t("STREAMS"), key, streamId),
    cmd(t("XREAD"), opt(fc.constantFrom(["COUNT", "2"])), t("STREAMS"), key, streamId),
    cmd(t("XACK"), key, t("g"), many(streamId)),
    cmd(t("XPENDING"), key, t("g")),
  ),
  bitmaps: fc.oneof(
    cmd(t("SETBIT"), key, fc.constantFrom("0", "7", "100", "-1", "4294967296"), fc.constantFrom("0", "1", "2")),
    cmd(t("GETBIT"), key, small),
    cmd(t("BITCOUNT"), key, opt(fc.constantFrom(["0", "-1"], ["0"], ["1", "2", "BIT"], ["0", "1", "BYTE"], ["0", "1", "NOPE"]))),
    cmd(t("BITPOS"), key, fc.constantFrom("0", "1", "2"), opt(fc.constantFrom(["0"], ["0", "-1"], ["0", "1", "BIT"]))),
    cmd(t("BITOP"), fc.constantFrom("AND", "OR", "XOR", "NOT", "NAND"), key, many(key)),
    cmd(t("BITFIELD"), key, fc.constantFrom(["GET", "u8", "0"], ["SET", "i8", "0", "5"], ["INCRBY", "u4", "0", "20"], ["OVERFLOW", "SAT", "INCRBY", "u4", "0", "20"], ["GET", "u99", "0"])),
  ),
  hll: fc.oneof(cmd(t("PFADD"), key, many(field, 0)), cmd(t("PFCOUNT"), many(key)), cmd(t("PFMERGE"), key, many(key))),
  geo: fc.oneof(
    cmd(t("GEOADD"), key, many(fc.tuple(fc.constantFrom("13.361389", "15.087269", "200", "x"), fc.constantFrom("38.115556", "37.502669", "-90"), field))),
    cmd(t("GEODIST"), key, field, field, opt(fc.constantFrom("km", "m", "parsec"))),
    cmd(t("GEOHASH"), key, many(field)),
  ),
  pubsub: fc.oneof(cmd(t("PUBLISH"), fc.constantFrom("ch1", "ch2"), value), cmd(t("PUBSUB"), fc.constantFrom("NUMSUB", "NUMPAT", "CHANNELS", "NOPE"), opt(t("ch1")))),
  transactions: fc.oneof(cmd(fc.constantFrom("MULTI", "EXEC", "DISCARD", "UNWATCH")), cmd(t("WATCH"), many(key))),
  scripting: fc.oneof(
    cmd(t("EVAL"), fc.constantFrom("return redis.call('get', KEYS[1])", "return redis.call('incr', KEYS[1])", "return {1, 'x', ARGV[1]}", "return redis.pcall('lpush', KEYS[1], 'v')", "error('boom')", "return 1 +"), t("1"), key, value),
    cmd(t("EVAL"), t("return 1"), fc.constantFrom("0", "-1", "x", "5")),
  ),
  server: fc.oneof(
    cmd(fc.constantFrom("PING", "DBSIZE", "ECHO")),
    cmd(t("ECHO"), value),
    cmd(t("SELECT"), fc.constantFrom("0", "1", "16", "x")),
    cmd(fc.constantFrom("FLUSHDB", "SWAPDB"), opt(fc.constantFrom("0", "1", "ASYNC"))),
    cmd(t("NOSUCHCOMMAND"), many(value, 0)),
  ),
};

/** A command from any family. */
export const anyCommand = fc.oneof(...Object.values(families));

/** Commands whose reply is an unordered collection: compared as sorted elements (or sorted pairs). */
const UNORDERED = new Set(["SMEMBERS", "SINTER", "SUNION", "SDIFF", "HKEYS", "HVALS", "KEYS", "PUBSUB"]);
const PAIRS = new Set(["HGETALL"]);

// ---------------------------------------------------------------------------------------------------------
// frames

export function encode(argv) {
  const parts = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert"), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("length"), at: fc.nat(), text: fc.constantFrom("-1", "-2", "0", "99999999999", "536870913", "x", "", "1 ", "2147483648", "-0") }),
  fc.record({ kind: fc.constant("crlf"), at: fc.nat(), text: fc.constantFrom("\n", "\r", "\r\n\r\n", "") }),
);

function mutate(frame, m) {
  const at = frame.length === 0 ? 0 : m.at % frame.length;
  switch (m.kind) {
    case "flip": {
      const b = Buffer.from(frame);
      if (b.length) b[at] = m.byte;
      return b;
    }
    case "truncate":
      return frame.subarray(0, at);
    case "insert":
      return Buffer.concat([frame.subarray(0, at), Buffer.from(m.bytes), frame.subarray(at)]);
    case "length": {
      // replace the digits after the n-th '*' or '$' marker
      const marks = [];
      for (let i = 0; i < frame.length; i++) if (frame[i] === 42 || frame[i] === 36) marks.push(i);
      if (marks.length === 0) return frame;
      const p = marks[m.at % marks.length];
      const nl = frame.indexOf("\r\n", p);
      if (nl < 0) return frame;
      return Buffer.concat([frame.subarray(0, p + 1), Buffer.from(m.text), frame.subarray(nl)]);
    }
    case "crlf": {
      const nl = frame.indexOf("\r\n", at);
      if (nl < 0) return frame;
      return Buffer.concat([frame.subarray(0, nl), Buffer.from(m.text), frame.subarray(nl + 2)]);
    }
  }
  return frame;
}

const inline = anyCommand.map((argv) => Buffer.from(argv.map((a) => (/[\s"']/.test(a) || a === "" ? JSON.stringify(a) : a)).join(" ") + "\r\n"));

/** One input a hostile or broken client might send: valid, inline, mutated frames, or raw bytes. */
export const hostileFrame = fc.oneof(
  { weight: 3, arbitrary: anyCommand.map(encode) },
  { weight: 1, arbitrary: inline },
  { weight: 4, arbitrary: fc.tuple(anyCommand.map(encode), many(mutation, 1, 3)).map(([f, ms]) => ms.reduce(mutate, f)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)) },
  { weight: 1, arbitrary: fc.constantFrom("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n", "*1048577\r\n", "$5\r\nhello\r\n", "*-1\r\n", "*0\r\n", "\r\n\r\n", '"unbalanced\r\n', "PING\n", "*1\r\n$4\r\nPING\r\n".repeat(200)).map((s) => Buffer.from(s)) },
);

/** A hostile session: frames written in random-sized chunks. */
export const hostileSession = fc.record({ frames: many(hostileFrame, 1, 6), chunk: fc.integer({ min: 1, max: 64 }) });

// ---------------------------------------------------------------------------------------------------------
// a small RESP connection

export function replyLength(buf, pos = 0) {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf("\r\n", pos);
  if (nl < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const n = Number(buf.toString("latin1", pos + 1, nl));
  let p = nl + 2;
  if ("+-:_,#(".includes(type)) return p - pos;
  if ("$=!".includes(type)) return n < 0 ? p - pos : buf.length < p + n + 2 ? -1 : p + n + 2 - pos;
  if ("*~>%|".includes(type)) {
    if (n < 0) return p - pos;
    const count = type === "%" || type === "|" ? n * 2 : n;
    for (let i = 0; i < count; i++) {
      const l = replyLength(buf, p);
      if (l < 0) return -1;
      p += l;
    }
    return p - pos;
  }
  throw new Error(`bad reply type ${JSON.stringify(type)}`);
}

export class Conn {
  static open(port, host = "127.0.0.1") {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new Conn(s)));
      s.once("error", reject);
    });
  }
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.waiter = null;
    sock.on("data", (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.waiter?.();
    });
    sock.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    sock.on("error", () => {});
  }
  write(b) {
    if (!this.closed) this.sock.write(b);
  }
  /** Next reply as latin1, null on close, throws "timeout" after ms. */
  async read(ms = 3000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const n = replyLength(this.buf);
      if (n >= 0) {
        const out = this.buf.toString("latin1", 0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timeout");
      await new Promise((r) => {
        const timer = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          r();
        };
      });
    }
  }
  async call(...argv) {
    this.write(encode(argv));
    return this.read();
  }
  /** Wait until the server closes or `ms` passes; returns what arrived meanwhile. */
  async drain(ms) {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((r) => {
        const timer = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          r();
        };
      });
    }
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }
  close() {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// checks

/**
 * The robustness oracle: a bystander connection (opened before the run, holding a known key) must still get
 * PONG and its value within `ms`, and the process must be alive. Returns null or "crash" / "hang" / "corrupt".
 */
export async function healthy(target, ms = 3000) {
  if (target.proc && target.proc.exitCode !== null) return "crash";
  try {
    const pong = await target.bystander.call("PING");
    if (pong === null) return target.proc && target.proc.exitCode !== null ? "crash" : "bystander closed";
    if (pong !== "+PONG\r\n") return `bystander got ${JSON.stringify(pong)}`;
    const v = await target.bystander.call("GET", "fuzz:canary");
    if (v !== "$6\r\ncanary\r\n") return `canary changed: ${JSON.stringify(v)}`;
    return null;
  } catch {
    return target.proc && target.proc.exitCode !== null ? "crash" : "hang";
  } finally {
    void ms;
  }
}

/** Prepare a target: a bystander connection in db 15 holding the canary key. */
export async function attachBystander(target) {
  target.bystander = await Conn.open(target.port);
  await target.bystander.call("SELECT", "15");
  await target.bystander.call("SET", "fuzz:canary", "canary");
}

/** Send one hostile session on a fresh connection; returns the bytes the server answered. */
export async function runHostile(port, session) {
  const c = await Conn.open(port);
  const all = Buffer.concat(session.frames);
  for (let i = 0; i < all.length; i += session.chunk) c.write(all.subarray(i, i + session.chunk));
  const out = await c.drain(150);
  c.close();
  return out;
}

/** Sorted top-level elements of an aggregate reply (for unordered commands). */
function elements(reply) {
  const b = Buffer.from(reply, "latin1");
  const nl = b.indexOf("\r\n");
  const n = Number(b.toString("latin1", 1, nl));
  const out = [];
  let p = nl + 2;
  const count = reply[0] === "%" ? n * 2 : n;
  for (let i = 0; i < count && n >= 0; i++) {
    const l = replyLength(b, p);
    out.push(b.toString("latin1", p, p + l));
    p += l;
  }
  return out;
}

export function normalize(argv, reply) {
  if (reply === null || !"*~%".includes(reply[0])) return reply;
  const name = String(argv[0]).toUpperCase();
  if (PAIRS.has(name)) {
    const els = elements(reply);
    const pairs = [];
    for (let i = 0; i < els.length; i += 2) pairs.push(els[i] + els[i + 1]);
    return `${reply[0]}${els.length}|${pairs.sort().join("")}`;
  }
  if (UNORDERED.has(name)) return `${reply[0]}${elements(reply).sort().join("")}`;
  return reply;
}

/**
 * Intended differences from the reference server. `ref` is "redis" (Debian redis-server 7.0) or "valkey"
 * (8.0.1). Each entry: which reference, a test on (argv, ours, theirs), and why this server answers as it does.
 */
export const ALLOWED = [
  {
    ref: "redis",
    why: "Valkey 8 parses all of BITCOUNT's arguments first (syntax error for a bad unit); Redis 7.0 answers WRONGTYPE or 0 for a missing key",
    match: (argv, ours, theirs) => String(argv[0]).toUpperCase() === "BITCOUNT" && ours === "-ERR syntax error\r\n" && theirs !== ours,
  },
  {
    ref: "redis",
    why: "Valkey 8 accepts '+' (the last entry) as an XREAD ID; Redis 7.0 calls it an invalid stream ID",
    match: (argv, ours, theirs) =>
      String(argv[0]).toUpperCase() === "XREAD" && argv.includes("+") && theirs === "-ERR Invalid stream ID specified as stream command argument\r\n",
  },
  {
    ref: "redis",
    why: "Valkey 8 refuses MULTI and WATCH inside MULTI through the no-multi command flag ('Command not allowed inside a transaction')",
    match: (argv, ours, theirs) =>
      ["MULTI", "WATCH"].includes(String(argv[0]).toUpperCase()) && ours === "-ERR Command not allowed inside a transaction\r\n" && /nested|inside MULTI/.test(theirs ?? ""),
  },
  {
    ref: "redis",
    why: "Valkey 8 made BITCOUNT's end optional (BITCOUNT key start counts to the last byte); Redis 7.0 says syntax error",
    match: (argv, ours, theirs) => String(argv[0]).toUpperCase() === "BITCOUNT" && argv.length === 3 && theirs === "-ERR syntax error\r\n",
  },
  {
    ref: "redis",
    why: "Valkey's texts name Valkey where Redis names Redis (script errors, BUSY, HELLO)",
    match: (argv, ours, theirs) => typeof ours === "string" && typeof theirs === "string" && ours.replace(/Valkey/g, "Redis") === theirs,
  },
  {
    ref: "redis",
    why: "Lua error texts: Valkey 8 reports script errors as 'user_script:N: ...' with its own wording (scripting is owned by the Lua engine work)",
    match: (argv, ours, theirs) => String(argv[0]).toUpperCase() === "EVAL" && ours?.startsWith("-") && theirs?.startsWith("-"),
  },
  {
    ref: "redis",
    why: "EXEC of a transaction holding a script error: the element error texts follow Valkey's Lua wording",
    match: (argv, ours, theirs) => String(argv[0]).toUpperCase() === "EXEC" && ours?.[0] === "*" && theirs?.[0] === "*" && ours.length !== theirs.length && /user_script|ERR/.test(ours),
  },
];

export function allowed(ref, argv, ours, theirs) {
  return ALLOWED.find((a) => a.ref === ref && a.match(argv, ours, theirs)) ?? null;
}

/**
 * Run one command sequence on both servers (same fresh state: FLUSHALL, db 0) and return the first
 * divergence not in the allow-list, or null.
 */
export async function compareSequence(ours, theirs, ref, seq) {
  // db 0 and 1 only: the bystander's canary lives in db 15
  for (const c of [ours, theirs]) {
    for (const db of ["1", "0"]) {
      await c.call("SELECT", db);
      await c.call("FLUSHDB");
    }
  }
  for (const argv of seq) {
    const [a, b] = await Promise.all([ours.call(...argv), theirs.call(...argv)]);
    const na = normalize(argv, a);
    const nb = normalize(argv, b);
    if (na === nb) continue;
    if (allowed(ref, argv, a, b)) continue;
    return { argv, ours: a, theirs: b };
  }
  return null;
}

/** Leave a connection usable for the next sequence (an open MULTI, a stray SELECT). */
export async function resetConn(c) {
  await c.call("DISCARD");
  await c.call("UNWATCH");
}

// ---------------------------------------------------------------------------------------------------------
// reference servers

/** Start a throw-away valkey-server / redis-server binary; resolves { proc, port } once it answers, or null. */
export async function startReference(bin) {
  const port = await freePort();
  const proc = spawn(bin, ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      (await Conn.open(port)).close();
      return { proc, port };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill("SIGKILL");
  return null;
}
