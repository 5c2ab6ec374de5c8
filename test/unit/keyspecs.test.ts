// Key extraction from key specs (and the native helpers Valkey falls back to), the legacy (first, last, step)
// triple and `movablekeys`. Specs are copied from Valkey's JSON for commands the table may not have yet.

import { describe, expect, it } from "vitest";
import {
  doesCommandHaveKeys,
  getKeysFromCommand,
  getKeysUsingKeySpecs,
  keyFlagNames,
  legacyRange,
  type KeyCommand,
} from "../../src/commands/keyspecs.js";

const C = {
  get: { name: "get", arity: 2, flags: ["readonly", "fast"], keys: [{ begin: 1, range: [0, 1, 0], flags: ["RO", "ACCESS"] }] },
  set: {
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [{ begin: 1, range: [0, 1, 0], flags: ["RW", "ACCESS", "UPDATE", "VARIABLE_FLAGS"] }],
  },
  mset: { name: "mset", arity: -3, flags: ["write", "denyoom"], keys: [{ begin: 1, range: [-1, 2, 0], flags: ["OW", "UPDATE"] }] },
  del: { name: "del", arity: -2, flags: ["write"], keys: [{ begin: 1, range: [-1, 1, 0], flags: ["RM", "DELETE"] }] },
  blpop: { name: "blpop", arity: -3, flags: ["write", "noscript", "blocking"], keys: [{ begin: 1, range: [-2, 1, 0], flags: ["RW", "ACCESS", "DELETE"] }] },
  smove: {
    name: "smove",
    arity: 4,
    flags: ["write", "fast"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RW", "ACCESS", "DELETE"] },
      { begin: 2, range: [0, 1, 0], flags: ["RW", "INSERT"] },
    ],
  },
  bitop: {
    name: "bitop",
    arity: -4,
    flags: ["write", "denyoom"],
    keys: [
      { begin: 2, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
      { begin: 3, range: [-1, 1, 0], flags: ["RO", "ACCESS"] },
    ],
  },
  zunionstore: {
    name: "zunionstore",
    arity: -4,
    flags: ["write", "denyoom"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
      { begin: 2, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] },
    ],
  },
  zunion: { name: "zunion", arity: -3, flags: ["readonly"], keys: [{ begin: 1, keynum: [0, 1, 1], flags: ["RO", "ACCESS"] }] },
  eval: {
    name: "eval",
    arity: -3,
    flags: ["noscript", "stale", "skip_monitor", "may_replicate", "no_mandatory_keys"],
    keys: [{ begin: 2, keynum: [0, 1, 1], flags: ["RW", "ACCESS", "UPDATE"] }],
  },
  xread: {
    name: "xread",
    arity: -4,
    flags: ["readonly", "blocking"],
    keys: [{ begin: { keyword: "STREAMS", startfrom: 1 }, range: [-1, 1, 2], flags: ["RO", "ACCESS"] }],
  },
  xreadgroup: {
    name: "xreadgroup",
    arity: -7,
    flags: ["write", "blocking"],
    keys: [{ begin: { keyword: "STREAMS", startfrom: 4 }, range: [-1, 1, 2], flags: ["RW", "ACCESS", "UPDATE"] }],
  },
  sort: {
    name: "sort",
    arity: -2,
    flags: ["write", "denyoom"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RO", "ACCESS"] },
      { begin: "unknown", flags: ["RO", "ACCESS"] },
      { begin: "unknown", flags: ["OW", "UPDATE"] },
    ],
  },
  sort_ro: {
    name: "sort_ro",
    arity: -2,
    flags: ["readonly"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RO", "ACCESS"] },
      { begin: "unknown", flags: ["RO", "ACCESS"] },
    ],
  },
  migrate: {
    name: "migrate",
    arity: -6,
    flags: ["write"],
    keys: [
      { begin: 3, range: [0, 1, 0], flags: ["RW", "ACCESS", "DELETE"] },
      { begin: { keyword: "KEYS", startfrom: -2 }, range: [-1, 1, 0], flags: ["RW", "ACCESS", "DELETE", "INCOMPLETE"] },
    ],
  },
  georadius: {
    name: "georadius",
    arity: -6,
    flags: ["write", "denyoom"],
    keys: [
      { begin: 1, range: [0, 1, 0], flags: ["RO", "ACCESS"] },
      { begin: { keyword: "STORE", startfrom: 6 }, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
      { begin: { keyword: "STOREDIST", startfrom: 6 }, range: [0, 1, 0], flags: ["OW", "UPDATE"] },
    ],
  },
  bitfield: {
    name: "bitfield",
    arity: -2,
    flags: ["write", "denyoom"],
    keys: [{ begin: 1, range: [0, 1, 0], flags: ["RW", "UPDATE", "ACCESS", "VARIABLE_FLAGS"] }],
  },
  ping: { name: "ping", arity: -1, flags: ["fast"] },
  publish: { name: "publish", arity: 3, flags: ["pubsub", "loading", "stale", "fast", "may_replicate"] },
  // a NOT_KEY spec only (like SPUBLISH's shard channel)
  spublish: {
    name: "spublish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast", "may_replicate"],
    keys: [{ begin: 1, range: [0, 1, 0], flags: ["NOT_KEY"] }],
  },
  configSet: { name: "set", fullname: "config|set", arity: -4, flags: ["admin", "noscript", "loading", "stale"] },
} satisfies Record<string, KeyCommand>;

