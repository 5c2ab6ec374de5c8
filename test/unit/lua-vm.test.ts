// The driver loop in the engine (src/scripting/vm.ts, driver.ts), without a server: what a job reports, and that
// an error raised by a script is reported like a result, so the loop keeps the scripts it compiled (a loop that
// ended would make the next job start a new one: ~0.7 ms, and every script compiled again).
import { createHash } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { COLD, HOT } from "../../src/scripting/driver.js";
import { Vm, type Job, type Step, type VmHost } from "../../src/scripting/vm.js";

let vm: Vm;
beforeAll(async () => {
  vm = await Vm.create({ limits: { maxFuel: 100_000 }, profile: "valkey-8.0" }, Uint16Array.of(0x330e, 0, 0), HOT, COLD);
}, 60_000);

const host: VmHost = {
  call: (args) => (args[0]!.toString("latin1").toLowerCase() === "ping" ? Buffer.from("+PONG\r\n") : Buffer.from("-ERR unknown\r\n")),
  log() {},
  check: () => 0,
};
const sent = new Set<string>();
/** Run `body` as EVAL does: its source goes with the first job of that script only. */
function evalJob(body: string): Step {
  const id = createHash("sha1").update(body).digest("hex");
  const job: Job = { mode: "e", id, source: Buffer.from(body), withSource: !sent.has(id), fname: "", keys: [], args: [] };
  sent.add(id);
  return vm.run(job, host);
}
const text = (s: Step): string => (s.kind === "report" ? `${s.report} ${s.bytes.toString("latin1")}` : s.kind);

it("a result, a raised error and the engine's coded error are reports; the loop keeps what it compiled", () => {
  expect(text(evalJob("return redis.call('ping')"))).toBe("v +PONG\r\n");
  expect(text(evalJob("local a = 1\nerror('boom')"))).toBe("r 0:user_script:2: boom");
  // The same loop: the first script runs without its source being sent again.
  expect(text(evalJob("return redis.call('ping')"))).toBe("v +PONG\r\n");
  // A global read is refused by the engine with a coded error and no line in the text: the line comes from the
  // stack the handler sees (that of the function that read it).
  expect(text(evalJob("local function f()\n  return nosuch\nend\nreturn f()"))).toBe("r 2:user_script:2: __RLUA_E__:global-read:nosuch");
  // A failing redis.call is raised at the script's line, tagged for the host (\x01 after the position).
  expect(text(evalJob("\nredis.call('nosuch')"))).toBe("r 0:user_script:2: \x01ERR unknown");
  expect(text(evalJob("return 7"))).toBe("v :7\r\n");
});

it("an error value that is not a string ends the loop as before, and the next job starts a new one", () => {
  const s = evalJob("error({ok = 'x'})");
  expect(s.kind).toBe("ended");
  expect(text(evalJob("return redis.call('ping')"))).toBe("v +PONG\r\n");
});
