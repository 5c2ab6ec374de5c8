// Generates docs/commands.md's table of supported commands (linked from the README) from the live command table,
// between the markers <!-- commands:start --> and <!-- commands:end -->. Run: `npm run readme:commands`
// (bun scripts/gen-commands-md.ts). test/unit/readme.test.ts fails when the page's table differs from what this prints.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allEntries, type CommandEntry } from "../src/commands/index.js";
import { replyFlags } from "../src/commands/command.js";

export const START = "<!-- commands:start -->";
export const END = "<!-- commands:end -->";
export const COMMANDS_MD = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "commands.md");

function displayName(e: CommandEntry): string {
  return (e.parent ? `${e.parent.name} ${e.name}` : e.name).toUpperCase();
}

/** Flags worth a reader's attention (COMMAND INFO spelling); loading/stale/noscript and the like are noise here. */
const SHOWN_FLAGS = new Set(["write", "readonly", "denyoom", "admin", "pubsub", "blocking", "fast", "no_auth", "movablekeys"]);

/** The markdown between the markers (without them): one row per command or subcommand that can run. */
export function commandsTable(): string {
  const rows = allEntries()
    .filter((e) => e.run !== undefined)
    .map((e) => ({ e, group: e.group ?? "", name: displayName(e) }))
    .sort((a, b) => (a.group === b.group ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.group < b.group ? -1 : 1));
  const lines = [
    "<!-- generated from the command table by `npm run readme:commands`; do not edit by hand -->",
    "",
    `${rows.length} commands and subcommands.`,
    "",
    "| Group | Command | Flags |",
    "| --- | --- | --- |",
  ];
  for (const { e, group, name } of rows) {
    lines.push(`| ${group} | \`${name}\` | ${replyFlags(e)
      .filter((f) => SHOWN_FLAGS.has(f))
      .join(", ")} |`);
  }
  return lines.join("\n");
}

/** The page's text with the table between the markers replaced. */
export function withTable(readme: string, table = commandsTable()): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/commands.md needs the markers ${START} and ${END}`);
  return readme.slice(0, a + START.length) + "\n" + table + "\n" + readme.slice(b);
}

/** The table currently in the page (between the markers), or null when the markers are missing. */
export function tableInReadme(readme: string): string | null {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) return null;
  return readme.slice(a + START.length, b).replace(/^\n/, "").replace(/\n$/, "");
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const before = readFileSync(COMMANDS_MD, "utf8");
  const after = withTable(before);
  if (after !== before) writeFileSync(COMMANDS_MD, after);
  process.stdout.write(after === before ? "docs/commands.md command table is up to date\n" : "docs/commands.md command table updated\n");
}
