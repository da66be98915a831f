/** The three accounts of a node's pull, and which registry blobs may go once the node has an image. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobsToDelete, identityProblem, pullAccounts, pullStatus, shortId } from '../../src/nodepull/pull-accounts.ts';
import { blobFetches } from '../../src/nodepull/pull-bytes.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = {
  config: { digest: d('c'), size: 10 },
  layers: [
    { digest: d('a'), size: 100 },
    { digest: d('b'), size: 200 },
    { digest: d('e'), size: 300 },
  ],
};
const fetch = (...cs: string[]) => cs.map((c) => ({ repository: 'kfc-node/x', digest: d(c), bytes: 1 }));
// docker pull's non-terminal output for a child whose first layer the node had.
const output = [
  'ci: Pulling from kfc-node/x',
  `${shortId(d('a'))}: Already exists`,
  `${shortId(d('b'))}: Pulling fs layer`,
  `${shortId(d('e'))}: Pulling fs layer`,
  `${shortId(d('b'))}: Download complete`,
  `${shortId(d('b'))}: Pull complete`,
  `${shortId(d('e'))}: Pull complete`,
  'Digest: sha256:…',
].join('\n');

test('pullStatus reads the layers docker pull downloaded and the ones it had', () => {
  const s = pullStatus(output);
  assert.deepEqual([...s.pulled].sort(), [shortId(d('b')), shortId(d('e'))].sort());
  assert.deepEqual([...s.present], [shortId(d('a'))]);
});

test('the accounts agree when the registry served exactly the layers the node lacked (config aside)', () => {
  const a = pullAccounts(manifest, new Set([d('a')]), fetch('c', 'b', 'e'), output);
  assert.deepEqual(a.problems, []);
  assert.deepEqual(a.registry, [d('b'), d('e')]);
  assert.equal(a.manifest.length, 2);
  assert.equal(a.node.length, 2);
});

test('a layer served that the node already had is a disagreement', () => {
  const a = pullAccounts(manifest, new Set([d('a')]), fetch('c', 'a', 'b', 'e'), output);
  assert.equal(a.problems.length, 1);
  assert.match(a.problems[0]!, /registry served aaaaaaaaaaaa beyond/);
});

test("a layer docker pull downloaded but the node's account says it had is a disagreement", () => {
  const a = pullAccounts(manifest, new Set([d('a'), d('e')]), fetch('c', 'b'), output);
  assert.equal(a.problems.length, 1);
  assert.match(a.problems[0]!, /docker pull downloaded eeeeeeeeeeee beyond/);
});

test('a layer docker pull said nothing about is a disagreement', () => {
  const quiet = output
    .split('\n')
    .filter((l) => !l.startsWith(shortId(d('a'))))
    .join('\n');
  const a = pullAccounts(manifest, new Set([d('a')]), fetch('c', 'b', 'e'), quiet);
  assert.deepEqual(a.problems, [`docker pull reported nothing for layer(s) ${shortId(d('a'))}`]);
});

test('blobsToDelete keeps the layers a later image has (by uncompressed digest), drops the rest and the config', () => {
  const diffIds = ['sha256:u1', 'sha256:u2', 'sha256:u3'];
  assert.deepEqual(blobsToDelete(manifest, diffIds, new Set(['sha256:u1', 'sha256:u2'])), [d('c'), d('e')]);
  assert.deepEqual(blobsToDelete(manifest, diffIds, new Set()), [d('a'), d('b'), d('c'), d('e')]);
  // Unknown mapping (counts differ): only the config goes.
  assert.deepEqual(blobsToDelete(manifest, ['sha256:u1'], new Set()), [d('c')]);
});

test('blobsToDelete keeps what the next image (already pushed while this one was pulled) shares', () => {
  // The next image's push overlapped this pull: it is in the registry now and reuses layers a and b.
  const next = new Set(['sha256:u1', 'sha256:u2']);
  const drop = blobsToDelete(manifest, ['sha256:u1', 'sha256:u2', 'sha256:u3'], next);
  assert.ok(!drop.includes(d('a')) && !drop.includes(d('b')), 'the next image still needs a and b');
  assert.deepEqual(drop, [d('c'), d('e')]);
});

test("identity: the node's image ID must be the build's; a mismatch names both", () => {
  const id = `sha256:${'1'.repeat(64)}`;
  const other = `sha256:${'2'.repeat(64)}`;
  assert.equal(identityProblem(id, id), undefined);
  assert.equal(identityProblem(id, other), `the node's image ID ${other} is not the build engine's ${id}`);
  assert.equal(identityProblem(id, ''), `the node's image ID (none) is not the build engine's ${id}`);
  assert.equal(identityProblem('', ''), "the node's image ID (none) is not the build engine's (none)");
});

test("a pull's account is its own repository's blob GETs, whatever the overlapping push of the next image logs", () => {
  const at = '127.0.0.1 - - [06/Dec/2026:12:00:00 +0000]';
  const ua = '"" "docker/20.10.24 go/go1.19.8"';
  const line = (req: string, status: number, bytes: number) => `${at} "${req} HTTP/1.1" ${status} ${bytes} ${ua}`;
  const lines = [
    line(`GET /v2/kfc-node/cpu/blobs/${d('b')}`, 200, 200),
    // The next image's push: existence checks, a cross-repository mount, an upload, its manifest.
    line(`HEAD /v2/kfc-node/torch/blobs/${d('a')}`, 404, 157),
    line(`POST /v2/kfc-node/torch/blobs/uploads/?from=kfc-node%2Fcpu&mount=${d('a')}`, 201, 0),
    line('PATCH /v2/kfc-node/torch/blobs/uploads/0b1f?_state=x', 202, 0),
    line(`PUT /v2/kfc-node/torch/blobs/uploads/0b1f?_state=x&digest=${d('f')}`, 201, 0),
    line(`HEAD /v2/kfc-node/torch/blobs/${d('f')}`, 200, 0),
    line('PUT /v2/kfc-node/torch/manifests/ci', 201, 0),
    line(`GET /v2/kfc-node/cpu/blobs/${d('e')}`, 200, 300),
    line(`GET /v2/kfc-node/cpu/blobs/${d('c')}`, 200, 10),
    // Even a GET on the other repository (none is expected from a push) is not this pull's.
    line(`GET /v2/kfc-node/torch/blobs/${d('f')}`, 200, 999),
  ];
  assert.deepEqual(
    blobFetches(lines, 'kfc-node/cpu').map((f) => [f.digest, f.bytes]),
    [
      [d('b'), 200],
      [d('e'), 300],
      [d('c'), 10],
    ],
  );
  const a = pullAccounts(manifest, new Set([d('a')]), blobFetches(lines, 'kfc-node/cpu'), output);
  assert.deepEqual(a.problems, []);
  assert.equal(blobFetches(lines).length, 4, 'without a repository every GET counts');
});
