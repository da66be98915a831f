/**
 * The effectful half of `kfc referee`: one `docker save` archive per image, read by kfc's own layer
 * analysis, by dive and by Trivy, so every tool judges the same bytes and the image is saved once.
 */

import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { readImageArchive } from '../metrics/archive/image-archive.ts';
import { analyzeLayers } from '../metrics/efficiency.ts';
import { crossCheck, parseDiveCi } from './dive.ts';
import { directoryRemovedBytes } from './dive-style.ts';
import type { RefereeImage } from './model.ts';
import { sbomCounts, trivySecrets, vulnCounts } from './trivy.ts';

export interface RefereeOptions {
  name: string;
  ref: string;
  id: string;
  /** Where the archive is written (removed by the caller) and the SBOM kept. */
  workDir: string;
  sbomDir: string;
  minEfficiency: number;
  dive?: { bin: string; ciConfig: string; configEfficiency: number };
  trivy?: {
    bin: string;
    cacheDir: string;
    vulns: boolean;
    severity: string[];
    ignoreUnfixed: boolean;
    ignoreFile?: string;
  };
  log: (s: string) => void;
}

const secs = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

async function run(bin: string, args: string[], what: string, okCodes = [0]) {
  const r = await execa(bin, args, { reject: false, all: true, env: { NO_COLOR: '1' } });
  if (!okCodes.includes(r.exitCode ?? -1)) {
    const tail = (r.all ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-3)
      .join(' | ');
    throw new KfcError(`${what} failed (exit ${r.exitCode}): ${tail}`, { hint: `run: ${bin} ${args.join(' ')}` });
  }
  return r;
}

/** Java archives: Trivy identifies them through its Java DB, which it would download. */
const JAVA_ARCHIVES = ['**/*.jar', '**/*.war', '**/*.ear', '**/*.par'];

/**
 * Trivy flags for a scan that never reaches the network (no DB download, no version check). Without
 * a Java DB in the cache, Java archives are skipped (Trivy would try to fetch the DB and fail).
 */
function trivyOffline(cacheDir: string, javaDb = hasTrivyJavaDb(cacheDir)): string[] {
  const flags = [
    '--cache-dir',
    cacheDir,
    '--skip-db-update',
    '--skip-java-db-update',
    '--offline-scan',
    '--skip-version-check',
    '--disable-telemetry',
    '--quiet',
  ];
  if (!javaDb) for (const g of JAVA_ARCHIVES) flags.push('--skip-files', g);
  return flags;
}

function hasTrivyJavaDb(cacheDir: string): boolean {
  return existsSync(join(cacheDir, 'java-db', 'trivy-java.db'));
}

