// A server driven in-process, without sockets: for unit tests that need the whole command path (gate,
// handlers, store, signal) with an injected clock. `connect()` gives a client whose `run(...args)` feeds one
// command and returns the exact reply bytes (latin1).

import type { Client, Connection } from "../../src/client.js";
import { loadConfig } from "../../src/config.js";
import { Server } from "../../src/server.js";
import { Clock } from "../../src/store.js";
import { encode } from "./server.js";

/** A clock that only moves when told (the real Clock follows wall time plus an offset). */
export class FrozenClock extends Clock {
  private t = 1_700_000_000_000;
  override now(): number {
    return this.t;
  }
  override advance(ms: number): void {
    this.t += ms;
  }
  override set(ms: number): void {
    this.t = ms;
  }
}

export interface InProcClient {
  client: Client;
  /** Run one command, return its exact reply bytes. */
  run(...args: Array<string | Buffer | number>): string;
  /** Hand `bytes` over as one read (a pipeline), return every reply it produced. */
  feed(bytes: Buffer): string;
}

export interface InProc extends InProcClient {
  server: Server;
  clock: Clock;
  /** Another client of the same server. */
  connect(): InProcClient;
}

export function inProcess(params: Record<string, string | number> = {}, clock: Clock = new Clock()): InProc {
  const server = new Server(loadConfig({ env: {}, overrides: { port: 0, ...params } }), clock);
  const connect = (): InProcClient => {
    const out: Buffer[] = [];
    const conn: Connection = {
      write: (d) => void out.push(Buffer.from(d)),
      end: () => {},
      destroy: () => {},
      pendingBytes: () => 0,
      remoteAddress: "127.0.0.1",
      remotePort: 40000,
      localAddress: "127.0.0.1",
      localPort: 6379,
      fd: -1,
    };
    const client = server.accept(conn)!;
    const feed = (bytes: Buffer): string => {
      out.length = 0;
      client.onData(bytes);
      return Buffer.concat(out).toString("latin1");
    };
    return { client, feed, run: (...args) => feed(encode(args)) };
  };
  return { server, clock, connect, ...connect() };
}
