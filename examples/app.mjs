// A tiny app that uses REDIS_URL, as `valkey-bun dev` starts it (see config/stack.json).
//   node examples/app.mjs            serve http://127.0.0.1:$PORT/ (counts visits in valkey; /health for healthchecks)
//   node examples/app.mjs --once     talk to valkey once, print what it saw, exit (--exit N picks the code)
import { createServer } from "node:http";
import { Redis } from "ioredis";

const url = process.env.REDIS_URL;
if (!url) {
  console.error("app: REDIS_URL is not set");
  process.exit(2);
}
const args = process.argv.slice(2);
const once = args.includes("--once");
const exitCode = args.includes("--exit") ? Number(args[args.indexOf("--exit") + 1]) : 0;
const shown = url.replace(/\/\/:[^@]*@/, "//:***@");

// No retries: if the server were not ready yet, the first command fails and the app exits 3.
const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
redis.on("error", () => {});
try {
  await redis.connect();
  const pong = await redis.ping();
  await redis.set("app:last-start", String(Date.now()));
  console.log(`app: connected to ${shown}, PING -> ${pong}`);
} catch (e) {
  console.error(`app: cannot use ${shown}: ${e.message}`);
  process.exit(3);
}

if (once) {
  redis.disconnect();
  process.exit(exitCode);
}

let visits = 0;
const http = createServer(async (req, res) => {
  if (req.url === "/health") {
    const ok = (await redis.ping().catch(() => "")) === "PONG";
    res.writeHead(ok ? 200 : 503).end(ok ? "ok\n" : "valkey unreachable\n");
    return;
  }
  await redis.set("app:visits", String(++visits));
  res.writeHead(200, { "content-type": "text/plain" }).end(`visit ${await redis.get("app:visits")}\n`);
});
http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`app: listening on http://127.0.0.1:${http.address().port}/`);
});
const stop = () => {
  http.close();
  redis.disconnect();
  process.exit(exitCode);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
