// INFO's text: Valkey's sections, field names and order, with this server's true values (nothing is persisted,
// nothing is replicated; memory and CPU come from the runtime). Used by INFO and MEMORY STATS/DOCTOR.

import { builtin, epochMicros, monotonicMs, randomHex } from "../runtime.js";
import type { Client } from "../client.js";
import type { Server } from "../server.js";
import { REDIS_COMPAT_VERSION, VALKEY_VERSION, VERSION } from "../version.js";
import { allEntries } from "./index.js";
import { trackingStats } from "./tracking.js";
import { scriptingMemory } from "./scripting.js";
import { latencyPercentileLines } from "./latency.js";
import { memoryFigures as estimatedMemory } from "../memory.js";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Sections of plain `INFO` (and `INFO default`), in output order. */
const DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"];
/** Every section in output order; `modules` is an alias of `module_list`. */
const ALL_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"];

/** Resolve INFO's arguments (case-insensitive) into the sections to print. */
export function infoSections(args: string[]): Set<string> {
  if (args.length === 0) return new Set(DEFAULT_SECTIONS);
  const out = new Set<string>();
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === "default") for (const s of DEFAULT_SECTIONS) out.add(s);
    else if (a === "all" || a === "everything") for (const s of ALL_SECTIONS) out.add(s);
    else out.add(a === "modules" ? "module_list" : a);
  }
  return out;
}

/** Valkey's bytesToHuman: 100B, 2.00K, 1.50M, ... */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  let d = n;
  for (let i = 0; i < HUMAN_UNITS.length; i++) {
    d /= 1024;
    if (d < 1024 || i === HUMAN_UNITS.length - 1) return `${d.toFixed(2)}${HUMAN_UNITS[i]}`;
  }
  return `${n}B`;
}
const HUMAN_UNITS = ["K", "M", "G", "T", "P"];

const replIds = new WeakMap<Server, string>();
/** DEBUG CHANGE-REPL-ID: a new master_replid (master_replid2 is all zeros here already). */
export function changeReplId(server: Server): void {
  replIds.set(server, randomHex(20));
}
function replId(server: Server): string {
  let id = replIds.get(server);
  if (id === undefined) replIds.set(server, (id = randomHex(20)));
  return id;
}

/** The os: and arch_bits: lines: the same for the life of the process (os.release() is a uname call on Bun). */
let osLines: string | undefined;
const OS_LINES = (): string => {
  if (osLines === undefined) {
    const os = builtin("node:os");
    osLines = `os:${os.type()} ${os.release()} ${typeof os.machine === "function" ? os.machine() : os.arch()}\r\narch_bits:${/64/.test(os.arch()) ? 64 : 32}`;
  }
  return osLines;
};

/** total_system_memory: read once, as Valkey does at startup (a read of /proc/meminfo on Node). */
let totalMemory: number | undefined;
const TOTAL_MEMORY = (): number => (totalMemory ??= builtin("node:os").totalmem());

let buildId: string | undefined;
const BUILD_ID = (): string =>
  (buildId ??= builtin("node:crypto").createHash("sha1").update(`valkey-bun ${VERSION} ${VALKEY_VERSION}`).digest("hex").slice(0, 16));

function fmt2(n: number): string {
  return (Number.isFinite(n) ? n : 0).toFixed(2);
}

/** The server thread's own CPU time (Valkey's RUSAGE_THREAD), in µs, from /proc/thread-self/stat on Linux: one
 *  descriptor kept open per thread that asks (a cluster shard's worker is a thread of its own) and read again at
 *  offset 0, ~3 µs where opening it each time cost ~10 (plain INFO, which every ioredis connection sends, has
 *  this section). Clock ticks of 10 ms. undefined elsewhere: the process's figures stand in. */
let statFd: number | null | undefined;
const statBuf = Buffer.alloc(1024);
/** The last reading and when (monotonic ms): the figures move in 10 ms ticks, so a reading younger than a tick is
 *  reused (each read and parse costs ~6 µs on Node, and a burst of ioredis connections sends INFO each). */
let lastCpu: { user: number; system: number } | undefined;
let lastCpuAt = -Infinity;
function threadCpu(): { user: number; system: number } | undefined {
  if (statFd === null) return undefined;
  const now = monotonicMs();
  if (now - lastCpuAt < 10 && lastCpu !== undefined) return lastCpu;
  const fs = builtin("node:fs");
  try {
    statFd ??= fs.openSync("/proc/thread-self/stat", "r");
    const n = fs.readSync(statFd, statBuf, 0, statBuf.length, 0);
    // after "pid (comm) ": state is field 3, utime and stime fields 14 and 15 (comm may hold spaces: from the last ')')
    const text = statBuf.toString("latin1", 0, n);
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const user = Number(f[11]);
    const system = Number(f[12]);
    if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error("unexpected /proc format");
    lastCpuAt = now;
    return (lastCpu = { user: user * 10_000, system: system * 10_000 });
  } catch {
    statFd = null;
    return undefined;
  }
}

