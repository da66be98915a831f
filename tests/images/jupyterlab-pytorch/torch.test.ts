// jupyterlab-pytorch on a CPU node: the CUDA build of PyTorch imports in a notebook kernel, says
// which CUDA and cuDNN it was built with, loads NVIDIA's libraries from the wheels, computes and
// trains on the CPU, and without a GPU torch.cuda.is_available() is False (no crash).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCell } from '../../../src/testing/kernel.ts';
import { assertStillAlive, onCpuNode } from '../general/cuda-images.ts';

describe('jupyterlab-pytorch: torch on a CPU node', () => {
  // A CPU node, a python3 kernel, and the test that the image asks for every GPU (shared with the other CUDA image).
  const node = onCpuNode();

  test('torch and torchvision are CUDA 12 builds with cuDNN 9 and NCCL, from $CONDA_DIR', async () => {
    const c = await node.k.execute(
      [
        'import json, torch, torchvision',
        'print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__,',
        '  "cuda": torch.version.cuda,',
        '  "cudnn": torch.backends.cudnn.version(), "cudnn_available": torch.backends.cudnn.is_available(),',
        '  "cuda_built": torch.backends.cuda.is_built(), "nccl": torch.cuda.nccl.version(),',
        '  "arch": torch._C._cuda_getArchFlags().split(), "file": torch.__file__}))',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const v = JSON.parse(c.stdout) as {
      torch: string;
      torchvision: string;
      cuda: string;
      cudnn: number;
      cudnn_available: boolean;
      cuda_built: boolean;
      nccl: number[];
      arch: string[];
      file: string;
    };
    console.log(`# ${JSON.stringify(v)}`);
    assert.match(v.torch, /^2\.10\./);
    assert.match(v.torchvision, /^0\.25\./);
    assert.match(v.cuda ?? '', /^12\.\d+$/, 'torch.version.cuda');
    assert.ok(v.cuda_built, 'torch.backends.cuda.is_built()');
    assert.ok(v.cudnn_available, 'torch.backends.cudnn.is_available()');
    assert.ok(v.cudnn >= 90000 && v.cudnn < 100000, `cuDNN ${v.cudnn} is not 9.x`);
    assert.equal(v.nccl[0], 2, `NCCL ${v.nccl.join('.')}`);
    // Compiled kernels (not only PTX) for the GPUs nodes have: Volta (V100), Ampere, Hopper.
    for (const sm of ['sm_70', 'sm_80', 'sm_90']) assert.ok(v.arch.includes(sm), `no ${sm} in ${v.arch.join(' ')}`);
    assert.match(v.file, /^\/opt\/conda\/lib\/python3\.\d+\/site-packages\/torch\//);
  });

  test("NVIDIA's CUDA libraries load from the wheels in $CONDA_DIR", async () => {
    // Ask torch to load cuBLAS, cuDNN and the CUDA runtime as it does on a GPU, then read the mappings.
    const c = await node.k.execute(
      [
        'import ctypes, json, re, torch',
        'torch.backends.cudnn.version()',
        'maps = open("/proc/self/maps").read()',
        'libs = sorted({m.group(1) for m in re.finditer(r"(/\\S+/(lib\\w+\\.so[.\\d]*))$", maps, re.M)})',
        'print(json.dumps([l for l in libs if "/nvidia/" in l]))',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const libs = JSON.parse(c.stdout) as string[];
    for (const lib of [
      'libcudart.so.12',
      'libcublas.so.12',
      'libcublasLt.so.12',
      'libcudnn.so.9',
      'libnccl.so.2',
      'libcusparse.so.12',
      'libcufft.so.11',
    ]) {
      assert.ok(
        libs.some((l) => l.startsWith('/opt/conda/lib/') && l.endsWith(`/${lib}`)),
        `${lib} is not loaded from $CONDA_DIR: ${libs.join(' ')}`,
      );
    }
  });

  test('a tensor computation', async () => {
    const c = await node.k.execute(
      [
        'import json, torch',
        'a = torch.arange(6, dtype=torch.float32).reshape(2, 3)',
        'print(json.dumps({"mm": (a @ a.T).tolist(), "sum": a.sum().item(), "device": str(a.device)}))',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const out = JSON.parse(c.stdout) as { mm: number[][]; sum: number; device: string };
    assert.deepEqual(out.mm, [
      [5, 14],
      [14, 50],
    ]);
    assert.equal(out.sum, 15);
    assert.equal(out.device, 'cpu');
  });

  test('a tiny training loop on CPU decreases the loss', async () => {
    const c = await node.k.execute(
      [
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
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    const losses = JSON.parse(c.stdout) as number[];
    assert.equal(losses.length, 60);
    assert.ok(losses.every(Number.isFinite), 'non-finite loss');
    assert.ok(losses.at(-1)! < losses[0]! * 0.1, `loss went ${losses[0]} → ${losses.at(-1)}`);
  });

  test('torchvision works alongside torch', async () => {
    const c = await node.k.execute(
      [
        'import torch, torchvision',
        'from torchvision.ops import nms',
        'boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])',
        'print(nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist(), torchvision.__version__)',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    assert.match(c.stdout, /^\[0, 2\] /);
  });

  test('without a GPU, torch.cuda.is_available() is False and nothing crashes', async () => {
    const c = await node.k.execute(
      [
        'import torch',
        'print(torch.cuda.is_available(), torch.cuda.device_count())',
        'x = torch.ones(3, device="cuda" if torch.cuda.is_available() else "cpu")',
        'print(x.device, x.sum().item())',
      ].join('\n'),
    );
    assert.equal(c.status, 'ok', describeCell(c));
    assert.equal(c.stdout, 'False 0\ncpu 3.0\n');
    // The kernel is still alive afterwards.
    await assertStillAlive(node);
  });
});
