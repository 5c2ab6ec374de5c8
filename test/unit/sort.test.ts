// SORT over the value shapes other families store: sets (any iterable of members with a size) and hashes
// (anything with get(field)), driven in-process with hand-made entries so SORT is ready when those types land.

import { inProcess } from "../helpers/inproc.js";
import { describe, expect, it } from "vitest";

function harness() {
  const { client, run } = inProcess();
  return { db: client.db, run };
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.map((i) => (i === "NULL" ? "$-1\r\n" : bulk(i))).join("")}`;

describe("SORT on sets and hashes", () => {
  it("sorts set members numerically and alphabetically, forcing ALPHA order for BY-constant STORE", () => {
    const h = harness();
    h.db.set("s", "set", new Set(["3", "10", "1", "2"]));
    expect(h.run("SORT", "s")).toBe(arr("1", "2", "3", "10"));
    expect(h.run("SORT", "s", "DESC", "LIMIT", "0", "2")).toBe(arr("10", "3"));
    expect(h.run("SORT", "s", "ALPHA")).toBe(arr("1", "10", "2", "3"));
    expect(h.run("SORT", "s", "BY", "nosort", "STORE", "d")).toBe(":4\r\n");
    expect(h.run("LRANGE", "d", "0", "-1")).toBe(arr("1", "10", "2", "3"));
    h.db.set("bad", "set", new Set(["1", "x"]));
    expect(h.run("SORT", "bad")).toBe("-ERR One or more scores can't be converted into double\r\n");
  });

  it("reads BY weights and GET values from hash fields", () => {
    const h = harness();
    h.db.set("s", "set", new Set(["a", "b", "c"]));
    h.db.set("obj_a", "hash", new Map([["w", Buffer.from("3")], ["name", Buffer.from("Ann")]]));
    h.db.set("obj_b", "hash", new Map([["w", Buffer.from("1")], ["name", Buffer.from("Bob")]]));
    h.db.set("obj_c", "hash", new Map([["w", Buffer.from("2")]]));
    expect(h.run("SORT", "s", "BY", "obj_*->w", "GET", "#", "GET", "obj_*->name")).toBe(arr("b", "Bob", "c", "NULL", "a", "Ann"));
    expect(h.run("SORT", "s", "BY", "obj_*->w", "DESC", "GET", "obj_*->w")).toBe(arr("3", "2", "1"));
    expect(h.run("SORT", "s", "BY", "obj_*->name", "ALPHA", "GET", "#")).toBe(arr("c", "a", "b"));
    // a pattern ending in "->" is a plain key name, and a string key read through "->" yields nothing
    h.db.set("obj_a->", "string", Buffer.from("x"));
    expect(h.run("SORT", "s", "BY", "nosort", "GET", "obj_*->")).toMatch(/^\*3\r\n/);
    expect(h.run("SORT", "s", "ALPHA", "GET", "obj_*->")).toBe(arr("x", "NULL", "NULL"));
    expect(h.run("SORT", "s", "BY", "obj_*->w", "GET", "obj_*->name", "STORE", "d")).toBe(":3\r\n");
    expect(h.run("LRANGE", "d", "0", "-1")).toBe(arr("Bob", "", "Ann"));
  });
});
