import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Group,
  IdIndex,
  INVALID_READ,
  MAX_ID,
  Stream,
  U64_MAX,
  ZERO_ID,
  cmpID,
  decrID,
  formatID,
  incrID,
  parseStreamID,
  parseU64,
  strElemBytes,
  streamLayout,
  type StreamID,
} from "../../src/structures/stream.js";

const id = (ms: number | bigint, seq: number | bigint = 0): StreamID => ({ ms, seq });
const fv = (...s: string[]) => s.map((x) => Buffer.from(x));
const ids = (es: StreamID[]) => es.map(formatID);

function filled(n: number, limits = { maxBytes: 4096, maxEntries: 100 }): Stream {
  const s = new Stream();
  for (let i = 1; i <= n; i++) s.append(id(i), fv("f", String(i)), limits);
  return s;
}

describe("stream IDs", () => {
  it("parses u64 parts like Valkey's string2ull (strtoull fallback included)", () => {
    expect(parseU64("0")).toBe(0);
    expect(parseU64("123")).toBe(123);
    expect(parseU64("9007199254740991")).toBe(9007199254740991);
    expect(parseU64("9007199254740992")).toBe(9007199254740992n);
    expect(parseU64("18446744073709551615")).toBe(U64_MAX);
    expect(parseU64("18446744073709551616")).toBeNull();
    expect(parseU64("-1")).toBeNull();
    expect(parseU64("")).toBeNull();
    expect(parseU64("1x")).toBeNull();
    expect(parseU64("5 ")).toBeNull();
    // strtoull accepts what string2ll refuses
    expect(parseU64("007")).toBe(7);
    expect(parseU64("+7")).toBe(7);
    expect(parseU64(" 7")).toBe(7);
    expect(parseU64("-0")).toBe(0);
    expect(parseU64("-01")).toBe(U64_MAX);
  });

  it("parses full, partial, special and starred IDs", () => {
    expect(parseStreamID("5-3", 0, true)).toEqual({ ms: 5, seq: 3, seqGiven: true });
    expect(parseStreamID("5", 0, true)).toEqual({ ms: 5, seq: 0, seqGiven: true });
    expect(parseStreamID("5", U64_MAX, false)).toEqual({ ms: 5, seq: U64_MAX, seqGiven: true });
    expect(parseStreamID("-", 0, false)).toEqual({ ms: 0, seq: 0, seqGiven: true });
    expect(parseStreamID("+", 0, false)).toEqual({ ms: U64_MAX, seq: U64_MAX, seqGiven: true });
    expect(parseStreamID("-", 0, true)).toBeNull();
    expect(parseStreamID("+", 0, true)).toBeNull();
    expect(parseStreamID("5-*", 0, true, true)).toEqual({ ms: 5, seq: 0, seqGiven: false });
    expect(parseStreamID("5-*", 0, true)).toBeNull();
    expect(parseStreamID("5-", 0, true)).toBeNull();
    expect(parseStreamID("-5", 0, true)).toBeNull();
    expect(parseStreamID("1-2-3", 0, true)).toBeNull();
    expect(parseStreamID("5\0junk", 0, true)).toEqual({ ms: 5, seq: 0, seqGiven: true });
    expect(parseStreamID("1".repeat(128), 0, true)).toBeNull();
    expect(parseStreamID("18446744073709551615-18446744073709551615", 0, true)).toEqual({
      ms: U64_MAX,
      seq: U64_MAX,
      seqGiven: true,
    });
  });

  it("increments and decrements across the u64 and 2^53 boundaries", () => {
    expect(incrID(id(1, U64_MAX))).toEqual(id(2, 0));
    expect(incrID(MAX_ID)).toBeNull();
    expect(incrID(id(0, 9007199254740991))).toEqual(id(0, 9007199254740992n));
    expect(decrID(id(0, 9007199254740992n))).toEqual(id(0, 9007199254740991));
    expect(decrID(id(2, 0))).toEqual(id(1, U64_MAX));
    expect(decrID(ZERO_ID)).toBeNull();
    expect(cmpID(id(9007199254740992n), id(9007199254740991, U64_MAX))).toBe(1);
    expect(formatID(MAX_ID)).toBe("18446744073709551615-18446744073709551615");
  });
});

