// EngineReply (src/scripting/resp-value.ts) writes a redis.call reply in lua-redis-wasm's encoding straight from
// the RESP bytes. It must give byte for byte what the engine's own encoder gives for the value parseReply makes
// of the same bytes (with nulls as the RESP3 nil marker when one is given): checked on generated replies.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeReply } from "lua-redis-wasm";
import { EngineReply, parseReply } from "../../src/scripting/resp-value.js";
import type { LuaValue } from "../../src/scripting/engine.js";

const line = fc.string({ unit: fc.constantFrom(..."abz -:.09ERR\u00e9"), maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 40 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const resp: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    bytes.map((b) => `$${b.length}\r\n${Buffer.from(b).toString("latin1")}\r\n`),
    fc.constantFrom("$-1\r\n", "*-1\r\n", "_\r\n", "#t\r\n", "#f\r\n", ",inf\r\n", ",-inf\r\n", ",nan\r\n", "$0\r\n\r\n", "*0\r\n"),
    fc.oneof(int64, fc.integer({ min: -1000, max: 1000 }).map(BigInt)).map((n) => `:${n}\r\n`),
    line.map((s) => `+${s}\r\n`),
    line.map((s) => `-ERR ${s}\r\n`),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => `,${d}\r\n`),
    int64.map((n) => `(${n}${n}\r\n`),
    fc.tuple(fc.constantFrom("txt", "mkd"), line).map(([f, s]) => `=${s.length + 4}\r\n${f}:${s}\r\n`),
    fc.tuple(fc.constantFrom("*", ">", "~"), fc.array(tie("v"), { maxLength: 4 })).map(([t, xs]) => `${t}${xs.length}\r\n${xs.join("")}`),
    fc.array(fc.tuple(tie("v"), tie("v")), { maxLength: 3 }).map((ps) => `%${ps.length}\r\n${ps.map(([k, x]) => k + x).join("")}`),
    fc.tuple(fc.array(fc.tuple(tie("v"), tie("v")), { minLength: 1, maxLength: 2 }), tie("v")).map(
      ([ps, x]) => `|${ps.length}\r\n${ps.map(([k, y]) => k + y).join("")}${x}`,
    ),
  ),
})).v;

/** What the glue did before: nulls as the marker the driver turns into nil (RESP3 scripts). */
function markNulls(v: LuaValue, nil: Buffer): LuaValue {
  if (v === null) return { ok: nil };
  if (Array.isArray(v)) return v.map((x) => markNulls(x, nil));
  if (typeof v === "object" && !Buffer.isBuffer(v)) {
    if ("map" in v) return { map: v.map.map(([k, x]) => [markNulls(k, nil), markNulls(x, nil)] as [LuaValue, LuaValue]) };
    if ("set" in v) return { set: v.set.map((x) => markNulls(x, nil)) };
  }
  return v;
}

describe("EngineReply", () => {
  const nil = Buffer.from("0123456789abcdef0123456789abcdefnil", "latin1");
  for (const withNil of [false, true]) {
    it(`encodes replies as the engine's encoder does${withNil ? ", nulls as the nil marker" : ""}`, () => {
      const out = new EngineReply();
      fc.assert(
        fc.property(resp, (text) => {
          const b = Buffer.from(text, "latin1");
          const value = parseReply(b, { pos: 0 });
          const want = encodeReply(withNil ? markNulls(value, nil) : value) as Buffer;
          out.pos = 0;
          expect(out.resp(b, 0, withNil ? nil : null)).toBe(b.length);
          expect(out.buf.subarray(0, out.pos).toString("hex")).toBe(want.toString("hex"));
        }),
        { numRuns: 2000 },
      );
    });
  }

  it("grows past its first buffer and keeps what it wrote", () => {
    const out = new EngineReply();
    const big = Buffer.alloc(10000, 0x61);
    const b = Buffer.concat([Buffer.from(`*3\r\n$${big.length}\r\n`), big, Buffer.from("\r\n:-9223372036854775808\r\n$2\r\nok\r\n")]);
    out.pos = 0;
    out.resp(b, 0, null);
    expect(out.buf.subarray(0, out.pos).equals(encodeReply([big, -(2n ** 63n), Buffer.from("ok")]) as Buffer)).toBe(true);
  });
});
