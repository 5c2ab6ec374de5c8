// Valkey's glob-style matcher (stringmatchlen): * ? [abc] [^a-z] and \ escapes, on latin1 strings.

/** True when `s` matches the glob `pattern` exactly as Valkey's stringmatchlen does. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const skip = { longer: false };
  return match(pattern, 0, s, 0, nocase, skip, 0);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function match(p: string, pi: number, s: string, si: number, nocase: boolean, skip: { longer: boolean }, nesting: number): boolean {
  if (nesting > 1000) return false;
  const pl = p.length;
  const sl = s.length;
  while (pi < pl && si < sl) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < pl && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === pl) return true;
        while (si < sl) {
          if (match(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true;
          if (skip.longer) return false;
          si++;
        }
        skip.longer = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = pi < pl && p.charCodeAt(pi) === 94;
        if (not) pi++;
        let matched = false;
        const c = s.charCodeAt(si);
        for (;;) {
          if (pi < pl && p.charCodeAt(pi) === 92 && pl - pi >= 2) {
            pi++;
            if (p.charCodeAt(pi) === c) matched = true;
          } else if (pi < pl && p.charCodeAt(pi) === 93) {
            break;
          } else if (pi >= pl) {
            pi--;
            break;
          } else if (pl - pi >= 3 && p.charCodeAt(pi + 1) === 45) {
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
        break;
      }
      default: {
        if (pc === 92 && pl - pi >= 2) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
      }
    }
    pi++;
    if (si === sl) {
      while (pi < pl && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === pl && si === sl;
}
