// The server: listen loop, transport adapters (Bun.listen / node:net), connection lifecycle, and the command
// loop that takes parsed requests through the gate to handlers and flushes one write per read.

import { Client, type Connection, preflightHooks } from "./client.js";
import { cfg, type Config, type LogLevel, loadConfig } from "./config.js";
import { buildRenames, gate, isQueuedInMulti, replyThrown, F, mayReplicate, type CommandEntry, type Renames } from "./commands/index.js";
import { E } from "./errors.js";
import { argsReleased, disownArg, type ParserLimits } from "./resp.js";
import { Clock, Store } from "./store.js";
import { unwatchAll } from "./commands/transactions.js";
import { keyspaceNotifier, type PubSubRegistry } from "./commands/pubsub.js";
import { blockedFor, forgetBlocked, serveReady } from "./blocking.js";
import { afterCommand as trackingAfterCommand, limitTrackingTable, rememberKeys } from "./commands/tracking.js";
import type { Database } from "./store.js";
import { applyConfig } from "./commands/config.js";
import { latencySample, recordCommandLatency, type LatencyState } from "./commands/latency.js";
import { Reclaimer } from "./reclaim.js";
import { VERSION, REDIS_COMPAT_VERSION } from "./version.js";
import { epochMicros, monotonicMs, randomHex } from "./runtime.js";
import { defaultNeedsAuth, defaultUser, initAcl } from "./acl/state.js";
import type { User } from "./acl/user.js";
import type { ClusterState } from "./cluster/state.js";

const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };

export class ServerStats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  rejectedCalls = 0;
  failedCalls = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  errorCodes = new Map<string, number>();
  /** Reads and writes on client sockets (INFO total_reads_processed / total_writes_processed). */
  readsProcessed = 0;
  writesProcessed = 0;
  /** Clients closed for exceeding client-query-buffer-limit. */
  qbufLimitDisconnections = 0;
  /** Failed AUTH / HELLO AUTH attempts (INFO acl_access_denied_auth). */
  authFailures = 0;
  /** Commands, keys and channels refused by ACL rules (INFO acl_access_denied_cmd/key/channel). */
  aclDeniedCmd = 0;
  aclDeniedKey = 0;
  aclDeniedChannel = 0;
  /** Time spent in the active expiry cycle, microseconds. */
  expireCycleUs = 0;
  /** Time spent handling reads (the event loop's work), microseconds, and how many. */
  eventLoopUs = 0;
  /** Time spent in commands, microseconds (INFO eventloop_duration_cmd_sum: the sum of commandstats' usec). */
  commandUs = 0;
  eventLoopCycles = 0;
  /** Highest used memory seen (INFO used_memory_peak). */
  peakMemory = 0;
  /** Instantaneous metrics sampling (INFO instantaneous_*): [ops, in bytes, out bytes, cycles, loop us] per second. */
  private samples: number[][] = [];
  private last = [0, 0, 0, 0, 0];
  private lastSampleAt = Date.now();
  errorReply(text: string): void {
    this.totalErrorReplies++;
    const sp = text.indexOf(" ");
    const code = sp > 0 ? text.slice(0, sp) : text;
    // Valkey tracks at most 128 distinct error codes.
    if (this.errorCodes.size >= 128 && !this.errorCodes.has(code)) return;
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
  sample(): void {
    const now = Date.now();
    const dt = now - this.lastSampleAt;
    if (dt <= 0) return;
    const cur = [this.commandsProcessed, this.netInputBytes, this.netOutputBytes, this.eventLoopCycles, this.eventLoopUs];
    this.samples.push(cur.map((v, i) => ((v - this.last[i]!) * 1000) / dt));
    if (this.samples.length > 16) this.samples.shift();
    this.last = cur;
    this.lastSampleAt = now;
  }
  /** Average of the recent samples of metric i (0 ops, 1 input bytes, 2 output bytes, 3 cycles, 4 loop us). */
  instantaneous(i: number): number {
    if (this.samples.length === 0) return 0;
    return this.samples.reduce((a, s) => a + s[i]!, 0) / this.samples.length;
  }
  get opsPerSec(): number {
    return Math.round(this.instantaneous(0));
  }
  reset(): void {
    this.connectionsReceived = this.rejectedConnections = this.commandsProcessed = 0;
    this.rejectedCalls = this.failedCalls = this.netInputBytes = this.netOutputBytes = this.totalErrorReplies = 0;
    this.readsProcessed = this.writesProcessed = this.qbufLimitDisconnections = this.authFailures = 0;
    this.aclDeniedCmd = this.aclDeniedKey = this.aclDeniedChannel = 0;
    this.expireCycleUs = this.eventLoopUs = this.eventLoopCycles = this.peakMemory = this.commandUs = 0;
    this.errorCodes.clear();
    this.samples = [];
    this.last = [0, 0, 0, 0, 0];
  }
}

/** What a transport opened on one address. */
export interface Listener {
  host: string;
  port: number;
  /** Stop accepting; `force` also drops the connections it accepted (shutdown). */
  close(force: boolean): void;
}

const REDACTED = Buffer.from("(redacted)");

/** callInRun: a reply larger than this ends the run of commands timed together; so do more or longer arguments. */
const HEAVY_REPLY = 16 * 1024;
const MAX_RUN = 64;
const NO_ARGV: Buffer[] = [];

