// Streams: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM
// XGROUP XINFO, as Valkey 8 (t_stream.c) does them, including the order in which errors win.
//
// Signals follow Valkey: writes that Valkey signals as a key modification (XADD, XTRIM, XDEL, XGROUP CREATE
// MKSTREAM) go through db.changed; group metadata changes (XGROUP CREATE/SETID/CREATECONSUMER/DELCONSUMER,
// XSETID, XACK, XCLAIM, XREADGROUP) only emit their keyspace event and count as dirty, so they do not touch
// WATCH, exactly like Valkey. XGROUP DESTROY also wakes blocked XREADGROUP readers (db.keyReady).
//
// XREAD/XREADGROUP are split for the blocking module: parseRead() validates and resolves the request ($ to
// the current last ID), serveRead() looks for data and writes the reply, or writes nothing and returns false.

import type { Client } from "../client.js";
import { I64_MAX, parseI64, parseI64Big, str, token } from "../args.js";
import { E, errorText, ReplyError, unknownSubcommandOrWrongArity, wrongArity } from "../errors.js";
import type { ReplyWriter } from "../resp.js";
import { N } from "../store.js";
import {
  Consumer,
  Group,
  INVALID_READ,
  MAX_ID,
  Nack,
  Stream,
  U64_MAX,
  ZERO_ID,
  add,
  cmpID,
  decrID,
  formatID,
  idOf,
  incrID,
  norm,
  parseStreamID,
  sortedByName,
  type NodeLimits,
  type Num,
  type ParsedID,
  StreamEntry,
  type LoadedEntry,
  type MacroNode,
  type StreamID,
  type TrimStrategy,
} from "../structures/stream.js";
import type { CommandEntry } from "./types.js";
import { RDB_TYPE, RdbFormatError, listpackDecode, listpackEncode, registerDump, registerRestore } from "../dump.js";
import { registerType } from "../values.js";
import { block, canBlock } from "../blocking.js";

const stream = ["stream"];
/** One key at argv[1] (argv[2] for XGROUP/XINFO subcommands) with these key-spec flags. */
const key1 = (flags: string[]) => [{ begin: 1, flags }];
const key2 = (flags: string[]) => [{ begin: 2, flags }];

