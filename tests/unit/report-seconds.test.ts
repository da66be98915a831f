// The end of kfc report's output: seconds per image and part, and one line per image saying whether
// it was saved and measured or served from the result cache (scripts/test.mjs reads these on stdout).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RefereeImage } from '../../src/referees/model.ts';
import type { ImageReport } from '../../src/report/model.ts';
import { outcomeLines, secondsTable } from '../../src/report/seconds.ts';

const hit = { key: 'a'.repeat(64), storedAt: '2026-12-06T12:00:00.000Z' };
const image = (name: string, extra: Partial<ImageReport>) => ({ name, ...extra }) as ImageReport;
const referee = (name: string, extra: Partial<RefereeImage>) =>
  ({ name, seconds: { save: 3, kfc: 1 }, ...extra }) as RefereeImage;

test('secondsTable: one row per image, "-" for a part that did not run, the cached parts named', () => {
  const t = secondsTable([
    image('a', { seconds: { save: 12.3, kfc: 4, manifests: 2, starts: 30, dive: 5, trivy: 60, total: 113.3 } }),
    image('b', { seconds: { save: 0, kfc: 0, total: 0.1, cached: ['report', 'referees'] } }),
    image('old', {}),
  ]).split('\n');
  assert.equal(t.length, 4, 'header, rule, two rows (no seconds: no row)');
  assert.equal(t[2], '| a | 12.3 | 4.0 | 2.0 | 30.0 | 5.0 | 60.0 | 113.3 | - |');
  assert.equal(t[3], '| b | 0.0 | 0.0 | - | - | - | - | 0.1 | report, referees |');
});

test('outcomeLines: cached (key, stored) or saved, per image and part, in the progress lines’ words', () => {
  const images = [
    image('a', { seconds: { save: 9, kfc: 1, total: 20 } }),
    image('b', { cached: hit, seconds: { save: 0, kfc: 0, total: 0 } }),
  ];
  assert.deepEqual(outcomeLines('kfc report', images, [referee('a', {}), referee('b', { cached: hit })]), [
    'kfc report: a: saved and measured in 20.0 s',
    'kfc report: a: referees judged the same saved archive',
    `kfc report: b: cached (key aaaaaaaaaaaa, stored ${hit.storedAt})`,
    `kfc report: b: referees cached (key aaaaaaaaaaaa, stored ${hit.storedAt})`,
  ]);
  assert.deepEqual(outcomeLines('kfc referee', [], [referee('a', {}), referee('b', { cached: hit })]), [
    'kfc referee: a: saved and judged (save 3 s)',
    `kfc referee: b: cached (key aaaaaaaaaaaa, stored ${hit.storedAt})`,
  ]);
});
