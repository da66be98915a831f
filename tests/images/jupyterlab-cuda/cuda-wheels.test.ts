// jupyterlab-cuda (the internal stage under both GPU images): NVIDIA's shared CUDA wheels are in $CONDA_DIR
// exactly at python/jupyterlab-cuda.lock's pins, once each (the framework's layer did not bring other
// copies), and every library they hold loads on a CPU node, with nothing but each other and the node's
// driver missing: the shared layer is whole, whichever framework sits on it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parsePins } from '../../../src/catalog/python-lock-format.ts';
import { runToEnd, testImage } from '../../../src/testing/container.ts';

const SHARED = parsePins(readFileSync(new URL('../../../python/jupyterlab-cuda.lock', import.meta.url), 'utf8'));

/** Python run in a one-shot container as jovyan on a CPU node; its stdout parsed as JSON. */
async function python<T>(lines: string[]): Promise<T> {
  const r = await runToEnd(testImage(), ['/opt/conda/bin/python', '-B', '-c', lines.join('\n')], {
    user: '1000:100',
    env: { NVIDIA_VISIBLE_DEVICES: 'void' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

describe("jupyterlab-cuda: NVIDIA's CUDA wheels shared by the GPU images", () => {
  test('each shared wheel is installed once, at the CUDA stage’s pin', async () => {
    assert.ok(SHARED.length >= 10, `python/jupyterlab-cuda.lock pins ${SHARED.length} packages`);
    const found = await python<Record<string, string[]>>([
      'import importlib.metadata as md, json, re',
      'out = {}',
      'for d in md.distributions():',
      '    n = re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower()',
      '    if n.startswith("nvidia-"):',
      '        out.setdefault(n, []).append(d.version)',
      'print(json.dumps(out))',
    ]);
    for (const pin of SHARED) assert.deepEqual(found[pin.name], [pin.version], `${pin.name} in the image`);
  });

  test('every library of the shared wheels loads on a CPU node, needing only the node’s driver', async () => {
    const r = await python<{ loaded: number; failed: Record<string, string> }>([
      'import ctypes, importlib.metadata as md, json, sysconfig',
      `pkgs = ${JSON.stringify(SHARED.map((p) => p.name))}`,
      'site = sysconfig.get_path("purelib")',
      'libs = sorted({f"{site}/{f}" for p in pkgs for f in md.files(p) or [] if ".so" in f.name})',
      'left, loaded, errors = list(libs), 0, {}',
      // Load in rounds: a library whose dependency is not loaded yet waits for the next round.
      'while left:',
      '    failed = []',
      '    for path in left:',
      '        try:',
      '            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)',
      '            loaded += 1',
      '        except OSError as e:',
      '            failed.append(path); errors[path] = str(e)',
      '    if len(failed) == len(left):',
      '        break',
      '    left = failed',
      'print(json.dumps({"loaded": loaded, "failed": {p: errors[p] for p in left}}))',
    ]);
    console.log(`# ${r.loaded} shared libraries loaded`);
    assert.ok(r.loaded >= 20, `only ${r.loaded} libraries loaded`);
    // libcuda.so.1 is the GPU driver: the node's NVIDIA toolkit mounts it, a CPU node has none.
    const broken = Object.entries(r.failed).filter(([, why]) => !/libcuda\.so\.1\b/.test(why));
    assert.deepEqual(broken, [], 'libraries missing more than the driver');
  });
});
