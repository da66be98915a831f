/**
 * Tags and image references: pure, the one place they are computed. The engine layer gathers the
 * facts (git, exec in the image); build, tag, push, report, bake, kubeflow and the workflow use these.
 */
import { KfcError } from '../errors.ts';

export const SHORT_SHA_LENGTH = 8;
/** The stable tag a release gets (with latest): what Kubeflow offers by default, v1 and v2 alike. */
export const STABLE_TAG = 'v1';

/** A git branch as a valid Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
export function sanitizeTag(raw: string): string {
  let t = raw.replace(/^refs\/heads\//, '').replace(/[^A-Za-z0-9_.-]+/g, '-');
  t = t.replace(/^[.-]+/, '').replace(/-+$/, '');
  if (t.length > 128) t = t.slice(0, 128).replace(/-+$/, '');
  return t || 'unknown';
}

export function isValidTag(tag: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag);
}

/** Throws one clear line when `tag` (given by `option`) is not a valid Docker tag. */
export function requireValidTag(tag: string, option = '--tag'): string {
  if (!isValidTag(tag)) {
    throw new KfcError(`${option} "${tag}" is not a valid image tag`, {
      hint: 'letters, digits, _ . - (max 128), not starting with . or -',
    });
  }
  return tag;
}

/** The tag kfc builds and looks for: --tag, else the sanitised git branch, else "dev-local". */
export function defaultTag(branch: string | undefined, tag?: string): string {
  if (tag) return requireValidTag(tag);
  return branch ? sanitizeTag(branch) : 'dev-local';
}

/** Facts read from the built image (undefined where the tool is absent). */
export interface ContentFacts {
  python?: string;
  lab?: string;
  r?: string;
  torch?: string;
  tensorflow?: string;
  /** The CUDA version the framework was built with (torch.version.cuda, TensorFlow's build info). */
  cuda?: string;
}

export interface TagPlan {
  sha?: string;
  branch?: string;
  /** latest + v1 (seed: master builds). */
  release?: boolean;
  /** dev (seed: PRs labelled auto-deploy, pushed to the dev registry). */
  dev?: boolean;
  content?: ContentFacts;
  /** UTC date tag, YYYY-MM-DD. */
  date?: Date;
  extra?: string[];
}

export function versionTag(prefix: string, version: string | undefined, parts: number): string | undefined {
  if (!version) return undefined;
  const m = /^(\d+(?:\.\d+)*)/.exec(version.trim());
  if (!m) return undefined;
  return `${prefix}-${m[1]!.split('.').slice(0, parts).join('.')}`;
}

export function contentTags(c: ContentFacts): string[] {
  return [
    versionTag('python', c.python, 3),
    versionTag('lab', c.lab, 2),
    versionTag('r', c.r, 2),
    versionTag('torch', c.torch, 2),
    versionTag('tensorflow', c.tensorflow, 2),
    versionTag('cuda', c.cuda, 2),
  ].filter((t): t is string => Boolean(t));
}

/** Every tag an image gets, in a stable order, without duplicates. */
export function computeTags(plan: TagPlan): string[] {
  const tags: string[] = [];
  if (plan.sha) tags.push(plan.sha, plan.sha.slice(0, SHORT_SHA_LENGTH));
  if (plan.branch) tags.push(sanitizeTag(plan.branch));
  if (plan.release) tags.push('latest', STABLE_TAG);
  if (plan.dev) tags.push('dev');
  if (plan.content) tags.push(...contentTags(plan.content));
  if (plan.date) tags.push(plan.date.toISOString().slice(0, 10));
  tags.push(...(plan.extra ?? []));
  return [...new Set(tags)];
}

/** `repo` normalised the seed's way: empty, or ending in exactly one '/'. */
export function normaliseRepo(repo: string | undefined): string {
  if (!repo) return '';
  return repo.replace(/\/+$/, '') + '/';
}

/** `repo/image` without a tag: what `docker tag`/`push --all-tags` address. */
export function imageRepository(repo: string | undefined, image: string): string {
  return `${normaliseRepo(repo)}${image}`;
}

/** `repository:tag`, the tag checked. */
export function taggedRef(repository: string, tag: string): string {
  return `${repository}:${requireValidTag(tag)}`;
}

export function imageRef(repo: string | undefined, image: string, tag: string): string {
  return taggedRef(imageRepository(repo, image), tag);
}

/** The tag of an image's registry build cache (never a runnable image). */
const CACHE_TAG = 'buildcache';

function cacheRef(repo: string | undefined, image: string): string {
  return imageRef(repo, image, CACHE_TAG);
}

/**
 * BuildKit registry cache of an image: import its own and every ancestor's cache (nearest first),
 * export its own with every intermediate layer. The same scheme for kfc build, bake and the workflow.
 */
export function registryCache(repo: string, chain: string[]): { cacheFrom: string[]; cacheTo: string[] } {
  const own = chain[chain.length - 1];
  return {
    cacheFrom: [...chain].reverse().map((name) => `type=registry,ref=${cacheRef(repo, name)}`),
    cacheTo: own ? [`type=registry,ref=${cacheRef(repo, own)},mode=max`] : [],
  };
}
