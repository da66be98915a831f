/** The three accounts of a node's pull, and which registry blobs may go once the node has an image. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobsToDelete, pullAccounts, pullStatus, shortId } from '../../src/nodepull/pull-accounts.ts';

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
