/** Small seeded PRNG (mulberry32) so splits and shuffles are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Stratified split of positions 0..labels.length-1: about `fraction` of each class goes to
 * validation, but a class keeps at least one training example and gets a validation example
 * only when it has at least `minPerClass` examples.
 */
export function stratifiedSplit(
  labels: readonly number[],
  fraction: number,
  random: () => number,
  minPerClass = 4,
): { train: number[]; validation: number[] } {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
  const train: number[] = [];
  const validation: number[] = [];
  for (const members of byClass.values()) {
    const order = shuffled(members, random);
    const n = fraction <= 0 || members.length < minPerClass ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    validation.push(...order.slice(0, n));
    train.push(...order.slice(n));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
