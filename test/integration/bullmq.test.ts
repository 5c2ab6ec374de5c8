import { expect, it } from "vitest";
import { Queue, QueueEvents, Worker, type Job } from "bullmq";
import { describeRuntimes, untilBlockedInXread } from "../helpers/server.js";

// A real BullMQ round trip against the server: its Lua scripts (EVALSHA with many redis.call), BZPOPMIN and
// XREAD BLOCK for the worker and QueueEvents, delayed jobs, retries with attempts, progress.
describeRuntimes("bullmq", (ctx) => {
  const connection = () => ({ host: "127.0.0.1", port: ctx.port, maxRetriesPerRequest: null });
  const closers: Array<() => Promise<unknown>> = [];
  const track = <T extends { close(): Promise<unknown> }>(x: T): T => {
    closers.push(() => x.close());
    return x;
  };

  it(
    "Queue + Worker + QueueEvents: jobs, progress, a delayed job, retries with attempts",
    async () => {
      const name = `q${Date.now()}`;
      const queue = track(new Queue(name, { connection: connection() }));
      const events = track(new QueueEvents(name, { connection: connection() }));
      await events.waitUntilReady();
      await untilBlockedInXread(ctx.ioredis());
      let failedOnce = false;
      const seen: string[] = [];
      const worker = track(
        new Worker(
          name,
          async (job: Job) => {
            seen.push(job.name);
            await job.updateProgress(50);
            if (job.name === "flaky" && !failedOnce) {
              failedOnce = true;
              throw new Error("first attempt fails");
            }
            return { doubled: (job.data as { n: number }).n * 2 };
          },
          { connection: connection(), concurrency: 2 },
        ),
      );
      // BullMQ's QueueEvents hands returnvalue over already parsed from the stream entry's JSON
      const completed = new Map<string, unknown>();
      const progress: unknown[] = [];
      events.on("completed", ({ jobId, returnvalue }) => completed.set(jobId, returnvalue));
      events.on("progress", ({ data }) => progress.push(data));
      const allDone = (ids: string[]) =>
        new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`timeout; completed: ${[...completed.keys()].join(",")}`)), 20000);
          const check = () => {
            if (ids.every((id) => completed.has(id))) {
              clearTimeout(t);
              resolve();
            } else setTimeout(check, 20);
          };
          check();
        });

      const a = await queue.add("plain", { n: 1 });
      const b = await queue.add("delayed", { n: 2 }, { delay: 300 });
      const c = await queue.add("flaky", { n: 3 }, { attempts: 3, backoff: { type: "fixed", delay: 50 } });
      expect(await queue.getJobCounts("delayed")).toEqual({ delayed: 1 });
      await allDone([a.id!, b.id!, c.id!]);

      expect(completed.get(a.id!)).toEqual({ doubled: 2 });
      expect(completed.get(b.id!)).toEqual({ doubled: 4 });
      expect(completed.get(c.id!)).toEqual({ doubled: 6 });
      const flaky = await queue.getJob(c.id!);
      expect(flaky!.attemptsMade).toBe(2);
      expect(seen.filter((s) => s === "flaky")).toHaveLength(2);
      expect(progress).toContain(50);
      const done = await queue.getJob(a.id!);
      expect(done!.progress).toBe(50);
      expect(done!.returnvalue).toEqual({ doubled: 2 });
      expect(await queue.getJobCounts("completed", "failed", "waiting", "delayed", "active")).toEqual({
        completed: 3,
        failed: 0,
        waiting: 0,
        delayed: 0,
        active: 0,
      });
      await worker.close();
      for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    },
    30000,
  );
});
