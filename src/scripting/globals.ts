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
//    from the load-time environment to the ordinary one once the body has run (and which refuses writes);
//  - both: `return redis.call(...)` becomes `return (redis.call(...))`, so that the script's frame, whose line
//    the error names, is still there when redis.call (a Lua function in the driver) raises.
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
const PRELUDE = new Set(["redis", "server", "pcall", "xpcall", "error", "KEYS", "ARGV", "string", "tonumber", "math", "coroutine"]);
/** A cheap test before parsing: the source may assign one of them. */
const NAMES = "(?:redis|server|pcall|xpcall|error|KEYS|ARGV|string|tonumber|math|coroutine)";
/** ...or may return redis.call(...) or math.random(...), directly or through a local alias (`local rcall = redis.call`). */
const WRAPPED = "(?:(?:redis|server)\\s*\\.\\s*call|math\\s*\\.\\s*random(?:seed)?)";
function mayTailCall(code: string): boolean {
  const names = [WRAPPED];
  for (const m of code.matchAll(new RegExp(`\\blocal\\s+([A-Za-z_]\\w*)\\s*=\\s*${WRAPPED}\\b`, "g"))) names.push(m[1]!);
  return new RegExp(`\\breturn\\s*\\(?\\s*(?:${names.join("|")})\\s*[("'{\\[]`).test(code);
}
const MAY_ASSIGN = new RegExp(`\\b${NAMES}\\b\\s*(?:=(?!=)|,)|\\bfunction\\s+${NAMES}\\b`);

/** An insertion: text at an offset of the source (inserted in offset order, "(" first at equal offsets). */
type Edit = [number, string];

/**
 * The edits for `code`, or null when it does not parse: `prefix` before each global name `pick` selects, and
 * parentheses around `return redis.call(...)` (also through a local alias such as `local rcall = redis.call`)
 * and `return math.random(...)`: the driver's redis.call and math.random are Lua functions, and as a tail call
 * their caller's frame, whose line Valkey names in the error, would be gone. One value either way: they return
 * one (math.randomseed none, and its nil is the same reply).
 */
function edits(code: string, prefix: string, pick: (id: Node, parent: Node, key: string) => boolean): Edit[] | null {
  let ast: Node;
  try {
    ast = parser()(code, { scope: true, ranges: true, comments: false, luaVersion: "5.1", encodingMode: "pseudo-latin1" });
  } catch {
    return null;
  }
  const out: Edit[] = [];
  const aliases = new Set<string>();
  const tails: Node[] = [];
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
    if (node.type === "Identifier" && node.isLocal === false && parent !== null && pick(node, parent, key)) out.push([node.range![0], prefix]);
    else if (node.type === "LocalStatement") {
      const vars = node.variables as Node[];
      (node.init as Node[]).forEach((init, i) => {
        if (isWrapped(init) && vars[i] !== undefined) aliases.add(vars[i]!.name!);
      });
    } else if (node.type === "ReturnStatement") {
      const args = node.arguments as Node[];
      if (args.length === 1 && /^(?:String|Table)?CallExpression$/.test(args[0]!.type)) tails.push(args[0]!);
    }
    for (const k of Object.keys(node)) {
      // Chunk.globals repeats the first occurrence of each global.
      if (k !== "range" && !(node.type === "Chunk" && k === "globals")) stack.push([node[k], node, k]);
    }
  }
  for (const call of tails) {
    const base = call.base as Node;
    if (isWrapped(base) || (base.type === "Identifier" && base.isLocal === true && aliases.has(base.name!))) {
      out.push([call.range![0], "("], [call.range![1], ")"]);
    }
  }
  return out.sort((a, b) => a[0] - b[0] || (a[1] === "(" ? -1 : b[1] === "(" ? 1 : 0));
}

/** `redis.call` / `server.call` / `math.random` / `math.randomseed` (the globals). */
function isWrapped(n: Node): boolean {
  const base = n.base as Node | undefined;
  if (n.type !== "MemberExpression" || n.indexer !== "." || base === undefined || base.type !== "Identifier" || base.isLocal !== false) return false;
  const name = (n.identifier as Node).name;
  return name === "call" ? base.name === "redis" || base.name === "server" : base.name === "math" && (name === "random" || name === "randomseed");
}

function apply(code: string, list: Edit[]): string {
  let out = "";
  let last = 0;
  for (const [p, text] of list) {
    out += code.slice(last, p) + text;
    last = p;
  }
  return out + code.slice(last);
}

/** EVAL: assignments to the prelude's names go to the readonly globals table, as in Valkey; see edits(). */
export function guardScript(body: Buffer): Buffer {
  const code = body.toString("latin1");
  if (!MAY_ASSIGN.test(code) && !mayTailCall(code)) return body;
  const list = edits(
    code,
    "_G.",
    (id, parent, key) =>
      PRELUDE.has(id.name!) &&
      ((parent.type === "AssignmentStatement" && key === "variables") || (parent.type === "FunctionDeclaration" && key === "identifier")),
  );
  return list === null || list.length === 0 ? body : Buffer.from(apply(code, list), "latin1");
}

/** The library's chunk as the driver compiles it: the one-line prelude, then the body with globals rewritten. */
export function libraryChunk(body: Buffer): Buffer {
  const code = body.toString("latin1");
  const list = edits(code, "__vkb_G.", () => true);
  // The driver calls the chunk with (environment, redis, server, pcall, xpcall, error, KEYS, ARGV, string,
  // tonumber, math, coroutine); unparsed source keeps the prelude's locals.
  if (list === null) return Buffer.from(`local _,redis,server,pcall,xpcall,error,KEYS,ARGV,string,tonumber,math,coroutine=...;${code}`, "latin1");
  return Buffer.from(`local __vkb_G=...;${apply(code, list)}`, "latin1");
}
