/** BuildKit step numbering → bit lines. */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { buildSteps } from '../../src/engine/steps.ts';
import { generateImage } from '../../src/generate/generate.ts';
import { bitLine, cleanup, copyFixture } from './helpers.ts';

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
        [2, 'COPY', bitLine(root, 'mini-os', 'COPY ')],
        [3, 'RUN', bitLine(root, 'mini-os', 'RUN ')],
        [4, 'COPY', bitLine(root, 'mini-user', 'COPY ')],
        [5, 'WORKDIR', bitLine(root, 'mini-user', 'WORKDIR ')],
        [6, 'COPY', bitLine(root, 'mini-tool', 'COPY ')],
        [7, 'RUN', bitLine(root, 'mini-tool', 'RUN ')],
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
