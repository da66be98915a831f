// jupyterlab-cpu: VS Code (code-server) served under the notebook's prefix on the same port.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';

describe('jupyterlab-cpu: VS Code under the prefix', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook();
    console.log(`# start-to-ready ${nb.readyMs} ms`);
  });
  after(async () => {
    await nb?.remove();
  });

  test('$NB_PREFIX/vscode/ serves the VS Code workbench', async () => {
    const t0 = Date.now();
    const res = await nb.follow('/vscode/', { signal: AbortSignal.timeout(90_000) });
    const { url, hops } = res;
    console.log(`# first /vscode/ page in ${Date.now() - t0} ms (${hops.join(', ') || 'no redirect'})`);
    assert.equal(res.status, 200, `${url}: ${res.text.slice(0, 500)}`);
    assert.ok(new URL(url).pathname.startsWith(`${nb.prefix}/vscode/`), `redirected out of the prefix: ${url}`);
    assert.match(res.text, /workbench/i, 'the page does not load the VS Code workbench');
    // Its assets resolve under the prefix too (relative URLs through the proxy).
    const asset = /(?:src|href)="([^"]*workbench[^"]*\.(?:js|css))"/.exec(res.text)?.[1];
    assert.ok(asset, 'no workbench script or stylesheet referenced by the page');
    const assetUrl = new URL(asset, url);
    assert.equal(assetUrl.host, new URL(url).host);
    assert.ok(assetUrl.pathname.startsWith(`${nb.prefix}/vscode/`), `asset outside the prefix: ${assetUrl.pathname}`);
    const a = await nb.getRaw(assetUrl.pathname);
    assert.equal(a.status, 200, `${assetUrl.pathname}: HTTP ${a.status}`);
  });

  test('$NB_PREFIX/vscode (no trailing slash) leads to the workbench', async () => {
    const res = await nb.follow('/vscode', { signal: AbortSignal.timeout(90_000) });
    assert.equal(res.status, 200, res.url);
    assert.match(res.text, /workbench/i);
  });

  test('VS Code is not reachable outside the prefix', async () => {
    const r = await nb.getRaw('/vscode/');
    assert.equal(r.status, 404);
  });
});
