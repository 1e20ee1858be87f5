/**
 * Multinomial logistic regression over sparse feature vectors, trained with plain SGD.
 * Small and deterministic (seeded shuffle), so the index is the same on every start.
 */
export interface SoftmaxOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export type SparseVector = { terms: Int32Array; values: Float32Array };

export class SoftmaxModel {
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;

  constructor(
    private readonly termCount: number,
    readonly classCount: number,
  ) {
    this.weights = new Float32Array(termCount * classCount);
    this.bias = new Float64Array(classCount);
  }

  /**
   * `key` names a sample (its text): each epoch visits samples in an order drawn from their keys, so
   * adding one example moves only that example in the order, not every other sample's place, and a
   * small edit to the knowledge base stays a small change to the model.
   */
  train(samples: Array<{ x: SparseVector; y: number; key: string }>, options: SoftmaxOptions): void {
    const probs = new Float64Array(this.classCount);
    const gradients = new Float64Array(this.classCount);
    const active = new Int32Array(this.classCount);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const rank = samples.map((sample, index) => ({ index, at: hash32(`${options.seed}:${epoch}:${sample.key}`) }));
      const order = rank.sort((a, b) => a.at - b.at || a.index - b.index).map((r) => r.index);
      const rate = options.learningRate / (1 + epoch * 0.3);
      for (const index of order) {
        const { x, y } = samples[index]!;
        this.probabilities(x, probs);
        // Most classes are already near 0 for a sample; skipping them keeps training linear in practice.
        let activeCount = 0;
        for (let k = 0; k < this.classCount; k++) {
          const gradient = probs[k]! - (k === y ? 1 : 0);
          if (Math.abs(gradient) < 1e-3) continue;
          gradients[k] = gradient;
          active[activeCount++] = k;
          this.bias[k]! -= rate * gradient;
        }
        // Term by term, so each update walks one contiguous row of weights.
        for (let n = 0; n < x.terms.length; n++) {
          const row = x.terms[n]! * this.classCount;
          const value = x.values[n]!;
          for (let a = 0; a < activeCount; a++) {
            const k = active[a]!;
            this.weights[row + k]! -= rate * (gradients[k]! * value + options.l2 * this.weights[row + k]!);
          }
        }
      }
    }
  }

  /** Class probabilities for x, written into `out`. */
  probabilities(x: SparseVector, out: Float64Array): Float64Array {
    out.set(this.bias);
    for (let n = 0; n < x.terms.length; n++) {
      const row = x.terms[n]! * this.classCount;
      const value = x.values[n]!;
      for (let k = 0; k < this.classCount; k++) out[k]! += value * this.weights[row + k]!;
    }
    let max = -Infinity;
    for (let k = 0; k < this.classCount; k++) max = Math.max(max, out[k]!);
    let sum = 0;
    for (let k = 0; k < this.classCount; k++) sum += out[k] = Math.exp(out[k]! - max);
    for (let k = 0; k < this.classCount; k++) out[k]! /= sum;
    return out;
  }

  get size(): number {
    return this.termCount;
  }
}

/** FNV-1a, then a final mix: a well-spread 32-bit number per string. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
