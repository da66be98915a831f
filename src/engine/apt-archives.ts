/**
 * The state of the Debian archives an image's apt layers install from: the `InRelease` file of the
 * base suite, its `-updates` and its `-security` suite (its Date and sha256). It is what makes a
 * build traceable (image labels) and what `kfc build --refresh` compares to decide whether
 * foundation's apt layer, and everything after it, is built again: the digests reach the build as
 * build arg KFC_APT_ARCHIVES, which foundation's apt RUN declares, so unchanged archives give the
 * same cache keys and a moved one invalidates from that layer down.
 *
 * Without --refresh a build reuses the state recorded by the last one (.kfc/apt-archives.json), so
 * an ordinary build never rebuilds the family because Debian published something.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { BaseSpec } from '../catalog/schema.ts';
import { KfcError } from '../errors.ts';

/** The build arg foundation's apt layer declares (docker-bits/foundation-os.Dockerfile). */
export const ARCHIVES_ARG = 'KFC_APT_ARCHIVES';

export interface AptArchive {
  suite: string;
  /** The InRelease URL it was read from. */
  url: string;
  /** The archive's own Date field, as ISO 8601. */
  date: string;
  sha256: string;
}

/** Build args that move the archives (a site's mirrors), as kfc build --build-arg gives them. */
export interface MirrorArgs {
  DEBIAN_MIRROR?: string;
  DEBIAN_SECURITY_MIRROR?: string;
}

/** The main mirror: a snapshot.debian.org URL when a snapshot timestamp is pinned. */
export function mirrorFor(base: BaseSpec): string {
  return base.snapshot ? `http://snapshot.debian.org/archive/debian/${base.snapshot}` : base.mirror;
}

/** The security mirror (the archive under debian-security), snapshot-pinned like the main one. */
export function securityMirrorFor(base: BaseSpec): string {
  return base.snapshot ? `http://snapshot.debian.org/archive/debian-security/${base.snapshot}` : base.securityMirror;
}

/** The three suites of a base and where their InRelease files are. Pure. */
export function archiveUrls(base: BaseSpec, args: MirrorArgs = {}): { suite: string; url: string }[] {
  const main = (args.DEBIAN_MIRROR ?? mirrorFor(base)).replace(/\/$/, '');
  const security = (args.DEBIAN_SECURITY_MIRROR ?? securityMirrorFor(base)).replace(/\/$/, '');
  return [
    { suite: base.suite, url: `${main}/dists/${base.suite}/InRelease` },
    { suite: `${base.suite}-updates`, url: `${main}/dists/${base.suite}-updates/InRelease` },
    { suite: `${base.suite}-security`, url: `${security}/dists/${base.suite}-security/InRelease` },
  ];
}

/** The Date field of a Release/InRelease file as ISO 8601, or undefined. Pure. */
export function releaseDate(text: string): string | undefined {
  const m = /^Date:\s*(.+)$/m.exec(text);
  if (!m) return undefined;
  const t = new Date(m[1]!.trim());
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString().replace('.000Z', 'Z');
}

/** Reads the three InRelease files; one clear error when one cannot be read. */
export async function fetchArchives(base: BaseSpec, args: MirrorArgs = {}, timeoutMs = 15000): Promise<AptArchive[]> {
  return Promise.all(
    archiveUrls(base, args).map(async ({ suite, url }) => {
      let text: string;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      } catch (e) {
        throw new KfcError(`cannot read ${url}: ${(e as Error).message}`, {
          where: 'images.yaml bases',
          hint: 'check mirror / securityMirror (or the DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR build args)',
        });
      }
      const date = releaseDate(text);
      if (!date)
        throw new KfcError(`${url} has no Date field: not a Debian InRelease file`, {
          where: 'images.yaml bases',
          hint: 'point mirror / securityMirror at a Debian archive',
        });
      return { suite, url, date, sha256: createHash('sha256').update(text).digest('hex') };
    }),
  );
}

/** The build arg value: suite@sha256 of each InRelease, in suite order. Pure. */
export function archivesArg(archives: AptArchive[]): string {
  return archives.map((a) => `${a.suite}@${a.sha256}`).join(',');
}

/** OCI labels recording the archive state an image was built from. Pure. */
export function archiveLabels(archives: AptArchive[]): Record<string, string> {
  return Object.fromEntries(
    archives.flatMap((a) => [
      [`org.kfc.apt.${a.suite}.date`, a.date],
      [`org.kfc.apt.${a.suite}.inrelease-sha256`, a.sha256],
    ]),
  );
}

/** The suites of `now` whose InRelease differs from `before` (all of them when nothing was recorded). Pure. */
export function movedSuites(before: AptArchive[] | undefined, now: AptArchive[]): AptArchive[] {
  return now.filter((a) => before?.find((b) => b.suite === a.suite && b.url === a.url)?.sha256 !== a.sha256);
}

type StateFile = Record<string, { recorded: string; archives: AptArchive[] }>;

function stateFile(root: string): string {
  return join(root, '.kfc', 'apt-archives.json');
}

function readState(file: string): StateFile {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StateFile;
  } catch {
    return {};
  }
}

export interface ArchiveChoice {
  archives: AptArchive[];
  /** Suites that moved since the recorded state (only with refresh). */
  moved: AptArchive[];
  /** Read now (refresh, or nothing recorded for these mirrors) rather than reused. */
  fetched: boolean;
  /** This clone had a state for these mirrors to compare with (a fresh clone has none). */
  compared: boolean;
}

/**
 * The archive state a build of `base` uses: with `refresh`, read now and recorded; otherwise the
 * recorded one for the same mirrors, or read now when there is none.
 */
export async function chooseArchives(
  root: string,
  key: string,
  base: BaseSpec,
  opts: { refresh?: boolean; args?: MirrorArgs; read?: typeof fetchArchives } = {},
): Promise<ArchiveChoice> {
  const file = stateFile(root);
  const state = readState(file);
  const before = state[key]?.archives;
  const urls = archiveUrls(base, opts.args).map((u) => u.url);
  const sameMirrors = before?.length === urls.length && before.every((a, i) => a.url === urls[i]);
  if (!opts.refresh && before && sameMirrors) return { archives: before, moved: [], fetched: false, compared: true };
  const now = await (opts.read ?? fetchArchives)(base, opts.args);
  const moved = movedSuites(sameMirrors ? before : undefined, now);
  if (moved.length || !sameMirrors) {
    state[key] = { recorded: new Date().toISOString(), archives: now };
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic.sync(file, JSON.stringify(state, null, 2) + '\n');
  }
  const compared = Boolean(before && sameMirrors);
  return { archives: now, moved: compared ? moved : [], fetched: true, compared };
}
