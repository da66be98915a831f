// A user's home survives an image upgrade. Version 1 is the image under test; version 2 is built
// from it with changed defaults (a new /etc/skel/.bashrc, a new seeded file, a new label), the way a
// release changes a bit. On v1 the user saves a notebook, pip-installs a package, installs an R
// package in the user library, registers a venv as a kernel, changes a JupyterLab setting; then v2
// starts on the same volume: nothing lost or overwritten, everything imports / loads / is listed,
// and what cannot carry over (a ~/.local/lib of another Python) is named in the start log.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { unlessDeclared } from '../../../src/testing/capabilities.ts';
import {
  createHomeVolume,
  imageInspect,
  type Notebook,
  randomPrefix,
  removeImage,
  removeVolume,
  runOnce,
  startNotebook,
  testImage,
} from '../../../src/testing/container.ts';
import { DOCKER } from '../../../src/testing/engine-check.ts';
import { describeCell, JupyterApi, runCell } from '../../../src/testing/kernel.ts';
import { localWheelScript } from './start-run.ts';

const _run = promisify(execFile);
const image = testImage();

async function buildV2(): Promise<string> {
  const tag = `kfc-test-upgrade:${randomBytes(4).toString('hex')}`;
  const dockerfile = [
    `FROM ${image}`,
    'USER root',
    "RUN printf '%s\\n' '# v2 of the default .bashrc' > /etc/skel/.bashrc && \\",
    "    install -d /opt/kfc/home-defaults && printf 'new in v2\\n' > /opt/kfc/home-defaults/.kfc-upgrade-v2",
    'LABEL org.kfc.test.upgrade=v2',
    'USER 1000',
  ].join('\n');
  const ctx = await mkdtemp(join(tmpdir(), 'kfc-upgrade-'));
  try {
    const child = execFile(DOCKER, ['build', '-q', '-t', tag, '-f', '-', ctx], {
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    child.stdin!.end(dockerfile);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`docker build of v2 failed (${code}): ${err}`)),
      );
    });
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  return tag;
}

