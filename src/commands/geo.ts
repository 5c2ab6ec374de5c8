// GEO family: points live in a sorted set whose scores are 52-bit geohashes (Valkey's interleave of 26 bits of
// latitude and longitude, latitude limited to +-85.05112878 as in EPSG:900913). Searches scan the geohash
// box around the center and its 8 neighbours, then filter by haversine distance (Earth radius 6372797.560856 m),
// exactly as Valkey's geo.c / geohash.c / geohash_helper.c do.

import type { Client } from "../client.js";
import { int, str, token } from "../args.js";
import { E, errorText } from "../errors.js";
import { N } from "../store.js";
import { SortedSet } from "../structures/sortedset.js";
import type { CommandEntry } from "./types.js";
import { limitsOf, parseDouble, scoreRangeRanks, zsetPut } from "./zsets.js";

export const commands: CommandEntry[] = [
  {
    name: "geoadd",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RW", "UPDATE"] }],
    run: geoadd,
  },
  {
    name: "geodist",
    arity: -4,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: geodist,
  },
  {
    name: "geohash",
    arity: -2,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: geohash,
  },
  {
    name: "geopos",
    arity: -2,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: geopos,
  },
  {
    name: "geosearch",
    arity: -7,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: geosearch,
  },
  {
    name: "geosearchstore",
    arity: -8,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["OW", "UPDATE"] }, { begin: 2, flags: ["RO", "ACCESS"] }],
    run: geosearchstore,
  },
  {
    name: "georadius",
    arity: -6,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }, { begin: { keyword: "STORE", startfrom: 6 }, flags: ["OW", "UPDATE"] }, { begin: { keyword: "STOREDIST", startfrom: 6 }, flags: ["OW", "UPDATE"] }],
    run: georadius,
  },
  {
    name: "georadius_ro",
    arity: -6,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: georadiusRo,
  },
  {
    name: "georadiusbymember",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }, { begin: { keyword: "STORE", startfrom: 5 }, flags: ["OW", "UPDATE"] }, { begin: { keyword: "STOREDIST", startfrom: 5 }, flags: ["OW", "UPDATE"] }],
    run: georadiusbymember,
  },
  {
    name: "georadiusbymember_ro",
    arity: -5,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [{ begin: 1, flags: ["RO", "ACCESS"] }],
    run: georadiusbymemberRo,
  },

];

// ---------------------------------------------------------------------------------------------------------
// Geohash (geohash.c)

const GEO_STEP_MAX = 26;
const GEO_LAT_MIN = -85.05112878;
const GEO_LAT_MAX = 85.05112878;
const GEO_LONG_MIN = -180;
const GEO_LONG_MAX = 180;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;
const M64 = (1n << 64n) - 1n;

interface Range {
  min: number;
  max: number;
}
interface HashBits {
  bits: bigint;
  step: number;
}
interface Area {
  hash: HashBits;
  longitude: Range;
  latitude: Range;
}

const WGS84: [Range, Range] = [
  { min: GEO_LONG_MIN, max: GEO_LONG_MAX },
  { min: GEO_LAT_MIN, max: GEO_LAT_MAX },
];

function interleave64(xlo: bigint, ylo: bigint): bigint {
  const B = [0x5555555555555555n, 0x3333333333333333n, 0x0f0f0f0f0f0f0f0fn, 0x00ff00ff00ff00ffn, 0x0000ffff0000ffffn];
  const S = [1n, 2n, 4n, 8n, 16n];
  let x = xlo & 0xffffffffn;
  let y = ylo & 0xffffffffn;
  for (let i = 4; i >= 0; i--) {
    x = (x | (x << S[i]!)) & B[i]!;
    y = (y | (y << S[i]!)) & B[i]!;
  }
  return (x | (y << 1n)) & M64;
}

function deinterleave64(interleaved: bigint): bigint {
  const B = [0x5555555555555555n, 0x3333333333333333n, 0x0f0f0f0f0f0f0f0fn, 0x00ff00ff00ff00ffn, 0x0000ffff0000ffffn, 0x00000000ffffffffn];
  const S = [0n, 1n, 2n, 4n, 8n, 16n];
  let x = interleaved;
  let y = interleaved >> 1n;
  for (let i = 0; i < 6; i++) {
    x = (x | (x >> S[i]!)) & B[i]!;
    y = (y | (y >> S[i]!)) & B[i]!;
  }
  return (x | (y << 32n)) & M64;
}

