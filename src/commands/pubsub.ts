// Pub/sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE SPUBLISH PUBSUB ...,
// and keyspace notifications (the store's signal publishes through here when a class is enabled).
// Messages are RESP3 push frames or RESP2 arrays (ReplyWriter.push decides). A subscriber that does not read
// is cut at client-output-buffer-limit's pubsub class, as in Valkey.

import { type Client, resetHooks } from "../client.js";
import { str } from "../args.js";
import { ReplyWriter } from "../resp.js";
import { unknownSubcommandOrWrongArity } from "../errors.js";
import { globMatch, globMatcher } from "../glob.js";
import type { Server } from "../server.js";
import type { CommandEntry } from "./types.js";

resetHooks.push((c) => dropAll(registry(c.server), c));

export const commands: CommandEntry[] = [
  { name: "subscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale", "sentinel"], run: (c, a) => subscribe(c, a, "channels") },
  { name: "unsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale", "sentinel"], run: (c, a) => unsubscribe(c, a, "channels") },
  { name: "psubscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale", "sentinel"], run: (c, a) => subscribe(c, a, "patterns") },
  { name: "punsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale", "sentinel"], run: (c, a) => unsubscribe(c, a, "patterns") },
  {
    name: "ssubscribe",
    arity: -2,
    flags: ["pubsub", "noscript", "loading", "stale"],
    keys: [{ begin: 1, range: [-1, 1, 0], flags: ["NOT_KEY"] }],
    run: (c, a) => subscribe(c, a, "shardChannels"),
  },
  {
    name: "sunsubscribe",
    arity: -1,
    flags: ["pubsub", "noscript", "loading", "stale"],
    keys: [{ begin: 1, range: [-1, 1, 0], flags: ["NOT_KEY"] }],
    run: (c, a) => unsubscribe(c, a, "shardChannels"),
  },
  { name: "publish", arity: 3, flags: ["pubsub", "loading", "stale", "fast", "may_replicate", "sentinel"], run: publishCmd },
  {
    name: "spublish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast", "may_replicate"],
    keys: [{ begin: 1, flags: ["NOT_KEY"] }],
    run: spublishCmd,
  },
  {
    name: "pubsub",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "channels", arity: -2, flags: ["pubsub", "loading", "stale"], run: (c, a) => listChannels(c, a, "channels") },
      { name: "numsub", arity: -2, flags: ["pubsub", "loading", "stale"], run: (c, a) => numsub(c, a, "channels") },
      { name: "numpat", arity: 2, flags: ["pubsub", "loading", "stale"], run: (c) => c.w.integer(registry(c.server).patterns.size) },
      { name: "shardchannels", arity: -2, flags: ["pubsub", "loading", "stale"], run: (c, a) => listChannels(c, a, "shardChannels") },
      { name: "shardnumsub", arity: -2, flags: ["pubsub", "loading", "stale"], run: (c, a) => numsub(c, a, "shardChannels") },
      { name: "help", arity: 2, flags: ["loading", "stale"], run: pubsubHelp },
    ],
  },
];

/** Each subscribed pattern's matcher, made once (keyed by the pattern's subscriber set, which goes with it). */
const matchers = new WeakMap<Set<Client>, (channel: string) => boolean>();

type Kind = "channels" | "patterns" | "shardChannels";

/** Channel / pattern -> subscribed clients, per server instance. */
export class PubSubRegistry {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
}

/** The server's registry (a field on the server: read by every PUBLISH), created (and wired to disconnects) on first use. */
export function registry(server: Server): PubSubRegistry {
  let r = server.pubsub;
  if (r === null) {
    r = server.pubsub = new PubSubRegistry();
    const reg = r;
    server.disconnectHooks.push((c) => dropAll(reg, c));
  }
  return r;
}

const REPLY_NAMES: Record<Kind, [sub: string, unsub: string, msg: string]> = {
  channels: ["subscribe", "unsubscribe", "message"],
  patterns: ["psubscribe", "punsubscribe", "pmessage"],
  shardChannels: ["ssubscribe", "sunsubscribe", "smessage"],
};

