// REPLICAOF SLAVEOF FAILOVER REPLCONF PSYNC SYNC LOLWUT: Valkey 8.0.1's answers as a primary with no replicas, its
// argument errors, and one refusal wherever Valkey would start replicating (this server has no replication).
import { expect, it } from "vitest";
import { describeRuntimes, type Ctx } from "../helpers/server.js";

const refused = (cmd: string) =>
  `-ERR ${cmd} is not supported: valkey-bun keeps data in memory only and has no replication (no replicas, no primary to follow)\r\n`;
const SYNTAX = "-ERR syntax error\r\n";
const NOT_INT = "-ERR value is not an integer or out of range\r\n";

describeRuntimes("replication", (ctx: Ctx) => {
  it("REPLICAOF / SLAVEOF: NO ONE is +OK, bad ports get Valkey's text, a real primary is refused and nothing changes", async () => {
    const r = await ctx.raw();
    await r.call("SET", "repl:k", "v");
    expect(await r.call("REPLICAOF", "NO", "ONE")).toBe("+OK\r\n");
    expect(await r.call("slaveof", "no", "one")).toBe("+OK\r\n");
    expect(await r.call("REPLICAOF")).toBe("-ERR wrong number of arguments for 'replicaof' command\r\n");
    expect(await r.call("SLAVEOF", "a", "b", "c")).toBe("-ERR wrong number of arguments for 'slaveof' command\r\n");
    for (const port of ["TWO", "abc", "-1", "65536", "99999999999999999999"]) {
      expect(await r.call("REPLICAOF", "127.0.0.1", port)).toBe("-ERR Invalid master port\r\n");
    }
    expect(await r.call("REPLICAOF", "127.0.0.1", "6379")).toBe(refused("REPLICAOF"));
    expect(await r.call("SLAVEOF", "localhost", "0")).toBe(refused("SLAVEOF"));
    // Still a primary with its data.
    expect(await r.call("ROLE")).toMatch(/^\*3\r\n\$6\r\nmaster\r\n/);
    expect(await r.call("GET", "repl:k")).toBe("$1\r\nv\r\n");
    const io = ctx.ioredis();
    expect(await io.replicaof("NO", "ONE")).toBe("OK");
    await expect(io.replicaof("127.0.0.1", 6380)).rejects.toThrow("has no replication");
  });

  it("FAILOVER: no replicas, no failover in progress, and Valkey's grammar errors", async () => {
    const r = await ctx.raw();
    const none = "-ERR FAILOVER requires connected replicas.\r\n";
    expect(await r.call("FAILOVER")).toBe(none);
    expect(await r.call("FAILOVER", "TIMEOUT", "10")).toBe(none);
    expect(await r.call("FAILOVER", "TO", "127.0.0.1", "1", "FORCE", "TIMEOUT", "10")).toBe(none);
    expect(await r.call("FAILOVER", "FORCE")).toBe(none);
    expect(await r.call("FAILOVER", "ABORT")).toBe("-ERR No failover in progress.\r\n");
    expect(await r.call("failover", "abort")).toBe("-ERR No failover in progress.\r\n");
    expect(await r.call("FAILOVER", "TIMEOUT", "abc")).toBe(NOT_INT);
    expect(await r.call("FAILOVER", "TO", "h", "abc")).toBe(NOT_INT);
    for (const t of ["0", "-1"]) expect(await r.call("FAILOVER", "TIMEOUT", t)).toBe("-ERR FAILOVER timeout must be greater than 0\r\n");
    for (const args of [["TO", "h"], ["TO"], ["ABORT", "TIMEOUT", "10"], ["ABORT", "ABORT"], ["TIMEOUT", "1", "TIMEOUT", "2"], ["TO", "a", "1", "TO", "b", "2"], ["NOSUCH"], ["TO", "a", "1", "FORCE", "FORCE"]]) {
      expect(await r.call("FAILOVER", ...args)).toBe(SYNTAX);
    }
  });

  it("REPLCONF validates like Valkey, then refuses a replica's handshake; SYNC and PSYNC are refused", async () => {
    const r = await ctx.raw();
    expect(await r.call("REPLCONF")).toBe("+OK\r\n");
    expect(await r.call("REPLCONF", "listening-port")).toBe(SYNTAX);
    expect(await r.call("REPLCONF", "a", "b", "c")).toBe(SYNTAX);
    expect(await r.call("REPLCONF", "nosuch", "1")).toBe("-ERR Unrecognized REPLCONF option: nosuch\r\n");
    expect(await r.call("REPLCONF", "listening-port", "abc")).toBe(NOT_INT);
    expect(await r.call("REPLCONF", "rdb-only", "5")).toBe("-ERR value is out of range, value must between 0 and 1\r\n");
    expect(await r.call("REPLCONF", "listening-port", "1234", "capa", "psync2")).toBe(refused("REPLCONF"));
    expect(await r.call("SYNC")).toBe(refused("SYNC"));
    expect(await r.call("SYNC", "x")).toBe("-ERR wrong number of arguments for 'sync' command\r\n");
    expect(await r.call("PSYNC", "?")).toBe("-ERR wrong number of arguments for 'psync' command\r\n");
    expect(await r.call("PSYNC", "a", "b")).toBe(NOT_INT);
    expect(await r.call("PSYNC", "?", "-1")).toBe(refused("PSYNC"));
    // The connection is still an ordinary client.
    expect(await r.call("PING")).toBe("+PONG\r\n");
  });

  it("flags: SYNC/PSYNC are no_multi, all of them noscript", async () => {
    const r = await ctx.raw();
    expect(await r.call("MULTI")).toBe("+OK\r\n");
    expect(await r.call("SYNC")).toBe("-ERR Command not allowed inside a transaction\r\n");
    expect(await r.call("PSYNC", "?", "-1")).toBe("-ERR Command not allowed inside a transaction\r\n");
    expect(await r.call("REPLICAOF", "NO", "ONE")).toBe("+QUEUED\r\n");
    expect(await r.call("EXEC")).toMatch(/^-EXECABORT/);
    expect(await r.call("EVAL", "return redis.call('replicaof', 'no', 'one')", "0")).toMatch(/^-ERR This Redis command is not allowed from script/);
    expect(await r.call("COMMAND", "COUNT")).toMatch(/^:\d+\r\n$/);
    expect(await r.call("COMMAND", "INFO", "failover")).toContain("noscript");
  });

  it("LOLWUT prints the version line (bulk in RESP2, verbatim in RESP3); only a leading VERSION is read", async () => {
    const r = await ctx.raw();
    const line = "Redis ver. 8.0.2\n";
    expect(await r.call("LOLWUT")).toBe(`$17\r\n${line}\r\n`);
    for (const args of [["VERSION", "1"], ["version", "7"], ["VERSION"], ["x"], ["VERSION", "1", "VERSION", "abc"], ["VERSION", "-1"]]) {
      expect(await r.call("LOLWUT", ...args)).toBe(`$17\r\n${line}\r\n`);
    }
    expect(await r.call("LOLWUT", "VERSION", "abc")).toBe(NOT_INT);
    await r.call("HELLO", "3");
    expect(await r.call("LOLWUT")).toBe(`=21\r\ntxt:${line}\r\n`);
    expect(await ctx.ioredis().call("LOLWUT")).toBe(line);
    const nr = await ctx.nodeRedis(3);
    expect(String(await nr.sendCommand(["LOLWUT", "VERSION", "9"]))).toBe(line);
  });
});

describeRuntimes(
  "replication in cluster mode",
  (ctx: Ctx) => {
    it("REPLICAOF and FAILOVER are refused before any argument check, with Valkey's cluster-mode texts", async () => {
      const r = await ctx.raw();
      expect(await r.call("CONFIG", "GET", "cluster-enabled")).toBe("*2\r\n$15\r\ncluster-enabled\r\n$3\r\nyes\r\n");
      for (const args of [["NO", "ONE"], ["h", "1"], ["h", "abc"]]) {
        expect(await r.call("REPLICAOF", ...args)).toBe("-ERR REPLICAOF not allowed in cluster mode.\r\n");
      }
      for (const args of [[], ["NOSUCH"]]) {
        expect(await r.call("FAILOVER", ...args)).toBe("-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n");
      }
    });
  },
  ["--cluster-size", "1"],
);
