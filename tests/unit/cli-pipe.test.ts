// The real kfc (bin/kfc.js) writing into a pipe whose reader is gone, as in `kfc list | head -1`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const repoRoot = new URL('../..', import.meta.url).pathname;

test('a reader that stops early: kfc ends quietly (no stack trace, exit 0)', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', repoRoot, 'list', '--offline'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // The reader is gone before kfc writes its first line (kfc takes a few hundred ms to start): every write fails.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '', stderr);
  assert.equal(code, 0);
});
