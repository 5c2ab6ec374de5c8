// `.env` in the working directory, loaded with dotenv (the real environment wins), remembering which variables it
// set, so that a bad value can be reported as coming from `.env` rather than from the environment.

import { builtin, isBun } from "./runtime.js";

/** Load ./.env into process.env; the names it set (those the environment did not already have). */
export async function loadEnvFile(): Promise<Set<string>> {
  // No file (and no DOTENV_* option naming another one): nothing to load, and dotenv's own imports (node:crypto
  // for its vault, ~15 ms under Bun) stay off the startup path.
  if (!envFileExists() && !Object.keys(process.env).some((k) => k.startsWith("DOTENV_"))) return new Set();
  const before = new Set(Object.keys(process.env));
  const dotenv = await import("dotenv");
  const { parsed = {} } = dotenv.config({ quiet: true });
  // Bun loads .env by itself before any code runs: there, a variable holding exactly the file's value came from it.
  const bunLoaded = (k: string) => isBun && process.env[k] === parsed[k];
  return new Set(Object.keys(parsed).filter((k) => !before.has(k) || bunLoaded(k)));
}

/** Bun: its own file API, since node:fs would cost 1.5-2 ms of the start (an empty .env has nothing to load). */
function envFileExists(): boolean {
  if (!isBun) return builtin("node:fs").existsSync(".env");
  return (globalThis as unknown as { Bun: { file(p: string): { size: number } } }).Bun.file(".env").size > 0;
}
