#!/usr/bin/env node
// Differential suite: replay the command scripts in test/diff/*.txt against a reference valkey-server 8.0.1 and
// against this server on Node (dist/cli.js) and on Bun (src/cli.ts), and compare the replies byte for byte.
//
//   npm run diff:valkey                       (builds dist/ first)
//   node scripts/diff-valkey.mjs [--runtimes node,bun] [--only lists,keys] [--resp 2|3] [--verbose]
//
// The reference build is looked up at $VALKEY_REFERENCE, else ../shared/tools/valkey-8.0.1/valkey-server beside
// the checkout. Without it the suite is skipped with the reason (exit 0). Not part of `npm test`.
//
// Script syntax (one command per line, split like a shell: 'single', "double" with \n \r \t \" \\ \xHH):
//   CMD args...            send on the default connection, read one reply, compare bytes
//   ~CMD args...           compare the reply as an unordered collection (SMEMBERS, KEYS, RESP3 maps, ...)
//   @b CMD args...         the same on connection b (opened on first use, same protocol as the file's run)
//   @b> CMD args...        send on b without reading (a blocking command); `@b<` reads b's next reply
//   {id:b}                 in a line: the id CLIENT ID returned on connection b (ids are aligned on both servers)
//   !sleep MS              pause
//   !mask REGEX [REPL]     from here on, replace REGEX (global) with REPL (default `*`) in both replies
//                          before comparing: for values that differ by nature (ids, addresses, times)
//   !unmask                drop every mask
//   !resp 2|3              header: run the file only in this protocol (default: both RESP2 and RESP3)
//   # comment
// At the end of a file each connection's unread bytes (pushes, invalidations) are compared too.
// Before each file and protocol: FLUSHALL, SCRIPT FLUSH, FUNCTION FLUSH, CONFIG RESETSTAT, SLOWLOG RESET and new
// connections. Generated checks are added for every command in the table: wrong arity and unknown subcommand.
//
// Intended differences live in test/diff/intended.json, each with its reason; a difference matching one
// (file and command line) is reported as intended, anything else fails the run (exit 1).

import net from "node:net";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIFF_DIR = join(ROOT, "test", "diff");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const verbose = args.includes("--verbose");

const reference = process.env.VALKEY_REFERENCE ?? resolve(ROOT, "..", "shared", "tools", "valkey-8.0.1", "valkey-server");
if (!existsSync(reference)) {
  console.log(`diff:valkey skipped: no reference valkey-server at ${reference} (set VALKEY_REFERENCE to a valkey-server 8.0.1 binary)`);
  process.exit(0);
}

// ------------------------------------------------------------------------------------------------------------
// script parsing

export function splitLine(line) {
  const out = [];
  let cur = null;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (cur !== null) out.push(cur), (cur = null);
      i++;
      continue;
    }
    cur ??= [];
    if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && line[i + 1] === "x") {
          cur.push(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (line[i] === "\\") {
          const e = { n: 10, r: 13, t: 9, '"': 34, "\\": 92 }[line[i + 1]];
          cur.push(e ?? line.charCodeAt(i + 1));
          i += 2;
        } else cur.push(...Buffer.from(line[i++]));
      }
      i++;
    } else if (c === "'") {
      i++;
      while (i < line.length && line[i] !== "'") cur.push(...Buffer.from(line[i++]));
      i++;
    } else cur.push(...Buffer.from(line[i++]));
  }
  if (cur !== null) out.push(cur);
  return out.map((b) => Buffer.from(b));
}

function encode(argv) {
  const parts = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

/** One complete RESP2/RESP3 frame at buf[pos..]: its end and children, or null when incomplete. */
function frame(buf, pos) {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf("\r\n", pos);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.toString("latin1", pos + 1, nl);
  let end = nl + 2;
  if ("$=!".includes(type)) {
    const n = Number(head);
    if (n < 0) return { end, kids: null };
    if (buf.length < end + n + 2) return null;
    return { end: end + n + 2, kids: null };
  }
  if ("*%~>|".includes(type)) {
    let n = Number(head);
    if (n < 0) return { end, kids: null };
    if (type === "%" || type === "|") n *= 2;
    const kids = [];
    for (let k = 0; k < n; k++) {
      const f = frame(buf, end);
      if (!f) return null;
      kids.push(buf.subarray(end, f.end));
      end = f.end;
    }
    return { end, kids, pairs: type === "%" || type === "|" };
  }
  return { end, kids: null };
}

const show = (b) =>
  b
    .toString("latin1")
    .replace(/[^\x20-\x7e]/g, (c) => (c === "\r" ? "\\r" : c === "\n" ? "\\n" : "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0")));

