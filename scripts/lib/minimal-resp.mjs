#!/usr/bin/env node
// The ceiling the runtime allows: the smallest RESP server that answers redis-benchmark's PING, SET, GET,
// INCR and MSET (a Map of latin1 keys to Buffer copies), on node:net or Bun.listen, with one write per read
// as valkey-bun does. No gate, no stats, no expiry, no error handling: well-formed input from redis-benchmark only. The bench runs it
// beside valkey-bun so every ratio can be read against what the runtime itself costs.
//
//   node scripts/lib/minimal-resp.mjs --port N        bun scripts/lib/minimal-resp.mjs --port N

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const db = new Map();
const OK = Buffer.from("+OK\r\n");
const PONG = Buffer.from("+PONG\r\n");
const NIL = Buffer.from("$-1\r\n");
const ERR = Buffer.from("-ERR unknown command\r\n");
// COMMAND INFO <name>: enough for the bench's probe of what a target supports
const INFO1 = Buffer.from("*1\r\n*0\r\n");
const EMPTY1 = Buffer.from("*1\r\n*-1\r\n");
const SUPPORTED = new Set(["ping", "set", "get", "incr", "mset"]);

const slab = Buffer.allocUnsafe(1 << 20);
let out = 0;
const put = (b) => {
  for (let i = 0; i < b.length; i++) slab[out++] = b[i];
};
const intLine = (prefix, n) => {
  slab[out++] = prefix;
  const s = String(n);
  for (let i = 0; i < s.length; i++) slab[out++] = s.charCodeAt(i);
  slab[out++] = 13;
  slab[out++] = 10;
};
/** Decimal at buf[pos..] up to CR; returns [value, index of CR] or null when the line is incomplete. */
function num(buf, pos, len) {
  let v = 0;
  for (let i = pos; i < len; i++) {
    const c = buf[i];
    if (c === 13) return i + 1 < len ? ((lineEnd = i), v) : -1;
    v = v * 10 + c - 48;
  }
  return -1;
}
let lineEnd = 0;
const starts = new Int32Array(64);
const ends = new Int32Array(64);

/** Run every complete command in `buf`; returns [reply bytes, bytes consumed]. Hand-tuned: this is the ceiling. */
function run(buf) {
  out = 0;
  let pos = 0;
  const len = buf.length;
  while (pos < len) {
    const start = pos;
    let argc;
    if (buf[pos] !== 42) {
      // inline (redis-benchmark's PING_INLINE): words separated by spaces
      const lf = buf.indexOf(10, pos);
      if (lf < 0) break;
      const words = buf.toString("latin1", pos, lf).trim().split(" ");
      argc = 0;
      let p = pos;
      for (const w of words) {
        starts[argc] = p;
        ends[argc++] = p + w.length;
        p += w.length + 1;
      }
      pos = lf + 1;
    } else {
      const n = num(buf, pos + 1, len);
      if (n < 0) break;
      pos = lineEnd + 2;
      argc = 0;
      for (; argc < n && argc < 64; argc++) {
        const l = pos < len ? num(buf, pos + 1, len) : -1;
        if (l < 0 || lineEnd + 2 + l + 2 > len) break;
        starts[argc] = lineEnd + 2;
        ends[argc] = lineEnd + 2 + l;
        pos = lineEnd + 2 + l + 2;
      }
      if (argc < n) {
        pos = start;
        break;
      }
    }
    const c0 = buf[starts[0]] | 32;
    const clen = ends[0] - starts[0];
    if (c0 === 112) put(PONG); // ping
    else if (c0 === 115 && clen === 3) {
      db.set(buf.latin1Slice(starts[1], ends[1]), copy(buf, 2));
      put(OK);
    } else if (c0 === 103) {
      const v = db.get(buf.latin1Slice(starts[1], ends[1]));
      if (v === undefined) put(NIL);
      else {
        intLine(36, v.length);
        put(v);
        slab[out++] = 13;
        slab[out++] = 10;
      }
    } else if (c0 === 105) {
      const k = buf.latin1Slice(starts[1], ends[1]);
      const old = db.get(k);
      const v = (old === undefined ? 0 : Number(old.latin1Slice(0, old.length))) + 1;
      db.set(k, Buffer.from(String(v), "latin1"));
      intLine(58, v);
    } else if (c0 === 109) {
      for (let i = 1; i + 1 < argc; i += 2) db.set(buf.latin1Slice(starts[i], ends[i]), copy(buf, i + 1));
      put(OK);
    } else if (c0 === 99) put(SUPPORTED.has(buf.latin1Slice(starts[2], ends[2]).toLowerCase()) ? INFO1 : EMPTY1);
    else put(ERR);
  }
  return [out > 0 ? Buffer.from(slab.subarray(0, out)) : null, pos];
}

function copy(buf, i) {
  const b = Buffer.allocUnsafe(ends[i] - starts[i]);
  buf.copy(b, 0, starts[i], ends[i]);
  return b;
}

if (typeof Bun !== "undefined") {
  Bun.listen({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.data = { rest: null };
      },
      data(s, d) {
        const buf = s.data.rest ? Buffer.concat([s.data.rest, d]) : d;
        const [reply, used] = run(buf);
        s.data.rest = used < buf.length ? Buffer.from(buf.subarray(used)) : null;
        if (reply) s.write(reply); // redis-benchmark replies are small: no partial-write queue needed
      },
    },
  });
} else {
  const net = await import("node:net");
  net
    .createServer({ noDelay: true }, (sock) => {
      let rest = null;
      sock.on("data", (d) => {
        const buf = rest ? Buffer.concat([rest, d]) : d;
        const [reply, used] = run(buf);
        rest = used < buf.length ? Buffer.from(buf.subarray(used)) : null;
        if (reply) sock.write(reply);
      });
      sock.on("error", () => {});
    })
    .listen(port, "127.0.0.1");
}
process.on("SIGTERM", () => process.exit(0));
