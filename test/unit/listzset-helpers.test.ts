import { describe, expect, it } from "vitest";
import { globMatch } from "../../src/glob.js";
import { lpEntrySize } from "../../src/commands/lists.js";
import { format17g, parseDouble, strtod } from "../../src/commands/zsets.js";
import { decodeScore, encodeScore, formatCoord, formatDistance } from "../../src/commands/geo.js";

describe("glob (Valkey stringmatchlen)", () => {
  it("matches like Valkey", () => {
    const yes: Array<[string, string]> = [
      ["m*", "m42"],
      ["m?", "m4"],
      ["m[0-9]", "m7"],
      ["m[9-0]", "m7"],
      ["m[^a]", "mb"],
      ["m\\*", "m*"],
      ["*a*b", "xxaxxb"],
      ["[abc", "a"],
      ["h[\\]]", "h]"],
    ];
    const no: Array<[string, string]> = [
      ["m?", "m"],
      ["m[^a]", "ma"],
      ["m\\*", "mx"],
      ["a*b", "acd"],
      ["", "x"],
      // Valkey's matcher never matches an empty string (SCAN skips the pattern when it is exactly "*")
      ["*", ""],
    ];
    for (const [p, s] of yes) expect([p, s, globMatch(p, s)]).toEqual([p, s, true]);
    for (const [p, s] of no) expect([p, s, globMatch(p, s)]).toEqual([p, s, false]);
    expect(globMatch("A*", "abc", true)).toBe(true);
  });
});

describe("number formats", () => {
  it("parses scores with strtod rules", () => {
    expect(parseDouble("1.5")).toBe(1.5);
    // byte input: small integers take a path that makes no string
    expect(Object.is(parseDouble(Buffer.from("-0")), -0)).toBe(true);
    expect(parseDouble(Buffer.from("007"))).toBe(7);
    expect(parseDouble(Buffer.from("-123456789"))).toBe(-123456789);
    expect(parseDouble(Buffer.from("1234567890"))).toBe(1234567890);
    expect(parseDouble(Buffer.from("-"))).toBe(null);
    expect(parseDouble(Buffer.from("12a"))).toBe(null);
    expect(parseDouble(Buffer.from(" 1"))).toBe(null);
    expect(parseDouble("-inf")).toBe(-Infinity);
    expect(parseDouble("+Infinity")).toBe(Infinity);
    expect(parseDouble("0x10")).toBe(16);
    expect(parseDouble(".5")).toBe(0.5);
    expect(parseDouble("5.")).toBe(5);
    for (const bad of ["", " 1", "1 ", "nan", "1e400", "1e-400", "abc", "1.5x", "--1"]) expect(parseDouble(bad)).toBeNull();
  });

  it("plain decimals (the fast path) parse exactly as strtod does", () => {
    const viaStrtod = (s: string) => {
      const r = strtod(s);
      return r.len === s.length && !r.range && !Number.isNaN(r.value) ? r.value : null;
    };
    const cases = ["0", "-0", "007", "1.", ".5", "-.5", "-", ".", "-.", "1..2", "1.2.3", "123456789012345", "1234567890123456",
      "0.1", "0.30000000000000004", "9007199254740993", "-9.999999999999", "1-2", "12-"];
    for (let i = 0; i < 2000; i++) {
      const len = 1 + ((i * 7) % 15);
      let t = i % 3 === 0 ? "-" : "";
      for (let j = 0; t.length < len; j++) t += (i * 31 + j * 17) % 11 === 10 ? "." : String((i * 13 + j * 7) % 10);
      cases.push(t);
    }
    for (const c of cases) expect([c, parseDouble(c)]).toEqual([c, viaStrtod(c)]);
    expect(Object.is(parseDouble("-0"), -0)).toBe(true);
  });

  it("prints %.17Lg, fixed 4-decimal distances and human coordinates", () => {
    expect(format17g(3.14)).toBe("3.1400000000000001");
    expect(format17g(1)).toBe("1");
    expect(format17g(1e-5)).toBe("1.0000000000000001e-05");
    expect(format17g(1e21)).toBe("1e+21");
    expect(format17g(-0.5)).toBe("-0.5");
    expect(format17g(Infinity)).toBe("inf");
    expect(formatDistance(0)).toBe("0.0000");
    expect(formatDistance(166.27415156960038)).toBe("166.2742");
    expect(formatDistance(0.00005)).toBe("0.0000");
    expect(formatDistance(0.00015)).toBe("0.0001");
    expect(formatDistance(-2.5)).toBe("-2.5000");
    expect(formatCoord(13.361389338970184)).toBe("13.36138933897018433");
    expect(formatCoord(-0)).toBe("0");
  });

  it("geohash scores round-trip within the cell", () => {
    const s = encodeScore(13.361389, 38.115556);
    expect(s).toBe(3479099956230698);
    const [x, y] = decodeScore(s)!;
    expect(Math.abs(x - 13.361389)).toBeLessThan(1e-5);
    expect(Math.abs(y - 38.115556)).toBeLessThan(1e-5);
  });

  it("sizes listpack entries as Valkey does", () => {
    expect(lpEntrySize("7")).toBe(2);
    expect(lpEntrySize("-1")).toBe(3);
    expect(lpEntrySize("40000")).toBe(5);
    expect(lpEntrySize("3000000000")).toBe(10);
    expect(lpEntrySize("007")).toBe(5);
    expect(lpEntrySize("a".repeat(63))).toBe(65);
    expect(lpEntrySize("a".repeat(200))).toBe(204);
  });
});