/** Subscription count reported in (un)subscribe replies: shard channels are counted apart, as in Valkey. */
function countFor(c: Client, kind: Kind): number {
  return kind === "shardChannels" ? c.shardChannels.size : c.channels.size + c.patterns.size;
}

// SUBSCRIBE channel [channel ...]  /  PSUBSCRIBE pattern ...  /  SSUBSCRIBE shardchannel ...
function subscribe(c: Client, argv: Buffer[], kind: Kind): void {
  const reg = registry(c.server);
  const mine = c[kind];
  const map = reg[kind];
  for (let i = 1; i < argv.length; i++) {
    const name = str(argv[i]!);
    if (!mine.has(name)) {
      mine.add(name);
      let set = map.get(name);
      if (!set) map.set(name, (set = new Set()));
      set.add(c);
    }
    const m = c.w.mark();
    c.w.push(3);
    c.w.bulk(REPLY_NAMES[kind][0]);
    c.w.bulk(argv[i]!);
    c.w.integer(countFor(c, kind));
    if (c.replyMode !== "on") holdPush(c, m);
  }
}

/**
 * Pub/sub pushes reach the client even under CLIENT REPLY OFF/SKIP, and a message the running client sends
 * itself follows its command's reply (Valkey's CLIENT_PUSHING): cut the push out and let execute() append it
 * after the reply has been settled.
 */
function holdPush(c: Client, mark: number): void {
  (c.pushAfterReply ??= []).push(c.w.cut(mark));
}

function removeOne(reg: PubSubRegistry, c: Client, kind: Kind, name: string): boolean {
  if (!c[kind].delete(name)) return false;
  const set = reg[kind].get(name);
  if (set) {
    set.delete(c);
    if (set.size === 0) reg[kind].delete(name);
  }
  return true;
}

// UNSUBSCRIBE [channel ...]  /  PUNSUBSCRIBE [pattern ...]  /  SUNSUBSCRIBE [shardchannel ...]
function unsubscribe(c: Client, argv: Buffer[], kind: Kind): void {
  const reg = registry(c.server);
  const names = argv.length > 1 ? argv.slice(1).map(str) : [...c[kind]];
  if (names.length === 0) {
    const m = c.w.mark();
    c.w.push(3);
    c.w.bulk(REPLY_NAMES[kind][1]);
    c.w.null();
    c.w.integer(countFor(c, kind));
    if (c.replyMode !== "on") holdPush(c, m);
    return;
  }
  for (const name of names) {
    removeOne(reg, c, kind, name);
    const m = c.w.mark();
    c.w.push(3);
    c.w.bulk(REPLY_NAMES[kind][1]);
    c.w.bulk(name);
    c.w.integer(countFor(c, kind));
    if (c.replyMode !== "on") holdPush(c, m);
  }
}

/** Drop every subscription of a client (disconnect, RESET). */
export function dropAll(reg: PubSubRegistry, c: Client): void {
  for (const kind of ["channels", "patterns", "shardChannels"] as const) {
    for (const name of [...c[kind]]) removeOne(reg, c, kind, name);
  }
}

