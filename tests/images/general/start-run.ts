// Helpers of the runtime suites: run a command THROUGH the image's ENTRYPOINT (start.sh), as
// `docker run [--user U] [-e ...] IMAGE CMD...` does, and read its log lines.
import { type ContainerFile, type HostConfig, runToEnd, testImage } from '../../../src/testing/container.ts';

export interface RunResult {
  exitCode: number;
  /** stdout, then stderr (with `tty`, both are in stdout). */
  logs: string;
  lines: string[];
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  image?: string;
  user?: string;
  env?: Record<string, string>;
  hostConfig?: HostConfig;
  files?: ContainerFile[];
  /** On a terminal (`docker run -t`): stdout and stderr come back together as stdout. */
  tty?: boolean;
  timeoutMs?: number;
}

/** `docker run --rm` with the image's entrypoint kept; the container is always removed. */
export async function runStart(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { exitCode, stdout, stderr } = await runToEnd(opts.image ?? testImage(), cmd, {
    ...opts,
    entrypoint: true,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  const logs = stdout + stderr;
  return { exitCode, logs, lines: logs.split(/\r?\n/).filter(Boolean), stdout, stderr };
}

/** docker-stacks' log rule: lines starting with WARNING / ERROR. */
export function warnings(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith('WARNING'));
}
export function errors(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith('ERROR'));
}

/** A line of the start scripts' log helper (_docker_stacks_log.sh): `LEVEL[YYYY-MM-DD HH:MM:SS] message`. */
export const LOG_LINE = /^(INFO|WARNING|ERROR|FATAL|DEBUG)\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] (.*)$/;

/** The messages logged at `level` (without the level and time stamp), in order. */
export function logged(lines: string[], level: 'INFO' | 'WARNING' | 'ERROR' | 'FATAL' | 'DEBUG'): string[] {
  return lines.flatMap((l) => {
    const m = LOG_LINE.exec(l);
    return m && m[1] === level ? [m[2]!] : [];
  });
}

/** Thrown inside an until() callback: stop waiting now (e.g. the container exited). */
export class GiveUp extends Error {}

/** Waits until fn() is truthy (polling every `everyMs`), or throws with the last reason. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not after ${timeoutMs} ms${last ? ` (${last})` : ''}`);
}

/**
 * Bash that writes a minimal pure-Python wheel `<dir>/<dist>-1.0-py3-none-any.whl` (module `<module>`
 * with ANSWER = <answer>) using the image's python and the stdlib only: a local package pip installs
 * without an index and without a build backend (the images need not ship setuptools).
 * Prints the wheel's path.
 */
export function localWheelScript(dir: string, name: string, module: string, answer: number): string {
  const py = [
    'import base64, hashlib, sys, zipfile',
    'd, name, mod, answer = sys.argv[1:5]',
    'dist = name.replace("-", "_") + "-1.0"',
    'files = {',
    '    mod + "/__init__.py": "ANSWER = " + answer + "\\n",',
    '    dist + ".dist-info/METADATA": "Metadata-Version: 2.1\\nName: " + name + "\\nVersion: 1.0\\n",',
    '    dist + ".dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: kfc-test\\n"',
    '        "Root-Is-Purelib: true\\nTag: py3-none-any\\n",',
    '}',
    'def h(b):',
    '    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()',
    'record = "".join(p + "," + h(c.encode()) + "," + str(len(c.encode())) + "\\n" for p, c in files.items())',
    'files[dist + ".dist-info/RECORD"] = record + dist + ".dist-info/RECORD,,\\n"',
    'path = d + "/" + dist + "-py3-none-any.whl"',
    'with zipfile.ZipFile(path, "w") as z:',
    '    for p, c in files.items():',
    '        z.writestr(p, c)',
    'print(path)',
  ].join('\n');
  return `mkdir -p '${dir}' && python -c '${py.replace(/'/g, "'\\''")}' '${dir}' '${name}' '${module}' '${answer}'`;
}
