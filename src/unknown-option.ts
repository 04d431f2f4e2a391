/**
 * The first key of `given` that is not in `known`, or `undefined`. Constructors check their options
 * with it so that a misspelt option (`maxConcurency`) fails at once instead of being ignored.
 */
export function findUnknownOption(given: object, known: readonly string[]): string | undefined {
  return Object.keys(given).find((key) => !known.includes(key));
}

/**
 * The message for an unknown option `key` of `owner`: names it, suggests the closest known key when
 * one is near (a case slip or up to two edits), and lists the known ones.
 */
export function unknownOptionMessage(owner: string, key: string, known: readonly string[]): string {
  const closest = closestKey(key, known);
  const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`;
  return `Unknown ${owner} option "${key}"${hint}; options are: ${known.join(', ')}`;
}

function closestKey(key: string, known: readonly string[]): string | undefined {
  const limit = Math.min(2, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    if (candidate.toLowerCase() === key.toLowerCase()) return candidate;
    const distance = editDistance(key, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
