/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring letters each count 1, because a swap (`titel`) is as common a slip as a
 * wrong letter. Good enough for "did you mean" over a handful of names.
 */
export function editDistance(a: string, b: string): number {
  return lastRow(a, b)[b.length] ?? 0;
}

/**
 * The fewest edits that turn `a` into some start of `b` (at least `minLength` long):
 * how far `retry` is from being the beginning of `retries`.
 */
export function prefixDistance(a: string, b: string, minLength = 0): number {
  const row = lastRow(a, b);
  let best = Infinity;
  for (let j = Math.min(minLength, b.length); j <= b.length; j++) best = Math.min(best, row[j] ?? Infinity);
  return best;
}

/** The last row of the OSA table: distances from all of `a` to each prefix of `b`. */
function lastRow(a: string, b: string): number[] {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev;
}

/** `depends-on`, `Depends_On` and `dependson` are the same slip: compare without case or separators. */
function normalize(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

// A shorter word that starts a longer one (`desc`, `depends`, `timeout_ms`) is a likely
// abbreviation or extension, but under four letters almost everything starts something.
const MIN_PREFIX = 4;
// From five letters on, the shared start may itself hold one slip (`retry` for `retri…`).
const PREFIX_SLIP_FROM = 5;

/** How far `word` is from `candidate` as an abbreviation or extension of it, if it is one. */
function prefixScore(word: string, candidate: string): number | undefined {
  const [short, long] = word.length <= candidate.length ? [word, candidate] : [candidate, word];
  if (short.length < MIN_PREFIX) return undefined;
  const allowed = short.length >= PREFIX_SLIP_FROM ? 1 : 0;
  const d = prefixDistance(short, long, MIN_PREFIX);
  return d <= allowed ? d : undefined;
}

/**
 * The closest candidate, if any is close enough: within an edit distance that scales with
 * the word's length (a third of it, at least 1), or else as an abbreviation or extension of
 * exactly one candidate. A prefix shared by several candidates suggests none of them.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = normalize(word);
  const limit = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  const prefixed: { candidate: string; score: number }[] = [];
  for (const c of candidates) {
    const n = normalize(c);
    const d = editDistance(w, n);
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
    const p = prefixScore(w, n);
    if (p !== undefined) prefixed.push({ candidate: c, score: p });
  }
  if (best !== undefined) return best;
  const lowest = Math.min(...prefixed.map((p) => p.score));
  const closest = prefixed.filter((p) => p.score === lowest);
  return closest.length === 1 ? closest[0]?.candidate : undefined;
}
