/**
 * `kfc affected`: which images a change touches, in build order, as a CI matrix.
 *
 * The logic is pure: `computeAffected({ head, base, changes })` takes the catalog of the working
 * tree, the parsed images.yaml of the reference (or why there is none) and the changed paths,
 * and returns the affected images. `gitAffectedInput` is the thin git shell that gathers them.
 *
 * What marks an image (and then every descendant of it: a child's Dockerfile starts with its
 * parent's, so a parent change is a child change):
 *
 * | changed path                              | marks                                              |
 * |-------------------------------------------|----------------------------------------------------|
 * | docker-bits/<bit>.Dockerfile (A/M/D/R)    | images listing <bit> in their own `bits`           |
 * | resources/<set>/** (A/M/D/R)              | images listing <set> in their own `context`        |
 * | output/<image>/**                         | <image> (a generated file; `generate --check` keeps it in sync) |
 * | images.yaml: images.<name> differs        | <name> (parsed entries compared: comments, formatting do not count) |
 * | images.yaml: bases.<key> differs          | root images built from <key>                       |
 * | images.yaml: registry or gates differ     | every image (new push target / new report verdict) |
 * | images.yaml: lint differs                 | nothing (lint runs over every image before the matrix) |
 * | tests/images/<dir>/**                     | images whose suites include <dir>; no propagation (1)  |
 * | kfc modules the build, tag, test and report paths import (image-sources.ts, read from the imports) | every image |
 * | other src/** (lint, bake, Kubeflow config, CLI option parsing, this module) | nothing |
 * | bin/**, package.json, package-lock.json, tsconfig.json | every image |
 * | .github/workflows/**, .trivyignore        | every image (the pipeline or the scan allowlist changed) |
 * | anything else (docs, README, deploy/, Makefile, tests/unit …) | nothing        |
 *
 * (1) catalog/suites.ts: general unless `test.general: false`, each ancestor's folder, `test.suites`.
 *
 * A rename counts for both its old and its new path; a deleted bit or resource marks the images
 * that used it at the reference through the catalog entry change that must accompany it (HEAD's
 * catalog can no longer list a file that does not exist). When images.yaml is missing or invalid
 * at the reference, every image is affected.
 */
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { BITS_DIR, CATALOG_FILE, parseCatalogText, RESOURCES_DIR } from '../catalog/load.ts';
import type { Catalog, ImageNode } from '../catalog/model.ts';
import type { CatalogSpec } from '../catalog/schema.ts';
import { IMAGE_TESTS_DIR, suiteDirs } from '../catalog/suites.ts';
import { KfcError } from '../errors.ts';
import { kindOf } from '../kubeflow/kubeflow-catalog.ts';
import { DEFAULT_OUT, V2_DIR } from '../kubeflow/kubeflow-paths.ts';
import { imageSources } from './image-sources.ts';

/** One line of `git diff --name-status -M`. */
export interface Change {
  /** A added, M modified, D deleted, R renamed, C copied, T type change, U unmerged, X unknown. */
  status: 'A' | 'M' | 'D' | 'R' | 'C' | 'T' | 'U' | 'X';
  /** Path at HEAD (or the deleted path). */
  path: string;
  /** The old path of a rename or copy. */
  oldPath?: string;
}

/** The catalog at the reference: its spec, or why there is none. */
type BaseCatalog = { spec: CatalogSpec } | { missing: true } | { invalid: string };

export interface AffectedInput {
  head: Catalog;
  base: BaseCatalog;
  changes: Change[];
  /** Mark every image (nightly rebuild, `--all`). */
  all?: boolean;
}

interface MatrixEntry {
  image: string;
  /** Nearest ancestor (may be an internal stage), '' for a root. */
  parent: string;
  /** Root first, the image last, space-separated: what the job builds. */
  chain: string;
}

export interface AffectedResult {
  /** Published affected images, parents first. */
  images: string[];
  /** Internal (publish: false) affected stages, parents first; built as part of their children. */
  internal: string[];
  /** Images defined at the reference but gone at HEAD. */
  removed: string[];
  /** True when every image is affected. */
  all: boolean;
  /** GitHub Actions matrix: `strategy.matrix: ${{ fromJSON(...) }}`. */
  matrix: { include: MatrixEntry[] };
  /** Why each affected node (published or internal) is in the list. */
  reasons: Record<string, string[]>;
}

/** The cache key of the root bases (kfc base): CI jobs share one base image when their keys match. */
export function basesKey(catalog: Catalog): string {
  return createHash('sha256').update(canonicalJson(catalog.spec.bases)).digest('hex').slice(0, 16);
}

