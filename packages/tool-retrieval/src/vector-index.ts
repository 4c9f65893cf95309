/**
 * A flat index of unit vectors in one `Float32Array` (row `i` at `i * dimensions`): search is a dot
 * product with every row, which is the cosine since rows and query are normalised. Exact, and fast
 * enough for tens of thousands of chunks (a 10M-token corpus); no approximate structure to build.
 */
export class VectorIndex {
  readonly count: number;

  constructor(
    readonly vectors: Float32Array,
    readonly dimensions: number,
  ) {
    this.count = vectors.length / dimensions;
  }

  /** The `k` rows most similar to `query` among `rows` (all when left out), best first. */
  search(
    query: Float32Array,
    k: number,
    rows?: { from: number; to: number },
  ): { row: number; score: number }[] {
    const unit = normalise(Float32Array.from(query));
    const { vectors, dimensions } = this;
    const from = rows?.from ?? 0;
    const to = rows?.to ?? this.count;
    // The best k so far, worst first, so a new score only has to beat `best[0]`.
    const best: { row: number; score: number }[] = [];
    for (let row = from; row < to; row++) {
      const dot = dotProduct(unit, vectors, row * dimensions, dimensions);
      if (best.length < k) {
        best.push({ row, score: dot });
        if (best.length === k) best.sort((a, b) => a.score - b.score);
      } else if (dot > best[0]!.score) {
        let position = 0;
        while (position + 1 < k && best[position + 1]!.score < dot) {
          best[position] = best[position + 1]!;
          position++;
        }
        best[position] = { row, score: dot };
      }
    }
    return best.sort((a, b) => b.score - a.score || a.row - b.row);
  }
}

/** `query · vectors[offset … offset + dimensions)`, four products a step (independent sums pipeline better). */
function dotProduct(query: Float32Array, vectors: Float32Array, offset: number, dimensions: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let index = 0;
  for (; index + 3 < dimensions; index += 4) {
    sum0 += query[index]! * vectors[offset + index]!;
    sum1 += query[index + 1]! * vectors[offset + index + 1]!;
    sum2 += query[index + 2]! * vectors[offset + index + 2]!;
    sum3 += query[index + 3]! * vectors[offset + index + 3]!;
  }
  for (; index < dimensions; index++) sum0 += query[index]! * vectors[offset + index]!;
  return sum0 + sum1 + sum2 + sum3;
}

/** Scales `vector` in place to length 1 (a zero vector stays zero) and returns it. */
export function normalise(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  if (sumOfSquares > 0 && Math.abs(sumOfSquares - 1) > 1e-6) {
    const scale = 1 / Math.sqrt(sumOfSquares);
    for (let index = 0; index < vector.length; index++) vector[index]! *= scale;
  }
  return vector;
}
