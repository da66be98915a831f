/**
 * kfc lint: every rule has a failing and a passing fixture; findings map back to
 * docker-bits/<bit>.Dockerfile:<line>; ignore comments; severity config; CLI exit codes.
 *
 * Fixtures go through the real pipeline (images.yaml + bits → loadCatalog → generate → lint), with
 * the bit under test placed after another bit so the line mapping is exercised every time.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { generateAll } from '../../src/generate/generate.ts';
import { type Finding, formatFinding, lintDockerfile, lintImages } from '../../src/lint/lint.ts';
import { ALL_RULE_IDS, downloadCommands } from '../../src/lint/rules.ts';
import { cleanup, lineOf, REPO_ROOT, runKfc, tempDir, writeFiles } from './helpers.ts';

const SHA = 'b'.repeat(64);
const HEAD = 'ENV NB_USER=jovyan NB_UID=1000 NB_GID=100 CONDA_DIR=/opt/conda\nWORKDIR /tmp\n';
const TAIL = 'USER ${NB_UID}\n';

const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

interface RepoOpts {
  /** lint.severity of images.yaml. */
  severity?: Record<string, string>;
  /** Bit text of the last bit (default: USER ${NB_UID}). */
  tail?: string;
  /** A child image extending `t` with this bit. */
  child?: string;
}

/** A temp repository: image `t` from a pinned base with bits head, body, tail (+ optional child). */
function makeRepo(body: string, opts: RepoOpts = {}): string {
  const root = tempDir('kfc-lint-');
  dirs.push(root);
  const sev = opts.severity
    ? `lint:\n  severity:\n${Object.entries(opts.severity)
        .map(([k, v]) => `    ${k}: ${v}\n`)
        .join('')}`
    : '';
  const child =
    opts.child !== undefined ? '  t-child:\n    description: child\n    extends: t\n    bits: [child]\n' : '';
  writeFiles(root, {
    'images.yaml':
      `bases:\n  trixie:\n    image: debian:trixie-20250520-slim\n` +
      `    suite: trixie\n    mirror: http://deb.debian.org/debian\n` +
      `${sev}images:\n  t:\n    description: t\n    from: trixie\n    bits: [head, body, tail]\n${child}`,
    'docker-bits/head.Dockerfile': HEAD,
    'docker-bits/body.Dockerfile': body,
    'docker-bits/tail.Dockerfile': opts.tail ?? TAIL,
    ...(opts.child !== undefined ? { 'docker-bits/child.Dockerfile': opts.child } : {}),
  });
  return root;
}

function lintRepo(root: string): Finding[] {
  const cat = loadCatalog(root);
  return lintImages(generateAll(cat), cat.spec.lint.severity);
}

function lintBody(body: string, opts: RepoOpts = {}): Finding[] {
  return lintRepo(makeRepo(body, opts));
}

const rules = (fs: Finding[]) => fs.map((f) => f.rule);

interface RuleFixture {
  rule: string;
  failing: string[];
  passing: string[];
}

