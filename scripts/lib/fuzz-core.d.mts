// Types for fuzz-core.mjs (plain JS so `npm run fuzz` runs without a build step).
import type { Arbitrary } from "fast-check";
import type { ChildProcess } from "node:child_process";

export interface HostileSession {
  frames: Buffer[];
  chunk: number;
}
export interface Target {
  port: number;
  proc?: ChildProcess;
  bystander?: Conn;
}
export interface Divergence {
  argv: string[];
  ours: string | null;
  theirs: string | null;
}
export const families: Record<string, Arbitrary<string[]>>;
export const anyCommand: Arbitrary<string[]>;
export const hostileFrame: Arbitrary<Buffer>;
export const hostileSession: Arbitrary<HostileSession>;
export const ALLOWED: Array<{ ref: string; why: string; match: (argv: string[], ours: string | null, theirs: string | null) => boolean }>;
export function encode(argv: Array<string | Buffer>): Buffer;
export function replyLength(buf: Buffer, pos?: number): number;
export class Conn {
  static open(port: number, host?: string): Promise<Conn>;
  closed: boolean;
  write(b: Buffer | string): void;
  read(ms?: number): Promise<string | null>;
  call(...argv: string[]): Promise<string | null>;
  drain(ms: number): Promise<Buffer>;
  close(): void;
}
export function healthy(target: Target, ms?: number): Promise<string | null>;
export function attachBystander(target: Target): Promise<void>;
export function runHostile(port: number, session: HostileSession): Promise<Buffer>;
export function normalize(argv: string[], reply: string | null): string | null;
export function allowed(ref: string, argv: string[], ours: string | null, theirs: string | null): unknown;
export function compareSequence(ours: Conn, theirs: Conn, ref: string, seq: string[][]): Promise<Divergence | null>;
export function resetConn(c: Conn): Promise<void>;
export function freePort(): Promise<number>;
export function startReference(bin: string): Promise<{ proc: ChildProcess; port: number } | null>;
