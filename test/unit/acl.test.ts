// The ACL rule language (src/acl/user.ts) without a server: parsing, canonical descriptions, and the
// permission check over selectors, key read/write patterns, channels and first-args. Expected strings are what
// valkey-server 8.0.1 prints for the same rules.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lookupCommand } from "../../src/commands/index.js";
import { ACL_CATEGORIES } from "../../src/commands/command.js";
import { DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, mergeSelectorArgs, RuleError, User } from "../../src/acl/user.js";
import { parseUserList } from "../../src/acl/users-env.js";

function user(...ops: string[]): User {
  const u = new User("u", false);
  for (const op of mergeSelectorArgs(ops) as string[]) u.apply(op, false);
  u.refresh();
  return u;
}

const argv = (...a: string[]) => a.map((x) => Buffer.from(x, "latin1"));
function check(u: User, ...a: string[]) {
  const args = argv(...a);
  return u.check(lookupCommand(args)!, args);
}

describe("rules and their description (ACL LIST form)", () => {
  it("a new user is off with no passwords, keys, channels or commands", () => {
    expect(user().describe()).toBe("off sanitize-payload resetchannels -@all");
  });

  it("passwords are kept as SHA-256; nopass and resetpass clear them", () => {
    const u = user("on", ">secret", ">secret", "#" + "a".repeat(64));
    expect(u.describe()).toBe(
      "on sanitize-payload #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b #" + "a".repeat(64) + " resetchannels -@all",
    );
    expect(u.checkPassword(Buffer.from("secret"))).toBe(true);
    expect(u.checkPassword(Buffer.from("nope"))).toBe(false);
    u.apply("<secret", false);
    expect(u.passwords).toEqual(["a".repeat(64)]);
    u.apply("nopass", false);
    expect(u.checkPassword(Buffer.from("anything"))).toBe(true);
    u.apply("off", false);
    expect(u.checkPassword(Buffer.from("anything"))).toBe(false);
  });

  it("command rules keep their order; a later rule for the same command replaces the earlier one", () => {
    expect(user("+@all", "-debug", "+get", "-get").describe()).toBe("off sanitize-payload resetchannels +@all -debug -get");
    expect(user("-@all", "+config|get", "+config").describe()).toBe("off sanitize-payload resetchannels -@all +config");
    expect(user("+@string", "-@all", "+@hash").describe()).toBe("off sanitize-payload resetchannels -@all +@hash");
    expect(user("allcommands", "nocommands", "+GET").describe()).toBe("off sanitize-payload resetchannels -@all +get");
  });

  it("key and channel patterns: %R~ %W~ ~, merged by pattern; allkeys / allchannels replace them", () => {
    expect(user("%R~a*", "%W~b*", "%RW~c*", "%R~d", "%W~d", "&x", "&x", "&y").describe()).toBe(
      "off sanitize-payload %R~a* %W~b* ~c* ~d resetchannels &x &y -@all",
    );
    expect(user("~a", "allkeys", "&x", "allchannels").describe()).toBe("off sanitize-payload ~* &* -@all");
    expect(user("allkeys", "resetkeys", "~k").describe()).toBe("off sanitize-payload ~k resetchannels -@all");
  });

  it("selectors: merged from split arguments, described in parentheses, cleared by clearselectors and reset", () => {
    const u = user("on", "~a", "+get", "(~b", "+set)", "(%R~c* &ch +@read)");
    expect(u.describe()).toBe("on sanitize-payload ~a resetchannels -@all +get (~b resetchannels -@all +set) (%R~c* resetchannels &ch -@all +@read)");
    u.apply("clearselectors", false);
    expect(u.describe()).toBe("on sanitize-payload ~a resetchannels -@all +get");
    u.apply("reset", false);
    expect(u.describe()).toBe("off sanitize-payload resetchannels -@all");
    expect(mergeSelectorArgs(["(~x", "+get"])).toEqual({ unmatched: 0 });
  });

  it("bad rules throw Valkey's reason", () => {
    const reason = (...ops: string[]) => {
      try {
        user(...ops);
        return null;
      } catch (e) {
        expect(e).toBeInstanceOf(RuleError);
        return (e as Error).message;
      }
    };
    expect(reason("bogus")).toBe("Syntax error");
    expect(reason("~a b")).toBe("Syntax error");
    expect(reason("%~x")).toBe("Syntax error");
    expect(reason("%RR~x")).toBe("Syntax error");
    expect(reason("+nosuch")).toBe("Unknown command or category name in ACL");
    expect(reason("+@nosuch")).toBe("Unknown command or category name in ACL");
    expect(reason("+config|nosuch")).toBe("Unknown command or category name in ACL");
    expect(reason("+select|")).toBe("Syntax error");
    expect(reason("+config|get|x")).toBe("Allowing first-arg of a subcommand is not supported");
    expect(reason("#ABC")).toMatch(/^The password hash must be exactly 64 characters/);
    expect(reason("<missing")).toBe("The password you are trying to remove from the user does not exist");
    expect(reason("allkeys", "~x")).toMatch(/^Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/);
    expect(reason("allchannels", "&x")).toMatch(/^Adding a pattern after the \* pattern \(or the 'allchannels' flag\)/);
  });
});

