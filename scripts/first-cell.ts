// tsx scripts/first-cell.ts [options]: issue 21's repro. A new notebook's first Shift+Enter, each run in a
// FRESH server (a Kubeflow-like container, or a local command), one at a time; prints one JSON line per run
// and a summary (lost per timing, times), and keeps the kernel WebSocket frames of every run.
//
//   --image IMG          image to start (startNotebook: NB_PREFIX, no token, a fresh home volume)
//   --env K=V            extra container environment (repeatable)
//   --local CMD          instead of a container: a local server command, {port} {prefix} {root} filled in
//   --timing T[,T...]    editor, toolbar, status (default all three, round robin); held, early: the windows
//   --runs N             runs in all (default 20)
//   --frames DIR         where each run's frames go (default /tmp/first-cell-frames)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { launchBrowser, newSession } from '../src/testing/browser.ts';
import { startNotebook } from '../src/testing/container.ts';
import { type FirstCellResult, firstCellRun, formatFrames, TIMINGS, type Timing } from '../src/testing/first-cell.ts';

const { values: opt } = parseArgs({
  options: {
    image: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    local: { type: 'string' },
    timing: { type: 'string', default: TIMINGS.join(',') },
    runs: { type: 'string', default: '20' },
    frames: { type: 'string', default: '/tmp/first-cell-frames' },
  },
});
const timings = opt.timing.split(',') as Timing[];
for (const t of timings) if (![...TIMINGS, 'held', 'early'].includes(t)) throw new Error(`--timing: unknown ${t}`);
if (!opt.image === !opt.local) throw new Error('give --image IMG or --local CMD');
const env = Object.fromEntries(opt.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
mkdirSync(opt.frames, { recursive: true });

/** A fresh local server: the command with a free port, a prefix and an empty root; answers /api/status. */
async function startLocal(cmd: string, run: number) {
  const port = 18_800 + (run % 100);
  const prefix = `/notebook/ns/nb${run}`;
  const root = mkdtempSync(join(tmpdir(), 'first-cell-'));
  const full = cmd.replaceAll('{port}', String(port)).replaceAll('{prefix}', prefix).replaceAll('{root}', root);
  const proc = execa('bash', ['-c', `exec ${full}`], { reject: false, all: true, env: { HOME: root } });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}${prefix}/api/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (proc.exitCode !== null || Date.now() + 100 >= deadline) throw new Error(`${full}: not up\n${(await proc).all}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}${prefix}/lab`,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const results: FirstCellResult[] = [];
let errors = 0;
for (let run = 1; run <= Number(opt.runs); run++) {
  const timing = timings[(run - 1) % timings.length]!;
  const server = opt.image
    ? await startNotebook({ image: opt.image, env }).then((nb) => ({ url: nb.url('/lab'), stop: () => nb.remove() }))
    : await startLocal(opt.local!, run);
  const browser = await launchBrowser();
  const s = await newSession(browser);
  try {
    const r = await firstCellRun(s.page, {
      labUrl: server.url,
      timing,
      code: `print("run", ${run} * 6 * 7)`,
      expect: `run ${run * 42}`,
    });
    results.push(r);
    const file = join(opt.frames, `run${String(run).padStart(2, '0')}-${timing}-${r.lost ? 'LOST' : 'ok'}.txt`);
    writeFileSync(file, `${formatFrames(r)}\n\npage errors:\n${s.errors.join('\n')}\n`);
    const { frames: _f, rest: _r, connections, ...line } = r;
    console.log(JSON.stringify({ run, ...line, connections: connections.length }));
  } catch (e) {
    // Not a lost run: the page never got to the press (e.g. a request aborted by a network change).
    errors++;
    console.log(JSON.stringify({ run, timing, error: (e as Error).message.split('\n')[0] }));
  } finally {
    await s.context.close();
    await browser.close().catch(() => {});
    await server.stop();
  }
}
for (const t of timings) {
  const rs = results.filter((r) => r.timing === t);
  const lost = rs.filter((r) => r.lost).length;
  console.log(`# ${t}: ${lost} of ${rs.length} lost`);
}
if (errors) console.log(`# ${errors} run(s) did not get to the press (not counted)`);
