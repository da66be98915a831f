// What the suites of the CUDA images (jupyterlab-pytorch, jupyterlab-tensorflow) share: the CPU node
// their kernel tests run on, the GPU test's frame, and the checks of the two-moons notebook. A helper,
// not a suite (no .test.ts): it lives in general/ so that `kfc affected` re-tests every image that
// runs it when it changes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { imageInspect, type Notebook, startNotebook, testImage } from '../../../src/testing/container.ts';
import { GPU_HOST_CONFIG, gpuFacts, gpuPlan } from '../../../src/testing/gpu.ts';
import { Kernel } from '../../../src/testing/kernel.ts';
import type { NotebookRun } from '../../../src/testing/notebook.ts';

/** A notebook container no GPU is given to: even an engine whose default runtime is NVIDIA's gives none. */
const startOnCpuNode = () => startNotebook({ env: { NVIDIA_VISIBLE_DEVICES: 'void' } });

/**
 * A notebook on a CPU node for the tests of a file or describe: started in `before`, removed in `after`
 * (after `beforeRemove`, e.g. a kernel's shutdown).
 */
export function notebookOnCpuNode(beforeRemove?: () => Promise<void>): { nb: Notebook } {
  const node = {} as { nb: Notebook };
  before(async () => {
    node.nb = await startOnCpuNode();
  });
  after(async () => {
    await beforeRemove?.();
    await node.nb?.remove();
  });
  return node;
}

interface CpuNode {
  nb: Notebook;
  k: Kernel;
}

/**
 * In a describe: a notebook on a CPU node and a python3 kernel for its tests (set in `before`,
 * removed in `after`), then the test that the image asks the NVIDIA toolkit for every GPU.
 */
export function onCpuNode(): CpuNode {
  const node = notebookOnCpuNode(() => node.k?.shutdown().catch(() => {})) as CpuNode;
  before(async () => {
    console.log(`# start-to-ready ${node.nb.readyMs} ms`);
    node.k = await Kernel.start(node.nb, 'python3');
  });
  test('the image asks the NVIDIA container toolkit for every GPU, compute and utility', async () => {
    const info = await imageInspect(node.nb.image);
    const env = info.Config.Env ?? [];
    assert.ok(env.includes('NVIDIA_VISIBLE_DEVICES=all'), env.join('\n'));
    assert.ok(env.includes('NVIDIA_DRIVER_CAPABILITIES=compute,utility'), env.join('\n'));
  });
  return node;
}

/** After a CUDA call on a CPU node: the kernel still answers and nothing crashed. */
export async function assertStillAlive(node: CpuNode): Promise<void> {
  const again = await node.k.execute('print("alive")');
  assert.equal(again.stdout, 'alive\n');
  assert.doesNotMatch(await node.nb.logs(), /Segmentation fault|core dumped|KernelRestarter: restarting kernel/);
}

/**
 * A test on a GPU (`docker run --gpus all`) with a python3 kernel: skipped as "not run, no GPU" where
 * the engine cannot give a container a GPU, failed where src/testing/gpu.ts says it must run.
 */
export async function gpuTest(title: string, body: (k: Kernel) => Promise<void>): Promise<void> {
  const plan = gpuPlan(await gpuFacts(testImage()));
  test(title, { skip: 'skip' in plan ? plan.skip : false }, async () => {
    if ('fail' in plan) assert.fail(plan.fail);
    assert.ok(plan.run);
    console.log(`# GPUs: ${plan.gpus.join('; ')}`);
    const nb = await startNotebook({ hostConfig: GPU_HOST_CONFIG });
    const k = await Kernel.start(nb, 'python3').catch(async (e: unknown) => {
      await nb.remove();
      throw e;
    });
    try {
      await body(k);
    } finally {
      await k.shutdown().catch(() => {});
      await nb.remove();
    }
  });
}

/**
 * The two-moons notebook's verdict: accuracy over 0.95 (cell 2), the reloaded model's predictions
 * (cell 3), saved with its outputs, and the notebook and model file in the home, owned by jovyan.
 */
export async function assertMoonsRun(nb: Notebook, run: NotebookRun, files: [string, string]): Promise<void> {
  const { accuracy } = JSON.parse(run.cells[1]!.stdout) as { accuracy: number; loss: number };
  console.log(`# two moons accuracy ${accuracy}`);
  assert.ok(accuracy > 0.95, `accuracy ${accuracy}`);
  assert.deepEqual(run.cells[2]!.results, ['[0, 1]']);
  // Saved in the home with outputs, as the user finds it on the next visit.
  const code = run.saved.cells.filter((c) => c.cell_type === 'code');
  assert.deepEqual(
    code.map((c) => c.execution_count),
    [1, 2, 3],
  );
  assert.match(JSON.stringify(code[1]!.outputs), /accuracy/);
  const stat = await nb.exec(['bash', '-c', `cd /home/jovyan && stat -c "%U %n" ${files.join(' ')}`], {
    user: '1000:100',
  });
  assert.equal(stat.stdout, files.map((f) => `jovyan ${f}\n`).join(''), stat.stderr);
}