/** Deliver a message; returns the number of receiving clients (PUBLISH's reply). */
export function publish(server: Server, channel: string, message: Buffer | string): number {
  const reg = server.pubsub;
  if (reg === null) return 0;
  // Read once per message, not per subscriber.
  const limits = pubsubLimits(server);
  let n = 0;
  const subs = reg.channels.get(channel);
  if (subs !== undefined) {
    if (subs.size === 1) {
      // One subscriber: the frame is encoded straight into its output (no shared frame, no copy).
      for (const c of subs) {
        if (c.closing) continue;
        const m = c.w.mark();
        writeMessage(c.w, channel, message, undefined);
        if (c === server.current) holdPush(c, m);
        delivered(server, c, limits);
        n++;
      }
    } else {
      // Every subscriber of one protocol gets the same bytes: encode the frame once per protocol, then copy it.
      frames.reset();
      let frame2: Buffer | null = null;
      let frame3: Buffer | null = null;
      for (const c of subs) {
        if (c.closing) continue;
        const m = c.w.mark();
        if (c.w.proto === 3) c.w.raw((frame3 ??= messageFrame(3, channel, message)));
        else c.w.raw((frame2 ??= messageFrame(2, channel, message)));
        if (c === server.current) holdPush(c, m);
        delivered(server, c, limits);
        n++;
      }
    }
  }
  if (reg.patterns.size !== 0) {
    frames.reset();
    for (const [pattern, set] of reg.patterns) {
      let match = matchers.get(set);
      if (match === undefined) matchers.set(set, (match = globMatcher(pattern)));
      if (!match(channel)) continue;
      let frame2: Buffer | null = null;
      let frame3: Buffer | null = null;
      for (const c of set) {
        if (c.closing) continue;
        const m = c.w.mark();
        if (c.w.proto === 3) c.w.raw((frame3 ??= messageFrame(3, channel, message, pattern)));
        else c.w.raw((frame2 ??= messageFrame(2, channel, message, pattern)));
        if (c === server.current) holdPush(c, m);
        delivered(server, c, limits);
        n++;
      }
    }
  }
  return n;
}

/** The head of a `message` push: `push(3)` and `bulk("message")`, encoded once per protocol. */
const MESSAGE2 = Buffer.from("*3\r\n$7\r\nmessage\r\n", "latin1");
const MESSAGE3 = Buffer.from(">3\r\n$7\r\nmessage\r\n", "latin1");

/** Scratch writer for message frames shared by several subscribers; reset by each publish() that uses it. */
const frames = new ReplyWriter();

/** The `message` push (`pmessage` with the matching `pattern`). */
function writeMessage(w: ReplyWriter, channel: string, message: Buffer | string, pattern: string | undefined): void {
  if (pattern === undefined) w.raw(w.proto === 3 ? MESSAGE3 : MESSAGE2);
  else {
    w.push(4);
    w.bulk("pmessage");
    w.bulk(pattern);
  }
  w.bulk(channel);
  w.bulk(message);
}

/** The frame a subscriber on protocol `proto` receives, as a view of the scratch writer (valid during publish()). */
function messageFrame(proto: 2 | 3, channel: string, message: Buffer | string, pattern?: string): Buffer {
  frames.proto = proto;
  const m = frames.mark();
  writeMessage(frames, channel, message, pattern);
  return frames.since(m);
}

/** After writing to a subscriber: schedule its flush and enforce the pubsub output buffer limit. */
function delivered(server: Server, c: Client, limits: Limits): void {
  server.markDirty(c);
  checkOutputLimit(server, c, limits);
}

