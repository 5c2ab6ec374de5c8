import { beforeEach, expect, it } from "vitest";
import { describeRuntimes } from "../helpers/server.js";

const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join("")}`;
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

// Expected values are what Valkey/Redis reply for the same commands (checked byte for byte against redis-server).
describeRuntimes("geo", (ctx) => {
  beforeEach(async () => {
    await ctx.flush();
    const r = ctx.ioredis();
    await r.geoadd("Sicily", 13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania");
  });

  it("GEOADD stores 52-bit geohash scores, with NX/XX/CH", async () => {
    const r = ctx.ioredis();
    expect(await r.zscore("Sicily", "Palermo")).toBe("3479099956230698");
    expect(await r.zscore("Sicily", "Catania")).toBe("3479447370796909");
    expect(await r.geoadd("Sicily", "CH", 13.361389, 38.115556, "Palermo", 2, 2, "two")).toBe(1);
    expect(await r.geoadd("Sicily", "XX", "CH", 3, 3, "two", 4, 4, "nope")).toBe(1);
    expect(await r.geoadd("Sicily", "NX", 5, 5, "two", 6, 6, "six")).toBe(1);
    expect(await r.geoadd("missing", "XX", 1, 1, "a")).toBe(0);
    expect(await r.dbsize()).toBe(1);
  });

  it("GEOPOS, GEODIST, GEOHASH", async () => {
    const r = ctx.ioredis();
    expect(await r.geopos("Sicily", "Palermo", "nope")).toEqual([["13.36138933897018433", "38.11555639549629859"], null]);
    expect(await r.geodist("Sicily", "Palermo", "Catania")).toBe("166274.1516");
    expect(await r.geodist("Sicily", "Palermo", "Catania", "KM")).toBe("166.2742");
    expect(await (r as any).geodist("Sicily", "Palermo", "Catania", "mi")).toBe("103.3182");
    expect(await r.geodist("Sicily", "Palermo", "nope")).toBeNull();
    expect(await r.geodist("missing", "a", "b")).toBeNull();
    expect(await r.geohash("Sicily", "Palermo", "Catania", "nope")).toEqual(["sqc8b49rny0", "sqdtr74hyu0", null]);
  });

  it("GEORADIUS / GEORADIUSBYMEMBER / GEOSEARCH with options and stores", async () => {
    const r = ctx.ioredis();
    expect(await r.georadius("Sicily", 15, 37, 200, "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC")).toEqual([
      ["Catania", "56.4413", 3479447370796909, ["15.08726745843887329", "37.50266842333162032"]],
      ["Palermo", "190.4424", 3479099956230698, ["13.36138933897018433", "38.11555639549629859"]],
    ]);
    expect(await r.georadius("Sicily", 15, 37, 200, "km", "DESC")).toEqual(["Palermo", "Catania"]);
    expect(await r.georadius("Sicily", 15, 37, 200, "km", "COUNT", 1)).toEqual(["Catania"]);
    expect(await r.georadiusbymember("Sicily", "Palermo", 200, "km", "WITHDIST")).toEqual([
      ["Palermo", "0.0000"],
      ["Catania", "166.2742"],
    ]);
    expect(await r.geosearch("Sicily", "FROMMEMBER", "Palermo", "BYBOX", 400, 400, "km", "DESC", "WITHDIST")).toEqual([
      ["Catania", "166.2742"],
      ["Palermo", "0.0000"],
    ]);
    expect(await r.geosearch("Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km")).toEqual(["Catania"]);
    expect(await r.geosearch("missing", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km")).toEqual([]);
    expect(await r.georadius("Sicily", 15, 37, 200, "km", "STOREDIST", "dst")).toBe(2);
    expect(await (r as any).zrange("dst", 0, -1, "WITHSCORES")).toEqual(["Catania", "56.4412578701582", "Palermo", "190.44242984775784"]);
    expect(await r.geosearchstore("dst", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km")).toBe(1);
    expect(await (r as any).zrange("dst", 0, -1, "WITHSCORES")).toEqual(["Catania", "3479447370796909"]);
    expect(await r.georadius("Sicily", 15, 37, 1, "km", "STORE", "dst")).toBe(0);
    expect(await r.geosearchstore("dst", "missing", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km")).toBe(0);
    expect(await r.dbsize()).toBe(1);
  });

  it("members with scores that are no geohash (inf, -inf, 1e30, negative) decode as Valkey's C cast does", async () => {
    // any sorted set can be read by the GEO commands; BigInt(Infinity) once made these "ERR internal error".
    // Expected replies: valkey-server 8 (x86-64), the same commands.
    const r = ctx.ioredis();
    await r.zadd("odd", "inf", "m1", 0, "m2", "-inf", "m4", "1e30", "m5", -5, "m6", 1.5, "m9");
    expect(await r.geodist("odd", "m1", "m2")).toBe("0.0000");
    expect(await r.geodist("odd", "m1", "m4")).toBe("0.0257");
    expect(await r.geodist("odd", "m5", "m6")).toBe("18919844.5891");
    expect(await r.geopos("odd", "m1", "m4", "m6")).toEqual([
      ["-179.99999731779098511", "-85.05112751263942528"],
      ["180", "-85.05112751263942528"],
      ["180", "85.0511287799999991"],
    ]);
    expect(await r.geohash("odd", "m1", "m4", "m5", "m6", "m9")).toEqual(["00bh0hbj200", "00bh0hbj200", "00bh0hbj200", "bp05b5048p0", "00bh0hbj210"]);
    expect(await r.call("GEOSEARCH", "odd", "FROMMEMBER", "m1", "BYRADIUS", 100, "km", "ASC")).toEqual(["m2", "m9"]);
  });

  it("coordinates are RESP3 doubles, distances stay bulk strings", async () => {
    const raw = await ctx.raw();
    await raw.call("HELLO", "3");
    expect(await raw.call("GEOPOS", "Sicily", "Palermo", "nope")).toBe(
      arr(arr(",13.36138933897018433\r\n", ",38.11555639549629859\r\n"), "_\r\n"),
    );
    expect(await raw.call("GEODIST", "Sicily", "Palermo", "Catania", "km")).toBe(bulk("166.2742"));
    expect(await raw.call("GEODIST", "Sicily", "Palermo", "nope")).toBe("_\r\n");
    expect(await raw.call("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "WITHCOORD")).toBe(
      arr(arr(bulk("Catania"), arr(",15.08726745843887329\r\n", ",37.50266842333162032\r\n"))),
    );
  });

  it("rejects bad input with Valkey's errors and leaves the key unchanged", async () => {
    const raw = await ctx.raw();
    await raw.call("SET", "s", "x");
    const cases: Array<[string[], string]> = [
      [["GEOADD", "Sicily", "1", "1"], "ERR wrong number of arguments for 'geoadd' command"],
      [["GEOADD", "Sicily", "200", "10", "x"], "ERR invalid longitude,latitude pair 200.000000,10.000000"],
      [["GEOADD", "Sicily", "10", "86", "x"], "ERR invalid longitude,latitude pair 10.000000,86.000000"],
      [["GEOADD", "Sicily", "abc", "10", "x"], "ERR value is not a valid float"],
      [["GEOADD", "Sicily", "NX", "XX", "1", "1", "x"], "ERR syntax error"],
      [["GEOADD", "Sicily", "1", "1", "x", "2"], "ERR syntax error"],
      [["GEOADD", "Sicily", "GT", "1", "1", "x"], "ERR syntax error"],
      [["GEODIST", "Sicily", "Palermo", "Catania", "parsec"], "ERR unsupported unit provided. please use M, KM, FT, MI"],
      [["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"], "ERR syntax error"],
      [["GEORADIUS", "Sicily", "15", "37", "-1", "km"], "ERR radius cannot be negative"],
      [["GEORADIUS", "Sicily", "15", "37", "abc", "km"], "ERR need numeric radius"],
      [["GEORADIUS", "Sicily", "15", "37", "10", "km", "COUNT", "0"], "ERR COUNT must be > 0"],
      [["GEORADIUS", "Sicily", "15", "37", "10", "km", "COUNT", "x"], "ERR value is not an integer or out of range"],
      [["GEORADIUS", "Sicily", "15", "37", "10", "km", "ANY"], "ERR the ANY argument requires COUNT argument"],
      [
        ["GEORADIUS", "Sicily", "15", "37", "10", "km", "STORE", "d", "WITHDIST"],
        "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
      ],
      [["GEORADIUS_RO", "Sicily", "15", "37", "10", "km", "STORE", "d"], "ERR syntax error"],
      [["GEORADIUSBYMEMBER", "Sicily", "nope", "10", "km"], "ERR could not decode requested zset member"],
      [["GEOSEARCH", "Sicily", "BYRADIUS", "10", "km", "ASC", "WITHDIST"], "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"],
      [["geosearch", "Sicily", "FROMLONLAT", "15", "37", "ASC", "WITHDIST"], "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"], "ERR syntax error"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"], "ERR syntax error"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"], "ERR height or width cannot be negative"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "a", "1", "km"], "ERR need numeric width"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "b", "km"], "ERR need numeric height"],
      [["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "x"], "ERR syntax error"],
      [
        ["GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "WITHDIST"],
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
      ],
      [["GEOADD", "s", "1", "1", "a"], WRONGTYPE],
      [["GEOPOS", "s", "a"], WRONGTYPE],
      [["GEORADIUS", "s", "15", "37", "abc", "km"], WRONGTYPE],
      [["GEOSEARCH", "s", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"], WRONGTYPE],
    ];
    for (const [cmd, err] of cases) expect([cmd.join(" "), await raw.call(...cmd)]).toEqual([cmd.join(" "), `-${err}\r\n`]);
    expect(await raw.call("ZRANGE", "Sicily", "0", "-1", "WITHSCORES")).toBe(
      arr(bulk("Palermo"), bulk("3479099956230698"), bulk("Catania"), bulk("3479447370796909")),
    );
    // a missing source: GEORADIUSBYMEMBER skips the member and radius checks, as Valkey does
    expect(await raw.call("GEORADIUSBYMEMBER", "missing", "nope", "abc", "km")).toBe("*0\r\n");
  });
});
