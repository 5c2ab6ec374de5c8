// The store: lazy and active expiry driven by an injected clock (no test sleeps through a TTL), the one
// key-modified signal (WATCH, blocked clients, notifications, dirty), FLUSHDB and SWAPDB.

import { describe, expect, it } from "vitest";
import { Database, N, ShardedMap, Store, type Watcher } from "../../src/store.js";
import { FrozenClock, inProcess } from "../helpers/inproc.js";


function setup(dbs = 2) {
  const clock = new FrozenClock();
  const store = new Store(dbs, clock);
  const events: Array<[number, string, string, number]> = [];
  const ready: Array<[number, string]> = [];
  store.hooks = {
    notify: (db, event, key, cls) => events.push([db, event, key, cls]),
    keyReady: (db, key) => ready.push([db.id, key]),
  };
  const db0 = store.dbs[0]!;
  const db1 = store.dbs[1]!;
  /** Move the clock and start a new command (store.now is command time). */
  const later = (ms: number) => {
    clock.advance(ms);
    store.tick();
  };
  return { clock, store, db0, db1, events, ready, later };
}

const str = (db: Database, key: string, v: string, ttlMs?: number) => {
  db.set(key, "string", Buffer.from(v));
  if (ttlMs !== undefined) db.setExpire(key, db.store.now + ttlMs);
};

type TestWatcher = Watcher & { dirtyCas: boolean };

/** A WATCH as transactions.ts records it: stale-at-WATCH keys are flagged. */
function watch(db: Database, key: string): TestWatcher {
  const w: TestWatcher = {
    dirtyCas: false,
    expired: db.stale(key),
    touch() {
      w.dirtyCas = true;
    },
  };
  let set = db.watched.get(key);
  if (!set) db.watched.set(key, (set = new Set()));
  set.add(w);
  return w;
}

describe("lazy expiry", () => {
  it("a key lives until its deadline and is gone (and deleted) at it", () => {
    const { db0, store, later } = setup();
    str(db0, "k", "v", 1000);
    later(999);
    expect(db0.peek("k")?.value.toString()).toBe("v");
    later(1);
    expect(db0.peek("k")).toBeUndefined();
    expect(db0.keys.has("k")).toBe(false);
    expect(db0.expires.has("k")).toBe(false);
    expect(store.stats.expiredKeys).toBe(1);
  });

  it("uses command time: the clock moving mid-command does not expire a key until the next tick", () => {
    const { db0, clock, store } = setup();
    str(db0, "k", "v", 10);
    clock.advance(50);
    expect(db0.peek("k")).toBeDefined();
    store.tick();
    expect(db0.peek("k")).toBeUndefined();
  });

  it("expiring signals 'expired' to watchers and notifications", () => {
    const { db0, store, events, later } = setup();
    store.notifyFlags = N.KEYEVENT | N.EXPIRED;
    str(db0, "k", "v", 100);
    const w = watch(db0, "k");
    later(100);
    expect(db0.read("k")).toBeUndefined();
    expect(w.dirtyCas).toBe(true);
    expect(events).toEqual([[0, "expired", "k", N.EXPIRED]]);
  });

  it("set() drops a TTL unless asked to keep it; persist() removes it", () => {
    const { db0, store, later } = setup();
    str(db0, "a", "1", 100);
    db0.set("a", "string", Buffer.from("2"));
    expect(db0.getExpire("a")).toBeUndefined();
    str(db0, "b", "1", 100);
    db0.set("b", "string", Buffer.from("2"), true);
    expect(db0.getExpire("b")).toBe(store.now + 100);
    expect(db0.persist("b")).toBe(true);
    expect(db0.persist("b")).toBe(false);
    later(1000);
    expect(db0.peek("a")?.value.toString()).toBe("2");
    expect(db0.peek("b")?.value.toString()).toBe("2");
  });

  it("while expiry is paused an expired key reads as missing but stays stored until the pause ends", () => {
    const { db0, store, later } = setup();
    str(db0, "k", "v", 10);
    store.expiryPaused = true;
    later(20);
    expect(db0.peek("k")).toBeUndefined();
    expect(db0.keys.has("k")).toBe(true);
    store.activeExpireCycle();
    expect(db0.keys.has("k")).toBe(true);
    store.expiryPaused = false;
    expect(db0.peek("k")).toBeUndefined();
    expect(db0.keys.has("k")).toBe(false);
  });
});

