// Which runtime serves (src/runtime.ts): the --runtime flag, VALKEY_RUNTIME, and `auto` following the launcher.

import { describe, expect, it } from "vitest";
import { currentRuntime, RuntimeError, takeRuntimeFlag, wantedRuntime } from "../../src/runtime.js";

describe("takeRuntimeFlag", () => {
  it("removes --runtime X and --runtime=X wherever they stand, leaving the rest in order", () => {
    expect(takeRuntimeFlag(["--port", "1", "--runtime", "bun", "--save", ""])).toEqual({ argv: ["--port", "1", "--save", ""], choice: "bun" });
    expect(takeRuntimeFlag(["dev", "--runtime=node"])).toEqual({ argv: ["dev"], choice: "node" });
    expect(takeRuntimeFlag(["--port", "1"])).toEqual({ argv: ["--port", "1"], choice: null });
  });
  it("refuses a runtime it does not know, or a missing value, naming the flag", () => {
    expect(() => takeRuntimeFlag(["--runtime", "deno"])).toThrow(new RuntimeError("--runtime: 'deno' is not a runtime (expected bun, node or auto)"));
    expect(() => takeRuntimeFlag(["--runtime"])).toThrow(RuntimeError);
  });
});

describe("wantedRuntime", () => {
  const bunUA = { npm_config_user_agent: "bun/1.4.5 npm/? node/v24 linux x64" };
  const npmUA = { npm_config_user_agent: "npm/11.0.0 node/v20.20.2 linux x64" };
  it("an explicit choice wins: flag over VALKEY_RUNTIME", () => {
    expect(wantedRuntime("node", { VALKEY_RUNTIME: "bun", ...bunUA }, true)).toBe("node");
    expect(wantedRuntime(null, { VALKEY_RUNTIME: "bun" }, false)).toBe("bun");
    expect(wantedRuntime(null, { VALKEY_RUNTIME: "node", ...bunUA }, true)).toBe("node");
    expect(() => wantedRuntime(null, { VALKEY_RUNTIME: "java" }, false)).toThrow("VALKEY_RUNTIME: 'java' is not a runtime");
  });
  it("auto: the runtime we run on, and Bun when Bun launched the installed bin", () => {
    expect(wantedRuntime("auto", {}, false)).toBe(currentRuntime);
    expect(wantedRuntime(null, npmUA, true)).toBe(currentRuntime);
    expect(wantedRuntime(null, bunUA, true)).toBe("bun");
    // `node dist/cli.js` named its runtime: a Bun user agent inherited from `bun run test` does not move it.
    expect(wantedRuntime(null, bunUA, false)).toBe(currentRuntime);
  });
});
