// src/scripting/lua.wasm is made from lua-redis-wasm's engine by scripts/build-lua-wasm.mjs and checked in (no
// install or start needs binaryen). It must be what that script makes from the installed lua-redis-wasm.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, no types
import { buildLuaWasm } from "../../scripts/build-lua-wasm.mjs";

const ROOT = join(import.meta.dirname, "..", "..");

it("src/scripting/lua.wasm is what scripts/build-lua-wasm.mjs makes from the installed lua-redis-wasm", async () => {
  const fresh = (await buildLuaWasm()) as Buffer;
  const checkedIn = readFileSync(join(ROOT, "src", "scripting", "lua.wasm"));
  expect(fresh.length).toBe(checkedIn.length);
  expect(fresh.equals(checkedIn)).toBe(true);
}, 120_000);
