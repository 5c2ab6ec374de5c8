// HyperLogLog family: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. HLLs are plain string values in Valkey's own
// representation (src/structures/hll.ts), so GET/SET/DUMP/RESTORE move them between servers unchanged.

import type { Client } from "../client.js";
import { str, token } from "../args.js";
import { E, errorText } from "../errors.js";
import { N, type Entry } from "../store.js";
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuf,
  cachedCard,
  createHll,
  decodeSparse,
  denseFromRaw,
  denseGet,
  denseSet,
  hllCount,
  isHll,
  mergeInto,
  rawCount,
  setCachedCard,
} from "../structures/hll.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  {
    name: "pfadd",
    arity: -2,
    flags: ["write", "denyoom", "fast"],
    acl: ["hyperloglog"],
    keys: [{ begin: 1, flags: ["RW", "INSERT"] }],
    run: pfadd,
  },
  {
    name: "pfcount",
    arity: -2,
    flags: ["readonly", "may_replicate"],
    acl: ["hyperloglog"],
    keys: [
      {
        begin: 1,
        range: [-1, 1, 0],
        flags: ["RW", "ACCESS"],
        notes: "RW because it may change the internal representation of the key, and propagate to replicas",
      },
    ],
    run: pfcount,
  },
  {
    name: "pfmerge",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["hyperloglog"],
    keys: [
      { begin: 1, flags: ["RW", "ACCESS", "INSERT"] },
      { begin: 2, range: [-1, 1, 0], flags: ["RO", "ACCESS"] },
    ],
    run: pfmerge,
  },
  {
    name: "pfdebug",
    arity: 3,
    flags: ["write", "denyoom", "admin"],
    acl: ["hyperloglog"],
    keys: [{ begin: 2, flags: ["RW", "ACCESS"] }],
    run: pfdebug,
  },
  { name: "pfselftest", arity: 1, flags: ["admin"], acl: ["hyperloglog"], run: pfselftest },
];

const notHll = errorText("WRONGTYPE Key is not a valid HyperLogLog string value.");
const corrupt = errorText("INVALIDOBJ Corrupted HLL object detected");

function sparseMaxBytes(c: Client): number {
  return Number(c.server.param("hll-sparse-max-bytes"));
}

/** isHLLObjectOrReply: the entry's string value when it holds a valid HLL header. */
function hllValue(e: Entry): Buffer {
  if (e.type !== "string") throw E.wrongType;
  if (!isHll(e.value)) throw notHll;
  return e.value;
}

// PFADD key [element [element ...]]
function pfadd(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  const e = c.db.write(key);
  let h: HllBuf;
  let updated = 0;
  if (e === undefined) {
    h = HllBuf.of(createHll());
    updated++;
  } else h = HllBuf.of(hllValue(e));
  const max = sparseMaxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = h.add(argv[j]!, max);
    if (r === 1) updated++;
    else if (r === -1) throw corrupt;
  }
  if (e !== undefined) e.raw = true;
  if (updated) {
    h.invalidateCache();
    if (e === undefined) c.db.set(key, "string", h.value()).raw = true;
    else e.value = h.value();
    c.db.changed(key, "pfadd", N.STRING);
    c.server.store.dirty += updated - 1;
  }
  c.w.integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
