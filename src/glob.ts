// Valkey's stringmatchlen: glob-style matching on latin1 strings (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes).

/** Does `s` match glob `pattern`? Both are latin1 strings (one char per byte). */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return match(pattern, 0, s, 0, nocase, { n: 0 });
}

function lower(c: number, nocase: boolean): number {
  return nocase && c >= 65 && c <= 90 ? c + 32 : c;
}

function match(p: string, pi: number, s: string, si: number, nocase: boolean, nest: { n: number }): boolean {
  // Valkey caps recursion on '*' to avoid pathological patterns; exceeding it counts as no match.
  if (++nest.n > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        for (let k = si; k < slen; k++) if (match(p, pi + 1, s, k, nocase, nest)) return true;
        return false;
      }
      case 63:
        // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = p.charCodeAt(pi) === 94;
        if (not) pi++;
        let matched = false;
        const sc = lower(s.charCodeAt(si), nocase);
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 && pi + 2 <= plen - 1 + 1 && pi + 1 < plen) {
            pi++;
            if (lower(p.charCodeAt(pi), nocase) === sc) matched = true;
          } else if (c === 93) {
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) {
            let start = lower(c, nocase);
            let end = lower(p.charCodeAt(pi + 2), nocase);
            if (start > end) [start, end] = [end, start];
            pi += 2;
            if (sc >= start && sc <= end) matched = true;
          } else if (lower(c, nocase) === sc) matched = true;
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        si++;
        break;
      }
      case 92:
        // '\\'
        if (pi + 1 < plen) pi++;
      // fallthrough
      default:
        if (lower(p.charCodeAt(pi), nocase) !== lower(s.charCodeAt(si), nocase)) return false;
        si++;
        break;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