describe("stream entries", () => {
  it("ranges forward and backward with bounds, counts and tombstones across nodes", () => {
    const s = filled(350);
    expect(s.nodeCount).toBe(4);
    expect(ids(s.range(id(99), id(102)))).toEqual(["99-0", "100-0", "101-0", "102-0"]);
    expect(ids(s.range(id(99), id(300), false, 3))).toEqual(["99-0", "100-0", "101-0"]);
    expect(ids(s.range(id(98), id(102), true, 2))).toEqual(["102-0", "101-0"]);
    expect(ids(s.range(id(0), id(2, 5), true))).toEqual(["2-0", "1-0"]);
    expect(s.range(id(400), MAX_ID)).toEqual([]);
    expect(s.range(id(5), id(4))).toEqual([]);
    expect(s.deleteIds([id(100), id(101), id(999)])).toBe(2);
    expect(ids(s.range(id(99), id(103)))).toEqual(["99-0", "102-0", "103-0"]);
    expect(ids(s.range(id(99), id(103), true))).toEqual(["103-0", "102-0", "99-0"]);
    expect(s.maxDeletedId).toEqual(id(101));
    expect(s.length).toBe(348);
    expect(s.get(id(100))).toBeUndefined();
    expect(s.get(id(102))?.fv.map(String)).toEqual(["f", "102"]);
  });

  it("keeps the recorded first ID and drops a node whose last live entry is deleted", () => {
    const s = filled(150);
    expect(s.firstId).toEqual(id(1));
    s.deleteIds([id(1)]);
    expect(s.firstId).toEqual(id(2));
    const before = s.nodeCount;
    const second: StreamID[] = [];
    for (let i = 101; i <= 150; i++) second.push(id(i));
    expect(s.deleteIds(second)).toBe(50);
    expect(s.nodeCount).toBe(before - 1);
    expect(s.lastValid()).toMatchObject(id(100));
    expect(s.lastId).toEqual(id(150));
  });

  it("trims exactly by MAXLEN and MINID, approximately by whole nodes only, within LIMIT", () => {
    let s = filled(250);
    expect(s.trim({ kind: "maxlen", maxlen: 10 }, false, 0)).toBe(240);
    expect(s.length).toBe(10);
    expect(s.firstId).toEqual(id(241));
    expect(ids(s.range(ZERO_ID, MAX_ID)).slice(0, 2)).toEqual(["241-0", "242-0"]);

    s = filled(250);
    expect(s.trim({ kind: "maxlen", maxlen: 10 }, true, 10000)).toBe(200);
    expect(s.length).toBe(50);

    s = filled(250);
    expect(s.trim({ kind: "maxlen", maxlen: 10 }, true, 150)).toBe(100);

    s = filled(250);
    expect(s.trim({ kind: "minid", minid: id(120) }, false, 0)).toBe(119);
    expect(s.firstId).toEqual(id(120));
    expect(s.trim({ kind: "minid", minid: id(120) }, false, 0)).toBe(0);

    s = filled(250);
    expect(s.trim({ kind: "minid", minid: id(120) }, true, 10000)).toBe(100);
  });

  it("closes nodes by modelled listpack bytes, like Valkey's stream-node-max-bytes", () => {
    expect(strElemBytes(Buffer.from("12"))).toBe(2);
    expect(strElemBytes(Buffer.from("-4096"))).toBe(3);
    expect(strElemBytes(Buffer.from("012"))).toBe(5);
    expect(strElemBytes(Buffer.alloc(63))).toBe(65);
    expect(strElemBytes(Buffer.alloc(64))).toBe(67);
    expect(strElemBytes(Buffer.alloc(200))).toBe(204);
    const s = new Stream();
    const big = Buffer.alloc(1000, 97);
    for (let i = 1; i <= 10; i++) s.append(id(i), [Buffer.from("f"), big], { maxBytes: 4096, maxEntries: 100 });
    // each entry costs ~1010 bytes: four fit under 4096 with the node header
    expect(s.nodeCount).toBe(3);
  });

  it("counts radix tree nodes like rax", () => {
    const s = new Stream();
    expect(s.raxNodes()).toBe(1);
    s.append(id(1), fv("a", "1"));
    expect(s.raxNodes()).toBe(2);
    const t = filled(101);
    expect(t.nodeCount).toBe(2);
    // keys 1-0 and 101-0 differ in byte 7: compressed prefix, branch, then per key its 8 seq bytes and a leaf
    expect(t.raxNodes()).toBe(6);
  });

  it("duplicates deeply (COPY)", () => {
    const s = filled(3);
    const g = new Group("g", id(2), 2);
    s.groups.set("g", g);
    const d = s.dup();
    d.deleteIds([id(1)]);
    d.groups.get("g")!.lastId = id(3);
    expect(s.length).toBe(3);
    expect(d.length).toBe(2);
    expect(g.lastId).toEqual(id(2));
  });
});

