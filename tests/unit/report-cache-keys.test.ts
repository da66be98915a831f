// The keys of kfc report's and kfc referee's cached results: every part they were measured from
// changes the key; the same parts give the same key wherever the clone is. Pure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveGates } from '../../src/metrics/gates.ts';
import { keyOf, refereeKeyParts, reportKeyParts } from '../../src/report/cache-keys.ts';

const gates = effectiveGates('a', { minEfficiency: 0.99 }, undefined);
const report = {
  imageId: 'sha256:image',
  ancestorIds: ['sha256:root', 'sha256:parent'],
  baseId: 'sha256:base',
  node: { bits: ['x'] },
  gates,
  starts: 5,
  startTimeoutMs: 60000,
  manifests: true,
  code: 'code',
  engine: '20.10.24',
};

test('report key: the image, its ancestors, base, node, gates, starts, manifests, code and engine each count', () => {
  const k = keyOf(reportKeyParts(report));
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(keyOf(reportKeyParts({ ...report })), k, 'stable');
  const changed = [
    { imageId: 'sha256:other' },
    { ancestorIds: ['sha256:root', 'sha256:rebuilt'] },
    { ancestorIds: ['sha256:root', 'absent'] },
    { baseId: 'absent' },
    { node: { bits: ['x', 'y'] } },
    { gates: effectiveGates('a', { minEfficiency: 0.98 }, undefined) },
    { starts: 3 },
    { startTimeoutMs: 1000 },
    { manifests: false },
    { code: 'code-2' },
    { engine: '27.0.0' },
  ];
  const keys = changed.map((c) => keyOf(reportKeyParts({ ...report, ...c })));
  assert.equal(new Set([k, ...keys]).size, changed.length + 1, 'each change is a new key');
});

test('referee key: the image, code, dive and its rules, Trivy, its DB, the gate and the allowlist each count', () => {
  const trivy = {
    version: 'Version: 0.74.0',
    db: '{"Version":2}; trivy.db 1 bytes',
    gate: { max: { CRITICAL: 0 }, ignoreUnfixed: true },
    ignoreFile: 'sha-a',
    ignored: ['CVE-1'],
  };
  const base = {
    imageId: 'sha256:image',
    code: 'code',
    dive: { version: 'dive 0.13.1', config: 'sha-dive', minEfficiency: 0.99 },
    trivy,
  };
  const k = keyOf(refereeKeyParts(base));
  const changed = [
    { imageId: 'sha256:other' },
    { code: 'code-2' },
    { dive: undefined },
    { dive: { ...base.dive, version: 'dive 0.14.0' } },
    { dive: { ...base.dive, config: 'sha-dive-2' } },
    { dive: { ...base.dive, minEfficiency: 0.9 } },
    { trivy: undefined },
    { trivy: { ...trivy, version: 'Version: 0.75.0' } },
    { trivy: { ...trivy, db: 'off' } },
    { trivy: { ...trivy, db: '{"Version":2}; trivy.db 2 bytes' } },
    { trivy: { ...trivy, javaDb: 'java' } },
    { trivy: { ...trivy, gate: { max: { CRITICAL: 0 }, ignoreUnfixed: false } } },
    { trivy: { ...trivy, ignoreFile: 'sha-b' } },
    // The same file on the day an entry expires: it no longer suppresses, so the verdict may change.
    { trivy: { ...trivy, ignored: [] } },
  ];
  const keys = changed.map((c) => keyOf(refereeKeyParts({ ...base, ...c })));
  assert.equal(new Set([k, ...keys]).size, changed.length + 1, 'each change is a new key');
});