const FIXTURES: RuleFixture[] = [
  {
    rule: 'fix-permissions',
    failing: [
      'RUN pip install --no-cache-dir requests==2.32.3\n',
      'RUN python3 -m pip install --no-cache-dir jupyterlab==4.0.11 && echo done\n',
      'RUN mkdir -p /home/${NB_USER}/.config/kfc\n',
      'RUN echo "x" > ${CONDA_DIR}/etc/x.conf\n',
      'RUN Rscript -e \'install.packages("data.table")\'\n',
      // Fixing the wrong place does not count.
      'RUN pip install --no-cache-dir requests==2.32.3 && fix-permissions "/home/${NB_USER}"\n',
    ],
    passing: [
      'RUN pip install --no-cache-dir requests==2.32.3 && \\\n    fix-permissions "${CONDA_DIR}"\n',
      'RUN mkdir -p /home/${NB_USER}/.config/kfc && fix-permissions "/home/${NB_USER}"\n',
      'RUN Rscript -e \'install.packages("data.table")\' && fix-permissions /usr/local/lib/R/site-library\n',
      'RUN mkdir -p /usr/local/share/kfc && echo ok > /usr/local/share/kfc/ok\n',
    ],
  },
  {
    rule: 'apt-no-recommends',
    failing: [
      'RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n',
      'RUN apt-get -q install -y git && rm -rf /var/lib/apt/lists/*\n',
    ],
    passing: [
      'RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n',
      'RUN apt-get update && apt-get -o APT::Install-Recommends=false install -y git && rm -rf /var/lib/apt/lists/*\n',
    ],
  },
  {
    rule: 'apt-lists-cleanup',
    failing: ['RUN apt-get update && apt-get install -y --no-install-recommends git\n', 'RUN apt-get update\n'],
    passing: [
      'RUN apt-get update && apt-get install -y --no-install-recommends git && \\\n' +
        '    apt-get clean && rm -rf /var/lib/apt/lists/*\n',
      'RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y --no-install-recommends git\n',
    ],
  },
  {
    rule: 'pipefail',
    failing: ['RUN echo hello | tr a-z A-Z > /tmp/shout\n', 'RUN set -e && ls /etc | wc -l\n'],
    passing: [
      'RUN set -o pipefail && echo hello | tr a-z A-Z > /tmp/shout\n',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo hello | tr a-z A-Z > /tmp/shout\n',
      'RUN test -f /etc/x || echo "a|b" > /tmp/pipe-in-quotes\n',
    ],
  },
  {
    rule: 'download-verified',
    failing: [
      'RUN curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt\n',
      'RUN wget -q https://example.com/x.deb -O /tmp/x.deb && dpkg -i /tmp/x.deb\n',
      'ADD https://example.com/x.tgz /tmp/x.tgz\n',
    ],
    passing: [
      `RUN curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz && \\\n` +
        `    echo "${SHA}  /tmp/x.tgz" > /tmp/x.sha && sha256sum -c /tmp/x.sha && tar -xzf /tmp/x.tgz -C /opt\n`,
      `ADD --checksum=sha256:${SHA} https://example.com/x.tgz /tmp/x.tgz\n`,
      // curl and wget as package names are not downloads.
      'RUN apt-get update && apt-get install -y --no-install-recommends curl wget && rm -rf /var/lib/apt/lists/*\n',
    ],
  },
];

