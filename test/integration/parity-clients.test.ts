// Valkey 8 parity (issue 17 item 1): CLIENT LIST / CLIENT INFO as Valkey 8.0.1 prints them — cmd= is the last
// command the client ran in Valkey's form, the fields and their order, tot-net-in/out and tot-cmds counted the
// way Valkey counts them (a blocked command counts once, when it is served). Checked against valkey-server 8.0.1.

import { expect, it } from "vitest";
import { describeRuntimes, encode, RawClient } from "../helpers/server.js";

/** CLIENT INFO / one CLIENT LIST line as a field map (order kept in `keys`). */
function parse(line: string): { keys: string[]; f: Record<string, string> } {
  const keys: string[] = [];
  const f: Record<string, string> = {};
  for (const kv of line.trim().split(" ")) {
    const i = kv.indexOf("=");
    keys.push(kv.slice(0, i));
    f[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { keys, f };
}

function payload(reply: string): string {
  const body = reply.slice(reply.indexOf("\r\n") + 2, -2);
  return reply.startsWith("=") ? body.slice(4) : body;
}

/** The CLIENT LIST line of client `name`, seen by `observer`. */
async function lineOf(observer: RawClient, name: string): Promise<Record<string, string>> {
  const lines = payload(await observer.call("CLIENT", "LIST")).split("\n").filter(Boolean);
  const line = lines.find((l) => parse(l).f.name === name);
  if (line === undefined) throw new Error(`no client named ${name} in ${lines.join("\n")}`);
  return parse(line).f;
}

const VALKEY_8_0_FIELDS = [
  "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "watch", "qbuf",
  "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir",
  "resp", "lib-name", "lib-ver", "tot-net-in", "tot-net-out", "tot-cmds",
];

describeRuntimes("parity: CLIENT LIST / CLIENT INFO", (ctx) => {
  it("prints exactly Valkey 8.0's fields, in its order (no capa=)", async () => {
    const r = await ctx.raw();
    await r.call("CLIENT", "CAPA", "redirect");
    const info = parse(payload(await r.call("CLIENT", "INFO")));
    expect(info.keys).toEqual(VALKEY_8_0_FIELDS);
    const r3 = await ctx.raw();
    await r3.call("HELLO", "3");
    const reply = await r3.call("CLIENT", "LIST", "ID", String(await r3.call("CLIENT", "ID").then((s) => s.slice(1, -2))));
    expect(reply.startsWith("=")).toBe(true);
    expect(parse(payload(reply)).keys).toEqual(VALKEY_8_0_FIELDS);
  });

  it("cmd= is the last command the client ran: exec after MULTI/EXEC, the queued command while queuing, NULL for unknown", async () => {
    const o = await ctx.raw();
    const a = await ctx.raw();
    await a.call("CLIENT", "SETNAME", "cmdtest");
    expect(await a.call("MULTI")).toBe("+OK\r\n");
    expect(await a.call("SET", "k", "1")).toBe("+QUEUED\r\n");
    let f = await lineOf(o, "cmdtest");
    expect(f.cmd).toBe("set");
    expect(f.flags).toBe("x");
    expect(f.multi).toBe("1");
    // Valkey counts each queued command's argument bytes plus a pointer per argument: "SET k 1" = 5 + 3*8.
    expect(f["multi-mem"]).toBe("29");
    expect(await a.call("GET", "k")).toBe("+QUEUED\r\n");
    expect(await a.call("EXEC")).toBe("*2\r\n+OK\r\n$1\r\n1\r\n");
    // Test helpers wait for cmd=exec in CLIENT LIST; the commands EXEC ran do not replace it.
    expect((await lineOf(o, "cmdtest")).cmd).toBe("exec");
    expect(await a.call("NOSUCHCOMMAND")).toMatch(/^-ERR unknown command/);
    expect((await lineOf(o, "cmdtest")).cmd).toBe("NULL");
    expect(await a.call("CONFIG", "NOSUCH")).toMatch(/^-ERR unknown subcommand/);
    expect((await lineOf(o, "cmdtest")).cmd).toBe("NULL");
    expect(await a.call("GET")).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect((await lineOf(o, "cmdtest")).cmd).toBe("get");
    expect(await a.call("CONFIG")).toBe("-ERR wrong number of arguments for 'config' command\r\n");
    expect((await lineOf(o, "cmdtest")).cmd).toBe("config");
    await a.call("CLIENT", "ID");
    expect((await lineOf(o, "cmdtest")).cmd).toBe("client|id");
    // argv-mem: the running command's argument bytes ("CLIENT LIST" = 10), 0 for an idle client.
    const self = parse(payload(await o.call("CLIENT", "INFO"))).f;
    expect(self["argv-mem"]).toBe("10");
    expect((await lineOf(o, "cmdtest"))["argv-mem"]).toBe("0");
  });

  it("tot-net-in / tot-net-out count the bytes read and written before the command, tot-cmds the commands run", async () => {
    const r = await ctx.raw();
    let sentBytes = 0;
    let readBytes = 0;
    const call = async (...args: string[]) => {
      sentBytes += encode(args).length;
      const reply = await r.call(...args);
      readBytes += Buffer.byteLength(reply, "latin1");
      return reply;
    };
    await call("PING");
    await call("SET", "nb", "x".repeat(100));
    await call("GET", "nb");
    await call("GET"); // rejected by the gate: not counted in tot-cmds
    await call("MULTI");
    await call("INCR", "ctr"); // queued: not counted until EXEC runs it
    await call("EXEC");
    sentBytes += encode(["CLIENT", "INFO"]).length;
    const f = parse(payload(await r.call("CLIENT", "INFO"))).f;
    expect(Number(f["tot-net-in"])).toBe(sentBytes);
    expect(Number(f["tot-net-out"])).toBe(readBytes);
    // PING, SET, GET, MULTI, INCR (run by EXEC), EXEC
    expect(f["tot-cmds"]).toBe("6");
  });

  it("a blocked command counts once, when it is served (tot-cmds, INFO commandstats)", async () => {
    const o = await ctx.raw();
    const b = await ctx.raw();
    await b.call("CLIENT", "SETNAME", "blocker");
    await o.call("CONFIG", "RESETSTAT");
    b.send("BLPOP", "parity:blk", "0");
    let f: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      f = await lineOf(o, "blocker");
      if (f.flags === "b") break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(f.flags).toBe("b");
    expect(f.cmd).toBe("blpop");
    expect(f["tot-cmds"]).toBe("1"); // CLIENT SETNAME only: BLPOP has not completed
    expect(f["argv-mem"]).toBe("16"); // "BLPOP" "parity:blk" "0": 5 + 10 + 1 bytes
    expect(await o.call("INFO", "commandstats")).not.toContain("cmdstat_blpop");
    expect(await o.call("LPUSH", "parity:blk", "v")).toBe(":1\r\n");
    expect(await b.read()).toBe("*2\r\n$10\r\nparity:blk\r\n$1\r\nv\r\n");
    f = await lineOf(o, "blocker");
    expect(f.flags).toBe("N");
    expect(f["tot-cmds"]).toBe("2");
    expect(f["argv-mem"]).toBe("0");
    expect(await o.call("INFO", "commandstats")).toMatch(/cmdstat_blpop:calls=1,/);
    // A timed-out wait counts once too.
    expect(await b.call("BLPOP", "parity:none", "0.05")).toBe("*-1\r\n");
    expect((await lineOf(o, "blocker"))["tot-cmds"]).toBe("3");
    expect(await o.call("INFO", "commandstats")).toMatch(/cmdstat_blpop:calls=2,/);
  });
});
