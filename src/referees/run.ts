/**
 * The effectful half of `kfc referee`: one `docker save` archive per image, read by kfc's own layer
 * analysis, by dive and by Trivy, so every tool judges the same bytes and the image is saved once.
 */

import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { VulnGate } from '../catalog/schema.ts';
import { dockerBin } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { readImageArchive } from '../metrics/archive/image-archive.ts';
import { analyzeLayers } from '../metrics/efficiency.ts';
import { crossCheck, parseDiveCi } from './dive.ts';
import { directoryRemovedBytes } from './dive-style.ts';
import type { RefereeImage } from './model.ts';
import { gateVulns, sbomCounts, trivySecrets, vulnCounts } from './trivy.ts';

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
    /** The catalog's vulnerability gate for this image (images.yaml gates.vulnerabilities). */
    gate?: VulnGate;
    /** Trivy's allowlist (.trivyignore), checked by parseTrivyIgnore; absent: nothing is accepted. */
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
export function trivyOffline(cacheDir: string, javaDb = hasTrivyJavaDb(cacheDir)): string[] {
  const flags = [
    '--cache-dir',
    cacheDir,
    '--skip-db-update',
    '--skip-java-db-update',
    '--offline-scan',
    '--skip-version-check',
    '--disable-telemetry',
    '--quiet',
    // Trivy's default 5 min ran out on jupyterlab-cpu's secret scan on a busy 2-core machine.
    '--timeout',
    '30m',
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
      const vulnScan = async (extra: string[], what: string) => {
        const args = ['image', ...off, '--input', archive, '--scanners', 'vuln', '--format', 'json', ...extra];
        return vulnCounts(JSON.parse((await run(o.trivy!.bin, args, `${what} ${o.name}`)).stdout));
      };
      // Every finding, for the counts shown; the gate counts what the allowlist and ignore-unfixed leave.
      // (/dev/null: Trivy would otherwise read a .trivyignore from the working directory.)
      result.vulns = await vulnScan(['--ignorefile', '/dev/null'], 'trivy vuln scan');
      const gate = o.trivy.gate;
      if (gate) {
        const extra = ['--ignorefile', o.trivy.ignoreFile ?? '/dev/null'];
        if (gate.ignoreUnfixed) extra.push('--ignore-unfixed');
        const counts = await vulnScan(extra, 'trivy vuln gate');
        const g = gateVulns(counts, gate.max);
        result.vulnGate = {
          max: gate.max,
          ignoreUnfixed: gate.ignoreUnfixed,
          ...(o.trivy.ignoreFile ? { ignoreFile: o.trivy.ignoreFile } : {}),
          counts,
          pass: !g.length,
        };
        const how = [
          gate.ignoreUnfixed ? 'fixed ones only' : '',
          o.trivy.ignoreFile ? `not in ${o.trivy.ignoreFile}` : '',
        ]
          .filter(Boolean)
          .map((h) => `, ${h}`)
          .join('');
        for (const b of g) problems.push(`vulnerabilities: ${b}${how}`);
      }
      seconds.vulns = secs(t0);
    }
  }
  return result;
}

/** Is there a Trivy vulnerability DB in the cache (TRIVY_CACHE_DIR/db/trivy.db)? */
export function hasTrivyDb(cacheDir: string): boolean {
  return existsSync(join(cacheDir, 'db', 'trivy.db'));
}
