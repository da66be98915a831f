/**
 * The pending-Debian-updates check: a throwaway container from the image, as root, adds the
 * -updates and -security suites when the image lacks them, reads fresh lists and asks apt which
 * packages have a newer version there. The answer depends on the day, so it is never cached.
 */
import { performance } from 'node:perf_hooks';
import type { SecurityUpdatesGate } from '../catalog/schema.ts';
import { docker } from '../engine/docker.ts';
import { withThrowaway } from '../engine/throwaway.ts';
import { KfcError } from '../errors.ts';
import { judgeSecurityUpdates, parseUpgradable, type SecurityUpdatesResult } from './upgradable.ts';

const UNREACHABLE = 'KFC-ARCHIVE-UNREACHABLE';

/**
 * Run in the container as `bash -c SCRIPT bash MIRROR SECURITY_MIRROR COMPONENTS`. The image's own
 * lists are dropped first (fresh lists only); apt-get update may exit 0 with a suite missing (a
 * warning), so the suites' InRelease files are checked.
 */
const SCRIPT = `set -euo pipefail
codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)"
pattern="^deb .* \${codename}-security( |$)|^Suites:.*\${codename}-security"
if ! grep -rqsE "\${pattern}" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf '%s\\n' "deb $1 \${codename}-updates $3" "deb $2 \${codename}-security $3" \\
    > /etc/apt/sources.list.d/kfc-security-check.list
fi
find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete
if ! apt-get update -qq -o Acquire::Retries=1 -o Acquire::http::Timeout=20 > /tmp/kfc-apt-update.log 2>&1 ||
  ! compgen -G "/var/lib/apt/lists/*_dists_\${codename}-security_InRelease" > /dev/null ||
  ! compgen -G "/var/lib/apt/lists/*_dists_\${codename}-updates_InRelease" > /dev/null; then
  echo "${UNREACHABLE}"
  tail -n 3 /tmp/kfc-apt-update.log
  exit 0
fi
apt list --upgradable 2> /dev/null
`;

export interface SecurityUpdatesOptions {
  /** The main and security mirrors (images.yaml bases), used only when the image lacks the suites. */
  mirror: string;
  securityMirror: string;
  components?: string[];
  /** Not run fails under CI (default: CI=true in the environment). */
  ci?: boolean;
  /** YYYY-MM-DD, for allow entries' expiry (default: today, UTC). */
  today?: string;
  /** docker run --network for the container (e.g. none, to see the unreachable path). */
  network?: string;
  log?: (s: string) => void;
}

/** Pending updates of `ref` from its suite's -security and -updates, judged against `gate`. */
export async function securityUpdates(
  ref: string,
  gate: SecurityUpdatesGate,
  opts: SecurityUpdatesOptions,
): Promise<SecurityUpdatesResult> {
  const t0 = performance.now();
  const net = opts.network ? ['--network', opts.network] : [];
  const runArgs = [...net, '--user', '0', '--entrypoint', 'sleep', ref, 'infinity'];
  const out = await withThrowaway(
    { purpose: 'security-updates', label: 'org.kfc.referee=1', runArgs },
    async (name, run) => {
      if (run.failed)
        throw new KfcError(`cannot start ${ref} for the security-updates check: ${run.stderr.split('\n')[0]}`, {
          hint: 'kfc build the image first (it needs bash, sleep and apt)',
        });
      const args = [opts.mirror, opts.securityMirror, (opts.components ?? ['main']).join(' ')];
      const r = await docker(['exec', name, 'bash', '-c', SCRIPT, 'bash', ...args], { timeoutMs: 300_000 });
      if (r.failed)
        throw new KfcError(`security-updates check in ${ref} failed (exit ${r.exitCode}): ${r.stderr.split('\n')[0]}`, {
          hint: `docker run --rm --user 0 --entrypoint bash ${ref} -c 'apt-get update && apt list --upgradable'`,
        });
      return r.stdout;
    },
  );
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const measuredAt = new Date().toISOString();
  const today = opts.today ?? measuredAt.slice(0, 10);
  const ci = opts.ci ?? process.env.CI === 'true';
  const result = judgeSecurityUpdates(
    out.includes(UNREACHABLE) ? { notRun: 'archive unreachable' } : parseUpgradable(out),
    gate,
    { today, ci, seconds, measuredAt },
  );
  if (result.notRun)
    opts.log?.(`kfc: ${ref}: security updates not run: archive unreachable (${out.split('\n')[1] ?? ''})`);
  return result;
}
