// remote-desktop: nginx front under NB_PREFIX, the RFB websocket through websockify, a real
// browser showing the XFCE desktop through noVNC (resize, clipboard), the applications, the
// seeded launchers, KF_LANG=fr, and supervision (a killed VNC server or nginx comes back).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { assertCleanPage, launchBrowser, newSession, screenshot } from '../../../src/testing/browser.ts';
import {
  createHomeVolume,
  type Notebook,
  removeVolume,
  startNotebook,
  testImage,
} from '../../../src/testing/container.ts';
import { sleep, until } from './until.ts';

/** Opens the websocket at $NB_PREFIX/websockify and resolves with the first bytes the VNC server sends. */
function rfbGreeting(nb: Notebook, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${nb.hostPort}${nb.prefix}/websockify`, ['binary']);
    const t = setTimeout(() => {
      ws.terminate();
      reject(new Error('no RFB greeting within the timeout'));
    }, timeoutMs);
    ws.on('message', (data: Buffer) => {
      clearTimeout(t);
      ws.close();
      resolve(Buffer.from(data).toString('latin1'));
    });
    ws.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

async function x(nb: Notebook, cmd: string) {
  return nb.exec(['bash', '-c', cmd], { env: { DISPLAY: ':1' }, user: '1000:100' });
}

/** Distinct colours and the share of the most common one, over the noVNC canvas. */
async function canvasStats(page: Page): Promise<{ width: number; height: number; colours: number; topShare: number }> {
  return page.evaluate(() => {
    const c = document.querySelector('#noVNC_container canvas') as HTMLCanvasElement | null;
    if (!c || c.width === 0) return { width: 0, height: 0, colours: 0, topShare: 1 };
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    let n = 0;
    for (let i = 0; i < d.length; i += 4 * 3) {
      const k = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      n++;
    }
    const top = Math.max(...counts.values());
    return { width: c.width, height: c.height, colours: counts.size, topShare: top / n };
  });
}

async function serverGeometry(nb: Notebook): Promise<string> {
  const r = await x(nb, "xrandr --current | sed -n 's/.*current \\([0-9]*\\) x \\([0-9]*\\).*/\\1x\\2/p'");
  return r.stdout.trim();
}

describe('remote-desktop', () => {
  let nb: Notebook;
  let browser: Browser | undefined;

  before(async () => {
    nb = await startNotebook({ timeoutMs: 120_000 });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await nb?.remove();
  });

  test('/healthy answers 200 (at the root and under the prefix)', async () => {
    assert.equal((await nb.getRaw('/healthy')).status, 200);
    assert.equal((await nb.get('/healthy')).status, 200);
  });

  const novncTitle =
    'nginx serves noVNC under the prefix, set to auto-connect to $NB_PREFIX/websockify with remote resize';
  test(novncTitle, async () => {
    const page = await nb.get('/');
    assert.equal(page.status, 200);
    assert.match(page.text, /noVNC/);
    assert.match(page.text, /autoconnect:'true'/);
    assert.match(page.text, /resize:'remote'/);
    assert.ok(page.text.includes(`path:'${nb.prefix}/websockify'`), 'the websocket path is under the prefix');
    assert.equal((await nb.get('/app/ui.js')).status, 200);
    const bare = await nb.getRaw(nb.prefix);
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), `${nb.prefix}/`);
  });

  test('answers 404 outside the prefix', async () => {
    for (const p of ['/', '/vnc.html', '/websockify', '/app/ui.js', '/notebook/other-ns/other-nb/', '/proxy/8888/']) {
      assert.equal((await nb.getRaw(p)).status, 404, p);
    }
  });

  test('$NB_PREFIX/proxy/<port>/ reaches a local port', async () => {
    await nb.exec(
      [
        'bash',
        '-c',
        'mkdir -p /tmp/www && echo kfc-proxied > /tmp/www/hello.txt && cd /tmp/www && ' +
          '(setsid python3 -m http.server 9123 --bind 127.0.0.1 >/dev/null 2>&1 &)',
      ],
      { user: '1000:100' },
    );
    const r = await until(
      'the proxied server',
      async () => {
        const res = await nb.get('/proxy/9123/hello.txt');
        return res.status === 200 ? res : undefined;
      },
      15_000,
    );
    assert.equal(r.text.trim(), 'kfc-proxied');
    assert.equal((await nb.get('/proxy/9123')).status, 302);
  });

  test('the websocket handshake through nginx reaches the VNC server (RFB greeting)', async () => {
    const greeting = await rfbGreeting(nb);
    assert.match(greeting, /^RFB 003\.00\d\n$/);
  });

  test('every service runs as jovyan (1000:100)', async () => {
    const names = [
      'start-remote-desktop.sh',
      'run-one-constantly',
      'Xtigervnc',
      'websockify',
      'nginx',
      'xfce4-session',
      'xfwm4',
      'xfdesktop',
      'xfce4-panel',
    ];
    // The session's parts start over a few seconds after /healthy.
    const procs = await until(
      'every desktop process',
      async () => {
        const ps = await nb.processes();
        return names.every((n) => ps.some((p) => p.args.includes(n))) ? ps : undefined;
      },
      30_000,
      500,
    );
    for (const name of names) {
      for (const p of procs.filter((q) => q.args.includes(name)))
        assert.equal(p.uid, 1000, `${p.args} runs as uid ${p.uid}`);
    }
  });

  test('QGIS and Firefox ESR run', async () => {
    const q = await x(nb, 'QT_QPA_PLATFORM=offscreen qgis --version');
    assert.equal(q.exitCode, 0, q.stderr);
    assert.match(q.stdout + q.stderr, /QGIS 3\.\d+/);
    const f = await x(nb, 'firefox --version');
    assert.equal(f.exitCode, 0, f.stderr);
    assert.match(f.stdout, /Mozilla Firefox \d+\.\d+/);
  });

  test('launchers for Firefox, QGIS, a terminal and a text editor are on the desktop', async () => {
    const r = await nb.exec(['bash', '-c', 'cd ~/Desktop && for f in *.desktop; do [[ -x "$f" ]] && echo "$f"; done'], {
      user: '1000:100',
    });
    const files = r.stdout.trim().split('\n');
    for (const f of [
      'firefox-esr.desktop',
      'org.qgis.qgis.desktop',
      'xfce4-terminal.desktop',
      'org.xfce.mousepad.desktop',
    ])
      assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  });

  describe('in a real browser', () => {
    let page: Page;
    before(async () => {
      browser = await launchBrowser();
      const session = await newSession(browser, { width: 1280, height: 800 });
      page = session.page;
      await page.goto(nb.url('/'), { waitUntil: 'load' });
      await page.waitForFunction(() => document.documentElement.classList.contains('noVNC_connected'), undefined, {
        timeout: 30_000,
      });
      // The first load: no console error, no 4xx/5xx (favicon included).
      assertCleanPage(session);
    });

    test('noVNC connects and shows the XFCE desktop (not a blank or single-colour frame)', async () => {
      // The panel and desktop icons take a few seconds to draw after the session starts.
      const stats = await until(
        'a drawn desktop',
        async () => {
          const s = await canvasStats(page);
          return s.colours >= 32 && s.topShare < 0.98 ? s : undefined;
        },
        60_000,
        1000,
      );
      await sleep(1500);
      const file = await screenshot(page, 'desktop');
      process.stdout.write(
        `screenshot: ${file} (${stats.width}x${stats.height}, ${stats.colours} colours, ` +
          `top colour ${(stats.topShare * 100).toFixed(1)}%)\n`,
      );
      const panel = await x(nb, 'pgrep -u 1000 -x xfce4-panel');
      assert.equal(panel.exitCode, 0, 'the XFCE panel runs');
    });

    test('resize=remote: the server desktop follows the browser window', async () => {
      await until('the desktop at the page size', async () => (await serverGeometry(nb)) === '1280x800', 20_000);
      await page.setViewportSize({ width: 1024, height: 700 });
      await until('the desktop at the new page size', async () => (await serverGeometry(nb)) === '1024x700', 20_000);
      const s = await canvasStats(page);
      assert.deepEqual([s.width, s.height], [1024, 700]);
    });

    test('clipboard: desktop → browser and browser → desktop', async () => {
      const fromDesktop = `kfc-from-desktop-${Date.now()}`;
      await x(nb, `printf %s ${fromDesktop} | setsid xclip -selection clipboard -i >/dev/null 2>&1`);
      await page.waitForFunction(
        (want) => (document.getElementById('noVNC_clipboard_text') as HTMLTextAreaElement | null)?.value === want,
        fromDesktop,
        { timeout: 15_000 },
      );
      const fromBrowser = `kfc-from-browser-${Date.now()}`;
      await page.evaluate((text) => {
        const ta = document.getElementById('noVNC_clipboard_text') as HTMLTextAreaElement;
        ta.value = text;
        ta.dispatchEvent(new Event('change'));
      }, fromBrowser);
      await until(
        'the text in the desktop clipboard',
        async () => (await x(nb, 'xclip -selection clipboard -o')).stdout === fromBrowser,
        15_000,
      );
    });

    test('a killed VNC server is restarted and noVNC reconnects to a fresh desktop', async () => {
      const before = (await nb.processes()).find((p) => p.args.startsWith('Xtigervnc'));
      assert.ok(before, 'Xtigervnc runs');
      await nb.exec(['kill', '-KILL', String(before.pid)], { user: '1000:100' });
      const after = await until(
        'a new Xtigervnc',
        async () => (await nb.processes()).find((p) => p.args.startsWith('Xtigervnc') && p.pid !== before.pid),
        30_000,
      );
      assert.notEqual(after.pid, before.pid);
      assert.match(await until('the RFB greeting again', () => rfbGreeting(nb, 3000), 30_000), /^RFB 003\.00\d\n$/);
      assert.equal((await nb.get('/healthy')).status, 200, 'the container still answers');
      await page.waitForFunction(() => document.documentElement.classList.contains('noVNC_connected'), undefined, {
        timeout: 30_000,
      });
      await until(
        'the desktop drawn again',
        async () => {
          const s = await canvasStats(page);
          return s.colours >= 32 && s.topShare < 0.98;
        },
        60_000,
        1000,
      );
      await until(
        'a new XFCE session',
        async () => (await nb.processes()).some((p) => p.args.includes('xfce4-session')),
        30_000,
      );
      await screenshot(page, 'desktop-after-vnc-restart');
    });
  });

  test('a killed nginx is restarted and the front answers again', async () => {
    const isNginx = (args: string) => /^(\/usr\/sbin\/)?nginx -e /.test(args);
    const before = (await nb.processes()).find((p) => isNginx(p.args));
    assert.ok(before, 'nginx runs');
    await nb.exec(['kill', '-KILL', String(before.pid)], { user: '1000:100' });
    const again = await until(
      'a new nginx',
      async () => (await nb.processes()).find((p) => isNginx(p.args) && p.pid !== before.pid),
      30_000,
    );
    assert.notEqual(again.pid, before.pid);
    await until(
      'nginx answering again',
      async () => (await nb.get('/healthy').catch(() => ({ status: 0 }))).status === 200,
      30_000,
    );
    assert.equal((await nb.get('/')).status, 200);
  });
});

describe('remote-desktop home and language', () => {
  test("launchers are seeded into an empty home without overwriting the user's files", async () => {
    const image = testImage();
    const volume = await createHomeVolume(image);
    try {
      const first = await startNotebook({ homeVolume: volume, timeoutMs: 120_000 });
      try {
        const w = await first.exec(
          ['bash', '-c', 'echo "# mine" > ~/Desktop/firefox-esr.desktop && rm ~/Desktop/org.xfce.mousepad.desktop'],
          { user: '1000:100' },
        );
        assert.equal(w.exitCode, 0, w.stderr);
      } finally {
        await first.remove({ keepVolume: true });
      }
      const second = await startNotebook({ homeVolume: volume, timeoutMs: 120_000 });
      try {
        const r = await second.exec(['bash', '-c', 'cat ~/Desktop/firefox-esr.desktop; ls ~/Desktop'], {
          user: '1000:100',
        });
        assert.match(r.stdout, /^# mine\n/, "the user's file is kept");
        assert.match(r.stdout, /org\.xfce\.mousepad\.desktop/, 'a missing launcher is seeded again');
      } finally {
        await second.remove({ keepVolume: true });
      }
    } finally {
      await removeVolume(volume);
    }
  });

  test('KF_LANG=fr gives a French desktop session (fr_CA.UTF-8, XFCE and Firefox translations present)', async () => {
    const nb = await startNotebook({ env: { KF_LANG: 'fr' }, timeoutMs: 120_000 });
    try {
      const session = await until(
        'the XFCE session',
        async () => (await nb.processes()).find((p) => /xfce4-session/.test(p.args)),
        60_000,
      );
      const env = await nb.environ(session);
      assert.equal(env.LANG, 'fr_CA.UTF-8');
      assert.match(env.LANGUAGE ?? '', /^fr/);
      const tr = await nb.exec(
        [
          'bash',
          '-c',
          'ls /usr/share/locale/fr/LC_MESSAGES/xfce4-panel.mo /usr/share/locale/fr/LC_MESSAGES/xfdesktop.mo ' +
            '/usr/lib/firefox-esr/browser/extensions/langpack-fr@firefox-esr.mozilla.org.xpi',
        ],
        { user: '1000:100' },
      );
      assert.equal(tr.exitCode, 0, tr.stderr);
      const date = await nb.exec(['bash', '-c', 'LC_ALL=fr_CA.UTF-8 date -d 2024-01-15 +%A'], { user: '1000:100' });
      assert.equal(date.stdout.trim(), 'lundi');
    } finally {
      await nb.remove();
    }
  });
});
