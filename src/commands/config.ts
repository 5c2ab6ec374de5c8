// CONFIG GET SET RESETSTAT REWRITE HELP. The parameter table (names, defaults, validation) is src/config.ts;
// this file answers the commands and makes the settings that matter take effect on a running server.

import type { Client } from "../client.js";
import { str } from "../args.js";
import { E, errorText } from "../errors.js";
import { allParamNames, ConfigError, findParam, parseNotifyFlags, rewriteConfigText, shownValue, validateParam, writeFileAtomic, type ParamDef } from "../config.js";
import { redactArg, type Server } from "../server.js";
import { configureEviction } from "../eviction.js";
import { N } from "../store.js";
import { globMatch } from "../glob.js";
import { allEntries } from "./index.js";
import type { CommandEntry } from "./types.js";
import { configUserLines, setDefaultPassword } from "../acl/state.js";
import { resetLatencyHistograms } from "./latency.js";

export const commands: CommandEntry[] = [
  {
    name: "config",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "get", arity: -3, flags: ["admin", "noscript", "loading", "stale"], run: configGet },
      {
        name: "set",
        arity: -4,
        flags: ["admin", "noscript", "loading", "stale"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: configSet,
      },
      {
        name: "resetstat",
        arity: 2,
        flags: ["admin", "noscript", "loading", "stale"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: configResetstat,
      },
      {
        name: "rewrite",
        arity: 2,
        flags: ["admin", "noscript", "loading", "stale"],
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run: configRewrite,
      },
      { name: "help", arity: 2, flags: ["loading", "stale"], run: configHelp },
    ],
  },
];

