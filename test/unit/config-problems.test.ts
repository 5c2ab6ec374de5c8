// Every configuration problem in one run, each with its source: flags, a config file line, the environment,
// `.env`; a VALKEY_* variable that a flag overrides is not read; stack manifest problems carry their file line.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { loadManifest, ManifestError } from "../../src/stack/manifest.js";

const dir = mkdtempSync(join(tmpdir(), "config-problems-"));

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n");
    if (e instanceof ManifestError) return e.problems;
    throw e;
  }
  return [];
}

describe("loadConfig", () => {
  it("lists every bad flag, variable and config-file line at once, naming each source", () => {
    const conf = join(dir, "redis.conf");
    writeFileSync(conf, "# comment\nport 6380\nmaxclients none\nno-such-directive 1\n");
    expect(
      problemsOf(() =>
        loadConfig({
          argv: [conf, "--databases", "x", "--nope", "1", "--loglevel", "loud"],
          env: { VALKEY_PORT: "abc", VALKEY_DBCOUNT: "2", VALKEY_MAXCLIENTS: "-1", VALKEY_PASSWORD: "" },
          envFile: new Set(["VALKEY_MAXCLIENTS"]),
        }),
      ),
    ).toEqual([
      "unknown flag --nope",
      `${conf}:4: Bad directive or wrong number of arguments: 'no-such-directive'`,
      // VALKEY_PORT=abc and VALKEY_DBCOUNT are not read: the file and a flag set port and databases.
      `invalid 'maxclients' at ${conf}:3: 'none' — argument couldn't be parsed into an integer`,
      "invalid --databases: 'x' — argument couldn't be parsed into an integer",
      "invalid --loglevel: 'loud' — argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
    ]);
    expect(problemsOf(() => loadConfig({ env: { VALKEY_MAXCLIENTS: "-1", VALKEY_LOGLEVEL: "x" }, envFile: new Set(["VALKEY_MAXCLIENTS"]) }))).toEqual([
      "invalid VALKEY_MAXCLIENTS in .env: '-1' — argument must be between 1 and 4294967295 inclusive",
      "invalid VALKEY_LOGLEVEL: 'x' — argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
    ]);
  });

  it("VALKEY_PORT=abc is not fatal when --port overrides it", () => {
    expect(loadConfig({ argv: ["--port", "7001"], env: { VALKEY_PORT: "abc" } }).params.get("port")).toBe("7001");
  });

  it('persistence directives read back as written: save "" is `save ""`, not `save `', () => {
    expect(loadConfig({ argv: ["--save", "", "--appendonly", "no"] }).persistenceDirectives).toEqual(['save ""', "appendonly no"]);
    expect(loadConfig({ argv: ["--save"] }).persistenceDirectives).toEqual(['save ""']);
  });
});

describe("loadManifest", () => {
  it("reports every problem of a file in one run, each with its line, in file order", () => {
    const file = join(dir, "stack.json");
    writeFileSync(
      file,
      `{
  "valkey": { "port": "6379", "flags": { "no-such-flag": 1 } },
  "apps": {
    "web": {
      "command": "node app.mjs",
      "depends_on": { "valkey": { "condition": "healthy" }, "api": {} },
      "env": { "API_KEY": "\${API_KEY}" },
      "comand": "x"
    },
    "worker": { "command": "w", "depends_on": { "web": { "condition": "service_healthy" } } }
  }
}
`,
    );
    expect(problemsOf(() => loadManifest(file, { env: { VALKEY_DBCOUNT: "many" }, envFile: new Set(["VALKEY_DBCOUNT"]) }))).toEqual([
      'line 2: valkey.port: expected number, got string "6379"',
      "line 2: valkey.flags.no-such-flag: unknown server flag --no-such-flag",
      'line 6: apps.web.depends_on.valkey.condition: Invalid option: expected one of "service_started"|"service_healthy"|"service_completed_successfully"',
      'line 6: apps.web.depends_on.api: unknown service "api" (services: valkey, web, worker)',
      "line 7: apps.web.env.API_KEY: variable API_KEY is not set (write ${API_KEY:-default} for a fallback)",
      "line 8: apps.web.comand: unknown field",
      'line 10: apps.worker.depends_on.web: service_healthy needs a healthcheck on "web"',
      ".env: invalid VALKEY_DBCOUNT in .env: 'many' — argument couldn't be parsed into an integer",
    ]);
  });

  it("JSON syntax errors say where on every runtime", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, '{\n  "valkey": { "port": 6379, }\n}\n');
    expect(problemsOf(() => loadManifest(file))).toEqual(["not valid JSON at line 2, column 29: PropertyNameExpected"]);
  });
});
