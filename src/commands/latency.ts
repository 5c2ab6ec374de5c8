// LATENCY DOCTOR GRAPH HISTOGRAM HISTORY LATEST RESET HELP: Valkey's latency monitor (latency.c) — events slower
// than latency-monitor-threshold (ms; 0 = off), 160 samples per event, one per second — and the per-command latency
// histograms kept while latency-tracking is on (Valkey's hdr histograms read with 1024 ns first bucket, factor 2).

import type { Client } from "../client.js";
import type { Server } from "../server.js";
import { str } from "../args.js";
import { errorText } from "../errors.js";
import { allEntries, lookupCommand } from "./index.js";
import { F, type CommandEntry } from "./types.js";

const ADMIN = ["admin", "noscript", "loading", "stale"];
const TIPS = ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"];

export const commands: CommandEntry[] = [
  {
    name: "latency",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "doctor", arity: 2, flags: ADMIN, tips: TIPS, run: latencyDoctor },
      { name: "graph", arity: 3, flags: ADMIN, tips: TIPS, run: latencyGraph },
      { name: "histogram", arity: -2, flags: ADMIN, tips: TIPS, run: latencyHistogram },
      { name: "history", arity: 3, flags: ADMIN, tips: TIPS, run: latencyHistory },
      { name: "latest", arity: 2, flags: ADMIN, tips: TIPS, run: latencyLatest },
      { name: "reset", arity: -2, flags: ADMIN, tips: ["request_policy:all_nodes", "response_policy:agg_sum"], run: latencyReset },
      { name: "help", arity: 2, flags: ["loading", "stale"], run: latencyHelp },
    ],
  },
];

/** latency.h LATENCY_TS_LEN */
const TS_LEN = 160;

interface Sample {
  time: number;
  latency: number;
}

interface TimeSeries {
  samples: Sample[];
  max: number;
}

/** Per-command histogram: counts per log2 bucket (bucket k holds durations up to HIGH_NS[k]). */
const BUCKETS = 48;

export class LatencyState {
  readonly events = new Map<string, TimeSeries>();
  /** By entry id (Command.id; read for every command: an array index, not a Map lookup). */
  histograms: Array<number[] | undefined> = [];
}

/** The server's latency state (a field on the server: read for every command while latency-tracking is on). */
function state(server: Server): LatencyState {
  return (server.latencyState ??= new LatencyState());
}

/** The highest duration (ns) Valkey's log iterator reports for bucket k: hdr's highest equivalent value of 1024·2^k. */
const HIGH_NS: number[] = [];
for (let k = 0; k < BUCKETS; k++) {
  const v = 1024 * 2 ** k;
  HIGH_NS.push(v + v / 128 - 1);
}

/**
 * A command finished after `us` microseconds (called by the server for every counted call): its latency histogram
 * when latency-tracking is on, and a "command" / "fast-command" event when it reached latency-monitor-threshold.
 */
export function recordCommandLatency(server: Server, e: CommandEntry, us: number): void {
  if (server.latencyTracking) {
    const s = state(server);
    let h = s.histograms[e.id!];
    if (h === undefined) s.histograms[e.id!] = h = new Array<number>(BUCKETS).fill(0);
    // LATENCY_HISTOGRAM_MIN_VALUE: 1024 ns, bucket 0 (most commands: under 1.5 us, rounded to 0 or 1)
    if (us <= 1) {
      h[0]!++;
      return sampleIfSlow(server, e, us);
    }
    const ns = us * 1000;
    // floor(log2(ns / 1024)), then at most a step up past the bucket's highest equivalent value
    let k = 31 - Math.clz32(Math.floor(ns / 1024));
    while (k < BUCKETS - 1 && ns > HIGH_NS[k]!) k++;
    h[Math.min(k, BUCKETS - 1)]!++;
  }
  sampleIfSlow(server, e, us);
}

function sampleIfSlow(server: Server, e: CommandEntry, us: number): void {
  if (server.latencyThreshold > 0) latencySample(server, e.bits! & F.FAST ? "fast-command" : "command", Math.floor(us / 1000));
}

/** latencyAddSampleIfNeeded: record `ms` for `event` when the monitor is on and it reached the threshold. */
export function latencySample(server: Server, event: string, ms: number): void {
  const threshold = server.latencyThreshold;
  if (threshold <= 0 || ms < threshold) return;
  const s = state(server);
  let ts = s.events.get(event);
  if (ts === undefined) s.events.set(event, (ts = { samples: [], max: 0 }));
  const now = Math.floor(Date.now() / 1000);
  if (ms > ts.max) ts.max = ms;
  // One sample per second: a second event in the same second keeps the higher latency.
  const last = ts.samples[ts.samples.length - 1];
  if (last !== undefined && last.time === now) {
    last.latency = Math.max(last.latency, ms);
    return;
  }
  ts.samples.push({ time: now, latency: ms });
  if (ts.samples.length > TS_LEN) ts.samples.shift();
}

