// Python locks end to end on a real engine, with tests/fixtures/python-locks (py-root: a venv over
// Debian's python3 with uv + six from its lock; py-child: idna + six from its own lock) and the
// repository's resources/common/kfc-python-install:
//   - kfc lock reproduces the committed locks byte for byte, and kfc check calls them current;
//   - (a) index path: the build reaches the Python index from inside the build container, with the
//     CA bundle secret and the index URL secret (carrying marker credentials);
//   - (b) wheelhouse path: after kfc fetch, the build installs from the wheelhouse only: its index
//     secret is http://127.0.0.1:9/simple, which cannot answer;
//   - in both, neither the CA bundle's nor the index URL's bytes are in `docker save` output, no
//     wheel file is in any layer, and the child's layer does not rewrite the root's six.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import tar from 'tar-stream';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const fixture = join(repoRoot, 'tests/fixtures/python-locks');
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';
const engineUp = await engineAnswers();
const baseUp =
  engineUp && (await execa(DOCKER, ['image', 'inspect', 'kfc/debian:trixie'], { reject: false })).exitCode === 0;
const toolsUp = existsSync(join(process.env.KFC_TOOLS_DIR || '/opt/kfc-tools', 'bin', 'uv'));
const work = mkdtempSync(join(tmpdir(), 'kfc-python-it-'));
const root = join(work, 'repo');
const emptyCache = join(work, 'empty-cache');
const cache = join(work, 'cache');
const run = randomBytes(4).toString('hex');
const repo = 'kfc-it-python';
const refs: string[] = [];
// Markers that must never reach a layer: a line in the CA bundle, credentials in the index URL.
const caMarker = `kfc-it-ca-marker-${randomBytes(8).toString('hex')}`;
const indexUser = `kfcit${randomBytes(6).toString('hex')}`;
const indexPass = `pw${randomBytes(10).toString('hex')}`;
const caFile = join(work, 'ca.pem');

function kfc(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env, PIP_INDEX_URL: '', KFC_PYTHON_INDEX_URL: '', ...env };
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env: base,
  });
}

/** kfc build of py-child as `<label>-<run>` with the CA bundle secret, its log plain. */
function buildChild(label: string, env: Record<string, string>) {
  const tag = `${label}-${run}`;
  const args = ['--repo', repo, '--tag', tag, '--ca-bundle', caFile, '--build-arg', `KFC_IT_RUN=${tag}`];
  return kfc(['build', 'py-child', ...args, '--progress', 'plain'], env);
}

