// rstudio (built only where the RStudio Server .deb is in the artifact cache): RStudio under
// NB_PREFIX without a login, 404 outside, as jovyan, R packages to the home library.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';

let nb: Notebook;
before(async () => {
  nb = await startNotebook({ timeoutMs: 120_000 });
});
after(async () => {
  await nb?.remove();
});

test('/healthy answers, RStudio is served under the prefix without a login page', async () => {
  assert.equal((await nb.getRaw('/healthy')).status, 200);
  const r = await nb.get('/');
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.match(r.text, /RStudio/);
  assert.doesNotMatch(r.text, /auth-sign-in|Sign in to RStudio/);
});

test('answers 404 outside the prefix', async () => {
  assert.equal((await nb.getRaw('/')).status, 404);
  assert.equal((await nb.getRaw('/notebook/other/nb/')).status, 404);
});

test('rserver runs as jovyan with the hardened settings', async () => {
  const procs = await nb.processes();
  const rserver = procs.find((p) => p.args.includes('rserver'));
  assert.ok(rserver, procs.map((p) => p.args).join('\n'));
  assert.equal(rserver.uid, 1000);
  const conf = await nb.exec(['cat', '/etc/rstudio/rserver.conf', '/etc/rstudio/rsession.conf']);
  for (const line of [
    'www-frame-origin=same',
    'www-enable-origin-check=1',
    'www-same-site=lax',
    'restrict-directory-view=1',
  ])
    assert.ok(conf.stdout.includes(line), line);
});

test('R packages a user installs go to the home library', async () => {
  const r = await nb.exec(['Rscript', '-e', 'cat(.libPaths()[1])'], { user: '1000:100' });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\/home\/jovyan\/R\//);
});
