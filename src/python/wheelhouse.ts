import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { lockChain } from '../catalog/python-files.ts';
import { LOCK_PYTHON, lockPath, normalizeName, type Pin, parsePins } from '../catalog/python-lock-format.ts';
import { KfcError } from '../errors.ts';
import { effectiveIndex, redactText, redactUrl } from './index-url.ts';
import { hostTool } from './tools.ts';

/** Where `kfc fetch` keeps wheels: <artifact cache>/wheels/ (one flat folder, verified files only). */
export function wheelCacheDir(artifactCache: string): string {
  return join(artifactCache, 'wheels');
}

/**
 * pip's --platform tags for the images' interpreter: trixie's glibc 2.41 runs every manylinux
 * wheel up to 2_41 (pip does not expand manylinux_2_x by itself).
 */
export function platformTags(): string[] {
  const tags: string[] = [];
  for (let minor = 41; minor >= 5; minor--) tags.push(`manylinux_2_${minor}_x86_64`);
  return [...tags, 'manylinux2014_x86_64', 'manylinux2010_x86_64', 'manylinux1_x86_64'];
}

/** Every pin an image installs: its ancestors' locks and its own, each package once. */
export function imagePins(catalog: Catalog, node: ImageNode): Pin[] {
  const seen = new Map<string, Pin>();
  for (const name of lockChain(node)) {
    const lock = catalog.python?.get(name)?.lock;
    if (!lock) continue;
    for (const p of parsePins(lock.toString('utf8'))) if (!seen.has(p.name)) seen.set(p.name, p);
  }
  return [...seen.values()];
}

/** name and version of a wheel file name (PEP 427), normalised like pins. */
export function wheelId(file: string): { name: string; version: string } | undefined {
  const m = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file);
  return m ? { name: normalizeName(m[1]!), version: m[2]! } : undefined;
}

function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** The wheels of the cache by sha256 (hashed every time: a corrupted file never counts). */
async function indexCache(dir: string): Promise<Map<string, { path: string; bytes: number }>> {
  const out = new Map<string, { path: string; bytes: number }>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.whl'))
    .sort()) {
    const p = join(dir, f);
    out.set(await fileSha256(p), { path: p, bytes: statSync(p).size });
  }
  return out;
}

export interface WheelhouseState {
  /** Verified wheels found for the image's pins, by package. */
  wheels: Map<string, { path: string; bytes: number }>;
  missing: Pin[];
  complete: boolean;
}

/** Which of an image's pins have a verified wheel in the cache (a wheel whose sha256 the lock lists). */
export function wheelhouseState(pins: Pin[], cache: Map<string, { path: string; bytes: number }>): WheelhouseState {
  const wheels = new Map<string, { path: string; bytes: number }>();
  const missing: Pin[] = [];
  for (const p of pins) {
    const hit = p.hashes
      .map((h) => cache.get(h))
      .find((w) => w !== undefined && wheelId(w.path.split('/').pop()!)?.name === p.name);
    if (hit) wheels.set(p.name, hit);
    else missing.push(p);
  }
  return { wheels, missing, complete: pins.length > 0 && missing.length === 0 };
}

export interface WheelFetchResult {
  image: string;
  wheels: number;
  downloaded: number;
  present: number;
  bytes: number;
  downloadedBytes: number;
}

/**
 * Downloads the wheels an image's locks pin into the cache with `pip download` (hash-checked by
 * pip with --require-hashes, and again here), into a temporary folder renamed file by file into
 * the cache: no partial file ever carries a wheel's name. Wheels already verified are skipped.
 */
