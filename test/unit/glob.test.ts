import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { globMatch, globMatcher } from "../../src/glob.js";

// Expected values were taken from redis-server 7.0 (KEYS <pattern> against a single key), whose
// stringmatchlen() is the same as Valkey 8's. The one exception is "*" against "": KEYS short-cuts a lone
// "*" to "every key", but stringmatchlen itself (PSUBSCRIBE, CONFIG GET) does not match the empty string.
const CASES: Array<[pattern: string, subject: string, matches: boolean]> = [
  ["*", "", false],
  ["*", "abc", true],
  ["a*", "abc", true],
  ["a*c", "abc", true],
  ["a*c", "abcd", false],
  ["*c", "abc", true],
  ["a?c", "abc", true],
  ["a?c", "ac", false],
  ["???", "ab", false],
  ["[abc]", "b", true],
  ["[abc]", "d", false],
  ["[^abc]", "d", true],
  ["[^abc]", "a", false],
  ["[a-c]x", "bx", true],
  ["[c-a]x", "bx", true],
  ["[a-]", "-", false],
  ["[a-]", "a", true],
  ["[]", "a", false],
  ["[", "a", false],
  ["[a", "a", true],
  ["[ab", "b", true],
  ["[^", "a", true],
  ["a[", "a", false],
  ["\\*", "*", true],
  ["\\*", "a", false],
  ["\\?x", "?x", true],
  ["a\\", "a\\", true],
  ["a\\", "a", false],
  ["[\\]]", "]", true],
  ["[\\-]", "-", true],
  ["[a\\-z]", "b", false],
  ["[a\\-z]", "-", true],
  ["*a*b*c*", "xaybzc", true],
  ["*a*b*c*", "xaybz", false],
  ["h[ae]llo", "hallo", true],
  ["h[^e]llo", "hello", false],
  ["h*llo", "hllo", true],
  ["**", "x", true],
  ["a**", "a", true],
  ["*?", "", false],
  ["*?", "x", true],
  // bytes >= 0x80 compare as signed chars in ranges: [a-\xff] is the range -1..'a'
  ["[a-\xff]", "b", false],
  ["[\xff-a]", "\xfe", false],
  ["[\x80-\xff]", "\x90", true],
  ["\xff", "\xff", true],
  ["foo*bar?[0-9]", "foo_x_bar!7", true],
  ["*[", "a[", false],
  ["[*]", "*", true],
  ["[?]", "a", false],
  ["[-a]", "-", true],
  ["[a-z", "q", true],
  ["[z-a", "q", true],
  ["a[^]b", "a]b", true],
  ["a[^]b", "axb", true],
];

describe("globMatch (Valkey stringmatchlen)", () => {
  it.each(CASES)("%j against %j -> %s", (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
    expect(globMatch(Buffer.from(pattern, "latin1"), Buffer.from(subject, "latin1"))).toBe(expected);
    expect(globMatcher(pattern)(subject)).toBe(expected);
  });

  it("nocase folds ASCII letters in literals, ranges and classes, but not escaped class members", () => {
    expect(globMatch("HeLLo", "hello", true)).toBe(true);
    expect(globMatch("HeLLo", "hello", false)).toBe(false);
    expect(globMatch("[A-C]x", "bX", true)).toBe(true);
    expect(globMatch("[A-C]x", "bX", false)).toBe(false);
    expect(globMatch("[ABC]", "b", true)).toBe(true);
    expect(globMatch("[^ABC]", "b", true)).toBe(false);
    expect(globMatch("[\\A]", "a", true)).toBe(false);
    expect(globMatch("\\A", "a", true)).toBe(true);
    expect(globMatch("maxmemory-*", "MAXMEMORY-POLICY", true)).toBe(true);
  });

  it("treats NUL and other binary bytes as ordinary characters", () => {
    expect(globMatch("a\0*", "a\0b")).toBe(true);
    expect(globMatch("a?b", "a\0b")).toBe(true);
    expect(globMatch("a\0b", "a\0c")).toBe(false);
  });

  it("a matcher's shortcuts for literals with stars at their ends answer as stringmatchlen does", () => {
    // globMatcher takes string tests for "lit", "lit*", "*lit", "*lit*" (and stars alone); globMatch never does
    const chars = fc.constantFrom("a", "b", "*", "?", "[", "]", "\\", "\0", "\xff");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 7 }), fc.array(fc.constantFrom("a", "b", "*", "\0", "\xff"), { maxLength: 8 }), (p, s) => {
        const pattern = p.join("");
        const subject = s.join("");
        expect(globMatcher(pattern)(subject)).toBe(globMatch(pattern, subject));
        expect(globMatcher(Buffer.from(pattern, "latin1"))(Buffer.from(subject, "latin1"))).toBe(globMatch(pattern, subject));
      }),
      { numRuns: 3000 },
    );
    for (const [pattern, subject, want] of [["*", "", false], ["**", "x", true], ["", "", true], ["user:*", "user:", true], ["*:s", ":s", true], ["*ab*", "xaby", true], ["*ab*", "ba", false]] as const)
      expect(globMatcher(pattern)(subject)).toBe(want);
  });

  it("gives up past 1000 nested stars (Valkey's protection) and prunes backtracking", () => {
    // the same pattern matches with fewer stars than the nesting limit...
    expect(globMatch("a*".repeat(900) + "b", "a".repeat(1000) + "b")).toBe(true);
    // ...and is refused beyond it, as Valkey does
    expect(globMatch("a*".repeat(1100) + "b", "a".repeat(1200) + "b")).toBe(false);
    // exponential without the skipLongerMatches pruning; returns at once with it
    expect(globMatch("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
  });
});
