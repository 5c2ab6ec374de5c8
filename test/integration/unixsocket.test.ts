// --unixsocket / --unixsocketperm / --unixsocketgroup: a unix socket listener beside TCP, as Valkey's (client flag U, addr =
// the path with port 0, a stale socket file replaced, the file removed at shutdown).
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { RUNTIMES, spawnServer } from "../helpers/server.js";

for (const runtime of RUNTIMES) {
  describe(`unix socket [${runtime}]`, () => {
    it("serves clients on the socket with Valkey's client fields, and removes the file at shutdown", async () => {
      const dir = mkdtempSync(join(tmpdir(), "vb-unix-"));
      const path = join(dir, "valkey.sock");
      writeFileSync(path, "stale"); // left behind by a crashed server: replaced
      const s = await spawnServer(runtime, ["--unixsocket", path, "--unixsocketperm", "700"]);
      try {
        expect(s.output()).toContain(`and unix socket ${path}`);
        expect(statSync(path).isSocket()).toBe(true);
        expect(statSync(path).mode & 0o777).toBe(0o700);
        const io = new Redis({ path, retryStrategy: () => null });
        io.on("error", () => {});
        expect(await io.ping()).toBe("PONG");
        await io.set("u", "1");
        const info = (await io.client("INFO")) as string;
        expect(info).toContain(`addr=${path}:0 laddr=${path}:0`);
        expect(info).toMatch(/ flags=U /);
        expect(await io.config("GET", "unixsocket*")).toEqual(["unixsocket", path, "unixsocketperm", "700", "unixsocketgroup", ""]);
        const nr = createClient({ socket: { path, tls: false } });
        await nr.connect();
        expect(await nr.get("u")).toBe("1");
        await nr.quit();
        // TCP still answers, with its own flags
        const tcp = new Redis({ port: s.port, host: "127.0.0.1" });
        expect(await tcp.get("u")).toBe("1");
        expect((await tcp.client("INFO")) as string).toMatch(/ flags=N /);
        tcp.disconnect();
        await io.call("SHUTDOWN", "NOSAVE").catch(() => {});
        io.disconnect();
        expect(await s.stop()).not.toBeNull();
        expect(existsSync(path)).toBe(false);
      } finally {
        await s.stop("SIGKILL");
      }
    });

    it("unixsocketgroup gives the socket file that group, by name; an unknown group stops the start, as in Valkey", async () => {
      // a group other than the file's default one, that this process may give files: any group for root, else one
      // of the user's other groups; with neither, the user's own group (the call still has to succeed)
      const groups = readFileSync("/etc/group", "utf8").split("\n").map((l) => l.split(":")).filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!));
      const mine = process.getgid!();
      const allowed = process.getuid!() === 0 ? groups.map((f) => Number(f[2])) : process.getgroups!();
      const gid = allowed.find((g) => g !== mine && groups.some((f) => Number(f[2]) === g)) ?? mine;
      const name = groups.find((f) => Number(f[2]) === gid)?.[0];
      expect(name, "the group's name in /etc/group").toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), "vb-unix-"));
      const path = join(dir, "valkey.sock");
      const s = await spawnServer(runtime, ["--unixsocket", path, "--unixsocketgroup", name!, "--unixsocketperm", "770"]);
      try {
        expect(statSync(path).gid).toBe(gid);
        expect(statSync(path).mode & 0o777).toBe(0o770);
        const io = new Redis({ path, retryStrategy: () => null });
        expect(await io.config("GET", "unixsocketgroup")).toEqual(["unixsocketgroup", name]);
        await expect(io.config("SET", "unixsocketgroup", name!)).rejects.toThrow(/can't set immutable config/);
        io.disconnect();
      } finally {
        await s.stop();
      }
      await expect(spawnServer(runtime, ["--unixsocket", join(dir, "other.sock"), "--unixsocketgroup", "no-such-group-here"])).rejects.toThrow(
        /Failed opening Unix socket: getgrnam error for group 'no-such-group-here'/,
      );
      expect(existsSync(join(dir, "other.sock"))).toBe(false);
    });

    it("refuses a bad unixsocketperm at startup and CONFIG SET of either parameter", async () => {
      await expect(spawnServer(runtime, ["--unixsocketperm", "800"])).rejects.toThrow(/octal/);
      const s = await spawnServer(runtime);
      try {
        const io = new Redis({ port: s.port, host: "127.0.0.1" });
        await expect(io.config("SET", "unixsocket", "/tmp/x.sock")).rejects.toThrow(/can't set immutable config/);
        expect(await io.config("GET", "unixsocketperm")).toEqual(["unixsocketperm", "0"]);
        io.disconnect();
      } finally {
        await s.stop();
      }
    });
  });
}
