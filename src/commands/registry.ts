// Every family's table, in the order COMMAND lists them. Adding a family file = one line here.
import type { CommandEntry } from "./types.js";
import { commands as connection } from "./connection.js";
import { commands as server } from "./server.js";
import { commands as command } from "./command.js";
import { commands as config } from "./config.js";
import { commands as acl } from "./acl.js";
import { commands as strings } from "./strings.js";
import { commands as bitops } from "./bitops.js";
import { commands as keys } from "./keys.js";
import { commands as transactions } from "./transactions.js";
import { commands as pubsub } from "./pubsub.js";
import { commands as streams } from "./streams.js";
import { commands as lists } from "./lists.js";
import { commands as zsets } from "./zsets.js";
import { commands as geo } from "./geo.js";
import { commands as hyperloglog } from "./hyperloglog.js";
import { commands as sort } from "./sort.js";
import { commands as scripting } from "./scripting.js";
import { commands as hashes } from "./hashes.js";
import { commands as sets } from "./sets.js";
import { commands as modules } from "./modules.js";
import { commands as latency } from "./latency.js";
import { commands as migrate } from "./migrate.js";
import { commands as cluster } from "./cluster.js";
import { commands as replication } from "./replication.js";

export const families: Array<[group: string, commands: CommandEntry[]]> = [
  ["connection", connection],
  ["server", server],
  ["server", command],
  ["server", config],
  ["server", acl],
  ["string", strings],
  ["bitmap", bitops],
  ["generic", keys],
  ["transactions", transactions],
  ["pubsub", pubsub],
  ["stream", streams],
  ["list", lists],
  ["sorted-set", zsets],
  ["geo", geo],
  ["hyperloglog", hyperloglog],
  ["generic", sort],
  ["scripting", scripting],
  ["hash", hashes],
  ["set", sets],
  ["server", modules],
  ["server", latency],
  ["generic", migrate],
  ["cluster", cluster],
  ["server", replication],
];
