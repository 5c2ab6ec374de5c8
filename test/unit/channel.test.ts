// The Lua engine's channel (src/scripting/channel.ts): its spin decision, and that a message gets through with the
// spin on (an idle machine) and off (an overloaded one) within one thread.

import { describe, expect, it } from "vitest";
import { Channel, type LoadSource } from "../../src/scripting/channel.js";

const machine = (load: number, cores: number, parallelism = true): LoadSource => ({
  loadavg: () => [load, load, load],
  cpus: () => new Array(cores).fill({}),
  ...(parallelism ? { availableParallelism: () => cores } : {}),
});

describe("Channel", () => {
  it("counts a machine as overloaded at 2.5 runnable threads per core", () => {
    expect(Channel.overloaded(machine(4.9, 2))).toBe(false);
    expect(Channel.overloaded(machine(5, 2))).toBe(true);
    expect(Channel.overloaded(machine(19, 8))).toBe(false);
    expect(Channel.overloaded(machine(20, 8))).toBe(true);
    // without os.availableParallelism (older runtimes) the cpu count decides
    expect(Channel.overloaded(machine(5, 2, false))).toBe(true);
    expect(Channel.overloaded(machine(5, 4, false))).toBe(false);
  });

  for (const [name, os] of [
    ["idle (spins)", machine(0, 2)],
    ["overloaded (sleeps at once)", machine(100, 2)],
    ["no os given", null],
  ] as const) {
    it(`delivers a message and times out on none: ${name}`, () => {
      const sab = Channel.create(64);
      const port = { postMessage: () => {} };
      const none = () => undefined;
      const server = new Channel(sab, port, none, 0, 64, 1000, os);
      const engine = new Channel(sab, port, none, 1, 64, 1000, os);
      engine.send(7, 3, (b) => b.write("abc", "latin1"));
      const m = server.recv(performance.now() + 1000);
      expect(m?.type).toBe(7);
      expect(m?.data.toString("latin1")).toBe("abc");
      expect(server.recv(performance.now() + 5)).toBeUndefined();
    });
  }
});
