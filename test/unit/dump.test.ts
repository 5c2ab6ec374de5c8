import { describe, expect, it } from "vitest";
import {
  RDB_TYPE,
  RDB_VERSION,
  intsetDecode,
  intsetEncode,
  listpackDecode,
  listpackEncode,
  RdbReader,
  RdbWriter,
  crc64,
  createDumpPayload,
  loadDumpPayload,
  registerDump,
  registerRestore,
  verifyDumpPayload,
} from "../../src/dump.js";
import { lzfCompress, lzfDecompress } from "../../src/lzf.js";
import { Entry } from "../../src/store.js";

const hex = (h: string) => Buffer.from(h, "hex");

// `DUMP v` after `SET v <value>` on redis-server 7.0.15 (RDB version 10, rdbcompression yes).
const REDIS_70: Array<[value: string, payload: string]> = [
  ["bar", "00036261720a00e6be4960ee66fd17"],
  ["5", "00c0050a00632f5f66832fb351"],
  ["-1", "00c0ff0a000c937e2485089dc5"],
  ["300", "00c12c010a00954261f265825c10"],
  ["70000", "00c2701101000a0001a408fe953095a5"],
  ["-2147483648", "00c2000000800a00c74f873e33558187"],
  ["7000000000", "000a373030303030303030300a0013332cb1989c7004"],
  ["a".repeat(51), "00c30933016161e026000161610a0022515eae73bac27e"],
  ["hello world hello world hello world", "00c314230c68656c6c6f20776f726c642068e00b0b016c640a00778390696934acb7"],
  [
    "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.",
    "00c33740591f54686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e0a6c617a7920646f672e2054200de01d2c01672e0a007a86b0ece8f2e2f4",
  ],
  ["012345678901234567890123456789", "00c30f1e0a3031323334353637383930e00a090a0045c81ec17b44affa"],
];

describe("crc64 (Jones, as Redis/Valkey crc64.c)", () => {
  it("matches the reference check value and continues across chunks", () => {
    expect(crc64(0n, Buffer.from("123456789"))).toBe(0xe9c6d914c4b8d9can);
    const data = Buffer.from("The quick brown fox jumps over the lazy dog");
    expect(crc64(crc64(0n, data.subarray(0, 10)), data.subarray(10))).toBe(crc64(0n, data));
    expect(crc64(0n, Buffer.alloc(0))).toBe(0n);
  });
});