function unordered(raw) {
  const f = frame(raw, 0);
  if (!f || !f.kids) return show(raw);
  const items = [];
  if (f.pairs) for (let i = 0; i < f.kids.length; i += 2) items.push(show(f.kids[i]) + "=>" + show(f.kids[i + 1]));
  else for (const k of f.kids) items.push(show(k));
  return show(raw.subarray(0, raw.indexOf("\r\n") + 2)) + items.sort().join(" ");
}

// ------------------------------------------------------------------------------------------------------------
// connections and servers

class Conn {
  constructor(port) {
    this.port = port;
    this.buf = Buffer.alloc(0);
    this.waiter = null;
  }
  open() {
    return new Promise((res, rej) => {
      this.sock = net.connect(this.port, "127.0.0.1", res);
      this.sock.once("error", rej);
      this.sock.on("data", (d) => {
        this.buf = Buffer.concat([this.buf, d]);
        this.waiter?.();
      });
      this.sock.on("close", () => this.waiter?.());
    });
  }
  send(argv) {
    this.sock.write(encode(argv));
  }
  /** The next whole frame, or a marker after `ms`. */
  async read(ms = 3000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = frame(this.buf, 0);
      if (f) {
        const raw = Buffer.from(this.buf.subarray(0, f.end));
        this.buf = this.buf.subarray(f.end);
        return raw;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.sock.destroyed) return Buffer.from(this.sock.destroyed ? "(connection closed)" : "(no reply within timeout)");
      await new Promise((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = null;
    }
  }
  /** A complete frame already buffered, without waiting (null when none). */
  take() {
    const f = frame(this.buf, 0);
    if (!f) return null;
    const raw = Buffer.from(this.buf.subarray(0, f.end));
    this.buf = this.buf.subarray(f.end);
    return raw;
  }

  /**
   * One command's output: the RESP3 pushes that came before its reply, the reply, and the pushes already sent
   * right behind it (same write), joined with " | " — so "invalidation before the reply" and "after the reply"
   * read differently. A command answered by pushes only (SUBSCRIBE in RESP3) ends when no frame follows shortly.
   */
  async readReply() {
    const parts = [];
    let f = await this.read();
    while (f[0] === 0x3e /* > */) {
      parts.push(f);
      const next = await this.read(150);
      if (next.toString().startsWith("(no reply")) return Buffer.from(parts.map(show).join(" | "));
      f = next;
    }
    parts.push(f);
    while (this.buf.length > 0 && this.buf[0] === 0x3e) {
      const p = this.take();
      if (p === null) break;
      parts.push(p);
    }
    return Buffer.concat(parts.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from(" | "), b])));
  }

  /** Whatever arrived and was not read (after a short settle). */
  async rest(ms = 100) {
    await new Promise((r) => setTimeout(r, ms));
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }
  close() {
    this.sock.destroy();
  }
}

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function waitUp(port) {
  for (let i = 0; i < 200; i++) {
    try {
      const c = new Conn(port);
      await c.open();
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server on port ${port} did not come up`);
}

// DEBUG is enabled on both so that scripts can make expiry deterministic (DEBUG SET-ACTIVE-EXPIRE 0).
const SERVER_FLAGS = ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--enable-debug-command", "yes"];

async function startReference() {
  const port = await freePort();
  const proc = spawn(reference, ["--port", String(port), ...SERVER_FLAGS], { stdio: "ignore" });
  await waitUp(port);
  return { name: "valkey-8.0.1", port, proc };
}

async function startOurs(runtime) {
  const cmd = runtime === "bun" ? join(ROOT, "node_modules", ".bin", "bun") : process.execPath;
  const pre = runtime === "bun" ? [join(ROOT, "src", "cli.ts")] : [join(ROOT, "dist", "cli.js")];
  const proc = spawn(cmd, [...pre, "--port", "0", ...SERVER_FLAGS], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  let out = "";
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${runtime} server did not start: ${out}`)), 20000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /ready on redis:\/\/[^:]+:(\d+)/.exec(out);
      if (m) clearTimeout(t), res(Number(m[1]));
    });
    proc.stderr.on("data", (d) => (out += d));
    proc.on("exit", (code) => rej(new Error(`${runtime} server exited with ${code}: ${out}`)));
  });
  return { name: runtime, port, proc };
}

