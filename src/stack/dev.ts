// `valkey-bun dev`: stack manifest -> concurrently. (Arrives with the sidecar issue.)
export async function main(_argv: string[]): Promise<number> {
  console.error("valkey-bun dev: not available yet");
  return 1;
}