/** Microseconds as "seconds.micros" (INFO CPU). */
function secUs(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, "0")}`;
}

/** Memory accounting shared by INFO memory and MEMORY STATS (src/memory.ts). */
export function memoryFigures(server: Server) {
  const sm = scriptingMemory(server);
  return estimatedMemory(server, sm.scriptsEval + sm.functionsMemory);
}

function avgTtl(server: Server, db: Server["store"]["dbs"][number]): number {
  if (db.expires.size === 0) return 0;
  const now = server.store.now;
  let sum = 0;
  let n = 0;
  // Valkey estimates this from its expiry sampling; a bounded pass gives the same kind of estimate.
  for (const at of db.expires.values()) {
    if (at > now) {
      sum += at - now;
      n++;
    }
    if (n >= 10_000) break;
  }
  return n === 0 ? 0 : Math.round(sum / n);
}

/** The full INFO text for the given sections ("" when none is known). */
export function infoText(server: Server, sections: Set<string>): string {
  // One string built by concatenation, each section's fixed lines part of one template (no array of ~200 lines
  // joined per call): every ioredis connection sends INFO.
  let out = "";
  /** A section: its title line, then `body` (lines joined by CRLF; "" for none). Sections are CRLF-separated. */
  const add = (title: string, body: string) => {
    out += `${out === "" ? "" : "\r\n"}# ${title}\r\n${body === "" ? "" : `${body}\r\n`}`;
  };
  const p = (name: string) => server.param(name);
  const has = (s: string) => sections.has(s);

  if (has("server")) {
    const uptime = Math.floor((Date.now() - server.startedAt) / 1000);
    // Valkey 8 says server_mode, renamed redis_mode with extended-redis-compatibility.
    const compat = p("extended-redis-compatibility") === "yes";
    const binds = server.lastBind.split(/\s+/).filter(Boolean);
    add(
      "Server",
      `redis_version:${REDIS_COMPAT_VERSION}\r\n\
server_name:valkey\r\n\
valkey_version:${VALKEY_VERSION}\r\n\
redis_git_sha1:00000000\r\n\
redis_git_dirty:0\r\n\
redis_build_id:${BUILD_ID()}\r\n\
${compat ? "redis_mode" : "server_mode"}:standalone\r\n\
${OS_LINES()}\r\n\
monotonic_clock:POSIX clock_gettime\r\n\
multiplexing_api:${process.platform === "linux" ? "epoll" : process.platform === "win32" ? "iocp" : "kqueue"}\r\n\
gcc_version:0.0.0\r\n\
process_id:${process.pid}\r\n\
process_supervised:no\r\n\
run_id:${server.runId}\r\n\
tcp_port:${server.port}\r\n\
server_time_usec:${epochMicros()}\r\n\
uptime_in_seconds:${uptime}\r\n\
uptime_in_days:${Math.floor(uptime / 86400)}\r\n\
hz:${p("hz")}\r\n\
configured_hz:${p("hz")}\r\n\
lru_clock:${Math.floor(server.clock.now() / 1000) & 0xffffff}\r\n\
executable:${process.argv[1] ?? process.execPath}\r\n\
config_file:${server.config.configFile ?? ""}\r\n\
io_threads_active:0\r\n\
availability_zone:${p("availability-zone")}\r\n\
listener0:name=tcp,${binds.map((b) => `bind=${b}`).join(",")}${binds.length ? "," : ""}port=${server.port}`,
    );
  }

  if (has("clients")) {
    let blocked = 0;
    let inTimeout = 0;
    let pubsub = 0;
    let watching = 0;
    let maxIn = 0;
    let maxOut = 0;
    for (const c of server.clients.values()) {
      // blocked by a family (BLPOP, XREAD...) or waiting in WAIT/WAITAOF (suspended without a postponed command)
      if (c.blocked !== null || (c.suspended && c.pendingArgv === null)) {
        blocked++;
        const deadline = (c.blocked as { deadline?: unknown } | null)?.deadline;
        if (typeof deadline === "number" && deadline > 0) inTimeout++;
      }
      if (c.subscriptionCount > 0) pubsub++;
      if (c.watching.length > 0) watching++;
      maxIn = Math.max(maxIn, c.parser.pending);
      maxOut = Math.max(maxOut, c.w.size + c.conn.pendingBytes());
    }
    let watchedKeys = 0;
    let blockingKeys = 0;
    for (const db of server.store.dbs) {
      watchedKeys += db.watched.size;
      blockingKeys += db.blocking.size;
    }
    add(
      "Clients",
      `connected_clients:${server.clients.size}\r\n\
cluster_connections:0\r\n\
maxclients:${p("maxclients")}\r\n\
client_recent_max_input_buffer:${maxIn}\r\n\
client_recent_max_output_buffer:${maxOut}\r\n\
blocked_clients:${blocked}\r\n\
tracking_clients:${trackingStats(server).clients}\r\n\
pubsub_clients:${pubsub}\r\n\
watching_clients:${watching}\r\n\
clients_in_timeout_table:${inTimeout}\r\n\
total_watched_keys:${watchedKeys}\r\n\
total_blocking_keys:${blockingKeys}\r\n\
total_blocking_keys_on_nokey:0`,
    );
  }

  if (has("memory")) {
    const m = memoryFigures(server);
    const sm = scriptingMemory(server);
    const sys = TOTAL_MEMORY();
    const maxmemory = Number(p("maxmemory"));
    add(
      "Memory",
      `used_memory:${m.used}\r\n\
used_memory_human:${bytesToHuman(m.used)}\r\n\
used_memory_rss:${m.rss}\r\n\
used_memory_rss_human:${bytesToHuman(m.rss)}\r\n\
used_memory_peak:${m.peak}\r\n\
used_memory_peak_human:${bytesToHuman(m.peak)}\r\n\
used_memory_peak_perc:${fmt2(m.peakPerc)}%\r\n\
used_memory_overhead:${m.overhead}\r\n\
used_memory_startup:${m.startup}\r\n\
used_memory_dataset:${m.dataset}\r\n\
used_memory_dataset_perc:${fmt2(m.datasetPerc)}%\r\n\
allocator_allocated:${m.heap}\r\n\
allocator_active:${m.active}\r\n\
allocator_resident:${m.rss}\r\n\
allocator_muzzy:0\r\n\
total_system_memory:${sys}\r\n\
total_system_memory_human:${bytesToHuman(sys)}\r\n\
used_memory_lua:${sm.vmEval}\r\n\
used_memory_vm_eval:${sm.vmEval}\r\n\
used_memory_lua_human:${bytesToHuman(sm.vmEval)}\r\n\
used_memory_scripts_eval:${sm.scriptsEval}\r\n\
number_of_cached_scripts:${sm.cachedScripts}\r\n\
number_of_functions:${sm.functions}\r\n\
number_of_libraries:${sm.libraries}\r\n\
used_memory_vm_functions:0\r\n\
used_memory_vm_total:${sm.vmEval}\r\n\
used_memory_vm_total_human:${bytesToHuman(sm.vmEval)}\r\n\
used_memory_functions:${sm.functionsMemory}\r\n\
used_memory_scripts:${sm.scriptsEval + sm.functionsMemory}\r\n\
used_memory_scripts_human:${bytesToHuman(sm.scriptsEval + sm.functionsMemory)}\r\n\
maxmemory:${maxmemory}\r\n\
maxmemory_human:${bytesToHuman(maxmemory)}\r\n\
maxmemory_policy:${p("maxmemory-policy")}\r\n\
allocator_frag_ratio:${fmt2(m.active / m.heap)}\r\n\
allocator_frag_bytes:${m.active - m.heap}\r\n\
allocator_rss_ratio:${fmt2(m.rss / m.active)}\r\n\
allocator_rss_bytes:${m.rss - m.active}\r\n\
rss_overhead_ratio:1.00\r\n\
rss_overhead_bytes:0\r\n\
mem_fragmentation_ratio:${fmt2(m.rss / m.used)}\r\n\
mem_fragmentation_bytes:${m.rss - m.used}\r\n\
mem_not_counted_for_evict:${m.notCountedForEvict}\r\n\
mem_replication_backlog:0\r\n\
mem_total_replication_buffers:0\r\n\
mem_clients_slaves:0\r\n\
mem_clients_normal:${m.clientsNormal}\r\n\
mem_cluster_links:0\r\n\
mem_aof_buffer:0\r\n\
mem_allocator:${isBun ? "bun" : "node"}\r\n\
mem_overhead_db_hashtable_rehashing:0\r\n\
active_defrag_running:0\r\n\
lazyfree_pending_objects:0\r\n\
lazyfreed_objects:0`,
    );
  }

  if (has("persistence")) {
    add(
      "Persistence",
      `loading:0\r\n\
async_loading:0\r\n\
current_cow_peak:0\r\n\
current_cow_size:0\r\n\
current_cow_size_age:0\r\n\
current_fork_perc:0.00\r\n\
current_save_keys_processed:0\r\n\
current_save_keys_total:0\r\n\
rdb_changes_since_last_save:${server.store.dirty}\r\n\
rdb_bgsave_in_progress:0\r\n\
rdb_last_save_time:${server.lastSave}\r\n\
rdb_last_bgsave_status:ok\r\n\
rdb_last_bgsave_time_sec:-1\r\n\
rdb_current_bgsave_time_sec:-1\r\n\
rdb_saves:0\r\n\
rdb_last_cow_size:0\r\n\
rdb_last_load_keys_expired:0\r\n\
rdb_last_load_keys_loaded:0\r\n\
aof_enabled:0\r\n\
aof_rewrite_in_progress:0\r\n\
aof_rewrite_scheduled:0\r\n\
aof_last_rewrite_time_sec:-1\r\n\
aof_current_rewrite_time_sec:-1\r\n\
aof_last_bgrewrite_status:ok\r\n\
aof_rewrites:0\r\n\
aof_rewrites_consecutive_failures:0\r\n\
aof_last_write_status:ok\r\n\
aof_last_cow_size:0\r\n\
module_fork_in_progress:0\r\n\
module_fork_last_cow_size:0`,
    );
  }

  if (has("stats")) {
    const st = server.stats;
    const ss = server.store.stats;
    const tracking = trackingStats(server);
    const channels = new Set<string>();
    const patterns = new Set<string>();
    const shard = new Set<string>();
    for (const c of server.clients.values()) {
      for (const ch of c.channels) channels.add(ch);
      for (const ch of c.patterns) patterns.add(ch);
      for (const ch of c.shardChannels) shard.add(ch);
    }
    add(
      "Stats",
      `total_connections_received:${st.connectionsReceived}\r\n\
total_commands_processed:${st.commandsProcessed}\r\n\
instantaneous_ops_per_sec:${st.opsPerSec}\r\n\
total_net_input_bytes:${st.netInputBytes}\r\n\
total_net_output_bytes:${st.netOutputBytes}\r\n\
total_net_repl_input_bytes:0\r\n\
total_net_repl_output_bytes:0\r\n\
instantaneous_input_kbps:${fmt2(st.instantaneous(1) / 1024)}\r\n\
instantaneous_output_kbps:${fmt2(st.instantaneous(2) / 1024)}\r\n\
instantaneous_input_repl_kbps:0.00\r\n\
instantaneous_output_repl_kbps:0.00\r\n\
rejected_connections:${st.rejectedConnections}\r\n\
sync_full:0\r\n\
sync_partial_ok:0\r\n\
sync_partial_err:0\r\n\
expired_keys:${ss.expiredKeys}\r\n\
expired_stale_perc:${fmt2(ss.expiredStalePerc * 100)}\r\n\
expired_time_cap_reached_count:0\r\n\
expire_cycle_cpu_milliseconds:${Math.floor(st.expireCycleUs / 1000)}\r\n\
evicted_keys:${ss.evictedKeys}\r\n\
evicted_clients:${ss.evictedClients}\r\n\
evicted_scripts:0\r\n\
total_eviction_exceeded_time:0\r\n\
current_eviction_exceeded_time:0\r\n\
keyspace_hits:${ss.keyspaceHits}\r\n\
keyspace_misses:${ss.keyspaceMisses}\r\n\
pubsub_channels:${channels.size}\r\n\
pubsub_patterns:${patterns.size}\r\n\
pubsubshard_channels:${shard.size}\r\n\
latest_fork_usec:0\r\n\
total_forks:0\r\n\
migrate_cached_sockets:0\r\n\
slave_expires_tracked_keys:0\r\n\
active_defrag_hits:0\r\n\
active_defrag_misses:0\r\n\
active_defrag_key_hits:0\r\n\
active_defrag_key_misses:0\r\n\
total_active_defrag_time:0\r\n\
current_active_defrag_time:0\r\n\
tracking_total_keys:${tracking.keys}\r\n\
tracking_total_items:${tracking.items}\r\n\
tracking_total_prefixes:${tracking.prefixes}\r\n\
unexpected_error_replies:0\r\n\
total_error_replies:${st.totalErrorReplies}\r\n\
dump_payload_sanitizations:0\r\n\
total_reads_processed:${st.readsProcessed}\r\n\
total_writes_processed:${st.writesProcessed}\r\n\
io_threaded_reads_processed:0\r\n\
io_threaded_writes_processed:0\r\n\
io_threaded_freed_objects:0\r\n\
io_threaded_poll_processed:0\r\n\
io_threaded_total_prefetch_batches:0\r\n\
io_threaded_total_prefetch_entries:0\r\n\
client_query_buffer_limit_disconnections:${st.qbufLimitDisconnections}\r\n\
client_output_buffer_limit_disconnections:0\r\n\
reply_buffer_shrinks:0\r\n\
reply_buffer_expands:0\r\n\
eventloop_cycles:${st.eventLoopCycles}\r\n\
eventloop_duration_sum:${st.eventLoopUs}\r\n\
eventloop_duration_cmd_sum:${st.commandUs}\r\n\
instantaneous_eventloop_cycles_per_sec:${Math.round(st.instantaneous(3))}\r\n\
instantaneous_eventloop_duration_usec:${st.instantaneous(3) > 0 ? Math.round(st.instantaneous(4) / st.instantaneous(3)) : 0}\r\n\
acl_access_denied_auth:${st.authFailures}\r\n\
acl_access_denied_cmd:${st.aclDeniedCmd}\r\n\
acl_access_denied_key:${st.aclDeniedKey}\r\n\
acl_access_denied_channel:${st.aclDeniedChannel}`,
    );
  }

  if (has("replication")) {
    add(
      "Replication",
      `role:master\r\n\
connected_slaves:0\r\n\
replicas_waiting_psync:0\r\n\
master_failover_state:no-failover\r\n\
master_replid:${replId(server)}\r\n\
master_replid2:0000000000000000000000000000000000000000\r\n\
master_repl_offset:0\r\n\
second_repl_offset:-1\r\n\
repl_backlog_active:0\r\n\
repl_backlog_size:${p("repl-backlog-size")}\r\n\
repl_backlog_first_byte_offset:0\r\n\
repl_backlog_histlen:0`,
    );
  }

  if (has("cpu")) {
    const u = process.cpuUsage();
    const t = threadCpu() ?? u;
    add(
      "CPU",
      `used_cpu_sys:${secUs(u.system)}\r\nused_cpu_user:${secUs(u.user)}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n\
used_cpu_sys_main_thread:${secUs(t.system)}\r\nused_cpu_user_main_thread:${secUs(t.user)}`,
    );
  }

  if (has("module_list")) add("Modules", "");

  if (has("commandstats")) {
    const lines: string[] = [];
    for (const e of allEntries()) {
      const calls = e.calls ?? 0;
      if (calls === 0 && !e.failedCalls && !e.rejectedCalls) continue;
      const perCall = calls === 0 ? 0 : e.usec! / calls;
      lines.push(
        `cmdstat_${infoSafe(e.fullname!)}:calls=${calls},usec=${e.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${e.rejectedCalls},failed_calls=${e.failedCalls}`,
      );
    }
    add("Commandstats", lines.join("\r\n"));
  }

  if (has("errorstats")) {
    const codes = [...server.stats.errorCodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    add(
      "Errorstats",
      codes.map((code) => `errorstat_${infoSafe(code)}:count=${server.stats.errorCodes.get(code)}`).join("\r\n"),
    );
  }

  if (has("latencystats")) {
    // empty while latency-tracking is off, as in Valkey, though histograms from before are kept
    const percentiles = p("latency-tracking-info-percentiles").split(" ").filter(Boolean).map(Number);
    add("Latencystats", server.latencyTracking ? latencyPercentileLines(server, percentiles, (e) => infoSafe(e.fullname!)).join("\r\n") : "");
  }

  if (has("cluster")) add("Cluster", `cluster_enabled:${server.cluster !== null ? 1 : 0}`);

  if (has("keyspace")) {
    const lines: string[] = [];
    for (const db of server.store.dbs) {
      if (db.keys.size === 0 && db.expires.size === 0) continue;
      lines.push(`db${db.id}:keys=${db.keys.size},expires=${db.expires.size},avg_ttl=${avgTtl(server, db)}`);
    }
    add("Keyspace", lines.join("\r\n"));
  }

  return out;
}

/** Valkey replaces '#', ':', CR and LF in names it prints into INFO. */
function infoSafe(s: string): string {
  return s.replace(/[#:\r\n]/g, "_");
}

/** INFO reply for a client (verbatim in RESP3, bulk in RESP2). */
export function replyInfo(c: Client, args: string[]): void {
  c.w.verbatim(infoText(c.server, infoSections(args)));
}
