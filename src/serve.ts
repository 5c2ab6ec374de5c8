// `valkey-bun [flags | redis.conf]`: the server's start (cli.ts hands over here once it knows it serves).

import { loadEnvFile } from "./envfile.js";
import { builtin, currentRuntime, runtimeLabel, watchParent } from "./runtime.js";
import { VERSION } from "./version.js";

/** Start the server (or a cluster of them) as the flags, the environment and .env say; resolves with the exit code
 *  once it has stopped. `parentPid`: the launcher that handed over to this process (runtime.ts delegate()), whose
 *  death stops the server. */
export async function serve(all: string[], parentPid: number): Promise<number> {
  const [{ loadConfig, ConfigError, cfg }, { listen, PortInUseError }] = await Promise.all([import("./config.js"), import("./server.js")]);
  // --ui [port]: the key browser (src/ui), not a Valkey parameter. Loaded only when asked for.
  let argv = all;
  let uiPort: number | null = null;
  if (all.some((a) => a === "--ui" || a.startsWith("--ui="))) {
    try {
      ({ argv, port: uiPort } = (await import("./ui/server.js")).takeUiFlag(all));
    } catch (e) {
      console.error(`valkey-bun: ${(e as Error).message}`);
      return 1;
    }
  }
  const envFile = await loadEnvFile();
  let config;
  try {
    config = loadConfig({ argv, envFile });
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split("\n")) console.error(`valkey-bun: ${line}`);
      return 1;
    }
    throw e;
  }
  const log = (line: string) => console.log(line);
  for (const d of config.persistenceDirectives.slice(0, 1)) {
    console.warn(
      `valkey-bun: persistence directive '${d}'${config.persistenceDirectives.length > 1 ? " (and others)" : ""} accepted; this server keeps data in memory only and never writes to disk`,
    );
  }
  const runtime = runtimeLabel();
  if ((config.cluster?.size ?? 0) > 0) {
    const { serveCluster } = await import("./cluster/launcher.js");
    return serveCluster(config, (urls) => `valkey-bun ${VERSION} cluster of ${urls.length} shards ready on ${urls.join(" ")} (${runtime}, pid ${process.pid})`);
  }
  let running;
  try {
    running = await listen({ config, log });
  } catch (e) {
    if (e instanceof PortInUseError || e instanceof ConfigError) {
      console.error(`valkey-bun: ${e.message}`);
      return 1;
    }
    console.error(`valkey-bun: cannot listen: ${(e as Error).message}`);
    return 1;
  }
  const host = cfg.bind(config).split(/\s+/)[0]!.replace(/^-/, "");
  const shown = host === "*" || host === "0.0.0.0" || host === "::*" ? "127.0.0.1" : host;
  let ui: { url: string; close(): Promise<void> } | null = null;
  if (uiPort !== null) {
    try {
      const { startUi } = await import("./ui/server.js");
      ui = await startUi({ port: uiPort, redisHost: shown, redisPort: running.port, password: () => cfg.password(running.server.config) });
    } catch (e) {
      console.error(`valkey-bun: cannot start the key browser on 127.0.0.1:${uiPort}: ${(e as Error).message}`);
      await running.close();
      return 1;
    }
  }
  // Signals are handled before the ready line: whoever waits for it may stop the server the moment it appears.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      running.server.log("notice", `${why}, shutting down (nothing to save: data lives in memory only)`);
      await ui?.close();
      await running.close();
      resolve(0);
    };
    process.on("SIGTERM", () => void stop("Received SIGTERM"));
    process.on("SIGINT", () => void stop("Received SIGINT"));
    running.server.onShutdown = () => void stop("Received SHUTDOWN");
    watchParent(() => void stop("The process that started this server is gone"), parentPid);
  });
  if (cfg.loglevel(config) !== "nothing") {
    const unix = cfg.unixsocket(config);
    printLine(`valkey-bun ${VERSION} ready on redis://${shown}:${running.port}${unix !== null ? ` and unix socket ${unix}` : ""} (${runtime}, pid ${process.pid})`);
  }
  if (ui) console.log(`valkey-bun key browser on ${ui.url}`);
  return stopped;
}

/**
 * A line on stdout written straight to fd 1: Node's first console.log builds process.stdout (a stream, and for a
 * terminal the tty and readline modules), ~2-3 ms of a start that waits for nothing else. Console when that fails.
 * Bun's console.log writes at once and builds nothing, while loading node:fs there costs 1.5-2 ms.
 */
function printLine(line: string): void {
  if (currentRuntime === "bun") return console.log(line);
  let buf = Buffer.from(`${line}\n`);
  try {
    const fs = builtin("node:fs");
    while (buf.length > 0) buf = buf.subarray(fs.writeSync(1, buf));
  } catch {
    if (buf.length > 0) process.stdout.write(buf);
  }
}
