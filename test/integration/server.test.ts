import { expect, it } from "vitest";
import { describeRuntimes, RUNTIMES, spawnServer, RawClient, type Ctx } from "../helpers/server.js";

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** The payload of a bulk or verbatim reply. */
function text(reply: string): string {
  const nl = reply.indexOf("\r\n");
  const body = reply.slice(nl + 2, -2);
  return reply.startsWith("=") ? body.slice(4) : body;
}

/** INFO text -> field map (sections flattened). */
function infoFields(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of s.split("\r\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function sectionTitles(s: string): string[] {
  return s.split("\r\n").filter((l) => l.startsWith("# "));
}

async function info(r: RawClient, ...sections: string[]): Promise<Record<string, string>> {
  return infoFields(text(await r.call("INFO", ...sections)));
}

describeRuntimes(
  "server",
  (ctx: Ctx) => {
    it("INFO prints the default sections in Valkey's order; several, all, everything, default; unknown is empty", async () => {
      const r = await ctx.raw();
      const all = text(await r.call("INFO"));
      expect(sectionTitles(all)).toEqual([
        "# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# CPU", "# Modules", "# Errorstats",
        "# Cluster", "# Keyspace",
      ]);
      expect(all.endsWith("\r\n")).toBe(true);
      expect(all).toContain("\r\n\r\n# Clients\r\n");
      expect(sectionTitles(text(await r.call("INFO", "keyspace", "SERVER")))).toEqual(["# Server", "# Keyspace"]);
      const everything = sectionTitles(text(await r.call("INFO", "everything")));
      expect(everything).toContain("# Commandstats");
      expect(everything.slice(-4)).toEqual(["# Errorstats", "# Latencystats", "# Cluster", "# Keyspace"]);
      expect(sectionTitles(text(await r.call("INFO", "all")))).toEqual(everything);
      expect(sectionTitles(text(await r.call("INFO", "default")))).toEqual(sectionTitles(all));
      expect(sectionTitles(text(await r.call("INFO", "modules")))).toEqual(["# Modules"]);
      expect(await r.call("INFO", "nosuchsection")).toBe("$0\r\n\r\n");
      await r.call("HELLO", "3");
      expect(await r.call("INFO", "nosuchsection")).toBe("=4\r\ntxt:\r\n");
      const body = "# Cluster\r\ncluster_enabled:0\r\n";
      expect(await r.call("INFO", "cluster")).toBe(`=${body.length + 4}\r\ntxt:${body}\r\n`);
    });

    it("INFO server and replication tell the truth", async () => {
      const r = await ctx.raw();
      const before = Date.now();
      const f = await info(r, "server", "replication", "persistence");
      const after = Date.now();
      // the wall clock in microseconds, within the client's own clock readings around the call
      expect(Number(f.server_time_usec)).toBeGreaterThanOrEqual((before - 2) * 1000);
      expect(Number(f.server_time_usec)).toBeLessThanOrEqual((after + 2) * 1000);
      expect(f.redis_version).toBe("7.2.4");
      expect(f.server_name).toBe("valkey");
      expect(f.valkey_version).toBe("8.0.2");
      // Valkey 8: server_mode (redis_mode only with extended-redis-compatibility yes)
      expect(f.server_mode).toBe("standalone");
      expect(f.redis_mode).toBeUndefined();
      expect(f.availability_zone).toBe("");
      expect(f.tcp_port).toBe(String(ctx.port));
      expect(f.process_id).toBe(String(ctx.server.proc.pid));
      expect(f.run_id).toMatch(/^[0-9a-f]{40}$/);
      expect(Number(f.uptime_in_seconds)).toBeGreaterThanOrEqual(0);
      expect(f.hz).toBe("10");
      expect(f.configured_hz).toBe("10");
      expect(f.config_file).toBe("");
      expect(f.listener0).toBe(`name=tcp,bind=*,bind=-::*,port=${ctx.port}`);
      expect(f.role).toBe("master");
      expect(f.connected_slaves).toBe("0");
      expect(f.master_replid).toMatch(/^[0-9a-f]{40}$/);
      expect(f.master_repl_offset).toBe("0");
      expect(f.loading).toBe("0");
      expect(f.async_loading).toBe("0");
      expect(f.rdb_bgsave_in_progress).toBe("0");
      expect(f.rdb_last_bgsave_status).toBe("ok");
      expect(f.aof_enabled).toBe("0");
      expect(f.aof_rewrite_in_progress).toBe("0");
      expect(Number(f.rdb_last_save_time)).toBeGreaterThan(1_600_000_000);
    });

    it("INFO memory and cpu come from the runtime", async () => {
      const r = await ctx.raw();
      const f = await info(r, "memory", "cpu");
      expect(Number(f.used_memory)).toBeGreaterThan(0);
      expect(Number(f.used_memory_rss)).toBeGreaterThan(0);
      expect(Number(f.used_memory_peak)).toBeGreaterThanOrEqual(Number(f.used_memory));
      expect(f.used_memory_human).toMatch(/^\d+\.\d\d[BKMG]$/);
      expect(f.maxmemory).toBe("0");
      expect(f.maxmemory_human).toBe("0B");
      expect(f.maxmemory_policy).toBe("noeviction");
      expect(f.mem_fragmentation_ratio).toMatch(/^\d+\.\d\d$/);
      expect(f.used_cpu_user).toMatch(/^\d+\.\d{6}$/);
      expect(f.used_cpu_sys).toMatch(/^\d+\.\d{6}$/);
      // the server thread's share (Valkey 8 prints these after the children's): never more than the whole process
      expect(f.used_cpu_user_main_thread).toMatch(/^\d+\.\d{6}$/);
      expect(f.used_cpu_sys_main_thread).toMatch(/^\d+\.\d{6}$/);
      expect(Number(f.used_cpu_user_main_thread)).toBeGreaterThan(0);
      expect(Number(f.used_cpu_user_main_thread)).toBeLessThanOrEqual(Number(f.used_cpu_user) + 0.01);
      const cpu = text(await r.call("INFO", "cpu")).split("\r\n").map((l) => l.split(":")[0]);
      expect(cpu.slice(0, 7)).toEqual([
        "# CPU", "used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children", "used_cpu_sys_main_thread",
        "used_cpu_user_main_thread",
      ]);
    });

    it("INFO latencystats: percentiles of each command's latency, from latency-tracking-info-percentiles", async () => {
      const r = await ctx.raw();
      await r.call("CONFIG", "RESETSTAT");
      for (let i = 0; i < 20; i++) await r.call("SET", "lat:k", String(i));
      const f = await info(r, "latencystats");
      // values are µs with three decimals, ascending with the percentile
      const m = /^p50=(\d+\.\d{3}),p99=(\d+\.\d{3}),p99\.9=(\d+\.\d{3})$/.exec(f.latency_percentiles_usec_set!);
      expect(m, f.latency_percentiles_usec_set).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
      expect(Number(m![2])).toBeGreaterThanOrEqual(Number(m![1]));
      expect(Number(m![3])).toBeGreaterThanOrEqual(Number(m![2]));
      expect(f["latency_percentiles_usec_config|resetstat"]).toMatch(/^p50=/);
      // labels as Valkey prints them ("%f", zeros trimmed); no percentiles leaves the lines empty, as Valkey does
      expect(await r.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 99.9999 100")).toBe("+OK\r\n");
      expect((await info(r, "latencystats")).latency_percentiles_usec_set).toMatch(/^p0=\d+\.\d{3},p99\.9999=\d+\.\d{3},p100=\d+\.\d{3}$/);
      expect(await r.call("CONFIG", "SET", "latency-tracking-info-percentiles", "")).toBe("+OK\r\n");
      expect((await info(r, "latencystats")).latency_percentiles_usec_set).toBe("");
      // with latency-tracking off the section is empty
      expect(await r.call("CONFIG", "SET", "latency-tracking", "no", "latency-tracking-info-percentiles", "50 99 99.9")).toBe("+OK\r\n");
      expect(text(await r.call("INFO", "latencystats"))).toBe("# Latencystats\r\n");
      expect(await r.call("CONFIG", "SET", "latency-tracking", "yes")).toBe("+OK\r\n");
    });

    it("INFO stats, errorstats and commandstats count what happened", async () => {
      const r = await ctx.raw();
      expect(await r.call("CONFIG", "RESETSTAT")).toBe("+OK\r\n");
      await (await ctx.raw()).call("PING");
      await r.call("SET", "st:a", "1");
      await r.call("GET", "st:a");
      await r.call("GET", "st:a");
      await r.call("GET", "st:missing");
      await r.call("GET");
      await r.call("NOSUCHCMD");
      await r.call("DEBUG", "NOSUCH");
      const f = await info(r, "stats", "errorstats", "commandstats");
      expect(f.keyspace_hits).toBe("2");
      expect(f.keyspace_misses).toBe("1");
      expect(f.total_error_replies).toBe("3");
      expect(Number(f.total_commands_processed)).toBeGreaterThanOrEqual(6);
      expect(f.errorstat_ERR).toBe(`count=${f.total_error_replies}`);
      expect(f.cmdstat_get).toMatch(/^calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/);
      expect(f.cmdstat_debug).toMatch(/^calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$/);
      expect(f["cmdstat_config|resetstat"]).toMatch(/^calls=1,/);
      expect(f.evicted_keys).toBe("0");
      // Valkey 8's I/O-thread counters: no I/O threads here
      for (const k of ["reads_processed", "writes_processed", "freed_objects", "poll_processed", "total_prefetch_batches", "total_prefetch_entries"]) {
        expect(f[`io_threaded_${k}`], k).toBe("0");
      }
      expect(Number(f.total_connections_received)).toBeGreaterThanOrEqual(1);
      expect(Number(f.total_net_input_bytes)).toBeGreaterThan(0);
      expect(Number(f.total_net_output_bytes)).toBeGreaterThan(0);
      // a command's time counts in eventloop_duration_cmd_sum (Valkey 8: 50297 after DEBUG SLEEP 0.05)
      await r.call("DEBUG", "SLEEP", "0.05");
      expect(Number((await info(r, "stats")).eventloop_duration_cmd_sum)).toBeGreaterThanOrEqual(50000);
      // RESETSTAT clears them again
      await r.call("CONFIG", "RESETSTAT");
      const g = await info(r, "stats", "errorstats", "commandstats");
      expect(Number(g.eventloop_duration_cmd_sum)).toBeLessThan(50000);
      expect(g.keyspace_hits).toBe("0");
      expect(g.total_error_replies).toBe("0");
      expect(g.errorstat_ERR).toBeUndefined();
      expect(g.cmdstat_get).toBeUndefined();
    });

    it("a pipeline's cheap commands are counted and slow-logged, in order, before the next command of the batch", async () => {
      // Runs of fast commands share one clock read (Server.callInRun); whatever reads the stats sees them all.
      const r = await ctx.raw();
      await r.call("CONFIG", "RESETSTAT");
      await r.call("SLOWLOG", "RESET");
      await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
      try {
        const cmds = [["SET", "run:a", "1"], ["GET", "run:a"], ["INCR", "run:n"], ["GET", "run:a"], ["PING"], ["INFO", "commandstats"], ["SLOWLOG", "GET", "6"]];
        r.write(cmds.map((a) => `*${a.length}\r\n${a.map(bulk).join("")}`).join(""));
        const replies: string[] = [];
        for (let i = 0; i < cmds.length; i++) replies.push(await r.read());
        expect(replies.slice(0, 5)).toEqual(["+OK\r\n", "$1\r\n1\r\n", ":1\r\n", "$1\r\n1\r\n", "+PONG\r\n"]);
        const f = infoFields(text(replies[5]!));
        expect(f.cmdstat_get).toMatch(/^calls=2,usec=\d+,/);
        expect(f.cmdstat_set).toMatch(/^calls=1,/);
        expect(f.cmdstat_incr).toMatch(/^calls=1,/);
        expect(f.cmdstat_ping).toMatch(/^calls=1,/);
        // newest first: INFO, PING, GET, INCR, GET, SET (SLOWLOG RESET and CONFIG SET came before them)
        const names = [...replies[6]!.matchAll(/\*\d+\r\n\$\d+\r\n(\w+)\r\n/g)].map((m) => m[1]);
        expect(names).toEqual(["INFO", "PING", "GET", "INCR", "GET", "SET"]);
      } finally {
        await r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
      }
    });

    it("INFO keyspace, clients and rdb_changes_since_last_save", async () => {
      const r = await ctx.raw();
      await r.call("FLUSHALL");
      const changes0 = Number((await info(r, "persistence")).rdb_changes_since_last_save);
      expect((await info(r, "keyspace")).db0).toBeUndefined();
      await r.call("SET", "ks:a", "1");
      await r.call("SET", "ks:b", "2");
      await r.call("SELECT", "3");
      await r.call("SET", "ks:c", "3");
      await r.call("SELECT", "0");
      const f = await info(r, "keyspace", "persistence");
      expect(f.db0).toBe("keys=2,expires=0,avg_ttl=0");
      expect(f.db3).toBe("keys=1,expires=0,avg_ttl=0");
      expect(Number(f.rdb_changes_since_last_save)).toBe(changes0 + 3);
      const w = await ctx.raw();
      await w.call("WATCH", "ks:a", "ks:b");
      const c = await info(r, "clients");
      expect(Number(c.connected_clients)).toBeGreaterThanOrEqual(2);
      expect(c.watching_clients).toBe("1");
      expect(c.total_watched_keys).toBe("2");
      expect(c.blocked_clients).toBe("0");
      expect(c.maxclients).toBe("10000");
    });

    it("DBSIZE, FLUSHDB and FLUSHALL with SYNC/ASYNC", async () => {
      const r = await ctx.raw();
      await r.call("FLUSHALL", "SYNC");
      expect(await r.call("DBSIZE")).toBe(":0\r\n");
      await r.call("SET", "f:1", "a");
      await r.call("SET", "f:2", "b");
      await r.call("SELECT", "1");
      await r.call("SET", "f:3", "c");
      expect(await r.call("DBSIZE")).toBe(":1\r\n");
      expect(await r.call("FLUSHDB", "ASYNC")).toBe("+OK\r\n");
      expect(await r.call("DBSIZE")).toBe(":0\r\n");
      await r.call("SELECT", "0");
      expect(await r.call("DBSIZE")).toBe(":2\r\n");
      expect(await r.call("FLUSHDB", "FOO")).toBe("-ERR syntax error\r\n");
      expect(await r.call("FLUSHALL", "SYNC", "ASYNC")).toBe("-ERR syntax error\r\n");
      expect(await r.call("DBSIZE")).toBe(":2\r\n");
      expect(await r.call("DBSIZE", "x")).toBe("-ERR wrong number of arguments for 'dbsize' command\r\n");
      expect(await r.call("FLUSHALL", "async")).toBe("+OK\r\n");
      expect(await r.call("DBSIZE")).toBe(":0\r\n");
    });

    it("FLUSHDB invalidates WATCH on keys that existed", async () => {
      const r = await ctx.raw();
      const o = await ctx.raw();
      await r.call("SET", "fw:k", "1");
      await r.call("WATCH", "fw:k");
      await o.call("FLUSHDB");
      await r.call("MULTI");
      await r.call("SET", "fw:k", "2");
      expect(await r.call("EXEC")).toBe("*-1\r\n");
    });

    it("SWAPDB exchanges databases; errors leave both untouched", async () => {
      const r = await ctx.raw();
      await r.call("FLUSHALL");
      await r.call("SET", "sw:k", "in0");
      await r.call("SELECT", "1");
      await r.call("SET", "sw:k", "in1");
      await r.call("SELECT", "0");
      expect(await r.call("SWAPDB", "0", "1")).toBe("+OK\r\n");
      expect(await r.call("GET", "sw:k")).toBe(bulk("in1"));
      expect(await r.call("SWAPDB", "1", "1")).toBe("+OK\r\n");
      expect(await r.call("SWAPDB", "a", "1")).toBe("-ERR invalid first DB index\r\n");
      expect(await r.call("SWAPDB", "0", "b")).toBe("-ERR invalid second DB index\r\n");
      expect(await r.call("SWAPDB", "0", "16")).toBe("-ERR DB index is out of range\r\n");
      expect(await r.call("SWAPDB", "-1", "0")).toBe("-ERR DB index is out of range\r\n");
      expect(await r.call("SWAPDB", "99999999999", "0")).toBe("-ERR invalid first DB index\r\n");
      expect(await r.call("SWAPDB", "0")).toBe("-ERR wrong number of arguments for 'swapdb' command\r\n");
      expect(await r.call("GET", "sw:k")).toBe(bulk("in1"));
      // a WATCHed key that changes by the swap aborts the transaction
      await r.call("WATCH", "sw:k");
      const o = await ctx.raw();
      await o.call("SWAPDB", "0", "1");
      await r.call("MULTI");
      await r.call("GET", "sw:k");
      expect(await r.call("EXEC")).toBe("*-1\r\n");
      expect(await r.call("GET", "sw:k")).toBe(bulk("in0"));
    });

    it("TIME, LASTSAVE and ROLE", async () => {
      const r = await ctx.raw();
      const timeUs = async () => {
        const m = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(await r.call("TIME"));
        expect(m).not.toBeNull();
        expect(Number(m![2])).toBeLessThan(1_000_000);
        return Number(m![1]) * 1e6 + Number(m![2]);
      };
      // the wall clock with microseconds: within the client's own clock readings around the call (the test server
      // runs on this machine), and never going back
      const before = Date.now();
      const t1 = await timeUs();
      const t2 = await timeUs();
      const after = Date.now();
      expect(t1).toBeGreaterThanOrEqual((before - 2) * 1000);
      expect(t2).toBeLessThanOrEqual((after + 2) * 1000);
      expect(t2).toBeGreaterThanOrEqual(t1);
      expect(await r.call("LASTSAVE")).toMatch(/^:\d{10}\r\n$/);
      expect(await r.call("ROLE")).toBe("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
      expect(await r.call("TIME", "x")).toBe("-ERR wrong number of arguments for 'time' command\r\n");
      const io = ctx.ioredis();
      expect(await io.role()).toEqual(["master", 0, []]);
    });

    it("WAIT and WAITAOF: no replicas, no AOF", async () => {
      const r = await ctx.raw();
      expect(await r.call("WAIT", "0", "0")).toBe(":0\r\n");
      expect(await r.call("WAIT", "-1", "0")).toBe(":0\r\n");
      // one replica asked for: waits out the timeout, then reports none
      expect(await r.call("WAIT", "1", "50")).toBe(":0\r\n");
      expect(await r.call("WAIT", "a", "0")).toBe("-ERR value is not an integer or out of range\r\n");
      expect(await r.call("WAIT", "0", "-1")).toBe("-ERR timeout is negative\r\n");
      expect(await r.call("WAIT", "0", "abc")).toBe("-ERR timeout is not an integer or out of range\r\n");
      expect(await r.call("WAIT", "0", "9223372036854775807")).toBe("-ERR timeout is out of range\r\n");
      // inside MULTI it cannot block: answers at once
      await r.call("MULTI");
      await r.call("WAIT", "1", "0");
      expect(await r.call("EXEC")).toBe("*1\r\n:0\r\n");
      expect(await r.call("WAITAOF", "0", "0", "0")).toBe("*2\r\n:0\r\n:0\r\n");
      expect(await r.call("WAITAOF", "0", "1", "50")).toBe("*2\r\n:0\r\n:0\r\n");
      expect(await r.call("WAITAOF", "1", "0", "0")).toBe("-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n");
      expect(await r.call("WAITAOF", "2", "0", "0")).toBe("-ERR value is out of range, value must between 0 and 1\r\n");
      expect(await r.call("WAITAOF", "0", "-1", "0")).toBe("-ERR value is out of range, must be positive\r\n");
      expect(await r.call("WAITAOF", "x", "0", "0")).toBe("-ERR value is not an integer or out of range\r\n");
      expect(await r.call("WAITAOF", "0", "0", "-5")).toBe("-ERR timeout is negative\r\n");
    });

    it("WAIT with timeout 0 blocks until the client goes; other clients go on", async () => {
      const r = await ctx.raw();
      r.send("WAIT", "1", "0");
      expect(await r.silent(100)).toBe(true);
      const o = await ctx.raw();
      expect(await o.call("PING")).toBe("+PONG\r\n");
      const list = text(await o.call("CLIENT", "LIST"));
      expect(list).toMatch(/flags=b .*cmd=wait /);
      expect(text(await o.call("INFO", "clients"))).toContain("\r\nblocked_clients:1\r\n");
      r.close();
    });

    it("SAVE, BGSAVE and BGREWRITEAOF are refused: data lives in memory only", async () => {
      const r = await ctx.raw();
      for (const cmd of ["SAVE", "BGSAVE", "BGREWRITEAOF"]) {
        expect(await r.call(cmd)).toBe(`-ERR ${cmd} is not supported: valkey-bun keeps data in memory only and never writes it to disk\r\n`);
      }
      expect(await r.call("BGSAVE", "SCHEDULE")).toMatch(/^-ERR BGSAVE is not supported/);
      expect(await r.call("SAVE", "x")).toBe("-ERR wrong number of arguments for 'save' command\r\n");
      await r.call("MULTI");
      expect(await r.call("SAVE")).toBe("-ERR Command not allowed inside a transaction\r\n");
      await r.call("DISCARD");
    });

    it("SHUTDOWN argument errors leave the server running", async () => {
      const r = await ctx.raw();
      expect(await r.call("SHUTDOWN", "ABORT")).toBe("-ERR No shutdown in progress.\r\n");
      expect(await r.call("SHUTDOWN", "NOSAVE", "ABORT")).toBe("-ERR syntax error\r\n");
      expect(await r.call("SHUTDOWN", "SAVE", "NOSAVE")).toBe("-ERR syntax error\r\n");
      expect(await r.call("SHUTDOWN", "LATER")).toBe("-ERR syntax error\r\n");
      expect(await r.call("SHUTDOWN", "SAVE")).toBe(
        "-ERR SHUTDOWN SAVE is not supported: valkey-bun keeps data in memory only and never writes it to disk\r\n",
      );
      await r.call("MULTI");
      expect(await r.call("SHUTDOWN")).toBe("-ERR Command not allowed inside a transaction\r\n");
      await r.call("DISCARD");
      expect(await r.call("PING")).toBe("+PONG\r\n");
    });

    it("MONITOR streams every other command in Valkey's format, secrets redacted, admin commands hidden", async () => {
      const m = await ctx.raw();
      expect(await m.call("MONITOR")).toBe("+OK\r\n");
      const r = await ctx.raw();
      const before = Date.now();
      const id = await r.call("CLIENT", "INFO");
      const addr = /addr=(\S+)/.exec(text(id))![1]!;
      await r.call("SET", "mon:k", 'va"l\n\x01');
      await r.call("MULTI");
      await r.call("GET", "mon:k");
      await r.call("EXEC");
      await r.call("SELECT", "2");
      await r.call("AUTH", "secret");
      await r.call("CONFIG", "GET", "port");
      await r.call("NOSUCHCMD");
      await r.call("PING");
      const lines: string[] = [];
      for (let i = 0; i < 7; i++) lines.push(await m.read());
      const after = Date.now();
      const stamp = /^\+\d{10}\.\d{6} /;
      for (const l of lines) expect(l).toMatch(stamp);
      // each line's time is the wall clock with microseconds, in the order the commands ran
      const us = lines.map((l) => Math.round(Number(l.slice(1, 18)) * 1e6));
      expect(us[0]!).toBeGreaterThanOrEqual((before - 2) * 1000);
      expect(us[us.length - 1]!).toBeLessThanOrEqual((after + 2) * 1000);
      for (let i = 1; i < us.length; i++) expect(us[i]!).toBeGreaterThanOrEqual(us[i - 1]!);
      const body = lines.map((l) => l.replace(stamp, "").replace(/\r\n$/, ""));
      expect(body).toEqual([
        `[0 ${addr}] "CLIENT" "INFO"`,
        `[0 ${addr}] "SET" "mon:k" "va\\"l\\n\\x01"`,
        `[0 ${addr}] "MULTI"`,
        `[0 ${addr}] "GET" "mon:k"`,
        `[0 ${addr}] "EXEC"`,
        `[2 ${addr}] "SELECT" "2"`,
        `[2 ${addr}] "AUTH" "(redacted)"`,
      ]);
      expect(await m.read()).toMatch(/"PING"\r\n$/);
      // a second MONITOR gets no reply; RESET ends monitoring
      m.send("MONITOR");
      expect(await m.silent(100)).toBe(true);
      expect(await m.call("RESET")).toBe("+RESET\r\n");
      await r.call("PING");
      expect(await m.silent(100)).toBe(true);
    });

    it("SLOWLOG records slow commands with Valkey's entry shape", async () => {
      const r = await ctx.raw();
      await r.call("CLIENT", "SETNAME", "slowpoke");
      expect(await r.call("SLOWLOG", "RESET")).toBe("+OK\r\n");
      await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
      try {
        await r.call("SET", "slow:k", "x".repeat(200));
        const args = Array.from({ length: 40 }, (_, i) => String(i));
        await r.call("ECHO", "hi");
        await r.call("DEL", ...args);
        await r.call("AUTH", "default", "pw");
        const len = Number((await r.call("SLOWLOG", "LEN")).slice(1, -2));
        expect(len).toBeGreaterThanOrEqual(5);
        const io = ctx.ioredis();
        const entries = (await io.slowlog("GET", -1)) as Array<[number, number, number, string[], string, string]>;
        expect(entries.length).toBeGreaterThanOrEqual(len);
        const byCmd = (name: string) => entries.find((e) => e[3][0] === name)!;
        const set = byCmd("SET");
        expect(set[3][1]).toBe("slow:k");
        expect(set[3][2]).toBe("x".repeat(128) + "... (72 more bytes)");
        expect(set[4]).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(set[5]).toBe("slowpoke");
        expect(typeof set[0]).toBe("number");
        expect(Math.abs(set[1] - Date.now() / 1000)).toBeLessThan(60);
        expect(set[2]).toBeGreaterThanOrEqual(0);
        const del = byCmd("DEL");
        expect(del[3].length).toBe(32);
        expect(del[3][31]).toBe("... (10 more arguments)");
        expect(byCmd("AUTH")[3]).toEqual(["AUTH", "(redacted)", "(redacted)"]);
        // newest first, ids increasing
        expect(entries[0]![0]).toBeGreaterThan(entries[1]![0]);
        const one = await r.call("SLOWLOG", "GET", "1");
        expect(one).toMatch(/^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*/);
        expect(await r.call("SLOWLOG", "GET", "0")).toBe("*0\r\n");
        expect(await r.call("SLOWLOG", "GET", "-2")).toBe("-ERR count should be greater than or equal to -1\r\n");
        expect(await r.call("SLOWLOG", "GET", "abc")).toBe("-ERR count should be greater than or equal to -1\r\n");
        expect(await r.call("SLOWLOG", "GET", "1", "2")).toBe("-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n");
        expect(await r.call("SLOWLOG", "LEN", "x")).toBe("-ERR wrong number of arguments for 'slowlog|len' command\r\n");
        // slowlog-max-len trims on the next entry
        await r.call("CONFIG", "SET", "slowlog-max-len", "2");
        await r.call("PING");
        expect(await r.call("SLOWLOG", "LEN")).toBe(":2\r\n");
        expect(await r.call("SLOWLOG", "RESET")).toBe("+OK\r\n");
      } finally {
        await r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128");
      }
      await r.call("SLOWLOG", "RESET");
      await r.call("GET", "slow:k");
      expect(await r.call("SLOWLOG", "LEN")).toBe(":0\r\n");
      const help = await r.call("SLOWLOG", "HELP");
      expect(help).toContain("+GET [<count>]\r\n");
    });

    it("DEBUG SLEEP blocks the server; SET-ACTIVE-EXPIRE; HELP; unknown subcommands", async () => {
      const r = await ctx.raw();
      const o = await ctx.raw();
      r.send("DEBUG", "SLEEP", "0.5");
      expect(await r.silent(100)).toBe(true);
      o.send("PING");
      // the server sleeps: the PING sent meanwhile is answered only after the sleep ends
      const first = await Promise.race([r.read().then(() => "sleep"), o.read().then(() => "ping")]);
      expect(first).toBe("sleep");
      expect(await r.call("DEBUG", "SLEEP", "0")).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "SLEEP", "abc")).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "NOSUCH")).toBe("-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.\r\n");
      expect(await r.call("DEBUG", "SLEEP")).toBe("-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n");
      expect(await r.call("DEBUG")).toBe("-ERR wrong number of arguments for 'debug' command\r\n");
      const help = await r.call("DEBUG", "HELP");
      expect(help).toMatch(/^\*\d+\r\n\+DEBUG <subcommand> /);
      expect(help).toContain("+SLEEP <seconds>\r\n");
      expect(help).toContain("+PROTOCOL <type>\r\n");
    });

    it("DEBUG PROTOCOL replies with each RESP type as valkey-server 8 does, RESP2 and RESP3; DEBUG LOG; DEBUG CHANGE-REPL-ID", async () => {
      const r = await ctx.raw();
      // valkey-server 8.0.1's replies, byte for byte: [RESP2, RESP3]
      const expected: Record<string, [string, string]> = {
        string: ["$11\r\nHello World\r\n", "$11\r\nHello World\r\n"],
        integer: [":12345\r\n", ":12345\r\n"],
        double: ["$5\r\n3.141\r\n", ",3.141\r\n"],
        bignum: ["$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"],
        null: ["$-1\r\n", "_\r\n"],
        array: ["*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"],
        set: ["*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"],
        map: ["*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"],
        attrib: [
          "$39\r\nSome real reply following the attribute\r\n",
          "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
        ],
        push: ["-ERR RESP2 is not supported by this command\r\n", "$40\r\nSome real reply following the push reply\r\n"],
        verbatim: ["$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"],
        true: [":1\r\n", "#t\r\n"],
        false: [":0\r\n", "#f\r\n"],
      };
      for (const [i, proto] of ["2", "3"].entries()) {
        await r.call("HELLO", proto);
        for (const [type, replies] of Object.entries(expected)) {
          expect(await r.call("DEBUG", "PROTOCOL", type.toUpperCase()), `RESP${proto} ${type}`).toBe(replies[i]);
          // the push comes after the reply, as valkey-server 8 sends it
          if (type === "push" && proto === "3") expect(await r.read()).toBe(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n");
        }
      }
      expect(await r.call("DEBUG", "PROTOCOL", "nosuch")).toBe(
        "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n",
      );
      expect(await r.call("DEBUG", "LOG", "a marker")).toBe("+OK\r\n");
      const before = (await info(r, "replication")).master_replid;
      expect(await r.call("DEBUG", "CHANGE-REPL-ID")).toBe("+OK\r\n");
      const after = (await info(r, "replication")).master_replid;
      expect(after).toMatch(/^[0-9a-f]{40}$/);
      expect(after).not.toBe(before);
    });

    it("DEBUG POPULATE makes key:<n> = value:<n>, keeps existing keys, pads or cuts to a size, invalidates WATCH", async () => {
      const r = await ctx.raw();
      const w = ctx.ioredis();
      await r.call("SET", "pop:1", "mine");
      await w.watch("pop:3");
      expect(await r.call("DEBUG", "POPULATE", "4", "pop")).toBe("+OK\r\n");
      expect(await w.multi().set("pop:3", "late").exec()).toBeNull();
      expect(await r.call("MGET", "pop:0", "pop:1", "pop:3", "pop:4")).toBe("*4\r\n$7\r\nvalue:0\r\n$4\r\nmine\r\n$7\r\nvalue:3\r\n$-1\r\n");
      expect(await r.call("DEBUG", "POPULATE", "2", "padded", "10")).toBe("+OK\r\n");
      expect(await r.call("GET", "padded:1")).toBe("$10\r\nvalue:1\0\0\0\r\n");
      expect(await r.call("DEBUG", "POPULATE", "11", "cut", "3")).toBe("+OK\r\n");
      expect(await r.call("GET", "cut:10")).toBe("$3\r\nval\r\n");
      // the default prefix; a key name stops at 127 bytes, as Valkey's 128-byte buffer
      expect(await r.call("DEBUG", "POPULATE", "1")).toBe("+OK\r\n");
      expect(await r.call("GET", "key:0")).toBe("$7\r\nvalue:0\r\n");
      expect(await r.call("DEBUG", "POPULATE", "1", "p".repeat(200))).toBe("+OK\r\n");
      expect(await r.call("EXISTS", "p".repeat(127))).toBe(":1\r\n");
      const positive = "-ERR value is out of range, must be positive\r\n";
      for (const args of [["-1"], ["x"], ["1", "z", "-5"], ["1", "z", "y"]]) expect(await r.call("DEBUG", "POPULATE", ...args)).toBe(positive);
      expect(await r.call("DEBUG", "POPULATE", "1", "z", "1", "extra")).toBe(
        "-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.\r\n",
      );
      // a count no memory could hold fails at once, as Valkey's dictTryExpand does, and creates nothing
      const before = await r.call("DBSIZE");
      expect(await r.call("DEBUG", "POPULATE", "1000000000000")).toBe("-ERR OOM in dictTryExpand\r\n");
      expect(await r.call("DBSIZE")).toBe(before);
    });

    it("DEBUG CLOCK moves the server clock: TTLs and TIME follow", async () => {
      const r = await ctx.raw();
      const now = Number((await r.call("DEBUG", "CLOCK", "GET")).slice(1, -2));
      expect(Math.abs(now - Date.now())).toBeLessThan(60_000);
      await r.call("SET", "clock:k", "v");
      await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
      // PEXPIRE belongs to the keys family: check expiry only where it is there
      const ttl = await r.call("PEXPIRE", "clock:k", "10000");
      expect(await r.call("DEBUG", "CLOCK", "ADVANCE", "10001")).toBe("+OK\r\n");
      if (ttl === ":1\r\n") expect(await r.call("GET", "clock:k")).toBe("$-1\r\n");
      const later = Number((await r.call("DEBUG", "CLOCK", "GET")).slice(1, -2));
      expect(later - now).toBeGreaterThanOrEqual(10_001);
      const t = /^\*2\r\n\$\d+\r\n(\d+)/.exec(await r.call("TIME"))!;
      expect(Number(t[1]) * 1000).toBeGreaterThanOrEqual(Math.floor(later / 1000) * 1000 - 1000);
      expect(await r.call("DEBUG", "CLOCK", "SET", String(Date.now()))).toBe("+OK\r\n");
      expect(await r.call("DEBUG", "CLOCK", "ADVANCE", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
      expect(await r.call("DEBUG", "CLOCK", "NOW")).toBe("-ERR unknown subcommand or wrong number of arguments for 'CLOCK'. Try DEBUG HELP.\r\n");
      await r.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    });

    it("MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP", async () => {
      const r = await ctx.raw();
      await r.call("SET", "mem:small", "v");
      await r.call("SET", "mem:big", "x".repeat(5000));
      const small = Number((await r.call("MEMORY", "USAGE", "mem:small")).slice(1, -2));
      const big = Number((await r.call("MEMORY", "USAGE", "mem:big", "SAMPLES", "0")).slice(1, -2));
      expect(small).toBeGreaterThan(0);
      expect(big).toBeGreaterThan(5000);
      expect(big).toBeLessThan(6000);
      expect(await r.call("MEMORY", "USAGE", "mem:none")).toBe("$-1\r\n");
      expect(await r.call("MEMORY", "USAGE", "mem:small", "SAMPLES")).toBe("-ERR syntax error\r\n");
      expect(await r.call("MEMORY", "USAGE", "mem:small", "SAMPLES", "abc")).toBe("-ERR value is not an integer or out of range\r\n");
      expect(await r.call("MEMORY", "USAGE", "mem:small", "SAMPLES", "-1")).toBe("-ERR syntax error\r\n");
      expect(await r.call("MEMORY", "USAGE", "mem:small", "FOO", "1")).toBe("-ERR syntax error\r\n");
      expect(await r.call("MEMORY", "USAGE")).toBe("-ERR wrong number of arguments for 'memory|usage' command\r\n");
      const io = ctx.ioredis();
      const stats = (await io.call("MEMORY", "STATS")) as Array<string | number>;
      const map = new Map<string, unknown>();
      for (let i = 0; i < stats.length; i += 2) map.set(String(stats[i]), stats[i + 1]);
      expect(map.get("keys.count")).toBeGreaterThanOrEqual(2);
      expect(Number(map.get("total.allocated"))).toBeGreaterThan(0);
      expect(map.has("dataset.percentage")).toBe(true);
      // Valkey 8's fields, in its order, with one db.<n> map per non-empty database after functions.caches
      const names = [...map.keys()];
      const dbAt = names.indexOf("functions.caches") + 1;
      expect(names[dbAt]).toBe("db.0");
      expect(map.get("db.0")).toEqual(["overhead.hashtable.main", expect.any(Number), "overhead.hashtable.expires", expect.any(Number)]);
      expect(names.filter((n) => !/^db\.\d+$/.test(n))).toEqual([
        "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves", "clients.normal",
        "cluster.links", "aof.buffer", "lua.caches", "functions.caches", "overhead.db.hashtable.lut",
        "overhead.db.hashtable.rehashing", "overhead.total", "db.dict.rehashing.count", "keys.count", "keys.bytes-per-key",
        "dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active", "allocator.resident",
        "allocator.muzzy", "allocator-fragmentation.ratio", "allocator-fragmentation.bytes", "allocator-rss.ratio",
        "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes",
      ]);
      // the whole reply was read: the connection's next reply is its own
      expect(await io.ping()).toBe("PONG");
      expect(text(await r.call("MEMORY", "DOCTOR"))).toMatch(/^Hi Sam/);
      expect(text(await r.call("MEMORY", "MALLOC-STATS"))).toBe("Stats not supported for the current allocator");
      expect(await r.call("MEMORY", "PURGE")).toBe("+OK\r\n");
      expect(await r.call("MEMORY", "HELP")).toContain("+USAGE <key> [SAMPLES <count>]\r\n");
      expect(await r.call("MEMORY", "NOPE")).toBe("-ERR unknown subcommand 'NOPE'. Try MEMORY HELP.\r\n");
    });
  },
  ["--test-clock"],
);

describeRuntimes("server without the test clock", (ctx: Ctx) => {
  it("DEBUG CLOCK says how to enable it", async () => {
    const r = await ctx.raw();
    expect(await r.call("DEBUG", "CLOCK", "GET")).toBe(
      "-ERR DEBUG CLOCK is disabled: start the server with --test-clock to move its clock\r\n",
    );
  });
}, ["--enable-debug-command", "yes"]);

describeRuntimes(
  "server with enable-debug-command no",
  (ctx: Ctx) => {
    it("DEBUG is refused with Valkey's error", async () => {
      const r = await ctx.raw();
      expect(await r.call("DEBUG", "SLEEP", "0")).toBe(
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      );
      expect(await r.call("CONFIG", "GET", "enable-debug-command")).toBe("*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n");
    });
  },
  ["--enable-debug-command", "no"],
);

for (const runtime of RUNTIMES) {
  it(`SHUTDOWN stops the server process cleanly [${runtime}]`, async () => {
    const s = await spawnServer(runtime);
    const r = await RawClient.connect(s.port);
    expect(await r.call("PING")).toBe("+PONG\r\n");
    const exited = new Promise<number | null>((resolve) => s.proc.once("exit", (code) => resolve(code)));
    r.send("SHUTDOWN", "NOSAVE");
    await r.waitClosed();
    expect(await exited).toBe(0);
    expect(s.output()).toContain("User requested shutdown");
  });
}
