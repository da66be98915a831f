/**
 * `kfc push --sign` and `kfc pull --verify` (and node-pull, through verifyImage): each pushed image
 * is signed by digest with a cosign key pair and carries its CycloneDX SBOM (Trivy) as a signed
 * attestation; before use, the signature and the attestation are verified against the public key.
 * Signing comes after the image's final push (a recompression changes the digest).
 */
import { performance } from 'node:perf_hooks';
import { docker } from '../engine/docker.ts';
import { KfcError } from '../errors.ts';
import { cosign, keyArg, PRIVATE_KEY_ENV, PUBLIC_KEY_ENV, registryFlags, SIGN_FLAGS, VERIFY_FLAGS } from './cosign.ts';

/** The predicate type of the SBOM attestation (cosign's short name for CycloneDX). */
const SBOM_TYPE = 'cyclonedx';

const secs = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

/** The registry digests (repo@sha256:…) of the pushed tags of `repository`, each once. */
export async function pushedDigests(repository: string, tags: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of tags) {
    const r = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', t]);
    const digests = r.failed ? [] : ((JSON.parse(r.stdout || '[]') as string[] | null) ?? []);
    const mine = digests.find((d) => d.startsWith(`${repository}@sha256:`));
    if (!mine)
      throw new KfcError(`${t} has no registry digest in ${repository} after the push`, {
        hint: 'push it first (kfc push); sign only what the registry holds',
      });
    out.add(mine);
  }
  return [...out];
}

export interface SignResult {
  digest: string;
  signSeconds: number;
  attestSeconds: number;
}

/**
 * Signs one pushed image by digest and attaches its SBOM as a signed CycloneDX attestation.
 * `password`: the private key's (default: $COSIGN_PASSWORD); `dockerConfig` as for verifyImage.
 */
export async function signImage(
  digestRef: string,
  sbomFile: string,
  opts: { key?: string; password?: string; dockerConfig?: string } = {},
): Promise<SignResult> {
  const k = keyArg(opts.key, PRIVATE_KEY_ENV, 'private');
  const { key } = k;
  const env = {
    ...k.env,
    ...registryEnv(opts.dockerConfig),
    ...(opts.password !== undefined ? { COSIGN_PASSWORD: opts.password } : {}),
  };
  const reg = registryFlags(digestRef);
  let t0 = performance.now();
  const s = await cosign(['sign', '--key', key, ...SIGN_FLAGS, ...reg, digestRef], env);
  if (!s.ok) throw new KfcError(`cosign could not sign ${digestRef}: ${s.last}`, { hint: signHint });
  const signSeconds = secs(t0);
  t0 = performance.now();
  const a = await cosign(
    ['attest', '--key', key, '--type', SBOM_TYPE, '--predicate', sbomFile, ...SIGN_FLAGS, ...reg, digestRef],
    env,
  );
  if (!a.ok) throw new KfcError(`cosign could not attest the SBOM of ${digestRef}: ${a.last}`, { hint: signHint });
  return { digest: digestRef.split('@')[1]!, signSeconds, attestSeconds: secs(t0) };
}

const signHint =
  'check the key and COSIGN_PASSWORD, and that you may push to the registry (docker login); see docs/publishing.md';

/** DOCKER_CONFIG for cosign: where the registry login is (default: the caller's environment). */
function registryEnv(dockerConfig: string | undefined): Record<string, string> {
  return dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {};
}

/** The digest `ref` (repo:tag) points at in its registry now. */
async function registryDigest(ref: string, env: Record<string, string>): Promise<string> {
  const r = await cosign(['triangulate', '--type', 'digest', ...registryFlags(ref), ref], env);
  const digest = /sha256:[0-9a-f]{64}/.exec(r.stdout)?.[0];
  if (!r.ok || !digest)
    throw new KfcError(`cannot read the digest of ${ref} from its registry: ${r.last}`, {
      hint: 'check the reference and your registry login (docker login)',
    });
  return digest;
}

export interface VerifyResult {
  /** repo@sha256:… that verified: pull this, not the tag (the tag may move). */
  digestRef: string;
  digest: string;
  seconds: number;
}

/**
 * Verifies that the image `ref` now points at is signed with the key pair of `publicKey` (a file,
 * or $KFC_COSIGN_PUBLIC_KEY) and carries a CycloneDX SBOM attestation signed with it. Throws one line
 * naming the image and digest otherwise. `dockerConfig`: the folder holding the registry login
 * (DOCKER_CONFIG), when it is not the caller's.
 */
export async function verifyImage(
  ref: string,
  publicKey?: string,
  opts: { dockerConfig?: string } = {},
): Promise<VerifyResult> {
  const t0 = performance.now();
  const { key, env: keyEnv } = keyArg(publicKey, PUBLIC_KEY_ENV, 'public');
  const env = { ...keyEnv, ...registryEnv(opts.dockerConfig) };
  const digest = ref.includes('@') ? ref.split('@')[1]! : await registryDigest(ref, env);
  const repository = ref.includes('@') ? ref.split('@')[0]! : ref.replace(/:[^/:]+$/, '');
  const digestRef = `${repository}@${digest}`;
  const reg = registryFlags(ref);
  const keyName = publicKey ?? (key.startsWith('env://') ? `$${PUBLIC_KEY_ENV}` : key);
  const fail = (what: string, why: string) =>
    new KfcError(`${ref} (${digest}): ${what} does not verify with ${keyName}: ${why}`, {
      hint: 'do not use this image: it was not signed by kfc push --sign with that key pair, or it changed since',
    });
  const v = await cosign(['verify', '--key', key, ...VERIFY_FLAGS, ...reg, digestRef], env);
  if (!v.ok) throw fail('the signature', v.last);
  const a = await cosign(
    ['verify-attestation', '--key', key, '--type', SBOM_TYPE, ...VERIFY_FLAGS, ...reg, digestRef],
    env,
  );
  if (!a.ok) throw fail('the SBOM attestation', a.last);
  return { digestRef, digest, seconds: secs(t0) };
}