describe("active expiry", () => {
  it("removes expired keys nobody reads, and only those", () => {
    const { db0, db1, store, later } = setup();
    for (let i = 0; i < 500; i++) str(db0, `short${i}`, "v", 100);
    for (let i = 0; i < 50; i++) str(db0, `long${i}`, "v", 100_000);
    for (let i = 0; i < 50; i++) str(db0, `forever${i}`, "v");
    for (let i = 0; i < 30; i++) str(db1, `short${i}`, "v", 100);
    later(100);
    for (let round = 0; round < 100 && (db0.expires.size > 50 || db1.expires.size > 0); round++) store.activeExpireCycle();
    expect(db0.size).toBe(100);
    expect(db0.expires.size).toBe(50);
    expect(db1.size).toBe(0);
    expect(store.stats.expiredKeys).toBe(530);
    for (let i = 0; i < 50; i++) expect(db0.keys.has(`long${i}`)).toBe(true);
  });

  it("resumes where it stopped instead of rescanning from the start", () => {
    const { db0, store, later } = setup(1);
    for (let i = 0; i < 1000; i++) str(db0, `live${i}`, "v", 1_000_000);
    for (let i = 0; i < 20; i++) str(db0, `dead${i}`, "v", 10);
    later(10);
    // few stale keys per batch: each cycle checks a batch and stops, the next continues after it
    for (let round = 0; round < 100 && db0.size > 1000; round++) store.activeExpireCycle();
    expect(db0.size).toBe(1000);
  });

  it("does nothing when disabled", () => {
    const { db0, store, later } = setup(1);
    str(db0, "k", "v", 10);
    store.activeExpire = false;
    later(20);
    store.activeExpireCycle();
    expect(db0.keys.has("k")).toBe(true);
  });
});

describe("the key-modified signal", () => {
  it("marks watchers, counts dirty, wakes blocked clients, notifies enabled classes only", () => {
    const { db0, store, events, ready } = setup();
    const w = watch(db0, "k");
    const other = watch(db0, "other");
    db0.blocking.set("k", {});
    store.notifyFlags = N.KEYSPACE | N.LIST;
    const dirty = store.dirty;
    db0.set("k", "list", []);
    db0.changed("k", "lpush", N.LIST);
    expect(w.dirtyCas).toBe(true);
    expect(other.dirtyCas).toBe(false);
    expect(store.dirty).toBe(dirty + 1);
    expect(ready).toEqual([[0, "k"]]);
    expect(events).toEqual([[0, "lpush", "k", N.LIST]]);
    db0.changed("k", "set", N.STRING); // class not enabled: no event
    db0.notify("expire", "k", N.GENERIC);
    expect(events.length).toBe(1);
    store.notifyFlags |= N.GENERIC;
    db0.notify("expire", "k", N.GENERIC);
    expect(events[1]).toEqual([0, "expire", "k", N.GENERIC]);
  });

  it("a change in another database does not touch a watcher of the same key name", () => {
    const { db0, db1 } = setup();
    const w = watch(db0, "k");
    db1.changed("k", "set", N.STRING);
    expect(w.dirtyCas).toBe(false);
  });

  it("reads count hits and misses and emit keymiss when enabled", () => {
    const { db0, store, events } = setup();
    str(db0, "k", "v");
    db0.read("k");
    db0.read("nope");
    db0.peek("nope");
    expect(store.stats.keyspaceHits).toBe(1);
    expect(store.stats.keyspaceMisses).toBe(1);
    store.notifyFlags = N.KEYEVENT | N.KEY_MISS;
    db0.read("nope");
    expect(events).toEqual([[0, "keymiss", "nope", N.KEY_MISS]]);
  });

  it("readAs / writeAs refuse another type with WRONGTYPE", () => {
    const { db0 } = setup();
    db0.set("l", "list", []);
    expect(() => db0.readAs("l", "string")).toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
    expect(() => db0.writeAs("l", "hash")).toThrow("WRONGTYPE");
    expect(db0.readAs("missing", "string")).toBeUndefined();
    expect(db0.readAs("l", "list")).toEqual([]);
  });
});

