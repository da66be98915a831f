import type { Catalog, ImageNode } from '../catalog/model.ts';
import { lockChain } from '../catalog/python-files.ts';
import { currentTarget, inPath, lockPath, parseHeader, parsePins, sha256 } from '../catalog/python-lock-format.ts';
import { KfcError } from '../errors.ts';

/** One problem with a lock; printed as `kfc: error: <file>: <message> (fix: <fix>)`. */
export interface LockProblem {
  file: string;
  message: string;
  fix: string;
}

/**
 * Checks every lock of the catalog against its requirements file and its ancestors' locks, by
 * hashes recorded in its header (no resolver runs: fast), and that a child pins every package it
 * shares with an ancestor at the ancestor's version.
 */
export function checkLocks(catalog: Catalog): LockProblem[] {
  const problems: LockProblem[] = [];
  const sources = catalog.python ?? new Map();
  for (const node of catalog.order) {
    const name = node.spec.python;
    if (!name) continue;
    const files = sources.get(name);
    if (!files) continue;
    const relock = `run kfc lock ${node.name}`;
    const file = lockPath(name);
    if (!files.lock) {
      problems.push({ file, message: `missing: ${node.name} installs it (images.yaml python: ${name})`, fix: relock });
      continue;
    }
    const text = files.lock.toString('utf8');
    const header = parseHeader(text);
    if (!header || header.name !== name) {
      problems.push({
        file,
        message: 'has no kfc lock header (it was not made by kfc lock, or was edited)',
        fix: relock,
      });
      continue;
    }
    if (header.target !== currentTarget()) {
      problems.push({
        file,
        message: `stale: locked for "${header.target}", kfc locks for "${currentTarget()}"`,
        fix: relock,
      });
    }
    if (header.in !== sha256(files.in)) {
      problems.push({ file, message: `stale: ${inPath(name)} changed since it was locked`, fix: relock });
    }
    const ancestors = lockChain(node).slice(0, -1);
    const recorded = header.constraints.map((c) => c.name);
    if (recorded.join(',') !== ancestors.join(',')) {
      const was = recorded.length ? recorded.map(lockPath).join(', ') : 'no ancestor lock';
      const now = ancestors.length ? ancestors.map(lockPath).join(', ') : 'none';
      problems.push({
        file,
        message: `stale: compiled against ${was}, its ancestors' locks are now ${now}`,
        fix: relock,
      });
    } else {
      for (const c of header.constraints) {
        const anc = sources.get(c.name)?.lock;
        if (anc && sha256(anc) !== c.sha256) {
          problems.push({
            file,
            message: `stale: ${lockPath(c.name)} changed since ${file} was compiled against it`,
            fix: relock,
          });
        }
      }
    }
    const pins = parsePins(text);
    if (pins.length === 0) problems.push({ file, message: 'pins no package', fix: relock });
    for (const p of pins) {
      if (p.hashes.length === 0)
        problems.push({ file: `${file}:${p.line}`, message: `${p.name}==${p.version} has no --hash`, fix: relock });
    }
    for (const a of ancestors) {
      const anc = sources.get(a)?.lock;
      if (!anc) continue;
      const theirs = new Map(parsePins(anc.toString('utf8')).map((p) => [p.name, p.version]));
      for (const p of pins) {
        const v = theirs.get(p.name);
        if (v !== undefined && v !== p.version) {
          problems.push({
            file: `${file}:${p.line}`,
            message:
              `pins ${p.name}==${p.version} but ancestor ${lockPath(a)} pins ${p.name}==${v} ` +
              `(a child must not change a parent's package)`,
            fix: `${relock} (it compiles against the ancestors' locks), or change ${inPath(name)}`,
          });
        }
      }
    }
  }
  return problems;
}

export function formatProblem(p: LockProblem): string {
  return `kfc: error: ${p.file}: ${p.message} (fix: ${p.fix})`;
}

/** Before a build: the first lock problem of the images' chains, as a user error. */
export function refuseStaleLocks(catalog: Catalog, nodes: ImageNode[]): void {
  const files = new Set(nodes.flatMap((n) => lockChain(n).map(lockPath)));
  const p = checkLocks(catalog).find((x) => files.has(x.file.replace(/:\d+$/, '')));
  if (p) throw new KfcError(p.message, { where: p.file, hint: p.fix });
}
