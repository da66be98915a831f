// remote-desktop as an office: every launcher seeded on the desktop starts its application, whose
// window appears under the desktop's X server (wmctrl); the wallpaper is the desktop's default;
// with KF_LANG=fr the applications and the menu speak French. Screenshots: desktop with launchers
// and wallpaper (English), the applications menu open (French).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertCleanPage, launchBrowser, newSession, screenshot } from '../../../src/testing/browser.ts';
import { type Notebook, startNotebook } from '../../../src/testing/container.ts';
import { sleep, until as untilEvery } from './until.ts';

// Polled every 500 ms by default here (the office applications are slow to start).
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500) =>
  untilEvery(what, fn, timeoutMs, everyMs);

/** Launcher file on ~/Desktop → what its window's WM_CLASS (wmctrl -lx) matches. */
const LAUNCHERS: [string, RegExp][] = [
  ['libreoffice-calc.desktop', /libreoffice-calc/i],
  ['libreoffice-writer.desktop', /libreoffice-writer/i],
  ['libreoffice-impress.desktop', /libreoffice-impress/i],
  ['org.gnu.pspp.desktop', /psppire/i],
  ['sqlitebrowser.desktop', /sqlitebrowser/i],
  ['R.desktop', /xfce4-terminal/i],
  ['geany.desktop', /geany/i],
  ['firefox-esr.desktop', /firefox/i],
  ['org.qgis.qgis.desktop', /qgis/i],
  ['xfce4-terminal.desktop', /xfce4-terminal/i],
  ['org.xfce.mousepad.desktop', /mousepad/i],
];

