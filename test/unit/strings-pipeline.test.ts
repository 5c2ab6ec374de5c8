// Random pipelines of string commands, each fed to an in-process server as one read, checked against a model of
// the values: every reply, then what SLOWLOG kept of every command. On Bun the string setters store the
// parser's own copy of a short argument (keepArgAt) while that Buffer is still the command's argv, so a value
// written in place later in the same pipeline (INCR), or a second keep of the same argument, would show here as
// a wrong reply, a wrong value, or a SLOWLOG entry that no longer says what was sent. On Node the same paths
// run with views of the read chunk.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encode } from "../helpers/server.js";
import { inProcess } from "../helpers/inproc.js";

type Cmd = string[];
const key = fc.constantFrom("k0", "k1", "k2");
const value = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.stringMatching(/^[a-z]{1,10}$/),
  // past the 64 bytes Bun's parser copies: a view of the read chunk on both runtimes
  fc.stringMatching(/^[a-z]{1,12}$/).map((s) => s.padEnd(70, "x")),
);
const command: fc.Arbitrary<Cmd> = fc.oneof(
  fc.tuple(fc.constant("SET"), key, value),
  fc.tuple(fc.constant("GET"), key),
  fc.tuple(fc.constant("INCR"), key),
  fc.tuple(fc.constant("DECR"), key),
  fc.tuple(fc.constant("INCRBY"), key, fc.integer({ min: -50, max: 50 }).map(String)),
  fc.tuple(fc.constant("APPEND"), key, value),
  fc.tuple(fc.constant("MSET"), key, value, key, value),
  fc.tuple(fc.constant("GETSET"), key, value),
  fc.tuple(fc.constant("SETNX"), key, value),
  fc.tuple(fc.constant("SETRANGE"), key, fc.integer({ min: 0, max: 4 }).map(String), value),
  fc.tuple(fc.constant("STRLEN"), key),
);

const bulk = (v: string | undefined) => (v === undefined ? "$-1\r\n" : `$${v.length}\r\n${v}\r\n`);
const NOT_INT = "-ERR value is not an integer or out of range\r\n";

/** The replies Valkey gives to `cmds` run in order on an empty database, and the values they leave. */
function model(cmds: Cmd[]): { replies: string; values: Map<string, string> } {
  const db = new Map<string, string>();
  let out = "";
  const counter = (k: string, by: number): string => {
    const v = db.get(k) ?? "0";
    if (!/^(0|-?[1-9][0-9]{0,17})$/.test(v)) return NOT_INT; // string2ll: no sign-only, leading zero or "-0"
    const n = Number(v) + by;
    db.set(k, String(n));
    return `:${n}\r\n`;
  };
  for (const [name, k, a, b, c] of cmds as [string, string, string, string, string][]) {
    switch (name) {
      case "SET":
        db.set(k, a);
        out += "+OK\r\n";
        break;
      case "GET":
        out += bulk(db.get(k));
        break;
      case "INCR":
        out += counter(k, 1);
        break;
      case "DECR":
        out += counter(k, -1);
        break;
      case "INCRBY":
        out += counter(k, Number(a));
        break;
      case "APPEND":
        db.set(k, (db.get(k) ?? "") + a);
        out += `:${db.get(k)!.length}\r\n`;
        break;
      case "MSET":
        db.set(k, a);
        db.set(b, c);
        out += "+OK\r\n";
        break;
      case "GETSET":
        out += bulk(db.get(k));
        db.set(k, a);
        break;
      case "SETNX":
        out += db.has(k) ? ":0\r\n" : ":1\r\n";
        if (!db.has(k)) db.set(k, a);
        break;
      case "SETRANGE": {
        const off = Number(a);
        const cur = (db.get(k) ?? "").padEnd(off, "\0");
        const next = cur.slice(0, off) + b + cur.slice(off + b.length);
        db.set(k, next);
        out += `:${next.length}\r\n`;
        break;
      }
      case "STRLEN":
        out += `:${(db.get(k) ?? "").length}\r\n`;
        break;
    }
  }
  return { replies: out, values: db };
}

describe("pipelined string commands (keepArgAt on Bun, views on Node)", () => {
  it("reply as the model says, keep the right values, and SLOWLOG shows every command as sent", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (cmds) => {
        const s = inProcess({ "slowlog-log-slower-than": 0, "slowlog-max-len": 1024 });
        s.run("SLOWLOG", "RESET");
        const replies = s.feed(Buffer.concat(cmds.map((x) => encode(x))));
        const want = model(cmds);
        expect(replies).toBe(want.replies);
        // SLOWLOG is newest first; the oldest entry may be the SLOWLOG RESET itself
        const logged = s.server.slowlog.map((e) => e.argv.map((a) => a.toString("latin1"))).reverse();
        expect(logged.filter((argv) => argv[0] !== "SLOWLOG")).toEqual(cmds);
        for (const [k, v] of want.values) expect(s.run("GET", k)).toBe(bulk(v));
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });
});
