/**
 * The vulnerability allowlist (.trivyignore, Trivy's plain-text syntax): every accepted finding says
 * why on the comment line just above it and until when (`exp:YYYY-MM-DD`, after which Trivy reports
 * it again). Pure.
 */
import { KfcError } from '../errors.ts';

export interface IgnoreEntry {
  id: string;
  line: number;
  reason: string;
  expires: string;
}

const EXPIRY = /^exp:(\d{4})-(\d{2})-(\d{2})$/;

function realDate(y: string, m: string, d: string): boolean {
  const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return t.getUTCFullYear() === Number(y) && t.getUTCMonth() === Number(m) - 1 && t.getUTCDate() === Number(d);
}

/** Reads the allowlist; the first entry without a reason or a valid expiry is a user error at its line. */
export function parseTrivyIgnore(text: string, where = '.trivyignore'): IgnoreEntry[] {
  const lines = text.split('\n');
  const entries: IgnoreEntry[] = [];
  const fail = (n: number, what: string, hint: string): never => {
    throw new KfcError(what, { where: `${where}:${n}`, hint });
  };
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const [id, ...rest] = l.split(/\s+/);
    const above = (lines[i - 1] ?? '').trim();
    const reason = above.startsWith('#') ? above.replace(/^#+\s*/, '') : '';
    if (!reason)
      fail(i + 1, `${id} has no reason`, `put a comment line just above it saying why it is accepted (# ...)`);
    const exp = rest.find((w) => w.startsWith('exp:'));
    const m = exp ? EXPIRY.exec(exp) : null;
    if (!m)
      fail(
        i + 1,
        `${id} has ${exp ? `a malformed expiry "${exp}"` : 'no expiry'}`,
        `add exp:YYYY-MM-DD after the ID (Trivy reports it again from that day)`,
      );
    if (!realDate(m![1]!, m![2]!, m![3]!))
      fail(i + 1, `${id}: ${exp} is not a calendar date`, 'give a real date as exp:YYYY-MM-DD');
    const extra = rest.filter((w) => w !== exp);
    if (extra.length)
      fail(i + 1, `${id}: unexpected "${extra.join(' ')}"`, 'one ID and exp:YYYY-MM-DD per line; the reason above');
    entries.push({ id: id!, line: i + 1, reason, expires: exp!.slice(4) });
  });
  return entries;
}

/**
 * Entries past their expiry, as of `today` (YYYY-MM-DD, UTC). Trivy reads exp:D as D 00:00 UTC and
 * drops the entry once that moment has passed: from day D on it no longer suppresses anything.
 */
export function expiredEntries(entries: IgnoreEntry[], today = new Date().toISOString().slice(0, 10)): IgnoreEntry[] {
  return entries.filter((e) => e.expires <= today);
}

/** The IDs the allowlist still takes out of the gate on `today` (what Trivy would ignore). */
export function activeIgnoreIds(entries: IgnoreEntry[], today = new Date().toISOString().slice(0, 10)): string[] {
  const expired = new Set(expiredEntries(entries, today));
  return [...new Set(entries.filter((e) => !expired.has(e)).map((e) => e.id))].sort();
}