/** path → sha256 of every file in the home volume (read by a throwaway root container). */
async function homeHashes(volume: string): Promise<Map<string, string>> {
  const r = await runOnce(
    image,
    ['bash', '-c', 'cd /mnt/home && find . -type f -print0 | sort -z | xargs -0 -r sha256sum'],
    { Binds: [`${volume}:/mnt/home`] },
    '0',
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [hash, path] = [line.slice(0, 64), line.slice(66)];
    m.set(path.replace(/^\.\//, ''), hash);
  }
  return m;
}

const USER_SETUP = String.raw`
set -euo pipefail
cd /tmp
# 1. pip install --user of a local package (no index, no build backend needed).
wheel="$(${localWheelScript('/tmp/kfcup', 'kfc-upgrade-pkg', 'kfc_upgrade_pkg', 11)})"
pip install --no-index --no-cache-dir "$wheel" > /tmp/pip.log 2>&1 || { cat /tmp/pip.log; exit 1; }
# 2. a venv registered as a kernel; it sees the image's packages through a .pth (ipykernel).
purelib="$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
python -m venv --without-pip --system-site-packages ~/venvs/myenv
venv_site="$(~/venvs/myenv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
echo "$purelib" > "$venv_site/kfc-image.pth"
~/venvs/myenv/bin/python -m ipykernel install --user --name myenv --display-name "My venv" > /dev/null
# 3. user packages of an older Python (what an upgrade across Python versions leaves behind).
mkdir -p ~/.local/lib/python3.9/site-packages/oldpkg && touch ~/.local/lib/python3.9/site-packages/oldpkg/__init__.py
# 4. the user's own .bashrc (v2 changes the default one).
echo '# my own bashrc' >> ~/.bashrc
# 5. an R package in the user library, when the image has R.
if command -v Rscript > /dev/null; then
  mkdir -p kfcR/R
  printf '%s\n' 'Package: kfcUpgrade' 'Version: 1.0' 'Title: Probe' 'Description: Probe.' 'License: MIT' \
    'Authors@R: person("K", "F", email = "k@example.org", role = c("aut", "cre"))' > kfcR/DESCRIPTION
  echo 'export(kfc_answer)' > kfcR/NAMESPACE
  echo 'kfc_answer <- function() 12' > kfcR/R/a.R
  Rscript -e 'install.packages("/tmp/kfcR", repos = NULL, type = "source", quiet = TRUE)' \
    -e 'cat(find.package("kfcUpgrade"), "\n")'
fi
`;

describe('general: the home survives an image upgrade', () => {
  let v2 = '';
  let volume = '';
  let nb1: Notebook | undefined;
  let nb2: Notebook | undefined;
  let hasR = false;
  let before1 = new Map<string, string>();
  let after2 = new Map<string, string>();
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'markdown', id: 'u1', metadata: {}, source: 'my analysis' }],
  };
  const theme = '{ "theme": "JupyterLab Dark" }';

  before(async () => {
    const t0 = Date.now();
    v2 = await buildV2();
    console.log(`# upgrade: v2 image built in ${Date.now() - t0} ms`);
    volume = await createHomeVolume(image);
    // The same notebook server (same NB_PREFIX, so the same namespace) upgraded to v2.
    const prefix = randomPrefix();
    nb1 = await startNotebook({ homeVolume: volume, prefix });
    const api = new JupyterApi(nb1);
    assert.equal(
      (
        await api.request('PUT', '/api/contents/analysis.ipynb', {
          type: 'notebook',
          format: 'json',
          content: notebook,
        })
      ).status,
      201,
    );
    const setting = await api.request('PUT', '/lab/api/settings/@jupyterlab/apputils-extension:themes', { raw: theme });
    assert.equal(setting.status, 204, setting.text);
    const setup = await nb1.exec(['bash', '-c', USER_SETUP], { timeoutMs: 240_000 });
    assert.equal(setup.exitCode, 0, `user setup on v1 failed:\n${setup.stdout}\n${setup.stderr}`);
    hasR = /kfcUpgrade/.test(setup.stdout);
    await nb1.container.stop({ t: 10 });
    before1 = await homeHashes(volume);
    await nb1.remove({ keepVolume: true });
    nb1 = undefined;
    nb2 = await startNotebook({ image: v2, homeVolume: volume, prefix });
    after2 = await homeHashes(volume);
  });
  after(async () => {
    await nb1?.remove({ keepVolume: true });
    await nb2?.remove({ keepVolume: true });
    if (volume) await removeVolume(volume);
    if (v2) await removeImage(v2);
  });

  test('v2 is another image (its label), on the same home', async () => {
    const info = await imageInspect(v2);
    assert.equal(info.Config.Labels?.['org.kfc.test.upgrade'], 'v2');
  });

  test('no file of the home was lost or changed by the v2 start; new defaults were added', async () => {
    const changed = [...before1]
      .filter(([p, h]) => after2.get(p) !== h)
      .map(([p]) => `${p}${after2.has(p) ? ' (changed)' : ' (lost)'}`);
    assert.deepEqual(changed, []);
    const added = [...after2.keys()].filter((p) => !before1.has(p));
    console.log(`# upgrade: ${before1.size} files kept, added by v2: ${added.join(', ') || 'none'}`);
    assert.ok(added.includes('.kfc-upgrade-v2'), `v2's new default was not seeded: ${added.join(', ')}`);
    const bashrc = await nb2!.exec(['cat', '/home/jovyan/.bashrc']);
    assert.match(bashrc.stdout, /# my own bashrc/);
    assert.doesNotMatch(bashrc.stdout, /v2 of the default/);
  });

  test('the notebook and the JupyterLab setting are there', async () => {
    const api = new JupyterApi(nb2!);
    const nbk = await api.json<{ content: { cells: Array<{ source: string }> } }>(
      'GET',
      '/api/contents/analysis.ipynb',
    );
    assert.equal(nbk.content.cells[0]?.source, 'my analysis');
    const s = await api.json<{ raw: string; settings: { theme?: string } }>(
      'GET',
      '/lab/api/settings/@jupyterlab/apputils-extension:themes',
    );
    assert.equal(s.settings.theme, 'JupyterLab Dark', s.raw);
  });

  test('the pip --user package imports in a kernel', async () => {
    const cell = await runCell(nb2!, 'python3', 'import kfc_upgrade_pkg\nprint(kfc_upgrade_pkg.ANSWER)');
    assert.equal(cell.stdout.trim(), '11', describeCell(cell));
  });

  test('the user venv is listed as a kernel and runs in the venv', async () => {
    const specs = await new JupyterApi(nb2!).json<{ kernelspecs: Record<string, { spec: { display_name: string } }> }>(
      'GET',
      '/api/kernelspecs',
    );
    assert.equal(specs.kernelspecs.myenv?.spec.display_name, 'My venv', Object.keys(specs.kernelspecs).join(', '));
    const cell = await runCell(nb2!, 'myenv', 'import sys\nprint(sys.prefix)');
    assert.equal(cell.stdout.trim(), '/home/jovyan/venvs/myenv', describeCell(cell));
  });

  // images.yaml declares R (test.capabilities: r): declared and missing fails.
  test('the R package in the user library loads', { skip: unlessDeclared('r') }, async () => {
    assert.ok(hasR, 'the user setup did not install the R package (no kfcUpgrade in its output)');
    const r = await nb2!.exec(['Rscript', '-e', 'library(kfcUpgrade); cat(kfc_answer())']);
    assert.equal(r.stdout.trim(), '12', r.stderr);
  });

  test('packages of another Python in ~/.local are named in the start log, with the fix', async () => {
    const logs = await nb2!.logs();
    assert.match(logs, /~\/\.local\/lib\/python3\.9 were installed for python3\.9.*reinstall them/s, logs);
  });
});