/** Few and short arguments: the command's cost cannot hide in its input (callInRun). */
function lightArgs(argv: Buffer[]): boolean {
  const n = argv.length;
  if (n > 16) return false;
  let bytes = 0;
  for (let i = 1; i < n; i++) bytes += argv[i]!.length;
  return bytes <= HEAVY_REPLY;
}

/** Hide a secret argument from MONITOR and SLOWLOG (Valkey's redactClientCommandArgument). */
export function redactArg(argv: Buffer[], i: number): void {
  if (i < argv.length) {
    disownArg(argv, i);
    argv[i] = REDACTED;
  }
}

export interface SlowlogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: Buffer[];
  addr: string;
  name: string;
}

export interface ListenOptions {
  config: Config;
  clock?: Clock;
  /** Print the ready line and logs (CLI); the in-process API is quiet unless asked. */
  log?: (line: string) => void;
}

/** Everything one server instance owns. Several instances in one process stay isolated. */
export class Server {
  readonly store: Store;
  readonly clients = new Map<number, Client>();
  readonly stats = new ServerStats();
  readonly runId = randomHex(20);
  /** The config's rename-command lines applied to the command table, or null (commands/index.ts). */
  readonly renames: Renames | null;
  readonly startedAt = Date.now();
  /** used_memory when the server was created (INFO used_memory_startup). */
  readonly startupMemory: number;
  readonly monitors = new Set<Client>();
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  /** Clients with output waiting to be flushed outside their own read (pub/sub, MONITOR, unblocking); each once. */
  private dirtyClients: Client[] = [];
  private flushScheduled = false;
  private nextClientId = 1;
  private listeners: Listener[] = [];
  /** Set by listen(): opens one listener with the runtime's transport (CONFIG SET bind/port reopen them). */
  openListener: ((host: string, port: number) => Promise<Listener>) | null = null;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  /** CLIENT PAUSE: until (ms) and whether only writes pause. */
  pause: { until: number; all: boolean } | null = null;
  private pausedClients: Client[] = [];
  private pauseTimer: ReturnType<typeof setTimeout> | null = null;
  port = 0;
  addresses: string[] = [];
  shuttingDown = false;
  onShutdown: (() => void) | null = null;
  /** The unixsocket listener, if configured (CONFIG SET bind/port leave it alone). */
  unixListener: Listener | null = null;
  /** A script ran past busy-reply-threshold: other clients get BUSY (see gate) until it ends or is killed. */
  busyScript: "eval" | "function" | null = null;
  /** Cluster mode: this shard's view of the cluster (src/cluster/); null for a standalone server. */
  cluster: ClusterState | null = null;
  private closeHooks: Array<() => void> = [];
  lastSave = Math.floor(Date.now() / 1000);
  readonly logSink: (line: string) => void;

  constructor(
    readonly config: Config,
    clock: Clock = new Clock(),
    log?: (line: string) => void,
  ) {
    this.renames = config.renames !== undefined && config.renames.length > 0 ? buildRenames(config.renames) : null;
    this.store = new Store(cfg.databases(config), clock);
    this.store.hooks.notify = keyspaceNotifier(this);
    this.store.hooks.keyReady = (db, key) => {
      const id = `${db.id}\0${key}`;
      if (this.readySet.has(id)) return;
      this.readySet.add(id);
      this.readyKeys.push([db, key]);
    };
    this.logSink = log ?? (() => {});
    const m = process.memoryUsage();
    this.startupMemory = m.heapUsed + m.external;
    applyConfig(this, ["notify-keyspace-events", "slowlog-log-slower-than", "latency-tracking", "latency-monitor-threshold", "maxmemory", "min-replicas-to-write"]);
    initAcl(this);
  }

  get clock(): Clock {
    return this.store.clock;
  }

  param(name: string): string {
    return this.config.params.get(name)!;
  }

  authRequired(): boolean {
    return defaultNeedsAuth(this);
  }

  /** The ACL user new connections start as (src/acl/state.ts). */
  defaultUser(): User {
    return defaultUser(this);
  }

  parserLimits(): ParserLimits {
    return { maxBulkLen: Number(this.param("proto-max-bulk-len")), maxQueryBuffer: Number(this.param("client-query-buffer-limit")) };
  }

  log(level: LogLevel, msg: string): void {
    if (LEVELS[level] < LEVELS[cfg.loglevel(this.config)] || level === "nothing") return;
    const d = new Date();
    const mark = level === "debug" ? "." : level === "verbose" ? "-" : level === "notice" ? "*" : "#";
    this.logSink(`${process.pid}:M ${d.toISOString()} ${mark} ${msg}`);
  }

  // ---------------------------------------------------------------------------------------------------
  // connections

  /** A transport accepted a connection. Returns the client, or null when it was refused (and closed). */
  accept(conn: Connection): Client | null {
    this.stats.connectionsReceived++;
    const c = new Client(this, conn, this.nextClientId++);
    if (this.clients.size >= cfg.maxclients(this.config)) {
      this.stats.rejectedConnections++;
      c.closeWithError(E.maxClients.reply);
      c.flush();
      return null;
    }
    if (cfg.protectedMode(this.config) && this.defaultUser().nopass && !conn.unix && !isLoopback(conn.remoteAddress)) {
      this.stats.rejectedConnections++;
      c.closeWithError(E.protectedMode.reply);
      c.flush();
      return null;
    }
    this.clients.set(c.id, c);
    return c;
  }

