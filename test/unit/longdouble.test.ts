// x87 long double emulation for HINCRBYFLOAT. Every expected string below was produced by a real
// redis-server on x86-64 (HINCRBYFLOAT h f <a> then <b>).

import { describe, expect, it } from "vitest";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../../src/longdouble.js";

function incr(a: string, b?: string): string | null {
  const x = parseLongDouble(a);
  if (x === null) return null;
  if (b === undefined) return formatLongDouble(addLongDouble({ neg: false, m: 0n, e: 0, inf: false }, x));
  const y = parseLongDouble(b);
  if (y === null) return null;
  return formatLongDouble(addLongDouble(x, y));
}

describe("long double", () => {
  it("adds like the x87 FPU and prints %.17Lf trimmed", () => {
    expect(incr("0.1", "0.2")).toBe("0.3");
    expect(incr("10.5", "0.1")).toBe("10.6");
    expect(incr("1.23456789012345678901")).toBe("1.23456789012345679");
    expect(incr("16", "1e-20")).toBe("16");
    expect(incr("-1.5", "1.5")).toBe("0");
    expect(incr("-0.000000000000000001")).toBe("0");
    expect(incr("-0.0")).toBe("0");
    expect(incr("3.0e3")).toBe("3000");
    expect(incr("5.0e-18")).toBe("0");
    expect(incr("1.0000000000000000001")).toBe("1");
    expect(incr("123456789012345678901234567890")).toBe("123456789012345678899921813504");
    expect(incr("+1.5")).toBe("1.5");
  });

  it("rounds exact ties at the 17th decimal to even, as glibc printf does", () => {
    expect(incr("0.000003814697265625")).toBe("0.00000381469726562");
    expect(incr("0.000011444091796875")).toBe("0.00001144409179688");
  });

  it("goes past the double range without overflowing", () => {
    const twice = incr("1e308", "1e308")!;
    expect(twice.startsWith("199999999999999999993371759311691291321120199694831134415594095989843")).toBe(true);
    expect(twice.endsWith("87857156096")).toBe(true);
    expect(twice.length).toBe(309);
    const big = incr("1e4930", "1e4930")!;
    expect(big.startsWith("2000000000000000000052347569774075861144163901510245002692789512293518759384163")).toBe(true);
    expect(big.length).toBe(4931);
  });

  it("parses what strtold parses and refuses what string2ld refuses", () => {
    expect(incr("0x10")).toBe("16");
    expect(incr("0x1p-2")).toBe("0.25");
    expect(incr("0x1P3", "1")).toBe("9");
    expect(incr("1.5e-4950")).toBe("0"); // a denormal: accepted
    expect(incr("1e-4940")).toBe("0");
    expect(parseLongDouble("-1e-4960")).toBeNull(); // underflows to zero: refused
    expect(parseLongDouble("1e5000")).toBeNull(); // overflows: refused
    expect(parseLongDouble(" 1")).toBeNull();
    expect(parseLongDouble("1 ")).toBeNull();
    expect(parseLongDouble("0.1e")).toBeNull();
    expect(parseLongDouble("nan")).toBeNull();
    expect(parseLongDouble("")).toBeNull();
    expect(parseLongDouble("0x")).toBeNull();
    expect(parseLongDouble(".")).toBeNull();
    expect(parseLongDouble("1".repeat(5120))).toBeNull();
    expect(parseLongDouble("InFiNiTy")?.inf).toBe(true);
    expect(parseLongDouble("-inf")?.inf).toBe(true);
    expect(incr("1.", ".5")).toBe("1.5");
  });

  it("an infinite operand makes an infinite sum", () => {
    expect(addLongDouble(parseLongDouble("inf")!, parseLongDouble("1")!).inf).toBe(true);
    expect(addLongDouble(parseLongDouble("1e4932")!, parseLongDouble("1e4932")!).inf).toBe(true);
  });
});
