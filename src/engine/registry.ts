import pRetry, { AbortError } from 'p-retry';
import { KfcError } from '../errors.ts';
import { type ContentFacts, computeTags, type TagPlan, taggedRef } from '../tags/tags.ts';
import { docker, imageExists, inspectImage } from './docker.ts';
import { lastLine } from './last-line.ts';
import { classifyRegistryError, registryOf } from './registry-errors.ts';

/** Reads versions from the built image by running it once (tools that are absent stay undefined). */
export async function contentFacts(ref: string): Promise<ContentFacts> {
  const script = [
    'command -v python3 >/dev/null && python3 -c "import platform; print(\'python=\' + platform.python_version())"',
    'command -v jupyter-lab >/dev/null && echo "lab=$(jupyter-lab --version 2>/dev/null)"',
    'command -v R >/dev/null && echo "r=$(R --version | head -1 | sed -E \'s/^R version ([0-9.]+).*/\\1/\')"',
    "command -v python3 >/dev/null && python3 -c \"import torch; print('torch=' + torch.__version__.split('+')[0]); " +
      "print('cuda=' + (torch.version.cuda or ''))\" 2>/dev/null",
    'command -v python3 >/dev/null && TF_CPP_MIN_LOG_LEVEL=3 python3 -c "import tensorflow as tf; ' +
      "print('tensorflow=' + tf.__version__); " +
      "print('cuda=' + tf.sysconfig.get_build_info().get('cuda_version', ''))\" 2>/dev/null",
    'true',
  ].join('; ');
  const res = await docker(['run', '--rm', '--entrypoint', '/bin/sh', ref, '-c', script], { timeoutMs: 120_000 });
  if (res.failed)
    throw new KfcError(`could not run ${ref} to read its versions: ${res.stderr.split('\n')[0]}`, {
      hint: 'build the image first (kfc build)',
    });
  const facts: Record<string, string> = {};
  for (const line of res.stdout.split('\n')) {
    const m = /^(python|lab|r|torch|tensorflow|cuda)=(\S+)$/.exec(line.trim());
    if (m) facts[m[1]!] = m[2]!;
  }
  return facts as ContentFacts;
}

/** Tags `source` as repo/image:<each tag>; returns the full references. */
export async function applyTags(source: string, target: string, plan: TagPlan): Promise<string[]> {
  if (!(await imageExists(source)))
    throw new KfcError(`image ${source} is not in the local store`, {
      hint: 'build it (kfc build) or pull it (kfc pull), or pass --source',
    });
  const refs: string[] = [];
  for (const tag of computeTags(plan)) {
    const ref = taggedRef(target, tag);
    const res = await docker(['tag', source, ref]);
    if (res.failed) throw new KfcError(`docker tag ${source} ${ref} failed: ${res.stderr.trim()}`);
    refs.push(ref);
  }
  return refs;
}

/** A push or pull, retried with backoff (2 s, 4 s, 8 s…) on transient registry errors only. */
async function withRetries(verb: 'push' | 'pull', ref: string, args: string[], retries: number): Promise<void> {
  const registry = registryOf(ref);
  await pRetry(
    async () => {
      const res = await docker(args, { timeoutMs: 60 * 60_000 });
      if (!res.failed) return;
      const text = `${res.stderr}\n${res.stdout}`;
      const kind = classifyRegistryError(text, ref);
      const line = lastLine(text);
      if (kind === 'transient') {
        throw new KfcError(`${verb} of ${ref} failed: ${line}`, {
          hint: `the registry kept failing after ${retries} retries; try again later`,
        });
      }
      if (kind === 'auth') {
        throw new AbortError(
          new KfcError(`${registry} refused the credentials for ${ref} (${line})`, {
            hint: `docker login ${registry} with an account that may ${verb} there`,
          }),
        );
      }
      if (kind === 'unknown-registry') {
        throw new AbortError(
          new KfcError(`registry ${registry} cannot be reached (${line})`, {
            hint: 'check the --repo name and your network',
          }),
        );
      }
      if (kind === 'missing') {
        throw new AbortError(
          new KfcError(verb === 'push' ? `no local image to push for ${ref}` : `${ref} does not exist in ${registry}`, {
            hint: verb === 'push' ? 'build and tag it first (kfc build, kfc tag)' : 'check the image name and tag',
          }),
        );
      }
      throw new AbortError(new KfcError(`${verb} of ${ref} failed: ${line}`, { hint: 'see the message' }));
    },
    {
      retries,
      minTimeout: 2000,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0)
          process.stderr.write(`kfc ${verb}: ${error.message}; retrying (${attemptNumber}/${retries})\n`);
      },
    },
  );
}

/** Pushes every local tag of repo/image (the seed's --all-tags). */
export async function pushAllTags(repoImage: string, retries = 3): Promise<string[]> {
  const list = await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repoImage]);
  const tags = list.stdout.split('\n').filter((l) => l && !l.endsWith(':<none>'));
  if (tags.length === 0)
    throw new KfcError(`no local tags of ${repoImage} to push`, {
      hint: 'build and tag it first (kfc build, kfc tag)',
    });
  await withRetries('push', repoImage, ['push', '--all-tags', repoImage], retries);
  return tags;
}

export async function pull(ref: string, retries = 3): Promise<string> {
  await withRetries('pull', ref, ['pull', ref], retries);
  return (await inspectImage(ref))?.id ?? '';
}
