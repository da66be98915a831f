// jupyterlab-pytorch-cpu: PyTorch on CPU in a notebook kernel: a tensor computation, a tiny
// training step whose loss decreases, and no GPU (torch.cuda.is_available() is False, no crash).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNotebook, type Notebook } from '../../../src/testing/container.ts';
import { Kernel, describeCell } from '../../../src/testing/kernel.ts';

describe('jupyterlab-pytorch-cpu: torch on CPU', () => {
  let nb: Notebook;
  let k: Kernel | undefined;
  before(async () => {
    nb = await startNotebook();
    console.log(`# start-to-ready ${nb.readyMs} ms`);
    k = await Kernel.start(nb, 'python3');
  });
  after(async () => {
    await k?.shutdown().catch(() => {});
    await nb?.remove();
  });

  test('a tensor computation', async () => {
    const c = await k!.execute([
      'import json, torch',
      'a = torch.arange(6, dtype=torch.float32).reshape(2, 3)',
      'print(json.dumps({"mm": (a @ a.T).tolist(), "sum": a.sum().item(), "device": str(a.device), "version": torch.__version__}))',
    ].join('\n'));
    assert.equal(c.status, 'ok', describeCell(c));
    const out = JSON.parse(c.stdout) as { mm: number[][]; sum: number; device: string; version: string };
    assert.deepEqual(out.mm, [[5, 14], [14, 50]]);
    assert.equal(out.sum, 15);
    assert.equal(out.device, 'cpu');
    console.log(`# torch ${out.version}`);
  });

  test('a tiny training loop on CPU decreases the loss', async () => {
    const c = await k!.execute([
      'import json, torch',
      'torch.manual_seed(0)',
      'X = torch.randn(256, 4)',
      'y = X @ torch.tensor([[1.0], [-2.0], [3.0], [0.5]]) + 0.05 * torch.randn(256, 1)',
      'model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))',
      'opt = torch.optim.Adam(model.parameters(), lr=0.05)',
      'losses = []',
      'for _ in range(60):',
      '    opt.zero_grad()',
      '    loss = torch.nn.functional.mse_loss(model(X), y)',
      '    loss.backward()',
      '    opt.step()',
      '    losses.append(loss.item())',
      'print(json.dumps(losses))',
    ].join('\n'));
    assert.equal(c.status, 'ok', describeCell(c));
    const losses = JSON.parse(c.stdout) as number[];
    assert.equal(losses.length, 60);
    assert.ok(losses.every(Number.isFinite), 'non-finite loss');
    assert.ok(losses.at(-1)! < losses[0]! * 0.1, `loss went ${losses[0]} → ${losses.at(-1)}`);
  });

  test('torchvision works alongside torch', async () => {
    const c = await k!.execute([
      'import torch, torchvision',
      'from torchvision.ops import nms',
      'boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])',
      'print(nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist(), torchvision.__version__)',
    ].join('\n'));
    assert.equal(c.status, 'ok', describeCell(c));
    assert.match(c.stdout, /^\[0, 2\] /);
  });

  test('without a GPU, torch.cuda.is_available() is False and nothing crashes', async () => {
    const c = await k!.execute([
      'import torch',
      'print(torch.cuda.is_available(), torch.cuda.device_count())',
      'x = torch.ones(3, device="cuda" if torch.cuda.is_available() else "cpu")',
      'print(x.device, x.sum().item())',
    ].join('\n'));
    assert.equal(c.status, 'ok', describeCell(c));
    assert.equal(c.stdout, 'False 0\ncpu 3.0\n');
    // The kernel is still alive afterwards.
    const again = await k!.execute('print("alive")');
    assert.equal(again.stdout, 'alive\n');
    const logs = await nb.logs();
    assert.doesNotMatch(logs, /Segmentation fault|core dumped|KernelRestarter: restarting kernel/);
  });
});