describe("FLUSHDB and SWAPDB", () => {
  it("FLUSHDB touches watchers of keys that exist, not of missing keys or keys already stale at WATCH", () => {
    const { db0, later } = setup();
    str(db0, "live", "v");
    str(db0, "later", "v", 10);
    str(db0, "stale", "v", 5);
    later(5);
    const wLive = watch(db0, "live");
    const wMissing = watch(db0, "missing");
    const wLater = watch(db0, "later"); // goes stale after WATCH: that is a change, as in Valkey
    const wStale = watch(db0, "stale"); // already stale at WATCH: dropping it changes nothing
    later(10);
    db0.clear();
    expect(db0.size).toBe(0);
    expect(db0.expires.size).toBe(0);
    expect([wLive.dirtyCas, wMissing.dirtyCas, wLater.dirtyCas, wStale.dirtyCas]).toEqual([true, false, true, false]);
    expect(wStale.expired).toBe(false);
  });

  it("a key stale at WATCH time: its expiry is no change, writing it again is", () => {
    const { db0, later } = setup();
    str(db0, "k", "v", 1);
    later(2);
    const w = watch(db0, "k");
    expect(w.expired).toBe(true);
    expect(db0.peek("k")).toBeUndefined(); // lazy expiry deletes it: "expired" signal
    expect(w.dirtyCas).toBe(false);
    expect(w.expired).toBe(false);
    str(db0, "k", "again");
    db0.changed("k", "set", N.STRING);
    expect(w.dirtyCas).toBe(true);
  });

  it("SWAPDB exchanges keys and TTLs; watchers stay with their database index", () => {
    const { store, db0, db1, later } = setup();
    str(db0, "a", "in0", 1000);
    str(db1, "b", "in1");
    const wa = watch(db0, "a"); // exists in db0 (goes away)
    const wb = watch(db0, "b"); // missing in db0, arrives from db1
    const wc = watch(db0, "c"); // missing in both
    store.swap(0, 1);
    expect(db0.peek("b")?.value.toString()).toBe("in1");
    expect(db0.peek("a")).toBeUndefined();
    expect(db1.peek("a")?.value.toString()).toBe("in0");
    expect(db1.getExpire("a")).toBe(store.now + 1000);
    expect([wa.dirtyCas, wb.dirtyCas, wc.dirtyCas]).toEqual([true, true, false]);
    later(1000);
    expect(db1.peek("a")).toBeUndefined();
  });

  it("SWAPDB does not touch a watched key that is stale on one side and missing on the other", () => {
    const { store, db0, db1, later } = setup();
    str(db1, "x", "v", 1);
    later(2);
    const w1 = watch(db1, "x"); // stale in db1, missing in db0
    const w0 = watch(db0, "x"); // missing in db0, replaced with a stale key
    store.swap(0, 1);
    expect([w0.dirtyCas, w1.dirtyCas]).toEqual([false, false]);
  });

  it("SWAPDB wakes clients blocked on keys that now exist", () => {
    const { store, db0, db1, ready } = setup();
    str(db1, "q", "v");
    db0.blocking.set("q", {});
    db0.blocking.set("none", {});
    store.swap(0, 1);
    expect(ready).toEqual([[0, "q"]]);
    expect(db1.size).toBe(0);
  });

  it("FLUSHALL empties every database", () => {
    const { store, db0, db1 } = setup();
    str(db0, "a", "1", 100);
    str(db1, "b", "1");
    store.flushAll();
    expect(db0.size + db1.size + db0.expires.size).toBe(0);
  });
});

describe("randomKey", () => {
  it("never returns an expired key, and deletes the stale ones it meets", () => {
    const { db0, later } = setup(1);
    for (let i = 0; i < 200; i++) str(db0, `dead${i}`, "v", 5);
    str(db0, "alive", "v");
    later(5);
    for (let i = 0; i < 20; i++) expect(db0.randomKey()).toBe("alive");
    const { db0: empty } = setup(1);
    expect(empty.randomKey()).toBeUndefined();
  });
});

