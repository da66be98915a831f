// jupyterlab-tensorflow (built only where a Python index is configured): the pinned TensorFlow
// imports in the notebook's Python, computes, and the user can still pip install to the home.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNotebook, type Notebook } from '../../../src/testing/container.ts';

let nb: Notebook;
before(async () => {
  nb = await startNotebook({ timeoutMs: 120_000 });
});
after(async () => {
  await nb?.remove();
});

test('TensorFlow 2.20.0 imports and computes on the CPU', async () => {
  const r = await nb.exec(['python', '-c', 'import tensorflow as tf; print(tf.__version__); print(int(tf.reduce_sum(tf.constant([[1, 2], [3, 4]]))))'], { user: '1000:100', timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').slice(-2), ['2.20.0', '10']);
});

test('TensorFlow lives in $CONDA_DIR, group-writable (fix-permissions)', async () => {
  const r = await nb.exec(['bash', '-c', 'python -c "import tensorflow, os; print(os.path.dirname(tensorflow.__file__))" | xargs stat -c "%g %A"'], { user: '1000:100', timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout.trim(), /^100 d.....w/);
});
