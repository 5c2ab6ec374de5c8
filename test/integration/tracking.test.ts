import { expect, it } from "vitest";
import { BasicClientSideCache, createClient } from "redis";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

/** A RESP3 invalidation push for these keys. */
function inval3(...keys: string[]): string {
  return `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join("")}`;
}
/** The RESP2 __redis__:invalidate message a REDIRECT target in subscribed mode gets. */
function inval2(...keys: string[]): string {
  return `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join("")}`;
}
const NULL_INVAL3 = ">2\r\n$10\r\ninvalidate\r\n_\r\n";
const NULL_INVAL2 = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n";

describeRuntimes(
  "client-side caching",
  (ctx) => {
    async function resp3(): Promise<RawClient> {
      const r = await ctx.raw();
      await r.call("HELLO", "3");
      return r;
    }
    async function idOf(r: RawClient): Promise<string> {
      return (await r.call("CLIENT", "ID")).slice(1, -2);
    }
    async function redirectTarget(): Promise<{ target: RawClient; id: string }> {
      const target = await ctx.raw();
      const id = await idOf(target);
      expect(await target.call("SUBSCRIBE", "__redis__:invalidate")).toBe("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n");
      return { target, id };
    }

    it("RESP3: keys read are tracked; a write by another client pushes one invalidation, then the key is forgotten", async () => {
      await ctx.flush();
      const a = await resp3();
      const b = await ctx.raw();
      expect(await a.call("CLIENT", "TRACKING", "ON")).toBe("+OK\r\n");
      expect(await a.call("GET", "t:k")).toBe("_\r\n");
      expect(await a.call("MGET", "t:k", "t:k2")).toBe("*2\r\n_\r\n_\r\n");
      expect(await b.call("SET", "t:k", "1")).toBe("+OK\r\n");
      expect(await a.read()).toBe(inval3("t:k"));
      // not read again since: no second message
      expect(await b.call("SET", "t:k", "2")).toBe("+OK\r\n");
      expect(await b.call("DEL", "t:k2")).toBe(":0\r\n"); // nothing deleted: no change, no message
      expect(await b.call("SET", "t:k2", "x")).toBe("+OK\r\n");
      expect(await a.read()).toBe(inval3("t:k2"));
      expect(await a.silent(100)).toBe(true);
      // only read-only commands track keys: SET by the tracking client tracks nothing
      expect(await a.call("SET", "t:w", "1")).toBe("+OK\r\n");
      expect(await b.call("SET", "t:w", "2")).toBe("+OK\r\n");
      // other read-only commands do (EXISTS, TYPE, STRLEN, LRANGE, ZSCORE, XRANGE)
      for (const cmd of [["EXISTS", "t:r1"], ["TYPE", "t:r2"], ["STRLEN", "t:r3"], ["LRANGE", "t:r4", "0", "-1"], ["ZSCORE", "t:r5", "m"], ["XRANGE", "t:r6", "-", "+"]]) {
        await a.call(...cmd);
      }
      await b.call("MSET", "t:r1", "1", "t:r2", "1", "t:r3", "1");
      expect([await a.read(), await a.read(), await a.read()]).toEqual([inval3("t:r1"), inval3("t:r2"), inval3("t:r3")]);
      await b.call("RPUSH", "t:r4", "x");
      await b.call("ZADD", "t:r5", "1", "m");
      await b.call("XADD", "t:r6", "*", "f", "v");
      expect([await a.read(), await a.read(), await a.read()]).toEqual([inval3("t:r4"), inval3("t:r5"), inval3("t:r6")]);
      expect(await a.silent(100)).toBe(true);
    });

    it("the client's own write: the invalidation follows the reply (after EXEC's whole reply in a transaction)", async () => {
      const a = await resp3();
      await a.call("CLIENT", "TRACKING", "ON");
      await a.call("GET", "t:own");
      a.send("SET", "t:own", "1");
      expect(await a.read()).toBe("+OK\r\n");
      expect(await a.read()).toBe(inval3("t:own"));
      await a.call("GET", "t:own");
      await a.call("MULTI");
      await a.call("SET", "t:own", "2");
      await a.call("INCR", "t:own");
      a.send("EXEC");
      expect(await a.read()).toBe("*2\r\n+OK\r\n:3\r\n");
      expect(await a.read()).toBe(inval3("t:own"));
      expect(await a.silent(100)).toBe(true);
      await a.call("CLIENT", "TRACKING", "OFF");
    });

    it("NOLOOP: no invalidation for the client's own writes (and the key is dropped from the table)", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON", "NOLOOP");
      await a.call("GET", "t:nl");
      expect(await a.call("SET", "t:nl", "1")).toBe("+OK\r\n");
      await b.call("SET", "t:nl", "2");
      expect(await a.silent(100)).toBe(true);
      await a.call("GET", "t:nl");
      await b.call("SET", "t:nl", "3");
      expect(await a.read()).toBe(inval3("t:nl"));
    });

    it("FLUSHDB and FLUSHALL send a null invalidation to every tracking client, in its protocol", async () => {
      const a = await resp3();
      const { target, id } = await redirectTarget();
      const c2 = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON");
      await c2.call("CLIENT", "TRACKING", "ON", "REDIRECT", id);
      const b = await ctx.raw();
      await b.call("SELECT", "5");
      expect(await b.call("FLUSHDB")).toBe("+OK\r\n");
      expect(await a.read()).toBe(NULL_INVAL3);
      expect(await target.read()).toBe(NULL_INVAL2);
      a.send("FLUSHALL");
      expect(await a.read()).toBe("+OK\r\n");
      expect(await a.read()).toBe(NULL_INVAL3);
      expect(await target.read()).toBe(NULL_INVAL2);
      // the table was emptied: earlier reads no longer invalidate
      await a.call("GET", "t:f");
      await b.call("FLUSHALL");
      expect(await a.read()).toBe(NULL_INVAL3);
      await target.read();
      await b.call("SET", "t:f", "1");
      expect(await a.silent(100)).toBe(true);
    });

    it("RESP2 REDIRECT: messages on __redis__:invalidate to the subscribed target; RESP2 without redirect gets nothing", async () => {
      const { target, id } = await redirectTarget();
      const a = await ctx.raw();
      const b = await ctx.raw();
      expect(await a.call("CLIENT", "TRACKING", "ON", "REDIRECT", id)).toBe("+OK\r\n");
      expect(await a.call("CLIENT", "GETREDIR")).toBe(`:${id}\r\n`);
      await a.call("GET", "t:rd");
      await b.call("SET", "t:rd", "1");
      expect(await target.read()).toBe(inval2("t:rd"));
      expect(await a.silent(100)).toBe(true);
      // a RESP3 target gets a push without subscribing
      const t3 = await resp3();
      await a.call("CLIENT", "TRACKING", "ON", "REDIRECT", await idOf(t3));
      await a.call("GET", "t:rd");
      await b.call("SET", "t:rd", "2");
      expect(await t3.read()).toBe(inval3("t:rd"));
      // plain RESP2 tracking: nothing can be delivered
      const p = await ctx.raw();
      await p.call("CLIENT", "TRACKING", "ON");
      await p.call("GET", "t:rd");
      await b.call("SET", "t:rd", "3");
      expect(await p.silent(100)).toBe(true);
      expect(await p.call("PING")).toBe("+PONG\r\n");
    });

    it("a redirect target that went away: tracking-redir-broken push (RESP3), flag R, broken_redirect", async () => {
      const t = await ctx.raw();
      const id = await idOf(t);
      const a = await resp3();
      const b = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON", "REDIRECT", id);
      await a.call("GET", "t:br");
      t.close();
      await t.waitClosed().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      await b.call("SET", "t:br", "1");
      expect(await a.read()).toBe(`>2\r\n$21\r\ntracking-redir-broken\r\n:${id}\r\n`);
      expect(await a.call("CLIENT", "TRACKINGINFO")).toBe(
        `%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:${id}\r\n$8\r\nprefixes\r\n*0\r\n`,
      );
      expect(await a.call("CLIENT", "INFO")).toMatch(new RegExp(` flags=tR .* redir=${id} `));
      // turning tracking on again clears it
      await a.call("CLIENT", "TRACKING", "ON");
      expect(await a.call("CLIENT", "INFO")).toMatch(/ flags=t .* redir=0 /);
    });

    it("BCAST: every key under the prefixes, one message per prefix with its keys in order; NOLOOP skips own writes", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      expect(await a.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "u:", "PREFIX", "v:")).toBe("+OK\r\n");
      await b.call("SET", "u:1", "a");
      expect(await a.read()).toBe(inval3("u:1"));
      await b.call("MSET", "u:2", "a", "v:1", "b", "u:0", "x", "w", "y");
      expect(await a.read()).toBe(inval3("u:0", "u:2"));
      expect(await a.read()).toBe(inval3("v:1"));
      // the client's own write comes after its reply, without NOLOOP
      a.send("SET", "u:3", "x");
      expect(await a.read()).toBe("+OK\r\n");
      expect(await a.read()).toBe(inval3("u:3"));
      // nothing read is needed, and keys outside the prefixes never show up
      await b.call("SET", "w", "z");
      expect(await a.silent(100)).toBe(true);
      expect(await a.call("CLIENT", "TRACKINGINFO")).toBe(
        "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$2\r\nu:\r\n$2\r\nv:\r\n",
      );
      expect(await a.call("CLIENT", "INFO")).toMatch(/ flags=tB /);
      await a.call("CLIENT", "TRACKING", "OFF");
      // no prefix = every key; NOLOOP leaves out what this client wrote itself
      await a.call("CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP");
      expect(await a.call("MSET", "q1", "1", "q2", "2")).toBe("+OK\r\n");
      await b.call("MSET", "q2", "3", "q3", "4");
      expect(await a.read()).toBe(inval3("q2", "q3"));
      expect(await a.silent(100)).toBe(true);
      await a.call("CLIENT", "TRACKING", "OFF");
    });

    it("BCAST over RESP2 with REDIRECT, and expiry invalidates too", async () => {
      const { target, id } = await redirectTarget();
      const a = await ctx.raw();
      const b = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "e:", "REDIRECT", id);
      await b.call("SET", "e:1", "v", "PX", "50");
      expect(await target.read()).toBe(inval2("e:1"));
      // nobody touches it: the active expiry cycle removes it and invalidates
      expect(await target.read(2000)).toBe(inval2("e:1"));
      expect(await b.call("EXISTS", "e:1")).toBe(":0\r\n");
    });

    it("lazy expiry of a tracked key invalidates it (default mode)", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      await b.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
      try {
        await b.call("SET", "t:lx", "v", "PX", "100");
        await a.call("CLIENT", "TRACKING", "ON");
        expect(await a.call("GET", "t:lx")).toBe("$1\r\nv\r\n");
        await b.call("DEBUG", "CLOCK", "ADVANCE", "200");
        expect(await b.call("GET", "t:lx")).toBe("$-1\r\n");
        expect(await a.read()).toBe(inval3("t:lx"));
      } finally {
        await b.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
      }
    });

    it("keys are tracked by name across databases", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON");
      await a.call("GET", "t:db");
      await b.call("SELECT", "2");
      await b.call("SET", "t:db", "1");
      expect(await a.read()).toBe(inval3("t:db"));
    });

    it("OPTIN: only reads right after CLIENT CACHING YES (or inside the transaction after it) are tracked", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      expect(await a.call("CLIENT", "TRACKING", "ON", "OPTIN")).toBe("+OK\r\n");
      await a.call("GET", "o:1");
      expect(await a.call("CLIENT", "CACHING", "YES")).toBe("+OK\r\n");
      // CLIENT subcommands do not use it up
      await a.call("CLIENT", "ID");
      expect(await a.call("CLIENT", "TRACKINGINFO")).toBe(
        "%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n",
      );
      await a.call("GET", "o:2");
      await a.call("GET", "o:3");
      await b.call("MSET", "o:1", "1", "o:2", "2", "o:3", "3");
      expect(await a.read()).toBe(inval3("o:2"));
      expect(await a.silent(100)).toBe(true);
      await a.call("CLIENT", "CACHING", "YES");
      await a.call("MULTI");
      await a.call("GET", "m:1");
      await a.call("GET", "m:2");
      await a.call("EXEC");
      await a.call("GET", "m:3");
      await b.call("MSET", "m:1", "1", "m:2", "2", "m:3", "3");
      expect(await a.read()).toBe(inval3("m:1"));
      expect(await a.read()).toBe(inval3("m:2"));
      expect(await a.silent(100)).toBe(true);
      expect(await a.call("CLIENT", "CACHING", "NO")).toBe("-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n");
    });

    it("OPTOUT: every read is tracked except the one after CLIENT CACHING NO", async () => {
      const a = await resp3();
      const b = await ctx.raw();
      expect(await a.call("CLIENT", "TRACKING", "ON", "OPTOUT")).toBe("+OK\r\n");
      expect(await a.call("CLIENT", "CACHING", "NO")).toBe("+OK\r\n");
      await a.call("GET", "p:1");
      await a.call("GET", "p:2");
      await b.call("MSET", "p:1", "1", "p:2", "2");
      expect(await a.read()).toBe(inval3("p:2"));
      expect(await a.silent(100)).toBe(true);
      expect(await a.call("CLIENT", "CACHING", "YES")).toBe("-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n");
    });

    it("CLIENT TRACKING / CACHING errors have Valkey's texts, and a refused command changes nothing", async () => {
      const r = await ctx.raw();
      const cases: Array<[string[], string]> = [
        [["CLIENT", "TRACKING"], "-ERR wrong number of arguments for 'client|tracking' command\r\n"],
        [["CLIENT", "TRACKING", "maybe"], "-ERR syntax error\r\n"],
        [["CLIENT", "TRACKING", "on", "FOO"], "-ERR syntax error\r\n"],
        [["CLIENT", "TRACKING", "on", "PREFIX"], "-ERR syntax error\r\n"],
        [["CLIENT", "TRACKING", "on", "REDIRECT"], "-ERR syntax error\r\n"],
        [["CLIENT", "TRACKING", "on", "REDIRECT", "abc"], "-ERR value is not an integer or out of range\r\n"],
        [["CLIENT", "TRACKING", "on", "REDIRECT", "999999"], "-ERR The client ID you want redirect to does not exist\r\n"],
        [["CLIENT", "TRACKING", "on", "PREFIX", "a"], "-ERR PREFIX option requires BCAST mode to be enabled\r\n"],
        [["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"], "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"],
        [["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"], "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"],
        [
          ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
          "-ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.\r\n",
        ],
        [
          ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "y", "PREFIX", "yz"],
          "-ERR Prefix 'y' overlaps with another provided prefix 'yz'. Prefixes for a single client must not overlap.\r\n",
        ],
        [
          ["CLIENT", "CACHING", "yes"],
          "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n",
        ],
        [["CLIENT", "CACHING"], "-ERR wrong number of arguments for 'client|caching' command\r\n"],
        [["CLIENT", "GETREDIR", "x"], "-ERR wrong number of arguments for 'client|getredir' command\r\n"],
        [["CLIENT", "TRACKINGINFO", "x"], "-ERR wrong number of arguments for 'client|trackinginfo' command\r\n"],
      ];
      for (const [cmd, reply] of cases) expect([cmd.join(" "), await r.call(...cmd)]).toEqual([cmd.join(" "), reply]);
      // none of the refused commands turned tracking on
      expect(await r.call("CLIENT", "TRACKINGINFO")).toBe("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
      expect(await r.call("CLIENT", "GETREDIR")).toBe(":-1\r\n");
      // a REDIRECT given twice
      const id = await idOf(r);
      expect(await r.call("CLIENT", "TRACKING", "on", "REDIRECT", id, "REDIRECT", id)).toBe("-ERR A client can only redirect to a single other client\r\n");
      // switching modes while on
      await r.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x");
      expect(await r.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "xy")).toBe(
        "-ERR Prefix 'xy' overlaps with an existing prefix 'x'. Prefixes for a single client must not overlap.\r\n",
      );
      expect(await r.call("CLIENT", "TRACKING", "on")).toBe(
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n",
      );
      // prefixes add up while BCAST stays on
      expect(await r.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b")).toBe("+OK\r\n");
      expect(await r.call("CLIENT", "TRACKINGINFO")).toBe(
        "*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$1\r\nb\r\n$1\r\nx\r\n",
      );
      expect(await r.call("CLIENT", "TRACKING", "off", "BCAST")).toBe("+OK\r\n");
      await r.call("CLIENT", "TRACKING", "on", "OPTIN");
      expect(await r.call("CLIENT", "TRACKING", "on", "OPTOUT")).toBe(
        "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n",
      );
      expect(await r.call("CLIENT", "CACHING", "maybe")).toBe("-ERR syntax error\r\n");
      expect(await r.call("CLIENT", "TRACKING", "off")).toBe("+OK\r\n");
      expect(await r.call("CLIENT", "TRACKING", "off")).toBe("+OK\r\n");
    });

    it("CLIENT LIST, INFO, RESET and disconnects reflect tracking state", async () => {
      const admin = await ctx.raw();
      const count = async (field: string) => Number(new RegExp(`${field}:(\\d+)`).exec(await admin.call("INFO"))![1]);
      const base = await count("tracking_clients");
      const a = await ctx.raw();
      await a.call("CLIENT", "TRACKING", "ON", "NOLOOP");
      expect(await a.call("CLIENT", "INFO")).toMatch(/ flags=t .* redir=0 /);
      await a.call("MGET", "i:1", "i:2");
      const b = await resp3();
      await b.call("CLIENT", "TRACKING", "ON");
      await b.call("GET", "i:1");
      expect(await count("tracking_clients")).toBe(base + 2);
      expect(await count("tracking_total_items")).toBeGreaterThanOrEqual(3);
      const c = await ctx.raw();
      await c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "i:", "PREFIX", "j:");
      expect(await count("tracking_total_prefixes")).toBeGreaterThanOrEqual(2);
      expect(await count("tracking_clients")).toBe(base + 3);
      expect(await c.call("RESET")).toBe("+RESET\r\n");
      expect(await c.call("CLIENT", "TRACKINGINFO")).toBe("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n");
      expect(await count("tracking_clients")).toBe(base + 2);
      a.close();
      await a.waitClosed().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      expect(await count("tracking_clients")).toBe(base + 1);
      expect(await b.call("CLIENT", "INFO")).toMatch(/ flags=t .* redir=0 resp=3 /);
      expect(await admin.call("CLIENT", "INFO")).toMatch(/ flags=N .* redir=-1 /);
    });

    it("tracking-table-max-keys: past the limit, tracked keys are invalidated to make room", async () => {
      const admin = await ctx.raw();
      await admin.call("FLUSHALL");
      const a = await resp3();
      await a.call("CLIENT", "TRACKING", "ON");
      try {
        expect(await admin.call("CONFIG", "SET", "tracking-table-max-keys", "2")).toBe("+OK\r\n");
        expect(await a.call("MGET", "lim:1", "lim:2", "lim:3")).toBe("*3\r\n_\r\n_\r\n_\r\n");
        // As Valkey, the limit is enforced as the next command is processed (before it runs): the
        // invalidation reaches the tracking client before that command's reply (Valkey picks the keys at random,
        // this server the oldest).
        a.send("PING");
        expect(await a.read()).toBe(inval3("lim:1"));
        expect(await a.read()).toBe("+PONG\r\n");
        expect(await admin.call("INFO", "stats")).toMatch(/tracking_total_keys:2\r\n/);
      } finally {
        await admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
        await a.call("CLIENT", "TRACKING", "OFF");
      }
    });

    it("node-redis RESP3 clientSideCache serves repeated reads from its cache until the server invalidates", async () => {
      const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
      const c = createClient({ url: `redis://127.0.0.1:${ctx.port}`, RESP: 3, clientSideCache: cache });
      const ev = createClient({ url: `redis://127.0.0.1:${ctx.port}`, RESP: 3, emitInvalidate: true });
      c.on("error", () => {});
      ev.on("error", () => {});
      const other = ctx.ioredis();
      try {
        await c.connect();
        await ev.connect();
        await other.set("csc", "1");
        expect(await c.get("csc")).toBe("1");
        expect(await c.get("csc")).toBe("1");
        expect([cache.stats().hitCount, cache.stats().missCount]).toEqual([1, 1]);
        await other.set("csc", "2");
        await new Promise((r) => setTimeout(r, 50));
        expect(await c.get("csc")).toBe("2");
        expect([cache.stats().hitCount, cache.stats().missCount]).toEqual([1, 2]);
        // emitInvalidate: the client's own event for each invalidation, null for a flush
        const seen: Array<string | null> = [];
        ev.on("invalidate", (k: Buffer | null) => seen.push(k === null ? null : k.toString()));
        await ev.get("csc-ev");
        await other.set("csc-ev", "1");
        await other.flushall();
        const deadline = Date.now() + 2000;
        while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(seen).toEqual(["csc-ev", null]);
      } finally {
        await c.destroy();
        await ev.destroy();
      }
    });
  },
  ["--test-clock"],
);
