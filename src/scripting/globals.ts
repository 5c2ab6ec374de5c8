// How a script's global names resolve, where Valkey's Lua globals cannot be reproduced by the engine alone.
// lua-redis-wasm has no setfenv, and Valkey's behaviour rests on globals: `redis`, `pcall`, `error`, KEYS, ARGV,
// `string` and `tonumber` are globals there (readonly: assigning one fails), while here they are the driver's
// wrappers bound as locals of a one-line prelude (driver.ts). And FUNCTION LOAD runs a library's body with only
// `redis` / `server` visible (its register_function, log and version fields), then its functions see the
// ordinary globals. So the source is rewritten, from the parse tree of luaparse (a Lua 5.1 parser), inserting
// text only inside lines so that line numbers stay the user's:
//  - EVAL: an assignment to one of the prelude's names (`redis = ...`, `function error() end`) targets `_G.name`
//    instead, which the engine refuses with Valkey's "Attempt to modify a readonly table";
//  - libraries: every global name `x` becomes `__vkb_G.x`, a field of a table whose lookups the driver switches
//    from the load-time environment to the ordinary one once the body has run (and which refuses writes).
// Source luaparse cannot parse is left alone (Lua's own compiler reports the error). The parser is loaded on the
// first script that needs it.

import { createRequire } from "node:module";

interface Node {
  type: string;
  name?: string;
  isLocal?: boolean;
  range?: [number, number];
  [k: string]: unknown;
}

type Parse = (code: string, options: Record<string, unknown>) => Node;

let parse: Parse | null = null;

function parser(): Parse {
  parse ??= (createRequire(import.meta.url)("luaparse") as { parse: Parse }).parse;
  return parse;
}

/** The names the EVAL prelude binds as locals (driver.ts, HOT): globals in Valkey. */
const PRELUDE = new Set(["redis", "server", "pcall", "xpcall", "error", "KEYS", "ARGV", "string", "tonumber"]);
/** A cheap test before parsing: the source may assign one of them. */
const NAMES = "(?:redis|server|pcall|xpcall|error|KEYS|ARGV|string|tonumber)";
const MAY_ASSIGN = new RegExp(`\\b${NAMES}\\b\\s*(?:=(?!=)|,)|\\bfunction\\s+${NAMES}\\b`);

/** Start offsets of the global-name identifiers `pick` selects, or null when the source does not parse. */
function globalsIn(code: string, pick: (id: Node, parent: Node, key: string) => boolean): number[] | null {
  let ast: Node;
  try {
    ast = parser()(code, { scope: true, ranges: true, comments: false, luaVersion: "5.1", encodingMode: "pseudo-latin1" });
  } catch {
    return null;
  }
  const at: number[] = [];
  // Iterative walk: a script can nest deeply.
  const stack: Array<[unknown, Node | null, string]> = [[ast, null, ""]];
  while (stack.length !== 0) {
    const [n, parent, key] = stack.pop()!;
    if (n === null || typeof n !== "object") continue;
    if (Array.isArray(n)) {
      for (const x of n) stack.push([x, parent, key]);
      continue;
    }
    const node = n as Node;
    if (node.type === "Identifier" && node.isLocal === false && parent !== null && pick(node, parent, key)) at.push(node.range![0]);
    for (const k of Object.keys(node)) {
      // Chunk.globals repeats the first occurrence of each global.
      if (k !== "range" && !(node.type === "Chunk" && k === "globals")) stack.push([node[k], node, k]);
    }
  }
  return at.sort((a, b) => a - b);
}

function insertAt(code: string, at: number[], text: string): string {
  let out = "";
  let last = 0;
  for (const p of at) {
    out += code.slice(last, p) + text;
    last = p;
  }
  return out + code.slice(last);
}

/** EVAL: assignments to the prelude's names go to the readonly globals table, as in Valkey. */
export function guardScript(body: Buffer): Buffer {
  const code = body.toString("latin1");
  if (!MAY_ASSIGN.test(code)) return body;
  const at = globalsIn(
    code,
    (id, parent, key) =>
      PRELUDE.has(id.name!) &&
      ((parent.type === "AssignmentStatement" && key === "variables") || (parent.type === "FunctionDeclaration" && key === "identifier")),
  );
  return at === null || at.length === 0 ? body : Buffer.from(insertAt(code, at, "_G."), "latin1");
}

/** The library's chunk as the driver compiles it: the one-line prelude, then the body with globals rewritten. */
export function libraryChunk(body: Buffer): Buffer {
  const code = body.toString("latin1");
  const at = globalsIn(code, () => true);
  // The driver calls the chunk with (environment, redis, server, pcall, xpcall, error, KEYS, ARGV, string,
  // tonumber); unparsed source keeps the prelude's locals.
  if (at === null) return Buffer.from(`local _,redis,server,pcall,xpcall,error,KEYS,ARGV,string,tonumber=...;${code}`, "latin1");
  return Buffer.from(`local __vkb_G=...;${insertAt(code, at, "__vkb_G.")}`, "latin1");
}