// ------------------------------------------------------------------------------------------------------------
// running a script on two servers side by side

const RESET = ["FLUSHALL", "SCRIPT FLUSH", "FUNCTION FLUSH", "CONFIG RESETSTAT", "SLOWLOG RESET"].map((l) => splitLine(l));

async function session(port, resp) {
  const c = new Conn(port);
  await c.open();
  if (resp === 3) {
    c.send(splitLine("HELLO 3"));
    await c.read();
  }
  return c;
}

/** Open throw-away connections on the server behind until the next client id is the same on both. */
async function alignClientIds(portA, portB) {
  const nextId = async (port) => {
    const c = await session(port, 2);
    c.send(splitLine("CLIENT ID"));
    const id = Number(/:(\d+)/.exec((await c.read()).toString())?.[1]);
    c.close();
    return id;
  };
  for (let round = 0; round < 5; round++) {
    const [a, b] = [await nextId(portA), await nextId(portB)];
    if (a === b) return;
    const [port, n] = a < b ? [portA, b - a] : [portB, a - b];
    for (let i = 0; i < n; i++) (await session(port, 2)).close();
  }
}

/** Replay `lines` on the reference and on ours in lockstep; returns the differences found. */
async function replay(file, lines, resp, ref, ours, globalMasks) {
  const admin = [await session(ref.port, 2), await session(ours.port, 2)];
  for (const argv of RESET) {
    for (const a of admin) a.send(argv);
    for (const a of admin) await a.read();
  }
  for (const a of admin) a.close();
  await alignClientIds(ref.port, ours.port);
  const conns = new Map();
  const conn = async (name) => {
    let pair = conns.get(name);
    if (!pair) conns.set(name, (pair = [await session(ref.port, resp), await session(ours.port, resp)]));
    return pair;
  };
  const ids = new Map();
  let masks = [...globalMasks];
  const norm = (b, loose) => {
    let s = loose ? unordered(b) : show(b);
    for (const [re, to] of masks) s = s.replace(re, to);
    return s;
  };
  const diffs = [];
  let total = 0;
  let lineNo = 0;
  const compare = (line, a, b, loose) => {
    total++;
    const [x, y] = [norm(a, loose), norm(b, loose)];
    if (x !== y) diffs.push({ file, resp, line, lineNo, valkey: x, ours: y });
    else if (verbose) console.log(`  same  ${line}  =>  ${x.slice(0, 200)}`);
  };
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!resp")) continue;
    if (line.startsWith("!sleep")) {
      await new Promise((r) => setTimeout(r, Number(line.split(/\s+/)[1])));
      continue;
    }
    if (line.startsWith("!mask")) {
      const [, re, to] = splitLine(line).map((b) => b.toString());
      masks.push([new RegExp(re, "g"), to ?? "*"]);
      continue;
    }
    if (line === "!unmask") {
      masks = [...globalMasks];
      continue;
    }
    let rest = line;
    let name = "default";
    let mode = "call";
    const m = /^@(\w+)([<>]?)\s*/.exec(rest);
    if (m) {
      name = m[1];
      mode = m[2] === ">" ? "send" : m[2] === "<" ? "read" : "call";
      rest = rest.slice(m[0].length);
    }
    const [a, b] = await conn(name);
    if (mode === "read") {
      compare(line, ...(await Promise.all([a.readReply(), b.readReply()])), false);
      continue;
    }
    const loose = rest.startsWith("~");
    rest = rest.replace(/\{id:(\w+)\}/g, (_, n) => ids.get(n) ?? "0");
    const argv = splitLine(loose ? rest.slice(1) : rest);
    a.send(argv);
    b.send(argv);
    if (mode === "send") continue;
    const [ra, rb] = await Promise.all([a.readReply(), b.readReply()]);
    // CLIENT ID on a connection names its id for later lines as {id:name} (ids are aligned on both servers)
    if (/^client\s+id$/i.test(rest)) ids.set(name, /^:(\d+)/.exec(ra.toString())?.[1] ?? "0");
    compare(line, ra, rb, loose);
  }
  for (const [name, [a, b]] of conns) {
    const [ra, rb] = await Promise.all([a.rest(), b.rest()]);
    compare(`(unread on @${name})`, ra, rb, false);
    a.close();
    b.close();
  }
  return { diffs, total };
}

