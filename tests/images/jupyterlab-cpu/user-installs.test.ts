// jupyterlab-cpu: what users install at run time lives on their home volume and outlives the
// container: a `%pip install` of a wheel from a notebook, and a venv of their own registered as a
// Jupyter kernel, both still work after `docker restart` and in a new container on the same volume
// (an image upgrade). The platform's index (KFC_PIP_INDEX_URL) is written into the user's pip and
// uv config without overriding an index the user chose.
// kfc-test: uncached: pip installs ipykernel from the package index over the network

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createHomeVolume,
  type Notebook,
  removeVolume,
  runOnce,
  startNotebook,
  testImage,
} from '../../../src/testing/container.ts';
import { describeCell, JupyterApi, runCell } from '../../../src/testing/kernel.ts';

const image = testImage();
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

// A minimal pure-Python wheel, written by the container's own Python (no index needed).
const MAKE_WHEEL = String.raw`
import base64, hashlib, zipfile
files = {
    "kfc_probe/__init__.py": "VALUE = 42\n",
    "kfc_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: kfc-probe\nVersion: 1.0\n",
    "kfc_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: kfc-test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile("/tmp/kfc_probe-1.0-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append("kfc_probe-1.0.dist-info/RECORD,,")
    z.writestr("kfc_probe-1.0.dist-info/RECORD", "\n".join(record) + "\n")
`;

describe('jupyterlab-cpu: user installs persist on the home volume', () => {
  let volume = '';
  const notebooks: Notebook[] = [];
  const current = (): Notebook => {
    const nb = notebooks.at(-1);
    if (!nb) throw new Error('no notebook: an earlier step failed to start one');
    return nb;
  };
  // The user venv needs ipykernel from the index: containers reach it like users' pods do, through
  // this machine's TLS-inspecting proxy, whose CA bundle is handed in as a read-only file.
  const caBind = existsSync(HOST_CA) ? [`${HOST_CA}:/tmp/kfc-ca.crt:ro`] : [];
  const caEnv: Record<string, string> = caBind.length ? { PIP_CERT: '/tmp/kfc-ca.crt' } : {};

  before(async () => {
    volume = await createHomeVolume(image);
    notebooks.push(await startNotebook({ homeVolume: volume, env: caEnv, hostConfig: { Binds: caBind } }));
  });
  after(async () => {
    for (const nb of notebooks) await nb.remove({ keepVolume: true });
    if (volume) await removeVolume(volume);
  });

  async function assertInstalled(nb: Notebook, when: string): Promise<void> {
    const probe = await runCell(
      nb,
      'python3',
      'import kfc_probe, os\nprint(kfc_probe.VALUE, os.path.dirname(kfc_probe.__file__))',
    );
    assert.equal(
      probe.stdout.trim(),
      '42 /home/jovyan/.local/lib/python3.13/site-packages/kfc_probe',
      `${when}: ${describeCell(probe)}`,
    );
    const specs = await new JupyterApi(nb).json<{ kernelspecs: Record<string, { spec: { display_name: string } }> }>(
      'GET',
      '/api/kernelspecs',
    );
    assert.equal(
      specs.kernelspecs['probe-env']?.spec.display_name,
      'Probe env',
      `${when}: kernels ${Object.keys(specs.kernelspecs).join(', ')}`,
    );
    const venv = await runCell(nb, 'probe-env', 'import sys, kfc_venv_marker\nprint(sys.prefix)');
    assert.equal(venv.stdout.trim(), '/home/jovyan/venvs/probe-env', `${when}: ${describeCell(venv)}`);
  }

  test('%pip install of a wheel lands in ~/.local and imports in the running kernel', async () => {
    const nb = current();
    const made = await nb.exec(['python3', '-c', MAKE_WHEEL]);
    assert.equal(made.exitCode, 0, made.stderr);
    const cell = await runCell(
      nb,
      'python3',
      '%pip install --no-index /tmp/kfc_probe-1.0-py3-none-any.whl\nimport kfc_probe\nprint("value", kfc_probe.VALUE)',
    );
    assert.match(cell.stdout, /value 42/, describeCell(cell));
    const where = await nb.exec(['pip', 'show', '-f', 'kfc-probe']);
    assert.match(
      where.stdout,
      /Location: \/home\/jovyan\/\.local\/lib\/python3\.13\/site-packages/,
      where.stdout + where.stderr,
    );
  });

  test('a user venv with ipykernel from the index is registered as a kernel and runs', async () => {
    const nb = current();
    const script = [
      'set -euo pipefail',
      'python3 -m venv ~/venvs/probe-env',
      '~/venvs/probe-env/bin/pip install --quiet --disable-pip-version-check ipykernel',
      'echo > ~/venvs/probe-env/lib/python3.13/site-packages/kfc_venv_marker.py',
      '~/venvs/probe-env/bin/python -m ipykernel install --user --name probe-env --display-name "Probe env"',
    ].join('\n');
    const r = await nb.exec(['bash', '-c', script], { timeoutMs: 240_000 });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    await assertInstalled(nb, 'same container');
  });

  test('both survive docker restart', async () => {
    const nb = current();
    await nb.restart();
    await assertInstalled(nb, 'after docker restart');
  });

  test('both survive a new container on the same home volume (an image upgrade)', async () => {
    await current().remove({ keepVolume: true });
    notebooks.pop();
    notebooks.push(await startNotebook({ homeVolume: volume }));
    await assertInstalled(current(), 'in a new container');
  });
});

/** The index pip uses, from all its config files (`pip config get` reads only one of them). */
async function pipIndex(nb: Notebook): Promise<string | undefined> {
  const r = await nb.exec(['pip', 'config', 'list']);
  assert.equal(r.exitCode, 0, r.stderr);
  return /^global\.index-url='([^']*)'$/m.exec(r.stdout)?.[1];
}

describe('jupyterlab-cpu: the platform index for user installs (KFC_PIP_INDEX_URL)', () => {
  const MIRROR = 'https://mirror.example.org/pypi/simple';
  const notebooks: Notebook[] = [];
  after(async () => {
    for (const nb of notebooks) await nb.remove();
  });

  test('a fresh home gets the platform index in pip and uv config', async () => {
    const nb = await startNotebook({ env: { KFC_PIP_INDEX_URL: MIRROR } });
    notebooks.push(nb);
    assert.equal(await pipIndex(nb), MIRROR);
    const uv = await nb.exec(['cat', '/home/jovyan/.config/uv/uv.toml']);
    assert.match(uv.stdout, new RegExp(`url = "${MIRROR.replace(/[./]/g, '\\$&')}"`), uv.stderr);
    const env = (await nb.serverProcess()).env;
    assert.equal(env.PIP_INDEX_URL, undefined, "PIP_INDEX_URL would override the user's config");
  });

  test('an index the user chose is kept', async () => {
    const volume = await createHomeVolume(image);
    const mine = 'https://my-own-index.example.net/simple';
    const seed = await runOnce(
      image,
      [
        'bash',
        '-c',
        `mkdir -p /mnt/home/.config/pip && printf '[global]\\nindex-url = ${mine}\\n' > /mnt/home/.config/pip/pip.conf`,
      ],
      { Binds: [`${volume}:/mnt/home`] },
      '1000:100',
    );
    assert.equal(seed.exitCode, 0, seed.stderr);
    const nb = await startNotebook({ homeVolume: volume, env: { KFC_PIP_INDEX_URL: MIRROR } });
    notebooks.push(nb);
    assert.equal(await pipIndex(nb), mine);
    await nb.remove();
    notebooks.pop();
    await removeVolume(volume);
  });
});
