/** lrand48 written out with BigInt: the reference for Valkey's math.random (redisLrand48, lmathlib.c). */
export function lrand48(seed?: number): () => number {
  let x = seed === undefined ? 0x1234abcd330en : (BigInt(seed >>> 0) << 16n) | 0x330en;
  return () => {
    x = (0x5deece66dn * x + 0xbn) & 0xffffffffffffn;
    return Number(x >> 17n);
  };
}
