// The health probe's RESP2 reader (src/stack/probe-client.ts): whole replies decode to their values, and a reply
// cut anywhere short asks for more bytes rather than decoding something else.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PARTIAL, ProbeReplyError, readReply, type ProbeReply } from "../../src/stack/probe-client.js";

type Tree = { t: "simple" | "error" | "bulk"; s: string } | { t: "int"; n: number } | { t: "null" } | { t: "array"; items: Tree[] };

const line = fc.string({ unit: fc.constantFrom("a", "b", " ", ":", "-", "é") }).map((s) => s.replace(/\r|\n/g, ""));
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    fc.record({ t: fc.constantFrom("simple" as const, "error" as const), s: line }),
    fc.record({ t: fc.constant("bulk" as const), s: fc.string() }),
    fc.record({ t: fc.constant("int" as const), n: fc.integer() }),
    fc.constant({ t: "null" as const }),
    fc.record({ t: fc.constant("array" as const), items: fc.array(tie("tree"), { maxLength: 4 }) }),
  ),
})).tree;

function encode(x: Tree): string {
  switch (x.t) {
    case "simple":
      return `+${x.s}\r\n`;
    case "error":
      return `-${x.s}\r\n`;
    case "bulk":
      return `$${Buffer.byteLength(x.s)}\r\n${x.s}\r\n`;
    case "int":
      return `:${x.n}\r\n`;
    case "null":
      return "$-1\r\n";
    case "array":
      return `*${x.items.length}\r\n${x.items.map(encode).join("")}`;
  }
}

function expected(x: Tree): ProbeReply {
  if (x.t === "error") return new ProbeReplyError(x.s);
  if (x.t === "int") return x.n;
  if (x.t === "null") return null;
  if (x.t === "array") return x.items.map(expected);
  return x.s;
}

/** Values with errors as their text, so that toEqual compares the messages. */
const plain = (v: ProbeReply): unknown => (v instanceof ProbeReplyError ? { error: v.message } : Array.isArray(v) ? v.map(plain) : v);

describe("probe client: readReply", () => {
  it("decodes any RESP2 reply whole, and every cut short of its end asks for more", () => {
    fc.assert(
      fc.property(tree, (x) => {
        const b = Buffer.from(encode(x));
        const [v, end] = readReply(b, 0);
        expect(end).toBe(b.length);
        expect(plain(v)).toEqual(plain(expected(x)));
        for (let cut = 0; cut < b.length; cut++) {
          let thrown: unknown = null;
          try {
            readReply(b.subarray(0, cut), 0);
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBe(PARTIAL);
        }
      }),
    );
  });

  it("names a reply that is not RESP by its first line", () => {
    expect(() => readReply(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"), 0)).toThrow('unexpected reply from the server: "HTTP/1.1 400 Bad Request"');
    expect(() => readReply(Buffer.from("SSH-2.0-OpenSSH"), 0)).toThrow('unexpected reply from the server: "SSH-2.0-OpenSSH"');
  });

  it("reads consecutive replies from one buffer", () => {
    const b = Buffer.from("+PONG\r\n$5\r\nhello\r\n*2\r\n-ERR x\r\n:7\r\n");
    const [a, e1] = readReply(b, 0);
    const [c, e2] = readReply(b, e1);
    const [d, e3] = readReply(b, e2);
    expect([a, c, plain(d), e3]).toEqual(["PONG", "hello", [{ error: "ERR x" }, 7], b.length]);
  });
});