/** C's double -> uint32_t conversion for the non-negative offsets used here. */
function toU32(d: number): bigint {
  return BigInt(Math.trunc(d)) & 0xffffffffn;
}

function encode(longRange: Range, latRange: Range, longitude: number, latitude: number, step: number): HashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(toU32(latOffset), toU32(longOffset)), step };
}

function isZero(h: HashBits): boolean {
  return h.bits === 0n && h.step === 0;
}

function decode(longRange: Range, latRange: Range, hash: HashBits): Area | null {
  if (isZero(hash)) return null;
  const sep = deinterleave64(hash.bits);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const ilato = Number(sep & 0xffffffffn);
  const ilono = Number((sep >> 32n) & 0xffffffffn);
  const div = 2 ** hash.step;
  return {
    hash,
    latitude: { min: latRange.min + (ilato / div) * latScale, max: latRange.min + ((ilato + 1) / div) * latScale },
    longitude: { min: longRange.min + (ilono / div) * longScale, max: longRange.min + ((ilono + 1) / div) * longScale },
  };
}

const TWO63 = 2 ** 63;
const BIT63 = 1n << 63n;

/**
 * C's `(uint64_t)score` in Valkey's decodeGeohash, as x86-64 GCC compiles it: below 2^63 a signed truncation
 * (negatives wrap), from 2^63 on a truncation of score - 2^63 with bit 63 flipped, and cvttsd2si's
 * 0x8000000000000000 for what does not fit (+inf and 1e30 so end at 0, -inf at 2^63). Any score of a sorted set
 * can reach GEOPOS, GEODIST and GEOSEARCH; BigInt(Infinity) threw ("ERR internal error").
 */
export function scoreBits(score: number): bigint {
  if (score >= TWO63) {
    const r = score - TWO63;
    return r < TWO63 ? BigInt(Math.trunc(r)) | BIT63 : 0n;
  }
  if (score >= -TWO63) return BigInt.asUintN(64, BigInt(Math.trunc(score)));
  return BIT63; // below -2^63, -inf (NaN is not a score)
}

