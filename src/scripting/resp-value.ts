// RESP bytes -> the value lua-redis-wasm hands to Lua for a redis.call reply. Runs on the engine's thread: its
// source is copied into the worker (worker.ts), so it must stay self-contained (no imports, no outer names).

import type { LuaValue } from "./engine.js";

export function parseReply(b: Buffer, st: { pos: number }): LuaValue {
  const t = b[st.pos]!;
  const eol = b.indexOf(13, st.pos);
  const line = b.toString("latin1", st.pos + 1, eol);
  st.pos = eol + 2;
  switch (t) {
    case 43: // +
      return { ok: Buffer.from(line, "latin1") };
    case 45: // -
      return { err: Buffer.from(line, "latin1") };
    case 58: {
      // :
      const n = Number(line);
      return Number.isSafeInteger(n) ? n : BigInt(line);
    }
    case 36: {
      // $
      const n = Number(line);
      if (n < 0) return null;
      const v = Buffer.from(b.subarray(st.pos, st.pos + n));
      st.pos += n + 2;
      return v;
    }
    case 42: // *
    case 62: {
      // >
      const n = Number(line);
      if (n < 0) return null;
      const out: LuaValue[] = [];
      for (let i = 0; i < n; i++) out.push(parseReply(b, st));
      return out;
    }
    case 37: {
      // %
      const n = Number(line);
      const pairs: [LuaValue, LuaValue][] = [];
      for (let i = 0; i < n; i++) pairs.push([parseReply(b, st), parseReply(b, st)]);
      return { map: pairs };
    }
    case 126: {
      // ~
      const n = Number(line);
      const items: LuaValue[] = [];
      for (let i = 0; i < n; i++) items.push(parseReply(b, st));
      return { set: items };
    }
    case 95: // _
      return null;
    case 35: // #
      return line === "t";
    case 44: // ,
      return { double: line === "inf" ? Infinity : line === "-inf" ? -Infinity : line === "nan" ? NaN : Number(line) };
    case 40: // (
      return { big_number: Buffer.from(line, "latin1") };
    case 61: {
      // =
      const n = Number(line);
      const v = b.subarray(st.pos, st.pos + n);
      st.pos += n + 2;
      return { verbatim_string: { format: Buffer.from(v.subarray(0, 3)), string: Buffer.from(v.subarray(4)) } };
    }
    case 124: {
      // | attribute: skipped, the value follows
      const n = Number(line);
      for (let i = 0; i < n * 2; i++) parseReply(b, st);
      return parseReply(b, st);
    }
    default:
      throw new Error(`unexpected reply byte ${t}`);
  }
}

