/**
 * Real-browser helpers for image tests: Debian's headless Chromium driven by playwright-core
 * (no browser download), one fresh context per test, screenshots under reports/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumPath } from './chromium.ts';

export const CHROMIUM = chromiumPath();
const repoRoot = new URL('../..', import.meta.url).pathname;
const SCREENSHOT_DIR = join(repoRoot, 'reports', 'screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Debian's Chromium, in a network namespace of its own where the machine allows one (unprivileged user
 * namespaces, or root): there the host's interface changes at every container start do not abort the
 * page's requests (ERR_NETWORK_CHANGED). It reaches the host's ports through a SOCKS5 relay (see
 * browser-netns.mjs); URLs stay the same. Elsewhere Chromium runs as is, with a notice once.
 */
export async function launchBrowser(): Promise<Browser> {
  const wrapper = netnsWrapper();
  return chromium.launch({ executablePath: wrapper ?? CHROMIUM, args: ARGS });
}

let wrapperPath: string | null | undefined;

/** The wrapper script that starts Chromium in its own network namespace, or null where none can be made. */
function netnsWrapper(): string | null {
  if (wrapperPath !== undefined) return wrapperPath;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--net', '--', 'ip', 'link', 'set', 'lo', 'up']);
  if (probe.status !== 0) {
    console.log(
      "# browser: no network namespace here (unshare --user --net failed): Chromium shares the host's network",
    );
    wrapperPath = null;
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kfc-browser-'));
  const socket = join(dir, 'socks.sock');
  startSocksServer(socket);
  const relay = fileURLToPath(new URL('./browser-netns.mjs', import.meta.url));
  wrapperPath = join(dir, 'chromium');
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, relay, socket, CHROMIUM].map(q).join(' ');
  writeFileSync(wrapperPath, `#!/bin/sh\nexec unshare --user --map-root-user --net -- ${command} "$@"\n`, {
    mode: 0o755,
  });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return wrapperPath;
}

/** A SOCKS5 server (no authentication, CONNECT only) on a Unix socket: the namespace's way out to the host. */
function startSocksServer(path: string): void {
  const server = createServer((client) => {
    let buf = Buffer.alloc(0);
    let greeted = false;
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!greeted) {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        if (buf[0] !== 5) return client.destroy();
        buf = buf.subarray(2 + buf[1]!);
        greeted = true;
        client.write(Buffer.from([5, 0]));
      }
      // Request: VER CMD RSV ATYP ADDR PORT, CONNECT (1) to an IPv4 address (1) or a name (3).
      if (buf.length < 5) return;
      if (buf[1] !== 1 || (buf[3] !== 1 && buf[3] !== 3)) return client.destroy();
      const at = buf[3] === 1 ? 8 : 5 + buf[4]!;
      if (buf.length < at + 2) return;
      const host = buf[3] === 1 ? [...buf.subarray(4, 8)].join('.') : buf.subarray(5, at).toString();
      const port = buf.readUInt16BE(at);
      const rest = buf.subarray(at + 2);
      client.off('data', onData);
      client.pause();
      const upstream = connect(port, host, () => {
        client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!client.destroyed) client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
        upstream.destroy();
      });
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  server.listen(path);
  server.unref();
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /**
   * Console errors, uncaught page errors and 4xx/5xx answers to requests the page made (favicon
   * included): each one fails the scenario (assertCleanPage).
   */
  errors: string[];
  /**
   * Requests Chromium aborted with ERR_NETWORK_CHANGED: another container started on this host and
   * added a network interface while the page loaded. Not the image's doing, and the page is then
   * half loaded: the scenario is run again rather than judged.
   */
  networkChanged: string[];
}

const NETWORK_CHANGED = /ERR_NETWORK_CHANGED/;

export async function newSession(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  const networkChanged: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (NETWORK_CHANGED.test(m.text())) networkChanged.push(`console: ${m.text()}`);
    else errors.push(`console: ${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('requestfailed', (r) => {
    if (NETWORK_CHANGED.test(r.failure()?.errorText ?? '')) networkChanged.push(`${r.method()} ${r.url()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, errors, networkChanged };
}

/** The run met a change of the host's network (see BrowserSession.networkChanged): run it again. */
class NetworkChanged extends Error {}

/**
 * Fails when the page logged a console error, threw, or got a 4xx/5xx answer, bar the `allow`ed
 * lines (say why beside each); throws NetworkChanged instead when the host's network changed.
 */
export function assertCleanPage(s: BrowserSession, allow: RegExp[] = []): void {
  if (s.networkChanged.length) {
    throw new NetworkChanged(`the host's network changed during the run: ${s.networkChanged.slice(0, 3).join(' | ')}`);
  }
  const errors = s.errors.filter((e) => !allow.some((a) => a.test(e)));
  if (errors.length) throw new Error(`the page reported ${errors.length} error(s):\n${errors.join('\n')}`);
}

export interface ScenarioOptions {
  /** Page errors that are expected (see assertCleanPage). */
  allow?: RegExp[];
  /** Runs made in all when the host's network keeps changing (default 3). */
  attempts?: number;
}

/**
 * Runs a browser scenario in a fresh context and fails it on any page error (assertCleanPage); on
 * failure keeps a screenshot and the page errors. A run the host's network disturbed is made again.
 */
export async function runScenario(
  browser: Browser,
  name: string,
  fn: (s: BrowserSession) => Promise<void>,
  opts: ScenarioOptions = {},
): Promise<void> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const s = await newSession(browser);
    try {
      let failure: unknown;
      await fn(s).catch((e) => {
        failure = e;
      });
      if (s.networkChanged.length && attempt < attempts) {
        console.log(`# ${name}: the host's network changed during run ${attempt} (a container started): run again`);
        continue;
      }
      if (failure) throw failure;
      assertCleanPage(s, opts.allow);
      return;
    } catch (e) {
      const shot = await screenshot(s.page, `${name}-FAILED`).catch(() => '(no screenshot)');
      const errors = [...s.errors, ...s.networkChanged.map((n) => `network changed: ${n}`)];
      throw new Error(`${(e as Error).message}\nscreenshot: ${shot}\npage errors:\n${errors.join('\n')}`);
    } finally {
      await s.context.close();
    }
  }
}

/** Saves a full-page PNG as reports/screenshots/<image>-<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const image = (process.env.KFC_TEST_NAME ?? process.env.KFC_TEST_IMAGE ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_');
  const file = join(SCREENSHOT_DIR, `${image}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