/** Keys found, as [arg, flags] pairs. */
function keys(cmd: KeyCommand, line: string): Array<[string, string]> {
  const argv = line.split(" ");
  return getKeysFromCommand(cmd, argv).map((k) => [argv[k.pos]!, keyFlagNames(k.flags).join(" ")]);
}
const names = (cmd: KeyCommand, line: string) => keys(cmd, line).map(([k]) => k);

describe("getKeysFromCommand", () => {
  it("single key and plain ranges", () => {
    expect(keys(C.get, "get a")).toEqual([["a", "RO access"]]);
    expect(names(C.del, "del a b c")).toEqual(["a", "b", "c"]);
    expect(keys(C.mset, "mset a 1 b 2")).toEqual([
      ["a", "OW update"],
      ["b", "OW update"],
    ]);
    // negative lastkey counts from the end: BLPOP's last argument is the timeout
    expect(names(C.blpop, "blpop a b c 0")).toEqual(["a", "b", "c"]);
    expect(keys(C.smove, "smove src dst m")).toEqual([
      ["src", "RW access delete"],
      ["dst", "RW insert"],
    ]);
    expect(names(C.bitop, "bitop and dest a b")).toEqual(["dest", "a", "b"]);
  });

  it("MSET with an odd argument count takes every other argument that exists", () => {
    expect(names(C.mset, "mset a 1 b")).toEqual(["a", "b"]);
  });

  it("SET flags depend on GET (VARIABLE_FLAGS -> native helper)", () => {
    expect(keys(C.set, "set k v")).toEqual([["k", "OW update"]]);
    expect(keys(C.set, "set k v GET")).toEqual([["k", "RW access update"]]);
    expect(keys(C.set, "set k v ex 10 get")).toEqual([["k", "RW access update"]]);
    // "get" as the value does not count: the scan starts after the value
    expect(keys(C.set, "set k get")).toEqual([["k", "OW update"]]);
  });

  it("BITFIELD is read-only when it only GETs", () => {
    expect(keys(C.bitfield, "bitfield k get u8 0")).toEqual([["k", "RO access"]]);
    expect(keys(C.bitfield, "bitfield k get u8 0 set u8 0 1")).toEqual([["k", "RW access update"]]);
    expect(keys(C.bitfield, "bitfield k overflow sat incrby u8 0 1")).toEqual([["k", "RW access update"]]);
    expect(keys(C.bitfield, "bitfield k bogus")).toEqual([["k", "RW access update"]]);
  });

  it("keynum specs: ZUNIONSTORE, ZUNION, EVAL", () => {
    expect(keys(C.zunionstore, "zunionstore d 2 a b weights 1 2")).toEqual([
      ["d", "OW update"],
      ["a", "RO access"],
      ["b", "RO access"],
    ]);
    expect(names(C.zunion, "zunion 3 a b c withscores")).toEqual(["a", "b", "c"]);
    expect(keys(C.eval, "eval script 2 k1 k2 arg")).toEqual([
      ["k1", "RW access update"],
      ["k2", "RW access update"],
    ]);
  });

  it("keynum too large or not a number falls back to the native helper, which finds nothing", () => {
    expect(names(C.zunionstore, "zunionstore d 5 a b")).toEqual([]);
    expect(names(C.zunionstore, "zunionstore d abc a")).toEqual([]);
    expect(names(C.zunionstore, "zunionstore d -1 a")).toEqual([]);
    expect(names(C.eval, "eval script 0")).toEqual([]);
    expect(names(C.eval, "eval script 3 a b")).toEqual([]);
  });

  it("the native helper parses numkeys like atoi: '+2' and '2x' work, and the destination comes last", () => {
    expect(keys(C.zunionstore, "zunionstore d +2 a b")).toEqual([
      ["a", ""],
      ["b", ""],
      ["d", ""],
    ]);
    expect(names(C.eval, "eval s 1x k")).toEqual(["k"]);
  });

  it("keyword specs: XREAD / XREADGROUP STREAMS with limit 2 (half the rest are keys)", () => {
    expect(keys(C.xread, "xread count 2 streams s1 s2 0 0")).toEqual([
      ["s1", "RO access"],
      ["s2", "RO access"],
    ]);
    expect(names(C.xread, "xread streams a b 1")).toEqual(["a"]);
    expect(names(C.xread, "xread block 0 streams k 0")).toEqual(["k"]);
    expect(names(C.xreadgroup, "xreadgroup group g c count 1 streams s 0")).toEqual(["s"]);
    // a stream called "streams": the keyword search starts after the options
    expect(names(C.xreadgroup, "xreadgroup group streams c streams streams >")).toEqual(["streams"]);
  });

  it("XREAD without STREAMS finds no keys", () => {
    expect(names(C.xread, "xread count 1 block 0")).toEqual([]);
  });

  it("SORT: unknown specs -> native helper, the last STORE wins, BY/GET/LIMIT arguments are skipped", () => {
    expect(keys(C.sort, "sort a")).toEqual([["a", "RO access"]]);
    expect(keys(C.sort, "sort a by w_* limit 0 10 get o_* store dst")).toEqual([
      ["a", "RO access"],
      ["dst", "OW update"],
    ]);
    expect(names(C.sort, "sort a store d1 store d2")).toEqual(["a", "d2"]);
    expect(names(C.sort, "sort a get store")).toEqual(["a"]);
    expect(names(C.sort, "sort a store")).toEqual(["a"]);
    expect(keys(C.sort_ro, "sort_ro a by x get y")).toEqual([["a", "RO access"]]);
  });

  it("MIGRATE: INCOMPLETE keyword spec -> native helper for the KEYS form", () => {
    expect(keys(C.migrate, "migrate h 6379 k 0 5000")).toEqual([["k", "RW access delete"]]);
    const argv = ["migrate", "h", "6379", "", "0", "5000", "copy", "auth2", "u", "p", "keys", "a", "b"];
    expect(getKeysFromCommand(C.migrate, argv).map((k) => argv[k.pos])).toEqual(["a", "b"]);
    // a key and KEYS together is a syntax error left to the command: no keys
    expect(names(C.migrate, "migrate h 6379 k 0 5000 keys a b")).toEqual([]);
    // AUTH's password is skipped, so a password "keys" is not the KEYS option
    const auth = ["migrate", "h", "6379", "", "0", "5000", "auth", "keys", "keys", "x"];
    expect(getKeysFromCommand(C.migrate, auth).map((k) => auth[k.pos])).toEqual(["x"]);
  });

  it("GEORADIUS specs find STORE and STOREDIST", () => {
    expect(names(C.georadius, "georadius g 1 2 3 km store dst")).toEqual(["g", "dst"]);
    expect(names(C.georadius, "georadius g 1 2 3 km storedist dd")).toEqual(["g", "dd"]);
    expect(names(C.georadius, "georadius g 1 2 3 km")).toEqual(["g"]);
  });

  it("a spec marked NOT_KEY is skipped unless asked for", () => {
    expect(getKeysFromCommand(C.spublish, ["spublish", "ch", "msg"])).toEqual([]);
    expect(getKeysUsingKeySpecs(C.spublish, ["spublish", "ch", "msg"], { includeNotKeys: true })).toEqual([{ pos: 1, flags: ["NOT_KEY"] }]);
  });
});

