// The images whose sources this machine does not have (a Python index, Posit's RStudio .deb,
// licensed SAS media) are defined for real: they generate and lint clean, `kfc list` says why they
// are not buildable, and `kfc build` refuses before any work with a message naming the missing
// source and what to set.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { engineAnswers } from '../../src/testing/engine-check.ts';
import { needs } from '../../src/testing/parts.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const engineUp = await engineAnswers();
const emptyCache = mkdtempSync(join(tmpdir(), 'kfc-empty-cache-'));
const tag = `gated-${process.pid}`;

function kfc(args: string[], env: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = {
    ...process.env,
    KFC_ARTIFACT_CACHE: emptyCache,
    PIP_INDEX_URL: undefined,
    KFC_PYTHON_INDEX_URL: undefined,
    SAS_MEDIA_DIR: undefined,
    ...env,
  };
  for (const k of Object.keys(base)) if (base[k] === undefined) delete base[k];
  return execa(process.execPath, [join(repoRoot, 'bin/kfc.js'), ...args], {
    reject: false,
    all: true,
    env: base as Record<string, string>,
    extendEnv: false,
  });
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function refused(image: string, env: Record<string, string | undefined>, pattern: RegExp): Promise<void> {
  const r = await kfc(['build', image, '--tag', tag, '--progress', 'quiet'], env);
  assert.notEqual(r.exitCode, 0, r.all);
  assert.match(r.all, pattern);
  assert.match(r.all, new RegExp(`images\\.yaml images\\.${image}\\.requires: cannot build ${image}: `));
  assert.doesNotMatch(r.all, /kfc build: \[1\//, 'refused before building anything');
}

describe('gated images', () => {
  after(() => rmSync(emptyCache, { recursive: true, force: true }));

  test('generate --check and lint are clean for them', async () => {
    const g = await kfc(['generate', '--check']);
    assert.equal(g.exitCode, 0, g.all);
    const l = await kfc(['lint', 'jupyterlab-tensorflow', 'rstudio', 'sas', 'remote-desktop']);
    assert.equal(l.exitCode, 0, l.all);
    assert.match(l.all, /0 error\(s\), 0 warning\(s\)/);
  });

  test('kfc list --json says which are buildable here and why not', async () => {
    const r = await kfc(['list', '--json', '--offline']);
    assert.equal(r.exitCode, 0, r.all);
    const rows = JSON.parse(r.stdout) as {
      name: string;
      buildable: { ok: boolean; missing: string[]; skipped: string[] };
    }[];
    const by = new Map(rows.map((x) => [x.name, x.buildable]));
    assert.equal(by.get('remote-desktop')?.ok, true);
    assert.match(
      by.get('remote-desktop')!.skipped.join('\n'),
      /vendor artifact "openmpp" is not in the artifact cache/,
    );
    // A Python index that does not answer, and no wheelhouse in the (empty) artifact cache.
    const dead = await kfc(['list', '--json'], {
      KFC_PYTHON_INDEX_URL: `http://127.0.0.1:${await closedPort()}/simple/`,
    });
    const tf = (JSON.parse(dead.stdout) as typeof rows).find((x) => x.name === 'jupyterlab-tensorflow')!.buildable;
    assert.equal(tf.ok, false);
    assert.match(
      tf.missing.join('\n'),
      /the Python index http:\/\/127\.0\.0\.1:\d+\/simple\/ does not answer from this host and/,
    );
    assert.equal(by.get('rstudio')?.ok, false);
    assert.match(
      by.get('rstudio')!.missing.join('\n'),
      new RegExp(
        /vendor artifact "rstudio-server" is not in the artifact cache /.source +
          /.*https:\/\/download2\.rstudio\.org\/server\/jammy\/amd64\/rstudio-server-2024\.04\.2-764-amd64\.deb/.source,
      ),
    );
    assert.equal(by.get('sas')?.ok, false);
    assert.match(by.get('sas')!.missing.join('\n'), /licensed media "sas-media" not given: SAS_MEDIA_DIR is not set/);
  });

  describe('kfc build refuses precisely', { skip: needs(!engineUp && 'no Docker engine answers') }, () => {
    test('jupyterlab-tensorflow with an index that does not answer and no wheelhouse', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/simple/`;
      await refused(
        'jupyterlab-tensorflow',
        { KFC_PYTHON_INDEX_URL: url },
        new RegExp(
          `the Python index ${url.replace(/[./]/g, '\\$&')} does not answer from this host and ` +
            `.*\\(set KFC_PYTHON_INDEX_URL to a reachable index, ` +
            `or run kfc fetch jupyterlab-tensorflow where one is reachable`,
        ),
      );
    });

    test('rstudio without the RStudio Server .deb in the cache, naming it and its URL', async () => {
      await refused(
        'rstudio',
        {},
        new RegExp(
          /vendor artifact "rstudio-server" is not in the artifact cache /.source +
            /\(run kfc fetch rstudio where /.source +
            /https:\/\/download2\.rstudio\.org\/server\/jammy\/amd64\//.source +
            /rstudio-server-2024\.04\.2-764-amd64\.deb is reachable/.source,
        ),
      );
    });

    test('sas without licensed media, and with a path that does not exist', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/simple/`;
      // kfc build names the first missing source and counts the others; kfc list names them all.
      await refused(
        'sas',
        { PIP_INDEX_URL: url },
        /the Python index .* does not answer from this host .*\(and 1 more\)/,
      );
      const r = await kfc(['list', '--json', '--offline'], {
        PIP_INDEX_URL: url,
        SAS_MEDIA_DIR: '/nonexistent/sas-depot',
      });
      const sas = (JSON.parse(r.stdout) as { name: string; buildable: { missing: string[] } }[]).find(
        (x) => x.name === 'sas',
      )!;
      assert.match(
        sas.buildable.missing.join('\n'),
        new RegExp(
          /licensed media "sas-media" not found: SAS_MEDIA_DIR=\/nonexistent\/sas-depot does not exist /.source +
            /\(set SAS_MEDIA_DIR to the folder holding the media; /.source +
            /kfc build binds it for one RUN as licensed\/sas-media\/, never a layer\)/.source,
        ),
      );
    });
  });
});
