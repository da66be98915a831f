/** poll(): the one waiting loop. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poll } from '../../src/engine/poll.ts';

describe('poll', () => {
  it('returns the first value an attempt gives', async () => {
    let n = 0;
    const v = await poll(async () => (++n === 3 ? 'ready' : undefined), { timeoutMs: 5000, intervalMs: 1 });
    assert.equal(v, 'ready');
    assert.equal(n, 3);
  });
  it('gives undefined after the timeout, and stops early when told', async () => {
    assert.equal(await poll(async () => undefined, { timeoutMs: 30, intervalMs: 5 }), undefined);
    let n = 0;
    await poll(async () => void n++, { timeoutMs: 5000, intervalMs: 1, stop: () => n >= 2 });
    assert.equal(n, 2);
  });
  it('ends the wait when an attempt throws', async () => {
    await assert.rejects(
      poll(
        async () => {
          throw new Error('container exited');
        },
        { timeoutMs: 5000, intervalMs: 1 },
      ),
      /container exited/,
    );
  });
});