/** A zset score back to [longitude, latitude], or null. */
export function decodeScore(score: number): [number, number] | null {
  const area = decode(WGS84[0], WGS84[1], { bits: scoreBits(score), step: GEO_STEP_MAX });
  if (area === null) return null;
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

function align52(h: HashBits): bigint {
  return (h.bits << BigInt(52 - h.step * 2)) & M64;
}

/** The zset score of a point. */
export function encodeScore(longitude: number, latitude: number): number {
  return Number(align52(encode(WGS84[0], WGS84[1], longitude, latitude, GEO_STEP_MAX)!));
}

function moveX(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  let x = h.bits & 0xaaaaaaaaaaaaaaaan;
  const y = h.bits & 0x5555555555555555n;
  const zz = 0x5555555555555555n >> BigInt(64 - h.step * 2);
  if (d > 0) x = (x + (zz + 1n)) & M64;
  else {
    x = x | zz;
    x = BigInt.asUintN(64, x - (zz + 1n));
  }
  x &= 0xaaaaaaaaaaaaaaaan >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

function moveY(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const x = h.bits & 0xaaaaaaaaaaaaaaaan;
  let y = h.bits & 0x5555555555555555n;
  const zz = 0xaaaaaaaaaaaaaaaan >> BigInt(64 - h.step * 2);
  if (d > 0) y = (y + (zz + 1n)) & M64;
  else {
    y = y | zz;
    y = BigInt.asUintN(64, y - (zz + 1n));
  }
  y &= 0x5555555555555555n >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

interface Neighbors {
  north: HashBits;
  south: HashBits;
  east: HashBits;
  west: HashBits;
  north_east: HashBits;
  north_west: HashBits;
  south_east: HashBits;
  south_west: HashBits;
}

function neighborsOf(h: HashBits): Neighbors {
  return {
    east: moveX(h, 1),
    west: moveX(h, -1),
    south: moveY(h, -1),
    north: moveY(h, 1),
    north_west: moveY(moveX(h, -1), 1),
    north_east: moveY(moveX(h, 1), 1),
    south_east: moveY(moveX(h, 1), -1),
    south_west: moveY(moveX(h, -1), -1),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Distances and search areas (geohash_helper.c)

const degRad = (a: number) => a * D_R;
const radDeg = (a: number) => a / D_R;

function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** Haversine great-circle distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

interface Shape {
  circle: boolean;
  xy: [number, number];
  /** meters per unit */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

function boundingBox(s: Shape): [number, number, number, number] {
  const height = s.circle ? s.conversion * s.radius : (s.conversion * s.height) / 2;
  const width = s.circle ? s.conversion * s.radius : (s.conversion * s.width) / 2;
  const [longitude, latitude] = s.xy;
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

const ZERO: HashBits = { bits: 0n, step: 0 };

/** The center box and its 8 neighbours covering the shape (geohashCalculateAreasByShapeWGS84). */
function areasFor(s: Shape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  const [longitude, latitude] = s.xy;
  let radiusMeters = s.circle ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateSteps(radiusMeters, latitude);
  const [lr, ar] = WGS84;
  let hash = encode(lr, ar, longitude, latitude, steps)!;
  let nb = neighborsOf(hash);
  let area = decode(lr, ar, hash)!;
  const north = decode(lr, ar, nb.north)!;
  const south = decode(lr, ar, nb.south)!;
  const east = decode(lr, ar, nb.east)!;
  const west = decode(lr, ar, nb.west)!;
  const decrease =
    (north && north.latitude.max < maxLat) ||
    (south && south.latitude.min > minLat) ||
    (east && east.longitude.max < maxLon) ||
    (west && west.longitude.min > minLon);
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(lr, ar, longitude, latitude, steps)!;
    nb = neighborsOf(hash);
    area = decode(lr, ar, hash)!;
  }
  if (steps >= 2) {
    if (area.latitude.min < minLat) nb.south = nb.south_west = nb.south_east = ZERO;
    if (area.latitude.max > maxLat) nb.north = nb.north_east = nb.north_west = ZERO;
    if (area.longitude.min < minLon) nb.west = nb.south_west = nb.north_west = ZERO;
    if (area.longitude.max > maxLon) nb.east = nb.south_east = nb.north_east = ZERO;
  }
  return [hash, nb.north, nb.south, nb.east, nb.west, nb.north_east, nb.north_west, nb.south_east, nb.south_west];
}

interface GeoPoint {
  member: string;
  score: number;
  dist: number;
  xy: [number, number];
}

/** Distance from the shape's center when the point is inside it, else -1. */
function withinShape(s: Shape, xy: [number, number]): number {
  if (s.circle) {
    const d = distance(s.xy[0], s.xy[1], xy[0], xy[1]);
    return d > s.radius * s.conversion ? -1 : d;
  }
  const widthM = s.width * s.conversion;
  const heightM = s.height * s.conversion;
  if (latDistance(s.xy[1], xy[1]) > heightM / 2) return -1;
  if (distance(xy[0], xy[1], s.xy[0], xy[1]) > widthM / 2) return -1;
  return distance(s.xy[0], s.xy[1], xy[0], xy[1]);
}

/** Members in the 9 boxes that fall inside the shape, in Valkey's discovery order; stops at `limit` (ANY). */
function pointsInShape(z: SortedSet, s: Shape, limit: number): GeoPoint[] {
  const boxes = areasFor(s);
  const out: GeoPoint[] = [];
  let last = -1;
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    if (isZero(b)) continue;
    if (last >= 0 && b.bits === boxes[last]!.bits && b.step === boxes[last]!.step) continue;
    if (out.length && limit && out.length >= limit) break;
    const min = Number(align52(b));
    const max = Number(align52({ bits: b.bits + 1n, step: b.step }));
    const [from, to] = scoreRangeRanks(z, { min, max, minex: false, maxex: true });
    z.range(from, to - from, false, (member, score) => {
      const xy = decodeScore(score);
      if (xy !== null) {
        const d = withinShape(s, xy);
        if (d >= 0) out.push({ member, score, dist: d, xy });
      }
      if (out.length && limit && out.length >= limit) return false;
    });
    last = i;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Argument helpers and number formats

function lonLat(a: Buffer, b: Buffer): [number, number] {
  const x = parseDouble(a);
  if (x === null) throw E.notFloat;
  const y = parseDouble(b);
  if (y === null) throw E.notFloat;
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX)
    throw errorText(`ERR invalid longitude,latitude pair ${x.toFixed(6)},${y.toFixed(6)}`);
  return [x, y];
}

/** Meters per unit. */
function unitOf(b: Buffer): number {
  switch (token(b)) {
    case "m":
      return 1;
    case "km":
      return 1000;
    case "ft":
      return 0.3048;
    case "mi":
      return 1609.34;
    default:
      throw errorText("ERR unsupported unit provided. please use M, KM, FT, MI");
  }
}

function radiusOf(value: Buffer, unit: Buffer): [radius: number, conversion: number] {
  const r = parseDouble(value);
  if (r === null) throw errorText("ERR need numeric radius");
  if (r < 0) throw errorText("ERR radius cannot be negative");
  return [r, unitOf(unit)];
}

function boxOf(w: Buffer, h: Buffer, unit: Buffer): [width: number, height: number, conversion: number] {
  const width = parseDouble(w);
  if (width === null) throw errorText("ERR need numeric width");
  const height = parseDouble(h);
  if (height === null) throw errorText("ERR need numeric height");
  if (height < 0 || width < 0) throw errorText("ERR height or width cannot be negative");
  return [width, height, unitOf(unit)];
}

/** llrint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** fixedpoint_d2string(d, 4): distances always carry 4 decimals. */
export function formatDistance(d: number): string {
  if (d === 0) return "0.0000";
  const sv = rint(d * 10000);
  const neg = sv < 0;
  const v = BigInt(Math.abs(sv));
  const int = v / 10000n;
  const frac = String(v % 10000n).padStart(4, "0");
  return `${neg ? "-" : ""}${int}.${frac}`;
}

/** "%.17Lf" without trailing zeros, as Valkey prints coordinates (addReplyHumanLongDouble). */
export function formatCoord(d: number): string {
  let s = d.toFixed(17);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

function geoRead(c: Client, key: string): SortedSet | undefined {
  return c.db.readAs(key, "zset");
}

// ---------------------------------------------------------------------------------------------------------
// Commands

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
function geoadd(c: Client, argv: Buffer[]): void {
  let nx = false;
  let xx = false;
  let ch = false;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    const t = token(argv[idx]!);
    if (t === "nx") nx = true;
    else if (t === "xx") xx = true;
    else if (t === "ch") ch = true;
    else break;
  }
  const rest = argv.length - idx;
  if (rest % 3 !== 0 || (xx && nx) || rest === 0) throw E.syntax;
  const n = rest / 3;
  const scores: number[] = [];
  const members: string[] = [];
  let maxLen = 0;
  for (let j = 0; j < n; j++) {
    const [x, y] = lonLat(argv[idx + 3 * j]!, argv[idx + 3 * j + 1]!);
    scores.push(encodeScore(x, y));
    const m = str(argv[idx + 3 * j + 2]!);
    members.push(m);
    if (m.length > maxLen) maxLen = m.length;
  }
  const key = str(argv[1]!);
  let z: SortedSet | undefined = c.db.writeAs(key, "zset");
  const lim = limitsOf(c);
  if (z === undefined) {
    if (xx) return c.w.integer(0);
    z = new SortedSet(!(n <= lim.entries && maxLen <= lim.value));
    c.db.set(key, "zset", z);
  } else if (!z.skiplist && (n > lim.entries || maxLen > lim.value)) z.skiplist = true;
  let added = 0;
  let updated = 0;
  for (let j = 0; j < n; j++) {
    const m = members[j]!;
    const cur = z.score(m);
    if (cur !== undefined) {
      if (nx || cur === scores[j]) continue;
      z.set(m, scores[j]!);
      updated++;
    } else if (!xx) {
      zsetPut(z, lim, m, scores[j]!);
      added++;
    }
  }
  if (added || updated) c.db.changed(key, "zadd", N.ZSET);
  c.w.integer(ch ? added + updated : added);
}

// GEODIST key member1 member2 [M | KM | FT | MI]
function geodist(c: Client, argv: Buffer[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitOf(argv[4]!);
  else if (argv.length > 5) throw E.syntax;
  const z = geoRead(c, str(argv[1]!));
  if (z === undefined) return c.w.null();
  const s1 = z.score(str(argv[2]!));
  const s2 = z.score(str(argv[3]!));
  if (s1 === undefined || s2 === undefined) return c.w.null();
  const a = decodeScore(s1);
  const b = decodeScore(s2);
  if (a === null || b === null) return c.w.null();
  c.w.bulk(formatDistance(distance(a[0], a[1], b[0], b[1]) / toMeter));
}

const GEOALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

// GEOHASH key [member [member ...]]
function geohash(c: Client, argv: Buffer[]): void {
  const z = geoRead(c, str(argv[1]!));
  c.w.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(str(argv[j]!));
    const xy = s === undefined ? null : decodeScore(s);
    if (xy === null) {
      c.w.null();
      continue;
    }
    const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, xy[0], xy[1], 26)!;
    let out = "";
    for (let i = 0; i < 11; i++) {
      const idx = i === 10 ? 0 : Number((h.bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
      out += GEOALPHABET[idx];
    }
    c.w.bulk(out);
  }
}

// GEOPOS key [member [member ...]]
function geopos(c: Client, argv: Buffer[]): void {
  const z = geoRead(c, str(argv[1]!));
  c.w.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(str(argv[j]!));
    const xy = s === undefined ? null : decodeScore(s);
    if (xy === null) {
      c.w.nullArray();
      continue;
    }
    c.w.array(2);
    c.w.doubleText(formatCoord(xy[0]));
    c.w.doubleText(formatCoord(xy[1]));
  }
}

const COORDS = 1;
const MEMBER = 2;
const NOSTORE = 4;
const SEARCH = 8;
const SEARCHSTORE = 16;

// GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
function georadius(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 1, COORDS);
}

// GEORADIUS_RO key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
function georadiusRo(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 1, COORDS | NOSTORE);
}

// GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
function georadiusbymember(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 1, MEMBER);
}

// GEORADIUSBYMEMBER_RO key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
function georadiusbymemberRo(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 1, MEMBER | NOSTORE);
}

// GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
function geosearch(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 1, SEARCH);
}

// GEOSEARCHSTORE destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]
function geosearchstore(c: Client, argv: Buffer[]): void {
  radiusGeneric(c, argv, 2, SEARCH | SEARCHSTORE);
}

function memberPoint(z: SortedSet, member: Buffer): [number, number] {
  const s = z.score(str(member));
  const xy = s === undefined ? null : decodeScore(s);
  if (xy === null) throw errorText("ERR could not decode requested zset member");
  return xy;
}

function radiusGeneric(c: Client, argv: Buffer[], srcIdx: number, flags: number): void {
  const z = geoRead(c, str(argv[srcIdx]!));
  const shape: Shape = { circle: true, xy: [0, 0], conversion: 1, radius: 0, width: 0, height: 0 };
  let base: number;
  let storeKey: string | null = null;
  let storeDist = false;
  if (flags & COORDS) {
    base = 6;
    shape.xy = lonLat(argv[2]!, argv[3]!);
    [shape.radius, shape.conversion] = radiusOf(argv[4]!, argv[5]!);
  } else if (flags & MEMBER) {
    base = 5;
    if (z !== undefined) {
      shape.xy = memberPoint(z, argv[2]!);
      [shape.radius, shape.conversion] = radiusOf(argv[3]!, argv[4]!);
    }
  } else {
    base = 2;
    if (flags & SEARCHSTORE) {
      base = 3;
      storeKey = str(argv[1]!);
    }
  }
  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: "none" | "asc" | "desc" = "none";
  let any = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const at = base + i;
    const arg = token(argv[at]!);
    if (arg === "withdist") withDist = true;
    else if (arg === "withhash") withHash = true;
    else if (arg === "withcoord") withCoords = true;
    else if (arg === "any") any = true;
    else if (arg === "asc") sort = "asc";
    else if (arg === "desc") sort = "desc";
    else if (arg === "count" && i + 1 < remaining) {
      const n = int(argv[at + 1]!);
      if (n <= 0) throw errorText("ERR COUNT must be > 0");
      count = n;
      i++;
    } else if ((arg === "store" || arg === "storedist") && i + 1 < remaining && !(flags & NOSTORE) && !(flags & SEARCH)) {
      storeKey = str(argv[at + 1]!);
      storeDist = arg === "storedist";
      i++;
    } else if (arg === "storedist" && flags & SEARCH && flags & SEARCHSTORE) {
      storeDist = true;
    } else if (arg === "frommember" && i + 1 < remaining && flags & SEARCH && !fromLoc) {
      if (z !== undefined) shape.xy = memberPoint(z, argv[at + 1]!);
      fromMember = true;
      i++;
    } else if (arg === "fromlonlat" && i + 2 < remaining && flags & SEARCH && !fromMember) {
      shape.xy = lonLat(argv[at + 1]!, argv[at + 2]!);
      fromLoc = true;
      i += 2;
    } else if (arg === "byradius" && i + 2 < remaining && flags & SEARCH && !byBox) {
      [shape.radius, shape.conversion] = radiusOf(argv[at + 1]!, argv[at + 2]!);
      shape.circle = true;
      byRadius = true;
      i += 2;
    } else if (arg === "bybox" && i + 3 < remaining && flags & SEARCH && !byRadius) {
      [shape.width, shape.height, shape.conversion] = boxOf(argv[at + 1]!, argv[at + 2]!, argv[at + 3]!);
      shape.circle = false;
      byBox = true;
      i += 3;
    } else throw E.syntax;
  }
  if (storeKey !== null && (withDist || withHash || withCoords))
    throw errorText(
      `ERR ${flags & SEARCHSTORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
    );
  const cmdName = str(argv[0]!);
  if (flags & SEARCH && !(fromMember || fromLoc))
    throw errorText(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cmdName}`);
  if (flags & SEARCH && !(byRadius || byBox)) throw errorText(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${cmdName}`);
  if (any && !count) throw errorText("ERR the ANY argument requires COUNT argument");

  if (z === undefined) {
    if (storeKey !== null) {
      if (c.db.peek(storeKey) !== undefined) {
        c.db.delete(storeKey);
        c.db.changed(storeKey, "del", N.GENERIC);
      }
      return c.w.integer(0);
    }
    return c.w.array(0);
  }
  if (count !== 0 && sort === "none" && !any) sort = "asc";
  const points = pointsInShape(z, shape, any ? count : 0);
  if (points.length === 0 && storeKey === null) return c.w.array(0);
  if (sort === "asc") points.sort((a, b) => a.dist - b.dist);
  else if (sort === "desc") points.sort((a, b) => b.dist - a.dist);
  const returned = count === 0 || points.length < count ? points.length : count;

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
    c.w.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      const dist = p.dist / shape.conversion;
      if (options) c.w.array(options + 1);
      c.w.bulk(p.member);
      if (withDist) c.w.bulk(formatDistance(dist));
      if (withHash) c.w.integer(p.score);
      if (withCoords) {
        c.w.array(2);
        c.w.doubleText(formatCoord(p.xy[0]));
        c.w.doubleText(formatCoord(p.xy[1]));
      }
    }
    return;
  }
  if (returned > 0) {
    const out = new SortedSet();
    let maxLen = 0;
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      out.set(p.member, storeDist ? p.dist / shape.conversion : p.score);
      if (p.member.length > maxLen) maxLen = p.member.length;
    }
    const lim = limitsOf(c);
    out.skiplist = !(out.size <= lim.entries && maxLen <= lim.value);
    c.db.set(storeKey, "zset", out);
    c.db.changed(storeKey, flags & SEARCH ? "geosearchstore" : "georadiusstore", N.ZSET);
  } else if (c.db.peek(storeKey) !== undefined) {
    c.db.delete(storeKey);
    c.db.changed(storeKey, "del", N.GENERIC);
  }
  c.w.integer(returned);
}
