/** Shared helpers for the unit tests: temp repositories, the real CLI as a subprocess, tree hashes. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KFC_BIN = join(REPO_ROOT, 'bin', 'kfc.js');
export const MINI_FIXTURE = join(REPO_ROOT, 'tests', 'fixtures', 'mini');

/** A fresh temporary folder; remove it with `rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'kfc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A temp repository holding a copy of `fixture` (modes preserved). */
export function copyFixture(fixture: string = MINI_FIXTURE): string {
  const dir = tempDir();
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

/** Writes files (path relative to root → text); creates folders as needed. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `kfc` (bin/kfc.js) against `root` in a subprocess. */
export function runKfc(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [KFC_BIN, '--root', root, ...args],
      { cwd: root, env: { ...process.env, KFC_DEBUG: '', NO_COLOR: '1', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * A hash of everything under `path`: relative names, file type, permission bits and contents,
 * dot files included. A path that does not exist hashes to 'absent'.
 */
export function hashTree(path: string): string {
  if (!existsSync(path)) return 'absent';
  const h = createHash('sha256');
  const walk = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      h.update(`d ${rel} ${(st.mode & 0o777).toString(8)}\n`);
      for (const name of readdirSync(abs).sort()) walk(join(abs, name), rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) {
      h.update(`f ${rel} ${(st.mode & 0o777).toString(8)} ${st.size}\n`);
      h.update(readFileSync(abs));
    } else {
      h.update(`o ${rel}\n`);
    }
  };
  walk(path, '');
  return h.digest('hex');
}

/** Every file under `dir`, relative, sorted ('/'-separated). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(abs, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** 1-based line of the first line of `text` containing `needle` (throws when absent). */
export function lineOf(text: string, needle: string, from = 1): number {
  const lines = text.split('\n');
  for (let i = from - 1; i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  throw new Error(`"${needle}" not found in text`);
}

/**
 * `docker-bits/<bit>.Dockerfile:N`, N the line of the fixture's bit that contains `needle` (read from the
 * fixture at `root`), so a test names a line by what is on it and survives an edit of the fixture.
 */
export function bitLine(root: string, bit: string, needle: string): string {
  const file = `docker-bits/${bit}.Dockerfile`;
  return `${file}:${lineOf(readFileSync(join(root, file), 'utf8'), needle)}`;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