  /** The transport saw the connection close. Leaves no trace of the client. */
  disconnected(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    c.closed = true;
    this.monitors.delete(c);
    unwatchAll(c);
    forgetBlocked(c);
    for (const hook of this.disconnectHooks) hook(c);
  }

  /** Families that keep per-client state (pub/sub, blocking, tracking) register cleanup here. */
  readonly disconnectHooks: Array<(c: Client) => void> = [];

  /** Keys with blocked clients that a write may have made ready; served after the command (blocking.ts). */
  readyKeys: Array<[Database, string]> = [];
  readySet = new Set<string>();
  blockedCount = 0;
  /** The entry whose handler is running (blocking.ts saves it with a parked command). */
  currentEntry: CommandEntry | null = null;

  /** monotonicMs() at the end of the last command (see call()). */
  clockMark = 0;

  /** The client whose commands are running now (a client killing itself still gets its reply). */
  current: Client | null = null;

  /** Close a client from the server side (CLIENT KILL, limits): its pending output is dropped, as in Valkey. */
  kill(c: Client): void {
    if (c.closed) return;
    c.closing = true;
    if (c === this.current) return; // replies first, then closes (flush sees `closing`)
    c.closed = true;
    c.conn.destroy();
    this.disconnected(c);
  }

  /** Output for a client written outside its own read: flush soon, once. */
  markDirty(c: Client): void {
    // Hot for pub/sub (every delivered message): a flag test when the client is already queued.
    if (c.flushQueued) return;
    c.flushQueued = true;
    this.dirtyClients.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushDirty);
    }
  }

  private readonly flushDirty = (): void => {
    this.flushScheduled = false;
    const list = this.dirtyClients;
    this.dirtyClients = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      c.flushQueued = false;
      // A client gone meanwhile has nothing to send (its flush would only drop the output).
      if (!c.closed) c.flush();
    }
  };

  // ---------------------------------------------------------------------------------------------------
  // the command loop

  /** Run every complete command the client's parser holds, then flush once. */
  processInput(c: Client): void {
    // (a resumed client's input runs inside another client's batch: that batch's run is timed first)
    if (this.runLength !== 0) this.settleRun(false);
    const t0 = monotonicMs();
    this.store.tick();
    this.clockMark = t0;
    const prev = this.current;
    this.current = c;
    const p = c.parser;
    while (!c.closing && !c.suspended) {
      const argv = p.next();
      if (argv === null) break;
      this.execute(c, argv);
    }
    if (p.error !== null && !c.closing) {
      this.log("verbose", `Protocol error (${p.error}) from client: ${clientAddr(c)}`);
      // Valkey replies with addReplyError: "-ERR Protocol error: ...".
      const text = `ERR ${p.error}`;
      this.stats.errorReply(text);
      c.closeWithError(text);
    }
    if (p.overflow && !c.closing) {
      this.log("warning", `Closing client that reached max query buffer length: ${clientAddr(c)}`);
      this.stats.qbufLimitDisconnections++;
      c.closing = true;
    }
    if (this.runLength !== 0) this.settleRun(false);
    this.current = prev;
    c.flush();
    this.stats.eventLoopCycles++;
    this.stats.eventLoopUs += Math.round((monotonicMs() - t0) * 1000);
  }

  /** One request: gate, MULTI queueing, pause, handler, stats. */
  execute(c: Client, argv: Buffer[]): void {
    const mark = c.w.mark();
    c.argv = argv;
    const e = gate(c, argv);
    if (e !== null) {
      if (this.trackingOn) limitTrackingTable(this);
      if (isQueuedInMulti(c, e)) {
        c.multi!.push({ entry: e, argv: argv.map((b) => Buffer.from(b)) });
        c.w.raw(QUEUED);
      } else if (this.pause !== null && this.mustPause(c, e)) {
        c.suspended = true;
        c.argv = c.pendingArgv = argv.map((b) => Buffer.from(b));
        this.pausedClients.push(c);
        return;
      } else if (e.preflight === true && preflightHooks.length !== 0 && this.preflight(c, e, argv)) {
        // (CLIENT LIST's argv-mem keeps the held copy, not the read chunk)
        c.argv = c.pendingArgv;
        return;
      } else {
        if (e.batchTimed === true && this.runTimingOn && lightArgs(argv)) this.callInRun(c, e, argv);
        else this.call(c, e, argv);
        if (this.readyKeys.length !== 0 && !c.inExec) {
          // The command is logged (SLOWLOG, commandstats) before the clients it serves, as in Valkey.
          if (this.runLength !== 0) this.settleRun(false);
          serveReady(this);
        }
      }
    }
    if (c.replyMode !== "on") {
      c.w.truncate(mark);
      if (c.replyMode === "skip") c.replyMode = "on";
      else if (c.replyMode === "skip-next") c.replyMode = "skip";
    }
    if (c.pushAfterReply !== null) for (const b of c.pushAfterReply.splice(0)) c.w.raw(b);
    // Client-side caching: CLIENT CACHING lapses, self-invalidations follow the reply (pushes survive CLIENT REPLY).
    if (c.tracking !== null) trackingAfterCommand(c, e);
    if (c.blocked === null && !c.suspended) c.argv = null;
  }

  /** A family may hold a command back before it runs (scripting, while its engine loads). */
  private preflight(c: Client, e: CommandEntry, argv: Buffer[]): boolean {
    for (let i = 0; i < preflightHooks.length; i++) if (preflightHooks[i]!(c, e, argv)) return true;
    return false;
  }

  /** Run a handler with stats, slowlog and MONITOR feed. Used by the loop and by EXEC. */
  call(c: Client, e: CommandEntry, argv: Buffer[]): void {
    // Commands of a run (callInRun) before this one are timed up to here, so that its own time starts now.
    if (this.runLength !== 0) this.settleRun(false);
    // One clock read per command: a command's start is the previous command's end within a batch.
    const t0 = this.clockMark;
    this.runHandler(c, e, argv);
    const t1 = (this.clockMark = monotonicMs());
    const us = Math.round((t1 - t0) * 1000);
    // A command that blocked is counted once, when it is served, times out or is unblocked (blocking.ts).
    if (c.blocked !== null) blockedFor(c, us);
    else this.countCall(c, e, argv, us);
    // After the call, as Valkey does: EXEC shows after its commands, SELECT with the new db, secrets redacted.
    if (this.monitors.size !== 0 && !(e.bits! & (F.SKIP_MONITOR | F.ADMIN))) this.feedMonitors(c, argv);
    if (this.runLength === 0) argsReleased();
  }

  /**
   * call() for a cheap command (entry.batchTimed: flagged fast, or SET/MSET) of a pipeline, without a clock read:
   * a clock read costs 40-50 ns on either runtime, as much as the rest of a pipelined PING. A run of such
   * commands is timed as a whole when something else needs the clock (the next other command, the end of the
   * batch: settleRun), and each gets an equal share in INFO commandstats, latency histograms and SLOWLOG. A command
   * that wrote a large reply ends the run and takes its whole time (arguments are checked before: lightArgs).
   */
  private callInRun(c: Client, e: CommandEntry, argv: Buffer[]): void {
    const before = c.w.size;
    this.runHandler(c, e, argv);
    const n = this.runLength++;
    this.runEntries[n] = e;
    this.runClients[n] = c;
    this.runArgv[n] = argv;
    if (c.w.size - before > HEAVY_REPLY || n + 1 === MAX_RUN) this.settleRun(c.w.size - before > HEAVY_REPLY);
    if (this.monitors.size !== 0 && !(e.bits! & (F.SKIP_MONITOR | F.ADMIN))) this.feedMonitors(c, argv);
  }

  /** The handler as the client's command, without timing or counting (call() and callInRun()). */
  private runHandler(c: Client, e: CommandEntry, argv: Buffer[]): void {
    this.currentEntry = e;
    // CLIENT NO-TOUCH: reads by this client leave LRU/LFU alone (TOUCH itself still touches).
    this.store.noTouch = c.noTouch && e.name !== "touch";
    try {
      e.run!(c, argv);
    } catch (err) {
      replyThrown(c, err, e);
    }
    if (c.tracking !== null) rememberKeys(c, e, argv);
  }

  /** Time the pending run of callInRun commands with one clock read and count them. `lastTakesAll`: see callInRun. */
  private settleRun(lastTakesAll: boolean): void {
    const t0 = this.clockMark;
    const t1 = (this.clockMark = monotonicMs());
    const total = (t1 - t0) * 1000;
    const n = this.runLength;
    this.runLength = 0;
    const entries = this.runEntries;
    const clients = this.runClients;
    const argvs = this.runArgv;
    let done = 0;
    for (let i = 0; i < n; i++) {
      // Shares rounded so that they add up to the rounded total (commandstats usec stays exact overall).
      const upTo = lastTakesAll ? (i === n - 1 ? Math.round(total) : 0) : Math.round((total * (i + 1)) / n);
      const argv = argvs[i]!;
      const c = clients[i]!;
      // Nothing stays pinned by the lists: no read chunk, and no client that leaves (its transport may hold
      // megabytes of unsent replies).
      argvs[i] = NO_ARGV;
      clients[i] = null;
      this.countCall(c, entries[i]!, argv, upTo - done);
      done = upTo;
    }
    argsReleased();
  }

  /** Runs of cheap commands share one clock read (callInRun); off while the latency monitor samples them. */
  private get runTimingOn(): boolean {
    return this.latencyThreshold === 0;
  }
  private runLength = 0;
  private readonly runEntries: CommandEntry[] = [];
  private readonly runClients: Array<Client | null> = [];
  private readonly runArgv: Buffer[][] = [];

  /** Count a finished command: INFO commandstats, tot-cmds, total_commands_processed, SLOWLOG (Valkey's call()). */
  countCall(c: Client, e: CommandEntry, argv: Buffer[], us: number): void {
    e.calls!++;
    e.usec! += us;
    this.stats.commandUs += us;
    if (this.latencyTracking || this.latencyThreshold > 0) recordCommandLatency(this, e, us);
    c.commandsProcessed++;
    this.stats.commandsProcessed++;
    if (us >= this.slowlogThreshold && this.slowlogThreshold >= 0 && !(e.bits! & F.SKIP_SLOWLOG)) {
      // A command run by a script is logged with the calling client's address and name.
      this.slowlogPush(c.scriptCaller ?? c, argv, us);
    }
  }

  /** Some client has used CLIENT TRACKING (set by commands/tracking.ts): the table limit is checked per command. */
  trackingOn = false;

  /** latency-tracking and latency-monitor-threshold, cached (CONFIG SET updates them): read on every command. */
  latencyTracking = true;
  latencyThreshold = 0;
  /** Channel and pattern subscriptions (commands/pubsub.ts), created by the first SUBSCRIBE. */
  pubsub: PubSubRegistry | null = null;
  /** LATENCY's events and per-command histograms (commands/latency.ts), created on first use. */
  latencyState: LatencyState | null = null;

  /** min-replicas-to-write and min-replicas-max-lag both positive, cached (CONFIG SET updates it): writes get NOREPLICAS. */
  writesRefused = false;

  /** slowlog-log-slower-than, cached (CONFIG SET updates it): read on every command. */
  slowlogThreshold = 10000;

  private slowlogPush(c: Client, argv: Buffer[], us: number): void {
    const threshold = this.slowlogThreshold;
    if (threshold < 0 || us < threshold) return;
    const max = Number(this.param("slowlog-max-len"));
    this.slowlog.unshift({
      id: this.slowlogNextId++,
      time: Math.floor(Date.now() / 1000),
      durationUs: us,
      argv: slowlogArgv(argv),
      addr: clientAddr(c),
      name: c.name,
    });
    if (this.slowlog.length > max) this.slowlog.length = max;
  }

  /** Also called by EVAL / FCALL (skip_monitor) before their script runs, so its commands show after them. */
  feedMonitors(c: Client, argv: Buffer[]): void {
    const us = epochMicros();
    let line = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")} [${c.db.id} ${c.inScript ? "lua" : clientAddr(c)}]`;
    for (const a of argv) line += ` "${monitorEscape(a)}"`;
    for (const m of this.monitors) {
      m.w.simple(line);
      if (m !== c) this.markDirty(m);
    }
  }

  private mustPause(c: Client, e: CommandEntry): boolean {
    if (this.pause === null) return false;
    if (Date.now() >= this.pause.until) {
      this.unpause();
      return false;
    }
    if (this.pause.all) return true;
    // WRITE pause: commands that may write or replicate wait (EXEC when it queued one); reads go on.
    if (mayReplicate(e)) return true;
    return (e.parent ?? e).name === "exec" && c.multi !== null && c.multi.some((q) => mayReplicate(q.entry));
  }

  /** CLIENT PAUSE: the latest pause decides what is paused; it ends at the latest deadline asked for. */
  pauseClients(ms: number, all: boolean): void {
    const until = Date.now() + ms;
    this.pause = { until: Math.max(until, this.pause?.until ?? 0), all };
    this.store.expiryPaused = true;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.unpause(), Math.max(0, this.pause.until - Date.now()));
    this.pauseTimer.unref?.();
  }

  unpause(): void {
    this.pause = null;
    this.store.expiryPaused = false;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const list = this.pausedClients;
    this.pausedClients = [];
    for (const c of list) this.resume(c);
  }

  /**
   * A command that suspended its client to wait for something (MIGRATE's transfer, a script's engine) is done:
   * the rest of its EXEC queue, the blocked clients its writes made ready, then its pending input.
   */
  continueSuspended(c: Client): void {
    const rest = c.execResume;
    c.execResume = null;
    c.suspended = false;
    if (rest !== null && !c.closed) rest();
    if (c.suspended) return;
    if (this.readyKeys.length !== 0) serveReady(this);
    this.resume(c);
  }

  /** Continue a suspended client: run its pending command, then whatever else it sent meanwhile. */
  resume(c: Client): void {
    if (c.closed) return;
    c.suspended = false;
    const argv = c.pendingArgv;
    c.pendingArgv = null;
    this.store.tick();
    if (this.runLength !== 0) this.settleRun(false);
    else this.clockMark = monotonicMs();
    if (argv) {
      // The resumed command runs as the current client (client-side caching defers self-invalidations by it).
      const prev = this.current;
      this.current = c;
      this.execute(c, argv);
      this.current = prev;
    }
    if (!c.suspended) this.processInput(c);
    else {
      if (this.runLength !== 0) this.settleRun(false);
      c.flush();
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // lifecycle

  startTimers(): void {
    const hz = Math.max(1, Math.min(500, Number(this.param("hz")) || 10));
    // Valkey gives active expiry 25% of each cron period; here in slices of at most 5 ms with I/O served between
    // them, so a mass expiry never holds a client for a whole period's sweep (1M keys due at once: PING <= 25 ms).
    const budgetMs = 250 / hz;
    // Bun often runs two chained setImmediate callbacks before it polls sockets (a PING waited two slices, 10 ms
    // of 5 ms slices); a 0 ms timer lets it read in between, as setImmediate does on Node.
    const onBun = process.versions.bun !== undefined;
    const expire = (left: number): void => {
      const t0 = monotonicMs();
      const more = this.store.activeExpireCycle(Math.min(5, left));
      const ms = monotonicMs() - t0;
      this.stats.expireCycleUs += Math.round(ms * 1000);
      if (this.latencyThreshold > 0) latencySample(this, "expire-cycle", Math.floor(ms));
      if (more && left - ms > 0.5 && !this.shuttingDown) {
        if (onBun) setTimeout(expire, 0, left - ms);
        else setImmediate(expire, left - ms);
      }
    };
    const t = setInterval(() => {
      expire(budgetMs);
      this.store.settleSplits();
      this.stats.sample();
      this.checkTimeouts();
      this.reclaimer.tick(this.stats.commandsProcessed, this.clients.size);
    }, Math.round(1000 / hz));
    t.unref?.();
    this.timers.push(t);
  }

  /** CONFIG SET hz: run the cron at the new frequency. */
  restartTimers(): void {
    if (this.shuttingDown || this.timers.length === 0) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.startTimers();
  }

  /** Returns memory to the OS when the server goes quiet after large buffers were dropped (reclaim.ts). */
  readonly reclaimer = new Reclaimer();

  private checkTimeouts(): void {
    const timeout = Number(this.param("timeout"));
    if (timeout <= 0) return;
    const now = Date.now();
    for (const c of this.clients.values()) {
      if (c.subscriptionCount > 0 || c.blocked !== null || c.monitor) continue;
      if (now - c.lastInteraction > timeout * 1000) this.kill(c);
    }
  }

  addListener(l: Listener): void {
    this.listeners.push(l);
  }

  /**
   * CONFIG SET bind/port: close the listeners and open the configured ones (existing connections stay).
   * If any required address cannot be bound, the previous listeners are reopened and the error rethrown.
   */
  async relisten(): Promise<void> {
    const open = async (bind: string, port: number): Promise<Listener[]> => {
      const opened: Listener[] = [];
      try {
        for (const { host, optional } of bindAddresses(bind)) {
          try {
            const l = await this.openListener!(host, port);
            port = l.port;
            opened.push(l);
          } catch (e) {
            if (!optional) throw e;
          }
        }
      } catch (e) {
        for (const l of opened) l.close(false);
        throw e;
      }
      return opened;
    };
    const old = this.listeners;
    const oldBind = old.length > 0 ? this.lastBind : cfg.bind(this.config);
    const oldPort = this.port;
    for (const l of old) l.close(false);
    this.listeners = [];
    try {
      this.listeners = await open(cfg.bind(this.config), cfg.port(this.config));
    } catch (e) {
      this.listeners = await open(oldBind, oldPort).catch(() => []);
      throw e;
    }
    this.lastBind = cfg.bind(this.config);
    this.addresses = this.listeners.map((l) => l.host);
    if (this.listeners.length > 0) this.port = this.listeners[0]!.port;
    this.config.params.set("port", String(this.port));
  }

  /** The bind list the current listeners were opened with. */
  lastBind = "";

  /** Stop listening, close every client, stop timers. */
  /** Run `fn` when the server closes (a family's own resources, e.g. the Lua engine's thread). */
  onClose(fn: () => void): void {
    this.closeHooks.push(fn);
  }

  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const fn of this.closeHooks) fn();
    for (const t of this.timers) clearInterval(t);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    for (const c of this.clients.values()) {
      c.closing = true;
      c.flush();
    }
    for (const l of this.listeners) l.close(true);
    this.listeners = [];
    this.unixListener?.close(true);
    this.unixListener = null;
  }
}

