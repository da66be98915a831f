/**
 * Our own reaper (testcontainers' Ryuk is off, see engine-env.ts): every container and volume a test
 * process makes carries its run's labels; the run's leftovers are removed when the process exits
 * (also on SIGINT/SIGTERM), and those of runs whose process is gone are swept before the first start.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { docker, dockerBin } from '../engine/docker.ts';

export const RUN_LABEL = 'org.kfc.test.run';
export const PID_LABEL = 'org.kfc.test.pid';
export const HOST_LABEL = 'org.kfc.test.host';

export const RUN_ID = `${process.pid}-${randomBytes(4).toString('hex')}`;

/** The labels of everything this process makes. */
export function runLabels(run = RUN_ID, pid = process.pid, host = hostname()): Record<string, string> {
  return { 'org.kfc.test': '1', [RUN_LABEL]: run, [PID_LABEL]: String(pid), [HOST_LABEL]: host };
}

/** An object listed with its run labels. */
export interface Labelled {
  id: string;
  run: string;
  host: string;
  pid: number;
}

/** Pure: the objects of dead runs on this host (another host's processes cannot be checked: left alone). */
export function ofDeadRuns(items: Labelled[], host: string, alive: (pid: number) => boolean): Labelled[] {
  return items.filter((i) => i.host === host && Number.isInteger(i.pid) && i.pid > 0 && !alive(i.pid));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const FORMAT = `{{.Label "${RUN_LABEL}"}}\t{{.Label "${HOST_LABEL}"}}\t{{.Label "${PID_LABEL}"}}`;

function parse(stdout: string): Labelled[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id = '', run = '', host = '', pid = ''] = l.split('\t');
      return { id, run, host, pid: Number(pid) };
    });
}

async function listLabelled(kind: 'container' | 'volume', filter: string): Promise<Labelled[]> {
  const args =
    kind === 'container'
      ? ['ps', '-a', '--filter', `label=${filter}`, '--format', `{{.ID}}\t${FORMAT}`]
      : ['volume', 'ls', '--filter', `label=${filter}`, '--format', `{{.Name}}\t${FORMAT}`];
  const r = await docker(args, { timeoutMs: 30_000 });
  if (r.failed) throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${r.stderr}`);
  return parse(r.stdout);
}

async function removeAll(containers: string[], volumes: string[]): Promise<void> {
  if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers], { timeoutMs: 60_000 });
  if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes], { timeoutMs: 60_000 });
}

/** Removes the containers and volumes of runs whose process is gone; returns what it removed. */
export async function sweepDeadRuns(
  alive: (pid: number) => boolean = pidAlive,
): Promise<{ containers: string[]; volumes: string[] }> {
  const containers = ofDeadRuns(await listLabelled('container', RUN_LABEL), hostname(), alive).map((c) => c.id);
  const volumes = ofDeadRuns(await listLabelled('volume', RUN_LABEL), hostname(), alive).map((v) => v.id);
  await removeAll(containers, volumes);
  return { containers, volumes };
}

/** Removes what this run made, at exit (synchronously: the event loop is gone by then). */
function removeRunSync(): void {
  const run = (args: string[]) =>
    spawnSync(dockerBin(), args, { encoding: 'utf8', timeout: 60_000 }).stdout?.split('\n').filter(Boolean) ?? [];
  const filter = `label=${RUN_LABEL}=${RUN_ID}`;
  const containers = run(['ps', '-aq', '--filter', filter]);
  if (containers.length > 0) run(['rm', '-f', '-v', ...containers]);
  const volumes = run(['volume', 'ls', '-q', '--filter', filter]);
  if (volumes.length > 0) run(['volume', 'rm', '-f', ...volumes]);
}

let armed: Promise<void> | undefined;

/**
 * Before this process makes its first container: sweeps dead runs once and arranges for this run's
 * leftovers to go at exit. Signals end the process as they would have (128 + signal number).
 */
export function armCleanup(): Promise<void> {
  armed ??= (async () => {
    process.once('exit', removeRunSync);
    for (const [sig, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(sig, () => process.exit(code));
    }
    await sweepDeadRuns();
  })();
  return armed;
}
