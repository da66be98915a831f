/** `kfc doctor`: what this machine has and lacks for kfc, each with its fix. */

import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { findBuildx, inspectBuilder, LOCAL_BUILDER } from './buildx.ts';
import { dockerBin, requireEngine } from './docker.ts';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Engine, BuildKit client, mmdebstrap, disk and registry login (`repo`: the catalog's registry). */
export async function doctor(root: string, repo: string): Promise<DoctorCheck[]> {
  const checks: { name: string; ok: boolean; detail: string; fix?: string }[] = [];
  const add = (name: string, ok: boolean, detail: string, fix?: string) =>
    checks.push({ name, ok, detail, fix: ok ? undefined : fix });
  try {
    add('engine', true, `Docker engine ${await requireEngine()}`);
  } catch (e) {
    add('engine', false, (e as Error).message, 'scripts/provision.sh');
  }
  try {
    const buildx = await findBuildx();
    const b = await inspectBuilder(buildx, LOCAL_BUILDER);
    add('buildkit', true, `${buildx.join(' ')}, builder ${b.name} (${b.driver} driver, BuildKit ${b.buildkit ?? '?'})`);
  } catch (e) {
    add('buildkit', false, (e as Error).message, 'bash scripts/provision-referees.sh (buildx), with an engine running');
  }
  const mm = await execa('mmdebstrap', ['--version'], { reject: false });
  add('mmdebstrap', !mm.failed, mm.failed ? 'not installed' : mm.stdout.trim(), 'apt-get install mmdebstrap');
  try {
    const fs = statfsSync(existsSync('/var/lib/docker') ? '/var/lib/docker' : root);
    const free = (fs.bavail * fs.bsize) / 1e9;
    add('disk', free > 20, `${free.toFixed(0)} GB free for images`, 'free at least 20 GB (docker system prune)');
  } catch {
    add('disk', false, 'could not read free space', 'check the docker data root');
  }
  const cfgPath = join(process.env.DOCKER_CONFIG ?? join(process.env.HOME ?? '/root', '.docker'), 'config.json');
  let logins: string[] = [];
  if (existsSync(cfgPath)) {
    try {
      logins = Object.keys((JSON.parse(readFileSync(cfgPath, 'utf8')) as { auths?: object }).auths ?? {});
    } catch {
      // unreadable config counts as no login
    }
  }
  const registry = repo.split('/')[0] ?? '';
  if (registry)
    add(
      'registry login',
      logins.includes(registry),
      logins.length ? `logged in to ${logins.join(', ')}` : 'not logged in to any registry',
      `docker login ${registry}`,
    );
  else
    add(
      'registry login',
      true,
      logins.length
        ? `logged in to ${logins.join(', ')}`
        : 'no registry configured (registry.repo in images.yaml); nothing to log in to',
    );
  add('docker client', true, dockerBin());
  return checks;
}

/** One line of `kfc doctor`'s table. */
export function formatCheck(c: DoctorCheck): string {
  return `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(15)} ${c.detail}${c.fix ? `  → fix: ${c.fix}` : ''}`;
}
