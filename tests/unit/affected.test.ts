import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { affectedSince, type Change, computeAffected, parseNameStatusZ } from '../../src/affected/affected.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { KfcError } from '../../src/errors.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/publish');
const ALL_PUBLISHED = ['jupyterlab-cpu', 'jupyterlab-pytorch', 'codeserver', 'rstudio'];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'kfc test',
      GIT_AUTHOR_EMAIL: 'kfc-test@example.invalid',
      GIT_COMMITTER_NAME: 'kfc test',
      GIT_COMMITTER_EMAIL: 'kfc-test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
    },
  });
}

/** A scratch git repository holding a copy of the fixture catalog, one commit, tagged `base`. */
function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfc-affected-'));
  cpSync(FIXTURE, dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'tag', 'base');
  return dir;
}

async function affected(dir: string, since = 'base') {
  return affectedSince(loadCatalog(dir, { readFiles: false }), since);
}

function edit(dir: string, rel: string, f: (s: string) => string) {
  const p = join(dir, rel);
  writeFileSync(p, f(readFileSync(p, 'utf8')));
}

describe('kfc affected on a scratch git repository', () => {
  let dir: string;
  const dirs: string[] = [];
  const fresh = () => {
    dir = scratchRepo();
    dirs.push(dir);
    return dir;
  };
  before(() => fresh());
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('no change affects nothing', async () => {
    const r = await affected(fresh());
    assert.deepEqual(r.images, []);
    assert.deepEqual(r.matrix, { include: [] });
    assert.equal(r.all, false);
  });

  test('a changed bit marks its owner and every descendant, parents first', async () => {
    const d = fresh();
    edit(d, 'docker-bits/jupyterlab.Dockerfile', (s) => s + 'RUN echo more\n');
    git(d, 'commit', '-qam', 'bit');
    const r = await affected(d);
    assert.deepEqual(r.images, ['jupyterlab-cpu', 'jupyterlab-pytorch']);
    assert.deepEqual(r.matrix.include, [
      { image: 'jupyterlab-cpu', parent: 'foundation', chain: 'foundation jupyterlab-cpu' },
      { image: 'jupyterlab-pytorch', parent: 'jupyterlab-cpu', chain: 'foundation jupyterlab-cpu jupyterlab-pytorch' },
    ]);
    assert.match(r.reasons['jupyterlab-cpu']![0]!, /docker-bits\/jupyterlab\.Dockerfile changed/);
    assert.deepEqual(r.reasons['jupyterlab-pytorch'], ['parent jupyterlab-cpu is affected']);
  });

  test('uncommitted changes in the working tree count too', async () => {
    const d = fresh();
    edit(d, 'docker-bits/pytorch.Dockerfile', (s) => s + 'RUN echo wip\n');
    const r = await affected(d);
    assert.deepEqual(r.images, ['jupyterlab-pytorch']);
  });

  test('a resource file of an internal parent marks the whole family; the internal stage is listed apart', async () => {
    const d = fresh();
    edit(d, 'resources/common/start.sh', (s) => s + '# tweak\n');
    git(d, 'commit', '-qam', 'resource');
    const r = await affected(d);
    assert.deepEqual(r.images, ALL_PUBLISHED);
    assert.deepEqual(r.internal, ['foundation']);
    assert.equal(r.all, false, 'all means "marked for a global reason", not "happens to be everything"');
  });

  test('an untracked new resource file is seen', async () => {
    const d = fresh();
    writeFileSync(join(d, 'resources/rstudio/new.conf'), 'x=1\n');
    const r = await affected(d);
    assert.deepEqual(r.images, ['rstudio']);
    assert.match(r.reasons.rstudio![0]!, /resources\/rstudio\/new\.conf added/);
  });

  test('a catalog field change marks only that image; a comment-only edit marks nothing', async () => {
    const d = fresh();
    edit(d, 'images.yaml', (s) => s.replace('    gpu: true\n', '    gpu: true\n    args: { TORCH_FLAVOUR: cuda }\n'));
    git(d, 'commit', '-qam', 'field');
    const r = await affected(d);
    assert.deepEqual(r.images, ['jupyterlab-pytorch']);
    assert.match(r.reasons['jupyterlab-pytorch']![0]!, /images\.jupyterlab-pytorch changed \(args\)/);

    const d2 = fresh();
    edit(d2, 'images.yaml', (s) => s.replace('images:\n', '# a comment\nimages:   \n'));
    git(d2, 'commit', '-qam', 'comment');
    assert.deepEqual((await affected(d2)).images, []);
  });

  test('a change to a parent entry marks the descendants', async () => {
    const d = fresh();
    edit(d, 'images.yaml', (s) => s.replace('      LAB_CHANNEL: stable', '      LAB_CHANNEL: beta'));
    git(d, 'commit', '-qam', 'parent field');
    assert.deepEqual((await affected(d)).images, ['jupyterlab-cpu', 'jupyterlab-pytorch']);
  });

  test('a base change marks the roots built on it, so everything', async () => {
    const d = fresh();
    edit(d, 'images.yaml', (s) =>
      s.replace('    suite: trixie\n', '    suite: trixie\n    snapshot: 20250520T000000Z\n'),
    );
    git(d, 'commit', '-qam', 'base');
    const r = await affected(d);
    assert.deepEqual(r.images, ALL_PUBLISHED);
    assert.match(r.reasons.foundation![0]!, /bases\.trixie changed/);
  });

  test('a renamed bit marks the image that now lists it (old and new paths both considered)', async () => {
    const d = fresh();
    git(d, 'mv', 'docker-bits/codeserver.Dockerfile', 'docker-bits/vscode.Dockerfile');
    edit(d, 'images.yaml', (s) => s.replace('bits: [codeserver]', 'bits: [vscode]'));
    git(d, 'commit', '-qam', 'rename');
    const diff = git(d, 'diff', '--name-status', '-M', '-z', 'base');
    assert.ok(
      parseNameStatusZ(diff).some((c) => c.status === 'R' && c.oldPath === 'docker-bits/codeserver.Dockerfile'),
      'git sees a rename',
    );
    const r = await affected(d);
    assert.deepEqual(r.images, ['codeserver']);
    assert.ok(r.reasons.codeserver!.some((x) => /renamed from docker-bits\/codeserver\.Dockerfile/.test(x)));
  });

  test('a renamed resource set folder marks its users', async () => {
    const d = fresh();
    git(d, 'mv', 'resources/rstudio', 'resources/rserver');
    edit(d, 'images.yaml', (s) => s.replace('context: [rstudio]', 'context: [rserver]'));
    edit(d, 'docker-bits/rstudio.Dockerfile', (s) => s.replace('COPY rstudio/', 'COPY rserver/'));
    git(d, 'commit', '-qam', 'rename set');
    assert.deepEqual((await affected(d)).images, ['rstudio']);
  });

  test('a deleted resource file and a deleted bit mark their (former) users', async () => {
    const d = fresh();
    writeFileSync(join(d, 'resources/lab/extra.json'), '{}\n');
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'extra');
    git(d, 'tag', 'with-extra');
    unlinkSync(join(d, 'resources/lab/extra.json'));
    git(d, 'commit', '-qam', 'delete resource');
    const r = await affected(d, 'with-extra');
    assert.deepEqual(r.images, ['jupyterlab-cpu', 'jupyterlab-pytorch']);
    assert.match(r.reasons['jupyterlab-cpu']![0]!, /resources\/lab\/extra\.json deleted/);

    const d2 = fresh();
    git(d2, 'rm', '-q', 'docker-bits/pytorch.Dockerfile');
    edit(d2, 'images.yaml', (s) => s.replace('    bits: [pytorch]\n', ''));
    git(d2, 'commit', '-qam', 'delete bit');
    const r2 = await affected(d2);
    assert.deepEqual(r2.images, ['jupyterlab-pytorch']);
    assert.ok(r2.reasons['jupyterlab-pytorch']!.some((x) => /changed \(bits\)/.test(x)));
  });

  test('a removed image is reported as removed, a new one is affected', async () => {
    const d = fresh();
    edit(d, 'images.yaml', (s) =>
      s.replace(
        / {2}codeserver:\n( {4}.*\n)+/,
        '  vscode:\n    description: VS Code\n    extends: foundation\n    bits: [codeserver]\n\n',
      ),
    );
    git(d, 'commit', '-qam', 'rename image');
    const r = await affected(d);
    assert.deepEqual(r.removed, ['codeserver']);
    assert.deepEqual(r.images, ['vscode']);
    assert.deepEqual(r.reasons.vscode, ['new image in images.yaml']);
  });

  test('images.yaml missing at the reference marks everything', async () => {
    const d = fresh();
    git(d, 'rm', '-q', '--cached', 'images.yaml');
    git(d, 'commit', '-qm', 'drop catalog');
    git(d, 'tag', 'no-catalog');
    git(d, 'add', 'images.yaml');
    git(d, 'commit', '-qm', 'restore catalog');
    const r = await affected(d, 'no-catalog');
    assert.deepEqual(r.images, ALL_PUBLISHED);
    assert.equal(r.all, true);
  });

  test('the catalog may live in a subfolder of the git work tree', async () => {
    const top = mkdtempSync(join(tmpdir(), 'kfc-affected-sub-'));
    dirs.push(top);
    mkdirSync(join(top, 'images'));
    cpSync(FIXTURE, join(top, 'images'), { recursive: true });
    writeFileSync(join(top, 'README.md'), 'top\n');
    git(top, 'init', '-q', '-b', 'main');
    git(top, 'add', '-A');
    git(top, 'commit', '-qm', 'base');
    edit(top, 'images/docker-bits/rstudio.Dockerfile', (s) => s + 'RUN true\n');
    edit(top, 'README.md', (s) => s + 'more\n');
    const r = await affectedSince(loadCatalog(join(top, 'images'), { readFiles: false }), 'HEAD');
    assert.deepEqual(r.images, ['rstudio']);
  });

  test('an unknown reference is a one-line user error with a hint', async () => {
    const d = fresh();
    await assert.rejects(
      affected(d, 'no-such-ref'),
      (e: unknown) =>
        e instanceof KfcError && /unknown git reference/.test(e.message) && /fetch-depth/.test(e.hint ?? ''),
    );
  });
});

