// Users given from outside the protocol, kept apart from the ACL engine so config loading stays light.

/** Parse VALKEY_USERS: user definitions separated by ';' or newlines, each "[user] name rule rule ...". */
export function parseUserList(text: string): string[][] {
  const out: string[][] = [];
  for (const part of text.split(/[;\n]/)) {
    const words = part.trim().split(/\s+/).filter((w) => w !== "");
    if (words.length === 0) continue;
    if (words[0]!.toLowerCase() === "user") words.shift();
    if (words.length > 0) out.push(words);
  }
  return out;
}
