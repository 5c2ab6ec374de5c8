// Strings family. (Being completed: GET SET ... BITFIELD.)

import type { Client } from "../client.js";
import { str } from "../args.js";
import { N } from "../store.js";
import type { CommandEntry } from "./types.js";

export const commands: CommandEntry[] = [
  { name: "get", arity: 2, flags: ["readonly", "fast"], acl: ["string"], keys: [{ begin: 1, flags: ["RO", "ACCESS"] }], run: get },
  {
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ begin: 1, flags: ["RW", "ACCESS", "UPDATE", "VARIABLE_FLAGS"] }],
    run: set,
  },
];

// GET key
function get(c: Client, argv: Buffer[]): void {
  const v = c.db.readAs(str(argv[1]!), "string");
  if (v === undefined) c.w.null();
  else c.w.bulk(v);
}

// SET key value
function set(c: Client, argv: Buffer[]): void {
  const key = str(argv[1]!);
  c.db.set(key, "string", Buffer.from(argv[2]!));
  c.db.changed(key, "set", N.STRING);
  c.w.ok();
}
