// How many worker threads the built-in engine starts, by input size, cores and squawk.
import { describe, expect, it } from 'vitest';
import { PARALLEL_MIN_BYTES, parallelPlan } from '../../src/parallel/pool.js';

describe('parallelPlan', () => {
  const large = [PARALLEL_MIN_BYTES, PARALLEL_MIN_BYTES];
  const small = [100, 200];

  it('keeps small inputs on the main thread and spreads large ones over every core from three on', () => {
    expect(parallelPlan(small, undefined, 4)).toBe(0);
    expect(parallelPlan(large, undefined, 4)).toBe(3);
    expect(parallelPlan(large, undefined, 3)).toBe(2);
    // two threads were slower than one on two cores at every input size
    expect(parallelPlan(large, undefined, 2)).toBe(0);
  });

  it('leaves the cores squawk keeps busy: none on two or three cores, the rest on more', () => {
    expect(parallelPlan(large, undefined, 2, 1)).toBe(0);
    expect(parallelPlan(large, undefined, 3, 1)).toBe(0);
    expect(parallelPlan(large, undefined, 4, 1)).toBe(3 - 1);
  });

  it('obeys an explicit setting whatever the cores', () => {
    expect(parallelPlan(large, false, 8)).toBe(0);
    expect(parallelPlan(large, 2, 2, 1)).toBe(1);
    expect(parallelPlan(small, 3, 1)).toBe(1);
  });
});