describe('computeAffected (pure rules)', () => {
  const head = loadCatalog(FIXTURE, { readFiles: false });
  const same = { spec: head.spec };
  const run = (...changes: Change[]) => computeAffected({ head, base: same, changes });

  test('kfc sources that shape images mark all; lint, bake and kubeflow modules do not', () => {
    assert.deepEqual(run({ status: 'M', path: 'src/generate/generate.ts' }).images, ALL_PUBLISHED);
    assert.equal(run({ status: 'M', path: 'package-lock.json' }).all, true);
    assert.deepEqual(run({ status: 'M', path: 'src/lint/rules.ts' }).images, []);
    assert.deepEqual(run({ status: 'M', path: 'src/kubeflow/kubeflow.ts' }).images, []);
  });

  test('pipeline files mark all; docs and unit tests mark nothing', () => {
    assert.equal(run({ status: 'M', path: '.github/workflows/build.yml' }).all, true);
    assert.equal(run({ status: 'A', path: '.trivyignore' }).all, true);
    assert.deepEqual(
      run(
        { status: 'M', path: 'docs/publishing.md' },
        { status: 'M', path: 'tests/unit/x.test.ts' },
        { status: 'M', path: 'README.md' },
      ).images,
      [],
    );
  });

  test('image test folders: general marks all, a per-image folder marks the subtree', () => {
    assert.equal(run({ status: 'M', path: 'tests/images/general/test_alive.ts' }).all, true);
    assert.deepEqual(run({ status: 'A', path: 'tests/images/jupyterlab-cpu/test_lab.ts' }).images, [
      'jupyterlab-cpu',
      'jupyterlab-pytorch',
    ]);
  });

  test('a WorkspaceKind re-tests the images of its kind; the v2 suite every published image', () => {
    assert.deepEqual(run({ status: 'M', path: 'deploy/kubeflow/v2/jupyterlab.yaml' }).images, [
      'jupyterlab-cpu',
      'jupyterlab-pytorch',
    ]);
    assert.deepEqual(run({ status: 'M', path: 'deploy/kubeflow/v2/rstudio.yaml' }).images, ['rstudio']);
    assert.deepEqual(run({ status: 'M', path: 'deploy/kubeflow/v2/workspaces/rstudio.yaml' }).images, []);
    assert.deepEqual(run({ status: 'M', path: 'tests/images/kubeflow-v2/workspace.test.ts' }).images, ALL_PUBLISHED);
  });

  test('the general suite marks only images that run it (test.general: false opts out)', () => {
    const optedOut = loadCatalog(FIXTURE, { readFiles: false });
    optedOut.nodes.get('rstudio')!.spec.test.general = false;
    const r = computeAffected({
      head: optedOut,
      base: { spec: optedOut.spec },
      changes: [{ status: 'M', path: 'tests/images/general/test_alive.ts' }],
    });
    assert.equal(r.all, false);
    assert.deepEqual(
      r.images,
      ALL_PUBLISHED.filter((n) => n !== 'rstudio'),
    );
  });

  test('generated output of one image marks it and its descendants', () => {
    assert.deepEqual(run({ status: 'M', path: 'output/jupyterlab-cpu/Dockerfile' }).images, [
      'jupyterlab-cpu',
      'jupyterlab-pytorch',
    ]);
  });

  test('registry and gates changes mark all; lint severity changes mark nothing', () => {
    const base = (patch: (s: typeof head.spec) => void) => {
      const spec = structuredClone(head.spec);
      patch(spec);
      return computeAffected({ head, base: { spec }, changes: [] });
    };
    assert.equal(base((s) => (s.registry.repo = 'old.example/kfc')).all, true);
    assert.equal(base((s) => (s.gates = { minEfficiency: 0.5 })).all, true);
    assert.deepEqual(base((s) => (s.lint.severity = { 'final-user': 'warning' })).images, []);
  });

  test('an invalid catalog at the reference marks everything', () => {
    const r = computeAffected({ head, base: { invalid: 'bad yaml' }, changes: [] });
    assert.equal(r.all, true);
    assert.deepEqual(r.images, ALL_PUBLISHED);
  });

  test('--all marks every published image', () => {
    const r = computeAffected({ head, base: same, changes: [], all: true });
    assert.deepEqual(r.images, ALL_PUBLISHED);
    assert.equal(r.matrix.include.length, 4);
  });

  test('parseNameStatusZ reads plain, rename and copy records', () => {
    const z = ['M', 'a.txt', 'R087', 'old/b', 'new/b', 'D', 'c', 'C100', 'd', 'e', ''].join('\0');
    assert.deepEqual(parseNameStatusZ(z), [
      { status: 'M', path: 'a.txt' },
      { status: 'R', path: 'new/b', oldPath: 'old/b' },
      { status: 'D', path: 'c' },
      { status: 'C', path: 'e', oldPath: 'd' },
    ]);
  });
});