const QUEUED = Buffer.from("+QUEUED\r\n");


export function isLoopback(addr: string): boolean {
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.") || addr === "" || addr === "unix";
}

export function clientAddr(c: Client): string {
  return formatAddr(c.conn.remoteAddress, c.conn.remotePort);
}

export function formatAddr(host: string, port: number): string {
  const h = host.startsWith("::ffff:") ? host.slice(7) : host;
  return `${h}:${port}`;
}

function monitorEscape(b: Buffer): string {
  let s = "";
  for (const c of b) {
    if (c === 92) s += "\\\\";
    else if (c === 34) s += '\\"';
    else if (c === 10) s += "\\n";
    else if (c === 13) s += "\\r";
    else if (c === 9) s += "\\t";
    else if (c === 7) s += "\\a";
    else if (c === 8) s += "\\b";
    else if (c < 32 || c > 126) s += "\\x" + c.toString(16).padStart(2, "0");
    else s += String.fromCharCode(c);
  }
  return s;
}

/** Valkey keeps at most 32 args in a slowlog entry, each truncated to 128 bytes. */
function slowlogArgv(argv: Buffer[]): Buffer[] {
  const n = Math.min(argv.length, 32);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 31 && argv.length > 32) {
      out.push(Buffer.from(`... (${argv.length - 31} more arguments)`));
      break;
    }
    const a = argv[i]!;
    out.push(a.length > 128 ? Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]) : Buffer.from(a));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// transports

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Resolve Valkey's `bind` list into listen addresses; '-' marks an address that may be unavailable. */
function bindAddresses(bind: string): Array<{ host: string; optional: boolean }> {
  return bind
    .split(/\s+/)
    .filter(Boolean)
    .map((a) => {
      const optional = a.startsWith("-");
      let host = optional ? a.slice(1) : a;
      if (host === "*") host = "0.0.0.0";
      else if (host === "::*") host = "::";
      return { host, optional };
    });
}