export const commands: CommandEntry[] = [
  { name: "xadd", arity: -5, flags: ["write", "denyoom", "fast"], acl: stream, keys: key1(["RW", "UPDATE"]), tips: ["nondeterministic_output"], since: "5.0.0", summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", run: xadd },
  { name: "xlen", arity: 2, flags: ["readonly", "fast"], acl: stream, keys: key1(["RO"]), since: "5.0.0", summary: "Return the number of messages in a stream.", run: xlen },
  { name: "xrange", arity: -4, flags: ["readonly"], acl: stream, keys: key1(["RO", "ACCESS"]), since: "5.0.0", summary: "Returns the messages from a stream within a range of IDs.", run: (c, a) => xrange(c, a, false) },
  { name: "xrevrange", arity: -4, flags: ["readonly"], acl: stream, keys: key1(["RO", "ACCESS"]), since: "5.0.0", summary: "Returns the messages from a stream within a range of IDs in reverse order.", run: (c, a) => xrange(c, a, true) },
  { name: "xdel", arity: -3, flags: ["write", "fast"], acl: stream, keys: key1(["RW", "DELETE"]), since: "5.0.0", summary: "Returns the number of messages after removing them from a stream.", run: xdel },
  { name: "xtrim", arity: -4, flags: ["write"], acl: stream, keys: key1(["RW", "DELETE"]), tips: ["nondeterministic_output"], since: "5.0.0", summary: "Deletes messages from the beginning of a stream.", run: xtrim },
  { name: "xsetid", arity: -3, flags: ["write", "denyoom", "fast"], acl: stream, keys: key1(["RW", "UPDATE"]), since: "5.0.0", summary: "An internal command for replicating stream values.", run: xsetid },
  {
    name: "xread",
    arity: -4,
    flags: ["blocking", "readonly"],
    acl: stream,
    keys: [{ begin: { keyword: "STREAMS", startfrom: 1 }, range: [-1, 1, 2], flags: ["RO", "ACCESS"] }],
    since: "5.0.0",
    summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.",
    run: (c, a) => xread(c, a, false),
  },
  {
    name: "xreadgroup",
    arity: -7,
    flags: ["blocking", "write"],
    acl: stream,
    keys: [{ begin: { keyword: "STREAMS", startfrom: 4 }, range: [-1, 1, 2], flags: ["RO", "ACCESS"] }],
    since: "5.0.0",
    summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
    run: (c, a) => xread(c, a, true),
  },
  { name: "xack", arity: -4, flags: ["write", "fast"], acl: stream, keys: key1(["RW", "UPDATE"]), since: "5.0.0", summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", run: xack },
  { name: "xpending", arity: -3, flags: ["readonly"], acl: stream, keys: key1(["RO", "ACCESS"]), tips: ["nondeterministic_output"], since: "5.0.0", summary: "Returns the information and entries from a stream consumer group's pending entries list.", run: xpending },
  { name: "xclaim", arity: -6, flags: ["write", "fast"], acl: stream, keys: key1(["RW", "UPDATE"]), tips: ["nondeterministic_output"], since: "5.0.0", summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", run: xclaim },
  { name: "xautoclaim", arity: -6, flags: ["write", "fast"], acl: stream, keys: key1(["RW", "DELETE"]), tips: ["nondeterministic_output"], since: "6.2.0", summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", run: xautoclaim },
  {
    name: "xgroup",
    arity: -2,
    flags: [],
    since: "5.0.0",
    summary: "A container for consumer groups commands.",
    subcommands: [
      { name: "create", arity: -5, flags: ["write", "denyoom"], acl: stream, keys: key2(["RW", "INSERT"]), since: "5.0.0", summary: "Creates a consumer group.", run: xgroup },
      { name: "setid", arity: -5, flags: ["write"], acl: stream, keys: key2(["RW", "UPDATE"]), since: "5.0.0", summary: "Sets the last-delivered ID of a consumer group.", run: xgroup },
      { name: "destroy", arity: 4, flags: ["write"], acl: stream, keys: key2(["RW", "DELETE"]), since: "5.0.0", summary: "Destroys a consumer group.", run: xgroup },
      { name: "createconsumer", arity: 5, flags: ["write", "denyoom"], acl: stream, keys: key2(["RW", "INSERT"]), since: "6.2.0", summary: "Creates a consumer in a consumer group.", run: xgroup },
      { name: "delconsumer", arity: 5, flags: ["write"], acl: stream, keys: key2(["RW", "DELETE"]), since: "5.0.0", summary: "Deletes a consumer from a consumer group.", run: xgroup },
      { name: "help", arity: 2, flags: ["loading", "stale"], acl: stream, since: "5.0.0", summary: "Returns helpful text about the different subcommands.", run: xgroup },
    ],
  },
  {
    name: "xinfo",
    arity: -2,
    flags: [],
    since: "5.0.0",
    summary: "A container for stream introspection commands.",
    subcommands: [
      { name: "consumers", arity: 4, flags: ["readonly"], acl: stream, keys: key2(["RO", "ACCESS"]), tips: ["nondeterministic_output"], since: "5.0.0", summary: "Returns a list of the consumers in a consumer group.", run: xinfo },
      { name: "groups", arity: 3, flags: ["readonly"], acl: stream, keys: key2(["RO", "ACCESS"]), since: "5.0.0", summary: "Returns a list of the consumer groups of a stream.", run: xinfo },
      { name: "stream", arity: -3, flags: ["readonly"], acl: stream, keys: key2(["RO", "ACCESS"]), since: "5.0.0", summary: "Returns information about a stream.", run: xinfo },
      { name: "help", arity: 2, flags: ["loading", "stale"], acl: stream, since: "5.0.0", summary: "Returns helpful text about the different subcommands.", run: xinfo },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Errors (Valkey's texts)

const ERR = {
  invalidId: errorText("ERR Invalid stream ID specified as stream command argument"),
  xaddZero: errorText("ERR The ID specified in XADD must be greater than 0-0"),
  xaddSmaller: errorText("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
  exhausted: errorText("ERR The stream has exhausted the last possible ID, unable to add more items"),
  tooLarge: errorText("ERR Elements are too large to be stored"),
  maxlenNegative: errorText("ERR The MAXLEN argument must be >= 0."),
  limitNegative: errorText("ERR The LIMIT argument must be >= 0."),
  twoStrategies: errorText("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"),
  limitNoStrategy: errorText("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"),
  xtrimNoStrategy: errorText("ERR syntax error, XTRIM must be called with a trimming strategy"),
  limitNoTilde: errorText("ERR syntax error, LIMIT cannot be used without the special ~ option"),
  startInterval: errorText("ERR invalid start ID for the interval"),
  endInterval: errorText("ERR invalid end ID for the interval"),
  timeoutNotInt: errorText("ERR timeout is not an integer or out of range"),
  timeoutRange: errorText("ERR timeout is out of range"),
  groupOnlyXreadgroup: errorText("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."),
  noackOnlyXreadgroup: errorText("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."),
  missingGroup: errorText("ERR Missing GROUP option for XREADGROUP"),
  dollarInGroup: errorText(
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
  ),
  plusInGroup: errorText(
    "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.",
  ),
  lastIsZero: errorText("ERR the stream last element ID is 0-0"),
  gtOutsideGroup: errorText("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."),
  xgroupNoKey: errorText(
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
  ),
  entriesReadRange: errorText("ERR value for ENTRIESREAD must be positive or -1"),
  busyGroup: errorText("BUSYGROUP Consumer Group name already exists"),
  entriesAddedNegative: errorText("ERR entries_added must be positive"),
  setidBelowMaxDeletedArg: errorText("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"),
  setidBelowMaxDeleted: errorText("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"),
  setidBelowTop: errorText("ERR The ID specified in XSETID is smaller than the target stream top item"),
  setidEntriesAdded: errorText("ERR The entries_added specified in XSETID is smaller than the target stream length"),
  xclaimMinIdle: errorText("ERR Invalid min-idle-time argument for XCLAIM"),
  xclaimIdle: errorText("ERR Invalid IDLE option argument for XCLAIM"),
  xclaimTime: errorText("ERR Invalid TIME option argument for XCLAIM"),
  xclaimRetry: errorText("ERR Invalid RETRYCOUNT option argument for XCLAIM"),
  xautoclaimMinIdle: errorText("ERR Invalid min-idle-time argument for XAUTOCLAIM"),
  xautoclaimCount: errorText("ERR COUNT must be > 0"),
};

function noGroup(key: string, group: string, suffix = ""): ReplyError {
  return errorText(`NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`);
}

function noGroupForKey(group: string, key: string): ReplyError {
  return errorText(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** Valkey's addReplySubcommandSyntaxError. */
function subSyntax(argv: Buffer[]): ReplyError {
  return unknownSubcommandOrWrongArity(str(argv[0]!), str(argv[1]!).slice(0, 128));
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

/** getLongLongFromObjectOrReply: an int64 (as a number), or the given error. */
function longLong(b: Buffer, err: ReplyError = E.notInteger): number {
  const v = parseI64(b);
  if (v === null) throw err;
  return v;
}

/** An int64 argument kept exactly (stored and shown back: ENTRIESREAD, ENTRIESADDED, RETRYCOUNT). */
function exactLongLong(b: Buffer, err: ReplyError = E.notInteger): Num {
  const v = parseI64Big(b);
  if (v === null) throw err;
  return norm(v);
}

/** Strict ID (no `-`/`+`), or "Invalid stream ID". */
function strictId(b: Buffer, missingSeq: Num = 0): ParsedID {
  const id = parseStreamID(str(b), missingSeq, true);
  if (id === null) throw ERR.invalidId;
  return id;
}

/** Valkey's streamParseIntervalIDOrReply: `(` makes the bound exclusive (and refuses `-`/`+` after it). */
function intervalId(b: Buffer, missingSeq: Num): [StreamID, boolean] {
  const s = str(b);
  const exclusive = s.length > 1 && s[0] === "(";
  const id = exclusive ? parseStreamID(s.slice(1), missingSeq, true) : parseStreamID(s, missingSeq, false);
  if (id === null) throw ERR.invalidId;
  return [id, exclusive];
}

function rangeStart(b: Buffer): StreamID {
  const [id, ex] = intervalId(b, 0);
  if (!ex) return id;
  const next = incrID(id);
  if (next === null) throw ERR.startInterval;
  return next;
}

function rangeEnd(b: Buffer): StreamID {
  const [id, ex] = intervalId(b, U64_MAX);
  if (!ex) return id;
  const prev = decrID(id);
  if (prev === null) throw ERR.endInterval;
  return prev;
}

/** The bytes before the first NUL, as C's strcmp sees an argument. */
function cstr(b: Buffer): string {
  const i = b.indexOf(0);
  return b.toString("latin1", 0, i >= 0 ? i : b.length);
}

function nodeLimits(c: Client): NodeLimits {
  return { maxBytes: Number(c.server.param("stream-node-max-bytes")), maxEntries: Number(c.server.param("stream-node-max-entries")) };
}

function dirty(c: Client, n = 1): void {
  c.server.store.dirty += n;
}

function writeId(w: ReplyWriter, id: StreamID): void {
  w.bulk(formatID(id));
}

function writeEntry(w: ReplyWriter, e: StreamEntry): void {
  w.array(2);
  w.bulk(formatID(e));
  w.array(e.size);
  e.writeTo(w);
}

/**
 * The entries of a range as an array, each written as the walk reaches it (then `each`, if given), the count put
 * in front after: no array of the entries (see Stream.rangeEach), and no counting walk first (which cost XREAD
 * COUNT 10 ~10%).
 */
function writeRange(w: ReplyWriter, s: Stream, start: StreamID, end: StreamID, rev: boolean, count: number, each?: (e: StreamEntry) => void): void {
  const mark = w.mark();
  let n = 0;
  s.rangeEach(start, end, rev, count, (e) => {
    writeEntry(w, e);
    n++;
    if (each !== undefined) each(e);
  });
  w.insertArray(mark, n);
}

function writeEntries(w: ReplyWriter, es: StreamEntry[]): void {
  w.array(es.length);
  for (const e of es) writeEntry(w, e);
}

/** A PEL entry whose message is gone: [id, null array]. */
type Missing = { missing: StreamID };
type ReadItem = StreamEntry | Missing;

function writeItems(w: ReplyWriter, items: ReadItem[]): void {
  w.array(items.length);
  for (const it of items) {
    if ("missing" in it) {
      w.array(2);
      writeId(w, it.missing);
      w.nullArray();
    } else writeEntry(w, it);
  }
}

function writeHelp(c: Client, argv: Buffer[], lines: string[]): void {
  c.w.help(str(argv[0]!).toUpperCase(), lines);
}

/** streamCreateConsumer: a new consumer signals xgroup-createconsumer and counts as a change. */
function createConsumer(c: Client, key: string, g: Group, name: string): Consumer {
  const consumer = new Consumer(name, c.server.store.now);
  g.consumers.set(name, consumer);
  dirty(c);
  c.db.notify("xgroup-createconsumer", key, N.STREAM);
  return consumer;
}

function lookupOrCreateConsumer(c: Client, key: string, g: Group, name: string): Consumer {
  return g.consumers.get(name) ?? createConsumer(c, key, g, name);
}

/** Drop a NACK from the group PEL and its owner's PEL. */
function dropNack(g: Group, id: StreamID, nack: Nack): void {
  g.pel.delete(id);
  nack.consumer?.pel.delete(id);
}

// ---------------------------------------------------------------------------------------------------------
// XADD / XTRIM

interface AddTrimArgs {
  strategy: TrimStrategy | null;
  approx: boolean;
  /** Entries the trim may remove at most (0 = no limit). */
  limit: number;
  noMkstream: boolean;
  /** XADD: index of the ID argument; the explicit ID (null for `*`). */
  idPos: number;
  id: ParsedID | null;
}

/** Valkey's streamParseAddOrTrimArgsOrReply. */
function parseAddTrim(c: Client, argv: Buffer[], isXadd: boolean): AddTrimArgs {
  const a: AddTrimArgs = { strategy: null, approx: false, limit: 0, noMkstream: false, idPos: argv.length, id: null };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const arg = argv[i]!;
    if (isXadd && arg.length === 1 && arg[0] === 42) break; // "*"
    const opt = token(arg);
    if ((opt === "maxlen" || opt === "minid") && more) {
      if (a.strategy !== null) throw ERR.twoStrategies;
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next.length === 1 && (next[0] === 126 || next[0] === 61)) {
        a.approx = next[0] === 126; // "~"
        i++;
      }
      if (opt === "maxlen") {
        const maxlen = longLong(argv[i + 1]!);
        if (maxlen < 0) throw ERR.maxlenNegative;
        a.strategy = { kind: "maxlen", maxlen };
      } else {
        a.strategy = { kind: "minid", minid: strictId(argv[i + 1]!) };
      }
      i++;
    } else if (opt === "limit" && more) {
      a.limit = longLong(argv[i + 1]!);
      if (a.limit < 0) throw ERR.limitNegative;
      limitGiven = true;
      i++;
    } else if (isXadd && opt === "nomkstream") {
      a.noMkstream = true;
    } else if (isXadd) {
      const id = parseStreamID(str(arg), 0, true, true);
      if (id === null) throw ERR.invalidId;
      a.id = id;
      break;
    } else {
      throw E.syntax;
    }
  }
  a.idPos = i;
  if (a.limit && a.strategy === null) throw ERR.limitNoStrategy;
  if (!isXadd && a.strategy === null) throw ERR.xtrimNoStrategy;
  if (limitGiven) {
    if (!a.approx) throw ERR.limitNoTilde;
  } else if (a.approx) {
    let limit = 100 * nodeLimits(c).maxEntries;
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a.limit = limit;
  } else a.limit = 0;
  return a;
}

// XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]
function xadd(c: Client, argv: Buffer[]): void {
  const a = parseAddTrim(c, argv, true);
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) throw wrongArity("xadd");
  const given = a.id;
  if (given !== null && given.seqGiven && given.ms === 0 && given.seq === 0) throw ERR.xaddZero;
  const key = str(argv[1]!);
  let s = c.db.writeAs(key, "stream") as Stream | undefined;
  if (s === undefined && a.noMkstream) {
    c.w.null();
    return;
  }
  const last = s?.lastId ?? ZERO_ID;
  if (last.ms === U64_MAX && last.seq === U64_MAX) throw ERR.exhausted;
  let id: StreamID;
  if (given === null) id = s !== undefined ? s.nextId(c.server.store.now) : { ms: c.server.store.now, seq: 0 };
  else if (given.seqGiven) id = idOf(given);
  else if (last.ms === given.ms) {
    if (last.seq === U64_MAX) throw ERR.xaddSmaller;
    id = incrID(last)!;
  } else id = { ms: given.ms, seq: 0 };
  if (cmpID(id, last) <= 0) throw ERR.xaddSmaller;
  let total = 0;
  for (let i = 0; i < nfv; i++) total += argv[fieldPos + i]!.length;
  if (total > 1 << 30) throw ERR.tooLarge;
  // Views of the request: the entry copies what it keeps (Stream.append).
  const fv = argv.slice(fieldPos);
  if (s === undefined) {
    s = new Stream();
    c.db.set(key, "stream", s);
  }
  const limits = nodeLimits(c);
  s.append(id, fv, limits);
  c.w.bulk(formatID(id));
  c.db.changed(key, "xadd", N.STREAM);
  if (a.strategy !== null && s.trim(a.strategy, a.approx, a.limit) > 0) c.db.notify("xtrim", key, N.STREAM);
}

// XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]
function xtrim(c: Client, argv: Buffer[]): void {
  const a = parseAddTrim(c, argv, false);
  const key = str(argv[1]!);
  const s = c.db.writeAs(key, "stream") as Stream | undefined;
  if (s === undefined) {
    c.w.integer(0);
    return;
  }
  const deleted = s.trim(a.strategy!, a.approx, a.limit);
  if (deleted > 0) {
    c.db.changed(key, "xtrim", N.STREAM);
    dirty(c, deleted - 1);
  }
  c.w.integer(deleted);
}

// XLEN key
function xlen(c: Client, argv: Buffer[]): void {
  const s = c.db.readAs(str(argv[1]!), "stream") as Stream | undefined;
  c.w.integer(s === undefined ? 0 : s.length);
}

// XRANGE key start end [COUNT count]   /   XREVRANGE key end start [COUNT count]
function xrange(c: Client, argv: Buffer[], rev: boolean): void {
  const start = rangeStart(rev ? argv[3]! : argv[2]!);
  const end = rangeEnd(rev ? argv[2]! : argv[3]!);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (token(argv[j]!) === "count" && j + 1 < argv.length) {
      count = longLong(argv[j + 1]!);
      if (count < 0) count = 0;
      j++;
    } else throw E.syntax;
  }
  const s = c.db.readAs(str(argv[1]!), "stream") as Stream | undefined;
  if (s === undefined) c.w.array(0);
  else if (count === 0) c.w.nullArray();
  else writeRange(c.w, s, start, end, rev, count === -1 ? 0 : count);
}

// XDEL key id [id ...]
function xdel(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const s = c.db.writeAs(key, "stream") as Stream | undefined;
  if (s === undefined) {
    c.w.integer(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(strictId(argv[j]!));
  const deleted = s.deleteIds(ids);
  if (deleted > 0) {
    c.db.changed(key, "xdel", N.STREAM);
    dirty(c, deleted - 1);
  }
  c.w.integer(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
function xsetid(c: Client, argv: Buffer[]): void {
  const id = strictId(argv[2]!);
  let entriesAdded: Num = -1;
  let maxDeleted: StreamID = ZERO_ID;
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i;
    const opt = token(argv[i]!);
    if (opt === "entriesadded" && more) {
      entriesAdded = exactLongLong(argv[i + 1]!);
      if (entriesAdded < 0) throw ERR.entriesAddedNegative;
    } else if (opt === "maxdeletedid" && more) {
      maxDeleted = strictId(argv[i + 1]!);
      if (cmpID(id, maxDeleted) < 0) throw ERR.setidBelowMaxDeletedArg;
    } else throw E.syntax;
  }
  const key = str(argv[1]!);
  const s = c.db.writeAs(key, "stream") as Stream | undefined;
  if (s === undefined) throw E.noSuchKey;
  if (cmpID(id, s.maxDeletedId) < 0) throw ERR.setidBelowMaxDeleted;
  if (s.length > 0) {
    if (cmpID(id, s.lastValid()!) < 0) throw ERR.setidBelowTop;
    if (entriesAdded !== -1 && s.length > entriesAdded) throw ERR.setidEntriesAdded;
  }
  s.lastId = idOf(id);
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted.ms !== 0 || maxDeleted.seq !== 0) s.maxDeletedId = idOf(maxDeleted);
  c.w.ok();
  dirty(c);
  c.db.notify("xsetid", key, N.STREAM);
}

// ---------------------------------------------------------------------------------------------------------
// XREAD / XREADGROUP

/** Per stream: an ID (entries must be greater), `>` (new messages for the group) or `+` (the last entry). */
export type ReadFrom = StreamID | "new" | "last";

export interface ReadRequest {
  /** XREADGROUP group and consumer, null for XREAD. */
  group: string | null;
  consumer: string | null;
  noack: boolean;
  /** Max entries per stream, 0 = all. */
  count: number;
  /** -1 without BLOCK, 0 = block forever, else the deadline in store-clock ms. */
  timeout: number;
  keys: string[];
  from: ReadFrom[];
}

/** getTimeoutFromObjectOrReply(UNIT_MILLISECONDS): the absolute deadline, 0 for "forever". */
function blockDeadline(c: Client, b: Buffer): number {
  const v = parseI64Big(b);
  if (v === null) throw ERR.timeoutNotInt;
  if (v < 0n) throw E.timeoutNegative;
  if (v === 0n) return 0;
  const now = BigInt(c.server.store.now);
  if (v > I64_MAX - now) throw ERR.timeoutRange;
  return Number(v + now);
}

/**
 * Parse and validate XREAD / XREADGROUP (argument order and error precedence as Valkey's xreadCommand):
 * options, then per stream the type, the group, and the ID. `$` is resolved here to the stream's current
 * last ID, so a blocked reader keeps waiting for entries after that point.
 */
export function parseRead(c: Client, argv: Buffer[], isGroup: boolean): ReadRequest {
  const req: ReadRequest = { group: null, consumer: null, noack: false, count: 0, timeout: -1, keys: [], from: [] };
  let streamsArg = 0;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = token(argv[i]!);
    if (opt === "block" && more) {
      req.timeout = blockDeadline(c, argv[++i]!);
    } else if (opt === "count" && more) {
      req.count = Math.max(0, longLong(argv[++i]!));
    } else if (opt === "streams" && more) {
      streamsArg = i + 1;
      n = argv.length - streamsArg;
      if (n % 2 !== 0) {
        throw errorText(
          `ERR Unbalanced '${isGroup ? "xreadgroup" : "xread"}' list of streams: for each stream key an ID or '${isGroup ? ">" : "$"}' must be specified.`,
        );
      }
      n /= 2;
      break;
    } else if (opt === "group" && more >= 2) {
      if (!isGroup) throw ERR.groupOnlyXreadgroup;
      req.group = str(argv[i + 1]!);
      req.consumer = str(argv[i + 2]!);
      i += 2;
    } else if (opt === "noack") {
      if (!isGroup) throw ERR.noackOnlyXreadgroup;
      req.noack = true;
    } else throw E.syntax;
  }
  if (streamsArg === 0) throw E.syntax;
  if (isGroup && req.group === null) throw ERR.missingGroup;
  for (let k = 0; k < n; k++) {
    const key = str(argv[streamsArg + k]!);
    const arg = argv[streamsArg + n + k]!;
    const s = c.db.readAs(key, "stream") as Stream | undefined;
    if (req.group !== null && (s === undefined || !s.groups.has(req.group))) {
      throw noGroup(key, req.group, " in XREADGROUP with GROUP option");
    }
    req.keys.push(key);
    const special = cstr(arg);
    if (special === "$") {
      if (isGroup) throw ERR.dollarInGroup;
      req.from.push(s !== undefined ? s.lastId : ZERO_ID);
    } else if (special === "+") {
      if (isGroup) throw ERR.plusInGroup;
      if (s !== undefined && decrID(s.lastId) === null) throw ERR.lastIsZero;
      req.from.push("last");
    } else if (special === ">") {
      if (!isGroup) throw ERR.gtOutsideGroup;
      req.from.push("new");
    } else {
      const id = strictId(arg);
      // Valkey marks ">" as the maximal ID, so that ID given explicitly reads new messages too
      req.from.push(isGroup && id.ms === U64_MAX && id.seq === U64_MAX ? "new" : idOf(id));
    }
  }
  return req;
}

/**
 * Look for data for a parsed read. When at least one stream has something to return, write the reply and
 * return true; otherwise write nothing and return false (the caller times out or blocks). For XREADGROUP
 * this applies the group side effects (consumer creation and seen-time, PEL, last-delivered-id) as Valkey
 * does, and throws NOGROUP if the stream or group vanished since parseRead (a woken reader).
 */
export function serveRead(c: Client, req: ReadRequest): boolean {
  const now = c.server.store.now;
  // First which streams have something to serve (the reply's length) and, for a group, each stream's consumer;
  // then each stream's entries written as they are read, no array of them (an XREAD of a whole stream).
  const n = req.keys.length;
  const starts: Array<StreamID | undefined> = new Array(n);
  const streams: Stream[] = new Array(n);
  const consumers: Consumer[] | null = req.group === null ? null : new Array(n);
  let served = 0;
  for (let k = 0; k < n; k++) {
    const key = req.keys[k]!;
    const s = c.db.readAs(key, "stream") as Stream | undefined;
    const from = req.from[k]!;
    let gt: StreamID | null = null;
    if (req.group === null) {
      if (s === undefined || s.length === 0) continue;
      gt = from === "last" ? (decrID(s.lastId) ?? ZERO_ID) : (from as StreamID);
      if (cmpID(s.lastValid()!, gt) <= 0) continue;
    } else {
      const g = s?.groups.get(req.group);
      if (s === undefined || g === undefined) throw noGroup(key, req.group, " in XREADGROUP with GROUP option");
      if (from !== "new") gt = from as StreamID;
      else if (s.length > 0 && cmpID(s.lastValid()!, g.lastId) > 0) gt = g.lastId;
      const consumer = lookupOrCreateConsumer(c, key, g, req.consumer!);
      consumer.seenTime = now;
      consumers![k] = consumer;
      if (gt === null) continue;
    }
    starts[k] = incrID(gt) ?? ZERO_ID;
    streams[k] = s;
    served++;
  }
  if (served === 0) return false;
  const w = c.w;
  // RESP3: a map stream -> entries; RESP2: an array of [stream, entries] pairs
  if (w.proto === 3) w.map(served);
  else w.array(served);
  for (let k = 0; k < n; k++) {
    const start = starts[k];
    if (start === undefined) continue;
    const s = streams[k]!;
    if (w.proto === 2) w.array(2);
    w.bulk(req.keys[k]!);
    if (req.group === null) {
      writeRange(w, s, start, MAX_ID, false, req.count);
      continue;
    }
    if (req.from[k] !== "new") writeItems(w, readHistory(s, consumers![k]!, start, req.count, now));
    else deliverNew(w, s, s.groups.get(req.group)!, consumers![k]!, start, req, now);
    dirty(c);
  }
  return true;
}

/** The consumer's own pending entries from `start` (redelivered: time and count updated). */
function readHistory(s: Stream, consumer: Consumer, start: StreamID, count: number, now: number): ReadItem[] {
  const out: ReadItem[] = [];
  for (const [id, nack] of consumer.pel.from(start, count)) {
    const e = s.get(id);
    if (e === undefined) out.push({ missing: id });
    else {
      out.push(e);
      nack.deliveryTime = now;
      nack.deliveryCount = add(nack.deliveryCount, 1);
    }
  }
  return out;
}

/** Entries after the group's last-delivered ID, written and recorded in the PEL unless NOACK. */
function deliverNew(w: ReplyWriter, s: Stream, g: Group, consumer: Consumer, start: StreamID, req: ReadRequest, now: number): void {
  writeRange(w, s, start, MAX_ID, false, req.count, (e) => {
    const id = idOf(e);
    if (cmpID(id, g.lastId) > 0) {
      if (g.entriesRead !== INVALID_READ && !s.hasTombstonesFrom(id)) g.entriesRead = add(g.entriesRead, 1);
      else if (s.entriesAdded !== 0) g.entriesRead = s.estimateDistance(id);
      g.lastId = id;
    }
    if (req.noack) return;
    const nack = g.pel.get(id);
    if (nack === undefined) {
      const created = new Nack(id, now, 1);
      created.consumer = consumer;
      g.pel.set(id, created);
      consumer.pel.set(id, created);
    } else {
      nack.consumer?.pel.delete(id);
      nack.consumer = consumer;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
      consumer.pel.set(id, nack);
    }
    consumer.activeTime = now;
  });
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
function xread(c: Client, argv: Buffer[], isGroup: boolean): void {
  // A woken XREADGROUP whose stream was deleted, flushed, swapped or moved away is simply re-run: Valkey 8
  // then replies NOGROUP (or WRONGTYPE), not Redis 7.0's "UNBLOCKED the stream key no longer exists".
  const req = parseRead(c, argv, isGroup);
  if (serveRead(c, req)) return;
  if (req.timeout !== -1 && canBlock(c)) {
    // Park with `$` resolved to the ID it meant now: a woken XREAD must not re-resolve it.
    const saved = argv.slice();
    const streams = saved.length - req.keys.length * 2;
    for (let k = 0; k < req.keys.length; k++) {
      const from = req.from[k]!;
      if (typeof from !== "string") saved[streams + req.keys.length + k] = Buffer.from(formatID(from));
    }
    const ms = req.timeout === 0 ? 0 : Math.max(1, req.timeout - c.server.store.now);
    block(c, saved, req.keys, ms, { type: "stream", timeoutReply: "nullArray", wakeOnDelete: isGroup });
    return;
  }
  c.w.nullArray();
}

// ---------------------------------------------------------------------------------------------------------
// Consumer groups

// XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]
// XGROUP SETID key group <id | $> [ENTRIESREAD entries-read]
// XGROUP DESTROY key group
// XGROUP CREATECONSUMER key group consumer
// XGROUP DELCONSUMER key group consumer
// XGROUP HELP
function xgroup(c: Client, argv: Buffer[]): void {
  const sub = token(argv[1]!);
  const argc = argv.length;
  let s: Stream | undefined;
  let key = "";
  let name = "";
  let g: Group | undefined;
  let mkstream = false;
  let entriesRead: Num = INVALID_READ;
  if (argc >= 4) {
    const create = sub === "create";
    const setid = sub === "setid";
    for (let i = 5; i < argc; ) {
      const opt = token(argv[i]!);
      if (create && opt === "mkstream") {
        mkstream = true;
        i++;
      } else if ((create || setid) && opt === "entriesread" && i + 1 < argc) {
        entriesRead = exactLongLong(argv[i + 1]!);
        if (entriesRead < 0 && entriesRead !== INVALID_READ) throw ERR.entriesReadRange;
        i += 2;
      } else throw subSyntax(argv);
    }
    key = str(argv[2]!);
    s = c.db.writeAs(key, "stream") as Stream | undefined;
    name = str(argv[3]!);
  }
  if (argc >= 4 && !mkstream) {
    if (s === undefined) throw ERR.xgroupNoKey;
    g = s.groups.get(name);
    if (g === undefined && (sub === "setid" || sub === "createconsumer" || sub === "delconsumer")) throw noGroupForKey(name, key);
  }
  if (argc === 2 && sub === "help") {
    writeHelp(c, argv, [
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
    ]);
  } else if (sub === "create" && argc >= 5 && argc <= 8) {
    const id = cstr(argv[4]!) === "$" ? (s?.lastId ?? ZERO_ID) : idOf(strictId(argv[4]!));
    let created = false;
    if (s === undefined) {
      s = new Stream();
      c.db.set(key, "stream", s);
      created = true;
    }
    if (s.groups.has(name)) throw ERR.busyGroup;
    s.groups.set(name, new Group(name, id, entriesRead));
    c.w.ok();
    if (created) c.db.changed(key, "xgroup-create", N.STREAM);
    else {
      dirty(c);
      c.db.notify("xgroup-create", key, N.STREAM);
    }
  } else if (sub === "setid" && (argc === 5 || argc === 7)) {
    let id: StreamID;
    if (cstr(argv[4]!) === "$") id = s!.lastId;
    else {
      const parsed = parseStreamID(str(argv[4]!), 0, false);
      if (parsed === null) throw ERR.invalidId;
      id = idOf(parsed);
    }
    g!.lastId = id;
    g!.entriesRead = entriesRead;
    c.w.ok();
    dirty(c);
    c.db.notify("xgroup-setid", key, N.STREAM);
  } else if (sub === "destroy" && argc === 4) {
    if (g === undefined) {
      c.w.integer(0);
      return;
    }
    s!.groups.delete(name);
    c.w.integer(1);
    dirty(c);
    c.db.notify("xgroup-destroy", key, N.STREAM);
    c.db.keyReady(key);
  } else if (sub === "createconsumer" && argc === 5) {
    const cname = str(argv[4]!);
    if (g!.consumers.has(cname)) c.w.integer(0);
    else {
      createConsumer(c, key, g!, cname);
      c.w.integer(1);
    }
  } else if (sub === "delconsumer" && argc === 5) {
    const consumer = g!.consumers.get(str(argv[4]!));
    let pending = 0;
    if (consumer !== undefined) {
      pending = consumer.pel.size;
      for (const nack of consumer.pel.values()) g!.pel.delete(nack.id);
      g!.consumers.delete(consumer.name);
      dirty(c);
      c.db.notify("xgroup-delconsumer", key, N.STREAM);
    }
    c.w.integer(pending);
  } else throw subSyntax(argv);
}

// XACK key group id [id ...]
function xack(c: Client, argv: Buffer[]): void {
  const s = c.db.readAs(str(argv[1]!), "stream") as Stream | undefined;
  const g = s?.groups.get(str(argv[2]!));
  if (g === undefined) {
    c.w.integer(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(strictId(argv[j]!));
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    dropNack(g, id, nack);
    acked++;
  }
  dirty(c, acked);
  c.w.integer(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
function xpending(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) throw E.syntax;
  let minIdle = 0;
  let count = 0;
  let start: StreamID = ZERO_ID;
  let end: StreamID = MAX_ID;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let at = 3;
    if (token(argv[3]!) === "idle") {
      minIdle = longLong(argv[4]!);
      if (argc < 8) throw E.syntax;
      at += 2;
    }
    count = Math.max(0, longLong(argv[at + 2]!));
    start = rangeStart(argv[at]!);
    end = rangeEnd(argv[at + 1]!);
    if (at + 3 < argc) consumerName = str(argv[at + 3]!);
  }
  const key = str(argv[1]!);
  const group = str(argv[2]!);
  const s = c.db.readAs(key, "stream") as Stream | undefined;
  const g = s?.groups.get(group);
  if (g === undefined) throw noGroup(key, group);
  const w = c.w;
  if (argc === 3) {
    w.array(4);
    w.integer(g.pel.size);
    if (g.pel.size === 0) {
      w.null();
      w.null();
      w.nullArray();
      return;
    }
    writeId(w, g.pel.first()!);
    writeId(w, g.pel.last()!);
    const owners = sortedByName(g.consumers).filter(([, cons]) => cons.pel.size > 0);
    w.array(owners.length);
    for (const [cname, cons] of owners) {
      w.array(2);
      w.bulk(cname);
      w.bulk(String(cons.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const cons = g.consumers.get(consumerName);
    if (cons === undefined) {
      w.array(0);
      return;
    }
    pel = cons.pel;
  }
  const now = c.server.store.now;
  const rows: Array<[StreamID, Nack]> = [];
  if (count > 0) {
    pel.scan(start, (id, nack) => {
      if (cmpID(id, end) > 0) return false;
      if (minIdle && now - nack.deliveryTime < minIdle) return true;
      rows.push([id, nack]);
      return --count > 0;
    });
  }
  w.array(rows.length);
  for (const [id, nack] of rows) {
    w.array(4);
    writeId(w, id);
    w.bulk(nack.consumer!.name);
    w.integer(Math.max(0, now - nack.deliveryTime));
    w.integer(nack.deliveryCount);
  }
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//   [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
function xclaim(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const s = c.db.readAs(key, "stream") as Stream | undefined;
  const g = s?.groups.get(str(argv[2]!));
  if (s === undefined || g === undefined) throw noGroup(key, str(argv[2]!));
  const minIdle = Math.max(0, longLong(argv[4]!, ERR.xclaimMinIdle));
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStreamID(str(argv[j]!), 0, true);
    if (id === null) break;
    ids.push(idOf(id));
  }
  const now = c.server.store.now;
  let retryCount: Num = -1;
  let deliveryTime = -1;
  let force = false;
  let justId = false;
  let lastId: StreamID = ZERO_ID;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = token(argv[j]!);
    if (opt === "force") force = true;
    else if (opt === "justid") justId = true;
    else if (opt === "idle" && more) deliveryTime = now - longLong(argv[++j]!, ERR.xclaimIdle);
    else if (opt === "time" && more) deliveryTime = longLong(argv[++j]!, ERR.xclaimTime);
    else if (opt === "retrycount" && more) retryCount = exactLongLong(argv[++j]!, ERR.xclaimRetry);
    else if (opt === "lastid" && more) lastId = idOf(strictId(argv[++j]!));
    else throw errorText(`ERR Unrecognized XCLAIM option '${str(argv[j]!)}'`);
  }
  if (cmpID(lastId, g.lastId) > 0) g.lastId = lastId;
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  const consumerName = str(argv[3]!);
  const consumer = lookupOrCreateConsumer(c, key, g, consumerName);
  consumer.seenTime = now;
  const claimed: Array<StreamEntry | StreamID> = [];
  let changes = 0;
  for (const id of ids) {
    let nack = g.pel.get(id);
    const e = s.get(id);
    if (e === undefined) {
      if (nack !== undefined) {
        dropNack(g, id, nack);
        changes++;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(id, now, 1);
      g.pel.set(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id);
    nack.deliveryTime = deliveryTime;
    if (retryCount !== -1) nack.deliveryCount = retryCount;
    else if (!justId) nack.deliveryCount = add(nack.deliveryCount, 1);
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    claimed.push(justId ? id : e);
    consumer.activeTime = now;
    changes++;
  }
  dirty(c, changes);
  const w = c.w;
  w.array(claimed.length);
  for (const x of claimed) {
    if (justId) writeId(w, x);
    else writeEntry(w, x as StreamEntry);
  }
}

const XAUTOCLAIM_MAX_COUNT = 576460752303423487; // LONG_MAX / 16

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
function xautoclaim(c: Client, argv: Buffer[]): void {
  const minIdle = Math.max(0, longLong(argv[4]!, ERR.xautoclaimMinIdle));
  const start = rangeStart(argv[5]!);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = token(argv[j]!);
    if (opt === "count" && more) {
      count = longLong(argv[++j]!, ERR.xautoclaimCount);
      if (count < 1 || count > XAUTOCLAIM_MAX_COUNT) throw ERR.xautoclaimCount;
    } else if (opt === "justid") justId = true;
    else throw E.syntax;
  }
  const key = str(argv[1]!);
  const s = c.db.readAs(key, "stream") as Stream | undefined;
  const g = s?.groups.get(str(argv[2]!));
  if (s === undefined || g === undefined) throw noGroup(key, str(argv[2]!));
  const now = c.server.store.now;
  const consumer = lookupOrCreateConsumer(c, key, g, str(argv[3]!));
  consumer.seenTime = now;
  let attempts = count * 10;
  const claimed: Array<StreamEntry | StreamID> = [];
  const deleted: StreamID[] = [];
  let cursor: StreamID = ZERO_ID;
  g.pel.scan(start, (id, nack) => {
    if (attempts-- === 0 || count === 0) {
      cursor = id;
      return false;
    }
    const e = s.get(id);
    if (e === undefined) {
      deleted.push(id);
      count--;
      return true;
    }
    if (minIdle && now - nack.deliveryTime < minIdle) return true;
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount = add(nack.deliveryCount, 1);
    if (nack.consumer !== consumer) {
      nack.consumer?.pel.delete(id);
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    claimed.push(justId ? id : e);
    count--;
    consumer.activeTime = now;
    return true;
  });
  for (const id of deleted) dropNack(g, id, g.pel.get(id)!);
  dirty(c, claimed.length + deleted.length);
  const w = c.w;
  w.array(3);
  writeId(w, cursor);
  w.array(claimed.length);
  for (const x of claimed) {
    if (justId) writeId(w, x);
    else writeEntry(w, x as StreamEntry);
  }
  w.array(deleted.length);
  for (const id of deleted) writeId(w, id);
}

// ---------------------------------------------------------------------------------------------------------
// XINFO

// XINFO STREAM key [FULL [COUNT count]]   /   XINFO GROUPS key   /   XINFO CONSUMERS key group   /   XINFO HELP
function xinfo(c: Client, argv: Buffer[]): void {
  const sub = token(argv[1]!);
  if (sub === "help") {
    writeHelp(c, argv, [
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
    ]);
    return;
  }
  const key = str(argv[2]!);
  const s = c.db.readAs(key, "stream") as Stream | undefined;
  if (s === undefined) throw E.noSuchKey;
  const w = c.w;
  if (sub === "consumers" && argv.length === 4) {
    const gname = str(argv[3]!);
    const g = s.groups.get(gname);
    if (g === undefined) throw noGroupForKey(gname, key);
    const now = c.server.store.now;
    const list = sortedByName(g.consumers);
    w.array(list.length);
    for (const [cname, cons] of list) {
      w.map(4);
      w.bulk("name");
      w.bulk(cname);
      w.bulk("pending");
      w.integer(cons.pel.size);
      w.bulk("idle");
      w.integer(Math.max(0, now - cons.seenTime));
      w.bulk("inactive");
      w.integer(cons.activeTime !== -1 ? now - cons.activeTime : -1);
    }
  } else if (sub === "groups" && argv.length === 3) {
    const list = sortedByName(s.groups);
    w.array(list.length);
    for (const [gname, g] of list) {
      w.map(6);
      w.bulk("name");
      w.bulk(gname);
      w.bulk("consumers");
      w.integer(g.consumers.size);
      w.bulk("pending");
      w.integer(g.pel.size);
      w.bulk("last-delivered-id");
      writeId(w, g.lastId);
      writeGroupCounters(w, s, g);
    }
  } else if (sub === "stream") {
    xinfoStream(c, s, argv);
  } else throw subSyntax(argv);
}

function writeGroupCounters(w: ReplyWriter, s: Stream, g: Group): void {
  w.bulk("entries-read");
  if (g.entriesRead !== INVALID_READ) w.integer(g.entriesRead);
  else w.null();
  w.bulk("lag");
  const lag = s.lag(g);
  if (lag === null) w.null();
  else w.integer(lag);
}

function xinfoStream(c: Client, s: Stream, argv: Buffer[]): void {
  const optc = argv.length - 3;
  let full = false;
  let count = 10;
  if (optc !== 0) {
    if (optc !== 1 && optc !== 3) throw subSyntax(argv);
    if (token(argv[3]!) !== "full") throw subSyntax(argv);
    if (optc === 3) {
      if (token(argv[4]!) !== "count") throw subSyntax(argv);
      count = longLong(argv[5]!);
      if (count < 0) count = 10;
    }
    full = true;
  }
  const w = c.w;
  w.map(full ? 9 : 10);
  w.bulk("length");
  w.integer(s.length);
  w.bulk("radix-tree-keys");
  w.integer(s.nodeCount);
  w.bulk("radix-tree-nodes");
  w.integer(s.raxNodes());
  w.bulk("last-generated-id");
  writeId(w, s.lastId);
  w.bulk("max-deleted-entry-id");
  writeId(w, s.maxDeletedId);
  w.bulk("entries-added");
  w.integer(s.entriesAdded);
  w.bulk("recorded-first-entry-id");
  writeId(w, s.firstId);
  if (!full) {
    w.bulk("groups");
    w.integer(s.groups.size);
    w.bulk("first-entry");
    const first = s.firstValid();
    if (first === undefined) w.null();
    else writeEntry(w, first);
    w.bulk("last-entry");
    const last = s.lastValid();
    if (last === undefined) w.null();
    else writeEntry(w, last);
    return;
  }
  w.bulk("entries");
  writeEntries(w, s.range(ZERO_ID, MAX_ID, false, count));
  w.bulk("groups");
  const groups = sortedByName(s.groups);
  w.array(groups.length);
  for (const [gname, g] of groups) {
    w.map(7);
    w.bulk("name");
    w.bulk(gname);
    w.bulk("last-delivered-id");
    writeId(w, g.lastId);
    writeGroupCounters(w, s, g);
    w.bulk("pel-count");
    w.integer(g.pel.size);
    w.bulk("pending");
    const pending = g.pel.from(ZERO_ID, count);
    w.array(pending.length);
    for (const [id, nack] of pending) {
      w.array(4);
      writeId(w, id);
      w.bulk(nack.consumer!.name);
      w.integer(nack.deliveryTime);
      w.integer(nack.deliveryCount);
    }
    w.bulk("consumers");
    const consumers = sortedByName(g.consumers);
    w.array(consumers.length);
    for (const [cname, cons] of consumers) {
      w.map(5);
      w.bulk("name");
      w.bulk(cname);
      w.bulk("seen-time");
      w.integer(cons.seenTime);
      w.bulk("active-time");
      w.integer(cons.activeTime);
      w.bulk("pel-count");
      w.integer(cons.pel.size);
      w.bulk("pending");
      const own = cons.pel.from(ZERO_ID, count);
      w.array(own.length);
      for (const [id, nack] of own) {
        w.array(3);
        writeId(w, id);
        w.integer(nack.deliveryTime);
        w.integer(nack.deliveryCount);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// COPY, DUMP / RESTORE (RDB_TYPE_STREAM_LISTPACKS_3; the older 1 and 2 load too)

registerType("stream", { clone: (s: Stream) => s.dup() });

const STREAM_ITEM_FLAG_DELETED = 1;
const STREAM_ITEM_FLAG_SAMEFIELDS = 2;

function streamKey(id: StreamID): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(BigInt(id.ms), 0);
  b.writeBigUInt64BE(BigInt(id.seq), 8);
  return b;
}

function readStreamKey(b: Buffer): StreamID {
  if (b.length !== 16) throw new RdbFormatError("stream node key is not 16 bytes");
  return { ms: norm(b.readBigUInt64BE(0)), seq: norm(b.readBigUInt64BE(8)) };
}

const numText = (v: Num) => String(v);

/** A macro node's listpack, laid out as t_stream.c builds it (master entry, then entries with ID deltas). */
function nodeListpack(node: MacroNode): Buffer {
  const { master, masterFields } = node;
  const items: Array<string | Buffer> = [String(node.live), String(node.deleted), String(masterFields.length), ...masterFields, "0"];
  for (let j = 0; j < node.count; j++) {
    const e = node.entry(j);
    const nf = e.fv.length >> 1;
    let same = nf === masterFields.length;
    for (let i = 0; same && i < nf; i++) same = e.fv[2 * i]!.equals(masterFields[i]!);
    const flags = (e.deleted ? STREAM_ITEM_FLAG_DELETED : 0) | (same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0);
    items.push(String(flags), numText(BigInt.asIntN(64, BigInt(e.ms) - BigInt(master.ms))), numText(BigInt.asIntN(64, BigInt(e.seq) - BigInt(master.seq))));
    if (same) for (let i = 1; i < e.fv.length; i += 2) items.push(e.fv[i]!);
    else {
      items.push(String(nf));
      for (const x of e.fv) items.push(x);
    }
    items.push(String(same ? nf + 3 : nf * 2 + 4));
  }
  return listpackEncode(items);
}

function lpInt(items: Buffer[], i: number): bigint {
  const b = items[i];
  if (b === undefined) throw new RdbFormatError("stream listpack truncated");
  const v = parseI64Big(b);
  if (v === null) throw new RdbFormatError("stream listpack integer expected");
  return v;
}

/** Entries of a macro node listpack (streamValidateListpackIntegrity's walk). */
function nodeEntries(master: StreamID, blob: Buffer): { fields: Buffer[]; entries: LoadedEntry[] } {
  const items = listpackDecode(blob);
  if (items.length === 0) throw new RdbFormatError("empty listpack inside stream");
  let p = 2;
  const nmaster = Number(lpInt(items, p++));
  if (nmaster < 0 || p + nmaster >= items.length) throw new RdbFormatError("bad stream master entry");
  const fields = items.slice(p, p + nmaster);
  p += nmaster;
  if (lpInt(items, p++) !== 0n) throw new RdbFormatError("bad stream master terminator");
  const entries: LoadedEntry[] = [];
  while (p < items.length) {
    const flags = Number(lpInt(items, p++));
    const ms = norm(BigInt.asUintN(64, BigInt(master.ms) + lpInt(items, p++)));
    const seq = norm(BigInt.asUintN(64, BigInt(master.seq) + lpInt(items, p++)));
    const fv: Buffer[] = [];
    if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
      for (const f of fields) {
        const v = items[p++];
        if (v === undefined) throw new RdbFormatError("stream entry truncated");
        fv.push(f, v);
      }
    } else {
      const nf = Number(lpInt(items, p++));
      if (nf < 0 || p + 2 * nf > items.length) throw new RdbFormatError("stream entry truncated");
      for (let i = 0; i < 2 * nf; i++) fv.push(items[p++]!);
    }
    p++; // lp-count
    if (p > items.length) throw new RdbFormatError("stream entry truncated");
    const e: LoadedEntry = { ms, seq, fv, deleted: (flags & STREAM_ITEM_FLAG_DELETED) !== 0 };
    if (entries.length > 0 && cmpID(entries[entries.length - 1]!, e) >= 0) throw new RdbFormatError("stream entries out of order");
    entries.push(e);
  }
  return { fields, entries };
}

registerDump("stream", (s: Stream, w) => {
  w.byte(RDB_TYPE.STREAM_LISTPACKS_3);
  const nodes = [...s.macroNodes()];
  w.len(nodes.length);
  for (const n of nodes) {
    w.string(streamKey(n.master));
    w.string(nodeListpack(n));
  }
  w.len(s.length);
  for (const id of [s.lastId, s.firstId, s.maxDeletedId]) {
    w.lenU64(id.ms);
    w.lenU64(id.seq);
  }
  w.lenU64(s.entriesAdded);
  const groups = sortedByName(s.groups);
  w.len(groups.length);
  for (const [name, g] of groups) {
    w.string(Buffer.from(name, "latin1"));
    w.lenU64(g.lastId.ms);
    w.lenU64(g.lastId.seq);
    w.lenU64(BigInt.asUintN(64, BigInt(g.entriesRead)));
    w.len(g.pel.size);
    for (const [id, nack] of g.pel.from(ZERO_ID)) {
      w.raw(streamKey(id));
      w.int64LE(BigInt(nack.deliveryTime));
      w.lenU64(nack.deliveryCount);
    }
    const consumers = sortedByName(g.consumers);
    w.len(consumers.length);
    for (const [cname, c] of consumers) {
      w.string(Buffer.from(cname, "latin1"));
      w.int64LE(BigInt(c.seenTime));
      w.int64LE(BigInt(c.activeTime));
      w.len(c.pel.size);
      for (const [id] of c.pel.from(ZERO_ID)) w.raw(streamKey(id));
    }
  }
});

registerRestore([RDB_TYPE.STREAM_LISTPACKS, RDB_TYPE.STREAM_LISTPACKS_2, RDB_TYPE.STREAM_LISTPACKS_3], (t, r) => {
  const s = new Stream();
  const nodes = r.len();
  let last: LoadedEntry | undefined;
  for (let i = 0; i < nodes; i++) {
    const master = readStreamKey(r.string());
    const blob = r.string();
    const { fields, entries } = nodeEntries(master, blob);
    if (entries.length > 0) {
      if (last !== undefined && cmpID(last, entries[0]!) >= 0) throw new RdbFormatError("stream nodes out of order");
      last = entries[entries.length - 1];
    }
    s.loadMacroNode(master, fields, entries, blob.length);
  }
  s.length = r.len();
  const readId = (): StreamID => ({ ms: r.lenU64(), seq: r.lenU64() });
  s.lastId = readId();
  if (t >= RDB_TYPE.STREAM_LISTPACKS_2) {
    s.firstId = readId();
    s.maxDeletedId = readId();
    s.entriesAdded = r.lenU64();
  } else {
    const first = s.firstValid();
    s.firstId = first === undefined ? ZERO_ID : { ms: first.ms, seq: first.seq };
    s.entriesAdded = s.length;
  }
  const ngroups = r.len();
  for (let i = 0; i < ngroups; i++) {
    const name = r.string().toString("latin1");
    const lastId = readId();
    let entriesRead: Num = INVALID_READ;
    if (t >= RDB_TYPE.STREAM_LISTPACKS_2) {
      const v = r.lenU64();
      entriesRead = typeof v === "bigint" ? norm(BigInt.asIntN(64, v)) : v;
    } else entriesRead = s.estimateDistance(lastId);
    if (s.groups.has(name)) throw new RdbFormatError("duplicated consumer group name");
    const g = new Group(name, lastId, entriesRead);
    s.groups.set(name, g);
    const npel = r.len();
    for (let j = 0; j < npel; j++) {
      const id = readStreamKey(r.raw(16));
      const deliveryTime = Number(r.int64LE());
      const count = r.lenU64();
      if (g.pel.get(id) !== undefined) throw new RdbFormatError("duplicated global PEL entry");
      g.pel.set(id, new Nack(id, deliveryTime, count));
    }
    const nconsumers = r.len();
    for (let j = 0; j < nconsumers; j++) {
      const cname = r.string().toString("latin1");
      const seen = Number(r.int64LE());
      const c = new Consumer(cname, seen);
      c.activeTime = t >= RDB_TYPE.STREAM_LISTPACKS_3 ? Number(r.int64LE()) : seen;
      const n = r.len();
      for (let k = 0; k < n; k++) {
        const id = readStreamKey(r.raw(16));
        const nack = g.pel.get(id);
        if (nack === undefined) throw new RdbFormatError("consumer PEL entry not in the group PEL");
        nack.consumer = c;
        c.pel.set(id, nack);
      }
      g.consumers.set(cname, c);
    }
    for (const nack of g.pel.values()) if (nack.consumer === null) throw new RdbFormatError("group PEL entry without a consumer");
  }
  return { type: "stream", value: s };
});
