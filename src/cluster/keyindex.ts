// Keys by hash slot for CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, MIGRATE and the SETSLOT checks (Valkey keeps
// one dict per slot). A shard's keyspace map is this Map subclass from the start (so nothing ever holds another
// map), but the index is only built when first asked for: a cluster that is never resharded pays one flag test
// per insert and delete, not a slot computation (SET of new keys: ~35% more server CPU with the index always on).

import { ShardedMap, type Database, type Entry } from "../store.js";
import { keySlotOf } from "./slots.js";

export class SlotIndexedMap extends ShardedMap<Entry> {
  private bySlot: Map<number, Set<string>> | null = null;

  override set(key: string, value: Entry): this {
    if (this.bySlot === null) return super.set(key, value);
    const n = this.size;
    super.set(key, value);
    if (this.size !== n) this.add(key);
    return this;
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    if (this.bySlot !== null) {
      const s = keySlotOf(key);
      const keys = this.bySlot.get(s);
      if (keys !== undefined) {
        keys.delete(key);
        if (keys.size === 0) this.bySlot.delete(s);
      }
    }
    return true;
  }

  override clear(): void {
    super.clear();
    this.bySlot?.clear();
  }

  private add(key: string): void {
    const s = keySlotOf(key);
    let keys = this.bySlot!.get(s);
    if (keys === undefined) this.bySlot!.set(s, (keys = new Set()));
    keys.add(key);
  }

  /** Keys stored in a slot (expired keys not yet swept included, as Valkey's per-slot dict). */
  keysInSlot(slot: number): ReadonlySet<string> {
    if (this.bySlot === null) {
      this.bySlot = new Map();
      for (const k of this.keys()) this.add(k);
    }
    return this.bySlot.get(slot) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set<string>();

/** The shard's one database, keyed through a SlotIndexedMap (installed while it is still empty). */
export function indexBySlot(db: Database): SlotIndexedMap {
  if (db.keys instanceof SlotIndexedMap) return db.keys;
  const m = new SlotIndexedMap();
  for (const [k, v] of db.keys) m.set(k, v);
  db.keys = m;
  return m;
}