/** Start listening with the runtime's native transport. Rejects with a readable error (port in use). */
export async function listen(opts: ListenOptions): Promise<RunningServer> {
  const server = new Server(opts.config, opts.clock, opts.log);
  server.openListener = (host, port) => (isBun ? listenBun(server, host, port) : listenNode(server, host, port));
  const addrs = bindAddresses(cfg.bind(opts.config));
  let port = cfg.port(opts.config);
  for (const { host, optional } of addrs) {
    try {
      const l = await server.openListener(host, port);
      port = l.port;
      server.addListener(l);
      server.addresses.push(host);
    } catch (e) {
      if (optional) continue;
      await server.close();
      throw e;
    }
  }
  server.lastBind = cfg.bind(opts.config);
  server.port = port;
  server.config.params.set("port", String(port));
  const path = cfg.unixsocket(opts.config);
  if (path !== null) {
    try {
      server.unixListener = await listenUnix(server, path, cfg.unixsocketperm(opts.config), cfg.unixsocketgroup(opts.config));
    } catch (e) {
      await server.close();
      throw e;
    }
  }
  server.startTimers();
  return { server, port, close: () => server.close() };
}

/** The unix socket listener: a stale socket file is replaced, as Valkey does, and unixsocketgroup and
 *  unixsocketperm applied. */
