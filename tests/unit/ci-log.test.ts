import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ciLog, progressMode, setStepOutput } from '../../src/log/ci-log.ts';

function sink() {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s) }, text: () => chunks.join('') };
}
let t = 0;
const clock = () => (t += 1500);

describe('CI log helpers', () => {
  test('GitHub Actions: groups, annotations with escaped properties, masks', async () => {
    const s = sink();
    const log = ciLog({ env: { GITHUB_ACTIONS: 'true' }, out: s.out, now: clock });
    assert.equal(log.github, true);
    const v = await log.group('build jupyterlab-cpu', () => 42);
    assert.equal(v, 42);
    log.error('step failed: 100%', { file: 'docker-bits/a,b.Dockerfile', line: 3 });
    log.mask('s3cret');
    assert.equal(
      s.text(),
      '::group::build jupyterlab-cpu\n::endgroup::\nbuild jupyterlab-cpu: 1.5s\n' +
        '::error file=docker-bits/a%2Cb.Dockerfile,line=3::step failed: 100%25\n::add-mask::s3cret\n',
    );
  });

  test('a group closes even when its work throws; an opened group closes the previous one', async () => {
    const s = sink();
    const log = ciLog({ env: { GITHUB_ACTIONS: 'true' }, out: s.out, now: clock });
    await assert.rejects(
      log.group('test x', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    log.start('a');
    log.start('b')();
    assert.equal((s.text().match(/::group::/g) ?? []).length, 3);
    assert.equal((s.text().match(/::endgroup::/g) ?? []).length, 3);
  });

  test('elsewhere: plain ==> / <== lines, no workflow commands', async () => {
    const s = sink();
    const log = ciLog({ env: {}, out: s.out, now: clock });
    await log.group('build x', () => undefined);
    log.warning('slow', { file: 'f', line: 2 });
    log.mask('s3cret');
    assert.match(s.text(), /^==> build x\n<== build x \(1\.5s\)\nwarning: f:2: slow\n$/);
  });

  test('progress mode: explicit wins, plain on CI, auto on a terminal', () => {
    assert.equal(progressMode(undefined, { CI: 'true' }), 'plain');
    assert.equal(progressMode(undefined, { GITHUB_ACTIONS: 'true' }), 'plain');
    assert.equal(progressMode(undefined, {}), 'auto');
    assert.equal(progressMode('tty', { CI: 'true' }), 'tty');
    assert.throws(() => progressMode('fancy', {}), /unknown progress mode/);
  });

  test('step outputs: single line, multi-line heredoc, nothing outside Actions', () => {
    const written: string[] = [];
    const append = (_f: string, s: string) => written.push(s);
    assert.equal(setStepOutput('count', '3', { env: { GITHUB_OUTPUT: '/x' }, append }), true);
    setStepOutput('list', 'a\nb', { env: { GITHUB_OUTPUT: '/x' }, append });
    assert.deepEqual(written, ['count=3\n', 'list<<KFC_EOF\na\nb\nKFC_EOF\n']);
    assert.equal(setStepOutput('count', '3', { env: {}, append }), false);
  });
});
