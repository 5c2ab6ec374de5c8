#!/usr/bin/env node
// The ceiling the runtime allows: the smallest RESP server that answers redis-benchmark's PING, SET, GET,
// INCR and MSET correctly (a Map of latin1 keys to Buffer copies), on node:net or Bun.listen, with one write
// per read as valkey-bun does. No gate, no stats, no expiry, no errors beyond the minimum. The bench runs it
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

/** Parse every complete command in `buf` from `pos`; returns [replies, consumed]. */
function run(buf) {
  const out = [];
  let pos = 0;
  const len = buf.length;
  outer: while (pos < len) {
    const start = pos;
    let argv;
    if (buf[pos] !== 42) {
      const lf = buf.indexOf(10, pos);
      if (lf < 0) break;
      argv = buf.toString("latin1", pos, lf).trim().split(/\s+/).map((s) => Buffer.from(s, "latin1"));
      pos = lf + 1;
    } else {
      let cr = buf.indexOf(13, pos);
      if (cr < 0 || cr + 1 >= len) break;
      const n = Number(buf.toString("latin1", pos + 1, cr));
      pos = cr + 2;
      argv = new Array(n);
      for (let i = 0; i < n; i++) {
        cr = buf.indexOf(13, pos);
        if (cr < 0 || cr + 1 >= len) {
          pos = start;
          break outer;
        }
        const l = Number(buf.toString("latin1", pos + 1, cr));
        pos = cr + 2;
        if (pos + l + 2 > len) {
          pos = start;
          break outer;
        }
        argv[i] = buf.subarray(pos, pos + l);
        pos += l + 2;
      }
    }
    const cmd = argv[0].toString("latin1").toLowerCase();
    if (cmd === "ping") out.push(PONG);
    else if (cmd === "set") {
      db.set(argv[1].toString("latin1"), Buffer.from(argv[2]));
      out.push(OK);
    } else if (cmd === "get") {
      const v = db.get(argv[1].toString("latin1"));
      out.push(v === undefined ? NIL : Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from("\r\n")]));
    } else if (cmd === "incr") {
      const k = argv[1].toString("latin1");
      const v = Number(db.get(k)?.toString("latin1") ?? "0") + 1;
      db.set(k, Buffer.from(String(v)));
      out.push(Buffer.from(`:${v}\r\n`));
    } else if (cmd === "mset") {
      for (let i = 1; i + 1 < argv.length; i += 2) db.set(argv[i].toString("latin1"), Buffer.from(argv[i + 1]));
      out.push(OK);
    } else if (cmd === "command") out.push(SUPPORTED.has(argv[2]?.toString("latin1").toLowerCase()) ? INFO1 : EMPTY1);
    else out.push(ERR);
  }
  return [out.length === 1 ? out[0] : Buffer.concat(out), pos];
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
        if (reply.length) s.write(reply); // redis-benchmark replies are small: no partial-write queue needed
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
        if (reply.length) sock.write(reply);
      });
      sock.on("error", () => {});
    })
    .listen(port, "127.0.0.1");
}
process.on("SIGTERM", () => process.exit(0));