describe("packed entries", () => {
  const element = fc.oneof(
    { weight: 20, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 16 * 1024 - 8, max: 40 * 1024 }).map((n) => new Uint8Array(n).fill(0xe9)) },
  );
  const entries = fc.array(
    fc.array(fc.tuple(fc.constantFrom("name", "value", "é", ""), element), { minLength: 1, maxLength: 4 }),
    { minLength: 1, maxLength: 60 },
  );

  it("give back every field and value byte for byte, sharing field names with their node's master entry", () => {
    fc.assert(
      fc.property(entries, (list) => {
        const s = new Stream();
        const given: Buffer[][] = [];
        list.forEach((pairs, i) => {
          // views of one request buffer, as XADD passes them: the stream must copy what it keeps
          const req = Buffer.concat(pairs.flatMap(([f, v]) => [Buffer.from(f, "latin1"), Buffer.from(v)]));
          const views: Buffer[] = [];
          let at = 0;
          for (const [f, v] of pairs) {
            views.push(req.subarray(at, (at += Buffer.byteLength(f, "latin1"))), req.subarray(at, (at += v.length)));
          }
          given.push(views.map((b) => Buffer.from(b)));
          s.append(id(1, i), views, { maxBytes: 4096, maxEntries: 8 });
          req.fill(0); // the request buffer is reused for the next read
        });
        const got = s.range(id(0), id(2));
        expect(got.map((e) => e.fv.map((b) => b.toString("latin1")))).toEqual(given.map((f) => f.map((b) => b.toString("latin1"))));
        for (const node of s.macroNodes()) {
          for (let j = 0; j < node.count; j++) {
            const e = node.entry(j);
            const same = e.size === node.masterFields.length * 2 && e.fv.every((b, i) => i % 2 === 1 || b.equals(node.masterFields[i >> 1]!));
            expect(e.names !== null, `entry ${formatID(e)}`).toBe(same);
            if (e.names !== null) e.names.forEach((b, i) => i % 2 === 0 && expect(b).toBe(node.masterFields[i >> 1]));
          }
        }
        const copy = s.dup().range(id(0), id(2));
        expect(copy.map((e) => e.fv.map((b) => b.toString("latin1")))).toEqual(given.map((f) => f.map((b) => b.toString("latin1"))));
      }),
      { numRuns: 60 },
    );
  });
});