// CONFIG GET parameter [parameter ...]
function configGet(c: Client, argv: Buffer[]): void {
  // name as shown -> value; exact names keep the spelling asked for, as in Valkey
  const matches = new Map<string, ParamDef>();
  for (let i = 2; i < argv.length; i++) {
    const pattern = str(argv[i]!);
    if (!/[[*?]/.test(pattern)) {
      const p = findParam(pattern);
      if (p && !matches.has(pattern)) {
        matches.set(pattern, p);
      }
      continue;
    }
    for (const [name, p] of allParamNames()) {
      // aliases are entries of their own, as in Valkey's config dictionary
      if (matches.has(name)) continue;
      if (globMatch(pattern, name, true)) {
        matches.set(name, p);
      }
    }
  }
  const params = c.server.config.params;
  c.w.map(matches.size);
  for (const [name, p] of matches) {
    c.w.bulk(name);
    c.w.text(shownValue(p, params.get(p.name)!));
  }
}

/** Can this client change protected configs (dir, dbfilename)? Valkey's allowProtectedAction. */
export function allowProtected(c: Client, setting: string): boolean {
  return setting === "yes" || (setting === "local" && isLocal(c));
}

function isLocal(c: Client): boolean {
  const a = c.conn.remoteAddress;
  return a === "" || a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

// CONFIG SET parameter value [parameter value ...]
function configSet(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 !== 0) throw E.syntax;
  const server = c.server;
  const params = server.config.params;
  const chosen: ParamDef[] = [];
  const raws: string[] = [];
  let unknown: string | null = null;
  let failure: { arg: string; reason: string } | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const name = str(argv[i]!);
    const p = findParam(name);
    if (!p) {
      if (unknown === null && failure === null) unknown = name;
      continue;
    }
    const raw = argv[i + 1]!.toString("utf8");
    // Every sensitive value is redacted, even when the command fails further on.
    if (p.sensitive) redactArg(argv, i + 1);
    if (unknown !== null || failure !== null) continue;
    if (p.immutable) failure = { arg: name, reason: "can't set immutable config" };
    else if (p.protected && !allowProtected(c, params.get("enable-protected-configs")!)) {
      failure = { arg: name, reason: "can't set protected config" };
    } else if (chosen.includes(p)) failure = { arg: name, reason: "duplicate parameter" };
    chosen.push(p);
    raws.push(raw);
  }
  if (unknown !== null) throw errorText(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
  if (failure !== null) throw errorText(`ERR CONFIG SET failed (possibly related to argument '${failure.arg}') - ${failure.reason}`);
  // Validate every value before changing anything: the whole command applies or nothing does.
  const values: string[] = [];
  for (let i = 0; i < chosen.length; i++) {
    const p = chosen[i]!;
    try {
      values.push(validateParam(p, raws[i]!, params.get(p.name)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw errorText(`ERR CONFIG SET failed (possibly related to argument '${p.name}') - ${e.message}`);
    }
  }
  const old = chosen.map((p) => params.get(p.name)!);
  chosen.forEach((p, i) => params.set(p.name, values[i]!));
  const changed = chosen.filter((p, i) => values[i] !== old[i]).map((p) => p.name);
  applyConfig(server, changed);
  const relisten = changed.includes("bind") ? "bind" : changed.includes("port") ? "port" : null;
  if (relisten === null || server.openListener === null) {
    c.w.ok();
    return;
  }
  const rollback = (): void => {
    chosen.forEach((p, i) => params.set(p.name, old[i]!));
    applyConfig(server, changed);
  };
  const failed = relisten === "bind" ? "Failed to bind to specified addresses." : "Unable to listen on this port";
  const done = server.relisten();
  if (c.inExec) {
    // Inside EXEC the reply cannot wait: answer now, undo the change if the listeners cannot move.
    done.catch(() => {
      rollback();
      server.log("warning", `CONFIG SET ${relisten} failed inside EXEC: ${failed}`);
    });
    c.w.ok();
    return;
  }
  // Opening sockets is asynchronous: this client waits for the outcome, as its reply depends on it.
  c.suspended = true;
  done.then(
    () => c.w.ok(),
    () => {
      rollback();
      const text = `ERR CONFIG SET failed (possibly related to argument '${relisten}') - ${failed}`;
      c.w.error(text);
      c.server.stats.errorReply(text);
    },
  ).finally(() => server.resume(c));
}

/**
 * Make changed settings take effect on the running server. Called by CONFIG SET and once at startup (for
 * everything that is not simply read where it is used: maxclients, timeout, slowlog-*, requirepass for new
 * connections and protected-mode are read live).
 */
export function applyConfig(server: Server, names: string[]): void {
  const params = server.config.params;
  for (const name of names) {
    switch (name) {
      case "notify-keyspace-events": {
        const flags = parseNotifyFlags(params.get(name)!)!;
        // Without K or E nothing is ever published: keep the store's fast path off.
        server.store.notifyFlags = flags & (N.KEYSPACE | N.KEYEVENT) ? flags : 0;
        break;
      }
      case "proto-max-bulk-len":
      case "client-query-buffer-limit": {
        const limits = server.parserLimits();
        for (const c of server.clients.values()) c.parser.setLimits(limits);
        break;
      }
      case "hz":
        server.restartTimers();
        break;
      case "requirepass":
        // Valkey: clients are authenticated at connect time when the default user needs no password, and
        // unauthenticated ones may go on as soon as it stops needing one.
        setDefaultPassword(server, params.get(name) || null);
        break;
      case "slowlog-log-slower-than":
        server.slowlogThreshold = Number(params.get(name));
        break;
      case "latency-monitor-threshold":
        server.latencyThreshold = Number(params.get(name));
        break;
      case "latency-tracking":
        server.latencyTracking = params.get(name) === "yes";
        break;
      case "min-replicas-to-write":
      case "min-replicas-max-lag":
        // This server never has replicas: with both positive (Valkey's checkGoodReplicasStatus) every write is
        // refused with NOREPLICAS, as on a primary whose replicas are gone (the gate and redis.call read this).
        server.writesRefused = params.get("min-replicas-to-write") !== "0" && params.get("min-replicas-max-lag") !== "0";
        break;
      case "loglevel":
        break;
      case "maxmemory":
      case "maxmemory-clients":
      case "maxmemory-policy":
      case "maxmemory-samples":
      case "lfu-log-factor":
      case "lfu-decay-time":
        configureEviction(server);
        break;
    }
  }
}

// CONFIG RESETSTAT
function configResetstat(c: Client): void {
  resetStats(c.server);
  c.w.ok();
}

/** Valkey's resetServerStats + resetCommandTableStats + resetErrorTableStats. */
export function resetStats(server: Server): void {
  server.stats.reset();
  const s = server.store.stats;
  s.keyspaceHits = s.keyspaceMisses = s.expiredKeys = s.expiredStalePerc = s.evictedKeys = s.evictedClients = 0;
  for (const e of allEntries()) e.calls = e.usec = e.failedCalls = e.rejectedCalls = 0;
  resetLatencyHistograms(server);
}

// CONFIG REWRITE
function configRewrite(c: Client): void {
  const file = c.server.config.configFile;
  if (file === null) throw errorText("ERR The server is running without a config file");
  try {
    writeFileAtomic(file, rewriteConfigText(file, c.server.config.params, configUserLines(c.server)));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    c.server.log("warning", `CONFIG REWRITE failed: ${err.message}`);
    throw errorText(`ERR Rewriting config file: ${errnoText(err)}`);
  }
  c.server.log("notice", "CONFIG REWRITE executed with success.");
  c.w.ok();
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
};

/** strerror() text for a file error, as Valkey prints it. */
export function errnoText(e: NodeJS.ErrnoException): string {
  return (e.code && ERRNO_TEXT[e.code]) || e.message;
}

// CONFIG HELP
function configHelp(c: Client): void {
  c.w.help("CONFIG", [
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
  ]);
}

