// Valkey's LFU counter (evict.c): an 8-bit logarithmic access counter that halves its chance to grow as it
// grows (lfu-log-factor) and loses one point per lfu-decay-time minutes without access. New keys start at 5 so
// that they are not evicted before they had a chance to be used.

/** LFU_INIT_VAL */
export const LFU_INIT = 5;

/** The counter after decay for the minutes since `lastAccess` (ms); what OBJECT FREQ reports. */
export function lfuDecayed(counter: number, lastAccess: number, now: number, decayTime: number): number {
  if (decayTime <= 0) return counter;
  const periods = Math.floor((Math.floor(now / 60000) - Math.floor(lastAccess / 60000)) / decayTime);
  return periods <= 0 ? counter : periods > counter ? 0 : counter - periods;
}

/** Valkey's updateLFU: decay, then a logarithmic increment. */
export function lfuAccessed(counter: number, lastAccess: number, now: number, logFactor: number, decayTime: number): number {
  let c = lfuDecayed(counter, lastAccess, now, decayTime);
  if (c === 255) return c;
  const base = c - LFU_INIT;
  if (Math.random() < 1 / ((base < 0 ? 0 : base) * logFactor + 1)) c++;
  return c;
}
