// The static HTML catalog page in a real headless Chromium: content, layer charts, package search.
// Renders a synthetic family report (no engine needed); saves a screenshot under reports/.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { renderHtml } from '../../src/report/render-html.ts';
import { CHROMIUM, launchBrowser } from '../../src/testing/browser.ts';
import { needs } from '../../src/testing/parts.ts';
import { sampleCatalog, sampleReport } from '../unit/report-fixtures.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const shots = join(repoRoot, 'reports', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'kfc-html-'));

describe('HTML catalog page in headless Chromium', {
  skip: needs(!existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (scripts/provision.sh installs it)`),
}, () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    const html = renderHtml({
      report: sampleReport(),
      catalog: sampleCatalog,
      tests: {
        'jupyterlab-cpu': { ok: true, at: '2026-11-24T11:00:00Z' },
        foundation: { ok: false, at: '2026-11-24T10:00:00Z' },
      },
    });
    writeFileSync(join(work, 'index.html'), html);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${join(work, 'index.html')}`);
    assert.deepEqual(requests, [], 'the page loads nothing from elsewhere');
  });

  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('lists every catalog image with parent, size, efficiency, sharing, tags and test result', async () => {
    assert.equal(await page.title(), 'kubeflow-containers — image catalog');
    const rows = await page.locator('table.summary tr').allInnerTexts();
    assert.equal(rows.length, 4);
    assert.match(rows[1]!, /^foundation\s+—\s+150\.0 MB\s+1\.0000\s+—\s+—\s+gates pass\s+tests failed/);
    assert.match(
      rows[2]!,
      /^jupyterlab-cpu\s+foundation\s+1\.06 GB\s+0\.9952\s+100\.0%\s+1235 ms\s+gates pass\s+tests passed/,
    );
    assert.match(rows[3]!, /jupyterlab-pytorch-cpu\s+jupyterlab-cpu\s+not built here/);
    const cpu = page.locator('#img-jupyterlab-cpu');
    const meta = await cpu.locator('table.meta').innerText();
    assert.match(meta, /parent\s+foundation/);
    assert.match(meta, /shared bytes\s+150\.0 MB of 150\.0 MB \(100\.0%, 3\/3 layers\) shared with foundation/);
    assert.match(meta, /kfc-dev\/jupyterlab-cpu:python-3\.13/);
    // One SVG segment per layer, titled with its bit.
    assert.equal(await cpu.locator('svg.layers rect').count(), 5);
    assert.match(
      (await cpu.locator('svg.layers rect title').nth(3).textContent()) ?? '',
      /#3 900\.0 MB — jupyterlab \(jupyterlab-cpu\): RUN step 3/,
    );
    const box = await cpu.locator('svg.layers').boundingBox();
    assert.ok(box && box.width > 500 && box.height > 10, 'chart is drawn');
  });

  test('package search filters rows across images and hides images without a match', async () => {
    await page.fill('#q', 'numpy');
    const cpu = page.locator('#img-jupyterlab-cpu');
    assert.equal(await cpu.locator('tr.pkg:not(.hidden)').count(), 1);
    assert.equal(await cpu.locator('.hits').innerText(), '1 match');
    assert.ok(await cpu.locator('details.packages').evaluate((d) => (d as HTMLDetailsElement).open));
    assert.equal(await page.locator('#img-foundation').isVisible(), false);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'catalog-search.png'), fullPage: false });
    await page.fill('#q', 'bash');
    assert.equal(await page.locator('#img-foundation').isVisible(), true);
    assert.equal(await page.locator('section.image:not(.hidden) tr.pkg:not(.hidden)').count(), 2);
    await page.fill('#q', '');
    assert.equal(await page.locator('section.image.hidden').count(), 0);
    await page.screenshot({ path: join(shots, 'catalog.png'), fullPage: true });
  });
});