describe('lint rules: a failing and a passing fixture each', () => {
  it('covers every rule', () => {
    const covered = [...FIXTURES.map((f) => f.rule), 'final-user', 'base-pinned'].sort();
    assert.deepEqual(covered, [...ALL_RULE_IDS].sort());
  });

  for (const fx of FIXTURES) {
    describe(fx.rule, () => {
      fx.failing.forEach((body, i) => {
        it(`fails: ${JSON.stringify(body.split('\n')[0]).slice(0, 70)} (#${i + 1})`, () => {
          const found = lintBody(body).filter((f) => f.rule === fx.rule);
          assert.equal(found.length, 1, `expected one ${fx.rule} finding in ${JSON.stringify(body)}`);
          const f = found[0]!;
          assert.equal(f.file, 'docker-bits/body.Dockerfile');
          assert.equal(f.severity, 'error');
          assert.deepEqual(f.images, ['t']);
          assert.ok(f.message.length > 20, 'says what to do');
        });
      });
      fx.passing.forEach((body, i) => {
        it(`passes: ${JSON.stringify(body.split('\n')[0]).slice(0, 70)} (#${i + 1})`, () => {
          assert.deepEqual(lintBody(body), [], `no findings at all for ${JSON.stringify(body)}`);
        });
      });
    });
  }

  describe('final-user', () => {
    it('fails when the image ends as root (finding at that USER line in its bit)', () => {
      const fs = lintBody('RUN true\n', { tail: '# switch back\nUSER root\n' });
      assert.deepEqual(
        fs.map((f) => [f.rule, f.file, f.line]),
        [['final-user', 'docker-bits/tail.Dockerfile', 2]],
      );
    });
    it('fails when USER 0:0 is last', () => {
      assert.deepEqual(rules(lintBody('RUN true\n', { tail: 'USER 0:0\n' })), ['final-user']);
    });
    it('fails when there is no USER at all (at the last instruction)', () => {
      const fs = lintBody('RUN true\n', { tail: 'CMD ["start.sh"]\n' });
      assert.deepEqual(
        fs.map((f) => [f.rule, f.file, f.line]),
        [['final-user', 'docker-bits/tail.Dockerfile', 1]],
      );
    });
    it('passes when root is used in between but the last USER is the notebook user', () => {
      assert.deepEqual(lintBody('USER root\nRUN true\nUSER ${NB_UID}\n', { tail: 'CMD ["start.sh"]\n' }), []);
    });
  });

  describe('base-pinned', () => {
    // The catalog loader already refuses unpinned bases, so this rule is checked on raw text.
    const lint = (from: string) => lintDockerfile(`FROM ${from}\nUSER 1000\n`, []).map((f) => [f.rule, f.file, f.line]);
    it('fails on :latest and on an untagged base', () => {
      assert.deepEqual(lint('debian:latest'), [['base-pinned', 'Dockerfile', 1]]);
      assert.deepEqual(lint('debian'), [['base-pinned', 'Dockerfile', 1]]);
      assert.deepEqual(lint('registry.example:5000/debian'), [['base-pinned', 'Dockerfile', 1]]);
    });
    it('passes on a tag or a digest', () => {
      assert.deepEqual(lint('debian:trixie-20250520-slim'), []);
      assert.deepEqual(lint('registry.example:5000/debian:trixie'), []);
      assert.deepEqual(lint(`debian@sha256:${'c'.repeat(64)}`), []);
      assert.deepEqual(lint('--platform=linux/amd64 debian:trixie-20250520-slim'), []);
    });
  });
});

describe('lint: findings map back to bit lines', () => {
  it('names docker-bits/<bit>.Dockerfile:<line> inside a bit that is not the first', () => {
    const body =
      '# A comment\n\nENV A=1\nRUN echo one | tee /tmp/one\n' +
      'ENV B=2\nRUN apt-get update && \\\n    apt-get install -y git\n';
    const root = makeRepo(body);
    const fs = lintRepo(root);
    assert.deepEqual(
      fs.map((f) => `${f.file}:${f.line} ${f.rule}`),
      [
        `docker-bits/body.Dockerfile:${lineOf(body, 'RUN echo one')} pipefail`,
        `docker-bits/body.Dockerfile:${lineOf(body, 'RUN apt-get')} apt-no-recommends`,
        `docker-bits/body.Dockerfile:${lineOf(body, 'RUN apt-get')} apt-lists-cleanup`,
      ],
    );
    // The generated Dockerfile has these instructions much further down.
    const generated = generateAll(loadCatalog(root))[0]!.dockerfile;
    assert.ok(lineOf(generated, 'RUN echo one') > lineOf(body, 'RUN echo one') + HEAD.split('\n').length);
    assert.equal(
      formatFinding(fs[0]!),
      `docker-bits/body.Dockerfile:${lineOf(body, 'RUN echo one')}: pipefail error: ${fs[0]!.message}`,
    );
  });

  it('reports a finding in a parent bit once, for every image that carries it', () => {
    const fs = lintBody('RUN echo one | tee /tmp/one\n', { child: 'RUN echo two | tee /tmp/two\n' });
    assert.deepEqual(
      fs.map((f) => [`${f.file}:${f.line}`, f.images]),
      [
        ['docker-bits/body.Dockerfile:1', ['t', 't-child']],
        ['docker-bits/child.Dockerfile:1', ['t-child']],
      ],
    );
  });

  it('lints the committed foundation bits clean', () => {
    const root = makeRepo(readFileSync(join(REPO_ROOT, 'docker-bits/foundation-os.Dockerfile'), 'utf8'), {
      tail: readFileSync(join(REPO_ROOT, 'docker-bits/foundation-start.Dockerfile'), 'utf8'),
    });
    writeFiles(root, { 'docker-bits/head.Dockerfile': '# nothing before the foundation\nLABEL kfc.test=1\n' });
    assert.deepEqual(lintRepo(root).map(formatFinding), []);
  });
});