describe("entries kept in columns", () => {
  // The model: the live entries as [ms, seq, value] in ID order. Compacted entries share chunk strings (closed
  // nodes also have fixed-length typed columns), uncompacted ones keep a string each (StreamNode.compact): every
  // read must see the same entries either way.
  const op = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        k: fc.constant("add" as const),
        v: fc.string({ maxLength: 12 }),
        big: fc.boolean(),
        // seq past 32 bits, or past 2^53 (a bigint), keeps a column out of the typed arrays
        seq: fc.constantFrom<number | bigint>(0, 0, 0, 2 ** 40, U64_MAX),
        // entries per node as CONFIG SET may change it between XADDs: a closed node that is the last again (the
        // nodes after it emptied) takes entries if the new limit leaves it room
        more: fc.nat({ max: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("del" as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("deltail" as const), n: fc.nat({ max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("trim" as const), n: fc.nat({ max: 40 }), approx: fc.boolean() }) },
  );
  it("read back what was added, deleted and trimmed, across closed, open and unlimited nodes, in copies too", () => {
    const saved = { ...streamLayout };
    try {
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 120 }),
          // entries per node; 0: no limit, so the one node never closes and compacts while open
          fc.integer({ min: 0, max: 5 }),
          // entries per chunk of packed elements: 1 to 8 instead of 256
          fc.integer({ min: 0, max: 3 }),
          (ops, perNode, chunkBits) => {
            streamLayout.chunkBits = chunkBits;
            const s = new Stream();
            let model: Array<[number, number | bigint, string]> = [];
            let next = 1;
            const remove = (ms: number) => {
              expect(s.deleteIds([id(ms, model.find(([m]) => m === ms)![1])])).toBe(1);
              model = model.filter(([m]) => m !== ms);
            };
            for (const o of ops) {
              if (o.k === "add") {
                const v = o.big ? o.v + "x".repeat(17 * 1024) : o.v;
                s.append(id(next, o.seq), [Buffer.from("f"), Buffer.from(v, "latin1")], { maxBytes: 0, maxEntries: perNode && perNode + o.more });
                model.push([next++, o.seq, v]);
              } else if (o.k === "del") {
                if (model.length === 0) continue;
                remove(model[o.at % model.length]![0]);
              } else if (o.k === "deltail") {
                // deleting the newest entries can empty the last node, so that a closed one is the last again
                for (let i = 0; i < o.n && model.length > 0; i++) remove(model[model.length - 1]![0]);
              } else {
                const removed = s.trim({ kind: "maxlen", maxlen: o.n }, o.approx, 0);
                model = model.slice(removed);
                if (!o.approx) expect(model.length).toBe(Math.min(o.n, model.length + removed));
              }
              expect(s.length).toBe(model.length);
            }
            const seen = (es: ReturnType<Stream["range"]>) => es.map((e) => [e.ms, e.seq, e.fv[1]!.toString("latin1")]);
            expect(seen(s.range(ZERO_ID, MAX_ID))).toEqual(model);
            expect(seen(s.range(ZERO_ID, MAX_ID, true))).toEqual([...model].reverse());
            // XRANGE and XREAD write entry by entry: the walk must agree with range()
            for (const [rev, count] of [[false, 0], [true, 0], [false, 3], [true, 2]] as const) {
              const want = s.range(ZERO_ID, MAX_ID, rev, count);
              const each: StreamID[] = [];
              s.rangeEach(ZERO_ID, MAX_ID, rev, count, (e) => each.push({ ms: e.ms, seq: e.seq }));
              expect(each).toEqual(want.map((e) => ({ ms: e.ms, seq: e.seq })));
            }
            if (model.length > 2) {
              const mid = id(model[1]![0], model[1]![1]);
              let after = 0;
              s.rangeEach(mid, MAX_ID, false, 0, () => after++);
              expect(after).toBe(model.length - 1);
              const upTo: unknown[] = [];
              s.rangeEach(ZERO_ID, mid, true, 0, (e) => upTo.push(e.ms));
              expect(upTo).toEqual([model[1]![0], model[0]![0]]);
            }
            expect(seen(s.dup().range(ZERO_ID, MAX_ID))).toEqual(model);
            for (const [ms, seq, v] of model) expect(s.get(id(ms, seq))?.fv[1]!.toString("latin1")).toBe(v);
            if (model.length > 0) {
              expect(s.firstValid()!.ms).toBe(model[0]![0]);
              expect(s.lastValid()!.ms).toBe(model[model.length - 1]![0]);
            }
            // each entry's span in its string, which MEMORY USAGE counts, is what the entry alone packs to
            const spanAlone = (v: string) => {
              const one = new Stream();
              one.append(id(1), [Buffer.from("f"), Buffer.from(v, "latin1")]);
              const e = one.macroNodes().next().value!.entry(0);
              return e.end - e.start;
            };
            let live = 0;
            for (const node of s.macroNodes())
              for (let j = 0; j < node.count; j++) {
                const e = node.entry(j);
                if (e.deleted) continue;
                live++;
                if (e.packed !== null) expect(e.end - e.start).toBe(spanAlone(e.fv[1]!.toString("latin1")));
              }
            expect(live).toBe(model.length);
            // compacted entries fill chunks of 2^chunkBits, none more (a string stays far from V8's length limit)
            const nodes = (s as unknown as { nodes: Array<{ chunks: string[]; off: ArrayLike<number> } | undefined> }).nodes;
            for (const n of nodes) if (n !== undefined) expect(n.chunks.length).toBe(Math.ceil(n.off.length / 2 ** chunkBits));
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      Object.assign(streamLayout, saved);
    }
  });
});

