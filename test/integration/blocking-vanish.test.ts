// Issue 13 item 1: every blocking command against every way its key can vanish, change type or appear, with the
// replies Valkey 8.0.1 gives (checked with ../shared/tools/valkey-8.0.1): list and zset waiters and XREAD stay
// parked when the key goes away and are served when a key of the right type arrives by any route; a parked
// XREADGROUP is re-run when its stream is deleted, flushed, swapped or moved away and fails as Valkey 8 does
// (NOGROUP / WRONGTYPE), never hangs.
import { expect, it } from "vitest";
import { describeRuntimes, type RawClient } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Blocker {
  setup: string[][];
  cmd: string[];
  /** Creates `src` holding one element the waiter is served. */
  make: string[];
  served: string;
}

const blockers: Record<string, Blocker> = {
  BLPOP: { setup: [], cmd: ["BLPOP", "k", "0"], make: ["RPUSH", "src", "a"], served: "*2\r\n$1\r\nk\r\n$1\r\na\r\n" },
  BRPOP: { setup: [], cmd: ["BRPOP", "k", "0"], make: ["RPUSH", "src", "a"], served: "*2\r\n$1\r\nk\r\n$1\r\na\r\n" },
  BLMOVE: { setup: [], cmd: ["BLMOVE", "k", "d", "LEFT", "LEFT", "0"], make: ["RPUSH", "src", "a"], served: "$1\r\na\r\n" },
  BRPOPLPUSH: { setup: [], cmd: ["BRPOPLPUSH", "k", "d", "0"], make: ["RPUSH", "src", "a"], served: "$1\r\na\r\n" },
  BLMPOP: { setup: [], cmd: ["BLMPOP", "0", "1", "k", "LEFT"], make: ["RPUSH", "src", "a"], served: "*2\r\n$1\r\nk\r\n*1\r\n$1\r\na\r\n" },
  BZPOPMIN: { setup: [], cmd: ["BZPOPMIN", "k", "0"], make: ["ZADD", "src", "1", "a"], served: "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n" },
  BZPOPMAX: { setup: [], cmd: ["BZPOPMAX", "k", "0"], make: ["ZADD", "src", "1", "a"], served: "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n" },
  BZMPOP: { setup: [], cmd: ["BZMPOP", "0", "1", "k", "MIN"], make: ["ZADD", "src", "1", "a"], served: "*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n" },
  XREAD: {
    setup: [["XADD", "k", "1-1", "f", "v"]],
    cmd: ["XREAD", "BLOCK", "0", "STREAMS", "k", "$"],
    make: ["XADD", "src", "5-1", "f", "v"],
    served: "*1\r\n*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
  },
};

const NOGROUP = "-NOGROUP No such key 'k' or consumer group 'g' in XREADGROUP with GROUP option\r\n";
const WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/** Ways the key goes away or changes type, and what a parked XREADGROUP on it then gets from Valkey 8. */
const vanish: Record<string, { steps: string[][]; xreadgroup: string }> = {
  DEL: { steps: [["DEL", "k"]], xreadgroup: NOGROUP },
  UNLINK: { steps: [["UNLINK", "k"]], xreadgroup: NOGROUP },
  FLUSHALL: { steps: [["FLUSHALL"]], xreadgroup: NOGROUP },
  "FLUSHALL ASYNC": { steps: [["FLUSHALL", "ASYNC"]], xreadgroup: NOGROUP },
  FLUSHDB: { steps: [["FLUSHDB"]], xreadgroup: NOGROUP },
  "SWAPDB with an empty db": { steps: [["SWAPDB", "0", "1"]], xreadgroup: NOGROUP },
  "SWAPDB bringing a string": { steps: [["SELECT", "1"], ["SET", "k", "x"], ["SELECT", "0"], ["SWAPDB", "0", "1"]], xreadgroup: WRONGTYPE },
  MOVE: { steps: [["MOVE", "k", "1"]], xreadgroup: NOGROUP },
  "SET (type change)": { steps: [["SET", "k", "x"]], xreadgroup: WRONGTYPE },
  "RENAME away": { steps: [["RENAME", "k", "zz"]], xreadgroup: NOGROUP },
  "EXPIRE 0": { steps: [["EXPIRE", "k", "0"]], xreadgroup: NOGROUP },
  "a TTL running out": { steps: [["PEXPIRE", "k", "1"], ["SLEEP", "150"]], xreadgroup: NOGROUP },
};

