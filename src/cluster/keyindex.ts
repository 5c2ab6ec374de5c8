// Keys by hash slot for CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT and the SETSLOT checks (Valkey keeps one dict
// per slot). A shard's keyspace map is swapped for this Map subclass, so every insert and delete the store makes
// keeps the index without the store knowing about slots.

import type { Database, Entry } from "../store.js";
import { keySlotOf } from "./slots.js";

export class SlotIndexedMap extends Map<string, Entry> {
  readonly bySlot = new Map<number, Set<string>>();

  override set(key: string, value: Entry): this {
    if (!super.has(key)) {
      const s = keySlotOf(key);
      let keys = this.bySlot.get(s);
      if (keys === undefined) this.bySlot.set(s, (keys = new Set()));
      keys.add(key);
    }
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    const s = keySlotOf(key);
    const keys = this.bySlot.get(s);
    if (keys !== undefined) {
      keys.delete(key);
      if (keys.size === 0) this.bySlot.delete(s);
    }
    return true;
  }

  override clear(): void {
    super.clear();
    this.bySlot.clear();
  }

  /** Keys stored in a slot (expired keys not yet swept included, as Valkey's per-slot dict). */
  keysInSlot(slot: number): ReadonlySet<string> {
    return this.bySlot.get(slot) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set<string>();

/** Index db's keyspace by slot (a shard's one database). */
export function indexBySlot(db: Database): SlotIndexedMap {
  if (db.keys instanceof SlotIndexedMap) return db.keys;
  const m = new SlotIndexedMap();
  for (const [k, v] of db.keys) m.set(k, v);
  db.keys = m;
  return m;
}
