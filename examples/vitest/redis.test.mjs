import { Redis } from "ioredis";
import { afterAll, expect, inject, it } from "vitest";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

it("talks to the server global setup started", async () => {
  expect(inject("redisUrl")).toBe(process.env.REDIS_URL);
  expect(await redis.set("greeting", "hello")).toBe("OK");
  expect(await redis.get("greeting")).toBe("hello");
});
