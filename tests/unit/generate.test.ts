/**
 * Tree semantics of `kfc generate` on tests/fixtures/mini (mini-root → mini-child → mini-grand):
 * prefix property, ordering, determinism, stale removal, executable bits, atomicity, --check.
 */

import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { KfcError } from '../../src/errors.ts';
import { bitBanner, generateAll, HEADER } from '../../src/generate/generate.ts';
import { checkOutput, writeOutput } from '../../src/generate/write.ts';
import {
  bitLine,
  cleanup,
  copyFixture,
  hashTree,
  listTree,
  MINI_FIXTURE,
  REPO_ROOT,
  runKfc,
  writeFiles,
} from './helpers.ts';

const dirs: string[] = [];
function repo(): string {
  const d = copyFixture();
  dirs.push(d);
  return d;
}
after(() => dirs.forEach(cleanup));

const dockerfile = (root: string, image: string) => readFileSync(join(root, 'output', image, 'Dockerfile'), 'utf8');
const mode = (p: string) => statSync(p).mode & 0o777;

describe('generate: tree semantics', () => {
  it('orders the catalog parents first and builds the chain', () => {
    const cat = loadCatalog(repo());
    assert.deepEqual(
      cat.order.map((n) => n.name),
      ['mini-root', 'mini-child', 'mini-grand'],
    );
    const grand = cat.nodes.get('mini-grand')!;
    assert.deepEqual(
      grand.chain.map((n) => n.name),
      ['mini-root', 'mini-child', 'mini-grand'],
    );
    assert.deepEqual(
      grand.bits.map((b) => b.name),
      ['mini-os', 'mini-user', 'mini-tool', 'mini-grand'],
    );
    assert.deepEqual(grand.contextSets, ['common', 'tool']);
    assert.equal(grand.baseImage, 'debian:trixie-20250520-slim');
    assert.deepEqual(grand.requires, ['debian'], "a child inherits its parent's requirements");
  });

  it("each child's Dockerfile starts with its parent's, byte for byte (in memory and on disk)", () => {
    const root = repo();
    const cat = loadCatalog(root);
    writeOutput(cat);
    const byName = new Map(generateAll(cat).map((g) => [g.name, g]));
    let checked = 0;
    for (const node of cat.order) {
      if (!node.parent) continue;
      const parent = Buffer.from(byName.get(node.parent.name)!.dockerfile);
      const child = Buffer.from(byName.get(node.name)!.dockerfile);
      assert.ok(child.length > parent.length, `${node.name} adds something to ${node.parent.name}`);
      assert.ok(child.subarray(0, parent.length).equals(parent), `${node.name} starts with ${node.parent.name}`);
      const onDiskParent = readFileSync(join(root, 'output', node.parent.name, 'Dockerfile'));
      const onDiskChild = readFileSync(join(root, 'output', node.name, 'Dockerfile'));
      assert.ok(onDiskChild.subarray(0, onDiskParent.length).equals(onDiskParent), `${node.name} on disk`);
      checked++;
    }
    assert.equal(checked, 2);
  });

  it('writes header, FROM, then each bit under its banner, root first', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    const text = dockerfile(root, 'mini-grand');
    const lines = text.split('\n');
    assert.equal(lines[0], HEADER);
    assert.equal(lines[1], 'FROM debian:trixie-20250520-slim');
    const banners = lines.filter((l) => l.startsWith('# ---- '));
    assert.deepEqual(banners, [
      '# ---- docker-bits/mini-os.Dockerfile ----',
      '# ---- docker-bits/mini-user.Dockerfile ----',
      '# ---- docker-bits/mini-tool.Dockerfile ----',
      '# ---- docker-bits/mini-grand.Dockerfile ----',
    ]);
    assert.equal(bitBanner('docker-bits/x.Dockerfile'), '# ---- docker-bits/x.Dockerfile ----');
    // Each bit's text follows its banner verbatim, after one blank line.
    for (const bit of ['mini-os', 'mini-user', 'mini-tool', 'mini-grand']) {
      const body = readFileSync(join(root, 'docker-bits', `${bit}.Dockerfile`), 'utf8').replace(/\n+$/, '');
      assert.ok(
        text.includes(`\n\n${bitBanner(`docker-bits/${bit}.Dockerfile`)}\n${body}\n`),
        `${bit} under its banner`,
      );
    }
    assert.ok(text.endsWith('ENV MINI_LEVEL=grand\n'), 'ends with the last bit and one newline');
    // The root holds only its own bits.
    assert.deepEqual(
      dockerfile(root, 'mini-root')
        .split('\n')
        .filter((l) => l.startsWith('# ---- ')).length,
      2,
    );
  });

  it('maps every generated line to its origin', () => {
    const cat = loadCatalog(repo());
    const grand = generateAll(cat, ['mini-grand'])[0]!;
    const lines = grand.dockerfile.split('\n');
    assert.equal(grand.origins.length, lines.length - 1, 'one origin per line (the text ends in a newline)');
    const i = lines.indexOf('RUN /opt/tool/lib/helper.sh --install');
    const [file, line] = bitLine(MINI_FIXTURE, 'mini-tool', 'RUN /opt/tool/lib/helper.sh').split(':');
    assert.deepEqual(grand.origins[i], {
      file,
      line: Number(line),
      bit: 'mini-tool',
      owner: 'mini-child',
    });
  });

  it('is deterministic: twice in one place, and in another folder, give the same bytes', () => {
    const a = repo();
    writeOutput(loadCatalog(a));
    const first = hashTree(join(a, 'output'));
    writeOutput(loadCatalog(a));
    assert.equal(hashTree(join(a, 'output')), first, 'second generate changes nothing');
    const b = repo();
    writeOutput(loadCatalog(b));
    assert.equal(hashTree(join(b, 'output')), first, 'no absolute paths or times leak into output/');
    assert.deepEqual(listTree(join(a, 'output')), [
      'mini-child/Dockerfile',
      'mini-child/common/motd.txt',
      'mini-child/common/run.sh',
      'mini-child/tool/data.txt',
      'mini-child/tool/lib/helper.sh',
      'mini-grand/Dockerfile',
      'mini-grand/common/motd.txt',
      'mini-grand/common/run.sh',
      'mini-grand/tool/data.txt',
      'mini-grand/tool/lib/helper.sh',
      'mini-root/Dockerfile',
      'mini-root/common/motd.txt',
      'mini-root/common/run.sh',
    ]);
  });

  it('preserves executable bits of context files', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    for (const img of ['mini-root', 'mini-child', 'mini-grand']) {
      assert.equal(mode(join(root, 'output', img, 'common/run.sh')), 0o755, `${img} run.sh`);
      assert.equal(mode(join(root, 'output', img, 'common/motd.txt')), 0o644, `${img} motd.txt`);
      assert.equal(mode(join(root, 'output', img, 'Dockerfile')), 0o644, `${img} Dockerfile`);
    }
    assert.equal(mode(join(root, 'output/mini-child/tool/lib/helper.sh')), 0o755);
    assert.equal(mode(join(root, 'output/mini-child/tool/data.txt')), 0o644);
    assert.equal(
      readFileSync(join(root, 'output/mini-grand/tool/lib/helper.sh'), 'utf8'),
      readFileSync(join(root, 'resources/tool/lib/helper.sh'), 'utf8'),
    );
    // A script that loses its x bit in resources/ loses it in output/ too.
    chmodSync(join(root, 'resources/common/run.sh'), 0o644);
    writeOutput(loadCatalog(root));
    assert.equal(mode(join(root, 'output/mini-root/common/run.sh')), 0o644);
  });

  it('removes output/<name> of an image that left the catalog, and only then', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    const keepDot = join(root, 'output', '.keep');
    writeFileSync(keepDot, '');
    const yaml = readFileSync(join(root, 'images.yaml'), 'utf8');
    const cut = yaml.indexOf('  mini-grand:');
    assert.ok(cut > 0);
    writeFileSync(join(root, 'images.yaml'), yaml.slice(0, cut));

    // Generating a subset never removes anything.
    const partial = writeOutput(loadCatalog(root), ['mini-child']);
    assert.deepEqual(partial, { written: ['mini-child'], removed: [] });
    assert.ok(existsSync(join(root, 'output/mini-grand/Dockerfile')));

    const res = writeOutput(loadCatalog(root));
    assert.deepEqual(res.removed, ['mini-grand']);
    assert.deepEqual(res.written, ['mini-root', 'mini-child']);
    assert.ok(!existsSync(join(root, 'output/mini-grand')), 'stale folder removed');
    assert.ok(existsSync(join(root, 'output/mini-child/Dockerfile')), 'others stay');
    assert.ok(existsSync(keepDot), 'dot files in output/ are left alone');
    assert.deepEqual(checkOutput(loadCatalog(root)), []);
  });

  it('is atomic: a failure after staging the 2nd image leaves output/ exactly as it was', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    const before = hashTree(join(root, 'output'));
    // Change every image's output so a partial swap would show.
    writeFiles(root, {
      'docker-bits/mini-os.Dockerfile':
        readFileSync(join(root, 'docker-bits/mini-os.Dockerfile'), 'utf8') + 'ENV CHANGED=1\n',
    });
    const staged: string[] = [];
    assert.throws(
      () =>
        writeOutput(loadCatalog(root), [], {
          afterStage: (image) => {
            staged.push(image);
            if (staged.length === 2) throw new Error('simulated disk full');
          },
        }),
      (err: unknown) => {
        assert.ok(err instanceof KfcError, 'a user error, not a crash');
        assert.match(
          err.line(),
          /^kfc: error: .*could not write output\/ \(simulated disk full\); it was left unchanged \(fix: /,
        );
        assert.equal(err.exitCode, 2);
        return true;
      },
    );
    assert.deepEqual(staged, ['mini-root', 'mini-child']);
    assert.equal(hashTree(join(root, 'output')), before, 'output/ unchanged');
    assert.deepEqual(
      readdirSync(join(root, 'output')).filter((e) => e.startsWith('.kfc-stage-')),
      [],
      'no stage folder left',
    );
    // And the next good run goes through.
    writeOutput(loadCatalog(root));
    assert.ok(dockerfile(root, 'mini-grand').includes('ENV CHANGED=1\n'));
  });
  it('is atomic while swapping too: a failure after the 2nd swap rolls every folder back, stale ones included', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    writeFiles(root, { 'output/ghost/Dockerfile': 'FROM scratch\n' });
    const before = hashTree(join(root, 'output'));
    writeFiles(root, {
      'docker-bits/mini-os.Dockerfile':
        readFileSync(join(root, 'docker-bits/mini-os.Dockerfile'), 'utf8') + 'ENV CHANGED=1\n',
    });
    const swapped: string[] = [];
    assert.throws(
      () =>
        writeOutput(loadCatalog(root), [], {
          afterSwap: (image) => {
            swapped.push(image);
            if (swapped.length === 2) throw new Error('simulated rename failure');
          },
        }),
      (err: unknown) => err instanceof KfcError && /it was left unchanged/.test(err.line()),
    );
    assert.deepEqual(swapped, ['mini-root', 'mini-child']);
    assert.equal(hashTree(join(root, 'output')), before, 'output/ unchanged, ghost still there');
    assert.deepEqual(
      readdirSync(join(root, 'output')).filter((e) => e.startsWith('.kfc-stage-')),
      [],
      'no stage folder left',
    );
  });
});