describe("the permission check", () => {
  it("commands, subcommands, categories and first-args", () => {
    const u = user("-@all", "+@string", "-append", "+config|get", "+select|0", "~*", "&*");
    expect(check(u, "get", "k")).toBeNull();
    expect(check(u, "append", "k", "v")).toEqual({ reason: DENIED_CMD, pos: 0 });
    expect(check(u, "hget", "k", "f")).toEqual({ reason: DENIED_CMD, pos: 0 });
    expect(check(u, "config", "get", "x")).toBeNull();
    expect(check(u, "config", "set", "x", "y")).toEqual({ reason: DENIED_CMD, pos: 0 });
    expect(check(u, "select", "0")).toBeNull();
    expect(check(u, "select", "1")).toEqual({ reason: DENIED_CMD, pos: 0 });
    // AUTH and the other no_auth commands are never refused for the command itself.
    expect(check(u, "auth", "x", "y")).toBeNull();
    // A container rule carries all its subcommands.
    expect(check(user("-@all", "+client", "~*"), "client", "kill", "id", "1")).toBeNull();
  });

  it("keys: read needs R, write needs W, by the key specs' flags", () => {
    const u = user("+@all", "%R~r:*", "%W~w:*", "~rw:*");
    expect(check(u, "get", "r:1")).toBeNull();
    expect(check(u, "set", "r:1", "v")).toEqual({ reason: DENIED_KEY, pos: 1 });
    expect(check(u, "set", "w:1", "v")).toBeNull();
    expect(check(u, "get", "w:1")).toEqual({ reason: DENIED_KEY, pos: 1 });
    expect(check(u, "copy", "r:1", "w:1")).toBeNull();
    expect(check(u, "copy", "w:1", "r:1")).toEqual({ reason: DENIED_KEY, pos: 1 });
    expect(check(u, "mset", "rw:1", "a", "x", "b")).toEqual({ reason: DENIED_KEY, pos: 3 });
    expect(check(u, "eval", "return 1", "1", "elsewhere")).toEqual({ reason: DENIED_KEY, pos: 3 });
  });

  it("channels: names match patterns as globs, PSUBSCRIBE patterns only literally", () => {
    const u = user("+@all", "~*", "&news.*", "&a?");
    expect(check(u, "publish", "news.eu", "m")).toBeNull();
    expect(check(u, "subscribe", "news.x", "ab", "zz")).toEqual({ reason: DENIED_CHANNEL, pos: 3 });
    expect(check(u, "psubscribe", "news.*")).toBeNull();
    expect(check(u, "psubscribe", "news.e*")).toEqual({ reason: DENIED_CHANNEL, pos: 1 });
    expect(check(u, "unsubscribe", "anything")).toBeNull();
  });

  it("any selector may allow; otherwise the most specific failure is reported", () => {
    const u = user("~a", "+get", "(~b +set)");
    expect(check(u, "get", "a")).toBeNull();
    expect(check(u, "set", "b", "1")).toBeNull();
    expect(check(u, "set", "a", "1")).toEqual({ reason: DENIED_KEY, pos: 1 });
    expect(check(u, "del", "a")).toEqual({ reason: DENIED_CMD, pos: 0 });
  });

  it("only users short of all commands, keys and channels are checked by the gate", () => {
    expect(user("+@all", "~*", "&*").restricted).toBe(false);
    expect(user("+@all", "~*", "&*", "-debug").restricted).toBe(true);
    expect(user("+@all", "~*", "&*", "(~x +get)").restricted).toBe(true);
    expect(user("+@all", "~*").restricted).toBe(true);
  });
});

it("VALKEY_USERS: ';' or newline separated, an optional leading `user`", () => {
  expect(parseUserList("app on >pw ~app:* +@all; user ops on nopass +@all\n\n  w  on >x  ")).toEqual([
    ["app", "on", ">pw", "~app:*", "+@all"],
    ["ops", "on", "nopass", "+@all"],
    ["w", "on", ">x"],
  ]);
  expect(parseUserList("")).toEqual([]);
});

// The categories ACL CAT lists are acl.c's fixed set; every category the command specs use must be among them.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SPECS = [process.env.VALKEY_COMMANDS_DIR, join(ROOT, "..", "shared", "valkey-commands"), join(ROOT, "..", "..", "shared", "valkey-commands")]
  .filter((d): d is string => !!d)
  .find((d) => existsSync(join(d, "get.json")));
it.skipIf(SPECS === undefined && !process.env.CI)("every ACL category in ../shared/valkey-commands is one ACL CAT knows", () => {
  const seen = new Set<string>();
  for (const f of readdirSync(SPECS!)) {
    if (!f.endsWith(".json")) continue;
    for (const spec of Object.values(JSON.parse(readFileSync(join(SPECS!, f), "utf8")) as Record<string, { acl_categories?: string[] }>)) {
      for (const c of spec.acl_categories ?? []) seen.add(c.toLowerCase());
    }
  }
  expect(seen.size).toBeGreaterThan(10);
  for (const c of seen) expect(ACL_CATEGORIES, c).toContain(c);
});

it("CONFIG REWRITE replaces `user` lines with the current users, in place, the rest appended (Valkey's rewriteConfigUserOption)", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { rewriteConfigText } = await import("../../src/config.js");
  const dir = mkdtempSync(join(tmpdir(), "acl-rewrite-"));
  try {
    const file = join(dir, "v.conf");
    writeFileSync(file, "user app on >secret ~app:* +@all\n# keep me\nuser other on nopass\n");
    const params = new Map<string, string>();
    expect(rewriteConfigText(file, params, ["user app on nopass ~* +@all", "user default on nopass ~* &* +@all", "user new off -@all"])).toBe(
      "user app on nopass ~* +@all\n# keep me\nuser default on nopass ~* &* +@all\n\n# Generated by CONFIG REWRITE\nuser new off -@all\n",
    );
    // With an aclfile the users live there: the lines go.
    expect(rewriteConfigText(file, params, [])).toBe("\n# keep me\n\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
