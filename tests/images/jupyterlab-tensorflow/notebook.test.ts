// jupyterlab-tensorflow: a notebook that trains a tiny Keras classifier, run as a user runs it in
// JupyterLab (saved to the home, opened in a notebook session, every cell run on its kernel, saved
// with its outputs), on the CPU.

import { test } from 'node:test';
import { runNotebook } from '../../../src/testing/notebook.ts';
import { assertMoonsRun, notebookOnCpuNode } from '../general/cuda-images.ts';

const node = notebookOnCpuNode();

test('a notebook trains a tiny Keras classifier on two moons and is saved with its outputs', async () => {
  const run = await runNotebook(
    node.nb,
    'kfc-keras-train.ipynb',
    [
      '# %% [markdown]\n# Two moons with a small Keras MLP',
      [
        'import json, numpy as np, tensorflow as tf, keras',
        'keras.utils.set_random_seed(0)',
        'n = 400',
        't = np.random.rand(n) * np.pi',
        'X = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])',
        'X = (X + 0.1 * np.random.randn(2 * n, 2)).astype("float32")',
        'y = np.concatenate([np.zeros(n), np.ones(n)]).astype("int32")',
        'ds = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(2 * n, seed=0).batch(64)',
        'print(X.shape, [d.device_type for d in tf.config.list_physical_devices()])',
      ].join('\n'),
      [
        'model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="relu"),',
        '                          keras.layers.Dense(32, activation="relu"), keras.layers.Dense(2)])',
        'model.compile(optimizer=keras.optimizers.Adam(0.01),',
        '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])',
        'h = model.fit(ds, epochs=30, verbose=0)',
        'loss, acc = model.evaluate(X, y, verbose=0)',
        'model.save("moons.keras")',
        'print(json.dumps({"accuracy": acc, "loss": loss}))',
      ].join('\n'),
      [
        'reloaded = keras.models.load_model("moons.keras")',
        'np.argmax(reloaded.predict(np.array([[0.0, 1.0], [1.0, -0.5]], dtype="float32"), verbose=0), 1).tolist()',
      ].join('\n'),
    ],
    { cellTimeoutMs: 300_000 },
  );
  await assertMoonsRun(node.nb, run, ['kfc-keras-train.ipynb', 'moons.keras']);
});
