import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpolate, loadManifest, manifestJsonSchema, ManifestError, parseDuration, resolveManifest, type Stack } from "../../src/stack/manifest.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The problems a manifest is rejected with (each "path: message"). */
function problems(input: unknown, env: Record<string, string> = {}): string[] {
  try {
    resolveManifest(input, { env, file: "stack.json", root: "/project" });
  } catch (e) {
    if (e instanceof ManifestError) return e.problems;
    throw e;
  }
  throw new Error("manifest was accepted");
}

const ok = (input: unknown, env: Record<string, string> = {}): Stack => resolveManifest(input, { env, file: "stack.json", root: "/project" });

describe("stack manifest schema", () => {
  it("config/stack.schema.json is the one generated from the zod schema (run scripts/gen-stack-schema.mjs)", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, "config/stack.schema.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(manifestJsonSchema())));
  });

  it("the committed config/stack.json is valid and points its editor at the schema", () => {
    const text = readFileSync(join(ROOT, "config/stack.json"), "utf8");
    expect(JSON.parse(text).$schema).toBe("./stack.schema.json");
    const s = loadManifest(join(ROOT, "config/stack.json"), { env: {} });
    expect(s.root).toBe(ROOT.replace(/\/$/, ""));
    expect(s.valkey.port).toBe(6379);
    expect(s.apps.map((a) => a.name)).toEqual(["web"]);
    expect(s.apps[0]!.env.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(s.apps[0]!.env.PORT).toBe("3000");
    expect(s.apps[0]!.dependsOn).toEqual([{ name: "valkey", condition: "service_healthy" }]);
  });
});

describe("durations", () => {
  it("parses compose / Go durations into milliseconds", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2s")).toBe(2000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("250us")).toBe(0);
    for (const bad of ["", "5", "2 s", "s", "-1s", "1d", "1.s"]) expect(parseDuration(bad)).toBeNull();
  });
});

