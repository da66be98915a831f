/**
 * cosign as kfc runs it: with a key pair, offline (no transparency log, no Fulcio, no TUF signing
 * config: none is reachable from the build machines), signatures and attestations stored in the
 * registry under the `.sig` and `.att` tags of the image digest (no OCI referrers API needed).
 * docs/publishing.md lists each flag and why.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KfcError } from '../errors.ts';
import { requireTool } from '../referees/tools.ts';

/** Environment variables kfc reads the keys from: a file path, or the PEM text itself. */
export const PRIVATE_KEY_ENV = 'KFC_COSIGN_KEY';
export const PUBLIC_KEY_ENV = 'KFC_COSIGN_PUBLIC_KEY';

/** Registry options: plain HTTP (a local registry) only for registries that are one. */
export function registryFlags(ref: string): string[] {
  const host = ref.split('/')[0] ?? '';
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  const insecure = local || (process.env.KFC_INSECURE_REGISTRIES ?? '').split(',').includes(host);
  return insecure ? ['--allow-insecure-registry', '--allow-http-registry'] : [];
}

/** Signing without Rekor, Fulcio or a signing config; the old (`.sig`/`.att` tag) storage. */
export const SIGN_FLAGS = ['--yes', '--tlog-upload=false', '--use-signing-config=false', '--new-bundle-format=false'];
/** Verifying a key signature that is in no transparency log, from the `.sig`/`.att` tags. */
export const VERIFY_FLAGS = ['--insecure-ignore-tlog=true', '--new-bundle-format=false'];

/**
 * The cosign `--key` argument for a key given as an option, else by `env`: a file path, or the PEM
 * text (passed as env://, so it never touches the disk). One clear line when there is none.
 */
export function keyArg(
  given: string | undefined,
  env: string,
  what: 'private' | 'public',
): { key: string; env: Record<string, string> } {
  const value = given ?? process.env[env];
  const hint =
    what === 'private'
      ? `pass --key FILE or set ${env} (a cosign.key path or its text; COSIGN_PASSWORD for its password)`
      : `pass --key FILE or set ${env} (a cosign.pub path or its text)`;
  if (!value) throw new KfcError(`no cosign ${what} key`, { hint });
  if (value.includes('-----BEGIN')) return { key: `env://${env}`, env: { [env]: value } };
  if (!existsSync(value)) throw new KfcError(`cosign ${what} key ${value}: no such file`, { hint });
  return { key: value, env: {} };
}

/** Runs cosign; resolves to its exit code and output (its last meaningful line for errors). */
export async function cosign(args: string[], env: Record<string, string> = {}) {
  const bin = requireTool('cosign');
  const r = await execa(bin, args, { reject: false, all: true, env: { ...env } });
  const last =
    (r.all ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^(WARNING|Warning|tlog entry|For more information|Flag --|Command ")/.test(l))
      .slice(-1)[0] ?? `exit ${r.exitCode}`;
  return {
    ok: r.exitCode === 0,
    stdout: r.stdout,
    last: last.replace(/^(Error: |error during command execution: )+/, ''),
  };
}

/** cosign's version (`cosign version --json`: gitVersion), for result-cache keys. */
export async function cosignVersion(): Promise<string> {
  const r = await execa(requireTool('cosign'), ['version', '--json'], { reject: false });
  try {
    return (JSON.parse(r.stdout) as { gitVersion?: string }).gitVersion ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * A throwaway key pair for one run (kfc node-pull): `cosign generate-key-pair` in `dir` under a random
 * password. It lives in the run's scratch folder and goes with it; it is never a key kfc keeps.
 */
export async function throwawayKeyPair(dir: string): Promise<{ key: string; pub: string; password: string }> {
  const password = randomBytes(16).toString('hex');
  const r = await execa(requireTool('cosign'), ['generate-key-pair'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: password },
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0)
    throw new KfcError(`cosign generate-key-pair failed in ${dir}: ${r.all?.split('\n').pop()}`, {
      hint: 'check cosign (bash scripts/provision-referees.sh) and that the folder is writable',
    });
  return { key: join(dir, 'cosign.key'), pub: join(dir, 'cosign.pub'), password };
}