describe("ShardedMap: one Map, then 16 past 131072 keys, split incrementally", () => {
  const SPLIT = 1 << 17;
  const key = (i: number) => `k:${i}`;

  it("is a Map before, during and after the split, and one Map again after clear()", () => {
    const m = new ShardedMap<number>();
    const model = new Map<string, number>();
    const both = (k: string, v: number) => (m.set(k, v), model.set(k, v));
    const same = () => {
      expect(m.size).toBe(model.size);
      for (const k of [key(0), key(1), key(77), key(SPLIT), key(SPLIT + 499), "missing"]) {
        expect(m.get(k)).toBe(model.get(k));
        expect(m.has(k)).toBe(model.has(k));
      }
      // counted, not one expect per entry (131k of them)
      const keys = new Set<string>();
      let wrong = 0;
      for (const [k, v] of m.entries()) {
        if (model.get(k) !== v) wrong++;
        keys.add(k);
      }
      m.forEach((v, k) => {
        if (model.get(k) !== v) wrong++;
      });
      expect(wrong).toBe(0);
      expect(keys.size).toBe(model.size);
      expect([...m.keys()].length).toBe(model.size);
      expect([...m.values()].length).toBe(model.size);
      // keyList (SCAN's log): every key once, in any state
      const list = m.keyList();
      expect(list.length).toBe(model.size);
      expect(new Set(list).size).toBe(model.size);
      expect(list.filter((k) => !model.has(k))).toEqual([]);
    };
    for (let i = 0; i < SPLIT; i++) both(key(i), i);
    both(key(0), -1); // an overwrite does not split
    expect(m.splitState).toBe(0);
    both(key(SPLIT), SPLIT);
    expect(m.splitState).toBe(1);
    // writes, overwrites of keys not yet moved, deletes of moved and unmoved keys, while splitting
    for (let i = 0; i < 1000; i++) {
      const k = key((i * 7919) % (SPLIT + 500));
      if (i % 3 === 0) expect(m.delete(k)).toBe(model.delete(k));
      else both(k, i);
    }
    expect(m.splitState).toBe(1);
    same();
    while (m.settle(5000));
    expect(m.splitState).toBe(2);
    same();
    for (let i = 0; i < 200; i++) expect(m.delete(key(i * 3))).toBe(model.delete(key(i * 3)));
    same();

    m.clear();
    expect(m.size).toBe(0);
    expect(m.splitState).toBe(0);
    m.set("a", 1);
    expect([...m]).toEqual([["a", 1]]);
    expect(m.keyList()).toEqual(["a"]);
  });

  it("reads never move entries: a walk that reads every key sees each once, mid-split", () => {
    const m = new ShardedMap<number>();
    for (let i = 0; i <= SPLIT; i++) m.set(key(i), i);
    expect(m.splitState).toBe(1);
    const seen = new Set<string>();
    let wrong = 0;
    let walked = 0;
    for (const k of m.keys()) {
      if (m.get(k) !== Number(k.slice(2)) || !m.has(k)) wrong++;
      seen.add(k);
      walked++;
    }
    expect(wrong).toBe(0);
    expect(walked).toBe(SPLIT + 1);
    expect(seen.size).toBe(SPLIT + 1);
  });

  it("a clear() ends an iterator still open on it (the active expiry sweep's)", () => {
    const m = new ShardedMap<number>();
    for (let i = 0; i <= SPLIT; i++) m.set(key(i), i);
    const it = m.entries();
    expect(it.next().done).toBe(false);
    m.clear();
    expect(it.next().done).toBe(true);
  });
});

describe("a string written over a string (the entry is reused)", () => {
  it("is a fresh key to OBJECT, TTL and the LFU counter", () => {
    const h = inProcess({}, new FrozenClock());
    expect(h.run("SET", "k", "abc")).toBe("+OK\r\n");
    expect(h.run("APPEND", "k", "x")).toBe(":4\r\n");
    expect(h.run("OBJECT", "ENCODING", "k")).toBe("$3\r\nraw\r\n");
    h.clock.advance(10_000);
    expect(h.run("OBJECT", "IDLETIME", "k")).toBe(":10\r\n");
    expect(h.run("SET", "k", "12")).toBe("+OK\r\n");
    expect(h.run("OBJECT", "ENCODING", "k")).toBe("$3\r\nint\r\n");
    expect(h.run("OBJECT", "IDLETIME", "k")).toBe(":0\r\n");
    expect(h.run("EXPIRE", "k", "100")).toBe(":1\r\n");
    expect(h.run("SET", "k", "v", "KEEPTTL")).toBe("+OK\r\n");
    expect(h.run("TTL", "k")).toBe(":100\r\n");
    expect(h.run("SET", "k", "w")).toBe("+OK\r\n");
    expect(h.run("TTL", "k")).toBe(":-1\r\n");
    expect(h.run("GET", "k")).toBe("$1\r\nw\r\n");
    // a string over a list is a new entry of the new type
    expect(h.run("RPUSH", "l", "a")).toBe(":1\r\n");
    expect(h.run("SET", "l", "s")).toBe("+OK\r\n");
    expect(h.run("TYPE", "l")).toBe("+string\r\n");
    // under LFU an overwrite keeps the key's counter (Valkey's dbSetValue): that path makes a new entry
    expect(h.run("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")).toBe("+OK\r\n");
    // A new key starts at 5 (LFU_INIT) and its first access always counts: 6 or more from here. The write lookup
    // may count one more access; a new entry's 5 would mean the counter was lost.
    h.run("GET", "k");
    const freq = Number(h.run("OBJECT", "FREQ", "k").slice(1));
    expect(freq).toBeGreaterThanOrEqual(6);
    h.run("SET", "k", "again");
    const after = Number(h.run("OBJECT", "FREQ", "k").slice(1));
    expect(after - freq).toBeGreaterThanOrEqual(0);
    expect(after - freq).toBeLessThanOrEqual(1);
  });
});
