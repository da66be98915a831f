/** When the GPU images' GPU tests run, skip ("not run, no GPU") or fail (pure decision). */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GpuFacts, gpuPlan, NO_GPU } from '../../src/testing/gpu.ts';

const noSupport: GpuFacts['engine'] = {
  kind: 'no-gpu-support',
  detail: 'could not select device driver "" with capabilities: [[gpu]]',
};

describe('gpuPlan', () => {
  it('runs where the engine gives a container GPUs', () => {
    assert.deepEqual(
      gpuPlan({ hostHasGpu: true, required: false, engine: { kind: 'gpus', gpus: ['GPU 0: NVIDIA A100'] } }),
      { run: true, gpus: ['GPU 0: NVIDIA A100'] },
    );
  });
  it('skips with exactly "not run, no GPU" on a machine without a GPU', () => {
    assert.equal(NO_GPU, 'not run, no GPU');
    assert.deepEqual(gpuPlan({ hostHasGpu: false, required: false, engine: noSupport }), { run: false, skip: NO_GPU });
  });
  it('fails, never skips, on a machine with a GPU the engine cannot hand over', () => {
    const p = gpuPlan({ hostHasGpu: true, required: false, engine: noSupport });
    assert.ok('fail' in p && /has an NVIDIA GPU.*NVIDIA container toolkit/.test(p.fail), JSON.stringify(p));
  });
  it('fails when a GPU is required (KFC_TEST_GPU=required) and there is none', () => {
    const p = gpuPlan({ hostHasGpu: false, required: true, engine: noSupport });
    assert.ok('fail' in p && /KFC_TEST_GPU=required/.test(p.fail), JSON.stringify(p));
  });
  it('fails when the engine accepts --gpus all but the GPU does not work in the container', () => {
    const p = gpuPlan({
      hostHasGpu: false,
      required: false,
      engine: { kind: 'broken', detail: 'nvidia-smi -L exited 9' },
    });
    assert.ok('fail' in p && /nvidia-smi -L exited 9/.test(p.fail), JSON.stringify(p));
  });
});
