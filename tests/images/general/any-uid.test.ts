// Any user id (OpenShift's restricted policy, Kubeflow issue 7622): an arbitrary uid in group 0
// (with the volume's fsGroup 100 as a supplementary group) or in group 100, no /etc/passwd entry,
// a read-only image apart from the home volume and /tmp. Server, kernels and installs in the home work.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { describeCell, JupyterApi, runCell } from '../../../src/testing/kernel.ts';
import { errors, localWheelScript } from './start-run.ts';

const readOnly = { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m' } };

/** A local package pip can install without an index (and without network or a build backend). */
const PIP_LOCAL =
  `set -euo pipefail\nwheel="$(${localWheelScript('/tmp/kfcuid', 'kfc-uid-pkg', 'kfc_uid_pkg', 7)})"\n` +
  `pip install --no-index --no-cache-dir "$wheel" 2>&1`;

for (const [label, user, groupAdd] of [
  ['uid 123456 in group 0 (+ fsGroup 100)', '123456:0', ['100']],
  ['uid 123457 in group 100', '123457:100', []],
] as const) {
  describe(`general: any user id — ${label}, read-only image`, () => {
    let nb: Notebook;
    const uid = Number(user.split(':')[0]);
    before(async () => {
      nb = await startNotebook({ user, hostConfig: { ...readOnly, GroupAdd: [...groupAdd] } });
      console.log(`# start-to-ready as ${user}, read-only: ${nb.readyMs} ms`);
    });
    after(async () => {
      await nb?.remove();
    });

    test('the server runs as that uid and its log has no ERROR lines', async () => {
      const server = await nb.serverProcess();
      assert.equal(server.uid, uid);
      assert.equal(server.env.HOME, '/home/jovyan');
      const lines = (await nb.logs()).split('\n');
      assert.deepEqual(errors(lines), []);
      assert.ok(!lines.some((l) => /Traceback/.test(l)), lines.join('\n'));
    });

    test('a kernel runs and writes in the home', async () => {
      const cell = await runCell(
        nb,
        'python3',
        'import os, pathlib\np = pathlib.Path.home() / "uid-probe.txt"\np.write_text("ok")\n' +
          'print(os.getuid(), p.read_text())',
      );
      assert.equal(cell.stdout.trim(), `${uid} ok`, describeCell(cell));
    });

    test('notebooks save in the home', async () => {
      const api = new JupyterApi(nb);
      const r = await api.request('PUT', '/api/contents/uid.ipynb', {
        type: 'notebook',
        format: 'json',
        content: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] },
      });
      assert.equal(r.status, 201, r.text);
    });

    test('pip install --user lands in the home and imports', async () => {
      const r = await nb.exec(['bash', '-c', PIP_LOCAL], { timeoutMs: 120_000 });
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
      const imp = await nb.exec([
        'python',
        '-c',
        'import kfc_uid_pkg; print(kfc_uid_pkg.ANSWER, kfc_uid_pkg.__file__)',
      ]);
      assert.match(imp.stdout, /^7 \/home\/jovyan\/\.local\//, imp.stdout + imp.stderr);
    });

    test('the image itself is read-only: nothing outside the home and /tmp was needed', async () => {
      const r = await nb.exec(['bash', '-c', 'touch /opt/conda/kfc-probe 2>&1; touch /etc/kfc-probe 2>&1; true']);
      assert.match(r.stdout, /Read-only file system/);
    });
  });
}
