// Per-connection state: db, protocol, auth, name, MULTI queue, WATCH, subscriptions, blocking, reply mode.
// Knows nothing about sockets: a transport adapter feeds bytes in and drains output through `Connection`.

import { RespParser, ReplyWriter } from "./resp.js";
import type { Database, Watcher } from "./store.js";
import type { Server } from "./server.js";
import type { CommandEntry } from "./commands/types.js";
import type { TrackingState } from "./commands/tracking.js";
import type { User } from "./acl/user.js";

/** What a transport gives the core for one connection. */
export interface Connection {
  /**
   * Send `data`. Returns true when the transport sent or copied it all and keeps no reference (the writer then
   * reuses its buffer); anything else means `data` must stay untouched.
   */
  write(data: Buffer): boolean | void;
  /** Close after pending output is written. */
  end(): void;
  /** Close now, dropping pending output (CLIENT KILL, output buffer limits). */
  destroy(): void;
  /** Bytes queued in the transport but not yet written (output buffer accounting). */
  pendingBytes(): number;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  fd: number;
  /** Accepted on the unix socket (CLIENT LIST flag U; protected mode does not apply). */
  unix?: boolean;
}

/** Families with per-connection state (pub/sub, tracking) register how RESET clears it. */
export const resetHooks: Array<(c: Client) => void> = [];

/**
 * Checks that may hold a command back before it runs (the scripting family waits for its engine to load): a
 * hook that returns true has suspended the client and will resume it. Run only for entries marked `preflight`.
 */
export const preflightHooks: Array<(c: Client, e: CommandEntry, argv: Buffer[]) => boolean> = [];

export interface QueuedCommand {
  entry: CommandEntry;
  argv: Buffer[];
}

export class Client {
  readonly id: number;
  readonly w = new ReplyWriter();
  readonly parser: RespParser;
  db: Database;
  authenticated: boolean;
  /** The ACL user this connection runs as (the default user until AUTH / HELLO AUTH). */
  user: User;
  name = "";
  libName = "";
  libVer = "";
  readonly createdAt: number;
  lastInteraction: number;
  /** The last command looked up for this client, as Valkey's c->lastcmd (CLIENT LIST cmd=): set by the gate. */
  lastCmd = "NULL";
  /** gate()'s last lookup: the name Buffer (this client's parser repeats it: RespParser.commandName) and its entry. */
  gateName: Buffer | null = null;
  gateEntry: CommandEntry | undefined = undefined;
  /** The command running, blocked or paused now (CLIENT LIST argv-mem). */
  argv: Buffer[] | null = null;
  /** For the client that runs a script's commands: the client that called the script (SLOWLOG addr and name). */
  scriptCaller: Client | null = null;
  /** MULTI state: null when not in a transaction. */
  multi: QueuedCommand[] | null = null;
  multiError = false;
  /** Set by the key-modified signal when a WATCHed key changes. */
  dirtyCas = false;
  /** WATCHed keys (one record per db and key, also held in the db's `watched` map). */
  watching: Array<Watcher & { readonly db: Database; readonly key: string }> = [];
  /** Pub/sub subscriptions (latin1 channel names). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** CLIENT REPLY: "skip-next" is the SKIP command itself, whose own reply is dropped too. */
  replyMode: "on" | "off" | "skip" | "skip-next" = "on";
  /** Pushes held back while a command runs: written after its reply, even under CLIENT REPLY OFF (pubsub.ts). */
  pushAfterReply: Buffer[] | null = null;
  noEvict = false;
  noTouch = false;
  monitor = false;
  /** Queued for the server's deferred flush (Server.markDirty). */
  flushQueued = false;
  /** Closing: no more commands are read; output is flushed then the connection ends. */
  closing = false;
  closed = false;
  /** Execution suspended (CLIENT PAUSE, blocking command); resumed by the server. */
  suspended = false;
  /** Command waiting to run once the suspension ends. */
  pendingArgv: Buffer[] | null = null;
  /** Blocking state owned by the blocking module. */
  blocked: unknown = null;
  /** Client-side caching state owned by commands/tracking.ts; null until CLIENT TRACKING is first used. */
  tracking: TrackingState | null = null;
  /** Running inside EXEC (commands see the frozen transaction state). */
  inExec = false;
  /** EXEC waiting for a script in its queue that turned asynchronous: runs the rest of the queue. */
  execResume: (() => void) | null = null;
  /** Running inside a script (blocking commands act non-blocking, noscript commands refused). */
  inScript = false;
  /** Output bytes accounted for client-output-buffer-limit soft limit tracking. */
  obufSoftSince = 0;
  /** Per-connection totals (CLIENT LIST tot-net-in, tot-net-out, tot-cmds). */
  netIn = 0;
  netOut = 0;
  commandsProcessed = 0;

  constructor(
    readonly server: Server,
    readonly conn: Connection,
    id: number,
  ) {
    this.id = id;
    this.parser = new RespParser(server.parserLimits());
    this.db = server.store.dbs[0]!;
    this.user = server.defaultUser();
    this.authenticated = !server.authRequired();
    this.parser.unauthenticated = !this.authenticated;
    this.createdAt = this.lastInteraction = Date.now();
  }

  get proto(): 2 | 3 {
    return this.w.proto;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** RESP2 subscribed mode limits which commands may run. */
  get inPubSubMode(): boolean {
    // (read by the gate for every command: no sum of three Set sizes when the first one decides)
    return this.w.proto === 2 && (this.channels.size !== 0 || this.patterns.size !== 0 || this.shardChannels.size !== 0);
  }

  setAuthenticated(ok: boolean): void {
    this.authenticated = ok;
    this.parser.unauthenticated = !ok;
  }

  /** Bytes arrived from the transport. */
  onData(chunk: Buffer): void {
    if (this.closing) return;
    this.lastInteraction = Date.now();
    this.netIn += chunk.length;
    this.parser.feed(chunk);
    this.server.processInput(this);
    // The transport may reuse its read buffer: keep only copies of what is left unparsed.
    this.parser.retain();
  }

  /** Write everything buffered to the transport (one write per batch). */
  flush(): void {
    const w = this.w;
    const out = w.pending();
    if (out !== null) {
      if (this.closed) w.discard();
      else {
        this.netOut += out.length;
        w.sent(this.conn.write(out) === true);
      }
    }
    if (this.closing && !this.closed) {
      this.closed = true;
      this.conn.end();
      // Gone from CLIENT LIST, INFO and CLIENT KILL now, not when the transport reports the close.
      this.server.disconnected(this);
    }
  }

  /** Reply with an error and close after it is written (protocol errors, limits). */
  closeWithError(text: string): void {
    this.w.error(text);
    this.closing = true;
  }
}