/** The desktop session's environment (display, D-Bus, language), as applications started from it get. */
async function sessionEnv(nb: Notebook): Promise<Record<string, string>> {
  const session = await until(
    'the XFCE session',
    async () => (await nb.processes()).find((p) => /xfce4-session/.test(p.args)),
    60_000,
  );
  const env = await nb.environ(session);
  const keep = [
    'DISPLAY',
    'DBUS_SESSION_BUS_ADDRESS',
    'XDG_RUNTIME_DIR',
    'XDG_CURRENT_DESKTOP',
    'LANG',
    'LANGUAGE',
    'LC_ALL',
    'HOME',
    'PATH',
  ];
  return Object.fromEntries(keep.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
}

/**
 * Waits for what a user sees before a double-click: the desktop, its panel and the window manager. A launch
 * before them raced the session's start (a Writer window that never came, on a cold machine).
 */
async function desktopShown(nb: Notebook): Promise<void> {
  await until(
    'the desktop and panel',
    async () => {
      const ps = await nb.processes();
      return ['xfdesktop', 'xfce4-panel', 'xfwm4'].every((n) => ps.some((p) => p.args.includes(n)));
    },
    60_000,
  );
}

async function windows(nb: Notebook, env: Record<string, string>): Promise<string[]> {
  const r = await nb.exec(['wmctrl', '-lx'], { user: '1000:100', env });
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/**
 * The first window of class `cls` not in `before`, within 2 minutes of `file`'s launch; else an error that
 * shows what the desktop had and what the launch printed.
 */
async function newWindow(
  nb: Notebook,
  env: Record<string, string>,
  file: string,
  cls: RegExp,
  before: Set<string | undefined>,
): Promise<string> {
  try {
    return await until(
      `a ${cls} window`,
      async () => (await windows(nb, env)).find((l) => !before.has(l.split(/\s+/)[0]) && cls.test(l)),
      120_000,
    );
  } catch (e) {
    const log = await nb.exec(['bash', '-c', `tail -n 5 "/tmp/launch-${file}.log" 2>&1`], { user: '1000:100' });
    const shown = (await windows(nb, env)).join(' | ') || 'none';
    throw new Error(`${(e as Error).message}; windows: ${shown}; launch log: ${log.stdout.trim() || 'empty'}`);
  }
}

/**
 * Opens a launcher the way a double-click on the desktop does (exo-open: its Exec line, in the
 * desktop's terminal when Terminal=true), in a session of its own; returns that session's id.
 */
async function launch(nb: Notebook, env: Record<string, string>, file: string): Promise<number> {
  // Backgrounded without job control, setsid does not fork: $! is the new session's id.
  const script = `setsid exo-open "$HOME/Desktop/${file}" </dev/null >"/tmp/launch-${file}.log" 2>&1 &
echo "$!"`;
  const r = await nb.exec(['bash', '-c', script], { user: '1000:100', env, workdir: '/home/jovyan' });
  assert.equal(r.exitCode, 0, `${file}: ${r.stderr}`);
  const pid = Number(r.stdout.trim().split('\n').pop());
  assert.ok(pid > 1, `${file}: no pid in ${r.stdout}`);
  return pid;
}

describe('remote-desktop office (English session)', () => {
  let nb: Notebook;
  let env: Record<string, string>;
  let browser: Browser | undefined;
  before(async () => {
    nb = await startNotebook({ timeoutMs: 120_000 });
    env = await sessionEnv(nb);
    await desktopShown(nb);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await nb?.remove();
  });

  test('the office launchers are on the desktop, executable', async () => {
    const r = await nb.exec(['bash', '-c', 'cd ~/Desktop && for f in *.desktop; do [[ -x "$f" ]] && echo "$f"; done'], {
      user: '1000:100',
    });
    const files = r.stdout.trim().split('\n');
    for (const [f] of LAUNCHERS) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  });

  for (const [file, cls] of LAUNCHERS) {
    test(`${file}: its application window appears on the desktop`, async () => {
      const before = new Set((await windows(nb, env)).map((l) => l.split(/\s+/)[0]));
      const t0 = Date.now();
      const sid = await launch(nb, env, file);
      try {
        const win = await newWindow(nb, env, file, cls, before);
        process.stdout.write(`${file}: window in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${win}\n`);
        if (file === 'R.desktop') {
          const r = await nb.exec(['pgrep', '-u', '1000', '-f', '/usr/lib/R/bin/exec/R'], { user: '1000:100' });
          assert.equal(r.exitCode, 0, 'R runs in the terminal the launcher opened');
        }
      } finally {
        await nb.exec(['bash', '-c', `pkill -KILL -s ${sid} || true`], { user: '1000:100' });
        await until(
          'the window gone',
          async () => !(await windows(nb, env)).some((l) => !before.has(l.split(/\s+/)[0]) && cls.test(l)),
          30_000,
        );
      }
    });
  }

  test('the wallpaper is the desktop default (xfconf), and the desktop shows it with its launchers', async () => {
    const q = await nb.exec(
      ['xfconf-query', '-c', 'xfce4-desktop', '-p', '/backdrop/screen0/monitorVNC-0/workspace0/last-image'],
      { user: '1000:100', env },
    );
    assert.equal(q.stdout.trim(), '/usr/share/backgrounds/kfc/wallpaper.svg', q.stderr);
    browser = await launchBrowser();
    const session = await newSession(browser, { width: 1280, height: 800 });
    const page: Page = session.page;
    await page.goto(nb.url('/'), { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.classList.contains('noVNC_connected'), undefined, {
      timeout: 30_000,
    });
    assertCleanPage(session);
    // The wallpaper's navy gradient at the bottom right, away from the icons, panel and text.
    const px = await until(
      'the wallpaper drawn',
      async () => {
        const p = await page.evaluate(() => {
          const c = document.querySelector('#noVNC_container canvas') as HTMLCanvasElement | null;
          if (!c || c.width < 100) return undefined;
          const d = c.getContext('2d')!.getImageData(c.width - 40, Math.floor(c.height / 2), 1, 1).data;
          return [d[0]!, d[1]!, d[2]!] as const;
        });
        if (!p) return undefined;
        const [r, g, b] = p;
        return b > r + 40 && b > g && r < 60 ? p : undefined;
      },
      60_000,
      1000,
    );
    await sleep(2000);
    process.stdout.write(
      `wallpaper pixel rgb(${px.join(',')}); screenshot: ${await screenshot(page, 'office-desktop')}\n`,
    );
  });
});

describe('remote-desktop office in French (KF_LANG=fr)', () => {
  let nb: Notebook;
  let env: Record<string, string>;
  let browser: Browser | undefined;
  before(async () => {
    nb = await startNotebook({ env: { KF_LANG: 'fr' }, timeoutMs: 120_000 });
    env = await sessionEnv(nb);
    await desktopShown(nb);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await nb?.remove();
  });

  test('LibreOffice Writer opens a French document window ("Sans nom 1")', async () => {
    assert.match(env.LANG ?? '', /^fr_CA/);
    const before = new Set((await windows(nb, env)).map((l) => l.split(/\s+/)[0]));
    const sid = await launch(nb, env, 'libreoffice-writer.desktop');
    try {
      const win = await newWindow(nb, env, 'libreoffice-writer.desktop', /libreoffice-writer/i, before);
      assert.match(win, /Sans nom 1/);
    } finally {
      await nb.exec(['bash', '-c', `pkill -KILL -s ${sid} || true`], { user: '1000:100' });
    }
  });

  test('the applications menu is French (screenshot with the menu open)', async () => {
    // Menu categories come from the .directory files; the office ones must have French names.
    const dir = await nb.exec(
      [
        'bash',
        '-c',
        "grep -h '^Name\\[fr\\]=' /usr/share/desktop-directories/xfce-office.directory " +
          '/usr/share/desktop-directories/xfce-network.directory',
      ],
      { user: '1000:100' },
    );
    assert.equal(dir.exitCode, 0, dir.stderr);
    assert.match(dir.stdout, /Bureautique/);
    browser = await launchBrowser();
    const session = await newSession(browser, { width: 1280, height: 800 });
    const page: Page = session.page;
    await page.goto(nb.url('/'), { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.classList.contains('noVNC_connected'), undefined, {
      timeout: 30_000,
    });
    assertCleanPage(session);
    await sleep(3000);
    const pop = await nb.exec(['xfce4-popup-applicationsmenu'], { user: '1000:100', env });
    assert.equal(pop.exitCode, 0, pop.stderr);
    await sleep(2000);
    process.stdout.write(`screenshot: ${await screenshot(page, 'office-menu-fr')}\n`);
  });
});