describe('generate --check', () => {
  it('lists differs, missing, extra and mode drift (in-process)', () => {
    const root = repo();
    writeOutput(loadCatalog(root));
    assert.deepEqual(checkOutput(loadCatalog(root)), []);
    writeFileSync(join(root, 'output/mini-root/Dockerfile'), dockerfile(root, 'mini-root') + '# hand edit\n');
    rmSync(join(root, 'output/mini-child/tool/data.txt'));
    writeFiles(root, { 'output/mini-grand/notes.txt': 'x\n', 'output/ghost/Dockerfile': 'FROM scratch\n' });
    chmodSync(join(root, 'output/mini-grand/common/run.sh'), 0o644);
    assert.deepEqual(checkOutput(loadCatalog(root)), [
      { path: 'output/ghost/Dockerfile', kind: 'extra' },
      { path: 'output/mini-child/tool/data.txt', kind: 'missing' },
      { path: 'output/mini-grand/common/run.sh', kind: 'mode' },
      { path: 'output/mini-grand/notes.txt', kind: 'extra' },
      { path: 'output/mini-root/Dockerfile', kind: 'differs' },
    ]);
  });

  it('reports everything missing when output/ does not exist', () => {
    const root = repo();
    const drift = checkOutput(loadCatalog(root));
    assert.equal(drift.length, 13);
    assert.ok(drift.every((d) => d.kind === 'missing'));
  });

  it('CLI: exit 0 in sync, exit 1 listing every drifted file, writes nothing', async () => {
    const root = repo();
    const gen = await runKfc(root, ['generate']);
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal(gen.stdout, 'generated 3 image(s): mini-root, mini-child, mini-grand\n');
    const ok = await runKfc(root, ['generate', '--check']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^output\/ is in sync .*\(3 images, \d+ ms\)\n$/);
    assert.equal(ok.stderr, '');

    writeFileSync(join(root, 'output/mini-child/Dockerfile'), 'FROM scratch\n');
    rmSync(join(root, 'output/mini-root/common/motd.txt'));
    writeFiles(root, { 'output/stale/Dockerfile': 'FROM scratch\n' });
    chmodSync(join(root, 'output/mini-child/tool/lib/helper.sh'), 0o644);
    const before = hashTree(join(root, 'output'));
    const bad = await runKfc(root, ['check']);
    assert.equal(bad.code, 1, bad.stderr);
    assert.deepEqual(bad.stdout.trimEnd().split('\n'), [
      'differs output/mini-child/Dockerfile',
      'mode    output/mini-child/tool/lib/helper.sh',
      'missing output/mini-root/common/motd.txt',
      'extra   output/stale/Dockerfile',
    ]);
    assert.equal(
      bad.stderr,
      'kfc: error: output/ is out of sync (4 file(s)) (fix: run kfc generate and commit output/)\n',
    );
    assert.equal(hashTree(join(root, 'output')), before, '--check writes nothing');

    const json = await runKfc(root, ['generate', '--check', '--json']);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout) as { inSync: boolean; drift: { path: string; kind: string }[] };
    assert.equal(parsed.inSync, false);
    assert.deepEqual(
      parsed.drift.map((d) => d.kind),
      ['differs', 'mode', 'missing', 'extra'],
    );
  });

  it('the real catalog is in sync (its check time is logged as a figure, not gated)', {
    skip: !existsSync(join(REPO_ROOT, 'images.yaml')) && 'no images.yaml at the repository root yet',
  }, async () => {
    const t0 = performance.now();
    const cat = loadCatalog(REPO_ROOT);
    const drift = checkOutput(cat);
    const inProcessMs = performance.now() - t0;
    const t1 = performance.now();
    const cli = await runKfc(REPO_ROOT, ['check', '--json']);
    const cliMs = performance.now() - t1;
    console.log(
      `# generate --check on the real catalog (${cat.order.length} images, ${drift.length} drifted): ` +
        `load+check ${inProcessMs.toFixed(0)} ms in-process, ` +
        `${cliMs.toFixed(0)} ms for the CLI process (incl. Node+tsx start-up)`,
    );
    // The committed output/ is in sync (npm run check holds it so): no drift, and the CLI says so with exit 0.
    assert.deepEqual(drift, []);
    assert.equal(cli.code, 0, cli.stderr);
  });
});
