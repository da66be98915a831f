import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Catalog } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { type GeneratedImage, generateAll, OUTPUT_DIR } from './generate.ts';

export interface WriteResult {
  written: string[];
  removed: string[];
}

/** Test seam: lets a unit test fail the write half-way to prove output/ stays whole. */
export interface WriteHooks {
  afterStage?: (image: string) => void;
  /** Called after each image's folder is swapped into place (to simulate a failure there). */
  afterSwap?: (image: string) => void;
}

/**
 * Writes output/<image>/ for the selected images (all when none are named). Everything is staged
 * in a temporary folder first; only when every image is staged are folders swapped into place,
 * so a failure leaves output/ as it was. Generating the whole catalog removes stale folders.
 */
export function writeOutput(catalog: Catalog, names: string[] = [], hooks: WriteHooks = {}): WriteResult {
  for (const n of names) {
    if (!catalog.nodes.has(n))
      throw new KfcError(`unknown image "${n}"`, {
        where: catalog.file,
        hint: `known images: ${[...catalog.nodes.keys()].join(', ')}`,
      });
  }
  const outDir = join(catalog.root, OUTPUT_DIR);
  const images = generateAll(catalog, names);
  const stage = join(outDir, `.kfc-stage-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(stage, { recursive: true });
  } catch (err) {
    throw new KfcError(`cannot write ${OUTPUT_DIR}/: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      where: outDir,
      hint: 'make the folder writable',
    });
  }
  try {
    for (const img of images) {
      stageImage(join(stage, img.name), img);
      hooks.afterStage?.(img.name);
    }
    // Swap staged folders in; stale folders move into the stage too. Every move is a rename
    // inside output/, and on any failure the moves done so far are undone in reverse.
    const moves: { from: string; to: string }[] = [];
    const move = (from: string, to: string) => {
      renameSync(from, to);
      moves.push({ from, to });
    };
    const removed: string[] = [];
    try {
      for (const img of images) {
        const dest = join(outDir, img.name);
        if (existsSync(dest)) move(dest, join(stage, `.old-${img.name}`));
        move(join(stage, img.name), dest);
        hooks.afterSwap?.(img.name);
      }
      if (names.length === 0) {
        for (const entry of readdirSync(outDir)) {
          if (entry.startsWith('.') || catalog.nodes.has(entry)) continue;
          move(join(outDir, entry), join(stage, `.stale-${entry}`));
          removed.push(entry);
        }
      }
    } catch (err) {
      for (const m of moves.reverse()) {
        try {
          renameSync(m.to, m.from);
        } catch {
          // best effort: the error below still says what failed
        }
      }
      throw err;
    }
    return { written: images.map((i) => i.name), removed };
  } catch (err) {
    if (err instanceof KfcError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new KfcError(`could not write ${OUTPUT_DIR}/ (${e.code ?? e.message}); it was left unchanged`, {
      where: e.path ?? outDir,
      hint: 'check permissions and free disk space, then run kfc generate again',
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function stageImage(dir: string, img: GeneratedImage): void {
  for (const f of img.files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.executable ? 0o755 : 0o644);
  }
}

export interface Drift {
  path: string;
  kind: 'differs' | 'missing' | 'extra' | 'mode';
}

/** Compares output/ with what generation would write; an empty list means in sync. */
export function checkOutput(catalog: Catalog): Drift[] {
  const outDir = join(catalog.root, OUTPUT_DIR);
  const drift: Drift[] = [];
  const expected = new Map<string, { content: Buffer; executable: boolean }>();
  for (const img of generateAll(catalog)) {
    for (const f of img.files) expected.set(`${img.name}/${f.path}`, f);
  }
  const actual = existsSync(outDir) ? listFiles(outDir) : [];
  const actualSet = new Set(actual);
  for (const [path, f] of expected) {
    if (!actualSet.has(path)) {
      drift.push({ path: `${OUTPUT_DIR}/${path}`, kind: 'missing' });
      continue;
    }
    const abs = join(outDir, path);
    if (!readFileSync(abs).equals(f.content)) drift.push({ path: `${OUTPUT_DIR}/${path}`, kind: 'differs' });
    else if (((statSync(abs).mode & 0o111) !== 0) !== f.executable)
      drift.push({ path: `${OUTPUT_DIR}/${path}`, kind: 'mode' });
  }
  for (const path of actual) if (!expected.has(path)) drift.push({ path: `${OUTPUT_DIR}/${path}`, kind: 'extra' });
  return drift.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      // writeOutput leaves dot entries of output/ alone (stage folders, .gitattributes…), so
      // --check must not call them extra: generate could never make that drift go away.
      if (rel === '' && e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(root, '');
  return out;
}
