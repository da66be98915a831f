/** metrics/stats.ts: the start-time statistics, by hand-computed cases. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quantile, summarize } from '../../src/metrics/stats.ts';

describe('quantile', () => {
  test('interpolates between neighbours of sorted samples', () => {
    const s = [10, 20, 30, 40];
    assert.equal(quantile(s, 0), 10);
    assert.equal(quantile(s, 1), 40);
    assert.equal(quantile(s, 0.5), 25);
    assert.equal(quantile(s, 0.25), 17.5);
    assert.equal(quantile(s, 0.75), 32.5);
  });

  test('an odd count has its middle sample as median; nothing gives NaN', () => {
    assert.equal(quantile([1, 5, 9], 0.5), 5);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe('summarize', () => {
  test('sorts a copy: the caller’s samples keep their order', () => {
    const samples = [400, 100, 300, 200];
    assert.deepEqual(summarize(samples), { medianMs: 250, minMs: 100, maxMs: 400, iqrMs: 150 });
    assert.deepEqual(samples, [400, 100, 300, 200]);
  });

  test('one slow start moves the maximum, not the median', () => {
    const s = summarize([1000, 1010, 1020, 1030, 9000]);
    assert.equal(s.medianMs, 1020);
    assert.equal(s.maxMs, 9000);
    assert.equal(s.iqrMs, 20);
  });

  test('no samples: every figure NaN', () => {
    const s = summarize([]);
    for (const v of Object.values(s)) assert.ok(Number.isNaN(v));
  });
});
