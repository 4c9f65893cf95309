import { describe, expect, it } from 'vitest';
import { normalise, VectorIndex } from './vector-index';

describe('VectorIndex', () => {
  it('ranks rows by cosine with the query, best first, k at most, within a row range', () => {
    const rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0.8, 0.6, 0],
      [-1, 0, 0],
      [0.6, 0.8, 0],
    ];
    const index = new VectorIndex(Float32Array.from(rows.flat()), 3);
    expect(index.count).toBe(5);
    const hits = index.search(Float32Array.from([2, 0, 0]), 3);
    expect(hits.map((hit) => hit.row)).toEqual([0, 2, 4]);
    expect(hits[0]!.score).toBeCloseTo(1, 6);
    expect(hits[1]!.score).toBeCloseTo(0.8, 6);
    expect(index.search(Float32Array.from([0, 1, 0]), 10).map((hit) => hit.row)).toEqual([1, 4, 2, 0, 3]);
    expect(index.search(Float32Array.from([1, 0, 0]), 2, { from: 3, to: 5 }).map((hit) => hit.row)).toEqual([
      4, 3,
    ]);
  });

  it('agrees with sorting every score, over random vectors', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const dimensions = 16;
    const vectors = new Float32Array(500 * dimensions).map(random);
    for (let row = 0; row < 500; row++) normalise(vectors.subarray(row * dimensions, (row + 1) * dimensions));
    const index = new VectorIndex(vectors, dimensions);
    const query = normalise(new Float32Array(dimensions).map(random));
    const all = Array.from({ length: 500 }, (_, row) => {
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += query[d]! * vectors[row * dimensions + d]!;
      return { row, dot };
    }).sort((a, b) => b.dot - a.dot);
    expect(index.search(query, 12).map((hit) => hit.row)).toEqual(all.slice(0, 12).map((hit) => hit.row));
  });

  it('normalise scales to length 1 and leaves a zero vector alone', () => {
    expect(Array.from(normalise(Float32Array.from([3, 4])))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(normalise(Float32Array.from([0, 0])))).toEqual([0, 0]);
  });
});
