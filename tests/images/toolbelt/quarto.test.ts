// Quarto is an optional vendor artifact (jupyterlab-cpu and its children): an image has it exactly
// when its org.kfc.optional-parts label lists it, and then renders a .qmd to HTML. Where it was not
// fetched (this machine: GitHub is unreachable) the test checks that the image does not pretend.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { imageInspect, type Notebook, startNotebook, testImage } from '../../../src/testing/container.ts';

describe('toolbelt: Quarto (optional vendor part)', () => {
  let nb: Notebook;
  let included = false;
  before(async () => {
    const labels = (await imageInspect(testImage())).Config.Labels ?? {};
    included = (labels['org.kfc.optional-parts'] ?? 'none')
      .split(',')
      .map((s) => s.trim())
      .includes('quarto');
    nb = await startNotebook({ cmd: ['start.sh', 'sleep', 'infinity'], wait: false });
  });
  after(async () => {
    await nb?.remove();
  });

  test('quarto is on PATH exactly when the image lists it as included, and renders a .qmd to HTML', async () => {
    const which = await nb.exec(['bash', '-c', 'command -v quarto'], { user: '1000:100' });
    if (!included) {
      process.stdout.write('quarto: not included in this image (optional vendor artifact not fetched)\n');
      assert.notEqual(which.exitCode, 0, `quarto is at ${which.stdout.trim()} but the image does not list it`);
      return;
    }
    assert.equal(which.exitCode, 0, 'the image lists quarto but it is not on PATH');
    const qmd = '---\\ntitle: \\"Bonjour Quarto\\"\\n---\\n\\n## Section\\n\\nA *rendered* paragraph.\\n';
    const r = await nb.exec(
      [
        'bash',
        '-c',
        `set -euo pipefail; mkdir -p /tmp/q && cd /tmp/q && printf "${qmd}" > hello.qmd && ` +
          'quarto render hello.qmd --to html 1>&2; cat hello.html',
      ],
      { user: '1000:100' },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /Bonjour Quarto/);
    assert.match(r.stdout, /<em>rendered<\/em>/);
  });
});
