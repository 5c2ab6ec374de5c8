import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { freePort, rssBytes, serverCommand } from "./lib/bench-common.mjs";
const kind = process.argv[2] ?? "node";
const type = process.argv[3] ?? "list";
const N = 100000;
const port = await freePort();
const [cmd, args] = serverCommand(kind, port, [], "redis-server", null);
const proc = spawn(cmd, args, { stdio: "inherit" });
await new Promise((r) => setTimeout(r, 1500));
const r = new Redis({ port });
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
async function fill(key) {
  let p = r.pipeline(), q = 0;
  for (let i = 0; i < N; i += 1000) {
    const a = [];
    for (let j = i; j < i + 1000; j++) type === "zset" ? a.push(Math.random() * 1e6, `member:${j}`) : a.push(`member:${j}`);
    p.call(type === "zset" ? "zadd" : "rpush", key, ...a);
    if (++q === 50) { await p.exec(); p = r.pipeline(); q = 0; }
  }
  await p.exec();
}
const kb = () => Math.round(rssBytes(proc.pid) / 1024);
await fill("a"); await sleep(1500);
const before = kb();
await fill("b");
for (const t of [1500, 3500, 5000, 10000, 10000]) { await sleep(t); console.log(kind, type, "after", t, "per elem", ((kb() - before) * 1024 / N).toFixed(1)); }
r.disconnect(); proc.kill();
