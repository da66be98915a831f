// jupyterlab-cpu's JupyterLab as users see it, in Debian's headless Chromium: the UI language follows
// KF_LANG (French menus and launcher with fr, English with en), the VS Code tile of the Launcher
// (jupyter-server-proxy) opens VS Code under $NB_PREFIX/vscode/, the git panel is there, and every
// installed lab/server extension is enabled and loads without errors in the browser console.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type BrowserSession, launchBrowser, runScenario, screenshot } from '../../../src/testing/browser.ts';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { until } from '../general/start-run.ts';

// Jupyter's extension lists colour "enabled"/"OK" even without a terminal.
const stripAnsi = (s: string): string => s.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

describe('jupyterlab-cpu: the JupyterLab UI', () => {
  const notebooks: Notebook[] = [];
  after(async () => {
    for (const nb of notebooks) await nb.remove();
  });

  async function start(env: Record<string, string> = {}): Promise<Notebook> {
    const nb = await startNotebook({ env });
    notebooks.push(nb);
    return nb;
  }

  // A browser per scenario, launched once its container runs: Chromium aborts requests in flight
  // (ERR_NETWORK_CHANGED) when a container start adds a network interface to the host.
  async function scenario(name: string, fn: (s: BrowserSession) => Promise<void>, allow: RegExp[] = []): Promise<void> {
    const browser: Browser = await launchBrowser();
    try {
      await runScenario(browser, name, fn, { allow });
    } finally {
      await browser.close().catch(() => {});
    }
  }

  async function openLab(page: Page, nb: Notebook): Promise<number> {
    const t0 = Date.now();
    await page.goto(nb.url('/lab'), { waitUntil: 'domcontentloaded' });
    await page.locator('.jp-Launcher').first().waitFor({ state: 'visible', timeout: 60_000 });
    return Date.now() - t0;
  }

  // Known, not ours to hide: jupyterlab-git 0.55 recognises "not a git repository" only in git's English
  // message, so with KF_LANG=fr (LANG fr_CA.UTF-8, Debian's git speaks French) its /git/show_prefix answers
  // 500 for the home, which is not a repository. Only that request, only in French (see the issue note).
  const GIT_FR = [/HTTP 500 POST \S+\/git\/show_prefix\b/, /status of 500 .*\/git\/show_prefix\b/];

  const menuTitles = async (page: Page): Promise<string[]> =>
    (await page.locator('#jp-menu-panel .lm-MenuBar-itemLabel').allInnerTexts()).map((t) => t.trim());

  test('KF_LANG=fr: menus and launcher in French', async () => {
    const nb = await start({ KF_LANG: 'fr' });
    await scenario(
      'lab-fr',
      async ({ page }) => {
        const ms = await openLab(page, nb);
        console.log(`# launcher visible ${ms} ms after navigation (KF_LANG=fr)`);
        const menus = await menuTitles(page);
        assert.ok(menus.includes('Fichier'), `menus: ${menus.join(', ')}`);
        assert.ok(menus.includes('Édition'), `menus: ${menus.join(', ')}`);
        assert.ok(!menus.includes('File'), `English menu left: ${menus.join(', ')}`);
        const launcher = await page.locator('.jp-Launcher').first().innerText();
        assert.match(launcher, /Console/);
        assert.match(launcher, /Autre/, 'the launcher\'s "Other" section is not French');
        console.log(`# screenshot ${await screenshot(page, 'lab-fr')}`);
      },
      GIT_FR,
    );
  });

  test('KF_LANG=en: menus and launcher in English', async () => {
    const nb = await start({ KF_LANG: 'en' });
    await scenario('lab-en', async ({ page }) => {
      await openLab(page, nb);
      const menus = await menuTitles(page);
      assert.ok(menus.includes('File') && menus.includes('Edit'), `menus: ${menus.join(', ')}`);
      assert.match(await page.locator('.jp-Launcher').first().innerText(), /Other/);
    });
  });

  test('the VS Code tile of the Launcher opens VS Code under $NB_PREFIX/vscode/', async () => {
    const nb = await start();
    await scenario('vscode-tile', async ({ page, context }) => {
      await openLab(page, nb);
      const tile = page
        .locator('.jp-LauncherCard')
        .filter({ hasText: /^\s*VS Code\b/ })
        .first();
      await tile.waitFor({ state: 'visible', timeout: 10_000 });
      const [tab] = await Promise.all([context.waitForEvent('page', { timeout: 30_000 }), tile.click()]);
      await tab.waitForLoadState('domcontentloaded', { timeout: 90_000 });
      await tab.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: 90_000 });
      const path = new URL(tab.url()).pathname;
      assert.ok(path.startsWith(`${nb.prefix}/vscode/`), `VS Code opened at ${tab.url()}`);
      await tab
        .locator('.explorer-folders-view .monaco-list-row')
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      console.log(`# screenshot ${await screenshot(tab, 'vscode-from-launcher')}`);
    });
  });

  test("a new user's first open: no R folder before R is used, LSP serves Python, no skipped servers", async () => {
    const nb = await start();
    await scenario('first-open', async ({ page }) => {
      await openLab(page, nb);
      await page
        .locator('.jp-LauncherCard[data-category="Notebook"]')
        .filter({ hasText: /Python 3/ })
        .first()
        .click();
      await page
        .locator('#jp-main-statusbar')
        .getByText(/\|\s*Idle/)
        .first()
        .waitFor({ timeout: 90_000 });
      // The open notebook starts the configured Python language server.
      await until('pylsp running for the open notebook', async () =>
        (await nb.processes()).some((p) => /-m pylsp\b/.test(p.args)),
      );
      // The file browser lists the home: only the new notebook, no R user library.
      const listed = await page.locator('.jp-DirListing-itemName').allInnerTexts();
      assert.ok(!listed.some((n) => n.trim() === 'R'), `the file browser lists: ${listed.join(', ')}`);
    });
    const home = await nb.exec(['ls', '-A', '/home/jovyan']);
    assert.ok(!home.stdout.split('\n').includes('R'), `the home holds an R folder before R ran:\n${home.stdout}`);
    const logs = await nb.logs();
    assert.doesNotMatch(logs, /Skipped non-installed server/, 'jupyter-lsp still looks for servers we do not ship');
    // jupyter-lsp's status lists the one server we ship, for Python, found without autodetection.
    const status = await nb.get('/lsp/status');
    assert.equal(status.status, 200, status.text);
    const sessions = (JSON.parse(status.text) as { sessions: Record<string, { spec: { languages: string[] } }> })
      .sessions;
    assert.deepEqual(Object.keys(sessions), ['pylsp'], `LSP servers: ${Object.keys(sessions).join(', ')}`);
    assert.deepEqual(sessions.pylsp!.spec.languages, ['python']);
    // Once R runs, its user library is made in the home (install.packages() needs no prompt).
    const r = await nb.exec(['Rscript', '-e', 'cat(.libPaths()[1])']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^\/home\/jovyan\/R\//, `R's first library: ${r.stdout}`);
  });

  test('the git panel is in the left sidebar and opens', async () => {
    const nb = await start();
    await scenario('git-panel', async ({ page }) => {
      await openLab(page, nb);
      const gitTab = page
        .locator('#jp-left-stack, .jp-SideBar.jp-mod-left')
        .locator('[data-id="jp-git-sessions"]')
        .first();
      await gitTab.waitFor({ state: 'visible', timeout: 15_000 });
      await gitTab.click();
      const panel = page.locator('#jp-git-sessions');
      await panel.waitFor({ state: 'visible', timeout: 15_000 });
      // The home is not a repository: the panel offers to initialise or clone one.
      await panel
        .getByText(/Initialize a Repository|Clone a Repository/)
        .first()
        .waitFor({ timeout: 30_000 });
      console.log(`# screenshot ${await screenshot(page, 'git-panel')}`);
    });
  });

  test('every server and lab extension is enabled, and the page loads them without console errors', async () => {
    const nb = await start();
    const server = await nb.exec(['jupyter', 'server', 'extension', 'list']);
    assert.equal(server.exitCode, 0, server.stderr);
    const serverOut = stripAnsi(`${server.stdout}\n${server.stderr}`);
    const serverLines = serverOut.split('\n').filter((l) => / enabled| disabled/.test(l));
    const disabled = serverLines.filter((l) => /disabled/.test(l));
    assert.deepEqual(disabled, [], 'disabled server extensions');
    for (const ext of [
      'jupyterlab',
      'jupyter_server_proxy',
      'jupyterlab_git',
      'jupyter_lsp',
      'jupyter_resource_usage',
    ]) {
      assert.ok(
        serverLines.some((l) => l.includes(`${ext} enabled`)),
        `server extension ${ext} not enabled:\n${serverLines.join('\n')}`,
      );
    }
    const validated = serverOut.split('\n').filter((l) => /X is |failed|Error/i.test(l));
    assert.deepEqual(validated, [], 'server extensions that failed validation');

    const lab = await nb.exec(['jupyter', 'labextension', 'list']);
    assert.equal(lab.exitCode, 0, lab.stderr);
    const labLines = stripAnsi(`${lab.stdout}\n${lab.stderr}`)
      .split('\n')
      .filter((l) => /enabled|disabled/.test(l) && / v\d/.test(l));
    assert.ok(labLines.length >= 6, `few lab extensions:\n${labLines.join('\n')}`);
    const notOk = labLines.filter((l) => !/enabled\s+OK/.test(l));
    assert.deepEqual(notOk, [], 'lab extensions not "enabled OK"');
    for (const ext of [
      '@jupyterlab/git',
      '@jupyter-lsp/jupyterlab-lsp',
      '@jupyter-server/resource-usage',
      'jupyterlab-execute-time',
      '@jupyterhub/jupyter-server-proxy',
      '@jupyter-widgets/jupyterlab-manager',
      'jupyter-matplotlib',
      'jupyterlab-plotly',
      '@kfc/jupyterlab-first-run',
    ]) {
      assert.ok(
        labLines.some((l) => l.includes(ext)),
        `lab extension ${ext} missing:\n${labLines.join('\n')}`,
      );
    }

    await scenario('extensions', async ({ page }) => {
      await openLab(page, nb);
      // Give every extension's activation a moment (LSP and git start their server calls late).
      await page.waitForTimeout(3_000);
      const loaded = await page.evaluate(() => {
        const el = document.getElementById('jupyter-config-data');
        const cfg = el ? (JSON.parse(el.textContent ?? '{}') as { federated_extensions?: { name: string }[] }) : {};
        return (cfg.federated_extensions ?? []).map((e) => e.name);
      });
      assert.ok(loaded.length >= labLines.length - 2, `the page lists ${loaded.length} federated extensions`);
      assert.ok(loaded.includes('@kfc/jupyterlab-first-run'), `the page lists ${loaded.join(', ')}`);
      // Console errors and failed requests (favicon included) fail every scenario: runScenario.
    });
  });
});