export async function refereeImage(o: RefereeOptions): Promise<RefereeImage> {
  mkdirSync(o.workDir, { recursive: true });
  const archive = join(o.workDir, `${o.name}.tar`);
  const problems: string[] = [];
  let t0 = performance.now();
  await run(dockerBin(), ['save', '-o', archive, o.ref], `docker save ${o.ref}`);
  const seconds: RefereeImage['seconds'] = { save: secs(t0), kfc: 0 };
  const archiveBytes = statSync(archive).size;
  o.log(`kfc referee: ${o.name}: saved ${o.ref} (${(archiveBytes / 1e9).toFixed(2)} GB) in ${seconds.save} s`);

  t0 = performance.now();
  const read = await readImageArchive(createReadStream(archive));
  const img = read.images.find((i) => i.id === o.id) ?? (read.images.length === 1 ? read.images[0] : undefined);
  if (!img) throw new KfcError(`${archive}: image ${o.id} not in the saved archive`);
  const m = analyzeLayers(img.layers);
  seconds.kfc = secs(t0);
  const result: RefereeImage = {
    name: o.name,
    ref: o.ref,
    id: o.id,
    archiveBytes,
    seconds,
    problems,
    notes: [],
    measuredAt: new Date().toISOString(),
  };

  if (o.dive) {
    t0 = performance.now();
    const args = ['--ci', '--ci-config', o.dive.ciConfig, '--source', 'docker-archive', archive];
    // An images.yaml gate that differs from .dive-ci's goes to dive too: both tools judge one threshold.
    if (o.minEfficiency !== o.dive.configEfficiency) args.push('--lowestEfficiency', String(o.minEfficiency));
    const r = await run(o.dive.bin, args, `dive ${o.name}`, [0, 1]);
    const d = parseDiveCi(r.all ?? '');
    seconds.dive = secs(t0);
    const kfc = {
      efficiency: m.efficiency,
      wastedBytes: m.wastedBytes,
      minBytes: m.minBytes,
      cumulativeBytes: m.cumulativeBytes,
      directoryRemovedBytes: directoryRemovedBytes(img.layers),
      minEfficiency: o.minEfficiency,
    };
    result.dive = crossCheck(o.name, kfc, d);
    problems.push(...result.dive.problems.map((p) => `dive vs kfc: ${p}`));
  }

  if (o.trivy) {
    const off = trivyOffline(o.trivy.cacheDir);
    if (!hasTrivyJavaDb(o.trivy.cacheDir))
      result.notes.push(
        `Java archives (${JAVA_ARCHIVES.join(' ')}) not in the SBOM: no Trivy Java DB in ${o.trivy.cacheDir}`,
      );
    mkdirSync(o.sbomDir, { recursive: true });
    const sbomFile = join(o.sbomDir, `${o.name}.cdx.json`);
    t0 = performance.now();
    await run(
      o.trivy.bin,
      ['image', ...off, '--input', archive, '--format', 'cyclonedx', '--output', sbomFile],
      `trivy sbom ${o.name}`,
    );
    result.sbom = { ...sbomCounts(JSON.parse(readFileSync(sbomFile, 'utf8'))), file: sbomFile };
    seconds.sbom = secs(t0);

    t0 = performance.now();
    const s = await run(
      o.trivy.bin,
      ['image', ...off, '--input', archive, '--scanners', 'secret', '--format', 'json'],
      `trivy secret scan ${o.name}`,
    );
    result.secrets = trivySecrets(JSON.parse(s.stdout));
    seconds.secrets = secs(t0);
    for (const f of result.secrets)
      problems.push(`secret: ${f.rule} (${f.severity}) in ${f.target}${f.line ? `:${f.line}` : ''}`);

    if (o.trivy.vulns) {
      t0 = performance.now();
      const all = await run(
        o.trivy.bin,
        ['image', ...off, '--input', archive, '--scanners', 'vuln', '--format', 'json'],
        `trivy vuln scan ${o.name}`,
      );
      result.vulns = vulnCounts(JSON.parse(all.stdout));
      const gateArgs = [
        '--severity',
        o.trivy.severity.join(','),
        ...(o.trivy.ignoreUnfixed ? ['--ignore-unfixed'] : []),
      ];
      if (o.trivy.ignoreFile && existsSync(o.trivy.ignoreFile)) gateArgs.push('--ignorefile', o.trivy.ignoreFile);
      const gated = await run(
        o.trivy.bin,
        ['image', ...off, '--input', archive, '--scanners', 'vuln', '--format', 'json', ...gateArgs],
        `trivy vuln gate ${o.name}`,
      );
      const n = Object.values(vulnCounts(JSON.parse(gated.stdout))).reduce((a, b) => a + b, 0);
      result.vulnGate = {
        severity: o.trivy.severity,
        ignoreUnfixed: o.trivy.ignoreUnfixed,
        ignoreFile: o.trivy.ignoreFile,
        findings: n,
      };
      if (n)
        problems.push(
          `vulnerabilities: ${n} at ${o.trivy.severity.join('/')}${o.trivy.ignoreUnfixed ? ' with a fix available' : ''} not in ${o.trivy.ignoreFile ?? 'an allowlist'}`,
        );
      seconds.vulns = secs(t0);
    }
  }
  return result;
}

/** Is there a Trivy vulnerability DB in the cache (TRIVY_CACHE_DIR/db/trivy.db)? */
export function hasTrivyDb(cacheDir: string): boolean {
  return existsSync(join(cacheDir, 'db', 'trivy.db'));
}
