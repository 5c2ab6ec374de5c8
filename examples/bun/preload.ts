// `bun test` preload: one valkey-bun server for the whole run, stopped after the last test.
import { afterAll } from "bun:test";
import { startServer } from "valkey-bun";

const server = await startServer({ port: 0 });
process.env.REDIS_URL = server.url;
afterAll(() => server.close());
