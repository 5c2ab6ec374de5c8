// Generic keyspace family. (Being completed: DEL ... RESTORE.)

import type { Client } from "../client.js";
import { str } from "../args.js";
import { N } from "../store.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  {
    name: "del",
    arity: -2,
    flags: ["write"],
    acl: ["keyspace"],
    keys: [{ begin: 1, range: [-1, 1, 0], flags: ["RM", "DELETE"] }],
    tips: ["request_policy:multi_shard", "response_policy:agg_sum"],
    run: del,
  },
];

// DEL key [key ...]
function del(c: Client, argv: Buffer[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = str(argv[i]!);
    if (c.db.peek(key) !== undefined && c.db.delete(key)) {
      c.db.changed(key, "del", N.GENERIC);
      n++;
    }
  }
  c.w.integer(n);
}
