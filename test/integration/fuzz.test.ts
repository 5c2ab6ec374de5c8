// A short seeded run of the fuzzer (scripts/fuzz.mjs is the long one): hostile frames never crash or hang the
// server and a bystander client keeps being served with its data intact; random command sequences over every
// family reply as Valkey 8 does (against ../shared/tools/valkey-8.0.1 when it is there, else redis-server with
// the allow-list of intended differences; skipped with a reason when neither exists).
import { type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeRuntimes, ROOT } from "../helpers/server.js";
import { Conn, anyCommand, attachBystander, compareSequence, healthy, hostileSession, resetConn, runHostile, startReference, type Target } from "../../scripts/lib/fuzz-core.mjs";

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const VALKEY = join(ROOT, "..", "shared", "tools", "valkey-8.0.1", "valkey-server");
const REDIS = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
const REF = existsSync(VALKEY) ? "valkey" : REDIS ? "redis" : null;

describeRuntimes("fuzz (short seeded run)", (ctx) => {
  it("hostile RESP frames, inline requests and raw bytes never crash or hang the server; a bystander keeps its data", async () => {
    const target: Target = { port: ctx.port, proc: ctx.server.proc };
    await attachBystander(target);
    let frames = 0;
    await fc.assert(
      fc.asyncProperty(hostileSession, async (session) => {
        await runHostile(ctx.port, session);
        frames += session.frames.length;
        expect(await healthy(target)).toBeNull();
      }),
      { seed: SEED, numRuns: 120 },
    );
    expect(frames).toBeGreaterThanOrEqual(120);
    target.bystander!.close();
  }, 120_000);

  let ref: { proc: ChildProcess; port: number } | null = null;
  beforeAll(async () => {
    if (REF !== null) ref = await startReference(REF === "valkey" ? VALKEY : REDIS);
  });
  afterAll(() => {
    ref?.proc.kill("SIGKILL");
  });

  it.skipIf(REF === null)(`random command sequences over every family reply as ${REF ?? "the reference"} does (allow-list aside)`, async () => {
    expect(ref, "reference server did not start").not.toBeNull();
    const ours = await Conn.open(ctx.port);
    const theirs = await Conn.open(ref!.port);
    await fc.assert(
      fc.asyncProperty(fc.array(anyCommand, { minLength: 1, maxLength: 10 }), async (seq) => {
        const d = await compareSequence(ours, theirs, REF!, seq);
        await resetConn(ours);
        await resetConn(theirs);
        expect(d).toBeNull();
      }),
      { seed: SEED, numRuns: 80 },
    );
    ours.close();
    theirs.close();
  }, 120_000);
});
