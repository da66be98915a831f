import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import { lockChain } from '../catalog/python-files.ts';
import {
  inPath,
  LOCK_PLATFORM,
  LOCK_PYTHON,
  lockPath,
  PYTHON_DIR,
  parseExcludes,
  parsePins,
  renderHeader,
  sha256,
} from '../catalog/python-lock-format.ts';
import { KfcError } from '../errors.ts';
import { checkLocks } from './check.ts';
import { configuredIndex, redactText } from './index-url.ts';
import { hostTool } from './tools.ts';

export interface LockOptions {
  /** Let uv move pins to the newest versions the requirements allow (default: keep current pins). */
  upgrade?: boolean;
  caBundle?: string;
  log?: (line: string) => void;
}

export interface LockResult {
  image: string;
  lock: string;
  packages: number;
  changed: boolean;
  seconds: number;
}

/**
 * The images whose locks `kfc lock` makes: the named ones (all with a python lock when none are
 * named), plus any ancestor whose lock is missing or stale, parents first.
 */
export function lockPlan(catalog: Catalog, names: string[]): ImageNode[] {
  const named = names.map((n) => {
    const node = catalog.nodes.get(n);
    if (!node)
      throw new KfcError(`unknown image "${n}"`, {
        where: catalog.file,
        hint: `known images: ${[...catalog.nodes.keys()].join(', ')}`,
      });
    if (!node.spec.python) {
      throw new KfcError(`image "${n}" has no python lock`, {
        where: `${catalog.file} images.${n}`,
        hint: `add "python: ${n}" and ${inPath(n)}, or lock one of: ${catalog.order
          .filter((x) => x.spec.python)
          .map((x) => x.name)
          .join(', ')}`,
      });
    }
    return node;
  });
  const wanted = new Set(named.length ? named : catalog.order.filter((n) => n.spec.python));
  const bad = new Set(checkLocks(catalog).map((p) => p.file.replace(/:\d+$/, '')));
  for (const n of [...wanted]) {
    for (const a of n.chain.slice(0, -1)) if (a.spec.python && bad.has(lockPath(a.spec.python))) wanted.add(a);
  }
  return catalog.order.filter((n) => wanted.has(n));
}

/** Resolves one image's lock with uv against its ancestors' locks, and replaces python/<name>.lock atomically. */
async function lockOne(catalog: Catalog, node: ImageNode, opts: LockOptions = {}): Promise<LockResult> {
  const uv = hostTool('uv');
  const name = node.spec.python!;
  const ancestors = lockChain(node).slice(0, -1);
  const root = catalog.root;
  const constraints = ancestors.map((a) => {
    const p = join(root, lockPath(a));
    if (!existsSync(p))
      throw new KfcError(`${lockPath(a)} is missing`, {
        where: lockPath(a),
        hint: `run kfc lock ${catalog.python?.get(a)?.owner ?? a} first`,
      });
    return { name: a, sha256: sha256(readFileSync(p)) };
  });
  const inBytes = readFileSync(join(root, inPath(name)));
  const dest = join(root, lockPath(name));
  const previous = existsSync(dest) ? readFileSync(dest) : undefined;
  const tmpName = `.${name}.lock.kfc-${randomBytes(4).toString('hex')}`;
  const tmp = join(root, PYTHON_DIR, tmpName);
  const final = `${tmp}.final`;
  const index = configuredIndex();
  const t0 = Date.now();
  try {
    // uv keeps the pins of an existing output file: seed it so a re-lock moves nothing unasked.
    if (previous && !opts.upgrade) copyFileSync(dest, tmp);
    const args = [
      'pip',
      'compile',
      inPath(name),
      '--no-config',
      '--generate-hashes',
      '--no-header',
      '--quiet',
      '--python-version',
      LOCK_PYTHON,
      '--python-platform',
      LOCK_PLATFORM,
      '-o',
      `${PYTHON_DIR}/${tmpName}`,
    ];
    for (const a of ancestors) args.push('-c', lockPath(a));
    for (const pkg of parseExcludes(inBytes.toString('utf8'))) args.push('--no-emit-package', pkg);
    if (opts.upgrade) args.push('--upgrade');
    const env: Record<string, string> = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => e[1] !== undefined && !/^UV_/.test(e[0]) && e[0] !== 'VIRTUAL_ENV',
      ),
    );
    // uv's cache and network patience pass through; nothing that could change what is resolved does.
    for (const k of ['UV_CACHE_DIR', 'UV_HTTP_RETRIES', 'UV_HTTP_TIMEOUT'])
      if (process.env[k]) env[k] = process.env[k]!;
    if (index) env.UV_INDEX_URL = index;
    if (opts.caBundle) env.SSL_CERT_FILE = opts.caBundle;
    const res = await execa(uv, args, { cwd: root, reject: false, all: true, env, extendEnv: false });
    if (res.exitCode !== 0) {
      const why = redactText(res.all ?? '', index)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const detail =
        why
          .filter((l) => !/^hint:/i.test(l))
          .slice(-3)
          .join(' ') || `uv exited ${res.exitCode}`;
      throw new KfcError(`uv could not lock ${inPath(name)}: ${detail}`, {
        where: inPath(name),
        hint: 'fix the requirement (or the index: KFC_PYTHON_INDEX_URL), then run kfc lock again',
      });
    }
    const body = readFileSync(tmp, 'utf8');
    const text = renderHeader({ name, in: sha256(inBytes), constraints }, node.name) + body;
    writeFileSync(final, text);
    renameSync(final, dest);
    return {
      image: node.name,
      lock: lockPath(name),
      packages: parsePins(body).length,
      changed: !previous?.equals(Buffer.from(text)),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    rmSync(tmp, { force: true });
    rmSync(final, { force: true });
  }
}

/** kfc lock: the plan's images parents first, each against its ancestors' fresh locks. */
export async function lockImages(catalog: Catalog, names: string[], opts: LockOptions = {}): Promise<LockResult[]> {
  const plan = lockPlan(catalog, names);
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const results: LockResult[] = [];
  for (const node of plan) {
    const r = await lockOne(catalog, node, opts);
    log(
      `kfc lock: ${r.lock} ${r.changed ? 'written' : 'unchanged'} (${r.packages} packages, ${r.seconds.toFixed(1)} s)`,
    );
    results.push(r);
  }
  // A re-locked parent leaves its children stale until they are locked too: say which.
  const locked = new Set(plan);
  const stale = catalog.order.filter(
    (n) => n.spec.python && !locked.has(n) && n.chain.some((a) => results.some((r) => r.changed && r.image === a.name)),
  );
  if (stale.length) {
    const locks = stale.map((n) => lockPath(n.spec.python!)).join(', ');
    log(
      `kfc lock: now stale (compiled against a lock that changed): ${locks} ` +
        `(fix: run kfc lock ${stale.map((n) => n.name).join(' ')})`,
    );
  }
  return results;
}
