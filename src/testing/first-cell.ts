/**
 * A new notebook's first Shift+Enter, as a new user does it (issue 21): open `<prefix>/lab?reset` in a
 * fresh browser context, click the first Python notebook card of the Launcher, and run one cell at
 * one of three moments: the editor takes input, the toolbar's execution indicator reads idle, or the
 * status bar reads "| Idle". Records the times and every kernel WebSocket frame, so a lost run can be
 * told apart (no execute_request sent, or sent on a connection that was then replaced).
 */
import type { Page, WebSocket } from 'playwright-core';

export const TIMINGS = ['editor', 'toolbar', 'status'] as const;
/**
 * The three moments a user runs at, and the two windows JupyterLab 4.6.6 drops a run in, made certain:
 * - `held`: the page's PATCH /api/sessions/<id> answers (the session's real path and name, after which
 *   JupyterLab attaches the new session) are held from the moment POST /api/sessions answers until the press;
 * - `early`: the page's GET /api/sessions answers are held from the Launcher click until the press, so the
 *   notebook's session context has not begun its own kernel start when the run comes.
 */
export type Timing = (typeof TIMINGS)[number] | 'held' | 'early';

/** One kernel WebSocket frame, decoded (JSON or the v1 binary protocol). */
interface KernelFrame {
  /** ms since navigation. */
  at: number;
  dir: 'sent' | 'received';
  /** Index of the kernel connection (0 for the first WebSocket the page opened to /api/kernels/). */
  conn: number;
  channel: string;
  msgType: string;
  /** execution_state of a status message, or the code of an execute_request. */
  detail?: string;
}

export interface FirstCellResult {
  timing: Timing;
  /** No output: within the wait, or (when the run was sent) within LATE_WAIT_MS more. */
  lost: boolean;
  /** The output came, but only after the wait: the run was sent and ran slowly, not dropped. */
  late?: boolean;
  /** ms from navigation to the Launcher being visible. */
  launcherMs: number;
  /** ms from navigation to the status bar reading "| Idle" (undefined if it never did in time). */
  statusIdleMs?: number;
  /** ms from navigation to the Shift+Enter. */
  pressMs: number;
  /** ms from navigation to the expected output (undefined when lost). */
  outputMs?: number;
  /** The first cell's prompt when the wait ended, e.g. "[1]:" or "[ ]:". */
  prompt: string;
  /** `held` and `early`: whether the cell showed "[*]" while the session answers were held. */
  queuedShown?: boolean;
  /** Kernel WebSocket URLs in the order the page opened them, with whether they were closed. */
  connections: { url: string; closedAt?: number }[];
  frames: KernelFrame[];
  /** The page's session and kernel REST calls (ms since navigation, method, path, status). */
  rest: { at: number; what: string }[];
}

/** Decodes a kernel WebSocket frame: JSON text, or the v1 binary protocol (offsets, channel, header...). */
export function decodeKernelFrame(payload: string | Buffer): { channel: string; msgType: string; detail?: string } {
  try {
    let channel: string;
    let header: { msg_type?: string };
    let content: Record<string, unknown>;
    if (typeof payload === 'string') {
      const m = JSON.parse(payload) as { channel: string; header: { msg_type?: string }; content: typeof content };
      ({ channel, header, content } = m);
    } else {
      const n = Number(payload.readBigUInt64LE(0));
      const offsets = Array.from({ length: n }, (_, i) => Number(payload.readBigUInt64LE(8 * (i + 1))));
      const part = (i: number) => payload.subarray(offsets[i], offsets[i + 1] ?? payload.length).toString('utf8');
      channel = part(0);
      header = JSON.parse(part(1));
      content = JSON.parse(part(4));
    }
    const msgType = header.msg_type ?? '?';
    const detail =
      msgType === 'status'
        ? String(content.execution_state)
        : msgType === 'execute_request'
          ? String(content.code)
          : undefined;
    return { channel, msgType, ...(detail !== undefined ? { detail } : {}) };
  } catch {
    return { channel: '?', msgType: 'undecodable' };
  }
}

export interface FirstCellOptions {
  /** URL of `<prefix>/lab` (the scenario adds `?reset`). */
  labUrl: string;
  timing: Timing;
  /** The expected output line of the code it runs. */
  code: string;
  expect: string;
  /** How long to wait for the output after the press (the 20 s). */
  outputTimeoutMs?: number;
}

/** How much longer a run that was sent but shows no output after the wait is given to show it. */
const LATE_WAIT_MS = 40_000;