describe('lint: ignore comments', () => {
  const BOTH = 'RUN curl -fsSL https://example.com/x.sh | sh\n';

  it('without a comment, a RUN can break two rules', () => {
    assert.deepEqual(rules(lintBody(BOTH)), ['pipefail', 'download-verified']);
  });
  it('# kfc-lint ignore=RULE on the line before silences exactly that rule', () => {
    const fs = lintBody(`ENV A=1\n# kfc-lint ignore=pipefail\n${BOTH}`);
    assert.deepEqual(
      fs.map((f) => `${f.line} ${f.rule}`),
      ['3 download-verified'],
    );
  });
  it('a comma list silences several rules; a comment block above counts too', () => {
    assert.deepEqual(
      lintBody(`# kfc-lint ignore=pipefail,download-verified\n# (installer checks its own signature)\n${BOTH}`),
      [],
    );
  });
  it('does not apply across an instruction', () => {
    assert.deepEqual(rules(lintBody(`# kfc-lint ignore=pipefail\nENV A=1\n${BOTH}`)), [
      'pipefail',
      'download-verified',
    ]);
  });
  it('does not leak from the end of one bit into the next', () => {
    const root = makeRepo(BOTH);
    writeFiles(root, { 'docker-bits/head.Dockerfile': `${HEAD}# kfc-lint ignore=pipefail,download-verified\n` });
    assert.deepEqual(rules(lintRepo(root)), ['pipefail', 'download-verified']);
  });
});

describe('lint: severity config', () => {
  it('downgrades a rule to warning', () => {
    const fs = lintBody('RUN echo a | tr a b\n', { severity: { pipefail: 'warning' } });
    assert.deepEqual(
      fs.map((f) => [f.rule, f.severity]),
      [['pipefail', 'warning']],
    );
  });
  it('turns a rule off', () => {
    assert.deepEqual(lintBody('RUN echo a | tr a b\n', { severity: { pipefail: 'off' } }), []);
  });
  it('leaves the other rules as they were', () => {
    const fs = lintBody('RUN echo a | tr a b && apt-get update\n', { severity: { pipefail: 'off' } });
    assert.deepEqual(
      fs.map((f) => [f.rule, f.severity]),
      [['apt-lists-cleanup', 'error']],
    );
  });

  it('CLI: exit 1 with errors, 0 with only warnings', async () => {
    const errors = makeRepo('RUN echo a | tr a b\n');
    const warnings = makeRepo('RUN echo a | tr a b\n', { severity: { pipefail: 'warning' } });
    const [e, w] = await Promise.all([runKfc(errors, ['lint']), runKfc(warnings, ['lint'])]);
    assert.equal(e.code, 1, e.stderr);
    assert.match(e.stdout, /^docker-bits\/body\.Dockerfile:1: pipefail error: .*\n1 error\(s\), 0 warning\(s\)\n$/);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /^docker-bits\/body\.Dockerfile:1: pipefail warning: .*\n0 error\(s\), 1 warning\(s\)\n$/);
  });
});

describe('downloadCommands', () => {
  it('counts curl/wget only in command position', () => {
    const cases: [string, number][] = [
      ['apt-get install -y --no-install-recommends curl wget', 0],
      ['pip install curlify', 0],
      ['curl -fsSL https://x | tar -x', 1],
      ['set -e; wget -q https://x && sha256sum -c f', 1],
      ['if curl -fs https://x; then echo up; fi', 1],
      ['sudo -u jovyan curl -o /tmp/x https://x', 1],
      ['HTTPS_PROXY=http://p:3128 /usr/bin/wget https://x', 1],
      ['echo $(curl -s https://x) && curl -O https://y', 2],
    ];
    for (const [cmd, n] of cases) assert.equal(downloadCommands(cmd), n, cmd);
  });
});
