#!/usr/bin/env node
// Where a sorted set's cost goes as it grows, in process (no server, no sockets): ns per member -> score lookup
// (the dict's Map.get, what ZSCORE does), per ZRANK (that lookup plus the tree's descent) and per score update (ZADD
// of an existing member: lookup, remove, insert, Map.set), over random members of a set of --n elements. Lookups use
// fresh strings, as the server's argv conversion makes them. Run it at 1000 and at 1000000 to see which part stops
// fitting in the CPU caches (bench:scale measures the same commands end to end).
//
//   npm run build && node scripts/zset-scale-inproc.mjs [--n 1000000] [--queries 200000] [--rounds 3]
//   bun scripts/zset-scale-inproc.mjs [--n 1000000]              (Bun runs src/)

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, options } from "./lib/bench-common.mjs";

const { opt } = options(import.meta.url, [1, 9]);
const N = Number(opt("n", "1000000"));
const Q = Number(opt("queries", "200000"));
const ROUNDS = Number(opt("rounds", "3"));
const isBun = typeof globalThis.Bun !== "undefined";
const file = isBun ? join(ROOT, "src", "structures", "sortedset.ts") : join(ROOT, "dist", "structures", "sortedset.js");
const { SortedSet } = await import(pathToFileURL(file).href);

const z = new SortedSet(true);
for (let i = 0; i < N; i++) z.set(`member:${i}`, Math.floor(Math.random() * 1e9) / 1000);
const queries = [];
for (let i = 0; i < Q; i++) queries.push(`member:${Math.floor(Math.random() * N)}`.split("").join(""));

function perCall(f) {
  const t = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < Q; i++) sink += f(queries[i]);
  if (Number.isNaN(sink)) console.log("(unexpected NaN)");
  return Number(process.hrtime.bigint() - t) / Q;
}

const rows = [];
for (let r = 0; r < ROUNDS; r++) {
  rows.push({
    lookup: perCall((m) => z.score(m)),
    rank: perCall((m) => z.rank(m)),
    update: perCall((m) => {
      z.set(m, z.score(m) + 0.5);
      return 1;
    }),
  });
}
const min = (k) => Math.min(...rows.map((x) => x[k])).toFixed(0);
console.log(`${isBun ? `bun ${Bun.version}` : `node ${process.version}`}, ${N} elements, ns per call (best of ${ROUNDS}): lookup ${min("lookup")}, rank ${min("rank")}, update ${min("update")}`);
