// Valkey's glob matcher (util.c stringmatchlen): * ? [abc] [^a-z] and \ escapes, over latin1 strings.
// Used by COMMAND LIST FILTERBY PATTERN; KEYS, SCAN MATCH and PSUBSCRIBE follow the same rules.

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** True when `str` matches the glob `pattern` (both latin1 strings), as Valkey's stringmatchlen. */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const skipLonger = { v: false };
  return match(pattern, 0, str, 0, nocase, skipLonger, 0);
}

function match(p: string, pi: number, s: string, si: number, nocase: boolean, skipLonger: { v: boolean }, nesting: number): boolean {
  // Protection against abusive patterns.
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === plen) return true;
      while (si < slen) {
        if (match(p, pi + 1, s, si, nocase, skipLonger, nesting + 1)) return true;
        if (skipLonger.v) return false;
        si++;
      }
      // No match for the rest of the pattern anywhere in the rest of the string: earlier stars cannot help.
      skipLonger.v = true;
      return false;
    } else if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      pi++;
      const not = pi < plen && p.charCodeAt(pi) === 94; /* ^ */
      if (not) pi++;
      let matched = false;
      const c = s.charCodeAt(si);
      for (;;) {
        if (pi < plen && p.charCodeAt(pi) === 92 /* \ */ && plen - pi >= 2) {
          pi++;
          if (p.charCodeAt(pi) === c) matched = true;
        } else if (pi < plen && p.charCodeAt(pi) === 93 /* ] */) {
          break;
        } else if (pi >= plen) {
          pi--;
          break;
        } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === 45 /* - */) {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          let cc = c;
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            cc = lower(cc);
          }
          pi += 2;
          if (cc >= start && cc <= end) matched = true;
        } else if (nocase ? lower(p.charCodeAt(pi)) === lower(c) : p.charCodeAt(pi) === c) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else {
      if (pc === 92 /* \ */ && plen - pi >= 2) pi++;
      const a = p.charCodeAt(pi);
      const b = s.charCodeAt(si);
      if (nocase ? lower(a) !== lower(b) : a !== b) return false;
      si++;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi >= plen && si === slen;
}
