// Runs once before all test files (in vitest's main process); the returned function runs after them.
import { startServer } from "valkey-bun";

export default async function setup(project) {
  const server = await startServer({ port: 0 });
  project.provide("redisUrl", server.url); // tests: inject("redisUrl")
  process.env.REDIS_URL = server.url; // or read it from the environment
  return () => server.close();
}
