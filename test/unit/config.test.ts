import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  findParam,
  formatMemory,
  loadConfig,
  notifyFlagsToString,
  parseConfFile,
  parseMemoryBig,
  parseNotifyFlags,
  PARAMS,
  rewriteConfigText,
  rewriteLines,
  validateParam,
} from "../../src/config.js";

import { isLoopback } from "../../src/server.js";
import { globMatch as stringMatch } from "../../src/glob.js";

const v = (name: string, raw: string, current?: string) => validateParam(findParam(name)!, raw, current);
const reason = (name: string, raw: string) => {
  try {
    v(name, raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return null;
};

describe("parameter validation", () => {
  it("every default is valid for its own parameter", () => {
    for (const p of PARAMS) expect(validateParam(p, p.default), p.name).toBe(p.default);
  });

  it("bools, ints and enums in canonical form, with Valkey's reasons", () => {
    expect(v("protected-mode", "YES")).toBe("yes");
    expect(reason("protected-mode", "1")).toBe("argument must be 'yes' or 'no'");
    expect(v("timeout", "30")).toBe("30");
    expect(reason("timeout", "030")).toBe("argument couldn't be parsed into an integer");
    expect(reason("timeout", "+3")).toBe("argument couldn't be parsed into an integer");
    expect(reason("timeout", "2147483648")).toBe("argument must be between 0 and 2147483647 inclusive");
    expect(reason("slowlog-max-len", "-1")).toBe("argument must be between 0 and 9223372036854775807 inclusive");
    expect(v("slowlog-log-slower-than", "-1")).toBe("-1");
    expect(v("list-max-listpack-size", "-5")).toBe("-5");
    expect(v("maxmemory-policy", "AllKeys-LFU")).toBe("allkeys-lfu");
    expect(v("oom-score-adj", "relative")).toBe("yes");
    expect(reason("appendfsync", "x")).toBe("argument(s) must be one of the following: everysec, always, no");
  });

  it("hz is clamped into 1..500", () => {
    expect(v("hz", "0")).toBe("1");
    expect(v("hz", "100000")).toBe("500");
    expect(v("hz", "50")).toBe("50");
  });

  it("memory values: Valkey's units, no sign, bounds, percentages", () => {
    expect(parseMemoryBig("1k")).toBe(1000n);
    expect(parseMemoryBig("1KB")).toBe(1024n);
    expect(parseMemoryBig("3m")).toBe(3_000_000n);
    expect(parseMemoryBig("2gb")).toBe(2n * 1024n ** 3n);
    expect(parseMemoryBig("10b")).toBe(10n);
    expect(parseMemoryBig("-1")).toBeNull();
    expect(parseMemoryBig("1tb")).toBeNull();
    expect(parseMemoryBig("1.5mb")).toBeNull();
    expect(v("maxmemory", "100mb")).toBe("104857600");
    expect(reason("maxmemory", "lots")).toBe("argument must be a memory value");
    expect(reason("proto-max-bulk-len", "1000")).toBe("argument must be between 1048576 and 9223372036854775807 inclusive");
    expect(v("maxmemory-clients", "5%")).toBe("5%");
    expect(reason("maxmemory-clients", "101%")).toBe("percentage argument must be less or equal to 100");
    expect(reason("maxmemory-clients", "x%")).toBe("argument must be a memory or percent value");
  });

  it("persistence settings are validated, then reported as off", () => {
    expect(v("save", "900 1 300 10")).toBe("");
    expect(v("save", "")).toBe("");
    expect(reason("save", "900")).toBe("Invalid save parameters");
    expect(reason("save", "0 1")).toBe("Invalid save parameters");
    expect(reason("save", "1 x")).toBe("Invalid save parameters");
    expect(v("appendonly", "yes")).toBe("no");
  });

  it("client-output-buffer-limit updates only the classes given", () => {
    const cur = findParam("client-output-buffer-limit")!.default;
    expect(v("client-output-buffer-limit", "normal 1mb 2mb 3", cur)).toBe(
      "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    );
    expect(v("client-output-buffer-limit", "replica 1 2 3 PUBSUB 4 5 6", cur)).toBe("normal 0 0 0 slave 1 2 3 pubsub 4 5 6");
    expect(reason("client-output-buffer-limit", "normal 1 2 -3")).toBe(
      "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
    );
  });

  it("bind and latency percentiles", () => {
    expect(v("bind", "127.0.0.1   ::1")).toBe("127.0.0.1 ::1");
    expect(reason("bind", Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(" "))).toBe("Too many bind addresses specified.");
    expect(v("latency-tracking-info-percentiles", "50 99.90 100")).toBe("50 99.9 100");
    expect(reason("latency-tracking-info-percentiles", "101")).toBe(
      "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
    );
  });
});

describe("keyspace notification classes", () => {
  it("parse Valkey's letters and print them back canonically", () => {
    expect(parseNotifyFlags("Q")).toBeNull();
    expect(notifyFlagsToString(parseNotifyFlags("")!)).toBe("");
    expect(notifyFlagsToString(parseNotifyFlags("KEA")!)).toBe("AKE");
    expect(notifyFlagsToString(parseNotifyFlags("Eg$lshzxetd")!)).toBe("AE");
    expect(notifyFlagsToString(parseNotifyFlags("Kg$")!)).toBe("g$K");
    expect(notifyFlagsToString(parseNotifyFlags("mnK")!)).toBe("nKm");
    // 'A' covers neither key misses nor new keys; next to 'A' Valkey's string drops 'n'
    expect(notifyFlagsToString(parseNotifyFlags("An")!)).toBe("A");
    expect(parseNotifyFlags("An")! & (1 << 14)).not.toBe(0);
    expect(parseNotifyFlags("A")! & (1 << 11)).toBe(0);
  });
});

describe("config files", () => {
  const dir = mkdtempSync(join(tmpdir(), "vb-unit-conf-"));

  it("parse with quotes, escapes, comments, multi-argument directives and aliases", () => {
    const file = join(dir, "a.conf");
    writeFileSync(file, '# c\n  port 7000\nrequirepass "a \\"b\\" c"\nsave 900 1 300 10\nbind 127.0.0.1 ::1\nslave-read-only no\nsave ""\n');
    expect(parseConfFile(file)).toEqual([
      ["port", "7000"],
      ["requirepass", 'a "b" c'],
      ["save", "900 1 300 10"],
      ["bind", "127.0.0.1 ::1"],
      ["replica-read-only", "no"],
      ["save", ""],
    ]);
    const c = loadConfig({ argv: [file, "--maxmemory", "1gb"], env: {} });
    expect(c.configFile).toBe(file);
    expect(c.params.get("requirepass")).toBe('a "b" c');
    expect(c.params.get("maxmemory")).toBe("1073741824");
    expect(c.params.get("save")).toBe("");
  });

  it("a stock config file loads: every directive Debian's redis.conf (Redis 7.0) sets, and Valkey 8's newer ones", () => {
    const file = join(dir, "stock.conf");
    // Debian's /etc/redis/redis.conf without its comments (dir and logfile pointed somewhere that exists)
    const debian = `bind 127.0.0.1 -::1|protected-mode yes|port 6379|tcp-backlog 511|timeout 0|tcp-keepalive 300|daemonize yes|pidfile /run/redis/redis-server.pid|loglevel notice|logfile ""|databases 16|always-show-logo no|set-proc-title yes|proc-title-template "{title} {listen-addr} {server-mode}"|stop-writes-on-bgsave-error yes|rdbcompression yes|rdbchecksum yes|dbfilename dump.rdb|rdb-del-sync-files no|dir ${dir}|replica-serve-stale-data yes|replica-read-only yes|repl-diskless-sync yes|repl-diskless-sync-delay 5|repl-diskless-sync-max-replicas 0|repl-diskless-load disabled|repl-disable-tcp-nodelay no|replica-priority 100|acllog-max-len 128|lazyfree-lazy-eviction no|lazyfree-lazy-expire no|lazyfree-lazy-server-del no|replica-lazy-flush no|lazyfree-lazy-user-del no|lazyfree-lazy-user-flush no|oom-score-adj no|oom-score-adj-values 0 200 800|disable-thp yes|appendonly no|appendfilename "appendonly.aof"|appenddirname "appendonlydir"|appendfsync everysec|no-appendfsync-on-rewrite no|auto-aof-rewrite-percentage 100|auto-aof-rewrite-min-size 64mb|aof-load-truncated yes|aof-use-rdb-preamble yes|aof-timestamp-enabled no|slowlog-log-slower-than 10000|slowlog-max-len 128|latency-monitor-threshold 0|notify-keyspace-events ""|hash-max-listpack-entries 512|hash-max-listpack-value 64|list-max-listpack-size -2|list-compress-depth 0|set-max-intset-entries 512|zset-max-listpack-entries 128|zset-max-listpack-value 64|hll-sparse-max-bytes 3000|stream-node-max-bytes 4096|stream-node-max-entries 100|activerehashing yes|client-output-buffer-limit normal 0 0 0|client-output-buffer-limit replica 256mb 64mb 60|client-output-buffer-limit pubsub 32mb 8mb 60|hz 10|dynamic-hz yes|aof-rewrite-incremental-fsync yes|rdb-save-incremental-fsync yes|jemalloc-bg-thread yes`;
    // directives valkey-server 8.0 lists in CONFIG GET * that this server once refused (TLS aside: see docs/compatibility.md)
    const valkey8 = `shutdown-on-sigint default|shutdown-on-sigterm nosave now|hide-user-data-from-log yes|io-threads-do-reads yes|events-per-io-thread 2|prefetch-batch-max-size 16|server-cpulist 0-1|bio_cpulist 0|aof-rewrite-cpulist ""|bgsave-cpulist ""|replica-ignore-disk-write-errors no|dual-channel-replication-enabled no|cluster-allow-replica-migration yes|cluster-migration-barrier 1|cluster-slave-no-failover no|cluster-replica-validity-factor 10|cluster-blacklist-ttl 60|cluster-link-sendbuf-limit 0|cluster-announce-tls-port 0|cluster-announce-client-ipv4 ""|cluster-announce-client-ipv6 ""|cluster-announce-human-nodename ""|cluster-slot-stats-enabled no`;
    writeFileSync(file, `${debian}|${valkey8}`.split("|").join("\n") + "\n");
    const c = loadConfig({ argv: [file], env: {} });
    expect(c.params.get("oom-score-adj-values")).toBe("0 200 800");
    expect(c.params.get("shutdown-on-sigterm")).toBe("nosave now");
    expect(c.params.get("server-cpulist")).toBe("0-1");
    expect(c.params.get("bio-cpulist")).toBe("0");
  });

  it("oom-score-adj-values and shutdown-on-sig*: Valkey's checks and canonical forms", () => {
    expect(v("oom-score-adj-values", "-5 +7 10")).toBe("-5 7 10");
    expect(reason("oom-score-adj-values", "1 2")).toBe("wrong number of arguments");
    expect(reason("oom-score-adj-values", "1 2 3000")).toBe("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    expect(reason("oom-score-adj-values", "1 2 x")).toBe("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    expect(v("shutdown-on-sigint", "now save")).toBe("save now");
    expect(v("shutdown-on-sigint", "default now")).toBe("now");
    expect(v("shutdown-on-sigint", "force NOW")).toBe("now force");
    expect(v("shutdown-on-sigint", "default")).toBe("default");
    const one = "argument(s) must be one of the following: default, save, nosave, now, force";
    expect(reason("shutdown-on-sigint", "")).toBe(one);
    expect(reason("shutdown-on-sigint", "foo")).toBe(one);
    expect(reason("shutdown-on-sigint", "save nosave")).toBe("shutdown options SAVE and NOSAVE can't be used simultaneously");
  });

  it("reject unknown directives and wrong argument counts", () => {
    const bad = join(dir, "b.conf");
    writeFileSync(bad, "nosuchthing 1\n");
    expect(() => parseConfFile(bad)).toThrow(/Bad directive/);
    writeFileSync(bad, "port 1 2\n");
    expect(() => parseConfFile(bad)).toThrow(/wrong number of arguments/);
    writeFileSync(bad, 'requirepass "open\n');
    expect(() => parseConfFile(bad)).toThrow(/Unbalanced quotes/);
    expect(() => loadConfig({ argv: ["--maxmemory", "lots"], env: {} })).toThrow(/argument must be a memory value/);
  });

  it("VALKEY_* values must be strings (the in-process API can be called from plain JS)", () => {
    const env = { VALKEY_PORT: 6390 } as unknown as Record<string, string>;
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow("invalid VALKEY_PORT: expected a string, got number");
    expect(loadConfig({ env: { VALKEY_PORT: "6390", UNRELATED: "x" } }).params.get("port")).toBe("6390");
  });

  it("rewrite: memory in units, strings quoted, defaults left out unless present", () => {
    expect(formatMemory(0n)).toBe("0");
    expect(formatMemory(1024n)).toBe("1kb");
    expect(formatMemory(3n * 1024n * 1024n)).toBe("3mb");
    expect(formatMemory(1025n)).toBe("1025");
    expect(rewriteLines(findParam("maxmemory")!, "0")).toEqual({ lines: ["maxmemory 0"], force: false });
    expect(rewriteLines(findParam("requirepass")!, "")).toEqual({ lines: null, force: false });
    expect(rewriteLines(findParam("logfile")!, "/var/log/x y")).toEqual({ lines: ['logfile "/var/log/x y"'], force: true });
    expect(rewriteLines(findParam("client-output-buffer-limit")!, "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 0 0").lines).toEqual([
      "client-output-buffer-limit normal 0 0 0",
      "client-output-buffer-limit replica 256mb 64mb 60",
      "client-output-buffer-limit pubsub 1mb 0 0",
    ]);
    const file = join(dir, "r.conf");
    writeFileSync(file, "# keep me\nunknown-thing 1\nmaxmemory 5mb\nmaxmemory 6mb\n");
    const params = new Map(PARAMS.map((p) => [p.name, p.default]));
    params.set("timeout", "30");
    params.set("dir", "/data");
    expect(rewriteConfigText(file, params)).toBe(
      '# keep me\n# ??? unknown-thing 1\nmaxmemory 0\n\n# Generated by CONFIG REWRITE\ntimeout 30\nlatency-tracking-info-percentiles 50 99 99.9\nsave ""\ndir "/data"\n',
    );
    expect(rewriteConfigText(join(dir, "missing.conf"), params)).toBe(
      '# Generated by CONFIG REWRITE\ntimeout 30\nlatency-tracking-info-percentiles 50 99 99.9\nsave ""\ndir "/data"\n',
    );
    // include lines stay as written, as in Valkey
    writeFileSync(file, "include /etc/valkey/common.conf\nmaxmemory 5mb\n");
    expect(rewriteConfigText(file, params)).toBe(
      'include /etc/valkey/common.conf\nmaxmemory 0\n\n# Generated by CONFIG REWRITE\ntimeout 30\nlatency-tracking-info-percentiles 50 99 99.9\nsave ""\ndir "/data"\n',
    );
  });

  it("include: a file in place, or a pattern's matches in name order (none is fine); a missing file is an error", () => {
    const inc = mkdtempSync(join(tmpdir(), "vb-unit-inc-"));
    mkdirSync(join(inc, "conf.d"));
    mkdirSync(join(inc, "empty.d"));
    writeFileSync(join(inc, "conf.d", "20-memory.conf"), "maxmemory 20mb\nmaxmemory-policy allkeys-lru\n");
    writeFileSync(join(inc, "conf.d", "10-memory.conf"), "maxmemory 10mb\ninclude " + join(inc, "nested.conf") + "\n");
    writeFileSync(join(inc, "conf.d", ".hidden.conf"), "maxmemory 99mb\n");
    writeFileSync(join(inc, "conf.d", "notes.txt"), "not a config\n");
    writeFileSync(join(inc, "nested.conf"), "hz 20\n");
    const main = join(inc, "main.conf");
    writeFileSync(main, `port 7000\ninclude ${join(inc, "conf.d")}/*.conf\ninclude ${join(inc, "empty.d")}/*.conf\ntimeout 5\n`);
    const c = loadConfig({ argv: [main], env: {} });
    // 10-memory.conf, then nested.conf, then 20-memory.conf: the last maxmemory wins; the hidden file is skipped
    expect(c.params.get("maxmemory")).toBe(String(20 * 1024 * 1024));
    expect(c.params.get("maxmemory-policy")).toBe("allkeys-lru");
    expect(c.params.get("hz")).toBe("20");
    expect(c.params.get("timeout")).toBe("5");
    // a plain path must exist; a bad value names the included file and line
    writeFileSync(main, `include ${join(inc, "missing.conf")}\n`);
    expect(() => loadConfig({ argv: [main], env: {} })).toThrow(`${main}:1: cannot read config file '${join(inc, "missing.conf")}'`);
    writeFileSync(join(inc, "nested.conf"), "hz 20\nmaxmemory lots\n");
    writeFileSync(main, `include ${join(inc, "nested.conf")}\n`);
    expect(() => loadConfig({ argv: [main], env: {} })).toThrow(`invalid 'maxmemory' at ${join(inc, "nested.conf")}:2: 'lots'`);
    // an include of itself stops, 16 deep
    writeFileSync(main, `include ${main}\n`);
    expect(() => loadConfig({ argv: [main], env: {} })).toThrow(/include nested more than 16 deep/);
  });
});

describe("stringMatch (Valkey's glob)", () => {
  it("matches *, ?, classes, ranges, negation and escapes", () => {
    expect(stringMatch("*", "anything")).toBe(true);
    expect(stringMatch("h?llo", "hello")).toBe(true);
    expect(stringMatch("h?llo", "hllo")).toBe(false);
    expect(stringMatch("h[ae]llo", "hallo")).toBe(true);
    expect(stringMatch("h[ae]llo", "hillo")).toBe(false);
    expect(stringMatch("h[^e]llo", "hallo")).toBe(true);
    expect(stringMatch("h[^e]llo", "hello")).toBe(false);
    expect(stringMatch("h[a-c]llo", "hbllo")).toBe(true);
    expect(stringMatch("h[c-a]llo", "hbllo")).toBe(true);
    expect(stringMatch("h\\*llo", "h*llo")).toBe(true);
    expect(stringMatch("h\\*llo", "hello")).toBe(false);
    expect(stringMatch("*max-*-entries*", "zset-max-ziplist-entries")).toBe(true);
    expect(stringMatch("*max-*-entries*", "stream-node-max-entries")).toBe(false);
    expect(stringMatch("MAX*", "maxmemory")).toBe(false);
    expect(stringMatch("MAX*", "maxmemory", true)).toBe(true);
    expect(stringMatch("[A-Z]x", "bx", true)).toBe(true);
    expect(stringMatch("a*", "")).toBe(false);
    expect(stringMatch("", "")).toBe(true);
    expect(stringMatch("ab[", "abc")).toBe(false);
    // abusive patterns end quickly
    expect(stringMatch("a*".repeat(30) + "b", "a".repeat(60))).toBe(false);
  });
});

describe("protected mode", () => {
  it("counts only loopback peers as local", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("127.0.0.2")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopback("192.0.2.2")).toBe(false);
    expect(isLoopback("::ffff:10.0.0.1")).toBe(false);
    expect(isLoopback("fd00::2")).toBe(false);
  });
});
