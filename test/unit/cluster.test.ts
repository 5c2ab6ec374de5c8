// Cluster mode pieces that need no server: key slots (CRC16 + hash tags, Valkey's known values), redis-cli's
// slot split, SORT's pattern slot, the slot-indexed keyspace, config and manifest settings.

import { describe, expect, it } from "vitest";
import { crc16, keySlot, keySlotOf, patternSlot, splitSlots } from "../../src/cluster/slots.js";
import { SlotIndexedMap } from "../../src/cluster/keyindex.js";
import { loadConfig } from "../../src/config.js";
import { resolveManifest } from "../../src/stack/manifest.js";
import type { Entry } from "../../src/store.js";

const b = (s: string) => Buffer.from(s, "latin1");

describe("key slots", () => {
  it("CRC16-XMODEM as in Valkey's crc16.c", () => {
    expect(crc16(b("123456789"))).toBe(0x31c3);
    expect(crc16(b(""))).toBe(0);
  });
  it("slots of known keys (CLUSTER KEYSLOT on Valkey 8) and hash tags", () => {
    expect(keySlot(b("a"))).toBe(15495);
    expect(keySlot(b("b"))).toBe(3300);
    expect(keySlot(b("foo"))).toBe(12182);
    expect(keySlot(b("a{b}c"))).toBe(3300);
    expect(keySlot(b("{user:1}:name"))).toBe(keySlot(b("{user:1}:age")));
    expect(keySlot(b("{}a"))).toBe(crc16(b("{}a")) & 16383); // empty tag: the whole key
    expect(keySlot(b("a{b"))).toBe(crc16(b("a{b")) & 16383); // no closing brace
    expect(keySlot(b("{a}{b}"))).toBe(keySlot(b("a"))); // first tag only
  });
  it("the string form (store keys, latin1) gives the same slot as the bytes", () => {
    for (const k of ["", "a", "{a}b", "x{}y", "{", "}{a}", "caf\u00e9{\u00ff\u0000}", "\u00e9\u00e8"]) expect(keySlotOf(k)).toBe(keySlot(b(k)));
    for (let i = 0; i < 200; i++) {
      const k = String.fromCharCode(...Array.from({ length: i % 13 }, (_, j) => (i * 31 + j * 17) % 256));
      expect(keySlotOf(k)).toBe(keySlot(b(k)));
    }
  });
  it("SORT BY/GET patterns: a slot only when every key they form shares it", () => {
    expect(patternSlot(b("w_*"))).toBe(-1);
    expect(patternSlot(b("{t}w_*"))).toBe(keySlot(b("t"))); // the tag decides before the wildcard is seen
    expect(patternSlot(b("w_*{t}"))).toBe(-1);
    expect(patternSlot(b("{t}"))).toBe(keySlot(b("t")));
    expect(patternSlot(b("#"))).toBe(keySlot(b("#")));
  });
  it("splits slots like `redis-cli --cluster create`", () => {
    expect(splitSlots(1)).toEqual([[0, 16383]]);
    expect(splitSlots(2)).toEqual([
      [0, 8191],
      [8192, 16383],
    ]);
    expect(splitSlots(3)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ]);
    const six = splitSlots(6);
    expect(six[0]).toEqual([0, 2730]);
    expect(six[5]).toEqual([13653, 16383]);
    for (const n of [4, 5, 7, 64]) {
      const r = splitSlots(n);
      expect(r).toHaveLength(n);
      for (let i = 1; i < n; i++) expect(r[i]![0]).toBe(r[i - 1]![1] + 1);
      expect(r[n - 1]![1]).toBe(16383);
    }
  });
});

describe("slot-indexed keyspace", () => {
  it("keeps keys by slot through set, delete and clear", () => {
    const m = new SlotIndexedMap();
    const e = {} as Entry;
    m.set("{x}1", e).set("{x}2", e).set("{x}2", e).set("y", e);
    expect([...m.keysInSlot(keySlot(b("x")))]).toEqual(["{x}1", "{x}2"]); // built on first use
    m.set("{x}3", e).set("{x}3", e);
    expect([...m.keysInSlot(keySlot(b("x")))]).toEqual(["{x}1", "{x}2", "{x}3"]); // then kept
    m.delete("{x}3");
    m.delete("{x}1");
    expect(m.keysInSlot(keySlot(b("x"))).size).toBe(1);
    m.clear();
    expect(m.keysInSlot(keySlot(b("y"))).size).toBe(0);
    expect(m.size).toBe(0);
  });
});

