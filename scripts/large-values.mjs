#!/usr/bin/env node
// Large values and the memory they leave behind (issue 13 items 6 and 7), on this server under Node and Bun
// and on valkey-server / redis-server when present:
//   - SET of a --mb MB value and APPEND of --mb MB chunks: seconds per command (target: 100 MB in <= 0.5 s)
//   - peak RSS while a --mb MB SET is received, over the payload (target: buffer memory <= 1.3x payload)
//   - RSS after DEL of the big keys, after a client that sent a --mb MB bulk disconnects, and after a client
//     that left --unread MB of replies unread disconnects (target: back near the baseline)
//
//   npm run build && node scripts/large-values.mjs [--mb 100] [--unread 150] [--targets node,bun,valkey,redis]
//
// Linux only (reads /proc/<pid>/status). Prints one table; numbers vary with machine load.

import { spawn } from "node:child_process";
import net from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, freePort, options, rssBytes, serverCommand, sleep, which } from "./lib/bench-common.mjs";

const { opt } = options(import.meta.url, [1, 12]);
const MB = Number(opt("mb", 100));
const UNREAD = Number(opt("unread", 150));
const VALKEY = join(ROOT, "..", "shared", "tools", "valkey-8.0.1", "valkey-server");
const TARGETS = opt("targets", "node,bun,valkey,redis").split(",");

async function start(kind) {
  const port = await freePort();
  let cmd, args;
  if (kind === "valkey") [cmd, args] = [VALKEY, ["--port", String(port), "--save", "", "--appendonly", "no", "--client-query-buffer-limit", "1gb", "--proto-max-bulk-len", "1gb"]];
  else [cmd, args] = serverCommand(kind, port, ["--client-query-buffer-limit", "1gb", "--proto-max-bulk-len", "1gb"]);
  const proc = spawn(cmd, args, { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    try {
      const s = await connect(port);
      s.destroy();
      return { proc, port };
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${kind} did not start`);
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** A client that counts reply bytes; `until(n)` resolves once n bytes of replies arrived. */
async function client(port) {
  const s = await connect(port);
  s.setNoDelay(true);
  let got = 0;
  let want = Infinity;
  let wake = null;
  s.on("data", (d) => {
    got += d.length;
    if (got >= want && wake) wake();
  });
  s.until = (n) => new Promise((r) => (got >= (want = n) ? r() : (wake = r)));
  s.reset = () => ((got = 0), (want = Infinity), (wake = null));
  return s;
}

function header(args, lastLen) {
  let h = `*${args.length + 1}\r\n`;
  for (const a of args) h += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return Buffer.from(h + `$${lastLen}\r\n`);
}

/** Send `cmd ...args <payload>` in 1 MB writes; resolve with seconds until the reply (`replyLen` bytes) arrived. */
async function bigCommand(s, args, payload, replyLen) {
  s.reset();
  const t0 = performance.now();
  const done = s.until(replyLen);
  s.write(header(args, payload.length));
  for (let off = 0; off < payload.length; off += 1 << 20) {
    if (!s.write(payload.subarray(off, Math.min(payload.length, off + (1 << 20))))) await new Promise((r) => s.once("drain", r));
  }
  s.write("\r\n");
  await done;
  return (performance.now() - t0) / 1000;
}

async function simple(s, line, replyLen) {
  s.reset();
  const done = s.until(replyLen);
  s.write(line);
  await done;
}

async function settle(pid, ms = 1500) {
  await sleep(ms);
  return rssBytes(pid);
}

const mb = (b) => (b / 1048576).toFixed(0);

async function measure(kind) {
  const { proc, port } = await start(kind);
  const pid = proc.pid;
  const out = { kind };
  try {
    const c = await client(port);
    await simple(c, "PING\r\n", 7);
    out.base = await settle(pid, 500);
    const payload = Buffer.alloc(MB << 20, 120);
    // peak RSS while the SET is received and stored
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 5);
    out.set = await bigCommand(c, ["SET", "big"], payload, 5);
    clearInterval(probe);
    peak = Math.max(peak, rssBytes(pid));
    out.peakOverPayload = (peak - out.base) / payload.length;
    out.append = [];
    for (let i = 0; i < 3; i++) out.append.push(await bigCommand(c, ["APPEND", "app"], payload, `:${(i + 1) * payload.length}\r\n`.length));
    out.afterValues = rssBytes(pid);
    await simple(c, "DEL big app\r\n", 4);
    out.afterDel = await settle(pid);
    // a client that sends a big bulk, then leaves
    const q = await client(port);
    await bigCommand(q, ["SET", "q"], payload, 5);
    await simple(q, "DEL q\r\n", 4);
    q.destroy();
    out.afterQueryClient = await settle(pid);
    // a client that leaves replies unread, then leaves
    await bigCommand(c, ["SET", "r"], Buffer.alloc(10 << 20, 121), 5);
    const u = await connect(port);
    u.pause();
    const gets = Math.ceil(UNREAD / 10);
    for (let i = 0; i < gets; i++) u.write("GET r\r\n");
    await sleep(1500);
    out.withUnread = rssBytes(pid);
    u.destroy();
    await simple(c, "DEL r\r\n", 4);
    out.afterUnreadClient = await settle(pid);
    c.destroy();
  } finally {
    proc.kill("SIGKILL");
  }
  return out;
}

const rows = [];
for (const t of TARGETS) {
  if (t === "valkey" && !existsSync(VALKEY)) continue;
  if (t === "redis" && !which("redis-server")) continue;
  rows.push(await measure(t));
}
console.log(`payload ${MB} MB, unread replies ${UNREAD} MB`);
console.log("target  SET s  APPEND s (x3)        peak/payload  base MB  values MB  after DEL  after query client  with unread  after unread client");
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(7)} ${r.set.toFixed(2).padStart(5)}  ${r.append.map((x) => x.toFixed(2)).join(" ").padEnd(20)} ${r.peakOverPayload.toFixed(2).padStart(12)}  ${mb(r.base).padStart(7)}  ${mb(r.afterValues).padStart(9)}  ${mb(r.afterDel).padStart(9)}  ${mb(r.afterQueryClient).padStart(17)}  ${mb(r.withUnread).padStart(11)}  ${mb(r.afterUnreadClient).padStart(19)}`,
  );
}
