// User data on the home volume: files the user already has are never overwritten by the seeding,
// files survive `docker restart` and a new container (an image upgrade) on the same volume, and
// `pip install` as jovyan lands on the volume so the package is still importable afterwards.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  createHomeVolume,
  type Notebook,
  removeVolume,
  runOnce,
  startNotebook,
  testImage,
} from '../../../src/testing/container.ts';
import { describeCell, runCell } from '../../../src/testing/kernel.ts';
import { localWheelScript } from './start-run.ts';

const image = testImage();

/** sha256 of files in the home, read by a throwaway container (the notebook may be stopped). */
async function hashes(volume: string, files: string[]): Promise<Record<string, string>> {
  const r = await runOnce(
    image,
    [
      'bash',
      '-c',
      'cd /mnt/home && for f in "$@"; do printf "%s %s\\n" "$f" "$(base64 -w0 < "$f")"; done',
      'hash',
      ...files,
    ],
    { Binds: [`${volume}:/mnt/home`] },
    '0',
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [f, b64] = line.split(' ');
    out[f!] = createHash('sha256')
      .update(Buffer.from(b64 ?? '', 'base64'))
      .digest('hex');
  }
  return out;
}

describe('general: the home volume keeps user data', () => {
  let volume = '';
  const notebooks: Notebook[] = [];
  // A default the image seeds (/etc/skel/.bashrc) and a nested file in a folder it may create.
  const userFiles: Record<string, Buffer> = {
    '.bashrc': Buffer.concat([Buffer.from('# my own bashrc\nexport KFC_MINE=1\n'), randomBytes(64)]),
    '.profile': Buffer.from('# my own profile, no trailing newline'),
    'work/notes.txt': randomBytes(4096),
  };
  let stagedDefault = '';

  before(async () => {
    volume = await createHomeVolume(image);
    // Pre-populate the volume as the user would have left it, plus a copy of one staged default
    // path (first file under /opt/kfc/home-defaults, if any) holding user content.
    const staged = await runOnce(image, [
      'bash',
      '-c',
      '[ -d /opt/kfc/home-defaults ] && cd /opt/kfc/home-defaults && find . -type f | sort | head -1',
    ]);
    stagedDefault = staged.stdout.trim().replace(/^\.\//, '');
    if (stagedDefault)
      userFiles[stagedDefault] = Buffer.from(`user's own ${stagedDefault}\n${randomBytes(8).toString('hex')}\n`);
    const script = Object.entries(userFiles)
      .map(
        ([f, b]) =>
          `mkdir -p "$(dirname '/mnt/home/${f}')" && echo '${b.toString('base64')}' | base64 -d > '/mnt/home/${f}'`,
      )
      .join(' && ');
    const r = await runOnce(image, ['bash', '-c', script], { Binds: [`${volume}:/mnt/home`] }, '1000:100');
    assert.equal(r.exitCode, 0, r.stderr);
  });

  after(async () => {
    for (const nb of notebooks) await nb.remove({ keepVolume: true });
    if (volume) await removeVolume(volume);
  });

  /** The notebook of the previous step (steps build on each other). */
  const current = (): Notebook => {
    const nb = notebooks.at(-1);
    if (!nb) throw new Error('no notebook: an earlier step failed to start one');
    return nb;
  };

  const expected = () =>
    Object.fromEntries(Object.entries(userFiles).map(([f, b]) => [f, createHash('sha256').update(b).digest('hex')]));

  test('pre-existing files, including ones named like seeded defaults, stay byte-identical', async () => {
    const nb = await startNotebook({ homeVolume: volume });
    notebooks.push(nb);
    console.log(
      `# start-to-ready on a populated home ${nb.readyMs} ms` +
        (stagedDefault ? ` (user copy of staged default ${stagedDefault})` : ''),
    );
    assert.deepEqual(await hashes(volume, Object.keys(userFiles)), expected());
    // The rest of the defaults were still seeded around them.
    const profile = await nb.exec(['test', '-f', '/home/jovyan/.bash_logout']);
    assert.equal(profile.exitCode, 0, 'seeding stopped at the first existing file: ~/.bash_logout is missing');
  });

  test('a file written in the home survives docker restart', async () => {
    const nb = current();
    const w = await nb.exec(['bash', '-c', 'echo "written before restart" > ~/kfc-persist.txt']);
    assert.equal(w.exitCode, 0, w.stderr);
    await nb.restart();
    console.log(`# start-to-ready after docker restart ${nb.readyMs} ms`);
    const r = await nb.exec(['cat', '/home/jovyan/kfc-persist.txt']);
    assert.equal(r.stdout, 'written before restart\n');
    assert.deepEqual(await hashes(volume, Object.keys(userFiles)), expected(), 'a restart changed user files');
  });

  test('pip install of a local package as jovyan succeeds and installs into the home', async () => {
    const nb = current();
    // A hand-made wheel: no index and no build backend needed (the images need not ship setuptools).
    const wheel = localWheelScript('/tmp/kfcprobe', 'kfc-probe-pkg', 'kfc_probe_pkg', 42);
    const setup = `set -euo pipefail\nwheel="$(${wheel})"\npip install --no-index --no-cache-dir "$wheel" 2>&1`;
    const r = await nb.exec(['bash', '-c', setup], { timeoutMs: 120_000 });
    assert.equal(r.exitCode, 0, `pip install failed:\n${r.stdout}\n${r.stderr}`);
    const where = await nb.exec([
      'python',
      '-c',
      'import kfc_probe_pkg; print(kfc_probe_pkg.ANSWER, kfc_probe_pkg.__file__)',
    ]);
    assert.equal(where.exitCode, 0, where.stderr);
    const [answer, file] = where.stdout.trim().split(' ');
    assert.equal(answer, '42');
    assert.ok(file?.startsWith('/home/jovyan/'), `pip installed into ${file}, which is not on the home volume`);
  });

  test('a new container of the image on the same volume keeps the files and the pip package', async () => {
    await current().remove({ keepVolume: true });
    const nb = await startNotebook({ homeVolume: volume });
    notebooks.push(nb);
    console.log(`# start-to-ready of a new container on the same home ${nb.readyMs} ms`);
    const r = await nb.exec(['cat', '/home/jovyan/kfc-persist.txt']);
    assert.equal(r.stdout, 'written before restart\n', r.stderr);
    assert.deepEqual(await hashes(volume, Object.keys(userFiles)), expected(), 'a new container changed user files');
    const imp = await nb.exec([
      'python',
      '-c',
      'import kfc_probe_pkg; print(kfc_probe_pkg.ANSWER, kfc_probe_pkg.__file__)',
    ]);
    assert.equal(imp.exitCode, 0, `the pip-installed package is gone in a new container:\n${imp.stderr}`);
    assert.match(imp.stdout, /^42 \/home\/jovyan\//);
    const list = await nb.exec(['pip', 'list', '--user', '--format=freeze']);
    assert.match(list.stdout, /kfc-probe-pkg==1\.0/i, list.stdout + list.stderr);
    // Where users actually import it: a notebook kernel.
    const cell = await runCell(nb, 'python3', 'import kfc_probe_pkg\nprint(kfc_probe_pkg.ANSWER)');
    assert.equal(cell.stdout.trim(), '42', describeCell(cell));
  });
});
