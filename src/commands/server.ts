// Server family: INFO CONFIG DBSIZE FLUSHDB ... (Being completed.)

import type { Client } from "../client.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  { name: "dbsize", arity: 1, flags: ["readonly", "fast"], acl: ["keyspace"], tips: ["request_policy:all_shards", "response_policy:agg_sum"], run: dbsize },
];

// DBSIZE
function dbsize(c: Client): void {
  c.w.integer(c.db.size);
}