describe("DUMP payloads", () => {
  it.each(REDIS_70)("accepts redis-server 7.0's payload of %j", (value, payload) => {
    const p = hex(payload);
    expect(verifyDumpPayload(p)).toBe(true);
    const got = loadDumpPayload(p);
    expect(got.type).toBe("string");
    expect((got.value as Buffer).toString("latin1")).toBe(value);
  });

  it.each(REDIS_70)("encodes %j exactly as Valkey does (value bytes as redis-server, RDB version 11)", (value, payload) => {
    const mine = createDumpPayload(new Entry("string", Buffer.from(value, "latin1"), 0));
    const theirs = hex(payload);
    // same RDB value encoding (integer forms, LZF output) ...
    expect(mine.subarray(0, mine.length - 10).toString("hex")).toBe(theirs.subarray(0, theirs.length - 10).toString("hex"));
    // ... then version 11 little-endian and the CRC64 of everything before it
    expect(mine.readUInt16LE(mine.length - 10)).toBe(11);
    expect(mine.readBigUInt64LE(mine.length - 8)).toBe(crc64(0n, mine.subarray(0, mine.length - 8)));
    expect(verifyDumpPayload(mine)).toBe(true);
  });

  it("writes the exact bytes for a short string", () => {
    expect(RDB_VERSION).toBe(11);
    const p = createDumpPayload(new Entry("string", Buffer.from("bar"), 0));
    expect(p.subarray(0, 7).toString("hex")).toBe("00036261720b00");
    expect(p.length).toBe(15);
  });

  it("stores verbatim when compression is off or does not pay", () => {
    const off = createDumpPayload(new Entry("string", Buffer.from("a".repeat(51)), 0), false);
    expect(off.subarray(0, 2).toString("hex")).toBe("0033");
    const random = Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 97 + 13) & 0xff));
    const p = createDumpPayload(new Entry("string", random, 0));
    expect(p.subarray(0, 2).toString("hex")).toBe("0028");
  });

  it("round-trips binary strings of many lengths (length encodings 6/14/32-bit, LZF on and off)", () => {
    for (const n of [0, 1, 11, 20, 21, 63, 64, 16383, 16384, 70000]) {
      const v = Buffer.alloc(n);
      for (let i = 0; i < n; i++) v[i] = (i % 7 === 0 ? 0 : i * 31) & 0xff;
      for (const compress of [true, false]) {
        const p = createDumpPayload(new Entry("string", v, 0), compress);
        expect(verifyDumpPayload(p)).toBe(true);
        expect((loadDumpPayload(p).value as Buffer).equals(v)).toBe(true);
      }
    }
  });

  it("refuses short payloads, newer RDB versions and bad checksums", () => {
    const good = hex(REDIS_70[0]![1]);
    expect(verifyDumpPayload(good.subarray(0, 9))).toBe(false);
    const flipped = Buffer.from(good);
    flipped[2]! ^= 1;
    expect(verifyDumpPayload(flipped)).toBe(false);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1]! ^= 0x80;
    expect(verifyDumpPayload(badCrc)).toBe(false);
    // version 12 (Redis 7.4) with a correct checksum: still refused
    const v12 = Buffer.from(good);
    v12.writeUInt16LE(12, v12.length - 10);
    v12.writeBigUInt64LE(crc64(0n, v12.subarray(0, v12.length - 8)), v12.length - 8);
    expect(verifyDumpPayload(v12)).toBe(false);
    // older versions are accepted
    const v9 = Buffer.from(good);
    v9.writeUInt16LE(9, v9.length - 10);
    v9.writeBigUInt64LE(crc64(0n, v9.subarray(0, v9.length - 8)), v9.length - 8);
    expect(verifyDumpPayload(v9)).toBe(true);
  });

  it("reports undecodable values (unknown type, truncated string, corrupt LZF) as format errors", () => {
    const seal = (body: string) => {
      const b = Buffer.concat([hex(body), hex("0b00")]);
      const crc = Buffer.alloc(8);
      crc.writeBigUInt64LE(crc64(0n, b));
      return Buffer.concat([b, crc]);
    };
    for (const body of ["63", "0005616263", "00c3", "00c30533ffffffffff", "00c4", "00ff"]) {
      const p = seal(body);
      expect(verifyDumpPayload(p)).toBe(true);
      expect(() => loadDumpPayload(p)).toThrow();
    }
  });

  it("lets families register codecs through RdbWriter/RdbReader", () => {
    registerDump("list", (value: Buffer[], w) => {
      w.byte(1); // RDB_TYPE_LIST, the pre-quicklist encoding
      w.len(value.length);
      for (const x of value) w.string(x);
    });
    registerRestore([1], (_t, r: RdbReader) => {
      const n = r.len();
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++) out.push(r.string());
      return { type: "list", value: out };
    });
    const items = [Buffer.from("x"), Buffer.from("12"), Buffer.from("y".repeat(100))];
    const p = createDumpPayload(new Entry("list", items, 0));
    expect(loadDumpPayload(p)).toEqual({ type: "list", value: items });
    const w = new RdbWriter();
    w.binaryDouble(1.5);
    w.len(2 ** 32 + 5);
    const r = new RdbReader(w.finish());
    expect(r.binaryDouble()).toBe(1.5);
    expect(r.len()).toBe(2 ** 32 + 5);
  });
});

describe("LZF", () => {
  it("decompresses what it compresses and rejects corrupt input", () => {
    const text = Buffer.from("abcabcabcabcabcabc-xyz-xyz-xyz ".repeat(50));
    const c = lzfCompress(text, text.length - 4)!;
    expect(c.length).toBeLessThan(text.length);
    expect(lzfDecompress(c, text.length)!.equals(text)).toBe(true);
    expect(lzfDecompress(c, text.length + 1)).toBeNull(); // does not fill the announced length
    expect(lzfDecompress(c, text.length - 1)).toBeNull(); // overflows it
    expect(lzfDecompress(hex("e0ff"), 10)).toBeNull(); // back reference before the start
    expect(lzfDecompress(hex("05616263"), 6)).toBeNull(); // literal run past the input
  });

  it("gives up when the output would not fit, as Valkey then stores the string verbatim", () => {
    const incompressible = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff));
    expect(lzfCompress(incompressible, incompressible.length - 4)).toBeNull();
  });
});

// redis-server 7.0 DUMPs of small collections (HSET / ZADD / RPUSH / SADD), for the listpack and intset codecs.
const HASH_LP =
  "10407e7e0000001a00816602817602816e027b01836e656704dffb028362696704f2701101048373313604ded4028369323404f2404b4c048369333204f3006cca88058369363404f40090cd792f08000009826c7a038330303704856d3430393606d0000285703430393506cfff028470313237057f01847031323805c08002ff0a003ceb7a165aa2f0a6";
