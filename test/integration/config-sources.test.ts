// The CLI reports every configuration problem in one run, each with its source (flag, environment, `.env` in the
// working directory), on both runtimes: Bun loads `.env` by itself before any code runs, Node through dotenv.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliCommand, RUNTIMES } from "../helpers/server.js";

function run(runtime: (typeof RUNTIMES)[number], args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const [cmd, pre] = cliCommand(runtime);
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "" };
  for (const k of Object.keys(base)) if (k.startsWith("VALKEY_")) delete base[k];
  const child = spawn(cmd, [...pre, ...args], { cwd, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  child.stdout.on("data", () => /ready on redis:/.test(out) && child.kill("SIGTERM"));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

for (const runtime of RUNTIMES) {
  describe(`configuration sources [${runtime}]`, () => {
    it("lists the problems of flags, environment and .env together, each named by where it came from", async () => {
      const dir = mkdtempSync(join(tmpdir(), "valkey-bun-env-"));
      writeFileSync(join(dir, ".env"), "VALKEY_DBCOUNT=many\n");
      const r = await run(runtime, ["--port", "0", "--maxclients", "0"], dir, { VALKEY_LOGLEVEL: "loud", VALKEY_PORT: "abc" });
      expect(r.code).toBe(1);
      expect(r.out.trim().split("\n").sort()).toEqual(
        [
          "valkey-bun: invalid VALKEY_DBCOUNT in .env: 'many' — argument couldn't be parsed into an integer",
          "valkey-bun: invalid VALKEY_LOGLEVEL: 'loud' — argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
          "valkey-bun: invalid --maxclients: '0' — argument must be between 1 and 4294967295 inclusive",
        ].sort(),
      );
    });

    it("VALKEY_PORT=abc does not stop a server whose --port overrides it; save \"\" is shown as written", async () => {
      const dir = mkdtempSync(join(tmpdir(), "valkey-bun-env-"));
      const r = await run(runtime, ["--port", "0", "--save", ""], dir, { VALKEY_PORT: "abc" });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`valkey-bun: persistence directive 'save ""' accepted`);
    });
  });
}
