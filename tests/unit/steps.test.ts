/** BuildKit step numbering → bit lines, and the plain-progress parser that finds the failing step. */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { buildSteps, PlainProgress } from '../../src/engine/steps.ts';
import { generateImage } from '../../src/generate/generate.ts';
import { cleanup, copyFixture } from './helpers.ts';

const root = copyFixture();
after(() => cleanup(root));
const catalog = loadCatalog(root);
const grand = generateImage(catalog, catalog.nodes.get('mini-grand')!);

describe('buildSteps', () => {
  it('numbers FROM, COPY, RUN, WORKDIR as BuildKit does and maps each to its bit line', () => {
    const steps = buildSteps(grand.dockerfile, grand.origins);
    assert.deepEqual(
      steps.map((s) => [s.index, s.keyword, `${s.origin.file}:${s.origin.line}`]),
      [
        [1, 'FROM', 'images.yaml:1'],
        [2, 'COPY', 'docker-bits/mini-os.Dockerfile:3'],
        [3, 'RUN', 'docker-bits/mini-os.Dockerfile:4'],
        [4, 'COPY', 'docker-bits/mini-user.Dockerfile:1'],
        [5, 'WORKDIR', 'docker-bits/mini-user.Dockerfile:2'],
        [6, 'COPY', 'docker-bits/mini-tool.Dockerfile:2'],
        [7, 'RUN', 'docker-bits/mini-tool.Dockerfile:3'],
      ],
    );
    assert.equal(steps[6]!.origin.owner, 'mini-child');
  });

  it('counts ADD and skips ENV, ARG, SHELL, USER, LABEL, EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, comments', () => {
    const text = [
      'FROM debian:trixie', // 1
      'ARG X=1',
      'ENV A=1',
      'SHELL ["/bin/bash", "-c"]',
      '# RUN not-a-step',
      'USER root',
      'LABEL a=b',
      'ADD https://example.com/x.tgz /tmp/', // 2
      'RUN true && \\', // 3
      '    echo continued',
      'EXPOSE 8888',
      'HEALTHCHECK CMD ["true"]',
      'WORKDIR /w', // 4
      'ENTRYPOINT ["tini"]',
      'CMD ["start.sh"]',
      'COPY a b', // 5
      '',
    ].join('\n');
    const steps = buildSteps(text, []);
    assert.deepEqual(
      steps.map((s) => [s.index, s.keyword, s.origin.file, s.origin.line]),
      [
        [1, 'FROM', 'Dockerfile', 1],
        [2, 'ADD', 'Dockerfile', 8],
        [3, 'RUN', 'Dockerfile', 9],
        [4, 'WORKDIR', 'Dockerfile', 13],
        [5, 'COPY', 'Dockerfile', 16],
      ],
    );
  });
});

// What `docker build --progress plain` prints for mini-grand when its last RUN fails.
// Long log lines of the sample, built from pieces (same bytes).
const APT_RUN =
  'apt-get update -qq &&     apt-get install -y --no-install-recommends ca-certificates &&     ' +
  'rm -rf /var/lib/apt/lists/*';
const HELPER_FAILED =
  'process "/bin/bash -o pipefail -c /opt/tool/lib/helper.sh --install" did not complete successfully: exit code: 2';
const LOG = `#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 1.02kB done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/debian:trixie-20250520-slim
#2 DONE 0.4s

#3 [internal] load .dockerignore
#3 transferring context: 2B done
#3 DONE 0.0s

#4 [1/7] FROM docker.io/library/debian:trixie-20250520-slim@sha256:${'d'.repeat(64)}
#4 resolve docker.io/library/debian:trixie-20250520-slim@sha256:${'d'.repeat(64)} 0.0s done
#4 DONE 0.0s

#5 [internal] load build context
#5 transferring context: 1.21kB done
#5 DONE 0.0s

#6 [2/7] COPY --chmod=0755 common/run.sh /usr/local/bin/run.sh
#6 CACHED

#7 [3/7] RUN ${APT_RUN}
#7 CACHED

#8 [4/7] COPY common/motd.txt /etc/motd
#8 DONE 0.1s

#9 [5/7] WORKDIR /home/jovyan
#9 DONE 0.0s

#10 [6/7] COPY tool/ /opt/tool/
#10 DONE 0.0s

#11 [7/7] RUN /opt/tool/lib/helper.sh --install
#11 0.211 helper --install
#11 0.212 /opt/tool/lib/helper.sh: 2: cannot open /opt/tool/conf: No such file
#11 ERROR: ${HELPER_FAILED}
------
 > [7/7] RUN /opt/tool/lib/helper.sh --install:
0.211 helper --install
0.212 /opt/tool/lib/helper.sh: 2: cannot open /opt/tool/conf: No such file
------
Dockerfile:20
--------------------
  18 |     USER root
  19 |     COPY tool/ /opt/tool/
  20 | >>> RUN /opt/tool/lib/helper.sh --install
  21 |     USER \${NB_UID}
  22 |
--------------------
ERROR: failed to solve: ${HELPER_FAILED}`;

