// What the bench scripts share: paths, options, process CPU/RSS readings, free ports, and the command line
// that starts each target (this server on Node from dist/, on Bun from src/, or a throw-away redis-server).

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Redis from "ioredis";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUN = join(ROOT, "node_modules", ".bin", "bun");
export const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/**
 * `--name value` options and `--flag` switches of the current process. With --help, prints the leading
 * comment lines [from, to) of the calling script (its usage text) and exits.
 */
export function options(scriptUrl, helpLines = [1, 14]) {
  const argv = process.argv.slice(2);
  const opt = (name, def) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : def;
  };
  const flag = (name) => argv.includes(`--${name}`);
  if (flag("help")) {
    const lines = readFileSync(fileURLToPath(scriptUrl), "utf8").split("\n").slice(helpLines[0], helpLines[1]);
    console.log(lines.map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    process.exit(0);
  }
  return { opt, flag };
}

export const which = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim() || null;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port the OS says is free now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** An ioredis client of the server starting on `port`: retries the connection for up to 10 s. */
export async function connectWhenUp(port) {
  const r = new Redis({ port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  r.on("error", () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await r.connect();
      break;
    } catch {
      await sleep(100);
    }
  }
  await r.ping();
  return r;
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid) {
  return statCpu(readFileSync(`/proc/${pid}/stat`, "utf8"))[1];
}

/** [name, utime + stime in seconds] from the text of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat file. */
export function statCpu(stat) {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), (Number(f[11]) + Number(f[12])) / CLK_TCK];
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The runtime's ceiling: a minimal RESP server (PING/SET/GET/INCR/MSET) on node:net or Bun.listen. */
export const MINIMAL = join(ROOT, "scripts", "lib", "minimal-resp.mjs");

/** A bare runtime that listens and answers every read with +PONG: `node -e` / `bun -e`, no file, no module graph. */
const bare = (port) => `require("node:net").createServer((s) => s.on("data", () => s.write("+PONG\\r\\n"))).listen(${port}, "127.0.0.1")`;

/** What the bin runs on Node: dist/cli.cjs, or dist/cli.js in a build from before it (a --base checkout). */
export function nodeEntry(root) {
  const cjs = join(root, "dist", "cli.cjs");
  return existsSync(cjs) ? cjs : join(root, "dist", "cli.js");
}

/** What Bun runs from checkout `root`: what an installed package runs, the bytecode bundle when built
 *  (scripts/bundle.mjs), else the sources. */
export function bunEntry(root) {
  const bundle = join(root, "dist", "bun", "cli.js");
  return existsSync(bundle) ? bundle : join(root, "src", "cli.ts");
}

/**
 * [command, args] starting a target on `port`: "node", "bun", "redis" (redis-server at `redisServer`),
 * "node-min" / "bun-min" (the minimal RESP server, the runtime's ceiling), or "node-bare" / "bun-bare" (a bare
 * `-e` listener answering +PONG: the startup floor of the runtime).
 */
export function serverCommand(kind, port, extra = [], redisServer = "redis-server", baseRoot = null) {
  const common = ["--port", String(port), ...extra];
  // "node-base" / "bun-base": the same server from another checkout (--base DIR), for A/B runs in one process
  const root = kind.endsWith("-base") ? baseRoot : ROOT;
  if (kind === "node" || kind === "node-base") return [process.execPath, [nodeEntry(root), ...common]];
  if (kind === "bun" || kind === "bun-base") return [BUN, [bunEntry(root), ...common]];
  if (kind === "node-bare") return [process.execPath, ["-e", bare(port)]];
  if (kind === "bun-bare") return [BUN, ["-e", bare(port)]];
  if (kind === "node-min") return [process.execPath, [MINIMAL, "--port", String(port)]];
  if (kind === "bun-min") return [BUN, [MINIMAL, "--port", String(port)]];
  return [redisServer, [...common, "--save", "", "--appendonly", "no"]];
}

/** One request over a fresh connection; resolves with the raw reply text, rejects on connect errors. */
export function ask(port, payload, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let buf = "";
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error("timeout"));
    }, timeoutMs);
    s.on("connect", () => s.write(payload));
    s.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.endsWith("\r\n")) {
        clearTimeout(t);
        s.destroy();
        resolve(buf);
      }
    });
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
