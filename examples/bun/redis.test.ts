import { RedisClient } from "bun";
import { afterAll, expect, test } from "bun:test";

const redis = new RedisClient(process.env.REDIS_URL!);
afterAll(() => redis.close());

test("Bun's RedisClient talks to the server the preload started", async () => {
  expect(process.env.REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  expect(await redis.set("greeting", "hello")).toBe("OK");
  expect(await redis.get("greeting")).toBe("hello");
});