describe("getKeysUsingKeySpecs", () => {
  it("fails on unknown or INCOMPLETE specs, or returns what it could with partial", () => {
    expect(getKeysUsingKeySpecs(C.sort, ["sort", "a"])).toBeNull();
    expect(getKeysUsingKeySpecs(C.sort, ["sort", "a"], { partial: true })).toEqual([{ pos: 1, flags: ["RO", "ACCESS"] }]);
    const argv = "migrate h 6379 k 0 5000 keys a".split(" ");
    expect(getKeysUsingKeySpecs(C.migrate, argv)).toBeNull();
    expect(getKeysUsingKeySpecs(C.migrate, argv, { partial: true })!.map((k) => argv[k.pos])).toEqual(["k", "a"]);
  });

  it("a keyword that is not there means no keys for that spec, not a failure", () => {
    expect(getKeysUsingKeySpecs(C.georadius, "georadius g 1 2 3 km".split(" "))).toEqual([{ pos: 1, flags: ["RO", "ACCESS"] }]);
  });

  it("a keynum past the end fails", () => {
    expect(getKeysUsingKeySpecs(C.eval, ["eval", "s"])).toBeNull();
    expect(getKeysUsingKeySpecs(C.eval, ["eval", "s", "0"])).toBeNull();
    expect(getKeysUsingKeySpecs(C.eval, ["eval", "s", "-1"])).toBeNull();
  });

  it("reads Buffers as latin1", () => {
    const argv = [Buffer.from("XREAD"), Buffer.from("STREAMS"), Buffer.from([0xff, 0x00]), Buffer.from("0")];
    expect(getKeysUsingKeySpecs(C.xread, argv)).toEqual([{ pos: 2, flags: ["RO", "ACCESS"] }]);
  });
});

