// Kubeflow extras: KF_LANG=fr switches the locale (server and kernels get fr_CA.UTF-8, a generated
// locale) and JupyterLab's UI language where the image has the French pack; NB_NAMESPACE, when set,
// wins over the namespace of NB_PREFIX in ~/.config/kfp/context.json.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { unlessDeclared } from '../../../src/testing/capabilities.ts';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { describeCell, JupyterApi, runCell } from '../../../src/testing/kernel.ts';

describe('general: KF_LANG=fr and NB_NAMESPACE', () => {
  let nb: Notebook;
  before(async () => {
    nb = await startNotebook({ env: { KF_LANG: 'fr', NB_NAMESPACE: 'kfc-team-fr' } });
    console.log(`# start-to-ready with KF_LANG=fr ${nb.readyMs} ms`);
  });
  after(async () => {
    await nb?.remove();
  });

  test('the server runs with LANG fr_CA.UTF-8', async () => {
    const server = await nb.serverProcess();
    assert.equal(server.env.LANG, 'fr_CA.UTF-8');
    if (server.env.LC_ALL !== undefined) assert.equal(server.env.LC_ALL, 'fr_CA.UTF-8');
  });

  test('fr_CA.UTF-8 is a generated locale that programs can set', async () => {
    const r = await nb.exec(['python3', '-c', "import locale; print(locale.setlocale(locale.LC_ALL, ''))"], {
      env: { LANG: 'fr_CA.UTF-8', LC_ALL: 'fr_CA.UTF-8' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'fr_CA.UTF-8');
    const date = await nb.exec(['date', '-d', '2024-01-15', '+%B'], {
      env: { LANG: 'fr_CA.UTF-8', LC_ALL: 'fr_CA.UTF-8' },
    });
    assert.equal(date.stdout.trim(), 'janvier');
  });

  // images.yaml declares the French pack (test.capabilities: jupyterlab-french): declared and missing fails.
  test("JupyterLab's language is French", { skip: unlessDeclared('jupyterlab-french') }, async () => {
    const api = new JupyterApi(nb);
    const packs = await api.request('GET', '/lab/api/translations');
    assert.equal(packs.status, 200, `the translation API: ${packs.status} ${packs.text}`);
    const available = Object.keys((JSON.parse(packs.text) as { data: Record<string, unknown> }).data ?? {});
    const fr = available.find((l) => l.startsWith('fr'));
    assert.ok(fr, `no French language pack for JupyterLab in this image (packs: ${available.join(', ') || 'none'})`);
    // The effective value: the user's setting, else the default (which overrides.json rewrites).
    const plugin = await api.json<{
      settings?: { locale?: string };
      schema?: { properties?: { locale?: { default?: string } } };
    }>('GET', '/lab/api/settings/@jupyterlab/translation-extension:plugin');
    const locale = plugin.settings?.locale ?? plugin.schema?.properties?.locale?.default;
    assert.equal(
      locale,
      fr,
      `translation setting: user ${JSON.stringify(plugin.settings)}, ` +
        `default ${plugin.schema?.properties?.locale?.default}`,
    );
    const strings = await api.json<{ data: Record<string, unknown> }>('GET', `/lab/api/translations/${fr}`);
    assert.ok(Object.keys(strings.data ?? {}).length > 0, `the ${fr} pack has no strings`);
  });

  test('NB_NAMESPACE wins over the namespace of NB_PREFIX in ~/.config/kfp/context.json', async () => {
    const r = await nb.exec(['cat', '/home/jovyan/.config/kfp/context.json']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { namespace: 'kfc-team-fr' });
  });

  test('a notebook kernel inherits the French locale', async () => {
    const cell = await runCell(
      nb,
      'python3',
      "import locale, os\nlocale.setlocale(locale.LC_ALL, '')\nprint(os.environ.get('LANG'), locale.getlocale()[0])",
    );
    assert.equal(cell.stdout.trim(), 'fr_CA.UTF-8 fr_CA', describeCell(cell));
  });
});
