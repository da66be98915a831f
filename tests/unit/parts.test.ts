/** needs(): a suite whose part is missing skips locally and fails the run in CI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const parts = resolve(import.meta.dirname, '../../src/testing/parts.ts');
const dir = mkdtempSync(join(tmpdir(), 'kfc-parts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'suite.test.ts');
writeFileSync(
  file,
  `import { describe, it } from 'node:test';
import { needs } from ${JSON.stringify(parts)};
describe('needs a part', { skip: needs('no widget here') }, () => { it('uses it', () => {}); });
`,
);

function run(ci: string | undefined) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT' && k !== 'CI'));
  return spawnSync(process.execPath, ['--import', 'tsx', '--test', file], {
    encoding: 'utf8',
    env: ci ? { ...env, CI: ci } : env,
  });
}

describe('needs()', () => {
  it('skips with the reason outside CI (exit 0)', () => {
    const r = run(undefined);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# SKIP no widget here/);
  });
  it('fails the run in CI, naming the missing part', () => {
    const r = run('true');
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stdout, /required part is missing in CI: no widget here/);
  });
  it('does not skip when nothing is missing', async () => {
    const { needs } = await import('../../src/testing/parts.ts');
    assert.equal(needs(false), false);
  });
});
