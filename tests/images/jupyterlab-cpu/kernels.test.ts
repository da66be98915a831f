// jupyterlab-cpu: the kernels users pick in the launcher, driven like JupyterLab drives them
// (REST to start a kernel, the websocket channels and the Jupyter messaging protocol to run code).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { describeCell, JupyterApi, Kernel } from '../../../src/testing/kernel.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), `not a PNG: ${png.subarray(0, 16).toString('hex')}`);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('jupyterlab-cpu: kernels', () => {
  let nb: Notebook;
  let python: Kernel | undefined;
  let r: Kernel | undefined;
  before(async () => {
    nb = await startNotebook();
    console.log(`# start-to-ready ${nb.readyMs} ms`);
  });
  after(async () => {
    await python?.shutdown().catch(() => {});
    await r?.shutdown().catch(() => {});
    await nb?.remove();
  });

  test('$NB_PREFIX/ opens JupyterLab 4 (default URL /lab)', async () => {
    const ui = await nb.follow('/');
    assert.equal(ui.status, 200, ui.url);
    assert.equal(new URL(ui.url).pathname.replace(/\/$/, ''), `${nb.prefix}/lab`, `default URL: ${ui.hops.join(', ')}`);
    const cfg = /<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(ui.text)?.[1];
    assert.ok(cfg, 'no jupyter-config-data in the /lab page');
    const data = JSON.parse(cfg) as { appVersion?: string; baseUrl?: string };
    assert.match(data.appVersion ?? '', /^4\./, `JupyterLab ${data.appVersion}`);
    assert.equal(data.baseUrl, `${nb.prefix}/`);
  });

  test('the kernelspecs list python3 (default) and ir', async () => {
    const specs = await new JupyterApi(nb).json<{
      default: string;
      kernelspecs: Record<string, { spec: { language: string; display_name: string } }>;
    }>('GET', '/api/kernelspecs');
    assert.ok(specs.kernelspecs.python3, `no python3 kernelspec: ${Object.keys(specs.kernelspecs).join(', ')}`);
    assert.ok(specs.kernelspecs.ir, `no ir kernelspec: ${Object.keys(specs.kernelspecs).join(', ')}`);
    assert.equal(specs.kernelspecs.python3.spec.language, 'python');
    assert.equal(specs.kernelspecs.ir.spec.language, 'R');
    assert.equal(specs.default, 'python3');
  });

  test('Python code runs in a python3 kernel, with state across cells and errors reported', async () => {
    const t0 = Date.now();
    python = await Kernel.start(nb, 'python3');
    console.log(`# python3 kernel answered in ${Date.now() - t0} ms`);
    const a = await python.execute('x = 6\nprint("hello from", __name__)\nx * 7');
    assert.equal(a.status, 'ok', describeCell(a));
    assert.equal(a.stdout, 'hello from __main__\n');
    assert.deepEqual(a.results, ['42']);
    const b = await python.execute('x + 1');
    assert.deepEqual(b.results, ['7'], describeCell(b));
    const err = await python.execute('1/0');
    assert.equal(err.status, 'error');
    assert.equal(err.error?.ename, 'ZeroDivisionError');
  });

  test('%pip install in a notebook installs into the home and imports right away', async () => {
    // What users do in a cell. A local package: no index is reachable from the tests.
    const mk = await nb.exec([
      'bash',
      '-c',
      [
        'set -euo pipefail; rm -rf /tmp/kfc-kernel-probe; ' +
          'mkdir -p /tmp/kfc-kernel-probe/kfc_kernel_probe; cd /tmp/kfc-kernel-probe',
        'printf "%s\\n" "from setuptools import setup" ' +
          '"setup(name=\\"kfc-kernel-probe\\", version=\\"0.1\\", packages=[\\"kfc_kernel_probe\\"])" > setup.py',
        'echo "VALUE = 6 * 7" > kfc_kernel_probe/__init__.py',
      ].join('\n'),
    ]);
    assert.equal(mk.exitCode, 0, mk.stderr);
    const info = await python!.execute('import sys, os\nprint(sys.executable, sys.prefix, os.getcwd())');
    console.log(`# python3 kernel: ${info.stdout.trim()}`);
    assert.match(info.stdout, / \/home\/jovyan$/m, 'the kernel does not start in the home');
    const pip = await python!.execute('%pip install --no-index --no-build-isolation /tmp/kfc-kernel-probe');
    assert.equal(pip.status, 'ok', describeCell(pip));
    assert.match(pip.stdout, /Successfully installed kfc-kernel-probe/, describeCell(pip));
    const imp = await python!.execute(
      'import kfc_kernel_probe\nprint(kfc_kernel_probe.VALUE, kfc_kernel_probe.__file__)',
    );
    assert.equal(
      imp.status,
      'ok',
      `installed but not importable in the same kernel ` +
        `(a user site-packages folder created after the kernel started is not on sys.path):\n${describeCell(imp)}`,
    );
    assert.match(imp.stdout, /^42 \/home\/jovyan\//, describeCell(imp));
  });

  test('R code runs in an ir kernel', async () => {
    const t0 = Date.now();
    r = await Kernel.start(nb, 'ir');
    console.log(`# ir kernel answered in ${Date.now() - t0} ms`);
    const a = await r.execute('x <- c(1, 2, 3, 6)\ncat("sum:", sum(x) * 3.5, "\\n")\nmean(x)');
    assert.equal(a.status, 'ok', describeCell(a));
    assert.equal(a.stdout, 'sum: 42 \n');
    // IRkernel shows a visible value as display_data (text/plain, html, markdown, latex).
    assert.deepEqual(
      a.displays.map((d) => d['text/plain']),
      ['[1] 3'],
      describeCell(a),
    );
    const df = await r.execute(
      'd <- data.frame(g = c("a", "b", "a"), v = c(1, 5, 3))\ncat(aggregate(v ~ g, d, sum)$v, sep = ",")',
    );
    assert.equal(df.stdout, '4,5', describeCell(df));
    const err = await r.execute('stop("kfc-probe failure")');
    assert.equal(err.status, 'error');
    assert.match(err.error?.evalue ?? '', /kfc-probe failure/);
  });

  test('matplotlib renders a PNG inline and to a file', async () => {
    const code = [
      '%matplotlib inline',
      'import matplotlib.pyplot as plt',
      'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
      'ax.plot([0, 1, 2, 3], [0, 1, 4, 9], marker="o")',
      'ax.set_title("kfc probe")',
      'fig.savefig("/tmp/kfc-plot.png")',
      'plt.show()',
    ].join('\n');
    const c = await python!.execute(code);
    assert.equal(c.status, 'ok', describeCell(c));
    const png = c.displays.map((d) => d['image/png']).find((v): v is string => typeof v === 'string');
    assert.ok(png, `no image/png display: ${JSON.stringify(c.displays.map((d) => Object.keys(d)))}`);
    const size = pngSize(Buffer.from(png, 'base64'));
    assert.ok(size.width >= 200 && size.height >= 150, `inline PNG is ${size.width}x${size.height}`);
    const file = await nb.exec(['base64', '-w0', '/tmp/kfc-plot.png']);
    assert.deepEqual(pngSize(Buffer.from(file.stdout, 'base64')), { width: 400, height: 300 });
  });

  test('numpy, pandas, scipy, scikit-learn and matplotlib import and compute', async () => {
    const code = [
      'import json, numpy as np, pandas as pd, scipy, sklearn, matplotlib',
      'from scipy import optimize',
      'from sklearn.datasets import load_iris',
      'from sklearn.linear_model import LogisticRegression',
      'a = np.array([[3., 1.], [1., 2.]]); sol = np.linalg.solve(a, np.array([9., 8.]))',
      'df = pd.DataFrame({"g": ["a", "b", "a"], "v": [1, 5, 3]})',
      'root = optimize.brentq(lambda x: x**2 - 2, 0, 2)',
      'X, y = load_iris(return_X_y=True)',
      'acc = LogisticRegression(max_iter=500).fit(X, y).score(X, y)',
      'print(json.dumps({"solve": sol.round(6).tolist(), "groupby": df.groupby("g").v.sum().to_dict(), ' +
        '"root": round(root, 6), "acc": acc > 0.9,',
      '  "versions": {m.__name__: m.__version__ for m in (np, pd, scipy, sklearn, matplotlib)}}))',
    ].join('\n');
    const c = await python!.execute(code);
    assert.equal(c.status, 'ok', describeCell(c));
    const out = JSON.parse(c.stdout) as {
      solve: number[];
      groupby: Record<string, number>;
      root: number;
      acc: boolean;
      versions: Record<string, string>;
    };
    assert.deepEqual(out.solve, [2, 3]);
    assert.deepEqual(out.groupby, { a: 4, b: 5 });
    assert.equal(out.root, Number(Math.SQRT2.toFixed(6))); // the kernel rounds to 6 places
    assert.equal(out.acc, true);
    console.log(`# versions ${JSON.stringify(out.versions)}`);
  });

  test('the kernels show up in /api/kernels for the idle culler', async () => {
    const kernels = await new JupyterApi(nb).json<
      Array<{ id: string; name: string; last_activity: string; execution_state: string }>
    >('GET', '/api/kernels');
    const ids = kernels.map((k) => k.id);
    for (const k of [python, r]) if (k) assert.ok(ids.includes(k.id), `kernel ${k.name} (${k.id}) is not listed`);
    for (const k of kernels)
      assert.ok(!Number.isNaN(Date.parse(k.last_activity)), `kernel ${k.name} has no last_activity`);
  });
});
