// MODULE LIST LOAD LOADEX UNLOAD HELP. This server cannot load Valkey modules (native shared libraries): LIST is
// always empty, and LOAD is refused with Valkey's texts — by enable-module-command (default "no") first, then, when
// allowed, with the error Valkey gives for a library it cannot load.

import type { Client } from "../client.js";
import { E } from "../errors.js";
import { allowProtected } from "./config.js";
import type { CommandEntry } from "./types.js";

const LOADING = ["no_async_loading", "admin", "noscript", "protected"];

export const commands: CommandEntry[] = [
  {
    name: "module",
    arity: -2,
    flags: [],
    subcommands: [
      { name: "help", arity: 2, flags: ["loading", "stale"], run: moduleHelp },
      { name: "list", arity: 2, flags: ["admin", "noscript"], tips: ["nondeterministic_output_order"], run: (c) => c.w.array(0) },
      { name: "load", arity: -3, flags: LOADING, run: moduleLoad },
      { name: "loadex", arity: -3, flags: LOADING, run: moduleLoad },
      { name: "unload", arity: 3, flags: LOADING, run: moduleUnload },
    ],
  },
];

// MODULE LOAD path [arg ...]  /  MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]
function moduleLoad(c: Client): void {
  if (!allowProtected(c, c.server.param("enable-module-command"))) throw E.moduleCommandDenied;
  throw E.moduleLoadFailed;
}

// MODULE UNLOAD name
function moduleUnload(c: Client): void {
  if (!allowProtected(c, c.server.param("enable-module-command"))) throw E.moduleCommandDenied;
  // Nothing is ever loaded, so no name matches.
  throw E.moduleUnloadNoSuch;
}

// MODULE HELP
function moduleHelp(c: Client): void {
  c.w.help("MODULE", [
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
  ]);
}
