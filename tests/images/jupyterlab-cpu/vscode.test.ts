// jupyterlab-cpu: VS Code (code-server) served under the notebook's prefix on the same port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNotebook, type HttpResult, type Notebook } from '../../../src/testing/container.ts';

/** GETs a path, following redirects that stay on the same server, and returns the last answer and URL. */
async function follow(nb: Notebook, path: string, max = 5): Promise<{ res: HttpResult; url: string; hops: string[] }> {
  let url = nb.url(path);
  const hops: string[] = [];
  for (let i = 0; i <= max; i++) {
    const res = await nb.getRaw(new URL(url).pathname + new URL(url).search, { signal: AbortSignal.timeout(90_000) });
    if (res.status < 300 || res.status >= 400) return { res, url, hops };
    const loc = res.headers.get('location');
    assert.ok(loc, `redirect ${res.status} without Location from ${url}`);
    url = new URL(loc, url).toString();
    hops.push(`${res.status} → ${url}`);
  }
  throw new Error(`too many redirects: ${hops.join(', ')}`);
}

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
    const { res, url, hops } = await follow(nb, '/vscode/');
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
    const { res, url } = await follow(nb, '/vscode');
    assert.equal(res.status, 200, url);
    assert.match(res.text, /workbench/i);
  });

  test('VS Code is not reachable outside the prefix', async () => {
    const r = await nb.getRaw('/vscode/');
    assert.equal(r.status, 404);
  });
});
