// Cluster mode (`--cluster-size 3`): a spawned 3-shard cluster on each runtime, driven by real cluster clients
// (ioredis Cluster, node-redis createCluster, iovalkey Cluster), raw byte-exact checks of Valkey's redirections
// and errors, a migration by hand (ASK, TRYAGAIN, MIGRATE, SETSLOT NODE -> MOVED) and redis-cli's own
// `--cluster check` / `reshard` while a client keeps working.

import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, Redis } from "ioredis";
import { Cluster as ValkeyCluster } from "iovalkey";
import { createClient, createCluster } from "redis";
import { Queue, QueueEvents, Worker } from "bullmq";
import { RUNTIMES, RawClient, cliCommand, spawnServer, type Spawned } from "../helpers/server.js";
import { keySlot } from "../../src/cluster/slots.js";
import { startServer } from "../../src/index.js";

const run = promisify(execFile);
const REDIS_CLI = spawnSync("redis-cli", ["--version"]).status === 0 ? "redis-cli" : null;

/** A key whose slot falls in [lo, hi]. */
function keyIn(lo: number, hi: number, prefix = "k"): string {
  for (let i = 0; ; i++) {
    const s = keySlot(Buffer.from(`${prefix}${i}`));
    if (s >= lo && s <= hi) return `${prefix}${i}`;
  }
}

