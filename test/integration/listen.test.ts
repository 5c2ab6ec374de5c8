// The TCP bind paths of the CLI: the default `bind * -::*`, address literals (which Node binds without a DNS
// lookup, src/server.ts bindLiteral), host names (which it resolves first), and the errors of a busy port and of a
// host that does not resolve.
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { RUNTIMES, spawnServer } from "../helpers/server.js";

/** PING over a fresh connection to host:port: "+PONG\r\n", or the connect error's code. */
function ping(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(String(d));
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** A port held by another listener on host (so that the server's bind there fails), and its release. */
function holdPort(host: string): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject);
    s.listen({ host, port: 0, ipv6Only: host === "::" }, () => {
      const a = s.address();
      resolve({ port: typeof a === "object" && a ? a.port : 0, close: () => new Promise((r) => s.close(() => r())) });
    });
  });
}

/** Exit code and output of a server that is expected to refuse to start. */
async function refused(runtime: (typeof RUNTIMES)[number], args: string[]): Promise<string> {
  const e = await spawnServer(runtime, args).then(
    async (s) => {
      await s.stop("SIGKILL");
      return null;
    },
    (e: Error) => e,
  );
  expect(e).not.toBeNull();
  return e!.message;
}

const hasIPv6 = await holdPort("::1").then(
  async (h) => (await h.close(), true),
  () => false,
);

for (const runtime of RUNTIMES) {
  describe(`listen [${runtime}]`, () => {
    it.runIf(hasIPv6)("binds 0.0.0.0 and :: by default", async () => {
      const s = await spawnServer(runtime);
      try {
        expect(await ping("127.0.0.1", s.port)).toBe("+PONG\r\n");
        expect(await ping("::1", s.port)).toBe("+PONG\r\n");
        expect(s.output()).toContain(`ready on redis://127.0.0.1:${s.port} `);
      } finally {
        await s.stop();
      }
    });

    it("binds 127.0.0.1 only when told so", async () => {
      const s = await spawnServer(runtime, ["--bind", "127.0.0.1"]);
      try {
        expect(await ping("127.0.0.1", s.port)).toBe("+PONG\r\n");
        if (hasIPv6) expect(await ping("::1", s.port)).toBe("ECONNREFUSED");
        expect(s.output()).toContain(`ready on redis://127.0.0.1:${s.port} `);
      } finally {
        await s.stop();
      }
    });

    it.runIf(hasIPv6)("binds ::1 only when told so", async () => {
      const s = await spawnServer(runtime, ["--bind", "::1"]);
      try {
        expect(await ping("::1", s.port)).toBe("+PONG\r\n");
        expect(await ping("127.0.0.1", s.port)).toBe("ECONNREFUSED");
        expect(s.output()).toContain(`ready on redis://::1:${s.port} `);
      } finally {
        await s.stop();
      }
    });

    it.runIf(hasIPv6)("binds :: as IPv6 only, beside an IPv4 listener on the same port", async () => {
      const v4 = await holdPort("0.0.0.0");
      const s = await spawnServer(runtime, ["--port", String(v4.port), "--bind", "::"]);
      try {
        expect(await ping("::1", s.port)).toBe("+PONG\r\n");
      } finally {
        await s.stop();
        await v4.close();
      }
    });

    it("resolves a host name: localhost", async () => {
      const s = await spawnServer(runtime, ["--bind", "localhost"]);
      try {
        // localhost may resolve to 127.0.0.1 or ::1: one of them answers
        const answers = [await ping("127.0.0.1", s.port), hasIPv6 ? await ping("::1", s.port) : ""];
        expect(answers).toContain("+PONG\r\n");
        expect(s.output()).toContain(`ready on redis://localhost:${s.port} `);
      } finally {
        await s.stop();
      }
    });

    it("refuses a busy port, for the default bind and for a literal", async () => {
      const held = await holdPort("0.0.0.0");
      try {
        expect(await refused(runtime, ["--port", String(held.port)])).toContain(
          `exited with 1: valkey-bun: port ${held.port} is already in use (0.0.0.0)\n`,
        );
        expect(await refused(runtime, ["--port", String(held.port), "--bind", "127.0.0.1"])).toContain(
          `exited with 1: valkey-bun: port ${held.port} is already in use (127.0.0.1)\n`,
        );
      } finally {
        await held.close();
      }
    });

    it.runIf(hasIPv6)("skips an optional :: whose port is taken, and refuses a required one", async () => {
      const v6 = await holdPort("::");
      try {
        const s = await spawnServer(runtime, ["--port", String(v6.port)]);
        try {
          expect(await ping("127.0.0.1", s.port)).toBe("+PONG\r\n");
        } finally {
          await s.stop();
        }
        expect(await refused(runtime, ["--port", String(v6.port), "--bind", "::1"])).toContain(
          `exited with 1: valkey-bun: port ${v6.port} is already in use (::1)\n`,
        );
      } finally {
        await v6.close();
      }
    });

    // Node only: the wording is Node's (getaddrinfo / listen errors); Bun words these its own way.
    it.runIf(runtime === "node")("reports a host that does not resolve and an address it cannot bind, as Node words them", async () => {
      expect(await refused(runtime, ["--bind", "nosuch.invalid"])).toContain(
        "exited with 1: valkey-bun: cannot listen: getaddrinfo ENOTFOUND nosuch.invalid\n",
      );
      // not a dotted quad: resolved as a name, as before
      expect(await refused(runtime, ["--bind", "999.1.1.1"])).toContain(
        "exited with 1: valkey-bun: cannot listen: getaddrinfo ENOTFOUND 999.1.1.1\n",
      );
      // TEST-NET-1: a literal of no local interface
      expect(await refused(runtime, ["--bind", "192.0.2.1"])).toContain(
        "exited with 1: valkey-bun: cannot listen: listen EADDRNOTAVAIL: address not available 192.0.2.1\n",
      );
    });
  });
}