/**
 * INFO latencystats: `latency_percentiles_usec_<command>:p50=…,p99=…` for each command with a histogram, by
 * hdr_value_at_percentile's walk (the first bucket whose running count reaches percentile·calls, rounded). The value
 * is that bucket's highest equivalent value, as LATENCY HISTOGRAM reports it: buckets are powers of two here where
 * Valkey's histogram keeps two significant digits, so a percentile reads up to 2× high.
 */
export function latencyPercentileLines(server: Server, percentiles: number[], name: (e: CommandEntry) => string): string[] {
  const hs = server.latencyState?.histograms ?? [];
  // Valkey prints the percentile with "%f" and trims the zeros: 50 -> "p50", 99.9 -> "p99.9"
  const labels = percentiles.map((p) => `p${String(Number(p.toFixed(6)))}`);
  const lines: string[] = [];
  for (const e of allEntries()) {
    const h = hs[e.id!];
    if (h === undefined) continue;
    let total = 0;
    for (let k = 0; k < BUCKETS; k++) total += h[k]!;
    const parts = percentiles.map((p, i) => {
      const want = Math.max(1, Math.floor((p / 100) * total + 0.5));
      let seen = 0;
      let k = 0;
      for (; k < BUCKETS - 1; k++) {
        seen += h[k]!;
        if (seen >= want) break;
      }
      // hdr reports the 0th percentile as the bucket's lowest equivalent value, any other as its highest
      return `${labels[i]}=${((p === 0 ? 1024 * 2 ** k : HIGH_NS[k]!) / 1000).toFixed(3)}`;
    });
    lines.push(`latency_percentiles_usec_${name(e)}:${parts.join(",")}`);
  }
  return lines;
}

/** CONFIG RESETSTAT drops the command histograms (Valkey's resetCommandTableStats). */
export function resetLatencyHistograms(server: Server): void {
  if (server.latencyState) server.latencyState.histograms = [];
}

// LATENCY LATEST
function latencyLatest(c: Client): void {
  const events = c.server.latencyState?.events ?? new Map<string, TimeSeries>();
  c.w.array(events.size);
  for (const [name, ts] of events) {
    const last = ts.samples[ts.samples.length - 1]!;
    c.w.array(4);
    c.w.bulk(name);
    c.w.integer(last.time);
    c.w.integer(last.latency);
    c.w.integer(ts.max);
  }
}

// LATENCY HISTORY event
function latencyHistory(c: Client, argv: Buffer[]): void {
  const ts = c.server.latencyState?.events.get(str(argv[2]!));
  const samples = ts?.samples ?? [];
  c.w.array(samples.length);
  for (const s of samples) {
    c.w.array(2);
    c.w.integer(s.time);
    c.w.integer(s.latency);
  }
}

