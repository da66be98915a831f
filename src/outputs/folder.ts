import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface OutFile {
  /** '/'-separated path inside the folder. */
  path: string;
  content: string;
}

export interface FolderDrift {
  path: string;
  kind: 'missing' | 'differs' | 'extra';
  /** For `differs`: the first line that differs, `line N: -wanted +found`. */
  firstDiff?: string;
}

/** The first differing line of two texts, `line N: -"wanted" +"found"` (a missing line shows as end of file). */
export function firstLineDiff(wanted: string, found: string): string {
  const a = wanted.split('\n');
  const b = found.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const show = (s: string | undefined) => (s === undefined ? '(end of file)' : JSON.stringify(s));
    return `line ${i + 1}: -${show(a[i])} +${show(b[i])}`;
  }
  return 'same lines';
}

function listFiles(dir: string, sub: string): string[] {
  const abs = join(dir, sub);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, rel) : e.isFile() ? [rel] : [];
  });
}

/**
 * Differences between the files kfc would write and the folder. Only files under `owned`
 * sub-folders (kfc's own) count as extra; other files of the folder are left alone.
 */
export function checkFolder(dir: string, files: OutFile[], owned: string[] = []): FolderDrift[] {
  const drift: FolderDrift[] = [];
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) drift.push({ path: f.path, kind: 'missing' });
    else {
      const found = readFileSync(p, 'utf8');
      if (found !== f.content)
        drift.push({ path: f.path, kind: 'differs', firstDiff: firstLineDiff(f.content, found) });
    }
  }
  for (const sub of owned)
    for (const rel of listFiles(dir, sub)) if (!wanted.has(rel)) drift.push({ path: rel, kind: 'extra' });
  return drift;
}

/** Writes each file atomically (temp + rename), skips unchanged ones, prunes stale files of `owned` sub-folders. */
export function writeFolder(
  dir: string,
  files: OutFile[],
  owned: string[] = [],
): { written: string[]; unchanged: string[]; removed: string[] } {
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const f of files) {
    const p = join(dir, f.path);
    if (existsSync(p) && readFileSync(p, 'utf8') === f.content) {
      unchanged.push(f.path);
      continue;
    }
    mkdirSync(dirname(p), { recursive: true });
    writeFileAtomic.sync(p, f.content);
    written.push(f.path);
  }
  const removed = checkFolder(dir, files, owned)
    .filter((d) => d.kind === 'extra')
    .map((d) => d.path);
  for (const rel of removed) rmSync(join(dir, rel), { force: true });
  return { written, unchanged, removed };
}
