// Licensed media (e.g. the SAS depot) reach a build only through kfc's temporary build context,
// bound for one RUN: kfc build refuses without them, builds with them, and no layer holds them.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { DOCKER, engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const engineUp = await engineAnswers();
const work = mkdtempSync(join(tmpdir(), 'kfc-licensed-'));
const root = join(work, 'repo');
const media = join(work, 'media');
const marker = `LICENCE-${randomBytes(16).toString('hex')}`;
const tag = `it-${randomBytes(3).toString('hex')}`;
const ref = `kfc-it-licensed/licensed:${tag}`;

function kfc(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), '--root', root, ...args], {
    reject: false,
    all: true,
    env,
    extendEnv: true,
  });
}

describe('licensed media', { skip: needs(!engineUp && 'no Docker engine answers (run scripts/provision.sh)') }, () => {
  before(async () => {
    mkdirSync(join(root, 'docker-bits'), { recursive: true });
    mkdirSync(media, { recursive: true });
    writeFileSync(join(media, 'licence.txt'), `${marker}\n`);
    writeFileSync(
      join(root, 'images.yaml'),
      [
        'bases:',
        '  debian-trixie: { image: kfc/debian:trixie, suite: trixie, mirror: http://deb.debian.org/debian }',
        'images:',
        '  licensed:',
        '    from: debian-trixie',
        '    description: needs licensed media',
        '    bits: [licensed]',
        '    requires: [{ license: { name: media, env: KFC_IT_MEDIA } }]',
      ].join('\n') + '\n',
    );
    writeFileSync(
      join(root, 'docker-bits/licensed.Dockerfile'),
      [
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        'RUN --mount=type=bind,source=licensed/media,target=/mnt/media,readonly \\',
        '    echo "licence of $(wc -c < /mnt/media/licence.txt) bytes used" > /etc/licence-used',
        'USER 1000',
      ].join('\n') + '\n',
    );
    assert.equal((await kfc(['generate'])).exitCode, 0);
  });

  after(async () => {
    await execa(DOCKER, ['rmi', '-f', ref], { reject: false });
    rmSync(work, { recursive: true, force: true });
  });

  test('kfc build refuses without the media, naming the variable', async () => {
    const r = await kfc(['build', 'licensed', '--repo', 'kfc-it-licensed', '--tag', tag], { KFC_IT_MEDIA: '' });
    assert.equal(r.exitCode, 2, r.all);
    assert.match(r.stderr, /^kfc: error: .*licensed.*media.*KFC_IT_MEDIA/m);
  });

  test('kfc build binds the media for the RUN and no layer holds them', async () => {
    const r = await kfc(['build', 'licensed', '--repo', 'kfc-it-licensed', '--tag', tag], { KFC_IT_MEDIA: media });
    assert.equal(r.exitCode, 0, r.all);
    const used = await execa(DOCKER, ['run', '--rm', '--entrypoint', 'cat', ref, '/etc/licence-used']);
    assert.equal(used.stdout.trim(), `licence of ${marker.length + 1} bytes used`);
    const save = await execa(DOCKER, ['save', ref], { encoding: 'buffer', maxBuffer: 1e9 });
    assert.ok(!Buffer.from(save.stdout).includes(Buffer.from(marker)), 'the licensed media leaked into a layer');
    assert.ok(!existsSync(join(root, 'output/licensed/licensed')), 'media never land in output/');
    assert.deepEqual(
      existsSync(join(root, '.kfc/contexts')) ? readdirSync(join(root, '.kfc/contexts')) : [],
      [],
      'the temporary context is removed',
    );
  });
});
