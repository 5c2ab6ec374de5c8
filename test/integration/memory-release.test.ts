// Issue 13 items 6 and 7: large values are assembled and grown without corrupting anything, and the memory
// they, a big query buffer or a pile of unread replies took is given back to the OS once the server is quiet
// (RSS read from /proc: Linux only). Timing is measured by scripts/large-values.mjs, not asserted here.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { RUNTIMES, spawnServer, RawClient } from "../helpers/server.js";

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
/** Peak RSS since the last resetPeak (VmHWM). */
const peak = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, "5");

async function until(pid: number, limit: number, ms = 15000): Promise<number> {
  const deadline = Date.now() + ms;
  let r = rss(pid);
  while (r > limit && Date.now() < deadline) {
    await sleep(250);
    r = rss(pid);
  }
  return r;
}

/** SET/APPEND a payload in 1 MB writes and wait for the reply line. */
async function big(r: RawClient, cmd: string[], payload: Buffer): Promise<string> {
  let head = `*${cmd.length + 1}\r\n`;
  for (const a of cmd) head += `$${a.length}\r\n${a}\r\n`;
  r.write(head + `$${payload.length}\r\n`);
  for (let off = 0; off < payload.length; off += MB) r.write(payload.subarray(off, off + MB));
  r.write("\r\n");
  return r.read(30000);
}

for (const runtime of RUNTIMES) {
  describe.skipIf(!existsSync("/proc/self/status"))(`large values and memory [${runtime}]`, () => {
    it("SET and APPEND of 48 MB values keep every byte; growing in place never disturbs a reply already queued", async () => {
      const srv = await spawnServer(runtime);
      try {
        const r = await RawClient.connect(srv.port);
        const a = Buffer.alloc(48 * MB, 97);
        a[0] = 1;
        a[a.length - 1] = 2;
        expect(await big(r, ["SET", "s"], a)).toBe("+OK\r\n");
        expect(await big(r, ["APPEND", "s"], Buffer.alloc(48 * MB, 98))).toBe(`:${96 * MB}\r\n`);
        // a GET queued before the next APPEND must carry the old length and bytes
        r.send("GETRANGE", "s", String(48 * MB - 2), String(48 * MB + 1));
        expect(await big(r, ["APPEND", "s"], Buffer.alloc(48 * MB, 99))).toBe(`$4\r\na\x02bb\r\n`);
        expect(await r.read()).toBe(`:${144 * MB}\r\n`);
        expect(await r.call("GETRANGE", "s", "0", "0")).toBe("$1\r\n\x01\r\n");
        expect(await r.call("GETRANGE", "s", String(96 * MB - 1), String(96 * MB))).toBe("$2\r\nbc\r\n");
        expect(await r.call("STRLEN", "s")).toBe(`:${144 * MB}\r\n`);
        // SETRANGE past the end grows the same way, zero-filled
        expect(await r.call("SETRANGE", "s", String(145 * MB), "z")).toBe(`:${145 * MB + 1}\r\n`);
        expect(await r.call("GETRANGE", "s", String(145 * MB - 1), String(145 * MB))).toBe("$2\r\n\x00z\r\n");
        // a copy is independent of the original it was taken from
        expect(await r.call("COPY", "s", "s2")).toBe(":1\r\n");
        expect(await r.call("APPEND", "s", "tail")).toBe(`:${145 * MB + 5}\r\n`);
        expect(await r.call("STRLEN", "s2")).toBe(`:${145 * MB + 1}\r\n`);
        // the argument a SET kept is not shared with a second key
        expect(await big(r, ["MSET", "m1", "x", "m2"], Buffer.alloc(2 * MB, 100))).toBe("+OK\r\n");
        expect(await r.call("APPEND", "m2", "!")).toBe(`:${2 * MB + 1}\r\n`);
        expect(await r.call("STRLEN", "m1")).toBe(":1\r\n");
        r.close();
      } finally {
        await srv.stop();
      }
    }, 90000);

    it("memory goes back near the baseline after DEL, after a big query client leaves and after a client with unread replies leaves; a 96 MB SET peaks at <= 1.3x its size", async () => {
      const srv = await spawnServer(runtime);
      const pid = srv.proc.pid!;
      try {
        const r = await RawClient.connect(srv.port);
        expect(await r.call("PING")).toBe("+PONG\r\n");
        await sleep(500);
        const base = rss(pid);
        const slack = 48 * MB;
        const payload = Buffer.alloc(96 * MB, 120);
        expect(await big(r, ["SET", "v"], payload)).toBe("+OK\r\n");
        expect(await r.call("DEL", "v")).toBe(":1\r\n");
        expect(await until(pid, base + slack)).toBeLessThanOrEqual(base + slack);
        // receiving the same value again (the collector is loaded now: Node exposes it lazily) peaks at <= 1.3x it,
        // because the socket reads copied into it are collected as it goes (VmHWM, reset just before)
        await sleep(1500);
        const settled = rss(pid);
        resetPeak(pid);
        expect(await big(r, ["SET", "v"], payload)).toBe("+OK\r\n");
        const top = peak(pid);
        // the value itself is held: measured from the fresh server's baseline, since `settled` may still hold up to
        // `slack` of freed pages that the second SET reuses (seen: 0.84 of the payload over `settled`)
        expect((top - base) / payload.length).toBeGreaterThan(0.9);
        expect((top - settled) / payload.length).toBeLessThanOrEqual(1.3);
        expect(await r.call("DEL", "v")).toBe(":1\r\n");
        expect(await until(pid, base + slack)).toBeLessThanOrEqual(base + slack);
        // a client that sent a big bulk, then left
        const q = await RawClient.connect(srv.port);
        expect(await big(q, ["SET", "q"], payload)).toBe("+OK\r\n");
        expect(await q.call("DEL", "q")).toBe(":1\r\n");
        q.close();
        expect(await until(pid, base + slack)).toBeLessThanOrEqual(base + slack);
        // a client that left 96 MB of replies unread, then left
        expect(await big(r, ["SET", "g"], Buffer.alloc(8 * MB, 121))).toBe("+OK\r\n");
        const u = connect(srv.port, "127.0.0.1");
        await new Promise<void>((res) => u.once("connect", () => res()));
        u.pause();
        for (let i = 0; i < 12; i++) u.write("GET g\r\n");
        await sleep(1500);
        u.destroy();
        expect(await r.call("DEL", "g")).toBe(":1\r\n");
        expect(await until(pid, base + slack)).toBeLessThanOrEqual(base + slack);
        r.close();
      } finally {
        await srv.stop();
      }
    }, 90000);
  });
}
