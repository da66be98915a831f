import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/metrics/stats.ts';
import {
  ABSENT,
  applyProbe,
  diffManifests,
  emptyManifests,
  parseDpkg,
  parseKernels,
  parseLabExtensions,
  parseNpm,
  parsePython,
  parseR,
  probes,
} from '../../src/report/manifests.ts';
import { familyFigures, mergeReports } from '../../src/report/merge.ts';
import { diffReports, diffText } from '../../src/report/render-diff.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { familyMarkdown, imageMarkdown } from '../../src/report/render-markdown.ts';
import { textSummary } from '../../src/report/render-text.ts';
import { sampleCatalog, sampleReport } from './report-fixtures.ts';

test('manifest parsers: dpkg, python (conda vs system), R, npm, kernels, lab extensions', () => {
  assert.deepEqual(parseDpkg('zlib1g\t1:1.3\nbash\t5.2\n\nbroken\n'), [
    { name: 'bash', version: '5.2' },
    { name: 'zlib1g', version: '1:1.3' },
  ]);
  const py = [
    JSON.stringify({
      prefix: '/opt/conda',
      dists: [
        ['numpy', '2.2.4', '/usr/lib/python3/dist-packages'],
        ['mytool', '1.0', '/opt/conda/lib/python3.13/site-packages'],
        ['pip', '25.1', '/opt/conda/lib/python3.13/site-packages'],
      ],
    }),
    'some warning',
    JSON.stringify({
      prefix: '/usr',
      dists: [
        ['numpy', '2.2.4', '/usr/lib/python3/dist-packages'],
        ['pip', '25.1', '/usr/lib/python3/dist-packages'],
      ],
    }),
  ].join('\n');
  assert.deepEqual(parsePython(py, '/opt/conda'), [
    { name: 'mytool', version: '1.0', where: 'conda' },
    { name: 'numpy', version: '2.2.4', where: 'system' },
    { name: 'pip', version: '25.1', where: 'conda' },
    { name: 'pip', version: '25.1', where: 'system' },
  ]);
  assert.deepEqual(parseR('IRkernel\t1.3.2\t/usr/local/lib/R/site-library\nbase\t4.5.0\t/usr/lib/R/library\n'), [
    { name: 'base', version: '4.5.0', where: '/usr/lib/R/library' },
    { name: 'IRkernel', version: '1.3.2', where: '/usr/local/lib/R/site-library' },
  ]);
  assert.deepEqual(
    parseNpm('npm warn x\n{"dependencies":{"code-server":{"version":"4.99.0"},"npm":{"version":"10.9.2"}}}'),
    [
      { name: 'code-server', version: '4.99.0' },
      { name: 'npm', version: '10.9.2' },
    ],
  );
  assert.deepEqual(
    parseKernels(
      '{"kernelspecs":{"python3":{"resource_dir":"/x",' +
        '"spec":{"display_name":"Python 3 (ipykernel)","language":"python"}}}}',
    ),
    [{ name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' }],
  );
  const lab = [
    'JupyterLab v4.4.1',
    '/usr/share/jupyter/labextensions',
    '        jupyterlab_pygments v0.3.0 \x1b[32menabled\x1b[0m \x1b[32mOK\x1b[0m (python, jupyterlab_pygments)',
    '        @jupyterlab/git v0.51.0 enabled OK (python, jupyterlab-git)',
    '        @old/ext v1.0.0 disabled OK',
    'Other labextensions (if any) ...',
  ].join('\n');
  assert.deepEqual(parseLabExtensions(lab), [
    { name: '@jupyterlab/git', version: '0.51.0', enabled: true },
    { name: '@old/ext', version: '1.0.0', enabled: false },
    { name: 'jupyterlab_pygments', version: '0.3.0', enabled: true },
  ]);
});

test('probes tolerate absent tools and name failures', () => {
  const m = emptyManifests();
  const [dpkg, python, r] = probes();
  applyProbe(m, r!, { exitCode: 0, stdout: ABSENT, stderr: '' });
  applyProbe(m, python!, { exitCode: 127, stdout: '', stderr: 'sh: python3: not found' });
  applyProbe(m, dpkg!, { exitCode: 2, stdout: '', stderr: 'dpkg-query: error: no database\n' });
  assert.deepEqual(m.absent, ['r: Rscript not found', 'python: python3 not found']);
  assert.deepEqual(m.errors, ['debian: dpkg-query exited 2: dpkg-query: error: no database']);
  // Each probe is one sh -c script; the python one quotes its program safely.
  assert.match(python!.script, /importlib\.metadata/);
  assert.ok(!python!.script.includes("'\"'"), 'no broken quoting');
});

test('manifest diff: added, removed, changed per ecosystem (python keyed by where)', () => {
  const a = {
    ...emptyManifests(),
    debian: [
      { name: 'bash', version: '5.2' },
      { name: 'gone', version: '1' },
    ],
    python: [{ name: 'numpy', version: '2.2.3', where: 'system' }],
  };
  const b = {
    ...emptyManifests(),
    debian: [
      { name: 'bash', version: '5.2' },
      { name: 'new', version: '2' },
    ],
    python: [
      { name: 'numpy', version: '2.2.4', where: 'system' },
      { name: 'numpy', version: '2.3.0', where: 'conda' },
    ],
  };
  assert.deepEqual(diffManifests(a, b), {
    added: [
      { ecosystem: 'debian', name: 'new', to: '2' },
      { ecosystem: 'python', name: 'numpy', where: 'conda', to: '2.3.0' },
    ],
    removed: [{ ecosystem: 'debian', name: 'gone', from: '1' }],
    changed: [{ ecosystem: 'python', name: 'numpy', where: 'system', from: '2.2.3', to: '2.2.4' }],
  });
});

test('report diff: size change and package changes per image, added/removed images', () => {
  const old = sampleReport();
  const neu = sampleReport();
  const cpu = neu.images[1]!;
  cpu.size += 2_500_000;
  cpu.id = 'sha256:' + 'd'.repeat(64);
  cpu.manifests!.python = cpu.manifests!.python.map((p) => (p.name === 'numpy' ? { ...p, version: '2.3.0' } : p));
  neu.images = [cpu];
  const d = diffReports(old, neu);
  assert.deepEqual(
    d.map((x) => [x.image, x.status, x.sizeChange]),
    [
      ['foundation', 'removed', undefined],
      ['jupyterlab-cpu', 'changed', 2_500_000],
    ],
  );
  assert.equal(
    diffText(d),
    [
      'foundation: removed; removed (was 150.0 MB)',
      'jupyterlab-cpu: changed; size 1.06 GB → 1.06 GB (+2.5 MB)',
      '  ~ python numpy [system] 2.2.4 → 2.3.0',
    ].join('\n'),
  );
});

test('start summary: median, IQR, min, max', () => {
  assert.deepEqual(summarize([300, 100, 200, 400]), { medianMs: 250, minMs: 100, maxMs: 400, iqrMs: 150 });
  assert.deepEqual(summarize([5]), { medianMs: 5, minMs: 5, maxMs: 5, iqrMs: 0 });
  assert.ok(Number.isNaN(summarize([]).medianMs));
});

test('merge keeps earlier measurements of other images, in catalog order', () => {
  const prev = sampleReport();
  const next = sampleReport();
  next.images = [next.images[1]!];
  next.images[0]!.size = 1;
  const merged = mergeReports(
    prev,
    next,
    sampleCatalog.map((c) => c.name),
  );
  assert.deepEqual(
    merged.images.map((i) => [i.name, i.size]),
    [
      ['foundation', 150_001_000],
      ['jupyterlab-cpu', 1],
    ],
  );
  assert.deepEqual(merged.missing, ['jupyterlab-pytorch-cpu']);
  assert.deepEqual(familyFigures(merged.images).uniqueLayers, 5);
});

test('renderers: terminal table, Markdown and HTML name the figures', () => {
  const r = sampleReport();
  const text = textSummary(r);
  assert.match(
    text,
    new RegExp(
      String.raw`^jupyterlab-cpu\s+1\.06 GB\s+5\s+0\.9952\s+10\.0 MB\s+1\.1%\s+100\.0% of foundation\s+` +
        String.raw`1235 ms ±43 \(n=10\)\s+—\s+ok$`,
      'm',
    ),
  );
  assert.match(text, /unique layer bytes 1\.06 GB \(87\.6% of the sum; 5 of 8 layers\)/);
  const md = imageMarkdown(r.images[1]!);
  assert.match(md, /\| 3 \| 900\.0 MB \| 13 \| jupyterlab:2 \| RUN step 3 \| {2}\|/);
  assert.match(
    md,
    /\| `\/opt\/conda\/lib\/big\.so` \| 10\.0 MB \| 5\.0 MB \| 3 \(jupyterlab\), 4 \(jupyterlab-late\) \|/,
  );
  assert.match(md, /### Python \(3\)/);
  assert.match(familyMarkdown(r), /Not built here: jupyterlab-pytorch-cpu\./);
  const html = renderHtml({
    report: r,
    catalog: sampleCatalog,
    tests: { 'jupyterlab-cpu': { ok: true, at: '2026-11-24T11:00:00Z' } },
  });
  assert.ok(
    !/<script[^>]+src=|<link[^>]+href=|https?:\/\//.test(html.replace(/http:\/\/127\.0\.0\.1:&lt;port&gt;[^<]*/g, '')),
    'self-contained: no external resource',
  );
  assert.equal((html.match(/<section class="image"/g) ?? []).length, 3);
  assert.match(html, /tests passed/);
});

test('renderers show pending Debian security updates with their version pairs, or why not run', () => {
  const r = sampleReport();
  const update = {
    package: 'libssl3t64',
    arch: 'amd64',
    installed: '3.5.9-1~deb13u1',
    candidate: '3.5.10-1~deb13u1',
    archives: ['stable-security'],
  };
  const base = { allowed: [], expired: [], max: 0, seconds: 20, measuredAt: '2026-12-06T12:00:00Z' };
  r.images[1]!.securityUpdates = { ...base, pending: [update], count: 1, pass: false };
  r.images[0]!.securityUpdates = { ...base, notRun: 'archive unreachable', pending: [], count: 0, pass: true };
  const text = textSummary(r);
  assert.match(text, /^jupyterlab-cpu\s.*\s1\s+ok$/m);
  assert.match(text, /^foundation\s.*not run: archive unreachable\s+ok$/m);
  assert.match(
    imageMarkdown(r.images[1]!),
    /- pending Debian security updates: 1 pending: libssl3t64 3\.5\.9-1~deb13u1 → 3\.5\.10-1~deb13u1 \(max 0\) FAIL/,
  );
  const html = renderHtml({ report: r, catalog: sampleCatalog, tests: {} });
  assert.match(html, /Debian security updates<\/td><td>1 pending \(max 0\) <span class="badge fail">FAIL/);
  assert.match(html, /<li><code>libssl3t64 3\.5\.9-1~deb13u1 → 3\.5\.10-1~deb13u1<\/code><\/li>/);
  assert.match(html, /Debian security updates<\/td><td>not run: archive unreachable/);
});