/** Runs the scenario on a fresh page; never throws for a lost run (see `lost`), only for a page that never loads. */
export async function firstCellRun(page: Page, o: FirstCellOptions): Promise<FirstCellResult> {
  const frames: KernelFrame[] = [];
  const connections: FirstCellResult['connections'] = [];
  const rest: FirstCellResult['rest'] = [];
  let t0 = Date.now();
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (!/\/api\/(sessions|kernels)(\/|$)/.test(path)) return;
    rest.push({
      at: Date.now() - t0,
      what: `${r.request().method()} ${path.replace(/^.*\/api\//, '/api/')} ${r.status()}`,
    });
  });
  page.on('websocket', (ws: WebSocket) => {
    if (!/\/api\/kernels\/[^/]+\/channels/.test(ws.url())) return;
    const conn = connections.push({ url: ws.url() }) - 1;
    const add = (dir: KernelFrame['dir'], payload: string | Buffer) =>
      frames.push({ at: Date.now() - t0, dir, conn, ...decodeKernelFrame(payload) });
    ws.on('framesent', (f) => add('sent', f.payload));
    ws.on('framereceived', (f) => add('received', f.payload));
    ws.on('close', () => {
      connections[conn]!.closedAt = Date.now() - t0;
    });
  });
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let sessionPosted: Promise<unknown> = Promise.resolve();
  if (o.timing === 'held') {
    await page.route(/\/api\/sessions\/[^/?]+(\?.*)?$/, async (route) => {
      if (route.request().method() === 'PATCH') await released;
      await route.fallback();
    });
    sessionPosted = page.waitForResponse(
      (r) => r.request().method() === 'POST' && /\/api\/sessions$/.test(new URL(r.url()).pathname),
      { timeout: 90_000 },
    );
  }
  let holdGets = false;
  if (o.timing === 'early') {
    await page.route(/\/api\/sessions(\?.*)?$/, async (route) => {
      if (holdGets && route.request().method() === 'GET') await released;
      await route.fallback();
    });
  }
  t0 = Date.now();
  await page.goto(`${o.labUrl}?reset`, { waitUntil: 'domcontentloaded' });
  await page.locator('.jp-Launcher').first().waitFor({ state: 'visible', timeout: 60_000 });
  const launcherMs = Date.now() - t0;
  holdGets = true;
  await page
    .locator('.jp-LauncherCard[data-category="Notebook"]')
    .filter({ hasText: /Python 3/ })
    .first()
    .click();
  const panel = page.locator('.jp-NotebookPanel').first();
  let statusIdleMs: number | undefined;
  const statusIdle = page
    .locator('#jp-main-statusbar')
    .getByText(/\|\s*Idle/)
    .first()
    .waitFor({ timeout: 90_000 })
    .then(() => {
      statusIdleMs = Date.now() - t0;
    });
  const editor = panel.locator('.jp-Cell .cm-content').first();
  await editor.waitFor({ state: 'visible', timeout: 60_000 });
  if (o.timing === 'toolbar') {
    await panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first().waitFor({ timeout: 90_000 });
  } else if (o.timing === 'status') {
    await statusIdle;
  } else if (o.timing === 'held') {
    await sessionPosted;
  }
  // No pause of our own: the user clicks, types and runs the moment the chosen sign shows.
  await editor.click();
  await page.keyboard.type(o.code);
  const pressMs = Date.now() - t0;
  await page.keyboard.press('Shift+Enter');
  let queuedShown: boolean | undefined;
  if (o.timing === 'held' || o.timing === 'early') {
    queuedShown = await panel
      .locator('.jp-InputPrompt')
      .first()
      .filter({ hasText: '[*]' })
      .waitFor({ timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    release();
  }
  const output = panel.locator('.jp-OutputArea-output').filter({ hasText: o.expect }).first();
  const visible = (timeout: number) =>
    output.waitFor({ state: 'visible', timeout }).then(
      () => true,
      () => false,
    );
  let shown = await visible(o.outputTimeoutMs ?? 20_000);
  // No output in time, but the page did send the run: it was not dropped, only slow (a machine under load).
  // Waited for a while longer, it is told apart from a dropped run (no execute_request at all).
  let late: boolean | undefined;
  if (!shown && frames.some((f) => f.dir === 'sent' && f.msgType === 'execute_request')) {
    shown = late = await visible(LATE_WAIT_MS);
  }
  const outputMs = shown ? Date.now() - t0 : undefined;
  await statusIdle.catch(() => {});
  const prompt = (
    await panel
      .locator('.jp-InputPrompt')
      .first()
      .innerText({ timeout: 2_000 })
      .catch(() => '?')
  ).trim();
  return {
    timing: o.timing,
    lost: !shown,
    ...(late ? { late } : {}),
    launcherMs,
    ...(statusIdleMs !== undefined ? { statusIdleMs } : {}),
    pressMs,
    ...(outputMs !== undefined ? { outputMs } : {}),
    prompt,
    ...(queuedShown !== undefined ? { queuedShown } : {}),
    connections,
    frames,
    rest,
  };
}

/** The frames of a run as lines, for a note or a failure message. */
export function formatFrames(r: FirstCellResult): string {
  const conns = r.connections.map(
    (c, i) =>
      `conn ${i}: ${c.url.replace(/^.*\/api\//, '/api/')}` +
      (c.closedAt !== undefined ? ` (closed at ${c.closedAt} ms)` : ''),
  );
  const lines = [
    ...r.frames.map((f) => ({
      at: f.at,
      line:
        `conn ${f.conn} ${f.dir === 'sent' ? '→' : '←'} ${f.channel}/${f.msgType}` +
        (f.detail !== undefined ? ` ${JSON.stringify(f.detail)}` : ''),
    })),
    ...r.rest.map((x) => ({ at: x.at, line: `REST ${x.what}` })),
    { at: r.pressMs, line: '*** Shift+Enter ***' },
  ].sort((a, b) => a.at - b.at);
  return [...conns, ...lines.map((l) => `${String(l.at).padStart(6)} ms ${l.line}`)].join('\n');
}