describe("consumer group counters", () => {
  it("estimates read counters and lag as Valkey", () => {
    const s = filled(5);
    const g = new Group("g", ZERO_ID, INVALID_READ);
    expect(s.estimateDistance(id(5))).toBe(5);
    expect(s.estimateDistance(id(1))).toBe(1);
    expect(s.estimateDistance(ZERO_ID)).toBe(0);
    expect(s.estimateDistance(id(3))).toBe(INVALID_READ);
    expect(s.estimateDistance(id(9))).toBe(INVALID_READ);
    expect(s.lag(g)).toBe(5);
    g.lastId = id(3);
    expect(s.lag(g)).toBeNull();
    g.entriesRead = 3;
    expect(s.lag(g)).toBe(2);
    s.deleteIds([id(4)]);
    expect(s.hasTombstonesFrom(id(3))).toBe(true);
    expect(s.lag(g)).toBeNull();
  });
});

describe("IdIndex", () => {
  it("keeps order through out-of-order inserts, deletes and re-inserts", () => {
    const x = new IdIndex<string>();
    for (let i = 1; i <= 100; i++) x.set(id(i), `v${i}`);
    x.set(id(0, 5), "early");
    for (let i = 1; i <= 60; i++) x.delete(id(i));
    x.set(id(30), "back");
    expect(x.size).toBe(42);
    expect(x.first()).toEqual(id(0, 5));
    expect(x.last()).toEqual(id(100));
    expect(x.from(id(29), 3).map(([k, v]) => `${formatID(k)}=${v}`)).toEqual(["30-0=back", "61-0=v61", "62-0=v62"]);
    expect(x.get(id(30))).toBe("back");
    expect(x.get(id(31))).toBeUndefined();
    expect([...x.values()].length).toBe(42);
  });

  it("answers as a Map by ID would, in ID order, through any mix of set/delete/get (with BigInt IDs too)", () => {
    const anId = fc.record({ ms: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(U64_MAX)), seq: fc.integer({ min: 0, max: 3 }) });
    const op = fc.tuple(fc.constantFrom("set", "delete", "get"), anId);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const x = new IdIndex<number>();
        const ref = new Map<string, number>();
        ops.forEach(([kind, i], n) => {
          const k = formatID(i);
          if (kind === "set") {
            x.set(i, n);
            ref.set(k, n);
          } else if (kind === "delete") expect(x.delete(i)).toBe(ref.delete(k));
          else expect(x.get(i)).toBe(ref.get(k));
          expect(x.size).toBe(ref.size);
        });
        const want = [...ref].sort(([a], [b]) => cmpID(parseStreamID(a, 0, true)!, parseStreamID(b, 0, true)!)).map(([k, v]) => `${k}=${v}`);
        expect(x.from(ZERO_ID).map(([k, v]) => `${formatID(k)}=${v}`)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
