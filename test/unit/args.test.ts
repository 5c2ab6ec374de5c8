// Argument parsing with Valkey's rules: string2ll for integers, strtod (as getDoubleFromObject uses it) for floats.

import { describe, expect, it } from "vitest";
import { Args, bigint, float, int, parseFloatStrict, parseI64, parseI64Big, str, token, I64_MAX, I64_MIN } from "../../src/args.js";
import { E, ReplyError } from "../../src/errors.js";

const b = (s: string) => Buffer.from(s, "latin1");

describe("integers (string2ll)", () => {
  const good: Array<[string, bigint]> = [
    ["0", 0n],
    ["1", 1n],
    ["-1", -1n],
    ["10", 10n],
    ["123456789012345", 123456789012345n],
    ["9007199254740993", 9007199254740993n],
    ["9223372036854775807", I64_MAX],
    ["-9223372036854775808", I64_MIN],
  ];
  const bad = [
    "",
    "-",
    "+1",
    " 1",
    "1 ",
    "01",
    "-0",
    "00",
    "1.0",
    "1e3",
    "0x10",
    "abc",
    "12a",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "123456789012345678901",
    "１",
  ];

  for (const [s, v] of good) {
    it(`accepts ${JSON.stringify(s)}`, () => {
      expect(parseI64Big(s)).toBe(v);
      expect(parseI64Big(b(s))).toBe(v);
      expect(parseI64(s)).toBe(Number(v));
      expect(parseI64(b(s))).toBe(Number(v));
      expect(int(b(s))).toBe(Number(v));
      expect(bigint(b(s))).toBe(v);
    });
  }
  for (const s of bad) {
    it(`refuses ${JSON.stringify(s)}`, () => {
      expect(parseI64Big(s)).toBeNull();
      expect(parseI64(s)).toBeNull();
      expect(() => int(b(s))).toThrow(E.notInteger);
      expect(() => bigint(b(s))).toThrow("ERR value is not an integer or out of range");
    });
  }

  it("parseI64 of a value past 2^53 is the nearest double; bigint() keeps it exact", () => {
    expect(parseI64("9007199254740993")).toBe(9007199254740992);
    expect(bigint(b("9007199254740993"))).toBe(9007199254740993n);
  });
});

describe("floats (strtod as getDoubleFromObject uses it)", () => {
  const good: Array<[string, number]> = [
    ["0", 0],
    ["1", 1],
    ["-1.5", -1.5],
    ["+1.5", 1.5],
    ["1.", 1],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["1.5e+2", 150],
    ["3.14", 3.14],
    ["0e500", 0],
    ["-0", -0],
    ["1e-310", 1e-310],
    ["1.7976931348623157e308", 1.7976931348623157e308],
    ["inf", Infinity],
    ["+inf", Infinity],
    ["-inf", -Infinity],
    ["INF", Infinity],
    ["Infinity", Infinity],
    ["-infinity", -Infinity],
    ["0x10", 16],
    ["-0x1p3", -8],
    ["0x.8", 0.5],
    ["0X1.8P1", 3],
    ["00012", 12],
  ];
  const bad = ["", " 1", "1 ", "abc", "1e", "e5", ".", "-", "+", "1..2", "nan", "NaN", "-nan", "1e500", "-1e500", "1e-400", "0x", "infinit", "inff", "1,5", "0x1p99999"];

  for (const [s, v] of good) {
    it(`accepts ${JSON.stringify(s)}`, () => {
      expect(Object.is(parseFloatStrict(s), v)).toBe(true);
      expect(Object.is(float(b(s)), v)).toBe(true);
    });
  }
  for (const s of bad) {
    it(`refuses ${JSON.stringify(s)}`, () => {
      expect(parseFloatStrict(s)).toBeNull();
      expect(() => float(b(s))).toThrow(E.notFloat);
    });
  }
});

describe("bytes and tokens", () => {
  it("str() maps bytes to latin1 one to one", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const s = str(all);
    expect(s.length).toBe(256);
    expect(Buffer.from(s, "latin1").equals(all)).toBe(true);
  });

  it("str() of every short length (written out per length on Node) is the bytes' latin1 string", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 151 + 7) % 256));
    for (let n = 0; n <= 40; n++) {
      for (const at of [0, 3, 200]) {
        const bytes = all.subarray(at, at + n);
        const s = str(bytes);
        expect(s).toBe(bytes.toString("latin1"));
        expect(Buffer.from(s, "latin1").equals(bytes)).toBe(true);
      }
    }
  });

  it("token() lowercases ASCII", () => {
    expect(token(b("WithScores"))).toBe("withscores");
  });
});

describe("Args cursor", () => {
  it("walks an option grammar and reports leftovers as syntax errors", () => {
    const a = new Args([b("ZADD"), b("k"), b("NX"), b("1.5"), b("m"), b("7")], 1);
    expect(a.key()).toBe("k");
    expect(a.peekToken()).toBe("nx");
    expect(a.token()).toBe("nx");
    expect(a.float()).toBe(1.5);
    expect(a.remaining()).toBe(2);
    expect(a.bytes().toString()).toBe("m");
    expect(a.more()).toBe(true);
    expect(a.int()).toBe(7);
    expect(a.more()).toBe(false);
    a.end();
    expect(() => a.bytes()).toThrow(E.syntax);
    const extra = new Args([b("GET"), b("k"), b("extra")], 2);
    expect(() => extra.end()).toThrow(ReplyError);
    expect(() => extra.end()).toThrow("ERR syntax error");
  });

  it("int() and float() throw Valkey's errors", () => {
    expect(() => new Args([b("x"), b("1.5")]).int()).toThrow("ERR value is not an integer or out of range");
    expect(() => new Args([b("x"), b("abc")]).float()).toThrow("ERR value is not a valid float");
  });
});
