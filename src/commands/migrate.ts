// MIGRATE: move keys to another Valkey/Redis server (DUMP payloads sent as RESTORE), as Valkey's migrateCommand —
// useful when a dev stack outgrows this server. Valkey blocks its whole event loop for the transfer; here only the
// calling client waits (the others keep being served), so a key changed meanwhile is left in place rather than
// deleted. No connection cache: each MIGRATE opens and closes its own connection (and always sends SELECT).

import type { Socket } from "node:net";
import { builtin } from "../runtime.js";
import type { Client } from "../client.js";
import { E, type ReplyError } from "../errors.js";
import { parseI64, str, token } from "../args.js";
import { canDump, createDumpPayload } from "../dump.js";
import { N, type Entry } from "../store.js";
import { redactArg } from "../server.js";
import type { CommandEntry } from "./types.js";
import { replyThrown } from "./index.js";

export const commands: CommandEntry[] = [
  {
    name: "migrate",
    arity: -6,
    flags: ["write"],
    acl: ["keyspace", "dangerous"],
    tips: ["nondeterministic_output"],
    keys: [
      { begin: 3, flags: ["RW", "ACCESS", "DELETE"] },
      { begin: { keyword: "KEYS", startfrom: -2 }, range: [-1, 1, 0], flags: ["RW", "ACCESS", "DELETE", "INCOMPLETE"] },
    ],
    run: migrate,
  },
];

interface Item {
  key: string;
  entry: Entry;
  ttl: number;
  payload: Buffer;
}

// MIGRATE host port <key | ""> destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password]
//   [KEYS key [key ...]]
function migrate(c: Client, argv: Buffer[]): void {
  let copy = false;
  let replace = false;
  let auth: Buffer[] | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = token(argv[j]!);
    if (opt === "copy") copy = true;
    else if (opt === "replace") replace = true;
    else if (opt === "auth") {
      if (more < 1) throw E.syntax;
      auth = [argv[++j]!];
      redactArg(argv, j);
    } else if (opt === "auth2") {
      if (more < 2) throw E.syntax;
      auth = [argv[j + 1]!, argv[j + 2]!];
      redactArg(argv, ++j);
      redactArg(argv, ++j);
    } else if (opt === "keys") {
      if (argv[3]!.length !== 0) throw E.migrateKeysNeedEmptyKey;
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else throw E.syntax;
  }
  let timeout = parseI64(argv[5]!);
  const dbid = parseI64(argv[4]!);
  if (timeout === null || dbid === null) throw E.notInteger;
  if (timeout <= 0) timeout = 1000;
  const host = str(argv[1]!);
  const port = Number(str(argv[2]!));

  // The keys that exist now, with their remaining TTL and DUMP payload (taken at once, as Valkey does).
  const items: Item[] = [];
  const now = c.server.store.clock.now();
  const cfg = (p: string) => Number(c.server.param(p));
  const compress = c.server.param("rdbcompression") === "yes";
  for (let j = 0; j < numKeys; j++) {
    const key = str(argv[firstKey + j]!);
    const entry = c.db.read(key);
    if (entry === undefined) continue;
    if (!canDump(entry.type)) throw E.dumpUnsupported(entry.type);
    const at = c.db.getExpire(key);
    const ttl = at === undefined ? 0 : Math.max(1, at - now);
    items.push({ key, entry, ttl, payload: createDumpPayload(entry, compress, cfg) });
  }
  if (items.length === 0) return c.w.simple("NOKEY");

  // In cluster mode the target is importing the slot: RESTORE-ASKING is let in before the slot is its own.
  const restoreCmd = Buffer.from(c.server.cluster !== null ? "RESTORE-ASKING" : "RESTORE");
  const request: Buffer[][] = [];
  if (auth !== null) request.push([Buffer.from("AUTH"), ...auth]);
  request.push([Buffer.from("SELECT"), Buffer.from(String(dbid))]);
  for (const it of items) {
    const cmd = [restoreCmd, Buffer.from(it.key, "latin1"), Buffer.from(String(it.ttl)), it.payload];
    if (replace) cmd.push(Buffer.from("REPLACE"));
    request.push(cmd);
  }
  const db = c.db;
  const moving = c.server.cluster?.moving;
  if (moving !== undefined) for (const it of items) moving.add(it.key);
  const release = () => {
    if (moving !== undefined) for (const it of items) moving.delete(it.key);
  };
  c.suspended = true;
  exchange(host, port, Number(timeout), request).then(
    (lines) => finish(c, release, () => {
      const authLine = auth !== null ? lines.shift()! : "+OK";
      const selectLine = lines.shift()!;
      let error: ReplyError | null = null;
      for (let j = 0; j < items.length; j++) {
        const line = lines[j]!;
        if (authLine[0] === "-" || selectLine[0] === "-" || line[0] === "-") {
          if (error === null) {
            const bad = authLine[0] === "-" ? authLine : selectLine[0] === "-" ? selectLine : line;
            error = E.migrateTarget(bad.slice(1));
          }
        } else if (!copy) {
          const it = items[j]!;
          // Valkey deletes the moved key; a key another client changed meanwhile is left alone here.
          if (db.peek(it.key) === it.entry && db.delete(it.key)) db.changed(it.key, "del", N.GENERIC);
        }
      }
      if (error === null) c.w.ok();
      else fail(c, error);
    }),
    (stage: "connecting" | "reading" | "writing") =>
      finish(c, release, () => fail(c, stage === "connecting" ? E.migrateConnect : E.migrateIo(stage))),
  );
}

/** The command's error reply, counted as a failed call (INFO errorstats / commandstats). */
function fail(c: Client, err: ReplyError): void {
  replyThrown(c, err, commands[0]!);
}

/** The transfer is over: reply and let the client go on (the rest of its EXEC queue, then its input). */
function finish(c: Client, release: () => void, reply: () => void): void {
  release();
  if (c.closed) return;
  reply();
  c.server.continueSuspended(c);
}

/**
 * Send every command in one write and read one reply line per command (the first line of each reply, as Valkey's
 * syncReadLine). Rejects with the stage that failed or timed out.
 */
function exchange(host: string, port: number, timeoutMs: number, cmds: Buffer[][]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let stage: "connecting" | "reading" | "writing" = "connecting";
    let buf = Buffer.alloc(0);
    const lines: string[] = [];
    let done = false;
    const end = (err: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(stage);
      else resolve(lines);
    };
    const timer = setTimeout(() => end(true), timeoutMs);
    const sock: Socket = builtin("node:net").connect({ host, port }, () => {
      stage = "writing";
      const parts: Buffer[] = [];
      for (const argv of cmds) {
        parts.push(Buffer.from(`*${argv.length}\r\n`));
        for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from("\r\n"));
      }
      sock.write(Buffer.concat(parts), () => {
        if (stage === "writing") stage = "reading";
      });
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let nl: number;
      while (lines.length < cmds.length && (nl = buf.indexOf("\r\n")) >= 0) {
        lines.push(buf.toString("latin1", 0, nl));
        buf = buf.subarray(nl + 2);
      }
      if (lines.length === cmds.length) end(false);
    });
    // Valkey connects without waiting and finds a refused connection when it writes: "writing", as it says.
    sock.on("error", (e: NodeJS.ErrnoException) => {
      if (stage === "connecting" && e.code === "ECONNREFUSED") stage = "writing";
      end(true);
    });
    sock.on("close", () => end(lines.length < cmds.length));
  });
}