const HASH_LP_LZF =
  "10c32140950c9500000004008373363304bf79e0350000402045043404e0407ae036000142ff0a00ca8fea211c19d995";
const ZSET_LP = "111a1a0000000600816302dffd0281610283312e35048162020201ff0a0088c4c030f0ae8276";
const LIST_QL2 = "120102171700000005008161020101020103018568656c6c6f06ff0a0075be6c35f5ddc835";
const SET_INTSET = "0b18040000000400000090eefeff0100000002000000030000000a00a8b63c622cbf2c9c";

/** The RDB string right after the type byte of a payload (the blob), and the type byte. */
function blobOf(payload: string, skip = 0): { type: number; blob: Buffer } {
  const r = new RdbReader(hex(payload).subarray(0, hex(payload).length - 10));
  const type = r.byte();
  for (let i = 0; i < skip; i++) r.len();
  return { type, blob: r.string() };
}

describe("listpack and intset blobs (for the collection families' codecs)", () => {
  it("decodes redis-server's hash listpack and re-encodes it byte for byte", () => {
    const { type, blob } = blobOf(HASH_LP);
    expect(type).toBe(RDB_TYPE.HASH_LISTPACK);
    const items = listpackDecode(blob).map((b) => b.toString("latin1"));
    expect(items).toEqual([
      "f", "v", "n", "123", "neg", "-5", "big", "70000", "s16", "-300", "i24", "5000000", "i32", "-2000000000",
      "i64", "9000000000000", "lz", "007", "m4096", "-4096", "p4095", "4095", "p127", "127", "p128", "128",
    ]);
    expect(listpackEncode(items).equals(blob)).toBe(true);
  });

  it("handles 12-bit strings (inside an LZF-compressed blob), zset scores, quicklist nodes and intsets", () => {
    const h2 = blobOf(HASH_LP_LZF).blob;
    const items = listpackDecode(h2).map((b) => b.toString("latin1"));
    expect(items).toEqual(["s63", "y".repeat(63), "s64", "z".repeat(64)]);
    expect(listpackEncode(items).equals(h2)).toBe(true);

    const z = blobOf(ZSET_LP);
    expect(z.type).toBe(RDB_TYPE.ZSET_LISTPACK);
    expect(listpackDecode(z.blob).map(String)).toEqual(["c", "-3", "a", "1.5", "b", "2"]);
    expect(listpackEncode(["c", "-3", "a", "1.5", "b", "2"]).equals(z.blob)).toBe(true);

    const l = hex(LIST_QL2);
    const r = new RdbReader(l.subarray(0, l.length - 10));
    expect(r.byte()).toBe(RDB_TYPE.LIST_QUICKLIST_2);
    expect(r.len()).toBe(1); // nodes
    expect(r.len()).toBe(2); // container: packed
    const node = r.string();
    expect(listpackDecode(node).map(String)).toEqual(["a", "1", "2", "3", "hello"]);
    expect(listpackEncode(["a", "1", "2", "3", "hello"]).equals(node)).toBe(true);

    const si = blobOf(SET_INTSET);
    expect(si.type).toBe(RDB_TYPE.SET_INTSET);
    expect(intsetDecode(si.blob)).toEqual([-70000n, 1n, 2n, 3n]);
    expect(intsetEncode([3n, 1n, 2n, -70000n]).equals(si.blob)).toBe(true);
    expect(intsetEncode([1n, 2n]).readUInt32LE(0)).toBe(2);
    expect(intsetEncode([1n, 2n ** 40n]).readUInt32LE(0)).toBe(8);
  });

  it("round-trips long strings and int64 extremes, and rejects malformed blobs", () => {
    const items = ["x".repeat(5000), "-9223372036854775808", "9223372036854775807", "9223372036854775808", "", "0", "-0"];
    expect(listpackDecode(listpackEncode(items)).map((b) => b.toString("latin1"))).toEqual(items);
    const good = listpackEncode(["a", "b"]);
    expect(() => listpackDecode(good.subarray(0, good.length - 1))).toThrow();
    const badCount = Buffer.from(good);
    badCount.writeUInt16LE(3, 4);
    expect(() => listpackDecode(badCount)).toThrow();
    expect(() => intsetDecode(hex("0200000002000000020001000"))).toThrow();
    expect(() => intsetDecode(hex("020000000200000002000100"))).toThrow(); // not ascending
  });
});
