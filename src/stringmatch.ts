// Valkey's stringmatchlen: glob-style matching with * ? [abc] [^a-z] and backslash escapes, byte-wise over
// latin1 strings, optionally case-insensitive (ASCII). Used by CONFIG GET; KEYS/SCAN/PSUBSCRIBE follow the
// same grammar.

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

export function stringMatch(pattern: string, s: string, nocase = false): boolean {
  const skip = { longer: false };
  return match(pattern, 0, s, 0, nocase, skip, 0);
}

function match(p: string, pi: number, s: string, si: number, nocase: boolean, skip: { longer: boolean }, nesting: number): boolean {
  // Protection against abusive patterns.
  if (nesting > 1000) return false;
  const pl = p.length;
  const sl = s.length;
  while (pi < pl && si < sl) {
    const pc = p.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < pl && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === pl) return true;
      while (si < sl) {
        if (match(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true;
        if (skip.longer) return false;
        si++;
      }
      // No match for the rest of the pattern anywhere in the rest of the string: earlier stars cannot help.
      skip.longer = true;
      return false;
    } else if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      pi++;
      const not = pi < pl && p.charCodeAt(pi) === 94; /* ^ */
      if (not) pi++;
      let matched = false;
      const sc = s.charCodeAt(si);
      for (;;) {
        const left = pl - pi;
        if (left >= 2 && p.charCodeAt(pi) === 92 /* \ */) {
          pi++;
          if (p.charCodeAt(pi) === sc) matched = true;
        } else if (left === 0) {
          pi--;
          break;
        } else if (p.charCodeAt(pi) === 93 /* ] */) {
          break;
        } else if (left >= 3 && p.charCodeAt(pi + 1) === 45 /* - */) {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          let c = sc;
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            c = lower(c);
          }
          pi += 2;
          if (c >= start && c <= end) matched = true;
        } else if (nocase ? lower(p.charCodeAt(pi)) === lower(sc) : p.charCodeAt(pi) === sc) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else {
      if (pc === 92 /* \ */ && pl - pi >= 2) pi++;
      const a = p.charCodeAt(pi);
      const b = s.charCodeAt(si);
      if (nocase ? lower(a) !== lower(b) : a !== b) return false;
      si++;
    }
    pi++;
    if (si === sl) {
      while (pi < pl && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi >= pl && si === sl;
}
