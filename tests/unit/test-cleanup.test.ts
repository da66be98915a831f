/** Which leftovers the test reaper sweeps: only those of dead runs on this host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOST_LABEL, ofDeadRuns, PID_LABEL, RUN_LABEL, runLabels } from '../../src/testing/cleanup.ts';

describe('test cleanup', () => {
  it('labels a run with its id, process and host', () => {
    assert.deepEqual(runLabels('r1', 42, 'box'), {
      'org.kfc.test': '1',
      [RUN_LABEL]: 'r1',
      [PID_LABEL]: '42',
      [HOST_LABEL]: 'box',
    });
  });
  it('sweeps dead runs of this host only, never live ones or unreadable pids', () => {
    const items = [
      { id: 'dead', run: 'a', host: 'box', pid: 10 },
      { id: 'live', run: 'b', host: 'box', pid: 11 },
      { id: 'elsewhere', run: 'c', host: 'other', pid: 10 },
      { id: 'no-pid', run: 'd', host: 'box', pid: Number.NaN },
    ];
    const alive = (pid: number) => pid === 11;
    assert.deepEqual(
      ofDeadRuns(items, 'box', alive).map((i) => i.id),
      ['dead'],
    );
  });
});
