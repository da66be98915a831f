/** Tag computation (pure): branch sanitising, git/content tags per plan, repository prefixes. */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { KfcError } from '../../src/errors.ts';
import { refsFor, resolveRepo } from '../../src/tags/refs.ts';
import {
  computeTags,
  contentTags,
  defaultTag,
  imageRef,
  imageRepository,
  isValidTag,
  normaliseRepo,
  SHORT_SHA_LENGTH,
  sanitizeTag,
  versionTag,
} from '../../src/tags/tags.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('sanitizeTag', () => {
  const cases: [string, string][] = [
    ['main', 'main'],
    ['feature/new-image', 'feature-new-image'],
    ['refs/heads/feature/x', 'feature-x'],
    ['user/ABC-123/Fix', 'user-ABC-123-Fix'], // Docker tags allow uppercase: kept
    ['.hidden', 'hidden'],
    ['..dots', 'dots'],
    ['-dash', 'dash'],
    ['_under', '_under'], // a tag may start with "_"
    ['a b@c#d', 'a-b-c-d'],
    ['trailing/', 'trailing'],
    ['v1.2.3', 'v1.2.3'],
    ['dependabot/pip/jupyterlab-4.0.11', 'dependabot-pip-jupyterlab-4.0.11'],
    ['', 'unknown'],
    ['///', 'unknown'],
  ];
  for (const [raw, want] of cases) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(want)}`, () => {
      const got = sanitizeTag(raw);
      assert.equal(got, want);
      assert.ok(isValidTag(got), `${got} is a valid tag`);
    });
  }

  it('cuts a 200-character branch to a valid 128-character tag', () => {
    const raw = `feature/${'x'.repeat(192)}`;
    assert.equal(raw.length, 200);
    const got = sanitizeTag(raw);
    assert.equal(got.length, 128);
    assert.equal(got, `feature-${'x'.repeat(120)}`);
    assert.ok(isValidTag(got));
  });

  it('does not end a cut tag in a dash', () => {
    const raw = `${'a'.repeat(127)}/tail`; // char 128 becomes "-"
    const got = sanitizeTag(raw);
    assert.equal(got, 'a'.repeat(127));
    assert.ok(isValidTag(got));
  });

  it("isValidTag follows Docker's grammar", () => {
    assert.ok(isValidTag('v1'));
    assert.ok(!isValidTag('.x'));
    assert.ok(!isValidTag('-x'));
    assert.ok(!isValidTag('a/b'));
    assert.ok(!isValidTag('x'.repeat(129)));
    assert.ok(isValidTag('x'.repeat(128)));
  });
});

describe('content tags', () => {
  it('reads versions the way the issue says', () => {
    assert.equal(versionTag('python', '3.13.5', 3), 'python-3.13.5');
    assert.equal(versionTag('lab', '4.0.11', 2), 'lab-4.0');
    assert.equal(versionTag('r', '4.5.0', 2), 'r-4.5');
    assert.equal(versionTag('torch', '2.6.0+cpu', 2), 'torch-2.6');
    assert.equal(versionTag('lab', '4.2.0rc1', 2), 'lab-4.2');
    assert.equal(versionTag('python', ' 3.12.3\n', 3), 'python-3.12.3');
    assert.equal(versionTag('python', undefined, 3), undefined);
    assert.equal(versionTag('python', 'unknown', 3), undefined);
  });

  it('contentTags lists present tools in a fixed order', () => {
    assert.deepEqual(contentTags({ torch: '2.6.0+cpu', python: '3.13.5', lab: '4.0.11', r: '4.5.0', cuda: '12.4' }), [
      'python-3.13.5',
      'lab-4.0',
      'r-4.5',
      'torch-2.6',
      'cuda-12.4',
    ]);
    assert.deepEqual(contentTags({ python: '3.13.5', tensorflow: '2.21.0', cuda: '12.5.1' }), [
      'python-3.13.5',
      'tensorflow-2.21',
      'cuda-12.5',
    ]);
    assert.deepEqual(contentTags({ python: '3.13.5', cuda: '' }), ['python-3.13.5']);
    assert.deepEqual(contentTags({}), []);
  });
});

describe('computeTags', () => {
  it('main branch: SHA, short SHA, branch, latest, v1', () => {
    assert.deepEqual(computeTags({ sha: SHA, branch: 'master', release: true }), [
      SHA,
      '01234567',
      'master',
      'latest',
      'v1',
    ]);
    assert.equal(SHORT_SHA_LENGTH, 8);
  });

  it('pull request: SHA, short SHA, sanitised branch; no latest, v1 or dev', () => {
    const tags = computeTags({ sha: SHA, branch: 'feature/Add-RStudio' });
    assert.deepEqual(tags, [SHA, '01234567', 'feature-Add-RStudio']);
  });

  it('auto-deploy PR: adds dev, still no latest', () => {
    const tags = computeTags({ sha: SHA, branch: 'fix/x', dev: true });
    assert.deepEqual(tags, [SHA, '01234567', 'fix-x', 'dev']);
  });

  it('adds content, date and extra tags, without duplicates, every one valid', () => {
    const tags = computeTags({
      sha: SHA,
      branch: 'latest',
      release: true,
      content: { python: '3.13.5', lab: '4.0.11' },
      date: new Date('2025-05-20T23:59:59Z'),
      extra: ['v1', 'nightly'],
    });
    assert.deepEqual(tags, [SHA, '01234567', 'latest', 'v1', 'python-3.13.5', 'lab-4.0', '2025-05-20', 'nightly']);
    for (const t of tags) assert.ok(isValidTag(t), t);
  });

  it('an empty plan gives no tags', () => {
    assert.deepEqual(computeTags({}), []);
  });
});

describe('repositories and references', () => {
  it('normaliseRepo: empty, or exactly one trailing slash', () => {
    assert.equal(normaliseRepo(undefined), '');
    assert.equal(normaliseRepo(''), '');
    assert.equal(normaliseRepo('k8scc01covidacr.azurecr.io'), 'k8scc01covidacr.azurecr.io/');
    assert.equal(normaliseRepo('k8scc01covidacr.azurecr.io/'), 'k8scc01covidacr.azurecr.io/');
    assert.equal(normaliseRepo('registry.example:5000/ns//'), 'registry.example:5000/ns/');
  });

  it('imageRef joins repo, image and tag', () => {
    assert.equal(imageRef(undefined, 'jupyterlab-cpu', 'v1'), 'jupyterlab-cpu:v1');
    assert.equal(imageRef('', 'jupyterlab-cpu', 'v1'), 'jupyterlab-cpu:v1');
    assert.equal(imageRef('registry.example/ns', 'jupyterlab-cpu', 'main'), 'registry.example/ns/jupyterlab-cpu:main');
    assert.equal(imageRef('registry.example/ns/', 'jupyterlab-cpu', 'main'), 'registry.example/ns/jupyterlab-cpu:main');
  });
});

describe('defaultTag (the one tag build, tag, push, pull, test and report look for)', () => {
  it('sanitises the branch exactly like kfc tag does', () => {
    for (const branch of ['trailing/', 'feature/new-image', `feature/${'x'.repeat(192)}`, '.hidden', 'a b@c#d']) {
      assert.equal(defaultTag(branch), sanitizeTag(branch));
      assert.ok(isValidTag(defaultTag(branch)), `${branch} gives a valid tag`);
    }
    assert.equal(defaultTag('trailing/'), 'trailing');
  });
  it('is dev-local without a branch, and --tag when given', () => {
    assert.equal(defaultTag(undefined), 'dev-local');
    assert.equal(defaultTag('main', 'v2'), 'v2');
  });
  it('refuses an invalid --tag with one line naming the option', () => {
    assert.throws(
      () => defaultTag('main', 'bad/tag'),
      (e: unknown) => e instanceof KfcError && /--tag "bad\/tag" is not a valid image tag/.test(e.message),
    );
  });
  it('imageRepository is imageRef without the tag', () => {
    assert.equal(imageRepository('ghcr.io/acme//', 'x'), 'ghcr.io/acme/x');
    assert.equal(imageRef('ghcr.io/acme', 'x', 't'), `${imageRepository('ghcr.io/acme', 'x')}:t`);
  });
});

describe('refsFor / resolveRepo (the one --repo/--tag resolver)', () => {
  const registry = { repo: 'ghcr.io/acme', devRepo: 'ghcr.io/acme-dev/' };
  it('--repo over the catalog, registry.devRepo for dev, normalised', () => {
    assert.equal(resolveRepo(registry, {}), 'ghcr.io/acme/');
    assert.equal(resolveRepo(registry, { dev: true }), 'ghcr.io/acme-dev/');
    assert.equal(resolveRepo(registry, { repo: 'r.example//', dev: true }), 'r.example/');
    assert.equal(resolveRepo({ repo: '' }, {}), '');
  });
  it('--tag, else the branch, else dev-local; refs as imageRef makes them', () => {
    const r = refsFor(registry, {}, 'feature/x');
    assert.equal(r.tag, 'feature-x');
    assert.equal(r.refOf({ name: 'jupyterlab-cpu' }), 'ghcr.io/acme/jupyterlab-cpu:feature-x');
    assert.equal(r.repositoryOf({ name: 'jupyterlab-cpu' }), 'ghcr.io/acme/jupyterlab-cpu');
    assert.equal(refsFor(registry, { tag: 'ci', repo: 'local' }, 'main').refOf({ name: 'a' }), 'local/a:ci');
    assert.equal(refsFor({ repo: '' }, {}, undefined).refOf({ name: 'a' }), 'a:dev-local');
    assert.throws(() => refsFor(registry, { tag: 'bad/tag' }, 'main'), KfcError);
  });
  it('nothing else in src/ reads the git branch for a tag or builds a reference by hand', () => {
    const src = join(import.meta.dirname, '../../src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const offenders: string[] = [];
    for (const f of files) {
      const rel = relative(src, join(src, f));
      if (rel.startsWith('tags/')) continue;
      const text = readFileSync(join(src, f), 'utf8');
      if (/\bdefaultTag\(\s*(?!undefined\b)[^)\s]/.test(text)) offenders.push(`${rel}: defaultTag(branch)`);
      if (/\brepo\s*\?\?[^;\n]*registry/i.test(text)) offenders.push(`${rel}: --repo ?? registry.repo by hand`);
      if (/\$\{[^}]*[rR]epo[^}]*\}\$\{[^}]*\}:\$\{/.test(text)) offenders.push(`${rel}: \${repo}\${name}:\${tag}`);
      const gitLookups = rel === 'engine/refs.ts' || rel === 'engine/git.ts' || rel === 'engine/bake-file.ts';
      if (!gitLookups && /\bgitInfo\(/.test(text)) offenders.push(`${rel}: gitInfo()`);
    }
    assert.deepEqual(offenders, []);
  });
});