/** Every layer of a saved image: its file names, and the whole archive's bytes for marker searches. */
async function savedImage(ref: string): Promise<{ bytes: Buffer; layers: string[][] }> {
  const file = join(work, `save-${randomBytes(3).toString('hex')}.tar`);
  const s = await execa(DOCKER, ['save', '-o', file, ref], { reject: false, all: true });
  assert.equal(s.exitCode, 0, s.all);
  const bytes = readFileSync(file);
  rmSync(file);
  const entries = async (buf: Buffer, onEntry: (name: string, body: Buffer) => void) => {
    const ex = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (h, stream, next) => {
        const parts: Buffer[] = [];
        stream.on('data', (c: unknown) => parts.push(c as Buffer));
        stream.on('end', () => {
          onEntry(h.name, Buffer.concat(parts));
          next();
        });
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    ex.end(buf);
    await done;
  };
  const layerTars: Buffer[] = [];
  await entries(bytes, (name, body) => {
    if (name.endsWith('/layer.tar') || (name.startsWith('blobs/') && body.subarray(257, 262).toString() === 'ustar'))
      layerTars.push(body);
  });
  const layers: string[][] = [];
  for (const l of layerTars) {
    const names: string[] = [];
    await entries(l, (name) => names.push(name));
    layers.push(names);
  }
  return { bytes, layers };
}

async function checkImage(ref: string): Promise<void> {
  const r = await execa(
    DOCKER,
    [
      'run',
      '--rm',
      '--entrypoint',
      '/opt/conda/bin/python',
      ref,
      '-c',
      'import six, idna, importlib.metadata as m; print(m.version("six"), m.version("idna"), m.version("uv"))',
    ],
    { reject: false, all: true },
  );
  assert.equal(r.exitCode, 0, r.all);
  const pins = (lock: string) =>
    Object.fromEntries(
      [...readFileSync(join(root, 'python', lock), 'utf8').matchAll(/^([a-z0-9-]+)==(\S+)/gm)].map((m) => [m[1], m[2]]),
    );
  const rootPins = pins('py-root.lock');
  const childPins = pins('py-child.lock');
  assert.equal(
    r.stdout.trim(),
    `${rootPins.six} ${childPins.idna} ${rootPins.uv}`,
    'the locked versions are installed',
  );
  const { bytes, layers } = await savedImage(ref);
  assert.ok(layers.length >= 3, `layers found in docker save (${layers.length})`);
  assert.equal(bytes.indexOf(caMarker), -1, 'the CA bundle is in no layer');
  assert.equal(bytes.indexOf(indexUser), -1, 'the index URL (user) is in no layer');
  assert.equal(bytes.indexOf(indexPass), -1, 'the index URL (password) is in no layer');
  // Debian's python3-venv ships ensurepip's pip/setuptools wheels (dpkg files): the only ones allowed.
  const wheels = layers.flat().filter((n) => n.endsWith('.whl') && !n.startsWith('usr/share/python-wheels/'));
  assert.deepEqual(wheels, [], 'no wheel file in any layer');
  // BuildKit leaves the empty mount points themselves; nothing may be under them.
  const mounts = ['var/cache/kfc-uv/', 'run/secrets/', 'mnt/wheelhouse/'];
  assert.deepEqual(
    layers.flat().filter((n) => mounts.some((m) => n.startsWith(m) && n !== m)),
    [],
    'no cache, secret or wheelhouse file in a layer',
  );
  // The child's install layer adds idna and leaves six (installed by the root's layer) alone.
  const childLayer = layers.find((l) => l.some((n) => /site-packages\/idna\/__init__\.py$/.test(n)));
  assert.ok(childLayer, 'a layer installs idna');
  assert.deepEqual(
    childLayer.filter((n) => /site-packages\/six/.test(n)),
    [],
    'the child layer does not rewrite six',
  );
  assert.equal(
    layers.filter((l) => l.some((n) => /site-packages\/six\.py$/.test(n))).length,
    1,
    'six is written by one layer only',
  );
}

const missing = !engineUp
  ? 'no Docker engine answers (run scripts/provision.sh)'
  : !baseUp
    ? 'root base kfc/debian:trixie missing (run kfc base)'
    : !toolsUp
      ? 'host tools missing (run scripts/provision-tools.sh)'
      : false;

// In CI (provisioned, base built first) nothing is skipped: a missing part fails the tests.
describe('python locks: kfc lock, kfc fetch, kfc build from the index and from the wheelhouse', {
  skip: process.env.CI === 'true' ? false : missing,
}, () => {
  before(async () => {
    cpSync(fixture, root, { recursive: true });
    mkdirSync(join(root, 'resources/common'), { recursive: true });
    copyFileSync(
      join(repoRoot, 'resources/common/kfc-python-install'),
      join(root, 'resources/common/kfc-python-install'),
    );
    mkdirSync(emptyCache);
    writeFileSync(caFile, `${existsSync(SYSTEM_CA) ? readFileSync(SYSTEM_CA, 'utf8') : ''}\n# ${caMarker}\n`);
    const g = await kfc(['generate']);
    assert.equal(g.exitCode, 0, g.all);
  });

  after(async () => {
    for (const r of refs) await execa(DOCKER, ['rmi', '-f', r], { reject: false });
    rmSync(work, { recursive: true, force: true });
  });

  test('the committed locks are current, and kfc lock reproduces them byte for byte', async () => {
    const c = await kfc(['check']);
    assert.equal(c.exitCode, 0, c.all);
    const before = readdirSync(join(root, 'python')).map((f) => [f, readFileSync(join(root, 'python', f))] as const);
    const l = await kfc(['lock'], { KFC_CA_BUNDLE: SYSTEM_CA });
    assert.equal(l.exitCode, 0, l.all);
    assert.match(l.all, /python\/py-root\.lock unchanged \(2 packages/);
    assert.match(l.all, /python\/py-child\.lock unchanged \(2 packages/);
    for (const [f, bytes] of before) assert.ok(readFileSync(join(root, 'python', f)).equals(bytes), `${f} unchanged`);
    assert.deepEqual(readdirSync(join(root, 'python')).sort(), before.map(([f]) => f).sort(), 'no temporary file left');
  });

  const refusesTitle =
    'kfc lock refuses a requirement no index has, and an index that does not answer, in one line, writing nothing';
  test(refusesTitle, async () => {
    const inFile = join(root, 'python/py-child.in');
    const lockFile = join(root, 'python/py-child.lock');
    const original = readFileSync(inFile);
    const lock = readFileSync(lockFile);
    try {
      writeFileSync(inFile, 'kfc-no-such-package-on-any-index==1.0\n');
      const bad = await kfc(['lock', 'py-child'], { KFC_CA_BUNDLE: SYSTEM_CA });
      assert.equal(bad.exitCode, 2, bad.all);
      assert.match(
        bad.stderr,
        new RegExp(
          /^kfc: error: python\/py-child\.in: uv could not lock python\/py-child\.in: /.source +
            /.*kfc-no-such-package-on-any-index.* \(fix: fix the requirement/.source,
        ),
      );
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
      writeFileSync(inFile, original);
      const secret = `pw${randomBytes(6).toString('hex')}`;
      const dead = await kfc(['lock', 'py-child', '--upgrade'], {
        KFC_PYTHON_INDEX_URL: `http://kfcuser:${secret}@127.0.0.1:9/simple`,
        // A refused connection is retried 3 times with backoff by default (10 s): once is the same answer.
        UV_HTTP_RETRIES: '0',
      });
      assert.equal(dead.exitCode, 2, dead.all);
      assert.match(dead.stderr, /^kfc: error: python\/py-child\.in: uv could not lock/);
      assert.doesNotMatch(dead.all, new RegExp(secret), 'the index password is never printed');
      assert.ok(readFileSync(lockFile).equals(lock), 'the lock is unchanged');
      assert.deepEqual(
        readdirSync(join(root, 'python')).filter((f) => f.startsWith('.')),
        [],
        'no temporary file left',
      );
    } finally {
      writeFileSync(inFile, original);
    }
  });

  const fromIndexTitle =
    '(a) without a wheelhouse, the build installs from the index inside the build container (CA + index secrets)';
  test(fromIndexTitle, async () => {
    const ref = `${repo}/py-child:a-${run}`;
    refs.push(ref, `${repo}/py-root:a-${run}`);
    const index = `https://${indexUser}:${indexPass}@pypi.org/simple`;
    const b = await buildChild('a', { KFC_ARTIFACT_CACHE: emptyCache, KFC_PYTHON_INDEX_URL: index });
    assert.equal(b.exitCode, 0, b.all);
    assert.match(b.all, /kfc-python-install: installing kfc\.lock from the Python index/);
    assert.doesNotMatch(b.all, /from the wheelhouse/);
    assert.match(b.all, /Python index https:\/\/\*\*\*@pypi\.org\/simple \(secret pip-index-url\)/);
    assert.doesNotMatch(b.all, new RegExp(indexPass), 'the index password is never printed');
    assert.match(b.all, /Installed 1 package/, 'the child installs idna only (six is already there)');
    await checkImage(ref);
  });

  test('(b) after kfc fetch, the build installs from the wheelhouse only (its index cannot answer)', async () => {
    const f = await kfc(['fetch', 'py-child'], { KFC_ARTIFACT_CACHE: cache });
    assert.equal(f.exitCode, 0, f.all);
    assert.match(f.all, /wheels {5}py-child: 3 wheels, [\d.]+ MB \(3 downloaded/);
    const again = await kfc(['fetch', 'py-child'], { KFC_ARTIFACT_CACHE: cache });
    assert.match(again.all, /py-child: 3 wheels, [\d.]+ MB \(0 downloaded, 0\.0 MB; 3 present\)/, 'idempotent');
    const files = readdirSync(join(cache, 'wheels'));
    assert.equal(files.filter((x) => x.endsWith('.whl')).length, 3, files.join(' '));
    assert.deepEqual(
      files.filter((x) => !x.endsWith('.whl')),
      [],
      'no partial or temporary file',
    );

    const ref = `${repo}/py-child:b-${run}`;
    refs.push(ref, `${repo}/py-root:b-${run}`);
    const dead = 'http://127.0.0.1:9/simple';
    const t = await kfc(['list', '--json'], { KFC_ARTIFACT_CACHE: cache, KFC_PYTHON_INDEX_URL: dead });
    const row = (JSON.parse(t.stdout) as { name: string; buildable: { ok: boolean } }[]).find(
      (x) => x.name === 'py-child',
    )!;
    assert.equal(row.buildable.ok, true, 'a complete wheelhouse makes it buildable without an index');
    const noWheels = await kfc(['build', 'py-child', '--repo', repo, '--tag', `b-${run}`], {
      KFC_ARTIFACT_CACHE: emptyCache,
      KFC_PYTHON_INDEX_URL: dead,
    });
    assert.notEqual(noWheels.exitCode, 0);
    assert.match(
      noWheels.all,
      new RegExp(
        /cannot build py-child: the Python index http:\/\/127\.0\.0\.1:9\/simple does not answer from this host /
          .source + /and its wheelhouse in the artifact cache has 0 of 3 wheels/.source,
      ),
    );

    const b = await buildChild('b', { KFC_ARTIFACT_CACHE: cache, KFC_PYTHON_INDEX_URL: dead });
    assert.equal(b.exitCode, 0, b.all);
    assert.match(b.all, /py-child: Python wheelhouse: 3 wheels from the cache/);
    assert.match(b.all, /py-root: Python wheelhouse: 2 wheels from the cache/, 'the parent is built too');
    // py-root's own layer, and py-child's two: py-root's context holds its 2 wheels, py-child's all 3, so
    // the bind mount differs and py-child's copy of the root layer is a step of its own.
    assert.equal(
      (b.all.match(/kfc-python-install: installing kfc\.lock from the wheelhouse \(no index\)/g) ?? []).length,
      3,
      'every layer of both images installed from the wheelhouse',
    );
    assert.doesNotMatch(b.all, /from the Python index/);
    await checkImage(ref);
    assert.deepEqual(readdirSync(join(root, '.kfc', 'contexts')), [], 'the temporary contexts are gone');
  });
});
