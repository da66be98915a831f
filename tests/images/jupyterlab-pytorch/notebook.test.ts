// jupyterlab-pytorch: a notebook that trains a tiny classifier, run as a user runs it in JupyterLab
// (saved to the home, opened in a notebook session, every cell run on its kernel, saved with its
// outputs), on the CPU.

import { test } from 'node:test';
import { runNotebook } from '../../../src/testing/notebook.ts';
import { assertMoonsRun, notebookOnCpuNode } from '../general/cuda-images.ts';

const node = notebookOnCpuNode();

test('a notebook trains a tiny classifier on two moons and is saved with its outputs', async () => {
  const run = await runNotebook(node.nb, 'kfc-torch-train.ipynb', [
    '# %% [markdown]\n# Two moons with a small MLP',
    [
      'import json, math, torch',
      'from torch import nn',
      'torch.manual_seed(0)',
      'device = "cuda" if torch.cuda.is_available() else "cpu"',
      'n = 400',
      't = torch.rand(n) * math.pi',
      'upper = torch.stack([torch.cos(t), torch.sin(t)], 1)',
      'lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)',
      'X = torch.cat([upper, lower]) + 0.1 * torch.randn(2 * n, 2)',
      'y = torch.cat([torch.zeros(n), torch.ones(n)]).long()',
      'loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)',
      'print(device, X.shape)',
    ].join('\n'),
    [
      'model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)',
      'opt = torch.optim.Adam(model.parameters(), lr=0.01)',
      'for epoch in range(30):',
      '    for xb, yb in loader:',
      '        opt.zero_grad()',
      '        loss = nn.functional.cross_entropy(model(xb.to(device)), yb.to(device))',
      '        loss.backward()',
      '        opt.step()',
      'with torch.no_grad():',
      '    acc = (model(X.to(device)).argmax(1).cpu() == y).float().mean().item()',
      'torch.save(model.state_dict(), "moons.pt")',
      'print(json.dumps({"accuracy": acc, "loss": loss.item()}))',
    ].join('\n'),
    [
      'reloaded = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))',
      'reloaded.load_state_dict(torch.load("moons.pt", weights_only=True))',
      '(reloaded(torch.tensor([[0.0, 1.0], [1.0, -0.5]])).argmax(1)).tolist()',
    ].join('\n'),
  ]);
  await assertMoonsRun(node.nb, run, ['kfc-torch-train.ipynb', 'moons.pt']);
});
