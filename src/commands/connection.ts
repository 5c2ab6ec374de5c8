// Connection family: PING ECHO HELLO AUTH SELECT QUIT RESET CLIENT ...

import { type Client, resetHooks } from "../client.js";
import { ACL_E, CE, E, errorText, unknownSubcommandOrWrongArity } from "../errors.js";
import { str, token, parseI64, parseI64Big } from "../args.js";
import { clientAddr, formatAddr, redactArg } from "../server.js";
import { VALKEY_VERSION, REDIS_COMPAT_VERSION } from "../version.js";
import type { CommandEntry } from "./types.js";
import { unwatchAll } from "./transactions.js";
import { unblockClient } from "../blocking.js";
import { aclOf, authenticate, defaultUser, resetUser } from "../acl/state.js";
import type { User } from "../acl/user.js";
import { clientCaching, clientGetredir, clientTracking, clientTrackingInfo, trackingFlags, trackingRedirect } from "./tracking.js";

export const commands: CommandEntry[] = [
  { name: "ping", arity: -1, flags: ["fast", "sentinel"], acl: ["connection"], tips: ["request_policy:all_shards", "response_policy:all_succeeded"], run: ping },
  { name: "echo", arity: 2, flags: ["loading", "stale", "fast"], acl: ["connection"], run: echo },
  { name: "hello", arity: -1, flags: ["noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"], acl: ["connection"], run: hello },
  { name: "auth", arity: -2, flags: ["noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"], acl: ["connection"], run: auth },
  { name: "select", arity: 2, flags: ["loading", "stale", "fast"], acl: ["connection"], run: select },
  { name: "quit", arity: -1, flags: ["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"], acl: ["connection"], run: quit },
  { name: "reset", arity: 1, flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], acl: ["connection"], run: reset },
  {
    name: "client",
    arity: -2,
    flags: ["sentinel"],
    subcommands: [
      { name: "id", arity: 2, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: (c) => c.w.integer(c.id) },
      {
        name: "setname",
        arity: 3,
        flags: ["noscript", "loading", "stale", "sentinel"],
        acl: ["connection"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: clientSetname,
      },
      { name: "getname", arity: 2, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: (c) => (c.name ? c.w.bulk(c.name) : c.w.null()) },
      {
        name: "setinfo",
        arity: 4,
        flags: ["noscript", "loading", "stale", "sentinel"],
        acl: ["connection"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: clientSetinfo,
      },
      {
        name: "info",
        arity: 2,
        flags: ["noscript", "loading", "stale", "sentinel"],
        acl: ["connection"],
        tips: ["nondeterministic_output"],
        run: (c) => c.w.verbatim(clientInfoLine(c) + "\n"),
      },
      { name: "list", arity: -2, flags: ["admin", "noscript", "loading", "stale", "sentinel"], acl: ["connection"], tips: ["nondeterministic_output"], run: clientList },
      { name: "kill", arity: -3, flags: ["admin", "noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientKill },
      {
        name: "no-evict",
        arity: 3,
        flags: ["admin", "noscript", "loading", "stale", "sentinel"],
        acl: ["connection"],
        run: (c, a) => onOff(c, a, (v) => (c.noEvict = v)),
      },
      { name: "no-touch", arity: 3, flags: ["noscript", "loading", "stale"], acl: ["connection"], run: (c, a) => onOff(c, a, (v) => (c.noTouch = v)) },
      { name: "reply", arity: 3, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientReply },
      { name: "pause", arity: -3, flags: ["admin", "noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientPause },
      { name: "unpause", arity: 2, flags: ["admin", "noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: (c) => (c.server.unpause(), c.w.ok()) },
      { name: "unblock", arity: -3, flags: ["admin", "noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientUnblock },
      { name: "capa", arity: -3, flags: ["noscript", "loading", "stale"], acl: ["connection"], run: clientCapa },
      { name: "tracking", arity: -3, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientTracking },
      { name: "caching", arity: 3, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientCaching },
      { name: "getredir", arity: 2, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientGetredir },
      { name: "trackinginfo", arity: 2, flags: ["noscript", "loading", "stale", "sentinel"], acl: ["connection"], run: clientTrackingInfo },
      { name: "help", arity: 2, flags: ["loading", "stale", "sentinel"], acl: ["connection"], run: clientHelp },
    ],
  },
];

// PING [message]
function ping(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) throw errorText("ERR wrong number of arguments for 'ping' command");
  if (c.inPubSubMode) {
    // RESP2 subscribed mode answers with a ["pong", message] array
    c.w.array(2);
    c.w.bulk("pong");
    c.w.bulk(argv.length === 2 ? argv[1]! : "");
    return;
  }
  if (argv.length === 2) c.w.bulk(argv[1]!);
  else c.w.raw(PONG);
}
const PONG = Buffer.from("+PONG\r\n");

// ECHO message
function echo(c: Client, argv: Buffer[]): void {
  c.w.bulk(argv[1]!);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
function hello(c: Client, argv: Buffer[]): void {
  let proto: 2 | 3 | null = null;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseI64(argv[1]!);
    if (v === null) throw errorText("ERR Protocol version is not an integer or out of range");
    if (v < 2 || v > 3) throw E.protoNoAuthHello;
    proto = v as 2 | 3;
    i = 2;
  }
  let authUser: string | null = null;
  let authPass: Buffer | null = null;
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const opt = token(argv[i]!);
    const left = argv.length - i - 1;
    if (opt === "auth" && left >= 2) {
      authUser = str(argv[i + 1]!);
      authPass = argv[i + 2]!;
      redactArg(argv, i + 1);
      redactArg(argv, i + 2);
      i += 2;
    } else if (opt === "setname" && left >= 1) {
      name = str(argv[i + 1]!);
      i += 1;
    } else throw errorText(`ERR Syntax error in HELLO option '${str(argv[i]!)}'`);
  }
  if (authUser !== null) authenticate(c, authUser, authPass!, argv[0]!);
  if (!c.authenticated) {
    throw errorText(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
  }
  if (name !== null) {
    if (!validName(name)) throw errorText("ERR Client names cannot contain spaces, newlines or special characters.");
    c.name = name;
  }
  if (proto !== null) c.w.proto = proto;
  const redisCompat = c.server.param("extended-redis-compatibility") === "yes";
  const w = c.w;
  w.map(7);
  w.bulk("server");
  w.bulk(redisCompat ? "redis" : "valkey");
  w.bulk("version");
  w.bulk(redisCompat ? REDIS_COMPAT_VERSION : VALKEY_VERSION);
  w.bulk("proto");
  w.integer(w.proto);
  w.bulk("id");
  w.integer(c.id);
  w.bulk("mode");
  w.bulk(c.server.cluster !== null ? "cluster" : "standalone");
  w.bulk("role");
  w.bulk("master");
  w.bulk("modules");
  w.array(0);
}

// AUTH [username] password
function auth(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) throw E.syntax;
  const user = argv.length === 3 ? str(argv[1]!) : "default";
  const pass = argv[argv.length - 1]!;
  redactArg(argv, 1);
  redactArg(argv, 2);
  if (argv.length === 2 && defaultUser(c.server).nopass) throw E.authNotConfigured;
  try {
    authenticate(c, user, pass, argv[0]!);
  } catch (e) {
    c.server.log("verbose", `AUTH failed for client ${clientAddr(c)}`);
    throw e;
  }
  c.w.ok();
}

// SELECT index
function select(c: Client, argv: Buffer[]): void {
  const v = parseI64(argv[1]!);
  if (v === null) throw E.notInteger;
  if (v < -2147483648 || v > 2147483647) throw errorText("ERR value is out of range, value must between -2147483648 and 2147483647");
  if (c.server.cluster !== null && v !== 0) throw CE.selectNotAllowed;
  if (v < 0 || v >= c.server.store.dbs.length) throw E.dbIndexOutOfRange;
  c.db = c.server.store.dbs[v]!;
  c.w.ok();
}

// QUIT
function quit(c: Client): void {
  c.w.ok();
  c.closing = true;
}


// RESET
function reset(c: Client): void {
  c.multi = null;
  c.multiError = false;
  unwatchAll(c);
  for (const h of resetHooks) h(c);
  c.db = c.server.store.dbs[0]!;
  c.w.proto = 2;
  c.name = "";
  c.replyMode = "on";
  c.noEvict = false;
  c.noTouch = false;
  if (c.monitor) {
    c.monitor = false;
    c.server.monitors.delete(c);
  }
  resetUser(c);
  c.w.simple("RESET");
}

/** Valkey refuses names with spaces, newlines or characters outside '!'..'~'. */
function validName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

// CLIENT SETNAME connection-name
function clientSetname(c: Client, argv: Buffer[]): void {
  const name = str(argv[2]!);
  if (!validName(name)) throw errorText("ERR Client names cannot contain spaces, newlines or special characters.");
  c.name = name;
  c.w.ok();
}

// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
function clientSetinfo(c: Client, argv: Buffer[]): void {
  const attr = token(argv[2]!);
  const val = str(argv[3]!);
  if (attr !== "lib-name" && attr !== "lib-ver") throw errorText(`ERR Unrecognized option '${str(argv[2]!)}'`);
  if (!validName(val)) throw errorText(`ERR ${str(argv[2]!)} cannot contain spaces, newlines or special characters.`);
  if (attr === "lib-name") c.libName = val;
  else c.libVer = val;
  c.w.ok();
}

function onOff(c: Client, argv: Buffer[], set: (v: boolean) => void): void {
  const v = token(argv[2]!);
  if (v !== "on" && v !== "off") throw E.syntax;
  set(v === "on");
  c.w.ok();
}

// CLIENT REPLY <ON | OFF | SKIP>
function clientReply(c: Client, argv: Buffer[]): void {
  const v = token(argv[2]!);
  if (v === "on") {
    c.replyMode = "on";
    c.w.ok();
  } else if (v === "off") {
    // the server drops this command's own reply too
    c.replyMode = "off";
  } else if (v === "skip") {
    // SKIP while OFF changes nothing; otherwise this reply and the next command's are dropped
    if (c.replyMode !== "off") c.replyMode = "skip-next";
  } else throw E.syntax;
}

// CLIENT PAUSE timeout [WRITE | ALL]
function clientPause(c: Client, argv: Buffer[]): void {
  if (argv.length > 4) throw unknownSubcommandOrWrongArity("client", str(argv[1]!));
  let all = true;
  if (argv.length === 4) {
    const m = token(argv[3]!);
    if (m === "write") all = false;
    else if (m !== "all") throw errorText("ERR CLIENT PAUSE mode must be WRITE or ALL");
  }
  const t = parseI64Big(argv[2]!);
  if (t === null) throw errorText("ERR timeout is not an integer or out of range");
  if (t < 0n) throw errorText("ERR timeout is negative");
  if (t > 9223372036854775807n - BigInt(Date.now())) throw errorText("ERR timeout is out of range");
  c.server.pauseClients(Number(t), all);
  c.w.ok();
}

/** Clients that declared CLIENT CAPA redirect (it changes replies only on a replica; Valkey 8.0 does not list it). */
const capaRedirect = new WeakSet<Client>();

// CLIENT CAPA capability [capability ...]
function clientCapa(c: Client, argv: Buffer[]): void {
  // Unknown capabilities are ignored, as in Valkey.
  for (let i = 2; i < argv.length; i++) if (token(argv[i]!) === "redirect") capaRedirect.add(c);
  c.w.ok();
}

/** One CLIENT LIST / CLIENT INFO line with Valkey's fields, in Valkey's order. */
export function clientInfoLine(c: Client): string {
  const now = Date.now();
  // Valkey's order: O P x b t R B d c u A U r e T
  let flags = "";
  if (c.monitor) flags += "O";
  if (c.subscriptionCount > 0) flags += "P";
  if (c.multi !== null) flags += "x";
  if (c.blocked !== null || c.suspended) flags += "b";
  flags += trackingFlags(c);
  if (c.dirtyCas) flags += "d";
  if (c.closing) flags += "c";
  if (c.conn.unix) flags += "U";
  if (c.noEvict) flags += "e";
  if (c.noTouch) flags += "T";
  if (flags === "") flags = "N";
  const qbuf = c.parser.pending;
  const omem = c.w.size + c.conn.pendingBytes();
  const conn = c.conn;
  // Valkey 8.0's memory figures where they follow from what the client sent: argv-mem is the running (or
  // blocked) command's argument bytes, multi-mem the queued commands' (argument bytes + a pointer per argument).
  const argvMem = c.argv === null ? 0 : argBytes(c.argv);
  let multiMem = 0;
  if (c.multi !== null) for (const q of c.multi) multiMem += argBytes(q.argv) + 8 * q.argv.length;
  return (
    `id=${c.id} addr=${formatAddr(conn.remoteAddress, conn.remotePort)} laddr=${formatAddr(conn.localAddress, conn.localPort)}` +
    ` fd=${conn.fd} name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)}` +
    ` flags=${flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size}` +
    ` multi=${c.multi === null ? -1 : c.multi.length} watch=${c.watching.length} qbuf=${qbuf} qbuf-free=${qbuf === 0 ? 0 : Math.max(0, 20474 - qbuf)}` +
    ` argv-mem=${argvMem} multi-mem=${multiMem} rbs=16392 rbp=16392 obl=0 oll=0 omem=${omem} tot-mem=${17280 + qbuf + omem + argvMem + multiMem} events=r` +
    ` cmd=${c.lastCmd} user=${c.user.name} redir=${trackingRedirect(c)} resp=${c.w.proto} lib-name=${c.libName} lib-ver=${c.libVer}` +
    ` tot-net-in=${c.netIn} tot-net-out=${c.netOut} tot-cmds=${c.commandsProcessed}`
  );
}

function argBytes(argv: Buffer[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

function clientType(c: Client): string {
  return c.subscriptionCount > 0 ? "pubsub" : "normal";
}

/** Valkey's getClientTypeByName; "master"/"primary" name the replication link (never a client here). */
function clientTypeByName(name: string): string | null {
  switch (name.toLowerCase()) {
    case "normal":
      return "normal";
    case "slave":
    case "replica":
      return "replica";
    case "pubsub":
      return "pubsub";
    case "master":
    case "primary":
      return "primary";
    default:
      return null;
  }
}

// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
function clientList(c: Client, argv: Buffer[]): void {
  const clients = c.server.clients;
  let text = "";
  if (argv.length === 4 && token(argv[2]!) === "type") {
    const type = clientTypeByName(str(argv[3]!));
    if (type === null) throw errorText(`ERR Unknown client type '${str(argv[3]!)}'`);
    for (const x of clients.values()) if (clientType(x) === type) text += clientInfoLine(x) + "\n";
  } else if (argv.length > 3 && token(argv[2]!) === "id") {
    // One line per ID asked for, in the order given; unknown IDs are skipped.
    const ids: number[] = [];
    for (let i = 3; i < argv.length; i++) {
      const v = parseI64(argv[i]!);
      if (v === null) throw errorText("ERR Invalid client ID");
      ids.push(v);
    }
    for (const id of ids) {
      const x = clients.get(id);
      if (x) text += clientInfoLine(x) + "\n";
    }
  } else if (argv.length !== 2) throw E.syntax;
  else for (const x of clients.values()) text += clientInfoLine(x) + "\n";
  c.w.verbatim(text);
}

// CLIENT KILL <ip:port | <[ID client-id] | [TYPE ...] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> ...>
function clientKill(c: Client, argv: Buffer[]): void {
  const all = [...c.server.clients.values()];
  if (argv.length === 3) {
    // Old form: the client at ip:port, which may be the caller itself (closed after this reply).
    const addr = str(argv[2]!);
    const target = all.find((x) => clientAddr(x) === addr);
    if (!target) throw errorText("ERR No such client");
    c.server.kill(target);
    c.w.ok();
    return;
  }
  let id: number | null = null;
  let type: string | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let skipme = true;
  let maxage = 0;
  let user: User | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = token(argv[i]!);
    if (i + 1 >= argv.length) throw E.syntax;
    const v = argv[i + 1]!;
    if (opt === "id") {
      const n = parseI64(v);
      if (n === null || n < 1) throw errorText("ERR client-id should be greater than 0");
      id = n;
    } else if (opt === "maxage") {
      const n = parseI64(v);
      if (n === null) throw errorText("ERR maxage is not an integer or out of range");
      if (n <= 0) throw errorText("ERR maxage should be greater than 0");
      maxage = n;
    } else if (opt === "type") {
      type = clientTypeByName(str(v));
      if (type === null) throw errorText(`ERR Unknown client type '${str(v)}'`);
    } else if (opt === "addr") addr = str(v);
    else if (opt === "laddr") laddr = str(v);
    else if (opt === "user") {
      user = aclOf(c.server).users.get(str(v)) ?? null;
      if (user === null) throw ACL_E.noSuchUser(str(v));
    } else if (opt === "skipme") {
      const s = token(v);
      if (s !== "yes" && s !== "no") throw E.syntax;
      skipme = s === "yes";
    } else throw E.syntax;
  }
  let n = 0;
  const now = Date.now();
  for (const x of all) {
    if (addr !== null && clientAddr(x) !== addr) continue;
    if (laddr !== null && formatAddr(x.conn.localAddress, x.conn.localPort) !== laddr) continue;
    if (type !== null && clientType(x) !== type) continue;
    if (id !== null && x.id !== id) continue;
    if (user !== null && x.user !== user) continue;
    if (skipme && x === c) continue;
    if (maxage !== 0 && Math.floor((now - x.createdAt) / 1000) < maxage) continue;
    c.server.kill(x);
    n++;
  }
  c.w.integer(n);
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
function clientUnblock(c: Client, argv: Buffer[]): void {
  const id = parseI64(argv[2]!);
  if (id === null) throw E.notInteger;
  let withError = false;
  if (argv.length === 4) {
    const m = token(argv[3]!);
    if (m === "error") withError = true;
    else if (m !== "timeout") throw errorText("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  } else if (argv.length > 4) throw E.syntax;
  const target = c.server.clients.get(id);
  c.w.integer(target !== undefined && unblockClient(target, withError) ? 1 : 0);
}

// CLIENT HELP
function clientHelp(c: Client): void {
  c.w.help("CLIENT", [
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "CAPA <option> [options...]",
    "    The client claims its some capability options. Options are:",
    "    * REDIRECT",
    "      The client can handle redirection during primary and replica failover in standalone mode.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
  ]);
}