/** Checks for every command in the table: Valkey's wrong-arity and unknown-subcommand errors. */
function generated() {
  const specs = join(ROOT, "..", "shared", "valkey-commands");
  if (!existsSync(specs)) return [];
  const lines = [];
  const containers = new Set();
  for (const f of readdirSync(specs).filter((x) => x.endsWith(".json")).sort()) {
    const spec = Object.values(JSON.parse(readFileSync(join(specs, f), "utf8")))[0];
    const name = f.replace(/\.json$/, "");
    const words = spec.container ? [spec.container, name.slice(spec.container.length + 1)] : [name];
    if (spec.container && !containers.has(spec.container)) {
      containers.add(spec.container);
      lines.push(`${spec.container} NOSUCHSUB`, `${spec.container} HELP`);
    }
    // One argument short of the minimum: Valkey's wrong-arity error (never a valid, possibly blocking, form).
    const short = Math.abs(spec.arity) - 1 - words.length;
    if (spec.arity !== -1 && spec.arity !== 1 && short >= 0 && !(spec.container && spec.arity === -2)) {
      lines.push([...words, ...Array.from({ length: short }, (_, i) => `a${i}`)].join(" ").toUpperCase());
    }
  }
  return lines;
}

// ------------------------------------------------------------------------------------------------------------

async function main() {
  const runtimes = (opt("--runtimes") ?? "node,bun").split(",");
  const only = opt("--only")?.split(",");
  const protos = opt("--resp") ? [Number(opt("--resp"))] : [2, 3];
  const allowed = JSON.parse(readFileSync(join(DIFF_DIR, "intended.json"), "utf8"));
  const intended = allowed.differences;
  const globalMasks = (allowed.masks ?? []).map((m) => [new RegExp(m.re, "g"), m.to]);
  const files = readdirSync(DIFF_DIR)
    .filter((f) => f.endsWith(".txt"))
    .map((f) => f.replace(/\.txt$/, ""))
    .filter((f) => !only || only.includes(f))
    .sort();
  const scripts = files.map((f) => [f, readFileSync(join(DIFF_DIR, f + ".txt"), "utf8").split("\n")]);
  if (!only || only.includes("generated")) scripts.push(["generated", generated()]);

  const procs = [];
  let unexplained = 0;
  let intendedSeen = 0;
  let checks = 0;
  try {
    for (const rt of runtimes) {
      // A fresh pair per runtime: server-wide counters (rdb_changes_since_last_save, ids) start level.
      const ref = await startReference();
      procs.push(ref.proc);
      const ours = await startOurs(rt);
      procs.push(ours.proc);
      for (const [file, lines] of scripts) {
        const header = lines.find((l) => l.startsWith("!resp"));
        const ps = header ? [Number(header.split(/\s+/)[1])].filter((p) => protos.includes(p)) : protos;
        for (const resp of ps) {
          const { diffs, total } = await replay(file, lines, resp, ref, ours, globalMasks);
          checks += total;
          for (const d of diffs) {
            const why = intended.find(
              (x) => (x.file === undefined || x.file === d.file) && (x.resp === undefined || x.resp === d.resp) && new RegExp(x.line, "i").test(d.line),
            );
            if (why) {
              intendedSeen++;
              if (verbose) console.log(`intended [${rt} resp${resp} ${file}] ${d.line}: ${why.reason}`);
              continue;
            }
            unexplained++;
            console.log(`DIFF [${rt} resp${resp} ${file}:${d.lineNo}] ${d.line}\n   valkey: ${d.valkey}\n   ours:   ${d.ours}`);
          }
        }
      }
      ours.proc.kill();
      ref.proc.kill();
    }
  } finally {
    for (const p of procs) p.kill();
  }
  console.log(`diff:valkey: ${checks} checks on ${runtimes.join("+")}, ${unexplained} unexplained differences, ${intendedSeen} intended (test/diff/intended.json)`);
  process.exit(unexplained ? 1 : 0);
}

main().catch((e) => {
  console.error("diff:valkey:", e.stack ?? e.message);
  process.exit(2);
});
