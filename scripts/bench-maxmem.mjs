#!/usr/bin/env node
// CPU cost of the maxmemory machinery per command, without sockets: a Server built from a dist/ tree runs
// pipelines of SET (random keys of a 100k keyspace) and GET fed straight to a client, and the time per command
// is reported (the minimum of several rounds: on a shared machine the minimum is the least disturbed figure).
//
//   npm run build && node scripts/bench-maxmem.mjs [--root DIR_WITH_DIST] [--config "maxmemory 1gb maxmemory-policy allkeys-lru"] [--info]
//
// --info asks INFO memory first (it switches the dataset accounting on, which then follows every write).
// Compare two builds by running the script once per --root, alternately.

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const root = resolve(opt("--root", "."));
const config = opt("--config", "").split(/\s+/).filter(Boolean);
const { Server } = await import(pathToFileURL(join(root, "dist", "server.js")).href);
const { loadConfig } = await import(pathToFileURL(join(root, "dist", "config.js")).href);

const server = new Server(loadConfig({ env: {}, overrides: { port: 0 } }));
let replied = 0;
const conn = {
  write: (d) => void (replied += d.length),
  end() {},
  destroy() {},
  pendingBytes: () => 0,
  remoteAddress: "127.0.0.1",
  remotePort: 40000,
  localAddress: "127.0.0.1",
  localPort: 6379,
  fd: -1,
};
const client = server.accept(conn);
const enc = (a) => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join("");
const run = (...a) => client.onData(Buffer.from(enc(a)));
for (let i = 0; i < config.length; i += 2) run("CONFIG", "SET", config[i], config[i + 1]);
if (args.includes("--info")) run("INFO", "memory");

const BATCH = 1000;
const batches = (cmd) =>
  Array.from({ length: 20 }, () => {
    let s = "";
    for (let i = 0; i < BATCH; i++) {
      const k = `key:${Math.floor(Math.random() * 100000)}`;
      s += cmd === "set" ? enc(["SET", k, "xxxxxxxxxxxxxxxx"]) : enc(["GET", k]);
    }
    return Buffer.from(s);
  });

const out = {};
for (const cmd of ["set", "get"]) {
  const bs = batches(cmd);
  let best = Infinity;
  for (let round = 0; round < 60; round++) {
    const t0 = process.hrtime.bigint();
    for (const b of bs) client.onData(b);
    const ns = Number(process.hrtime.bigint() - t0) / (bs.length * BATCH);
    if (round >= 3 && ns < best) best = ns;
  }
  out[cmd] = Math.round(best);
}
console.log(JSON.stringify({ root, config: config.join(" "), info: args.includes("--info"), nsPerCommand: out }));
await server.close();
process.exit(0);
