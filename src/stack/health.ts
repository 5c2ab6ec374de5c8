// `valkey-bun health`: compose-style health probe. (Arrives with the sidecar issue.)
export async function main(_argv: string[]): Promise<number> {
  console.error("valkey-bun health: not available yet");
  return 1;
}