async function listenUnix(server: Server, path: string, perm: number, group: string | null): Promise<Listener> {
  const fs = await import("node:fs");
  // Valkey looks the group up by name (getgrnam) before it binds, and refuses to start without it
  const gid = group === null ? -1 : groupId(fs.readFileSync, group);
  if (gid === undefined) throw new Error(`Failed opening Unix socket: getgrnam error for group '${group}'`);
  try {
    fs.unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const l = await (isBun ? listenBun(server, "", 0, path) : listenNode(server, "", 0, path));
  if (gid !== -1) fs.chownSync(path, -1, gid);
  if (perm !== 0) fs.chmodSync(path, perm);
  return {
    host: path,
    port: 0,
    close: (force) => {
      l.close(force);
      try {
        fs.unlinkSync(path);
      } catch {}
    },
  };
}

/** A group's id by name from /etc/group (JavaScript has no getgrnam: groups only a directory service knows are not
 *  found), or undefined. */
function groupId(read: typeof import("node:fs").readFileSync, name: string): number | undefined {
  let text: string;
  try {
    text = read("/etc/group", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2]!)) return Number(f[2]);
  }
  return undefined;
}

class PortInUseError extends Error {}

interface NetServerInternals {
  _listen2?(address: string, port: number, addressType: 4 | 6, backlog: undefined, fd: undefined, flags: number): void;
}