describe("resolving a manifest", () => {
  it("an empty manifest is a server alone on 127.0.0.1:6379 with compose-like defaults", () => {
    const s = ok({});
    expect(s.apps).toEqual([]);
    expect(s.valkey).toMatchObject({ runtime: "auto", host: "127.0.0.1", port: 6379, password: null, connectHost: "127.0.0.1", restartTries: 0 });
    expect(s.valkey.args).toEqual(["--port", "6379", "--bind", "127.0.0.1", "--databases", "16", "--maxclients", "10000", "--loglevel", "notice"]);
    expect(s.valkey.health).toEqual({ intervalMs: 100, timeoutMs: 1000, retries: 3, startPeriodMs: 10_000, startIntervalMs: 100 });
    expect(s.killOthers).toEqual(["failure", "success"]);
    expect(s.success).toBe("all");
    expect(s.killSignal).toBe("SIGTERM");
    expect(s.killTimeoutMs).toBe(5000);
  });

  it("server fields and any flag become CLI flags; the password travels in VALKEY_PASSWORD, not argv", () => {
    const s = ok({
      valkey: { port: 7001, host: "0.0.0.0", password: "p@ss word!".replace(" ", ""), databases: 4, maxclients: 50, loglevel: "warning", test_clock: true, flags: { "notify-keyspace-events": "KEA", maxmemory: "100mb", "protected-mode": false } },
    });
    expect(s.valkey.args).toEqual([
      "--port", "7001", "--bind", "0.0.0.0", "--databases", "4", "--maxclients", "50", "--loglevel", "warning",
      "--notify-keyspace-events", "KEA", "--maxmemory", "100mb", "--protected-mode", "no", "--test-clock",
    ]);
    expect(s.valkey.args.join(" ")).not.toContain("p@ss");
    expect(s.valkey.env).toEqual({ VALKEY_PASSWORD: "p@ssword!", VALKEY_USERS: "" });
    expect(s.valkey.connectHost).toBe("127.0.0.1");
  });

  it("VALKEY_* environment fills what the manifest leaves out; manifest fields win", () => {
    const env = { VALKEY_PORT: "7100", VALKEY_PASSWORD: "envpw", VALKEY_DBCOUNT: "2", VALKEY_HOST: "127.0.0.2" };
    const a = ok({ apps: { web: { command: "node app.js", env: { REDIS_URL: "${VALKEY_URL}" } } } }, env);
    expect(a.valkey).toMatchObject({ port: 7100, password: "envpw", host: "127.0.0.2" });
    expect(a.valkey.args).toContain("2");
    expect(a.apps[0]!.env.REDIS_URL).toBe("redis://:envpw@127.0.0.2:7100");
    const b = ok({ valkey: { port: 7200, password: "mine", databases: 8 } }, env);
    expect(b.valkey).toMatchObject({ port: 7200, password: "mine" });
    expect(b.valkey.args.slice(4, 6)).toEqual(["--databases", "8"]);
  });

  it("substitutes ${VALKEY_URL} / ${VALKEY_PORT} / ${VALKEY_HOST} / ${VALKEY_PASSWORD} and ${VAR:-default} in apps", () => {
    const s = ok(
      {
        valkey: { port: 7300, password: "a/b:c" },
        apps: {
          web: {
            command: "node server.js --port ${PORT:-3000} --redis ${VALKEY_HOST}:${VALKEY_PORT} --cost $$5",
            cwd: "${APP_DIR-apps/web}",
            env: { REDIS_URL: "${VALKEY_URL}", PW: "${VALKEY_PASSWORD}", N: 3, FLAG: true, HOME_COPY: "${HOME}" },
          },
        },
      },
      { HOME: "/home/me" },
    );
    const web = s.apps[0]!;
    expect(web.command).toBe("node server.js --port 3000 --redis 127.0.0.1:7300 --cost $5");
    expect(web.cwd).toBe("/project/apps/web");
    expect(web.env).toEqual({ REDIS_URL: "redis://:a%2Fb%3Ac@127.0.0.1:7300", PW: "a/b:c", N: "3", FLAG: "true", HOME_COPY: "/home/me" });
  });

  it("valkey.users travel in VALKEY_USERS; an app with `user` gets that user in ${VALKEY_URL}", () => {
    const s = ok({
      valkey: { port: 7400, password: "root", users: { app: "on >s3cr/t ~app:* +@all", worker: "on >w ~bull:* +@all" } },
      apps: { web: { command: "x", user: "app", env: { REDIS_URL: "${VALKEY_URL}", WHO: "${VALKEY_USER}" } }, admin: { command: "y", env: { REDIS_URL: "${VALKEY_URL}" } } },
    });
    expect(s.valkey.env).toEqual({ VALKEY_PASSWORD: "root", VALKEY_USERS: "app on >s3cr/t ~app:* +@all; worker on >w ~bull:* +@all" });
    expect(s.valkey.args.join(" ")).not.toContain("s3cr");
    expect(s.apps[0]!.env).toEqual({ REDIS_URL: "redis://app:s3cr%2Ft@127.0.0.1:7400", WHO: "app" });
    expect(s.apps[1]!.env.REDIS_URL).toBe("redis://:root@127.0.0.1:7400");
    // VALKEY_USERS from the environment when the manifest has none
    const e = ok({ valkey: { port: 7401 }, apps: { w: { command: "x", user: "worker", env: { U: "${VALKEY_URL}" } } } }, { VALKEY_USERS: "worker on >pw +@all" });
    expect(e.apps[0]!.env.U).toBe("redis://worker:pw@127.0.0.1:7401");
    expect(problems({ valkey: { users: { app: "on nopass +@all" } }, apps: { a: { command: "x", user: "app" }, b: { command: "x", user: "nobody" } } })).toEqual([
      'apps.a.user: user "app" needs a >password rule to be put in ${VALKEY_URL}',
      'apps.b.user: no user "nobody" in valkey.users (users: app)',
    ]);
  });

  it("interpolate: ${X:-d} covers unset and empty, ${X-d} only unset", () => {
    const p: string[] = [];
    expect(interpolate("${A:-d}|${A-d}|${B:-d}|${B-d}", { A: "" }, "x", p)).toBe("d||d|d");
    expect(p).toEqual([]);
  });

  it("port 0 takes the port the caller found free", () => {
    const s = resolveManifest({ valkey: { port: 0 }, apps: { a: { command: "x", env: { U: "${VALKEY_URL}" } } } }, { env: {}, port: 45678 });
    expect(s.valkey.port).toBe(45678);
    expect(s.valkey.args.slice(0, 2)).toEqual(["--port", "45678"]);
    expect(s.apps[0]!.env.U).toBe("redis://127.0.0.1:45678");
  });

  it("depends_on: omitted waits for a healthy server, the short form means service_started, {} means none", () => {
    const s = ok({
      apps: {
        a: { command: "a" },
        b: { command: "b", depends_on: ["valkey", "a"] },
        c: { command: "c", depends_on: {} },
        d: { command: "d", depends_on: { b: {}, valkey: { condition: "service_healthy" } } },
      },
    });
    expect(s.apps.map((x) => x.dependsOn)).toEqual([
      [{ name: "valkey", condition: "service_healthy" }],
      [{ name: "valkey", condition: "service_started" }, { name: "a", condition: "service_started" }],
      [],
      [{ name: "b", condition: "service_started" }, { name: "valkey", condition: "service_healthy" }],
    ]);
  });

  it("healthcheck tests, restart policies and timings resolve like compose", () => {
    const s = ok({
      kill_others: ["failure"],
      success: "command-api",
      kill_signal: "SIGINT",
      kill_timeout: "2s",
      valkey: { restart: "on-failure:2", restart_delay: "500ms", healthcheck: { interval: "1s", retries: 5 } },
      apps: {
        api: { command: "api", restart: "on-failure", healthcheck: { test: "curl -f localhost", start_period: "3s" } },
        job: { command: "job", healthcheck: { test: ["CMD", "node", "check.js"], interval: "2s", timeout: "1s" } },
        cli: { command: "cli", healthcheck: { test: ["CMD-SHELL", "exit 0"] } },
        off: { command: "off", healthcheck: { test: ["NONE"] } },
        off2: { command: "off", healthcheck: { disable: true } },
      },
    });
    expect(s.valkey.restartTries).toBe(2);
    expect(s.valkey.restartDelayMs).toBe(500);
    expect(s.valkey.health).toEqual({ intervalMs: 1000, timeoutMs: 1000, retries: 5, startPeriodMs: 10_000, startIntervalMs: 1000 });
    const [api, job, cli, off, off2] = s.apps;
    expect(api!.restartTries).toBe(-1);
    expect(api!.health).toEqual({ intervalMs: 1000, timeoutMs: 5000, retries: 3, startPeriodMs: 3000, startIntervalMs: 1000, test: { shell: "curl -f localhost" } });
    expect(job!.health).toMatchObject({ intervalMs: 2000, timeoutMs: 1000, startIntervalMs: 2000, test: { exec: ["node", "check.js"] } });
    expect(cli!.health?.test).toEqual({ shell: "exit 0" });
    expect(off!.health).toBeNull();
    expect(off2!.health).toBeNull();
    expect(s).toMatchObject({ killOthers: ["failure"], success: "command-api", killSignal: "SIGINT", killTimeoutMs: 2000 });
  });
});