/** Valkey's client-output-buffer-limit for the pubsub class: hard limit, or soft limit held for N seconds. */
export function checkOutputLimit(server: Server, c: Client, limits: Limits = pubsubLimits(server)): void {
  const hard = limits[0];
  const soft = limits[1];
  if (hard === 0 && soft === 0) return;
  const secs = limits[2];
  const used = c.w.size + c.conn.pendingBytes();
  let over = hard > 0 && used >= hard;
  if (!over && soft > 0 && used >= soft) {
    const now = Date.now();
    if (c.obufSoftSince === 0) c.obufSoftSince = now;
    else if (now - c.obufSoftSince >= secs * 1000) over = true;
  } else if (soft > 0 && used < soft) c.obufSoftSince = 0;
  if (over && !c.closing) {
    server.log("warning", `Client id=${c.id} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    c.w.discard();
    server.kill(c);
  }
}

/** client-output-buffer-limit's pubsub class: hard bytes, soft bytes, soft seconds. */
type Limits = [number, number, number];

let limitsCache: { raw: string; v: Limits } | null = null;

function pubsubLimits(server: Server): Limits {
  const raw = server.param("client-output-buffer-limit");
  if (limitsCache?.raw === raw) return limitsCache.v;
  const parts = raw.split(/\s+/);
  let v: [number, number, number] = [0, 0, 0];
  for (let i = 0; i + 3 < parts.length; i += 4) {
    if (parts[i] === "pubsub") v = [Number(parts[i + 1]), Number(parts[i + 2]), Number(parts[i + 3])];
  }
  limitsCache = { raw, v };
  return v;
}

// PUBLISH channel message
function publishCmd(c: Client, argv: Buffer[]): void {
  // The message is encoded into the subscribers' output now: no copy of it is kept.
  c.w.integer(publish(c.server, channelName(argv[1]!), argv[2]!));
  // Cluster mode: the message reaches subscribers on every other shard too (the reply counts this shard's).
  c.server.cluster?.publish(argv[1]!, argv[2]!);
}

/** The last channel published to, as bytes and as its latin1 name: publishers repeat a few channels. */
const NO_BYTES = Buffer.alloc(0);
let lastChannelBytes: Buffer = NO_BYTES;
let lastChannel = "";

/** str(b), without making the string again when b holds the last channel's bytes (hot: every PUBLISH). */
function channelName(b: Buffer): string {
  const n = b.length;
  const last = lastChannelBytes;
  if (n === last.length && n <= 64) {
    let i = 0;
    while (i < n && b[i] === last[i]) i++;
    if (i === n) return lastChannel;
  }
  const name = str(b);
  // (bytes and name always change together: a long name is not kept, and the empty pair stays consistent)
  lastChannelBytes = n <= 64 ? Buffer.from(b) : NO_BYTES;
  lastChannel = n <= 64 ? name : "";
  return name;
}

// SPUBLISH shardchannel message
function spublishCmd(c: Client, argv: Buffer[]): void {
  const reg = c.server.pubsub;
  const limits = pubsubLimits(c.server);
  const channel = str(argv[1]!);
  const subs = reg?.shardChannels.get(channel);
  let n = 0;
  if (subs !== undefined) {
    const msg = argv[2]!;
    for (const s of subs) {
      if (s.closing) continue;
      const m = s.w.mark();
      s.w.push(3);
      s.w.bulk("smessage");
      s.w.bulk(channel);
      s.w.bulk(msg);
      if (s === c) holdPush(s, m);
      delivered(c.server, s, limits);
      n++;
    }
  }
  c.w.integer(n);
}

// PUBSUB CHANNELS [pattern]  /  PUBSUB SHARDCHANNELS [pattern]
function listChannels(c: Client, argv: Buffer[], kind: Kind): void {
  // At most one pattern (Valkey's pubsubCommand checks argc itself).
  if (argv.length > 3) throw unknownSubcommandOrWrongArity("pubsub", str(argv[1]!));
  const pattern = argv.length === 3 ? str(argv[2]!) : null;
  const out: string[] = [];
  for (const name of registry(c.server)[kind].keys()) if (pattern === null || globMatch(pattern, name)) out.push(name);
  c.w.bulks(out);
}

// PUBSUB NUMSUB [channel ...]  /  PUBSUB SHARDNUMSUB [shardchannel ...]
function numsub(c: Client, argv: Buffer[], kind: Kind): void {
  const map = registry(c.server)[kind];
  // A flat array in RESP3 too (Valkey's reply schema), not a map.
  c.w.array((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.w.bulk(argv[i]!);
    c.w.integer(map.get(str(argv[i]!))?.size ?? 0);
  }
}

function pubsubHelp(c: Client): void {
  c.w.help("PUBSUB", [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
  ]);
}

/** Keyspace notifications: `__keyspace@<db>__:<key>` -> event and `__keyevent@<db>__:<event>` -> key. */
export function keyspaceNotifier(server: Server): (db: number, event: string, key: string, cls: number) => void {
  return (db, event, key) => {
    const flags = server.store.notifyFlags;
    if (flags & 1) publish(server, `__keyspace@${db}__:${key}`, event);
    if (flags & 2) publish(server, `__keyevent@${db}__:${event}`, key);
  };
}
