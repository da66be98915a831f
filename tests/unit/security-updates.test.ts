// Pending Debian updates: apt's listing read, the gate with allow entries, and the lines shown (pure).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  judgeSecurityUpdates,
  parseUpgradable,
  securityUpdatesProblems,
  securityUpdatesText,
} from '../../src/referees/upgradable.ts';

// apt list --upgradable in jupyterlab-cpu:ci (main at 9aedfd1) with trixie-updates/-security added, abridged.
const LISTING = `Listing...
libssl3t64/stable-security 3.5.10-1~deb13u1 amd64 [upgradable from: 3.5.9-1~deb13u1]
linux-libc-dev/stable-security 6.12.118-1 amd64 [upgradable from: 6.12.117-1]
login.defs/stable-security 1:4.17.4-2+deb13u1 all [upgradable from: 1:4.17.4-2]
tzdata/stable-updates,stable 2026b-0+deb13u1 all [upgradable from: 2026a-0+deb13u1]
libfoo1/stable 2.0-1 amd64 [upgradable from: 1.0-1]
`;
const opts = { today: '2026-12-06', ci: false, seconds: 1, measuredAt: '2026-12-06T12:00:00Z' };

test('parseUpgradable reads package, archives, versions and arch; skips other lines', () => {
  const u = parseUpgradable(LISTING);
  assert.equal(u.length, 5);
  assert.deepEqual(u[0], {
    package: 'libssl3t64',
    archives: ['stable-security'],
    candidate: '3.5.10-1~deb13u1',
    arch: 'amd64',
    installed: '3.5.9-1~deb13u1',
  });
  assert.deepEqual(u[3]!.archives, ['stable-updates', 'stable']);
  assert.deepEqual(parseUpgradable('Listing...\nWARNING: apt does not have a stable CLI interface.\n'), []);
});

test('the gate counts -security and -updates candidates only, and fails above max', () => {
  const r = judgeSecurityUpdates(parseUpgradable(LISTING), { max: 0, allow: [] }, opts);
  assert.deepEqual(
    r.pending.map((p) => p.package),
    ['libssl3t64', 'linux-libc-dev', 'login.defs', 'tzdata'],
    'libfoo1 (main suite only) is not a security or point-release update',
  );
  assert.equal(r.count, 4);
  assert.equal(r.pass, false);
  assert.match(
    securityUpdatesText(r),
    /^4 pending: libssl3t64 3\.5\.9-1~deb13u1 → 3\.5\.10-1~deb13u1, .* \(max 0\) FAIL$/,
  );
  assert.deepEqual(securityUpdatesProblems(r).length, 1);
  assert.equal(judgeSecurityUpdates(parseUpgradable(LISTING), { max: 4, allow: [] }, opts).pass, true);
});

test('an unexpired allow entry does not count; an expired one counts again and is named', () => {
  const allow = [
    { package: 'linux-libc-dev', reason: 'headers only, no kernel in an image', expires: '2026-12-31' },
    { package: 'tzdata', reason: 'old exception', expires: '2026-12-01' },
  ];
  const r = judgeSecurityUpdates(parseUpgradable(LISTING), { max: 2, allow }, opts);
  assert.deepEqual(
    r.allowed.map((a) => a.package),
    ['linux-libc-dev'],
  );
  assert.deepEqual(r.expired, [{ package: 'tzdata', expires: '2026-12-01' }]);
  assert.equal(r.count, 3);
  assert.equal(r.pass, false);
  assert.match(
    securityUpdatesText(r),
    /1 allowed until 2026-12-31; allow entry tzdata expired 2026-12-01 \(max 2\) FAIL/,
  );
});

test('not run: a note that passes outside CI and fails under CI', () => {
  const here = judgeSecurityUpdates({ notRun: 'archive unreachable' }, { max: 0, allow: [] }, opts);
  assert.equal(here.pass, true);
  assert.equal(securityUpdatesText(here), 'not run: archive unreachable');
  assert.deepEqual(securityUpdatesProblems(here), []);
  const ci = judgeSecurityUpdates({ notRun: 'archive unreachable' }, { max: 0, allow: [] }, { ...opts, ci: true });
  assert.equal(ci.pass, false);
  assert.deepEqual(securityUpdatesProblems(ci), [
    'security updates: not run: archive unreachable (fails under CI=true)',
  ]);
});

test('nothing pending passes', () => {
  const r = judgeSecurityUpdates(parseUpgradable('Listing...\n'), { max: 0, allow: [] }, opts);
  assert.equal(securityUpdatesText(r), '0 pending (max 0) pass');
});
