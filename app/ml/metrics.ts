/** Classification metrics from true and predicted class indices. Pure; no TF.js. */
export interface Metrics {
  accuracy: number;
  balancedAccuracy: number;
  /** Recall of each class (null when the class has no examples). */
  perClass: (number | null)[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  count: number;
}

export function computeMetrics(truth: readonly number[], predicted: readonly number[], numClasses: number): Metrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  truth.forEach((t, i) => confusion[t][predicted[i]]++);
  const correct = truth.filter((t, i) => t === predicted[i]).length;
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c] / total;
  });
  const present = perClass.filter((r): r is number => r !== null);
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    balancedAccuracy: present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length,
    perClass,
    confusion,
    count: truth.length,
  };
}

/** Index of the largest value in each row of a row-major [rows, cols] array. */
export function argmaxRows(values: ArrayLike<number>, cols: number): number[] {
  const rows = values.length / cols;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

/**
 * Wilson score interval for a proportion (`correct` of `total`), at z = 1.96 (95%) by default.
 * Honest for small counts: 4 of 6 right is 30%–90%, not "67%". Null when there is nothing to measure.
 */
export function wilsonInterval(correct: number, total: number, z = 1.96): { low: number; high: number } | null {
  if (total <= 0) return null;
  const p = correct / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z / (1 + z2 / total)) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** One image the metrics were measured on, as the worker reports it: its class, the model's answer and how sure it was. */
export interface MeasuredImage {
  sampleId: string;
  /** Index into the summary's classIds. */
  truth: number;
  predicted: number;
  /** The probability the model gave its answer. */
  confidence: number;
}

/**
 * The "not sure" threshold the held-out images suggest, in steps of 5%: just above the most confident
 * mistake, so each of them would have said "not sure"; with no mistakes, just below the least confident
 * right answer (at most 50%), so every one of them is named. Null when there is nothing to go on.
 */
export function thresholdFromMeasured(images: readonly MeasuredImage[]): number | null {
  if (images.length === 0) return null;
  const wrong = images.filter((m) => m.truth !== m.predicted).map((m) => m.confidence);
  const step = (x: number) => Math.round(x * 20) / 20;
  if (wrong.length > 0) return Math.min(0.95, step(Math.floor(Math.max(...wrong) * 20) / 20 + 0.05));
  return Math.min(0.5, step(Math.floor(Math.min(...images.map((m) => m.confidence)) * 20) / 20));
}
