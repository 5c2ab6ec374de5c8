// Server family: INFO DBSIZE FLUSHDB FLUSHALL SWAPDB TIME LASTSAVE ROLE WAIT WAITAOF SHUTDOWN MONITOR SLOWLOG
// DEBUG MEMORY SAVE BGSAVE BGREWRITEAOF. CONFIG lives in config.ts, INFO's text in info.ts.

import type { Client } from "../client.js";
import { parseI64, parseI64Big, positiveInt, str, token } from "../args.js";
import { CE, E, errorText, unknownSubcommandOrWrongArity } from "../errors.js";
import type { Entry } from "../store.js";
import { allowProtected } from "./config.js";
import { collectGarbage, keyBytes, runtimeMemory } from "../memory.js";
import { changeReplId, memoryFigures, replyInfo } from "./info.js";
import type { CommandEntry } from "./types.js";
import { builtin, epochMicros, isBun } from "../runtime.js";

export const commands: CommandEntry[] = [
  { name: "dbsize", arity: 1, flags: ["readonly", "fast"], acl: ["keyspace"], tips: ["request_policy:all_shards", "response_policy:agg_sum"], run: dbsize },
  {
    name: "info",
    arity: -1,
    flags: ["loading", "stale", "sentinel"],
    acl: ["dangerous"],
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
    run: info,
  },
  { name: "flushall", arity: -1, flags: ["write"], acl: ["keyspace", "dangerous"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: flushall },
  { name: "flushdb", arity: -1, flags: ["write"], acl: ["keyspace", "dangerous"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: flushdb },
  { name: "swapdb", arity: 3, flags: ["write", "fast"], acl: ["keyspace", "dangerous"], run: swapdb },
  { name: "time", arity: 1, flags: ["loading", "stale", "fast"], tips: ["nondeterministic_output"], run: time },
  { name: "lastsave", arity: 1, flags: ["loading", "stale", "fast"], acl: ["admin", "dangerous"], tips: ["nondeterministic_output"], run: lastsave },
  { name: "role", arity: 1, flags: ["noscript", "loading", "stale", "fast", "sentinel"], acl: ["admin", "dangerous"], run: role },
  { name: "wait", arity: 3, flags: ["blocking"], acl: ["connection"], group: "generic", tips: ["request_policy:all_shards", "response_policy:agg_min"], run: wait },
  { name: "waitaof", arity: 4, flags: ["blocking"], acl: ["connection"], group: "generic", tips: ["request_policy:all_shards", "response_policy:agg_min"], run: waitaof },
  { name: "shutdown", arity: -1, flags: ["admin", "noscript", "loading", "stale", "no_multi", "sentinel", "allow_busy"], run: shutdown },
  { name: "monitor", arity: 1, flags: ["admin", "noscript", "loading", "stale"], run: monitor },
  { name: "save", arity: 1, flags: ["no_async_loading", "admin", "noscript", "no_multi"], run: () => refusePersistence("SAVE") },
  { name: "bgsave", arity: -1, flags: ["no_async_loading", "admin", "noscript"], run: () => refusePersistence("BGSAVE") },
  { name: "bgrewriteaof", arity: 1, flags: ["no_async_loading", "admin", "noscript"], run: () => refusePersistence("BGREWRITEAOF") },
  {
    name: "slowlog",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "get", arity: -2, flags: ["admin", "loading", "stale"], tips: ["request_policy:all_nodes", "nondeterministic_output"], run: slowlogGet },
      {
        name: "len",
        arity: 2,
        flags: ["admin", "loading", "stale"],
        tips: ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
        run: (c) => c.w.integer(c.server.slowlog.length),
      },
      {
        name: "reset",
        arity: 2,
        flags: ["admin", "loading", "stale"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: slowlogReset,
      },
      { name: "help", arity: 2, flags: ["loading", "stale"], run: slowlogHelp },
    ],
  },
  { name: "debug", arity: -2, flags: ["admin", "noscript", "loading", "stale", "protected"], run: debug },
  {
    name: "memory",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "usage", arity: -3, flags: ["readonly"], keys: [{ begin: 2, flags: ["RO"] }], run: memoryUsage },
      {
        name: "stats",
        arity: 2,
        flags: [],
        tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
        run: memoryStats,
      },
      {
        name: "doctor",
        arity: 2,
        flags: [],
        tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
        run: memoryDoctor,
      },
      {
        name: "malloc-stats",
        arity: 2,
        flags: [],
        tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
        // A bulk string, as Valkey without jemalloc sends it (a verbatim string only carries jemalloc's report).
        run: (c) => c.w.bulk("Stats not supported for the current allocator"),
      },
      { name: "purge", arity: 2, flags: [], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: memoryPurge },
      { name: "help", arity: 2, flags: ["loading", "stale"], run: memoryHelp },
    ],
  },
];

