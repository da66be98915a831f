// jupyterlab-tensorflow on a CPU node: TensorFlow (CUDA build) imports in a notebook kernel, names
// the CUDA and cuDNN it was built with, NVIDIA's libraries from the wheels load by soname as
// TensorFlow loads them on a GPU node, and Keras trains on the CPU; no GPU, no crash.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCell } from '../../../src/testing/kernel.ts';
import { assertStillAlive, onCpuNode } from '../general/cuda-images.ts';

// What TensorFlow's GPU support dlopens (by soname, through the dynamic linker's search path).
const CUDA_LIBS = [
  'libcudart.so.12',
  'libcublas.so.12',
  'libcublasLt.so.12',
  'libcufft.so.11',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.12',
  'libcudnn.so.9',
  'libnccl.so.2',
  'libnvJitLink.so.12',
  'libcupti.so.12',
];

describe('jupyterlab-tensorflow: TensorFlow on a CPU node', () => {
  // A CPU node, a python3 kernel, and the test that the image asks for every GPU (shared with the other CUDA image).
  const node = onCpuNode();

  test('TensorFlow 2.21 is a CUDA 12 + cuDNN 9 build, with Keras 3, from $CONDA_DIR', async () => {
    const t0 = Date.now();
    const c = await node.k.execute(
      [
        'import json, tensorflow as tf, keras',
        'b = tf.sysconfig.get_build_info()',
        'print(json.dumps({"tf": tf.__version__, "keras": keras.__version__,',
        '  "cuda_build": tf.test.is_built_with_cuda(),',
        '  "cuda": b.get("cuda_version"), "cudnn": b.get("cudnn_version"), "file": tf.__file__}))',
      ].join('\n'),
    );
    console.log(`# import tensorflow in the kernel: ${Date.now() - t0} ms`);
    assert.equal(c.status, 'ok', describeCell(c));
    const v = JSON.parse(c.stdout) as {
      tf: string;
      keras: string;
      cuda_build: boolean;
      cuda: string;
      cudnn: string;
      file: string;
    };
    console.log(`# ${JSON.stringify(v)}`);
    assert.match(v.tf, /^2\.21\./);
    assert.match(v.keras, /^3\./);
    assert.ok(v.cuda_build, 'tf.test.is_built_with_cuda()');
    assert.match(v.cuda ?? '', /^12\./, 'build info cuda_version');
    assert.match(v.cudnn ?? '', /^9(\.|$)/, 'build info cudnn_version');
    assert.match(v.file, /^\/opt\/conda\/lib\/python3\.\d+\/site-packages\/tensorflow\//);
  });

  test("NVIDIA's CUDA libraries load by soname from the wheels, and match the build's versions", async () => {
    const c = await node.k.execute(
      [
        'import ctypes, json, re',
        `names = ${JSON.stringify(CUDA_LIBS)}`,
        'loaded, failed = {}, {}',
        'for n in names:',
        '    try:',
        '        loaded[n] = ctypes.CDLL(n)',
        '    except OSError as e:',
        '        failed[n] = str(e)',
        'maps = open("/proc/self/maps").read()',
        'paths = {n: (re.search(r"(/\\S+/" + re.escape(n) + r")$", maps, re.M) or [None])[0] for n in loaded}',
        'cudnn = loaded["libcudnn.so.9"].cudnnGetVersion() if "libcudnn.so.9" in loaded else None',
        'rt = ctypes.c_int()',
        'if "libcudart.so.12" in loaded:',
        '    loaded["libcudart.so.12"].cudaRuntimeGetVersion(ctypes.byref(rt))',
        'print(json.dumps({"failed": failed, "paths": paths, "cudnn": cudnn, "cudart": rt.value}))',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const r = JSON.parse(c.stdout) as {
      failed: Record<string, string>;
      paths: Record<string, string | null>;
      cudnn: number;
      cudart: number;
    };
    assert.deepEqual(r.failed, {}, 'libraries the dynamic linker cannot find');
    for (const n of CUDA_LIBS)
      assert.match(
        r.paths[n] ?? '',
        /^\/opt\/conda\/lib\/python3\.\d+\/site-packages\/nvidia\//,
        `${n} loaded from ${r.paths[n]}`,
      );
    assert.equal(Math.floor(r.cudnn / 10000), 9, `cudnnGetVersion() = ${r.cudnn}`);
    assert.equal(Math.floor(r.cudart / 1000), 12, `cudaRuntimeGetVersion() = ${r.cudart}`);
    console.log(`# cuDNN ${r.cudnn}, CUDA runtime ${r.cudart}`);
  });

  test('a terminal finds them too (the dynamic linker cache, not a kernel environment variable)', async () => {
    const r = await node.nb.exec(
      [
        'bash',
        '-c',
        'ldconfig -p | grep -E "libcudnn\\.so\\.9 |libcublas\\.so\\.12 "; echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"',
      ],
      { user: '1000:100' },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stdout,
      /libcudnn\.so\.9 .*=> \/opt\/conda\/lib\/python3\.\d+\/site-packages\/nvidia\/cudnn\/lib\/libcudnn\.so\.9/,
    );
    assert.match(r.stdout, /libcublas\.so\.12 .*=> \/opt\/conda\/.*\/nvidia\/cublas\/lib\/libcublas\.so\.12/);
    assert.match(r.stdout, /^LD_LIBRARY_PATH=$/m);
  });

  test('a computation and a Keras training step on the CPU decrease the loss', async () => {
    const c = await node.k.execute(
      [
        'import json, numpy as np, tensorflow as tf, keras',
        'print(int(tf.reduce_sum(tf.constant([[1, 2], [3, 4]]))))',
        'keras.utils.set_random_seed(0)',
        'X = np.random.randn(512, 4).astype("float32")',
        'y = X @ np.array([[1.0], [-2.0], [3.0], [0.5]], dtype="float32")',
        'model = keras.Sequential(',
        '    [keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)]',
        ')',
        'model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")',
        'h = model.fit(X, y, epochs=20, batch_size=64, verbose=0)',
        'print(json.dumps(h.history["loss"]))',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const [sum, hist] = c.stdout.trim().split('\n');
    assert.equal(sum, '10');
    const losses = JSON.parse(hist!) as number[];
    assert.ok(losses.every(Number.isFinite), 'non-finite loss');
    assert.ok(losses.at(-1)! < losses[0]! * 0.1, `loss went ${losses[0]} → ${losses.at(-1)}`);
  });

  test('without a GPU, TensorFlow lists no GPU devices and nothing crashes', async () => {
    const c = await node.k.execute(
      'import tensorflow as tf\n' +
        'print(tf.config.list_physical_devices("GPU"), [d.device_type for d in tf.config.list_physical_devices()])',
    );
    assert.equal(c.status, 'ok', describeCell(c));
    assert.equal(c.stdout, "[] ['CPU']\n");
    await assertStillAlive(node);
  });

  test('TensorFlow is group-writable in $CONDA_DIR (fix-permissions)', async () => {
    const r = await node.nb.exec(
      [
        'bash',
        '-c',
        'stat -c "%g %A" "$(python -c "import sysconfig; print(sysconfig.get_path(\'purelib\'))")/tensorflow"',
      ],
      { user: '1000:100' },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout.trim(), /^100 d....w/);
  });
});
