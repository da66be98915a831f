/**
 * Pending Debian updates of an image, read from `apt list --upgradable` in a container with fresh
 * lists, and judged against images.yaml `gates.securityUpdates` (max, and allow entries with a reason
 * and an expiry date). Pure.
 */
import type { SecurityUpdatesGate } from '../catalog/schema.ts';

export interface PendingUpdate {
  package: string;
  arch: string;
  installed: string;
  candidate: string;
  /** The archives (Debian suite names, e.g. stable-security) that carry the candidate. */
  archives: string[];
}

export interface SecurityUpdatesResult {
  /** Why the check did not run (e.g. "archive unreachable"); absent when it ran. */
  notRun?: string;
  /** Packages whose candidate comes from a -security or -updates suite and is newer than installed. */
  pending: PendingUpdate[];
  /** Pending ones an unexpired allow entry accepts (they do not count). */
  allowed: (PendingUpdate & { reason: string; expires: string })[];
  /** Allow entries past their expiry date (they accept nothing). */
  expired: { package: string; expires: string }[];
  /** Pending minus allowed. */
  count: number;
  max: number;
  pass: boolean;
  seconds: number;
  measuredAt: string;
}

// `libssl3t64/stable-security,stable 3.5.10-1~deb13u1 amd64 [upgradable from: 3.5.9-1~deb13u1]`
const LINE = /^([a-z0-9][a-z0-9+.-]*)\/(\S+) (\S+) (\S+) \[upgradable from: ([^\]]+)\]$/;

/** Every upgradable package apt lists (lines that are not packages, like "Listing...", are skipped). */
export function parseUpgradable(text: string): PendingUpdate[] {
  return text.split('\n').flatMap((l) => {
    const m = LINE.exec(l.trim());
    if (!m) return [];
    return [{ package: m[1]!, archives: m[2]!.split(','), candidate: m[3]!, arch: m[4]!, installed: m[5]! }];
  });
}

/** From a security or point-release suite (trixie-security, stable-updates, …). */
function fromUpdateSuite(u: PendingUpdate): boolean {
  return u.archives.some((a) => /-(security|updates)$/.test(a));
}

/** The gate's verdict. Not run counts as a failure under CI (`ci`), a pass with a note elsewhere. */
export function judgeSecurityUpdates(
  upgradable: PendingUpdate[] | { notRun: string },
  gate: SecurityUpdatesGate,
  opts: { today: string; ci: boolean; seconds: number; measuredAt: string },
): SecurityUpdatesResult {
  const live = gate.allow.filter((a) => a.expires >= opts.today);
  const expired = gate.allow
    .filter((a) => a.expires < opts.today)
    .map((a) => ({ package: a.package, expires: a.expires }));
  const base = { expired, max: gate.max, seconds: opts.seconds, measuredAt: opts.measuredAt };
  if (!Array.isArray(upgradable))
    return { ...base, notRun: upgradable.notRun, pending: [], allowed: [], count: 0, pass: !opts.ci };
  const pending = upgradable.filter(fromUpdateSuite);
  const allowed = pending.flatMap((p) => {
    const a = live.find((e) => e.package === p.package);
    return a ? [{ ...p, reason: a.reason, expires: a.expires }] : [];
  });
  const count = pending.length - allowed.length;
  return { ...base, pending, allowed, count, pass: count <= gate.max };
}

/** `installed → candidate` of one update. */
export function versionPair(u: PendingUpdate): string {
  return `${u.package} ${u.installed} → ${u.candidate}`;
}

/** One line: `0 pending (max 0) pass`, `3 pending: a 1 → 2, … (max 0) FAIL`, `not run: archive unreachable`. */
export function securityUpdatesText(r: SecurityUpdatesResult): string {
  if (r.notRun) return `not run: ${r.notRun}${r.pass ? '' : ' FAIL (CI)'}`;
  const allowedNames = new Set(r.allowed.map((a) => a.package));
  const counted = r.pending.filter((p) => !allowedNames.has(p.package));
  const list = counted.length ? `: ${counted.map(versionPair).join(', ')}` : '';
  const allowed = r.allowed.length
    ? `; ${r.allowed.length} allowed until ${r.allowed.map((a) => a.expires).sort()[0]}`
    : '';
  const expired = r.expired.map((e) => `; allow entry ${e.package} expired ${e.expires}`).join('');
  return `${r.count} pending${list}${allowed}${expired} (max ${r.max}) ${r.pass ? 'pass' : 'FAIL'}`;
}

/** The gate's problem line (for kfc referee --check and kfc report --check), none when it passes. */
export function securityUpdatesProblems(r: SecurityUpdatesResult): string[] {
  if (r.pass) return [];
  if (r.notRun) return [`security updates: not run: ${r.notRun} (fails under CI=true)`];
  return [`security updates: ${securityUpdatesText(r)}`];
}
