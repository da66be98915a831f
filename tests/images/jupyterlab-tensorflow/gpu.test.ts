// jupyterlab-tensorflow on a GPU (`docker run --gpus all`): TensorFlow lists the GPU, runs a matmul
// (cuBLAS) and a convolution (cuDNN) on it and trains a Keras model there. Where the engine cannot
// give a container a GPU the test is skipped as "not run, no GPU"; see src/testing/gpu.ts for when
// it fails instead.
// kfc-test: uncached: whether it runs depends on the GPUs the engine can give a container, which the key does not hold

import assert from 'node:assert/strict';
import { describeCell } from '../../../src/testing/kernel.ts';
import { gpuTest } from '../general/cuda-images.ts';

await gpuTest('on a GPU: TensorFlow finds it, cuBLAS, cuDNN and Keras training run on it', async (k) => {
  const c = await k.execute(
    [
      'import json, numpy as np, tensorflow as tf, keras',
      'gpus = tf.config.list_physical_devices("GPU")',
      'assert gpus, "TensorFlow lists no GPU"',
      'with tf.device("/GPU:0"):',
      '    a = tf.random.normal((1024, 1024))',
      '    mm = tf.matmul(a, a, transpose_b=True)',
      '    conv = tf.nn.conv2d(tf.random.normal((4, 32, 32, 3)), tf.random.normal((3, 3, 3, 8)), 1, "VALID")',
      'keras.utils.set_random_seed(0)',
      'X = np.random.randn(512, 8).astype("float32"); y = X.sum(1, keepdims=True)',
      'model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32, activation="relu"), ' +
        'keras.layers.Dense(1)])',
      'model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")',
      'h = model.fit(X, y, epochs=30, batch_size=64, verbose=0)',
      'print(json.dumps({"gpus": [g.name for g in gpus], "mm_device": mm.device, "conv": conv.shape.as_list(),',
      '  "conv_device": conv.device, "first": h.history["loss"][0], "last": h.history["loss"][-1],',
      '  "weights_device": model.weights[0].value.device}))',
    ].join('\n'),
    300_000,
  );
  assert.equal(c.status, 'ok', describeCell(c));
  const out = JSON.parse(c.stdout.trim().split('\n').at(-1)!) as {
    gpus: string[];
    mm_device: string;
    conv: number[];
    conv_device: string;
    first: number;
    last: number;
    weights_device: string;
  };
  console.log(`# ${JSON.stringify(out)}`);
  assert.match(out.mm_device, /GPU:0$/);
  assert.match(out.conv_device, /GPU:0$/);
  assert.deepEqual(out.conv, [4, 30, 30, 8]);
  assert.match(out.weights_device, /GPU:0$/, 'Keras did not place the model on the GPU');
  assert.ok(out.last < out.first * 0.1, `loss went ${out.first} → ${out.last}`);
});
