// jupyterlab-pytorch on a GPU (`docker run --gpus all`): CUDA is available in the notebook kernel,
// cuBLAS, cuDNN and a training step run on the device. Where the engine cannot give a container a
// GPU the test is skipped as "not run, no GPU"; see src/testing/gpu.ts for when it fails instead.
// kfc-test: uncached: whether it runs depends on the GPUs the engine can give a container, which the key does not hold

import assert from 'node:assert/strict';
import { describeCell } from '../../../src/testing/kernel.ts';
import { gpuTest } from '../general/cuda-images.ts';

await gpuTest('on a GPU: torch.cuda, cuBLAS, cuDNN and a training step on the device', async (k) => {
  const c = await k.execute(
    [
      'import json, torch',
      'assert torch.cuda.is_available(), "torch.cuda.is_available() is False"',
      'd = torch.device("cuda")',
      'a = torch.randn(1024, 1024, device=d)',
      'mm = torch.allclose((a @ a.T).cpu(), a.cpu() @ a.cpu().T, atol=1e-2)',
      'torch.backends.cudnn.benchmark = True',
      'conv = torch.nn.Conv2d(3, 8, 3).to(d)',
      'img = conv(torch.randn(4, 3, 32, 32, device=d))',
      'torch.manual_seed(0)',
      'X = torch.randn(512, 8, device=d); y = X.sum(1, keepdim=True)',
      'model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)).to(d)',
      'opt = torch.optim.Adam(model.parameters(), lr=0.01)',
      'losses = []',
      'for _ in range(100):',
      '    opt.zero_grad(); loss = torch.nn.functional.mse_loss(model(X), y); loss.backward(); opt.step()',
      '    losses.append(loss.item())',
      'print(json.dumps({"name": torch.cuda.get_device_name(0), "count": torch.cuda.device_count(), "mm": mm,',
      '  "conv": list(img.shape), "cudnn": torch.backends.cudnn.version(), "first": losses[0], "last": losses[-1]}))',
    ].join('\n'),
  );
  assert.equal(c.status, 'ok', describeCell(c));
  const out = JSON.parse(c.stdout) as {
    name: string;
    count: number;
    mm: boolean;
    conv: number[];
    first: number;
    last: number;
  };
  console.log(`# ${JSON.stringify(out)}`);
  assert.ok(out.count >= 1);
  assert.ok(out.mm, 'cuBLAS matmul differs from the CPU');
  assert.deepEqual(out.conv, [4, 8, 30, 30]);
  assert.ok(out.last < out.first * 0.1, `loss went ${out.first} → ${out.last}`);
});