/**
 * Bind an address literal without net.Server.listen's dns.lookup, which would load node:dns and test the host with
 * net.isIPv6: compiling that regular expression is ~3 ms of a start with the default `bind * -::*`. `_listen2` is
 * the step listen() ends in for a literal (Node calls it by that name so that wrappers keep working): the same
 * bind, errors and 'listening' event. False, and nothing done, for any other host (a name, another IPv6 form),
 * in a node:cluster worker (listen() asks the primary for the handle there), or on a Node without `_listen2`.
 */
function bindLiteral(net: typeof import("node:net"), srv: NetServerInternals, host: string, port: number): boolean {
  if (typeof srv._listen2 !== "function" || process.env.NODE_UNIQUE_ID !== undefined) return false;
  // UV_TCP_IPV6ONLY (libuv's flag, what listen() passes for ipv6Only: true): `::` takes no IPv4 traffic, as in
  // Valkey, so that it can sit beside 0.0.0.0 on the same port.
  if (host === "::") srv._listen2(host, port, 6, undefined, undefined, 1);
  else if (host === "::1") srv._listen2(host, port, 6, undefined, undefined, 0);
  else if (net.isIPv4(host)) srv._listen2(host, port, 4, undefined, undefined, 0);
  else return false;
  return true;
}

/**
 * What both transports' connections share: the peer, read at accept, and the local end, read on first use (CLIENT
 * LIST's laddr), as Valkey does: a getsockname per accepted connection otherwise. A unix socket connection's ends
 * are its path.
 */
abstract class SocketEnds {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly unix: boolean;
  private local: [address: string, port: number] | null;

  constructor(peer: { remoteAddress?: string; remotePort?: number }, path: string | undefined) {
    this.remoteAddress = path ?? peer.remoteAddress ?? "";
    this.remotePort = path !== undefined ? 0 : (peer.remotePort ?? 0);
    this.local = path !== undefined ? [path, 0] : null;
    this.unix = path !== undefined;
  }

  get localAddress(): string {
    return (this.local ??= this.readLocal())[0];
  }

  get localPort(): number {
    return (this.local ??= this.readLocal())[1];
  }

  /** The socket's local address and port. */
  protected abstract readLocal(): [address: string, port: number];
}

/**
 * A node:net socket as the core's Connection. A class rather than an object of per-connection closures, on both
 * runtimes: the hot call sites (`c.conn.write`, `c.conn.pendingBytes` on every flush and delivery) then always
 * call the same function, so the JIT's inlined code refers to no particular connection. With closures, Bun threw
 * away its optimised `publish` and flush paths each time the connections they had seen closed, and compiled them
 * again (docs/performance.md, ninth round).
 */
class NodeConnection extends SocketEnds implements Connection {
  readonly fd: number;

  constructor(
    private readonly server: Server,
    private readonly sock: import("node:net").Socket,
    path: string | undefined,
  ) {
    super(sock, path);
    this.fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  }

  protected readLocal(): [string, number] {
    return [this.sock.localAddress ?? "", this.sock.localPort ?? 0];
  }

  write(d: Buffer): boolean {
    const stats = this.server.stats;
    stats.netOutputBytes += d.length;
    stats.writesProcessed++;
    const sock = this.sock;
    sock.write(d);
    // Nothing left queued: libuv wrote it all synchronously and holds no reference to `d`.
    return sock.writableLength === 0;
  }

  /** Close fully once the last reply is flushed, as Valkey does (a half-close would keep reading a desynced peer). */
  end(): void {
    const sock = this.sock;
    sock.end(() => sock.destroy());
  }

  destroy(): void {
    this.sock.destroy();
  }

  pendingBytes(): number {
    return this.sock.writableLength;
  }
}

