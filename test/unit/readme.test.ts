// docs/commands.md (linked from the README) holds the table of supported commands, generated from the command
// table; this fails when they drift. Fix: `npm run readme:commands`. The README itself must link to it.

import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { join } from "node:path";
import { COMMANDS_MD, commandsTable, tableInReadme, withTable } from "../../scripts/gen-commands-md.js";

it("docs/commands.md lists exactly the commands in the table (run `npm run readme:commands` after adding commands)", () => {
  const page = readFileSync(COMMANDS_MD, "utf8");
  const current = tableInReadme(page);
  expect(current, "docs/commands.md lost its <!-- commands:start --> / <!-- commands:end --> markers").not.toBeNull();
  expect(current).toBe(commandsTable());
});

it("the README links the commands page and stays short", () => {
  const readme = readFileSync(join(COMMANDS_MD, "..", "..", "README.md"), "utf8");
  expect(readme).toContain("(docs/commands.md)");
  expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12_500);
});

it("the generator replaces only what is between the markers", () => {
  const doc = "# Title\n\nintro\n\n<!-- commands:start -->\nold table\n<!-- commands:end -->\n\nrest\n";
  const out = withTable(doc, "NEW");
  expect(out).toBe("# Title\n\nintro\n\n<!-- commands:start -->\nNEW\n<!-- commands:end -->\n\nrest\n");
  expect(tableInReadme(out)).toBe("NEW");
  expect(withTable(out, "NEW")).toBe(out);
  expect(() => withTable("no markers", "x")).toThrow("markers");
});

it("lists subcommands under their container and commands with their flags", () => {
  const table = commandsTable();
  expect(table).toMatch(/\| `COMMAND GETKEYS` \| [^|]* \|/);
  expect(table).toMatch(/\| `GET` \| readonly, fast \|/);
  expect(table).not.toMatch(/\| `CLIENT` \|/); // a container without a handler of its own is not a command
});