/** kfc's own files outside src/ that change every image's build (src/ is read through imageSources). */
const KFC_SOURCE = [/^bin\//, /^package\.json$/, /^package-lock\.json$/, /^tsconfig\.json$/];
const PIPELINE = [/^\.github\/workflows\//, /^\.trivyignore$/];

/** Key-sorted JSON, so that two parsed entries compare by content. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

/** The image's WorkspaceKind, or undefined where the catalog gives it none (no kubeflow: section, no kind). */
function kindNameOf(catalog: Catalog, node: ImageNode): string | undefined {
  try {
    return kindOf(catalog, node).name;
  } catch {
    return undefined;
  }
}

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}

export function computeAffected(input: AffectedInput): AffectedResult {
  const { head } = input;
  const direct = new Map<string, string[]>();
  const mark = (node: ImageNode, reason: string) => {
    const list = direct.get(node.name) ?? [];
    if (!list.includes(reason)) list.push(reason);
    direct.set(node.name, list);
  };
  const markAll = (reason: string) => {
    for (const n of head.order.filter((x) => !x.parent)) mark(n, reason);
  };
  // A suite change re-tests the images that run it; it changes no bytes, so it does not propagate.
  const retest = new Map<string, string[]>();
  let all = Boolean(input.all);
  if (input.all) markAll('full rebuild requested');

  // images.yaml, compared as parsed data.
  let removed: string[] = [];
  if (input.base && 'missing' in input.base) {
    markAll(`${CATALOG_FILE} did not exist at the reference`);
    all = true;
  } else if ('invalid' in input.base) {
    markAll(`${CATALOG_FILE} at the reference does not parse (${input.base.invalid})`);
    all = true;
  } else {
    const before = input.base.spec;
    const now = head.spec;
    removed = Object.keys(before.images).filter((n) => !(n in now.images));
    for (const node of head.order) {
      const was = before.images[node.name];
      if (!was) mark(node, `new image in ${CATALOG_FILE}`);
      else {
        const fields = changedFields(was as Record<string, unknown>, node.spec as Record<string, unknown>);
        if (fields.length) mark(node, `${CATALOG_FILE} images.${node.name} changed (${fields.join(', ')})`);
      }
    }
    for (const key of new Set([...Object.keys(before.bases), ...Object.keys(now.bases)])) {
      if (canonicalJson(before.bases[key]) === canonicalJson(now.bases[key])) continue;
      for (const root of head.order.filter((n) => !n.parent && n.baseKey === key))
        mark(root, `${CATALOG_FILE} bases.${key} changed`);
    }
    if (canonicalJson(before.registry) !== canonicalJson(now.registry)) {
      markAll(`${CATALOG_FILE} registry changed`);
      all = true;
    }
    if (canonicalJson(before.gates) !== canonicalJson(now.gates)) {
      markAll(`${CATALOG_FILE} gates changed`);
      all = true;
    }
  }

  const byOwnBit = (bit: string) => head.order.filter((n) => n.spec.bits.includes(bit));
  const byOwnSet = (set: string) => head.order.filter((n) => n.spec.context.includes(set));

  for (const change of input.changes) {
    const paths = change.oldPath && change.oldPath !== change.path ? [change.oldPath, change.path] : [change.path];
    for (const p of paths) {
      const verb = describe(change, p);
      const bit = new RegExp(`^${BITS_DIR}/(.+)\\.Dockerfile$`).exec(p);
      if (bit) {
        for (const n of byOwnBit(bit[1]!)) mark(n, `${p} ${verb}`);
        continue;
      }
      const res = new RegExp(`^${RESOURCES_DIR}/([^/]+)/.`).exec(p);
      if (res) {
        for (const n of byOwnSet(res[1]!)) mark(n, `${p} ${verb}`);
        continue;
      }
      const out = /^output\/([^/]+)\//.exec(p);
      if (out) {
        const n = head.nodes.get(out[1]!);
        if (n) mark(n, `${p} ${verb}`);
        continue;
      }
      const tests = new RegExp(`^${IMAGE_TESTS_DIR}/([^/]+)/`).exec(p);
      if (tests) {
        // The catalog says which images run a suite folder (general only where test.general is on).
        const dir = tests[1]!;
        for (const n of head.order.filter((x) => x.spec.publish && suiteDirs(x).includes(dir))) {
          retest.set(n.name, [...(retest.get(n.name) ?? []), `${p} ${verb} (suite ${dir})`]);
        }
        // The general suite is a global reason when every published image runs it.
        if (dir === 'general' && head.order.every((n) => !n.spec.publish || n.spec.test.general)) all = true;
        continue;
      }
      const kind = new RegExp(`^${DEFAULT_OUT}/${V2_DIR}/([^/]+)\\.yaml$`).exec(p);
      if (kind) {
        // A WorkspaceKind is what the v2 suite starts its images with: re-test the kind's images.
        for (const n of head.order.filter((x) => x.spec.publish && kindNameOf(head, x) === kind[1])) {
          retest.set(n.name, [...(retest.get(n.name) ?? []), `${p} ${verb} (its WorkspaceKind)`]);
        }
        continue;
      }
      if (p.startsWith('src/') && !imageSources().has(p)) continue;
      if (p.startsWith('src/') || KFC_SOURCE.some((re) => re.test(p))) {
        markAll(`kfc source ${p} ${verb}`);
        all = true;
        continue;
      }
      if (PIPELINE.some((re) => re.test(p))) {
        markAll(`pipeline file ${p} ${verb}`);
        all = true;
      }
    }
  }

  // Propagate byte changes to descendants, in build order, and keep every reason.
  const reasons: Record<string, string[]> = {};
  const changed = new Set<string>();
  const affected: ImageNode[] = [];
  for (const node of head.order) {
    const own = direct.get(node.name) ?? [];
    const inherited = node.parent && changed.has(node.parent.name) ? [`parent ${node.parent.name} is affected`] : [];
    if (own.length || inherited.length) changed.add(node.name);
    const why = [...new Set([...own, ...inherited, ...(retest.get(node.name) ?? [])])];
    if (why.length) {
      reasons[node.name] = why;
      affected.push(node);
    }
  }
  const published = affected.filter((n) => n.spec.publish);
  return {
    images: published.map((n) => n.name),
    internal: affected.filter((n) => !n.spec.publish).map((n) => n.name),
    removed,
    all: all && published.length === head.order.filter((n) => n.spec.publish).length,
    matrix: {
      include: published.map((n) => ({
        image: n.name,
        parent: n.parent?.name ?? '',
        chain: n.chain.map((c) => c.name).join(' '),
      })),
    },
    reasons,
  };
}

function describe(change: Change, p: string): string {
  switch (change.status) {
    case 'A':
      return 'added';
    case 'D':
      return 'deleted';
    case 'R':
      return p === change.oldPath ? `renamed to ${change.path}` : `renamed from ${change.oldPath}`;
    case 'C':
      return p === change.oldPath ? 'copied' : `copied from ${change.oldPath}`;
    case 'T':
      return 'changed type';
    default:
      return 'changed';
  }
}

/** Parses `git diff --name-status -M -z` output (NUL-separated). */
export function parseNameStatusZ(out: string): Change[] {
  const parts = out.split('\0');
  const changes: Change[] = [];
  let i = 0;
  while (i < parts.length) {
    const status = parts[i++];
    if (!status) continue;
    const letter = status[0] as Change['status'];
    if (letter === 'R' || letter === 'C') {
      const oldPath = parts[i++]!;
      const path = parts[i++]!;
      changes.push({ status: letter, path, oldPath });
    } else {
      const path = parts[i++]!;
      changes.push({ status: 'AMDTUX'.includes(letter) ? letter : 'M', path });
    }
  }
  return changes;
}

async function git(root: string, args: string[], opts: { allowFail?: boolean } = {}) {
  try {
    return await execa('git', args, { cwd: root, reject: !opts.allowFail, stripFinalNewline: false });
  } catch (err) {
    const e = err as { stderr?: string; shortMessage?: string; code?: string };
    if (e.code === 'ENOENT') throw new KfcError('git is not installed', { where: root, hint: 'install git' });
    const first = (e.stderr ?? e.shortMessage ?? String(err)).trim().split('\n')[0];
    throw new KfcError(`git ${args[0]} failed: ${first}`, {
      where: root,
      hint: 'run kfc affected inside the git checkout of the repository',
    });
  }
}

/**
 * Gathers the inputs from git: the changed paths between `since` and the working tree (tracked
 * changes, renames detected, plus untracked files that are not ignored) and images.yaml at `since`.
 * Paths are relative to `root` (the folder holding images.yaml), which may be a subfolder of the
 * git work tree.
 */
async function gitChanges(
  root: string,
  since: string,
): Promise<{ changes: Change[]; base: BaseCatalog; sinceSha: string }> {
  const rev = await git(root, ['rev-parse', '--verify', '--quiet', `${since}^{commit}`], { allowFail: true });
  if (rev.exitCode !== 0) {
    throw new KfcError(`unknown git reference "${since}"`, {
      where: root,
      hint: 'give a commit, branch or tag that exists here (in CI, check out with fetch-depth: 0), or use --all',
    });
  }
  const sinceSha = rev.stdout.trim();
  const diff = await git(root, ['diff', '--name-status', '-M', '-z', '--relative', '--no-ext-diff', sinceSha]);
  const changes = parseNameStatusZ(diff.stdout);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard', '-z']);
  for (const p of untracked.stdout.split('\0').filter(Boolean)) changes.push({ status: 'A', path: p });
  const show = await git(root, ['show', `${sinceSha}:./${CATALOG_FILE}`], { allowFail: true });
  let base: BaseCatalog;
  if (show.exitCode !== 0) base = { missing: true };
  else {
    try {
      base = { spec: parseCatalogText(show.stdout, `${since}:${CATALOG_FILE}`) };
    } catch (err) {
      base = { invalid: err instanceof KfcError ? err.message : String(err) };
    }
  }
  return { changes, base, sinceSha };
}

export async function affectedSince(
  head: Catalog,
  since: string | undefined,
  opts: { all?: boolean } = {},
): Promise<AffectedResult & { since: string | null }> {
  if (!since) {
    if (!opts.all)
      throw new KfcError('kfc affected needs --since <git ref> or --all', {
        hint: 'e.g. kfc affected --since origin/main',
      });
    return { ...computeAffected({ head, base: { spec: head.spec }, changes: [], all: true }), since: null };
  }
  const { changes, base, sinceSha } = await gitChanges(head.root, since);
  return { ...computeAffected({ head, base, changes, all: opts.all }), since: sinceSha };
}