for (const runtime of RUNTIMES) {
  describe(`cluster [${runtime}]`, () => {
    let srv: Spawned;
    let ports: number[] = [];
    const closers: Array<() => unknown> = [];
    const raw = async (i: number) => {
      const r = await RawClient.connect(ports[i]!);
      closers.push(() => r.close());
      return r;
    };
    const ioCluster = () => {
      const c = new Cluster([{ host: "127.0.0.1", port: ports[0]! }], { redisOptions: { maxRetriesPerRequest: 3 } });
      c.on("error", () => {});
      closers.push(() => c.disconnect());
      return c;
    };

    beforeAll(async () => {
      srv = await spawnServer(runtime, ["--cluster-size", "3"]);
      ports = [...srv.output().matchAll(/redis:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    }, 30_000);
    afterAll(async () => {
      for (const c of closers.splice(0)) await Promise.resolve(c()).catch(() => {});
      await srv?.stop();
    });

    it("prints one ready line with every node; each node serves redis-cli's even slot split", async () => {
      expect(srv.output()).toMatch(/cluster of 3 shards ready on redis:\/\/127\.0\.0\.1:\d+ redis:\/\/127\.0\.0\.1:\d+ redis:\/\/127\.0\.0\.1:\d+ /);
      expect(ports).toHaveLength(3);
      const r = await raw(0);
      const slots = await r.call("CLUSTER", "SLOTS");
      const id = (await r.call("CLUSTER", "MYID")).split("\r\n")[1]!;
      expect(slots.startsWith(`*3\r\n*3\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:${ports[0]}\r\n$40\r\n${id}\r\n*0\r\n*3\r\n:5461\r\n:10922\r\n`)).toBe(true);
      expect(slots).toContain(`*3\r\n:10923\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:${ports[2]}\r\n`);
      const info = await r.call("CLUSTER", "INFO");
      expect(info).toContain("cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n");
      expect(info).toContain("cluster_known_nodes:3\r\ncluster_size:3\r\ncluster_current_epoch:3\r\ncluster_my_epoch:1\r\n");
      const nodes = (await r.call("CLUSTER", "NODES")).split("\r\n")[1]!;
      expect(nodes).toContain(`${id} 127.0.0.1:${ports[0]}@${ports[0]! + 10000} myself,master - 0 0 1 connected 0-5460`);
      expect(await r.call("INFO", "cluster")).toMatch(/# Cluster\r\ncluster_enabled:1\r\n/);
      expect(await r.call("CONFIG", "GET", "cluster-enabled")).toBe("*2\r\n$15\r\ncluster-enabled\r\n$3\r\nyes\r\n");
      expect(await r.call("HELLO", "3")).toContain("$4\r\nmode\r\n$7\r\ncluster\r\n");
      expect(await r.call("CLUSTER", "INFO")).toMatch(/^=\d+\r\ntxt:cluster_state:ok\r\n/); // RESP3 verbatim
      const shards = await r.call("CLUSTER", "SHARDS");
      expect(shards).toContain(`%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:5460\r\n$5\r\nnodes\r\n*1\r\n%7\r\n$2\r\nid\r\n$40\r\n${id}\r\n$4\r\nport\r\n:${ports[0]}\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n`);
    });

    it("answers MOVED, CROSSSLOT, SELECT and the CLUSTER errors with Valkey's exact texts", async () => {
      const r = await raw(0);
      const far = keyIn(10923, 16383);
      expect(await r.call("GET", far)).toBe(`-MOVED ${keySlot(Buffer.from(far))} 127.0.0.1:${ports[2]}\r\n`);
      expect(await r.call("SET", "{u}a", "1")).toMatch(/^[+-]/);
      const a = keyIn(0, 5460, "a");
      const b = keyIn(0, 5460, "b");
      expect(await r.call("MGET", a, b)).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await r.call("EVAL", "return 1", "2", a, b)).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await r.call("BLPOP", a, b, "0")).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await r.call("XREAD", "STREAMS", a, b, "0", "0")).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await r.call("SORT", a, "BY", "w_*")).toBe(
        "-ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n",
      );
      expect(await r.call("SORT", a, "GET", "#")).toBe(
        "-ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.\r\n",
      );
      const tag = keyIn(0, 5460, "t");
      expect(await r.call("SORT", `{${tag}}x`, "BY", `{${tag}}w_*`)).toBe("*0\r\n");
      expect(await r.call("SELECT", "1")).toBe("-ERR SELECT is not allowed in cluster mode\r\n");
      expect(await r.call("SELECT", "0")).toBe("+OK\r\n");
      expect(await r.call("SELECT", "x")).toBe("-ERR value is not an integer or out of range\r\n");
      // MULTI: a queued command for another node flags the transaction; EXEC over two slots is CROSSSLOT.
      expect(await r.call("MULTI")).toBe("+OK\r\n");
      expect(await r.call("SET", a, "1")).toBe("+QUEUED\r\n");
      expect(await r.call("SET", b, "2")).toBe("+QUEUED\r\n");
      expect(await r.call("EXEC")).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await r.call("EXEC")).toBe("-ERR EXEC without MULTI\r\n");
      expect(await r.call("MULTI")).toBe("+OK\r\n");
      expect(await r.call("GET", far)).toMatch(/^-MOVED /);
      expect(await r.call("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.\r\n");
      // CLUSTER errors
      expect(await r.call("CLUSTER", "KEYSLOT")).toBe("-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
      expect(await r.call("CLUSTER", "KEYSLOT", "a{b}c")).toBe(":3300\r\n");
      expect(await r.call("CLUSTER", "SETSLOT", "1", "NODE", "abc")).toBe("-ERR Unknown node abc\r\n");
      expect(await r.call("CLUSTER", "SETSLOT", "16384", "NODE", "abc")).toBe("-ERR Invalid or out of range slot\r\n");
      expect(await r.call("CLUSTER", "SETSLOT", "1", "MIGRATING", "abc")).toBe("-ERR I don't know about node abc\r\n");
      expect(await r.call("CLUSTER", "SETSLOT", "1", "FOO")).toBe("-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n");
      expect(await r.call("CLUSTER", "ADDSLOTS", "1")).toBe("-ERR Slot 1 is already busy\r\n");
      expect(await r.call("CLUSTER", "ADDSLOTS", "16384")).toBe("-ERR Invalid or out of range slot\r\n");
      expect(await r.call("CLUSTER", "ADDSLOTSRANGE", "1", "0")).toBe("-ERR start slot number 1 is greater than end slot number 0\r\n");
      expect(await r.call("CLUSTER", "COUNTKEYSINSLOT", "16384")).toBe("-ERR Invalid slot\r\n");
      expect(await r.call("CLUSTER", "GETKEYSINSLOT", "1", "-1")).toBe("-ERR Invalid slot or number of keys\r\n");
      expect(await r.call("CLUSTER", "FAILOVER")).toBe("-ERR You should send CLUSTER FAILOVER to a replica\r\n");
      expect(await r.call("CLUSTER", "REPLICATE", "abc")).toBe("-ERR Unknown node abc\r\n");
      expect(await r.call("CLUSTER", "COUNT-FAILURE-REPORTS", "abc")).toBe("-ERR Unknown node abc\r\n");
      expect(await r.call("CLUSTER", "MEET", "127.0.0.1", "1")).toMatch(/^-ERR CLUSTER MEET is not supported: /);
      const help = await r.call("CLUSTER", "HELP");
      expect(help.startsWith("*60\r\n+CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+COUNTKEYSINSLOT <slot>\r\n")).toBe(true);
      expect(help.endsWith("+LINKS\r\n+    Return information about all network links between this node and its peers.\r\n+    Output format is an array where each array element is a map containing attributes of a link\r\n+HELP\r\n+    Print this help.\r\n")).toBe(true);
      expect(await r.call("CLUSTER", "FOO")).toBe("-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n");
      expect(await r.call("READONLY")).toBe("+OK\r\n");
      expect(await r.call("READWRITE")).toBe("+OK\r\n");
      expect(await r.call("PING")).toBe("+PONG\r\n"); // and the connection is still fine
      // scripts: keys a redis.call touches must be local and in one slot
      expect(await r.call("EVAL", "return redis.call('get', ARGV[1])", "0", far)).toMatch(
        /^-ERR Script attempted to access a non local key in a cluster node script script: \w+, on @user_script:1\.\r\n$/,
      );
      expect(await r.call("EVAL", "return redis.call('mget', ARGV[1], ARGV[2])", "0", a, b)).toMatch(
        /^-ERR Command 'mget' in script attempted to access keys that don't hash to the same slot script: /,
      );
      expect(await r.call("EVAL", "redis.call('set', ARGV[1], 'x'); return redis.call('get', ARGV[2])", "0", a, b)).toBe("$-1\r\n");
    });

    it("ioredis Cluster: keys spread over every shard, hash-tag multi-key commands, pipelines and MULTI per slot", async () => {
      const c = ioCluster();
      for (let i = 0; i < 60; i++) await c.set(`spread:${i}`, String(i));
      expect(await c.get("spread:42")).toBe("42");
      const sizes = await Promise.all(ports.map(async (_p, i) => Number((await (await raw(i)).call("DBSIZE")).slice(1))));
      for (const n of sizes) expect(n).toBeGreaterThan(0);
      await c.mset("{user:1}:name", "ann", "{user:1}:age", "33");
      expect(await c.mget("{user:1}:name", "{user:1}:age")).toEqual(["ann", "33"]);
      await expect(c.mget("x1", "x2")).rejects.toThrow(/CROSSSLOT/);
      const res = await c.multi().incr("{cart}:n").incr("{cart}:n").exec();
      expect(res).toEqual([
        [null, 1],
        [null, 2],
      ]);
      expect(await c.eval("return redis.call('get', KEYS[1])", 1, "{user:1}:name")).toBe("ann");
      const p = await c.pipeline().set("{p}a", "1").get("{p}a").exec();
      expect(p![1]).toEqual([null, "1"]);
    });

    it("node-redis createCluster (RESP3) and iovalkey Cluster route by slot", async () => {
      const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${ports[1]}` }], RESP: 3 });
      nr.on("error", () => {});
      await nr.connect();
      closers.push(() => nr.close());
      for (let i = 0; i < 20; i++) await nr.set(`nr:${i}`, `v${i}`);
      expect(await nr.get("nr:7")).toBe("v7");
      await nr.hSet("{h}x", { a: "1", b: "2" });
      expect(await nr.hGetAll("{h}x")).toEqual({ a: "1", b: "2" });
      const vk = new ValkeyCluster([{ host: "127.0.0.1", port: ports[2]! }]);
      vk.on("error", () => {});
      closers.push(() => vk.disconnect());
      await vk.set("iov:a", "1");
      await vk.set("iov:b", "2");
      expect(await vk.get("nr:7")).toBe("v7");
      expect(await vk.mget("{iov}1", "{iov}2")).toEqual([null, null]);
    });

    it("CLUSTER SLOT-STATS: key-count per owned slot by SLOTSRANGE or ORDERBY, Valkey 8.0.1's errors, RESP2 and RESP3", async () => {
      const r = await raw(0);
      const tag = keyIn(0, 5460, "ss"); // a hash tag whose slot node 0 owns
      const s = keySlot(Buffer.from(tag));
      for (let i = 0; i < 6; i++) expect(await r.call("SET", `{${tag}}:${i}`, "v")).toBe("+OK\r\n");
      const one = (slot: number, n: number, map = "*2") => `*2\r\n:${slot}\r\n${map}\r\n$9\r\nkey-count\r\n:${n}\r\n`;
      expect(await r.call("CLUSTER", "SLOT-STATS", "SLOTSRANGE", String(s), String(s))).toBe(`*1\r\n${one(s, 6)}`);
      // only this node's slots (it owns 0-5460): a range across the boundary stops there, one outside is empty
      expect(await r.call("CLUSTER", "slot-stats", "slotsrange", "5459", "5462")).toBe(`*2\r\n${one(5459, 0)}${one(5460, 0)}`);
      expect(await r.call("CLUSTER", "SLOT-STATS", "SLOTSRANGE", "6000", "6001")).toBe("*0\r\n");
      expect(await r.call("CLUSTER", "SLOT-STATS", "ORDERBY", "key-count", "LIMIT", "1")).toBe(`*1\r\n${one(s, 6)}`);
      // ASC: ties keep slot order, as Valkey's sort does; without LIMIT every owned slot is listed
      const asc = await r.call("CLUSTER", "SLOT-STATS", "ORDERBY", "KEY-COUNT", "ASC");
      const rows = [...asc.matchAll(/\*2\r\n:(\d+)\r\n\*2\r\n\$9\r\nkey-count\r\n:(\d+)\r\n/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
      expect(asc.startsWith("*5461\r\n")).toBe(true);
      expect(rows).toHaveLength(5461);
      for (let i = 1; i < rows.length; i++) {
        const [ps, pn] = rows[i - 1]!;
        const [cs, cn] = rows[i]!;
        expect(cn > pn || (cn === pn && cs > ps)).toBe(true);
      }
      expect(rows[rows.length - 1]).toEqual([s, 6]);
      const err = async (...a: string[]) => r.call("CLUSTER", "SLOT-STATS", ...a);
      expect(await err()).toBe("-ERR wrong number of arguments for 'cluster|slot-stats' command\r\n");
      expect(await err("ORDERBY")).toBe("-ERR wrong number of arguments for 'cluster|slot-stats' command\r\n");
      for (const a of [["SLOTSRANGE", "0"], ["SLOTSRANGE", "0", "1", "2"], ["foo", "bar"]]) {
        expect(await err(...a)).toBe(`-ERR unknown subcommand or wrong number of arguments for '${"SLOT-STATS"}'. Try CLUSTER HELP.\r\n`);
      }
      expect(await err("SLOTSRANGE", "5", "2")).toBe("-ERR Start slot number 5 is greater than end slot number 2\r\n");
      for (const a of [["-1", "2"], ["a", "2"], ["0", "16384"]]) expect(await err("SLOTSRANGE", ...a)).toBe("-ERR Invalid or out of range slot\r\n");
      for (const m of ["foo", "cpu-usec", "network-bytes-in", "network-bytes-out"]) {
        expect(await err("ORDERBY", m)).toBe("-ERR Unrecognized sort metric for ORDERBY.\r\n"); // cluster-slot-stats-enabled no
      }
      for (const l of ["0", "x", "16385"]) {
        expect(await err("ORDERBY", "key-count", "LIMIT", l)).toBe("-ERR Limit has to lie in between 1 and 16384 (maximum number of slots).\r\n");
      }
      expect(await err("ORDERBY", "key-count", "LIMIT", "1", "LIMIT", "x")).toBe("-ERR Limit has to lie in between 1 and 16384 (maximum number of slots).\r\n");
      for (const a of [["LIMIT"], ["bar"], ["LIMIT", "1", "bar", "ASC", "ASC"]]) expect(await err("ORDERBY", "key-count", ...a)).toBe("-ERR syntax error\r\n");
      for (const a of [["LIMIT", "2", "ASC", "DESC"], ["LIMIT", "2", "LIMIT", "3"], ["ASC", "ASC"]]) {
        expect(await err("ORDERBY", "key-count", ...a)).toBe("-ERR Multiple filters of the same type are disallowed.\r\n");
      }
      expect(await r.call("HELLO", "3")).toContain("cluster");
      expect(await r.call("CLUSTER", "SLOT-STATS", "ORDERBY", "key-count", "LIMIT", "2", "DESC")).toMatch(
        new RegExp(`^\\*2\\r\\n${one(s, 6, "%1").replace(/[*$]/g, "\\$&")}\\*2\\r\\n:\\d+\\r\\n%1\\r\\n\\$9\\r\\nkey-count\\r\\n:\\d+\\r\\n$`),
      );
      // what the clients hand back: ioredis (RESP2) arrays, node-redis (RESP3) a map per slot
      const io = new Redis(ports[0]!);
      io.on("error", () => {});
      closers.push(() => io.disconnect());
      expect(await io.call("CLUSTER", "SLOT-STATS", "SLOTSRANGE", String(s), String(s))).toEqual([[s, ["key-count", 6]]]);
      const nr = createClient({ url: `redis://127.0.0.1:${ports[0]}`, RESP: 3 });
      nr.on("error", () => {});
      await nr.connect();
      closers.push(() => nr.close());
      expect(await nr.sendCommand(["CLUSTER", "SLOT-STATS", "SLOTSRANGE", String(s), String(s)])).toEqual([[s, { "key-count": 6 }]]);
      expect(await r.call("DEL", ...Array.from({ length: 6 }, (_v, i) => `{${tag}}:${i}`))).toBe(":6\r\n");
    });

    it("a slot moved by hand: ASK while migrating, TRYAGAIN for split multi-key requests, MIGRATE, then MOVED", async () => {
      const src = await raw(0);
      const dst = await raw(1);
      const srcId = (await src.call("CLUSTER", "MYID")).split("\r\n")[1]!;
      const dstId = (await dst.call("CLUSTER", "MYID")).split("\r\n")[1]!;
      const tag = keyIn(0, 5460, "mig");
      const slot = keySlot(Buffer.from(tag));
      expect(await src.call("MSET", `{${tag}}a`, "1", `{${tag}}b`, "2")).toBe("+OK\r\n");
      expect(await dst.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", srcId)).toBe("+OK\r\n");
      expect(await src.call("CLUSTER", "SETSLOT", String(slot), "MIGRATING", dstId)).toBe("+OK\r\n");
      expect((await src.call("CLUSTER", "NODES")).includes(`[${slot}->-${dstId}]`)).toBe(true);
      // keys still here are served; a missing key is asked for on the target
      expect(await src.call("GET", `{${tag}}a`)).toBe("$1\r\n1\r\n");
      expect(await src.call("GET", `{${tag}}zz`)).toBe(`-ASK ${slot} 127.0.0.1:${ports[1]}\r\n`);
      expect(await src.call("MIGRATE", "127.0.0.1", String(ports[1]), "", "0", "5000", "KEYS", `{${tag}}a`)).toBe("+OK\r\n");
      expect(await src.call("MGET", `{${tag}}a`, `{${tag}}b`)).toBe("-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
      expect(await src.call("GET", `{${tag}}a`)).toBe(`-ASK ${slot} 127.0.0.1:${ports[1]}\r\n`);
      // the target only serves the importing slot after ASKING
      expect(await dst.call("GET", `{${tag}}a`)).toBe(`-MOVED ${slot} 127.0.0.1:${ports[0]}\r\n`);
      expect(await dst.call("ASKING")).toBe("+OK\r\n");
      expect(await dst.call("GET", `{${tag}}a`)).toBe("$1\r\n1\r\n");
      expect(await dst.call("GET", `{${tag}}a`)).toMatch(/^-MOVED /); // ASKING lasts one command
      // ioredis, node-redis and iovalkey follow ASK on their own (their slot maps still say the source)
      const c = ioCluster();
      expect(await c.get(`{${tag}}a`)).toBe("1");
      const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${ports[0]}` }] });
      nr.on("error", () => {});
      await nr.connect();
      closers.push(() => nr.close());
      const vk = new ValkeyCluster([{ host: "127.0.0.1", port: ports[0]! }]);
      vk.on("error", () => {});
      closers.push(() => vk.disconnect());
      expect(await nr.get(`{${tag}}a`)).toBe("1");
      expect(await vk.get(`{${tag}}a`)).toBe("1");
      expect(await src.call("MIGRATE", "127.0.0.1", String(ports[1]), `{${tag}}b`, "0", "5000", "COPY")).toBe("+OK\r\n");
      expect(await src.call("MIGRATE", "127.0.0.1", String(ports[1]), `{${tag}}b`, "0", "5000")).toBe(
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
      );
      expect(await src.call("MIGRATE", "127.0.0.1", String(ports[1]), `{${tag}}b`, "0", "5000", "REPLACE")).toBe("+OK\r\n");
      expect(await src.call("MIGRATE", "127.0.0.1", String(ports[1]), `{${tag}}b`, "0", "5000")).toBe("+NOKEY\r\n");
      expect(await src.call("CLUSTER", "COUNTKEYSINSLOT", String(slot))).toBe(":0\r\n");
      expect(await dst.call("CLUSTER", "SETSLOT", String(slot), "NODE", dstId)).toBe("+OK\r\n");
      expect(await src.call("CLUSTER", "SETSLOT", String(slot), "NODE", dstId)).toBe("+OK\r\n");
      expect(await src.call("GET", `{${tag}}a`)).toBe(`-MOVED ${slot} 127.0.0.1:${ports[1]}\r\n`);
      // the third node learns the new owner from the relayed claim (the new owner bumped its epoch)
      const third = await raw(2);
      for (let i = 0; i < 50 && !(await third.call("GET", `{${tag}}a`)).includes(String(ports[1])); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await third.call("GET", `{${tag}}a`)).toBe(`-MOVED ${slot} 127.0.0.1:${ports[1]}\r\n`);
      // and MOVED after the slot changed hands: each client updates its map and reads from the new owner
      expect(await c.get(`{${tag}}b`)).toBe("2");
      expect(await nr.get(`{${tag}}b`)).toBe("2");
      expect(await vk.get(`{${tag}}b`)).toBe("2");
      await nr.set(`{${tag}}c`, "3");
      expect(await dst.call("GET", `{${tag}}c`)).toBe("$1\r\n3\r\n");
      expect(await dst.call("CLUSTER", "INFO")).toContain("cluster_my_epoch:4\r\n");
    });

    it("a client blocked on a key whose slot moves away gets -MOVED to the new owner", async () => {
      const n0 = await raw(0);
      const n1 = await raw(1);
      const blocked = await raw(0);
      const id1 = (await n1.call("CLUSTER", "MYID")).split("\r\n")[1]!;
      const key = keyIn(0, 5460, "blk");
      const slot = keySlot(Buffer.from(key));
      blocked.send("BLPOP", key, "0");
      expect(await blocked.silent(150)).toBe(true);
      expect(await n1.call("CLUSTER", "SETSLOT", String(slot), "NODE", id1)).toBe("+OK\r\n");
      expect(await n0.call("CLUSTER", "SETSLOT", String(slot), "NODE", id1)).toBe("+OK\r\n");
      expect(await blocked.read()).toBe(`-MOVED ${slot} 127.0.0.1:${ports[1]}\r\n`);
      expect(await blocked.call("PING")).toBe("+PONG\r\n");
    });

    it("PUBLISH reaches subscribers on every shard; SSUBSCRIBE/SPUBLISH are slot-owned", async () => {
      const sub = await raw(2);
      expect(await sub.call("SUBSCRIBE", "news")).toBe("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
      const pub = await raw(0);
      expect(await pub.call("PUBLISH", "news", "hello")).toBe(":0\r\n"); // counts this shard's receivers, as Valkey
      expect(await sub.read()).toBe("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
      const ch = keyIn(10923, 16383, "sch");
      expect(await pub.call("SPUBLISH", ch, "x")).toBe(`-MOVED ${keySlot(Buffer.from(ch))} 127.0.0.1:${ports[2]}\r\n`);
      expect(await pub.call("SSUBSCRIBE", ch)).toMatch(/^-MOVED /);
      expect(await pub.call("SSUBSCRIBE", "a", "b")).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      const ssub = await raw(2);
      expect(await ssub.call("SSUBSCRIBE", ch)).toBe(`*3\r\n$10\r\nssubscribe\r\n$${ch.length}\r\n${ch}\r\n:1\r\n`);
      const p2 = await raw(2);
      expect(await p2.call("SPUBLISH", ch, "m")).toBe(":1\r\n");
      expect(await ssub.read()).toBe(`*3\r\n$8\r\nsmessage\r\n$${ch.length}\r\n${ch}\r\n$1\r\nm\r\n`);
      // node-redis: sharded pub/sub routed to the channel's node
      const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${ports[0]}` }] });
      nr.on("error", () => {});
      await nr.connect();
      closers.push(() => nr.close());
      const sgot = new Promise<string>((resolve) => void nr.sSubscribe(ch, (m: string) => resolve(m)));
      await new Promise((r) => setTimeout(r, 100));
      expect(await nr.sPublish(ch, "sharded")).toBe(2); // this subscriber and the raw one above
      expect(await sgot).toBe("sharded");
      // ioredis Cluster: subscriber and publisher on whatever nodes it picks
      const c = ioCluster();
      const s = c.duplicate();
      s.on("error", () => {});
      closers.push(() => s.disconnect());
      const got = new Promise<string>((resolve) => s.on("message", (_c: string, m: string) => resolve(m)));
      await s.subscribe("io-news");
      await new Promise((r) => setTimeout(r, 100));
      for (const p of ports) await (await raw(ports.indexOf(p))).call("PUBLISH", "io-news", `from-${p}`);
      expect(await got).toMatch(/^from-/);
    });

    it("a BullMQ queue with a {prefix} works on the cluster", async () => {
      const connection = new Cluster([{ host: "127.0.0.1", port: ports[0]! }], { redisOptions: { maxRetriesPerRequest: null } });
      connection.on("error", () => {});
      const name = `q${Date.now()}`;
      const opts = { connection, prefix: "{bull}" };
      const queue = new Queue(name, opts);
      const events = new QueueEvents(name, { ...opts, connection: connection.duplicate() });
      await events.waitUntilReady();
      const worker = new Worker(name, async (job) => (job.data as { n: number }).n * 2, { ...opts, connection: connection.duplicate() });
      try {
        const job = await queue.add("double", { n: 21 });
        expect(await job.waitUntilFinished(events, 20_000)).toBe(42);
      } finally {
        await worker.close();
        await events.close();
        await queue.close();
        connection.disconnect();
      }
    }, 30_000);

    it.skipIf(REDIS_CLI === null)(
      "redis-cli --cluster check, info and reshard succeed while an ioredis Cluster keeps reading and writing",
      async () => {
        const c = ioCluster();
        for (let i = 0; i < 200; i++) await c.set(`rs:${i}`, String(i));
        const r0 = await raw(0);
        const from = (await r0.call("CLUSTER", "MYID")).split("\r\n")[1]!;
        const to = (await (await raw(2)).call("CLUSTER", "MYID")).split("\r\n")[1]!;
        let stop = false;
        let ops = 0;
        const errors: string[] = [];
        const load = (async () => {
          for (let i = 0; !stop; i++) {
            const k = `rs:${i % 200}`;
            try {
              expect(await c.get(k)).toBe(String(i % 200));
              await c.set(`live:${i % 50}`, String(i));
              ops++;
            } catch (e) {
              errors.push(String(e));
            }
          }
        })();
        const reshard = await run(
          "redis-cli",
          ["--cluster", "reshard", `127.0.0.1:${ports[0]}`, "--cluster-from", from, "--cluster-to", to, "--cluster-slots", "1500", "--cluster-yes"],
          { timeout: 120_000 },
        ).catch((e: { stdout?: string; stderr?: string }) => {
          throw new Error(`redis-cli --cluster reshard failed:\n${e.stdout}\n${e.stderr}`);
        });
        stop = true;
        await load;
        expect(reshard.stdout).toContain("Moving slot");
        expect(errors).toEqual([]);
        expect(ops).toBeGreaterThan(0);
        const check = await run("redis-cli", ["--cluster", "check", `127.0.0.1:${ports[1]}`]);
        expect(check.stdout).toContain("[OK] All nodes agree about slots configuration.");
        expect(check.stdout).toContain("[OK] All 16384 slots covered.");
        const info = await run("redis-cli", ["--cluster", "info", `127.0.0.1:${ports[2]}`]);
        expect(info.stdout).toMatch(/\[OK\] \d+ keys in 3 masters\./);
        for (let i = 0; i < 200; i += 37) expect(await c.get(`rs:${i}`)).toBe(String(i));
      },
      150_000,
    );

    it("SHUTDOWN on one shard stops the whole cluster with exit code 0", async () => {
      const r = await raw(1);
      r.send("SHUTDOWN");
      const code = await new Promise<number | null>((resolve) => {
        if (srv.proc.exitCode !== null) return resolve(srv.proc.exitCode);
        srv.proc.once("exit", (c) => resolve(c));
      });
      expect(code).toBe(0);
    }, 20_000);
  });

  describe(`cluster lifecycle [${runtime}]`, () => {
    it("a shard that dies takes the cluster down: a log line naming it and a non-zero exit", async () => {
      const srv = await spawnServer(runtime, ["--cluster-size", "2", "--enable-debug-command", "yes"]);
      try {
        const port = Number([...srv.output().matchAll(/redis:\/\/127\.0\.0\.1:(\d+)/g)][1]![1]);
        const r = await RawClient.connect(port);
        r.send("DEBUG", "PANIC");
        const code = await new Promise<number | null>((resolve) => {
          if (srv.proc.exitCode !== null) return resolve(srv.proc.exitCode);
          srv.proc.once("exit", (c) => resolve(c));
        });
        r.close();
        expect(code).toBe(1);
        expect(srv.output()).toContain(`cluster shard 1 (port ${port}) exited unexpectedly`);
        expect(srv.output()).toContain("stopping the whole cluster");
      } finally {
        await srv.stop();
      }
    }, 20_000);

    it("reports addresses clients can reach: a 0.0.0.0 bind reports 127.0.0.1; announce-ip and hostname are honoured", async () => {
      const srv = await spawnServer(runtime, ["--cluster-size", "2", "--bind", "0.0.0.0", "--cluster-announce-hostname", "valkey.test"]);
      try {
        const ports = [...srv.output().matchAll(/redis:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
        expect(ports).toHaveLength(2);
        const r = await RawClient.connect(ports[0]!);
        const id = (await r.call("CLUSTER", "MYID")).split("\r\n")[1]!;
        expect(await r.call("CLUSTER", "NODES")).toContain(`${id} 127.0.0.1:${ports[0]}@${ports[0]! + 10000},valkey.test myself,master`);
        expect(await r.call("CLUSTER", "SLOTS")).toContain(`*4\r\n$9\r\n127.0.0.1\r\n:${ports[0]}\r\n$40\r\n${id}\r\n*2\r\n$8\r\nhostname\r\n$11\r\nvalkey.test\r\n`);
        const far = keyIn(8192, 16383);
        expect(await r.call("GET", far)).toBe(`-MOVED ${keySlot(Buffer.from(far))} 127.0.0.1:${ports[1]}\r\n`);
        expect(await r.call("CONFIG", "SET", "cluster-preferred-endpoint-type", "hostname")).toBe("+OK\r\n");
        expect(await r.call("GET", far)).toBe(`-MOVED ${keySlot(Buffer.from(far))} valkey.test:${ports[1]}\r\n`);
        r.close();
      } finally {
        expect(await srv.stop("SIGTERM")).toBe(0); // SIGTERM stops every shard, exit 0
      }
      const other = await spawnServer(runtime, ["--cluster-size", "1", "--cluster-announce-ip", "10.1.2.3"]);
      try {
        expect(other.output()).toMatch(/cluster of 1 shards ready on redis:\/\/10\.1\.2\.3:\d+ /);
        const r = await RawClient.connect(other.port);
        expect(await r.call("CLUSTER", "NODES")).toContain(` 10.1.2.3:${other.port}@`);
        r.close();
      } finally {
        expect(await other.stop("SIGINT")).toBe(0);
      }
    }, 30_000);

    // In-process: this runs inside vitest's own (Node) process whatever the loop's runtime, so once is enough;
    // the spawned-server tests above cover the shards on Bun.
    it.runIf(runtime === "node")("startServer({ clusterSize: 3, port: 0 }) returns every node's URL and close() stops them all", async () => {
      const c = await startServer({ clusterSize: 3, port: 0, password: "pw" });
      try {
        expect(c.nodes).toHaveLength(3);
        for (const u of c.nodes) expect(u).toMatch(/^redis:\/\/:pw@127\.0\.0\.1:\d+$/);
        expect(c.url).toBe(c.nodes[0]);
        const io = new Cluster(
          c.nodes.map((u) => ({ host: "127.0.0.1", port: Number(new URL(u).port) })),
          { redisOptions: { password: "pw" } },
        );
        io.on("error", () => {});
        await io.set("api:a", "1");
        await io.set("api:b", "2");
        expect(await io.mget("{api}x", "{api}y")).toEqual([null, null]);
        expect(await io.get("api:a")).toBe("1");
        const info = await io.cluster("INFO");
        expect(String(info)).toContain("cluster_state:ok");
        io.disconnect();
      } finally {
        await c.close();
      }
      const ports = c.nodes.map((u) => Number(new URL(u).port));
      await expect(RawClient.connect(ports[1]!)).rejects.toThrow(/ECONNREFUSED/);
    }, 30_000);

    it("`valkey-bun health` passes only when every node answers with cluster_state:ok", async () => {
      const srv = await spawnServer(runtime, ["--cluster-size", "3"]);
      const [cmd, pre] = cliCommand(runtime);
      const health = (port: number) =>
        run(cmd, [...pre, "health", "--url", `redis://127.0.0.1:${port}`], { env: { ...process.env, NODE_OPTIONS: "" } }).then(
          (r) => ({ code: 0, out: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
        );
      try {
        const ports = [...srv.output().matchAll(/redis:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
        expect(await health(ports[0]!)).toEqual({ code: 0, out: "PONG\n" });
        // a slot unassigned on the last node: that node says cluster_state:fail, so the cluster is unhealthy
        const r = await RawClient.connect(ports[2]!);
        expect(await r.call("CLUSTER", "DELSLOTS", "16383")).toBe("+OK\r\n");
        expect(await r.call("CLUSTER", "INFO")).toContain("cluster_state:fail\r\n");
        const bad = await health(ports[0]!);
        expect(bad.code).toBe(1);
        expect(bad.out).toContain(`cluster node 127.0.0.1:${ports[2]}: cluster_state:fail`);
        expect((await health(ports[2]!)).out).toContain("cluster_state:fail");
        expect(await r.call("CLUSTER", "ADDSLOTS", "16383")).toBe("+OK\r\n");
        expect((await health(ports[1]!)).code).toBe(0);
        r.close();
      } finally {
        await srv.stop();
      }
    }, 30_000);

    it("a standalone server: CLUSTER and ASKING say cluster support is disabled; MIGRATE moves keys with RESTORE", async () => {
      const a = await spawnServer(runtime, []);
      const b = await spawnServer(runtime, ["--requirepass", "pw"]);
      try {
        const r = await RawClient.connect(a.port);
        expect(await r.call("CLUSTER", "INFO")).toBe("-ERR This instance has cluster support disabled\r\n");
        expect(await r.call("CLUSTER", "KEYSLOT", "x")).toBe("-ERR This instance has cluster support disabled\r\n");
        expect(await r.call("CLUSTER", "SLOT-STATS", "ORDERBY", "key-count")).toBe("-ERR This instance has cluster support disabled\r\n");
        expect(await r.call("CLUSTER", "SLOT-STATS")).toBe("-ERR wrong number of arguments for 'cluster|slot-stats' command\r\n"); // arity first
        expect(await r.call("ASKING")).toBe("-ERR This instance has cluster support disabled\r\n");
        expect(await r.call("READONLY")).toBe("+OK\r\n");
        expect(await r.call("INFO", "cluster")).toContain("cluster_enabled:0\r\n");
        expect(await r.call("RPUSH", "l", "a", "b")).toBe(":2\r\n");
        expect(await r.call("SET", "s", "v", "PX", "100000")).toBe("+OK\r\n");
        expect(await r.call("MIGRATE", "127.0.0.1", String(b.port), "", "3", "5000", "AUTH", "pw", "KEYS", "l", "s", "missing")).toBe("+OK\r\n");
        expect(await r.call("EXISTS", "l", "s")).toBe(":0\r\n");
        expect(await r.call("MIGRATE", "127.0.0.1", String(b.port), "l", "3", "5000")).toBe("+NOKEY\r\n");
        expect(await r.call("SET", "x", "1")).toBe("+OK\r\n");
        expect(await r.call("MIGRATE", "127.0.0.1", String(b.port), "x", "0", "5000")).toBe(
          "-ERR Target instance replied with error: NOAUTH Authentication required.\r\n",
        );
        expect(await r.call("GET", "x")).toBe("$1\r\n1\r\n"); // kept: the target refused it
        expect(await r.call("MIGRATE", "127.0.0.1", "1", "x", "0", "1000")).toBe("-IOERR error or timeout writing to target instance\r\n");
        expect(await r.call("MIGRATE", "127.0.0.1", String(b.port), "x", "0", "5000", "KEYS", "x")).toBe(
          "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
        );
        const t = await RawClient.connect(b.port);
        expect(await t.call("AUTH", "pw")).toBe("+OK\r\n");
        expect(await t.call("SELECT", "3")).toBe("+OK\r\n");
        expect(await t.call("LRANGE", "l", "0", "-1")).toBe("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        expect(Number((await t.call("PTTL", "s")).slice(1))).toBeGreaterThan(90_000);
        r.close();
        t.close();
      } finally {
        await a.stop();
        await b.stop();
      }
    }, 30_000);

    it("a shard port in use: no cluster starts, exit 1 naming the port", async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
      const taken = (blocker.address() as AddressInfo).port;
      try {
        const err = await spawnServer(runtime, ["--port", String(taken - 1), "--bind", "127.0.0.1", "--cluster-size", "2"]).then(
          (s) => s.stop().then(() => "started"),
          (e: Error) => e.message,
        );
        // taken - 1 may itself be busy on a shared machine; either way it is a port-in-use refusal
        expect(err).toMatch(/exited with 1: valkey-bun: cannot start the cluster: port \d+ is already in use/);
        expect(err).not.toContain("exited unexpectedly");
      } finally {
        blocker.close();
      }
    });

    it("bad --cluster-size / VALKEY_CLUSTER_SIZE values are refused naming the setting", async () => {
      await expect(spawnServer(runtime, ["--cluster-size", "x"])).rejects.toThrow(/invalid --cluster-size: 'x' — must be a whole number from 0 \(standalone\) to 64/);
      await expect(spawnServer(runtime, [], { VALKEY_CLUSTER_SIZE: "-1" })).rejects.toThrow(/invalid VALKEY_CLUSTER_SIZE: '-1'/);
    });
  });
}