// DBSIZE
function dbsize(c: Client): void {
  c.w.integer(c.db.size);
}

// INFO [section [section ...]]
function info(c: Client, argv: Buffer[]): void {
  replyInfo(c, argv.slice(1).map(str));
}

function flushMode(argv: Buffer[]): void {
  if (argv.length > 2) throw E.syntax;
  if (argv.length === 2) {
    const m = token(argv[1]!);
    if (m !== "sync" && m !== "async") throw E.syntax;
  }
}

// FLUSHALL [ASYNC | SYNC]
function flushall(c: Client, argv: Buffer[]): void {
  flushMode(argv);
  const store = c.server.store;
  let removed = 0;
  for (const db of store.dbs) removed += db.keys.size;
  store.flushAll();
  // Valkey counts every removed key as a change (the flush itself only adds one where it saves an RDB, which
  // this server never does: an empty FLUSHALL leaves rdb_changes_since_last_save as it was).
  store.dirty += removed;
  c.w.ok();
}

// FLUSHDB [ASYNC | SYNC]
function flushdb(c: Client, argv: Buffer[]): void {
  flushMode(argv);
  const removed = c.db.keys.size;
  c.db.clear();
  c.server.store.dirty += removed;
  c.w.ok();
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** getIntFromObjectOrReply with a custom message: the same text for "not a number" and "outside int". */
function int32Or(b: Buffer, message: string): number {
  const v = parseI64(b);
  if (v === null || v < INT32_MIN || v > INT32_MAX) throw errorText(message);
  return v;
}

// SWAPDB index1 index2
function swapdb(c: Client, argv: Buffer[]): void {
  if (c.server.cluster !== null) throw CE.swapdbNotAllowed;
  const a = int32Or(argv[1]!, "ERR invalid first DB index");
  const b = int32Or(argv[2]!, "ERR invalid second DB index");
  const store = c.server.store;
  if (a < 0 || a >= store.dbs.length || b < 0 || b >= store.dbs.length) throw E.dbIndexOutOfRange;
  if (a !== b) store.swap(a, b);
  store.dirty++;
  c.w.ok();
}

// TIME
function time(c: Client): void {
  // The server clock (moved by DEBUG CLOCK under --test-clock), with microseconds from the monotonic timer.
  const offset = c.server.clock.now() - Date.now();
  const us = epochMicros(offset);
  c.w.array(2);
  c.w.bulk(String(Math.floor(us / 1e6)));
  c.w.bulk(String(us % 1e6));
}

// LASTSAVE
function lastsave(c: Client): void {
  c.w.integer(c.server.lastSave);
}

// ROLE
function role(c: Client): void {
  c.w.array(3);
  c.w.bulk("master");
  c.w.integer(0);
  c.w.array(0);
}

/** Valkey's getTimeoutFromObjectOrReply for millisecond timeouts: 0 = forever. */
function timeoutMs(c: Client, b: Buffer): number {
  const v = parseI64Big(b);
  if (v === null) throw errorText("ERR timeout is not an integer or out of range");
  if (v < 0n) throw errorText("ERR timeout is negative");
  if (v > 0n && v > 9223372036854775807n - BigInt(c.server.clock.now())) throw errorText("ERR timeout is out of range");
  return Number(v);
}

/**
 * Replication acknowledgements never come (there are no replicas): reply at once when nothing is missing or
 * the client cannot block (in EXEC or a script), else after the timeout (never, for 0), as Valkey does.
 */
function waitForAcks(c: Client, satisfied: boolean, timeout: number, reply: () => void): void {
  if (satisfied || c.inExec || c.inScript) {
    reply();
    return;
  }
  c.suspended = true;
  // setTimeout cannot wait longer than 2^31-1 ms; beyond that the wait is, in practice, forever.
  if (timeout === 0 || timeout > 2147483647) return;
  const t = setTimeout(() => {
    if (c.closed) return;
    reply();
    c.server.resume(c);
  }, timeout);
  t.unref?.();
}

// WAIT numreplicas timeout
function wait(c: Client, argv: Buffer[]): void {
  const n = parseI64(argv[1]!);
  if (n === null) throw E.notInteger;
  const timeout = timeoutMs(c, argv[2]!);
  waitForAcks(c, 0 >= n, timeout, () => c.w.integer(0));
}

// WAITAOF numlocal numreplicas timeout
function waitaof(c: Client, argv: Buffer[]): void {
  const numlocal = parseI64(argv[1]!);
  if (numlocal === null) throw E.notInteger;
  if (numlocal < 0 || numlocal > 1) throw errorText("ERR value is out of range, value must between 0 and 1");
  const numreplicas = parseI64(argv[2]!);
  if (numreplicas === null) throw E.notInteger;
  if (numreplicas < 0) throw errorText("ERR value is out of range, must be positive");
  const timeout = timeoutMs(c, argv[3]!);
  if (numlocal > 0) throw errorText("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
  waitForAcks(c, numreplicas === 0, timeout, () => {
    c.w.array(2);
    c.w.integer(0);
    c.w.integer(0);
  });
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
function shutdown(c: Client, argv: Buffer[]): void {
  let save = false;
  let nosave = false;
  let other = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const t = token(argv[i]!);
    if (t === "nosave") nosave = true;
    else if (t === "save") save = true;
    else if (t === "now" || t === "force") other = true;
    else if (t === "abort") abort = true;
    else throw E.syntax;
  }
  if ((abort && (save || nosave || other)) || (save && nosave)) throw E.syntax;
  if (abort) throw errorText("ERR No shutdown in progress.");
  if (save) throw E.persistence("SHUTDOWN SAVE");
  const server = c.server;
  // Past busy-reply-threshold only SHUTDOWN NOSAVE may stop the server.
  if (server.busyScript !== null && !nosave) throw server.busyScript === "eval" ? E.busyEval : E.busyFunction;
  server.log("warning", "User requested shutdown...");
  server.log("notice", "valkey-bun keeps data in memory only: nothing to save. Exiting.");
  if (server.onShutdown) server.onShutdown();
  else void server.close();
}

// MONITOR
function monitor(c: Client): void {
  if (c.inExec) throw errorText("ERR MONITOR isn't allowed for DENY BLOCKING client");
  // A client already monitoring gets no second reply, as in Valkey.
  if (c.monitor) return;
  c.monitor = true;
  c.server.monitors.add(c);
  c.w.ok();
}

function refusePersistence(cmd: string): never {
  throw E.persistence(cmd);
}

// SLOWLOG GET [count]
function slowlogGet(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw unknownSubcommandOrWrongArity("slowlog", str(argv[1]!));
  let count = 10;
  if (argv.length === 3) {
    const v = parseI64(argv[2]!);
    if (v === null || v < -1) throw errorText("ERR count should be greater than or equal to -1");
    count = v === -1 ? Infinity : v;
  }
  const list = c.server.slowlog;
  const n = Math.min(count, list.length);
  c.w.array(n);
  for (let i = 0; i < n; i++) {
    const e = list[i]!;
    c.w.array(6);
    c.w.integer(e.id);
    c.w.integer(e.time);
    c.w.integer(e.durationUs);
    c.w.bulks(e.argv);
    c.w.bulk(e.addr);
    c.w.bulk(e.name);
  }
}

// SLOWLOG RESET
function slowlogReset(c: Client): void {
  c.server.slowlog = [];
  c.w.ok();
}

// SLOWLOG HELP
function slowlogHelp(c: Client): void {
  c.w.help("SLOWLOG", [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
  ]);
}

const DEBUG_DENIED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

// DEBUG subcommand [argument ...]
function debug(c: Client, argv: Buffer[]): void {
  // Valkey's default is "no". --test-clock (a test-suite flag) also opens DEBUG to local connections.
  if (!allowProtected(c, c.server.param("enable-debug-command")) && !(c.server.config.testClock && allowProtected(c, "local"))) {
    throw errorText(DEBUG_DENIED);
  }
  const sub = token(argv[1]!);
  const n = argv.length;
  if (sub === "help" && n === 2) debugHelp(c);
  else if (sub === "sleep" && n === 3) debugSleep(c, argv[2]!);
  else if (sub === "set-active-expire" && n === 3) {
    c.server.store.activeExpire = atoi(str(argv[2]!)) !== 0;
    c.w.ok();
  } else if (sub === "clock" && (n === 3 || n === 4)) debugClock(c, argv);
  else if (sub === "populate" && n >= 3 && n <= 5) debugPopulate(c, argv);
  else if (sub === "protocol" && n === 3) debugProtocol(c, str(argv[2]!).toLowerCase());
  else if (sub === "log" && n === 3) {
    c.server.log("warning", `DEBUG LOG: ${str(argv[2]!)}`);
    c.w.ok();
  } else if (sub === "change-repl-id" && n === 2) {
    changeReplId(c.server);
    c.w.ok();
  }
  else if (sub === "panic" && n === 2) {
    // Valkey's serverPanic: the server dies on the spot (in cluster mode the parent then stops every shard).
    c.server.log("warning", `DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`);
    setImmediate(() => {
      throw new Error("DEBUG PANIC");
    });
  }
  else throw unknownSubcommandOrWrongArity("debug", str(argv[1]!));
}

/**
 * Valkey sizes the keyspace for the whole count first (dbExpand) and fails when that allocation does; here the
 * count is weighed against the memory left (the V8 heap's limit on Node, the machine's on Bun) at this many bytes a
 * key, about what a small string key costs either runtime, so that a count no heap can hold fails up front instead
 * of running the process out of memory halfway.
 */
const POPULATE_KEY_BYTES = 150;

// DEBUG POPULATE count [prefix] [size]: keys <prefix>:0 .. <prefix>:<count-1> ("key" by default) holding
// "value:<j>", NUL-padded or cut to <size> bytes when given; keys that exist are left alone. Valkey's debug.c.
function debugPopulate(c: Client, argv: Buffer[]): void {
  const count = positiveInt(argv[2]!);
  const used = runtimeMemory();
  const room = isBun ? builtin("node:os").totalmem() - used.rss : builtin("node:v8").getHeapStatistics().heap_size_limit - used.heapUsed;
  if (count * POPULATE_KEY_BYTES > room) throw errorText("ERR OOM in dictTryExpand");
  const size = argv.length === 5 ? positiveInt(argv[4]!) : 0;
  // snprintf into a 128-byte buffer: the prefix ends at a NUL, the key at 127 bytes
  let prefix = argv.length >= 4 ? argv[3]! : Buffer.from("key");
  const nul = prefix.indexOf(0);
  if (nul >= 0) prefix = prefix.subarray(0, nul);
  const head = prefix.toString("latin1") + ":";
  const db = c.db;
  for (let j = 0; j < count; j++) {
    let key = head + j;
    if (key.length > 127) key = key.slice(0, 127);
    if (db.write(key) !== undefined) continue;
    const text = "value:" + j;
    let value: Buffer;
    if (size === 0) value = Buffer.from(text, "latin1");
    else {
      value = Buffer.alloc(size);
      value.write(text.length <= size ? text : text.slice(0, size), "latin1");
    }
    db.set(key, "string", value);
    // signalModifiedKey (WATCH, tracking, blocked clients); no keyspace event, as in Valkey
    db.changed(key, "", 0);
  }
  c.w.ok();
}

/** C's atoi: leading whitespace, optional sign, digits; anything else stops (or gives 0). */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

// DEBUG SLEEP seconds — blocks the whole server, as Valkey does.
function debugSleep(c: Client, arg: Buffer): void {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(str(arg));
  const seconds = m ? Number(m[0]) : 0;
  const ms = seconds * 1000;
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
  c.w.ok();
}

// DEBUG CLOCK GET | ADVANCE ms | SET ms   (valkey-bun: the store clock that drives expiry, for tests)
function debugClock(c: Client, argv: Buffer[]): void {
  const server = c.server;
  if (!server.config.testClock) {
    throw errorText("ERR DEBUG CLOCK is disabled: start the server with --test-clock to move its clock");
  }
  const op = token(argv[2]!);
  if (op === "get" && argv.length === 3) {
    c.w.integer(server.clock.now());
    return;
  }
  if ((op === "advance" || op === "set") && argv.length === 4) {
    const ms = parseI64(argv[3]!);
    if (ms === null || !Number.isSafeInteger(ms)) throw E.notInteger;
    if (op === "advance") server.clock.advance(ms);
    else server.clock.set(ms);
    server.store.tick();
    c.w.ok();
    return;
  }
  throw unknownSubcommandOrWrongArity("debug", str(argv[1]!));
}

const PROTOCOL_TYPES = "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
const BIGNUM = "1234567999999999999999999999999999999";

// DEBUG PROTOCOL <type>: a sample reply of each RESP type, as client libraries' tests ask for (Valkey's debug.c,
// RESP2 fallbacks included)
function debugProtocol(c: Client, type: string): void {
  const w = c.w;
  const resp3 = w.proto === 3;
  switch (type) {
    case "string":
      return w.bulk("Hello World");
    case "integer":
      return w.integer(12345);
    case "double":
      return w.double(3.141);
    case "bignum":
      return resp3 ? w.raw(Buffer.from(`(${BIGNUM}\r\n`)) : w.bulk(BIGNUM);
    case "null":
      return w.null();
    case "array":
    case "set":
      if (type === "set") w.set(3);
      else w.array(3);
      for (let j = 0; j < 3; j++) w.integer(j);
      return;
    case "map":
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.integer(j);
        w.bool(j === 1);
      }
      return;
    case "attrib":
      if (resp3) {
        w.raw(Buffer.from("|1\r\n"));
        w.bulk("key-popularity");
        w.array(2);
        w.bulk("key:123");
        w.integer(90);
      }
      return w.bulk("Some real reply following the attribute");
    case "push":
      if (!resp3) throw errorText("ERR RESP2 is not supported by this command");
      // valkey-server 8 sends the reply first and the push after it
      w.bulk("Some real reply following the push reply");
      w.push(2);
      w.bulk("server-cpu-usage");
      return w.integer(42);
    case "verbatim":
      return w.verbatim("This is a verbatim\nstring");
    case "true":
    case "false":
      return w.bool(type === "true");
    default:
      throw errorText(`ERR Wrong protocol type name. Please use one of the following: ${PROTOCOL_TYPES}`);
  }
}

function debugHelp(c: Client): void {
  c.w.help("DEBUG", [
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CLOCK GET",
    "    Return the server clock (milliseconds) that drives key expiry.",
    "CLOCK ADVANCE <milliseconds>",
    "    Move the server clock forward (or back, when negative). Needs --test-clock.",
    "CLOCK SET <unix-time-milliseconds>",
    "    Set the server clock. Needs --test-clock.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
  ]);
}

// MEMORY USAGE key [SAMPLES count]
function memoryUsage(c: Client, argv: Buffer[]): void {
  let samples = 5;
  for (let i = 3; i < argv.length; i++) {
    if (token(argv[i]!) === "samples" && i + 1 < argv.length) {
      const v = parseI64(argv[i + 1]!);
      if (v === null) throw E.notInteger;
      if (v < 0) throw E.syntax;
      samples = v === 0 ? Infinity : v;
      i++;
    } else throw E.syntax;
  }
  const key = str(argv[2]!);
  const e = c.db.peek(key);
  if (e === undefined) {
    c.w.null();
    return;
  }
  c.w.integer(keyBytes(key, e.value, samples));
}

// MEMORY STATS: Valkey's fields in its order. Fields are listed first and the map's length taken from the list:
// a hand-counted length once said two fewer than were written, and a client read the rest as the replies to
// its next commands.
function memoryStats(c: Client): void {
  const server = c.server;
  const m = memoryFigures(server);
  let keys = 0;
  const dbs = server.store.dbs.filter((db) => db.keys.size > 0 || db.expires.size > 0);
  for (const db of dbs) keys += db.keys.size;
  const w = c.w;
  const fields: Array<[string, () => void]> = [];
  const int = (name: string, v: number) => fields.push([name, () => w.integer(Math.round(v))]);
  const dbl = (name: string, v: number) => fields.push([name, () => w.double(Number.isFinite(v) ? v : 0)]);
  int("peak.allocated", m.peak);
  int("total.allocated", m.used);
  int("startup.allocated", m.startup);
  int("replication.backlog", 0);
  int("clients.slaves", 0);
  int("clients.normal", m.clientsNormal);
  int("cluster.links", 0);
  int("aof.buffer", 0);
  int("lua.caches", 0);
  int("functions.caches", 0);
  for (const db of dbs) {
    fields.push([
      `db.${db.id}`,
      () => {
        w.map(2);
        w.bulk("overhead.hashtable.main");
        w.integer(db.keys.size * 24);
        w.bulk("overhead.hashtable.expires");
        w.integer(db.expires.size * 24);
      },
    ]);
  }
  int("overhead.db.hashtable.lut", 0);
  int("overhead.db.hashtable.rehashing", 0);
  int("overhead.total", m.overhead);
  int("db.dict.rehashing.count", 0);
  int("keys.count", keys);
  int("keys.bytes-per-key", keys === 0 ? 0 : Math.floor((m.used - m.startup) / keys));
  int("dataset.bytes", m.dataset);
  dbl("dataset.percentage", m.datasetPerc);
  dbl("peak.percentage", m.peakPerc);
  int("allocator.allocated", m.heap);
  int("allocator.active", m.active);
  int("allocator.resident", m.rss);
  int("allocator.muzzy", 0);
  dbl("allocator-fragmentation.ratio", m.active / m.heap);
  int("allocator-fragmentation.bytes", m.active - m.heap);
  dbl("allocator-rss.ratio", m.rss / m.active);
  int("allocator-rss.bytes", m.rss - m.active);
  // the process's RSS beside the allocator's resident bytes, which are RSS here
  dbl("rss-overhead.ratio", 1);
  int("rss-overhead.bytes", 0);
  dbl("fragmentation", m.rss / m.used);
  int("fragmentation.bytes", m.rss - m.used);
  w.map(fields.length);
  for (const [name, write] of fields) {
    w.bulk(name);
    write();
  }
}

// MEMORY DOCTOR
function memoryDoctor(c: Client): void {
  const used = memoryFigures(c.server).used;
  let text: string;
  if (used < 5 * 1024 * 1024) {
    text =
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  } else {
    // Valkey's text for an instance without memory issues, newline included.
    text = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  }
  c.w.verbatim(text);
}

// MEMORY PURGE
function memoryPurge(c: Client): void {
  collectGarbage();
  c.w.ok();
}

// MEMORY HELP
function memoryHelp(c: Client): void {
  c.w.help("MEMORY", [
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
  ]);
}