/** A TCP listener on host:port, or with `path` a unix socket listener (host and port are then unused). */
async function listenNode(server: Server, host: string, port: number, path?: string): Promise<Listener> {
  const net = await import("node:net");
  const srv = net.createServer({ noDelay: true }, (sock) => {
    const conn = new NodeConnection(server, sock, path);
    if (path === undefined) {
      sock.setNoDelay(true);
      const keepalive = Number(server.param("tcp-keepalive"));
      sock.setKeepAlive(keepalive > 0, keepalive * 1000);
    }
    const c = server.accept(conn);
    if (c === null) return;
    sock.on("data", (d: Buffer) => {
      server.stats.netInputBytes += d.length;
      server.stats.readsProcessed++;
      c.onData(d);
    });
    sock.on("error", () => {});
    sock.on("close", () => server.disconnected(c));
  });
  await new Promise<void>((resolve, reject) => {
    srv.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new PortInUseError(`port ${port} is already in use (${host})`) : e),
    );
    srv.once("listening", () => resolve());
    if (path !== undefined) srv.listen({ path });
    else if (!bindLiteral(net, srv as NetServerInternals, host, port)) srv.listen({ host, port, ipv6Only: host === "::" });
  });
  const a = srv.address();
  return { host: path ?? host, port: typeof a === "object" && a ? a.port : 0, close: () => srv.close() };
}

interface BunSock {
  write(data: Uint8Array, off?: number, len?: number): number;
  end(): void;
  terminate(): void;
  setNoDelay?(v?: boolean): boolean;
  setKeepAlive?(enable?: boolean, initialDelay?: number): boolean;
  remoteAddress: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  data: BunConnection;
}

/** A Bun socket as the core's Connection (a class for the reason NodeConnection gives); also the socket's `data`. */
class BunConnection extends SocketEnds implements Connection {
  client: Client | null = null;
  /** Unwritten output (partial writes) waiting for drain: Bun does not buffer, so these are our own copies. */
  queue: Buffer[] = [];
  queued = 0;
  ending = false;
  readonly fd = -1;

  constructor(
    private readonly server: Server,
    private readonly s: BunSock,
    private readonly host: string,
    private readonly port: number,
    path: string | undefined,
  ) {
    super(s, path);
  }

  protected readLocal(): [string, number] {
    return [this.s.localAddress ?? this.host, this.s.localPort ?? this.port];
  }

  write(d: Buffer): boolean {
    const stats = this.server.stats;
    stats.netOutputBytes += d.length;
    stats.writesProcessed++;
    if (this.queue.length > 0) {
      this.queue.push(Buffer.from(d));
      this.queued += d.length;
      return true;
    }
    const n = this.s.write(d);
    if (n >= 0 && n < d.length) {
      this.queue.push(Buffer.from(d.subarray(n)));
      this.queued += d.length - n;
    }
    // Bun sent or copied what it took, the rest is our own copy: `d` may be reused.
    return true;
  }

  end(): void {
    this.ending = true;
    if (this.queue.length === 0) this.s.end();
  }

  destroy(): void {
    this.drop();
    this.s.terminate();
  }

  pendingBytes(): number {
    return this.queued;
  }

  /** Forget unsent output (the socket is gone or going). */
  drop(): void {
    this.queue = [];
    this.queued = 0;
  }

  /** The socket is writable again: send what was queued, as far as it takes it. */
  drain(): void {
    const s = this.s;
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      const n = s.write(b);
      if (n < 0) {
        this.drop();
        return;
      }
      if (n < b.length) {
        this.queue[0] = b.subarray(n);
        this.queued -= n;
        return;
      }
      this.queue.shift();
      this.queued -= b.length;
    }
    if (this.ending) s.end();
  }
}

async function listenBun(server: Server, host: string, port: number, path?: string): Promise<Listener> {
  const Bun = (globalThis as unknown as { Bun: any }).Bun;
  let l: { port: number; stop(force?: boolean): void };
  try {
    l = Bun.listen({
      // `::` alone, as Valkey binds it: dual-stack it would clash with the 0.0.0.0 listener of the default bind.
      ...(path !== undefined ? { unix: path } : { hostname: host, port, ipv6Only: host === "::" }),
      socket: {
        open(s: BunSock) {
          if (path === undefined) {
            s.setNoDelay?.(true);
            const keepalive = Number(server.param("tcp-keepalive"));
            s.setKeepAlive?.(keepalive > 0, keepalive * 1000);
          }
          const conn = new BunConnection(server, s, host, port, path);
          s.data = conn;
          conn.client = server.accept(conn);
        },
        data(s: BunSock, d: Buffer) {
          const c = s.data.client;
          if (c === null) return;
          server.stats.netInputBytes += d.length;
          server.stats.readsProcessed++;
          c.onData(d);
        },
        drain(s: BunSock) {
          s.data.drain();
        },
        close(s: BunSock) {
          // Unsent replies go with the socket, even while something still holds the client.
          const conn = s.data;
          if (conn) {
            conn.drop();
            if (conn.client) server.disconnected(conn.client);
          }
        },
        error() {},
      },
    });
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    if (/in use|EADDRINUSE/i.test(msg) || (e as { code?: string })?.code === "EADDRINUSE") {
      throw new PortInUseError(`port ${port} is already in use (${host})`);
    }
    throw e;
  }
  return { host: path ?? host, port: path !== undefined ? 0 : l.port, close: (force) => l.stop(force) };
}

export { PortInUseError, loadConfig, VERSION, REDIS_COMPAT_VERSION };
