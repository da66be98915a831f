/** BuildKit step numbering → bit lines. */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { buildSteps } from '../../src/engine/steps.ts';
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