describe("cluster settings", () => {
  it("--cluster-size, --cluster-port-base and VALKEY_CLUSTER_SIZE", () => {
    expect(loadConfig({ env: {} }).cluster).toEqual({ size: 0, portBase: null });
    expect(loadConfig({ env: { VALKEY_CLUSTER_SIZE: "3" } }).cluster).toEqual({ size: 3, portBase: null });
    expect(loadConfig({ env: { VALKEY_CLUSTER_SIZE: "3" }, argv: ["--cluster-size", "2", "--cluster-port-base", "7000"] }).cluster).toEqual({
      size: 2,
      portBase: 7000,
    });
    expect(() => loadConfig({ env: { VALKEY_CLUSTER_SIZE: "two" } })).toThrow("invalid VALKEY_CLUSTER_SIZE: 'two' — must be a whole number from 0 (standalone) to 64");
    expect(() => loadConfig({ env: {}, argv: ["--cluster-size", "65"] })).toThrow("invalid --cluster-size: '65'");
    expect(() => loadConfig({ env: {}, argv: ["--cluster-port-base", "70000"] })).toThrow("invalid --cluster-port-base: '70000' — must be a port number");
  });
  it("a manifest cluster_size passes --cluster-size and gives apps REDIS_CLUSTER_NODES beside their REDIS_URL", () => {
    const s = resolveManifest(
      {
        valkey: { port: 7000, cluster_size: 3 },
        apps: { web: { command: "node app.js ${VALKEY_CLUSTER_NODES}", env: { REDIS_URL: "${VALKEY_URL}" } }, own: { command: "x", env: { REDIS_CLUSTER_NODES: "mine" } } },
      },
      { env: {}, file: "stack.json", root: "/project" },
    );
    expect(s.valkey.args).toContain("--cluster-size");
    expect(s.valkey.clusterNodes).toEqual(["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]);
    const web = s.apps.find((a) => a.name === "web")!;
    expect(web.env).toEqual({ REDIS_URL: "redis://127.0.0.1:7000", REDIS_CLUSTER_NODES: "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002" });
    expect(web.command).toBe("node app.js 127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002");
    expect(s.apps.find((a) => a.name === "own")!.env.REDIS_CLUSTER_NODES).toBe("mine");
    expect(() => resolveManifest({ valkey: { cluster_size: -1 } }, { env: {}, file: "stack.json", root: "/project" })).toThrow(/cluster_size/);
  });
});

describe("cluster state: slot claims relayed between shards", async () => {
  const { ClusterState } = await import("../../src/cluster/state.js");
  const node = (i: number) => ({ id: `${i}`.repeat(40), shardId: "s".repeat(40), ip: "127.0.0.1", hostname: "", port: 7000 + i, cport: 17000 + i, configEpoch: i + 1 });
  const make = () => {
    const nodes = [node(0), node(1), node(2)];
    const sent: unknown[] = [];
    const owners = nodes.map((n, i) => ({ id: n.id, ranges: [splitSlots(3)[i]!] }));
    return { cl: new ClusterState(nodes, nodes[0]!.id, owners, 3, (m) => sent.push(m)), nodes, sent };
  };
  it("a claim with a newer config epoch moves the slot; an older one does not", () => {
    const { cl, nodes } = make();
    expect(cl.ok).toBe(true);
    cl.applyClaim({ t: "claim", owner: nodes[1]!.id, slots: [10], configEpoch: 1, currentEpoch: 3 });
    expect(cl.owner[10]).toBe(nodes[0]); // epoch 1 is not newer than the owner's 1
    cl.applyClaim({ t: "claim", owner: nodes[1]!.id, slots: [10], configEpoch: 4, currentEpoch: 4 });
    expect(cl.owner[10]).toBe(nodes[1]);
    expect(cl.currentEpoch).toBe(4);
    expect(nodes[1]!.configEpoch).toBe(4);
  });
  it("a migrating slot stops migrating once its new owner claims it; an importing slot waits for SETSLOT NODE", () => {
    const { cl, nodes } = make();
    cl.migrating.set(20, nodes[2]!);
    cl.applyClaim({ t: "claim", owner: nodes[2]!.id, slots: [20], configEpoch: 5, currentEpoch: 5 });
    expect(cl.migrating.has(20)).toBe(false);
    cl.importing.set(6000, nodes[1]!);
    cl.applyClaim({ t: "claim", owner: nodes[2]!.id, slots: [6000], configEpoch: 9, currentEpoch: 9 });
    expect(cl.owner[6000]).toBe(nodes[1]);
  });
  it("bumpEpoch gives this node the highest epoch once; announce sends its claim to the parent", () => {
    const { cl, sent } = make();
    expect(cl.bumpEpoch()).toBe(true);
    expect(cl.me.configEpoch).toBe(4);
    expect(cl.bumpEpoch()).toBe(false);
    cl.announce([1, 2]);
    expect(sent).toEqual([{ t: "claim", owner: cl.me.id, slots: [1, 2], configEpoch: 4, currentEpoch: 4 }]);
    cl.setOwner(5, null);
    expect(cl.ok).toBe(false);
    expect(cl.infoText()).toContain("cluster_state:fail\r\ncluster_slots_assigned:16383\r\n");
  });
});