describe("doesCommandHaveKeys", () => {
  it("needs a spec that is not NOT_KEY, or a native helper", () => {
    expect(doesCommandHaveKeys(C.get)).toBe(true);
    expect(doesCommandHaveKeys(C.ping)).toBe(false);
    expect(doesCommandHaveKeys(C.publish)).toBe(false);
    expect(doesCommandHaveKeys(C.spublish)).toBe(false);
    expect(doesCommandHaveKeys({ name: "sort", arity: -2, flags: [] })).toBe(true);
  });

  it("looks native helpers up by full name: CONFIG SET is not SET", () => {
    expect(doesCommandHaveKeys(C.configSet)).toBe(false);
  });
});

describe("legacyRange (COMMAND INFO first/last/step and movablekeys)", () => {
  const triple = (cmd: KeyCommand) => {
    const r = legacyRange(cmd);
    return [r.first, r.last, r.step, r.movable];
  };
  it("matches what Valkey shows", () => {
    expect(triple(C.get)).toEqual([1, 1, 1, false]);
    expect(triple(C.set)).toEqual([1, 1, 1, false]);
    expect(triple(C.mset)).toEqual([1, -1, 2, false]);
    expect(triple(C.del)).toEqual([1, -1, 1, false]);
    expect(triple(C.blpop)).toEqual([1, -2, 1, false]);
    expect(triple(C.smove)).toEqual([1, 2, 1, false]);
    expect(triple(C.bitop)).toEqual([2, -1, 1, false]);
    expect(triple(C.zunionstore)).toEqual([1, 1, 1, true]);
    expect(triple(C.zunion)).toEqual([0, 0, 0, true]);
    expect(triple(C.eval)).toEqual([0, 0, 0, true]);
    expect(triple(C.xread)).toEqual([0, 0, 0, true]);
    expect(triple(C.sort)).toEqual([1, 1, 1, true]);
    expect(triple(C.migrate)).toEqual([3, 3, 1, true]);
    expect(triple(C.georadius)).toEqual([1, 1, 1, true]);
    expect(triple(C.ping)).toEqual([0, 0, 0, false]);
  });

  it("a single INCOMPLETE range spec is movable; a non-consecutive or stepped range is too", () => {
    expect(legacyRange({ name: "x", arity: -2, flags: [], keys: [{ begin: 1, range: [-1, 1, 0], flags: ["RW", "INCOMPLETE"] }] }).movable).toBe(true);
    const gap = legacyRange({
      name: "x",
      arity: -2,
      flags: [],
      keys: [
        { begin: 1, range: [0, 1, 0], flags: ["RW"] },
        { begin: 3, range: [0, 1, 0], flags: ["RW"] },
      ],
    });
    expect([gap.first, gap.last, gap.step, gap.movable]).toEqual([1, 1, 1, true]);
    const stepped = legacyRange({
      name: "x",
      arity: -2,
      flags: [],
      keys: [
        { begin: 1, range: [0, 1, 0], flags: ["RW"] },
        { begin: 2, range: [-1, 2, 0], flags: ["RW"] },
      ],
    });
    expect([stepped.first, stepped.last, stepped.step, stepped.movable]).toEqual([1, 1, 1, true]);
  });
});

describe("keyFlagNames", () => {
  it("prints key flags in Valkey's order and spelling", () => {
    expect(keyFlagNames(["VARIABLE_FLAGS", "ACCESS", "RW", "UPDATE"])).toEqual(["RW", "access", "update", "variable_flags"]);
    expect(keyFlagNames(["INCOMPLETE", "NOT_KEY", "DELETE", "INSERT", "RM", "OW", "RO"])).toEqual([
      "RO",
      "OW",
      "RM",
      "insert",
      "delete",
      "not_key",
      "incomplete",
    ]);
  });
});