/** Ways a key of the right type arrives at `k` (db 0) from `src`. */
function appear(b: Blocker): Record<string, string[][]> {
  const inDb1 = [["SELECT", "1"], b.make, ["RENAME", "src", "k"]];
  return {
    RENAME: [b.make, ["RENAME", "src", "k"]],
    COPY: [b.make, ["COPY", "src", "k", "REPLACE"]],
    MOVE: [["DEL", "k"], ...inDb1, ["MOVE", "k", "0"], ["SELECT", "0"]],
    SWAPDB: [...inDb1, ["SELECT", "0"], ["SWAPDB", "0", "1"]],
    RESTORE: [b.make, ["DUMP-RESTORE", "src", "k"]],
  };
}

/** Run one step: a command, a pause (SLEEP ms) or DUMP src + RESTORE dst REPLACE with the payload. */
async function step(admin: RawClient, s: string[]): Promise<void> {
  if (s[0] === "SLEEP") return void (await sleep(Number(s[1])));
  if (s[0] === "DUMP-RESTORE") {
    const dump = await admin.call("DUMP", s[1]!);
    const m = /^\$(\d+)\r\n/.exec(dump)!;
    const payload = Buffer.from(dump.slice(m[0].length, m[0].length + Number(m[1])), "latin1");
    expect(await admin.call("RESTORE", s[2]!, "0", payload, "REPLACE")).toBe("+OK\r\n");
    return;
  }
  await admin.call(...s);
}

describeRuntimes("blocking: keys that vanish, change type or appear", (ctx) => {
  async function blockedClients(r: RawClient): Promise<number> {
    return Number(/blocked_clients:(\d+)/.exec(await r.call("INFO", "clients"))![1]);
  }
  async function waitBlocked(r: RawClient, n: number): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if ((await blockedClients(r)) === n) return;
      await sleep(10);
    }
    throw new Error(`never saw ${n} blocked clients`);
  }
  async function park(admin: RawClient, b: string[][], cmd: string[]): Promise<RawClient> {
    expect(await admin.call("FLUSHALL")).toBe("+OK\r\n");
    for (const s of b) await admin.call(...s);
    const w = await ctx.raw();
    w.send(...cmd);
    await waitBlocked(admin, 1);
    return w;
  }

  for (const [name, b] of Object.entries(blockers)) {
    it(`${name} stays parked through every way its key vanishes, then is served`, async () => {
      const admin = await ctx.raw();
      for (const [way, v] of Object.entries(vanish)) {
        const w = await park(admin, b.setup, b.cmd);
        for (const s of v.steps) await step(admin, s);
        await admin.call("SELECT", "0");
        expect(await w.silent(60), `${name} after ${way}`).toBe(true);
        expect(await blockedClients(admin), `${name} after ${way}`).toBe(1);
        await admin.call("DEL", "k");
        await admin.call(...b.make);
        await admin.call("RENAME", "src", "k");
        expect(await w.read(), `${name} after ${way}`).toBe(b.served);
        w.close();
      }
      admin.close();
    });

    it(`${name} is served when its key arrives by RENAME, COPY, MOVE, SWAPDB or RESTORE`, async () => {
      const admin = await ctx.raw();
      for (const [way, steps] of Object.entries(appear(b))) {
        const w = await park(admin, b.setup, b.cmd);
        for (const s of steps) await step(admin, s);
        await admin.call("SELECT", "0");
        expect(await w.read(), `${name} via ${way}`).toBe(b.served);
        w.close();
      }
      admin.close();
    });
  }

  it("XREADGROUP BLOCK 0 is re-run and fails as in Valkey 8 for every way its stream vanishes (never hangs)", async () => {
    const admin = await ctx.raw();
    for (const [way, v] of Object.entries(vanish)) {
      const w = await park(admin, [["XGROUP", "CREATE", "k", "g", "$", "MKSTREAM"]], ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k", ">"]);
      for (const s of v.steps) await step(admin, s);
      await admin.call("SELECT", "0");
      expect(await w.read(2000), `XREADGROUP after ${way}`).toBe(v.xreadgroup);
      expect(await blockedClients(admin)).toBe(0);
      // the connection goes on normally
      expect(await w.call("PING")).toBe("+PONG\r\n");
      w.close();
    }
    // a stream put back under the same name has no such group either; XGROUP DESTROY wakes the reader too
    for (const steps of [
      [["XADD", "src", "5-1", "f", "v"], ["RENAME", "src", "k"]],
      [["XGROUP", "DESTROY", "k", "g"]],
    ]) {
      const w = await park(admin, [["XGROUP", "CREATE", "k", "g", "$", "MKSTREAM"]], ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k", ">"]);
      for (const s of steps) await admin.call(...s);
      expect(await w.read(2000)).toBe(NOGROUP);
      w.close();
    }
    admin.close();
  });
});