describe("manifest errors name the path of the bad field", () => {
  it("types, enums, ranges and formats", () => {
    expect(
      problems({
        valkey: { port: "6379", runtime: "deno", databases: 0, healthcheck: { interval: "5", retries: 1.5 }, restart: "always" },
        apps: { web: { command: "", restart: "on-failure:x", depends_on: { valkey: { condition: "healthy" } } } },
        kill_others: ["crash"],
        success: "most",
      }),
    ).toEqual([
      "valkey.runtime: Invalid option: expected one of \"node\"|\"bun\"|\"auto\"",
      "valkey.port: expected number, got string \"6379\"",
      "valkey.databases: Too small: expected number to be >=1",
      "valkey.healthcheck.interval: expected a duration like \"500ms\", \"2s\" or \"1m30s\"",
      "valkey.healthcheck.retries: expected int, got number 1.5",
      "valkey.restart: expected \"no\", \"on-failure\" or \"on-failure:<max retries>\"",
      "apps.web.command: Too small: expected string to have >=1 characters",
      "apps.web.depends_on.valkey.condition: Invalid option: expected one of \"service_started\"|\"service_healthy\"|\"service_completed_successfully\"",
      "apps.web.restart: expected \"no\", \"on-failure\" or \"on-failure:<max retries>\"",
      "kill_others[0]: Invalid option: expected one of \"failure\"|\"success\"",
      "success: expected \"all\", \"first\", \"last\", \"command-<name>\" or \"!command-<name>\"",
    ]);
  });

  it("unknown fields, missing fields and wrong shapes", () => {
    expect(problems({ valkey: { prot: 1 }, apps: { web: { cmd: "x" }, "my app": { command: "y" } }, extra: true })).toEqual([
      "valkey.prot: unknown field",
      "apps.web.command: required",
      "apps.web.cmd: unknown field",
      'apps["my app"]: service names use letters, digits, \'_\', \'.\', \'-\'',
      "extra: unknown field",
    ]);
    expect(problems({ apps: { web: { command: "x", depends_on: "valkey" } } })).toEqual(['apps.web.depends_on: expected array or object, got string "valkey"']);
    expect(problems({ apps: [] })).toEqual(["apps: expected object, got an array"]);
    expect(problems(null)).toEqual(["(top level): expected object, got null"]);
  });

  it("server flags are checked against the server's parameter table", () => {
    expect(problems({ valkey: { flags: { "no-such-flag": 1, maxmemory: "lots", port: 1, "--hz": 5, "notify-keyspace-events": "KEA" } } })).toEqual([
      'valkey.flags["--hz"]: flag names are Valkey config parameters, lowercase, without leading --',
      "valkey.flags.no-such-flag: unknown server flag --no-such-flag",
      "valkey.flags.port: set this with valkey.port",
      "valkey.flags.maxmemory: argument must be a memory value",
    ]);
    expect(problems({ valkey: { flags: { "no-such-flag": 1, maxmemory: "lots", port: 1, requirepass: "x", hz: 0.5 } } })).toEqual([
      "valkey.flags.no-such-flag: unknown server flag --no-such-flag",
      "valkey.flags.port: set this with valkey.port",
      "valkey.flags.requirepass: set this with valkey.password",
      "valkey.flags.maxmemory: argument must be a memory value",
      "valkey.flags.hz: argument couldn't be parsed into an integer",
    ]);
  });

  it("a bad VALKEY_* variable is named, with its source; every one is reported; one the manifest overrides is not read", () => {
    expect(problems({}, { VALKEY_PORT: "http" })).toEqual(["environment: invalid VALKEY_PORT: 'http' — argument couldn't be parsed into an integer"]);
    const envFile = new Set(["VALKEY_DBCOUNT"]);
    const both = (input: unknown) => {
      try {
        resolveManifest(input, { env: { VALKEY_PORT: "abc", VALKEY_DBCOUNT: "lots", VALKEY_LOGLEVEL: "loud" }, envFile, file: "stack.json", root: "/project" });
      } catch (e) {
        return (e as ManifestError).problems;
      }
      return [];
    };
    expect(both({ valkey: { databases: 0 } })).toEqual([
      "valkey.databases: Too small: expected number to be >=1",
      "environment: invalid VALKEY_PORT: 'abc' — argument couldn't be parsed into an integer",
      ".env: invalid VALKEY_DBCOUNT in .env: 'lots' — argument couldn't be parsed into an integer",
      "environment: invalid VALKEY_LOGLEVEL: 'loud' — argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
    ]);
    expect(both({ valkey: { port: 7000, databases: 2, loglevel: "warning" } })).toEqual([]);
  });

  it("dependencies must exist, hold no cycle, and have what their condition needs", () => {
    expect(
      problems({
        apps: {
          valkey: { command: "x" },
          a: { command: "a", depends_on: ["nope", "a"] },
          b: { command: "b", depends_on: { c: { condition: "service_healthy" } } },
          c: { command: "c", depends_on: { b: { condition: "service_completed_successfully" } } },
        },
        success: "command-zed",
      }),
    ).toEqual([
      'apps.valkey: the name "valkey" is the server\'s; pick another name',
      'apps.a.depends_on[0]: unknown service "nope" (services: valkey, a, b, c)',
      "apps.a.depends_on[1]: a service cannot depend on itself",
      'apps.b.depends_on.c: service_healthy needs a healthcheck on "c"',
      'apps.c.depends_on.b: service_completed_successfully needs kill_others without "success" (b exiting 0 would stop the stack)',
      "apps.b.depends_on: dependency cycle b -> c -> b",
      'success: unknown service "zed"',
    ]);
    expect(problems({ valkey: { healthcheck: { disable: true } }, apps: { a: { command: "a" } } })).toEqual([
      'apps.a.depends_on.valkey: service_healthy needs a healthcheck on "valkey" (valkey.healthcheck.disable is set)',
    ]);
  });

  it("healthcheck tests must be compose-shaped", () => {
    expect(
      problems({
        apps: {
          a: { command: "a", healthcheck: { test: ["CURL", "x"] } },
          b: { command: "b", healthcheck: { test: ["CMD"] } },
          c: { command: "c", healthcheck: { test: ["CMD-SHELL", "a", "b"] } },
          d: { command: "d", healthcheck: { interval: "1s" } },
          e: { command: "e", healthcheck: { test: [] } },
        },
      }),
    ).toEqual([
      // The schema's problem first; the checks it would have hidden still run on what is left, in the same run.
      "apps.e.healthcheck.test: Too small: expected array to have >=1 items",
      'apps.a.healthcheck.test: expected ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"], got "CURL" first',
      'apps.b.healthcheck.test: ["CMD", ...] needs a program',
      'apps.c.healthcheck.test: ["CMD-SHELL", ...] takes exactly one shell command',
      "apps.d.healthcheck.test: required (or set disable: true)",
    ]);
    expect(
      problems({
        apps: {
          a: { command: "a", healthcheck: { test: ["CURL", "x"] } },
          b: { command: "b", healthcheck: { test: ["CMD"] } },
          c: { command: "c", healthcheck: { test: ["CMD-SHELL", "a", "b"] } },
          d: { command: "d", healthcheck: { interval: "1s" } },
        },
      }),
    ).toEqual([
      'apps.a.healthcheck.test: expected ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"], got "CURL" first',
      'apps.b.healthcheck.test: ["CMD", ...] needs a program',
      'apps.c.healthcheck.test: ["CMD-SHELL", ...] takes exactly one shell command',
      "apps.d.healthcheck.test: required (or set disable: true)",
    ]);
  });

  it("an unset variable without a default is an error at its field", () => {
    expect(problems({ apps: { web: { command: "run ${TOKEN}", env: { KEY: "${API_KEY}" } } } })).toEqual([
      "apps.web.command: variable TOKEN is not set (write ${TOKEN:-default} for a fallback)",
      "apps.web.env.KEY: variable API_KEY is not set (write ${API_KEY:-default} for a fallback)",
    ]);
  });

  it("files: JSON syntax errors give line and column; a missing file says so", () => {
    const dir = mkdtempSync(join(tmpdir(), "manifest-"));
    const bad = join(dir, "stack.json");
    writeFileSync(bad, '{\n  "valkey": { "port": 6379, }\n}\n');
    expect(() => loadManifest(bad)).toThrow(ManifestError);
    try {
      loadManifest(bad);
    } catch (e) {
      expect((e as ManifestError).message).toMatch(new RegExp(`^${bad}: invalid stack manifest\\n  not valid JSON at line 2, column 29: \\S`));
    }
    try {
      loadManifest(join(dir, "missing.json"));
      expect.unreachable();
    } catch (e) {
      expect((e as ManifestError).problems).toEqual(["cannot read: no such file"]);
    }
  });
});