function pfcount(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const e = c.db.read(str(argv[j]!));
      if (e === undefined) continue;
      if (!mergeInto(max, hllValue(e))) throw corrupt;
    }
    c.w.integer(rawCount(max));
    return;
  }
  const key = str(argv[1]!);
  const e = c.db.read(key);
  if (e === undefined) {
    c.w.integer(0);
    return;
  }
  const v = hllValue(e);
  e.raw = true;
  let card = cachedCard(v);
  if (card === -1) {
    card = hllCount(v);
    if (card === -1) throw corrupt;
    setCachedCard(v, card);
    // The cache lives in the value: WATCH sees a change, but no keyspace event is emitted.
    c.db.changed(key, "", 0);
  }
  c.w.integer(card);
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
function pfmerge(c: Client, argv: Buffer[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const e = c.db.read(str(argv[j]!));
    if (e === undefined) continue;
    const v = hllValue(e);
    if (v[4] === HLL_DENSE) useDense = true;
    if (!mergeInto(max, v)) throw corrupt;
  }
  const key = str(argv[1]!);
  let e = c.db.write(key);
  if (e === undefined) e = c.db.set(key, "string", createHll());
  const h = HllBuf.of(e.value);
  if (useDense) {
    h.toDense();
    denseFromRaw(h.b, max);
  } else {
    const limit = sparseMaxBytes(c);
    for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) h.set(j, max[j]!, limit);
  }
  h.invalidateCache();
  e.value = h.value();
  e.raw = true;
  c.db.changed(key, "pfadd", N.STRING);
  c.w.ok();
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
function pfdebug(c: Client, argv: Buffer[]): void {
  const cmd = argv[1]!.toString("latin1");
  const sub = token(argv[1]!);
  const e = c.db.write(str(argv[2]!));
  if (e === undefined) throw errorText("ERR The specified key does not exist");
  const v = hllValue(e);
  e.raw = true;
  switch (sub) {
    case "getreg": {
      let d = v;
      if (v[4] === HLL_SPARSE) {
        d = toDense(e);
        c.server.store.dirty++;
      }
      c.w.array(HLL_REGISTERS);
      for (let j = 0; j < HLL_REGISTERS; j++) c.w.integer(denseGet(d, HLL_HDR_SIZE, j));
      return;
    }
    case "decode":
      if (v[4] !== HLL_SPARSE) throw errorText("ERR HLL encoding is not sparse");
      c.w.bulk(decodeSparse(v));
      return;
    case "encoding":
      c.w.simple(v[4] === HLL_DENSE ? "dense" : "sparse");
      return;
    case "todense": {
      let conv = 0;
      if (v[4] === HLL_SPARSE) {
        toDense(e);
        conv = 1;
        c.server.store.dirty++;
      }
      c.w.integer(conv);
      return;
    }
    default:
      throw errorText(`ERR Unknown PFDEBUG subcommand '${cmd}'`);
  }
}

function toDense(e: Entry): Buffer {
  const h = HllBuf.of(e.value);
  if (!h.toDense()) throw corrupt;
  e.value = h.value();
  return e.value;
}

// PFSELFTEST
function pfselftest(c: Client): void {
  const bitcounters = Buffer.alloc(HLL_DENSE_SIZE);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  // Test 1: every register keeps its value without disturbing its neighbours.
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytecounters[i] = r;
      denseSet(bitcounters, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(bitcounters, HLL_HDR_SIZE, i);
      if (val !== bytecounters[i]) {
        throw errorText(`TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`);
      }
    }
  }
  // Test 2: dense and sparse agree and stay within the expected error.
  bitcounters.fill(0);
  bitcounters.write("HYLL", 0, "latin1");
  const dense = new HllBuf(bitcounters, bitcounters.length);
  const sparse = HllBuf.of(createHll());
  const limit = sparseMaxBytes(c);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedHi = (Math.random() * 2 ** 32) >>> 0;
  const seedLo = (Math.random() * 2 ** 32) >>> 0;
  const ele = Buffer.alloc(8);
  for (let j = 1; j <= 10000000; j++) {
    ele.writeUInt32LE((j ^ seedLo) >>> 0, 0);
    ele.writeUInt32LE(seedHi, 4);
    dense.add(ele, limit);
    sparse.add(ele, limit);
    if (j === checkpoint) {
      if (j < limit / 2 && sparse.encoding !== HLL_SPARSE) {
        throw errorText("TESTFAILED sparse encoding not used");
      }
      const cd = hllCount(dense.b);
      if (cd !== hllCount(sparse.value())) {
        throw errorText("TESTFAILED dense/sparse disagree");
      }
      const abserr = Math.abs(checkpoint - cd);
      const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
      if (abserr > maxerr) {
        throw errorText(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
      }
      checkpoint *= 10;
    }
  }
  c.w.ok();
}