// LATENCY RESET [event [event ...]]
function latencyReset(c: Client, argv: Buffer[]): void {
  const events = c.server.latencyState?.events;
  if (events === undefined) return c.w.integer(0);
  if (argv.length === 2) {
    const n = events.size;
    events.clear();
    return c.w.integer(n);
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (events.delete(str(argv[i]!))) n++;
  c.w.integer(n);
}

// LATENCY GRAPH event
function latencyGraph(c: Client, argv: Buffer[]): void {
  const event = str(argv[2]!);
  const ts = c.server.latencyState?.events.get(event);
  if (ts === undefined || ts.samples.length === 0) throw errorText(`ERR No samples available for event '${event}'`);
  c.w.verbatim(graph(event, ts));
}

/** latencyCommandGenSparkeline: a title line, a rule, then the sparkline with "ago" labels, 80 columns wide. */
function graph(event: string, ts: TimeSeries): string {
  const now = Math.floor(Date.now() / 1000);
  const values: number[] = [];
  const labels: string[] = [];
  let min = 0;
  let max = 0;
  for (const s of ts.samples) {
    if (values.length === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    const elapsed = now - s.time;
    labels.push(
      elapsed < 60 ? `${elapsed}s` : elapsed < 3600 ? `${Math.floor(elapsed / 60)}m` : elapsed < 86400 ? `${Math.floor(elapsed / 3600)}h` : `${Math.floor(elapsed / 86400)}d`,
    );
    values.push(s.latency);
  }
  let out = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${"-".repeat(GRAPH_COLS)}\n`;
  for (let j = 0; j < values.length; j += GRAPH_COLS) {
    if (j !== 0) out += "\n";
    out += sparkline(values, labels, min, max, j, Math.min(GRAPH_COLS, values.length - j));
  }
  return out;
}

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;
/** sparkline.c with SPARKLINE_FILL */
const FILL = "_o#";

/** sparklineRenderRange: `rows` rows of bars, one blank spacing row, then the labels written downwards. */
function sparkline(values: number[], labels: string[], min: number, max: number, offset: number, len: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = FILL.length * GRAPH_ROWS;
  let out = "";
  for (let row = 0; ; row++) {
    let loop = false;
    const chars = new Array<string>(len).fill(" ");
    for (let j = 0; j < len; j++) {
      const relval = values[j + offset]! - min;
      let step = Math.trunc((relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < GRAPH_ROWS) {
        const charidx = step - (GRAPH_ROWS - row - 1) * FILL.length;
        loop = true;
        if (charidx >= 0 && charidx < FILL.length) chars[j] = FILL[charidx]!;
        else if (charidx >= FILL.length) chars[j] = "|";
      } else {
        // one row of spacing before the labels
        if (row - GRAPH_ROWS < 1) {
          loop = true;
          break;
        }
        const label = labels[j + offset]!;
        const at = row - GRAPH_ROWS - 1;
        if (label.length > at) {
          loop = true;
          chars[j] = label[at]!;
        }
      }
    }
    if (!loop) return out;
    out += chars.join("") + "\n";
  }
}

// LATENCY DOCTOR
function latencyDoctor(c: Client): void {
  const events = c.server.latencyState?.events;
  if (c.server.latencyThreshold <= 0 && (events === undefined || events.size === 0)) {
    return c.w.verbatim(
      'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Valkey instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it.\n',
    );
  }
  if (events === undefined || events.size === 0) {
    return c.w.verbatim("No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n");
  }
  // createLatencyReport: one line per event, then the advice its events call for.
  const server = c.server;
  let report = "Latency spikes are observed in this Valkey instance.\n\n";
  let i = 1;
  let advices = 0;
  let slowlogEnable = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let largeObjects = false;
  for (const [name, ts] of events) {
    const n = ts.samples.length;
    const avg = ts.samples.reduce((a, s) => a + s.latency, 0) / n;
    const mad = ts.samples.reduce((a, s) => a + Math.abs(s.latency - avg), 0) / n;
    const period = Math.max(1, Math.floor(Date.now() / 1000) - ts.samples[0]!.time) / n;
    report += `${i++}. ${name}: ${n} latency spikes (average ${Math.trunc(avg)}ms, mean deviation ${Math.trunc(mad)}ms, period ${period.toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
    if (name === "command") {
      const maxLen = Number(server.param("slowlog-max-len"));
      if (server.slowlogThreshold < 0 || maxLen === 0) slowlogEnable = true;
      else if (Math.trunc(server.slowlogThreshold / 1000) > server.latencyThreshold) slowlogTuning = true;
      slowlogInspect = largeObjects = true;
      advices++;
    }
  }
  if (advices === 0) {
    report +=
      "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Valkey community to get some help, providing this report in your help request.\n";
    return c.w.verbatim(report);
  }
  const us = server.latencyThreshold * 1000;
  report += "\nHere is some advice for you:\n\n";
  if (slowlogEnable) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Valkey feature using the command 'CONFIG SET slowlog-log-slower-than ${us}'. If the Slow log is disabled Valkey is not able to log slow commands execution for you.\n`;
  }
  if (slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${us}'.\n`;
  }
  if (slowlogInspect) {
    report +=
      "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://valkey.io/commands/slowlog for more information.\n";
  }
  if (largeObjects) {
    report +=
      "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n";
  }
  c.w.verbatim(report);
}

// LATENCY HISTOGRAM [command [command ...]]
function latencyHistogram(c: Client, argv: Buffer[]): void {
  const hs = c.server.latencyState?.histograms ?? [];
  const has = (e: CommandEntry): boolean => hs[e.id!] !== undefined;
  const picked: CommandEntry[] = [];
  if (argv.length === 2) {
    for (const e of allEntries()) if (has(e)) picked.push(e);
  } else {
    for (let i = 2; i < argv.length; i++) {
      // Valkey's lookupCommandBySds: "config|get" names a subcommand; a container brings its subcommands.
      const e = lookupCommand(str(argv[i]!).split("|").map((p) => Buffer.from(p, "latin1")), c.server.renames);
      if (e === undefined) continue;
      if (has(e)) picked.push(e);
      if (e.subcommands) for (const s of e.subcommands) if (has(s)) picked.push(s);
    }
  }
  const w = c.w;
  w.map(picked.length);
  for (const e of picked) {
    const h = hs[e.id!]!;
    w.bulk(e.fullname!);
    w.map(2);
    w.bulk("calls");
    w.integer(h.reduce((a, b) => a + b, 0));
    w.bulk("histogram_usec");
    const pairs: Array<[number, number]> = [];
    let cumulative = 0;
    for (let k = 0; k < BUCKETS; k++) {
      if (h[k] === 0) continue;
      cumulative += h[k]!;
      pairs.push([Math.floor(HIGH_NS[k]! / 1000), cumulative]);
    }
    w.map(pairs.length);
    for (const [us, n] of pairs) {
      w.integer(us);
      w.integer(n);
    }
  }
}

// LATENCY HELP
function latencyHelp(c: Client): void {
  c.w.help("LATENCY", [
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
  ]);
}
