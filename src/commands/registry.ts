// Every family's table, in the order COMMAND lists them. Adding a family file = one line here.
import type { CommandEntry } from "./types.js";
import { commands as connection } from "./connection.js";
import { commands as server } from "./server.js";
import { commands as strings } from "./strings.js";
import { commands as keys } from "./keys.js";
import { commands as transactions } from "./transactions.js";
import { commands as hashes } from "./hashes.js";
import { commands as sets } from "./sets.js";

export const families: Array<[group: string, commands: CommandEntry[]]> = [
  ["connection", connection],
  ["server", server],
  ["string", strings],
  ["generic", keys],
  ["transactions", transactions],
  ["hash", hashes],
  ["set", sets],
];