describe('PlainProgress', () => {
  it('follows the steps of a real-looking log, counts CACHED and finds the failing step', () => {
    const p = new PlainProgress();
    const started: number[] = [];
    const cached: number[] = [];
    for (const line of LOG.split('\n')) {
      const ev = p.feed(line);
      if (ev.started) started.push(ev.started);
      if (ev.cached) cached.push(ev.cached);
    }
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(cached, [2, 3]);
    assert.equal(p.cached, 2);
    assert.equal(p.total, 7);
    assert.equal(p.failedStep, 7);
    // …which the step table turns into the bit line to blame.
    const step = buildSteps(grand.dockerfile, grand.origins)[p.failedStep! - 1]!;
    assert.equal(`${step.origin.file}:${step.origin.line}`, 'docker-bits/mini-tool.Dockerfile:3');
  });

  it('does not restart a step when BuildKit repeats its header', () => {
    const p = new PlainProgress();
    assert.deepEqual(p.feed('#7 [3/7] RUN apt-get update'), { started: 3 });
    assert.deepEqual(p.feed('#8 [4/7] COPY common/motd.txt /etc/motd'), { started: 4 });
    assert.deepEqual(p.feed('#7 [3/7] RUN apt-get update'), {});
    assert.equal(p.lastStep, 4);
  });

  it('reads step headers that name the stage, as BuildKit prints them for the Jupyter images', () => {
    const p = new PlainProgress();
    assert.deepEqual(p.feed('#4 [stage-0  1/19] FROM docker.io/kfc/debian:trixie'), { started: 1 });
    assert.deepEqual(p.feed('#18 [stage-0 14/19] RUN --mount=type=bind,source=artifacts,target=/mnt true'), {
      started: 14,
    });
    assert.deepEqual(p.feed('#18 CACHED'), { cached: 14 });
    assert.deepEqual(p.feed('#4 DONE 0.0s'), { done: 1, seconds: 0 });
    assert.deepEqual(p.feed('#5 [internal] load build context'), {});
    assert.equal(p.total, 19);
    assert.equal(p.failedStep, undefined);
    p.feed(' > [stage-0 14/19] RUN --mount=type=bind,source=artifacts,target=/mnt true:');
    assert.equal(p.failedStep, 14);
  });

  it('blames the step whose vertex reports ERROR, not the last step started', () => {
    const p = new PlainProgress();
    for (const l of [
      '#6 [2/4] RUN false',
      '#7 [3/4] COPY a b',
      '#6 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1',
      '#7 CANCELED',
    ])
      p.feed(l);
    assert.equal(p.failedStep, 2);
  });

  it('falls back to the " > [k/N]" summary when the ERROR line is not a step vertex', () => {
    const p = new PlainProgress();
    for (const l of [
      '#5 [internal] load build context',
      '#5 ERROR: failed to read context',
      ' > [3/5] COPY missing/ /opt/:',
    ])
      p.feed(l);
    assert.equal(p.failedStep, 3);
  });

  it('reads the space-padded step numbers BuildKit prints when a build has 10 or more steps', () => {
    const p = new PlainProgress();
    assert.deepEqual(p.feed('#6 [ 2/11] COPY --chmod=0755 common/fix-permissions /usr/local/bin/'), { started: 2 });
    assert.deepEqual(p.feed('#6 CACHED'), { cached: 2 });
    assert.deepEqual(p.feed('#12 [10/11] COPY a b'), { started: 10 });
    p.feed('#7 [ 3/11] RUN false');
    p.feed('#7 ERROR: process did not complete successfully');
    assert.equal(p.failedStep, 3);
    assert.equal(p.total, 11);
    const q = new PlainProgress();
    q.feed(' > [ 4/11] RUN apt-get update:');
    assert.equal(q.failedStep, 4);
  });

  it('ignores CACHED and ERROR lines of internal vertices', () => {
    const p = new PlainProgress();
    assert.deepEqual(p.feed('#3 [internal] load .dockerignore'), {});
    assert.deepEqual(p.feed('#3 CACHED'), {});
    p.feed('#3 ERROR: something internal');
    assert.equal(p.failedStep, undefined);
    assert.equal(p.cached, 0);
  });
});
