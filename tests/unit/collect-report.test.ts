/** collectReport (kfc report's orchestration) against a fake engine: what it reads, measures and gates. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import tar from 'tar-stream';
import { loadCatalog } from '../../src/catalog/load.ts';
import { readImageArchive } from '../../src/metrics/layers.ts';
import type { InspectedImage, ReportEngine } from '../../src/report/engine.ts';
import { emptyManifests } from '../../src/report/manifests.ts';
import { collectReport } from '../../src/report/run.ts';

const MINI = resolve(import.meta.dirname, '../fixtures/mini');
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function pack(entries: [string, Buffer][]): Promise<Buffer> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const [name, body] of entries) {
    await new Promise<void>((res, rej) => p.entry({ name }, body, (e) => (e ? rej(e) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Layers: the base's, the internal root's, then the child's two (the second deletes 300 B). */
const layers = {
  base: await pack([['etc/os-release', Buffer.alloc(100, 1)]]),
  root: await pack([['home/jovyan/.profile', Buffer.alloc(50, 2)]]),
  write: await pack([
    ['opt/tool', Buffer.alloc(200, 3)],
    ['opt/big', Buffer.alloc(300, 4)],
  ]),
  remove: await pack([['opt/.wh.big', Buffer.alloc(0)]]),
};
const diff = (b: Buffer) => `sha256:${hex(b)}`;
const images = {
  'kfc/mini-root:t': [layers.base, layers.root],
  'kfc/mini-child:t': [layers.base, layers.root, layers.write, layers.remove],
};
const configOf = (ls: Buffer[]) =>
  Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: ls.map(diff) }, history: ls.map(() => ({})) }));

/** A fake engine holding the two images above; it records what it is asked. */
function fakeEngine(calls: string[]): ReportEngine {
  const info = (ref: string): InspectedImage | undefined => {
    if (ref === 'debian:trixie-20250520-slim') {
      return { id: 'sha256:base', size: 100, tags: [ref], created: '', diffIds: [diff(layers.base)], env: [] };
    }
    const ls = images[ref as keyof typeof images];
    if (!ls) return undefined;
    const size = ls.reduce((a, l) => a + l.length, 0);
    return {
      id: `sha256:${hex(configOf(ls))}`,
      size,
      tags: [ref],
      created: '2026-12-01T00:00:00Z',
      diffIds: ls.map(diff),
      env: [],
    };
  };
  return {
    inspect: async (ref) => {
      calls.push(`inspect ${ref}`);
      return info(ref);
    },
    saveAndRead: async (refs) => {
      calls.push(`save ${refs.join(' ')}`);
      const entries: [string, Buffer][] = [];
      const manifest = refs.map((ref) => {
        const ls = images[ref as keyof typeof images];
        const config = configOf(ls);
        entries.push([`blobs/sha256/${hex(config)}`, config]);
        for (const l of ls) entries.push([`blobs/sha256/${hex(l)}`, l]);
        return {
          Config: `blobs/sha256/${hex(config)}`,
          RepoTags: [ref],
          Layers: ls.map((l) => `blobs/sha256/${hex(l)}`),
        };
      });
      const unique = [...new Map(entries.map((e) => [e[0], e])).values()];
      const archive = await pack([...unique, ['manifest.json', Buffer.from(JSON.stringify(manifest))]]);
      return readImageArchive(
        (async function* () {
          yield archive;
        })(),
      );
    },
    manifests: async (ref) => {
      calls.push(`manifests ${ref}`);
      return emptyManifests();
    },
    measureStart: async (ref, ready, starts) => {
      calls.push(`start ${ref} ${ready} ${starts}`);
      const samplesMs = [2500, 2600, 2700];
      return { starts: 3, samplesMs, medianMs: 2600, minMs: 2500, maxMs: 2700, iqrMs: 100, url: 'u', failures: [] };
    },
  };
}

describe('collectReport with a fake engine', () => {
  const catalog = loadCatalog(MINI);
  catalog.spec.gates = { minEfficiency: 0.99, maxStartMedianMs: 2000, minParentShare: 1 };
  const nodes = ['mini-child', 'mini-grand'].map((n) => catalog.nodes.get(n)!);
  const refOf = (n: { name: string }) => `kfc/${n.name}:t`;

  test('reads the named images and their ancestors in one save; names the missing ones', async () => {
    const calls: string[] = [];
    const r = await collectReport(catalog, nodes, {
      engine: fakeEngine(calls),
      refOf,
      manifests: false,
      starts: 0,
      log: () => {},
    });
    assert.deepEqual(r.missing, ['mini-grand']);
    assert.deepEqual(
      r.images.map((i) => i.name),
      ['mini-child'],
    );
    assert.deepEqual(
      calls.filter((c) => c.startsWith('save')),
      ['save kfc/mini-root:t kfc/mini-child:t'],
    );
    assert.ok(
      !calls.some((c) => c.startsWith('manifests') || c.startsWith('start')),
      'nothing measured that was not asked',
    );
  });

  test('layers, waste, sharing and gates come from the archive and the catalog', async () => {
    const r = await collectReport(catalog, nodes, {
      engine: fakeEngine([]),
      refOf,
      manifests: false,
      starts: 0,
      log: () => {},
    });
    const child = r.images[0]!;
    assert.deepEqual(
      child.layers.map((l) => [l.base, l.inParent]),
      [
        [true, true],
        [false, true],
        [false, false],
        [false, false],
      ],
    );
    assert.equal(child.metrics.wastedBytes, 300);
    assert.ok(child.metrics.efficiency < 0.99);
    assert.equal(child.sharing.parent?.with, 'mini-root');
    assert.equal(child.sharing.parent?.ratio, 1);
    assert.deepEqual(
      child.breaches.map((b) => [b.metric, b.source]),
      [['efficiency', 'images.yaml gates']],
    );
  });

  test('start times and manifests are measured when asked; a slow start breaches the catalog gate', async () => {
    const calls: string[] = [];
    const r = await collectReport(catalog, nodes, {
      engine: fakeEngine(calls),
      refOf,
      manifests: true,
      starts: 3,
      log: () => {},
    });
    assert.ok(calls.includes('manifests kfc/mini-child:t'));
    assert.ok(calls.includes('start kfc/mini-child:t /api/status 3'), calls.join('\n'));
    const child = r.images[0]!;
    assert.equal(child.start?.medianMs, 2600);
    assert.deepEqual(
      child.breaches.map((b) => b.metric),
      ['efficiency', 'startMedianMs'],
    );
  });
});
