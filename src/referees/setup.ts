/**
 * What kfc referee runs with, checked once before any image is saved: dive and its CI rules, Trivy,
 * its cache and DB, the .trivyignore allowlist; their versions and digests, which key the cached
 * verdicts (src/report/cache-keys.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';
import { requireTool } from './tools.ts';
import { activeIgnoreIds, expiredEntries, parseTrivyIgnore } from './trivyignore.ts';

const DIVE_CONFIG = '.dive-ci';
const TRIVY_IGNORE = '.trivyignore';

export interface DiveSetup {
  bin: string;
  ciConfig: string;
  /** lowestEfficiency of .dive-ci. */
  configEfficiency: number;
  version: string;
  /** sha256 of .dive-ci. */
  configDigest: string;
}

export interface TrivySetup {
  bin: string;
  cacheDir: string;
  /** Scan vulnerabilities (a DB is there, or --vulns). */
  vulns: boolean;
  version: string;
  /** The DB's metadata.json and size ('off' when vulnerabilities are not scanned). */
  db: string;
  /** The Java DB's metadata and size, when there is one (Java archives are skipped without). */
  javaDb?: string;
  ignoreFile?: string;
  /** sha256 of the allowlist ('none'). */
  ignoreDigest: string;
  /** The IDs the allowlist suppresses today (expired entries no longer do). */
  ignored: string[];
}

export interface RefereeSetup {
  dive?: DiveSetup;
  trivy?: TrivySetup;
  /** Tool versions, for referees.json. */
  tools: Record<string, string>;
}

export interface RefereeSetupOptions {
  /** The catalog's root: .dive-ci and .trivyignore are found there. */
  root: string;
  dive: boolean;
  trivy: boolean;
  /** true: an error without a DB; undefined: scan when there is one. */
  vulns?: boolean;
  trivyignore?: string;
  diveCi?: string;
  env?: NodeJS.ProcessEnv;
  log: (s: string) => void;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** lowestEfficiency of .dive-ci (the family default dive is given). */
function diveConfigEfficiency(file: string): number {
  if (!existsSync(file))
    throw new KfcError(`${DIVE_CONFIG} is missing`, {
      where: file,
      hint: "restore it from git (dive's CI rules, the same thresholds as kfc report --check)",
    });
  const m = /^\s*lowestEfficiency:\s*([\d.]+)/m.exec(readFileSync(file, 'utf8'));
  if (!m)
    throw new KfcError('lowestEfficiency is not set', {
      where: file,
      hint: "keep rules.lowestEfficiency equal to kfc's minEfficiency gate (0.99)",
    });
  return Number(m[1]);
}

/**
 * The allowlist: --trivyignore FILE (must exist), else .trivyignore at the root when there is one.
 * Every entry is checked first (reason above, exp:YYYY-MM-DD); expired ones are named.
 */
function allowlist(explicit: string | undefined, root: string, log: (s: string) => void) {
  const file = explicit ?? join(root, TRIVY_IGNORE);
  if (!existsSync(file)) {
    if (explicit) throw new KfcError('--trivyignore: no such file', { where: file, hint: 'give an existing file' });
    return { ignoreDigest: 'none', ignored: [] };
  }
  const where = explicit ? file : TRIVY_IGNORE;
  const entries = parseTrivyIgnore(readFileSync(file, 'utf8'), where);
  for (const e of expiredEntries(entries))
    log(`kfc referee: ${where}:${e.line}: ${e.id} expired on ${e.expires}: Trivy reports it again`);
  return { ignoreFile: file, ignoreDigest: sha(file), ignored: activeIgnoreIds(entries) };
}

/** Is there a Trivy vulnerability DB in the cache (TRIVY_CACHE_DIR/db/trivy.db)? */
function hasTrivyDb(cacheDir: string): boolean {
  return existsSync(join(cacheDir, 'db', 'trivy.db'));
}

/** The DB as a key part: its metadata (version, UpdatedAt) and the database file's size and mtime. */
function dbIdentity(cacheDir: string, sub: string, file: string): string {
  const meta = join(cacheDir, sub, 'metadata.json');
  const db = statSync(join(cacheDir, sub, file));
  const m = existsSync(meta) ? readFileSync(meta, 'utf8').trim() : 'no metadata.json';
  return `${m}; ${file} ${db.size} bytes, mtime ${db.mtimeMs}`;
}

async function versionOf(bin: string): Promise<string> {
  const r = await execa(bin, ['--version'], { reject: false });
  return (r.stdout.split('\n').find((l) => l.trim()) ?? '').trim();
}

export async function refereeSetup(o: RefereeSetupOptions): Promise<RefereeSetup> {
  const env = o.env ?? process.env;
  const tools: Record<string, string> = {};
  let dive: DiveSetup | undefined;
  if (o.dive) {
    const ciConfig = o.diveCi ?? join(o.root, DIVE_CONFIG);
    const configEfficiency = diveConfigEfficiency(ciConfig);
    const bin = requireTool('dive', env);
    tools.dive = await versionOf(bin);
    dive = { bin, ciConfig, configEfficiency, version: tools.dive, configDigest: sha(ciConfig) };
  }
  let trivy: TrivySetup | undefined;
  if (o.trivy) {
    const cacheDir = env.TRIVY_CACHE_DIR || join(env.HOME ?? '/root', '.cache', 'trivy');
    const haveDb = hasTrivyDb(cacheDir);
    if (o.vulns && !haveDb)
      throw new KfcError(`--vulns: no Trivy vulnerability DB in ${cacheDir} (db/trivy.db)`, {
        hint: 'trivy image --download-db-only where its DB registry is reachable; set TRIVY_CACHE_DIR to that cache',
      });
    const vulns = o.vulns ?? haveDb;
    const allow = allowlist(o.trivyignore, o.root, o.log);
    const bin = requireTool('trivy', env);
    tools.trivy = await versionOf(bin);
    const javaDb = existsSync(join(cacheDir, 'java-db', 'trivy-java.db'))
      ? dbIdentity(cacheDir, 'java-db', 'trivy-java.db')
      : undefined;
    const db = vulns ? dbIdentity(cacheDir, 'db', 'trivy.db') : 'off';
    trivy = { bin, cacheDir, vulns, version: tools.trivy, db, ...(javaDb ? { javaDb } : {}), ...allow };
    if (!vulns)
      o.log(`kfc referee: vulnerabilities not scanned (no DB in ${cacheDir}): SBOM and secret scan only (offline)`);
  }
  return { ...(dive ? { dive } : {}), ...(trivy ? { trivy } : {}), tools };
}