export async function fetchWheels(
  catalog: Catalog,
  node: ImageNode,
  artifactCache: string,
  opts: { caBundle?: string; log?: (s: string) => void } = {},
): Promise<WheelFetchResult> {
  const pins = imagePins(catalog, node);
  const dir = wheelCacheDir(artifactCache);
  mkdirSync(dir, { recursive: true });
  let state = wheelhouseState(pins, await indexCache(dir));
  const present = state.wheels.size;
  let downloadedBytes = 0;
  if (state.missing.length) {
    const pip = hostTool('pip');
    const tmp = join(dir, `.kfc-fetch-${randomBytes(4).toString('hex')}`);
    const index = effectiveIndex();
    try {
      mkdirSync(join(tmp, 'out'), { recursive: true });
      // Only the pins still missing, with every hash the lock allows for them.
      const req =
        state.missing
          .map((p) => `${p.name}==${p.version} ${p.hashes.map((h) => `--hash=sha256:${h}`).join(' ')}`)
          .join('\n') + '\n';
      writeFileSync(join(tmp, 'requirements.txt'), req);
      const args = [
        'download',
        '--isolated',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary=:all:',
        '--require-hashes',
        '--implementation',
        'cp',
        '--python-version',
        LOCK_PYTHON,
        ...platformTags().flatMap((t) => ['--platform', t]),
        '--index-url',
        index,
        '-d',
        join(tmp, 'out'),
        '-r',
        join(tmp, 'requirements.txt'),
      ];
      if (opts.caBundle) args.push('--cert', opts.caBundle);
      opts.log?.(
        `kfc fetch: ${node.name}: downloading ${state.missing.length} wheel(s) from ${redactUrl(index)} ` +
          `with pip download`,
      );
      const res = await execa(pip, args, { reject: false, all: true, env: { PIP_NO_INPUT: '1' } });
      if (res.exitCode !== 0) {
        const lines = redactText(res.all ?? '', index)
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /ERROR|error|No matching|THESE PACKAGES/.test(l));
        throw new KfcError(
          `pip download of ${node.name}'s locked wheels failed: ${lines.slice(-2).join(' ') || `exit ${res.exitCode}`}`,
          {
            where: lockChain(node).map(lockPath).join(', '),
            hint:
              'check the index (KFC_PYTHON_INDEX_URL) is reachable from this host, ' +
              'or fetch where it is and copy the cache (KFC_ARTIFACT_CACHE)',
          },
        );
      }
      const wanted = new Map(state.missing.map((p) => [p.name, p]));
      for (const f of readdirSync(join(tmp, 'out')).sort()) {
        const p = join(tmp, 'out', f);
        const id = wheelId(f);
        const pin = id ? wanted.get(id.name) : undefined;
        const digest = await fileSha256(p);
        if (!pin?.hashes.includes(digest))
          throw new KfcError(`pip download gave ${f}, which no lock line of ${node.name} allows (sha256 ${digest})`, {
            hint: 'run kfc lock again; the index may serve other files than when the lock was made',
          });
        downloadedBytes += statSync(p).size;
        renameSync(p, join(dir, f));
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    state = wheelhouseState(pins, await indexCache(dir));
    if (!state.complete) {
      throw new KfcError(
        `after pip download, ${state.missing.length} of ${pins.length} pins of ${node.name} ` +
          `still have no verified wheel: ${state.missing
            .slice(0, 5)
            .map((p) => `${p.name}==${p.version}`)
            .join(', ')}`,
        { hint: 'the index has no wheel for python 3.13 x86_64 manylinux for them; lock other versions' },
      );
    }
  }
  const bytes = [...state.wheels.values()].reduce((s, w) => s + w.bytes, 0);
  return {
    image: node.name,
    wheels: state.wheels.size,
    downloaded: state.wheels.size - present,
    present,
    bytes,
    downloadedBytes,
  };
}

/** An image's complete wheelhouse from the cache, or why it has none (for build logs and buildability). */
export async function cachedWheelhouse(
  catalog: Catalog,
  node: ImageNode,
  artifactCache: string,
): Promise<WheelhouseState & { pins: number }> {
  const pins = imagePins(catalog, node);
  const state = wheelhouseState(pins, pins.length ? await indexCache(wheelCacheDir(artifactCache)) : new Map());
  return { ...state, pins: pins.length };
}

/**
 * Puts the image's wheels into <context>/wheelhouse/ (hard links into kfc's temporary context),
 * only when every pin has one: kfc-python-install then installs with --no-index.
 */
export function stageWheelhouse(
  contextDir: string,
  state: WheelhouseState,
  link: (src: string, dest: string) => void,
): number {
  if (!state.complete) return 0;
  mkdirSync(join(contextDir, 'wheelhouse'), { recursive: true });
  for (const w of state.wheels.values()) link(w.path, join(contextDir, 'wheelhouse', w.path.split('/').pop()!));
  return state.wheels.size;
}

/** For buildability: how many of each image's pins have a verified wheel in the cache (images with locks only). */
export async function wheelhouseSummary(
  catalog: Catalog,
  nodes: ImageNode[],
  artifactCache: string,
): Promise<Map<string, { have: number; need: number; complete: boolean }>> {
  const out = new Map<string, { have: number; need: number; complete: boolean }>();
  const withPins = nodes.map((n) => [n, imagePins(catalog, n)] as const).filter(([, p]) => p.length > 0);
  if (withPins.length === 0) return out;
  const cache = await indexCache(wheelCacheDir(artifactCache));
  for (const [n, pins] of withPins) {
    const s = wheelhouseState(pins, cache);
    out.set(n.name, { have: s.wheels.size, need: pins.length, complete: s.complete });
  }
  return out;
}
