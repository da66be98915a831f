// How kfc calls cosign (pure parts): the offline flags, plain HTTP only for local registries, and
// where the keys come from (a file, or the key text in the environment, never written to disk).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KfcError } from '../../src/errors.ts';
import { keyArg, registryFlags, SIGN_FLAGS, VERIFY_FLAGS } from '../../src/signing/cosign.ts';

test('offline signing and verifying: no transparency log, no signing config, .sig/.att tags', () => {
  assert.deepEqual(SIGN_FLAGS, [
    '--yes',
    '--tlog-upload=false',
    '--use-signing-config=false',
    '--new-bundle-format=false',
  ]);
  assert.deepEqual(VERIFY_FLAGS, ['--insecure-ignore-tlog=true', '--new-bundle-format=false']);
});

test('registryFlags: plain HTTP for a local registry only', () => {
  assert.deepEqual(registryFlags('127.0.0.1:5000/kfc/x@sha256:ab'), [
    '--allow-insecure-registry',
    '--allow-http-registry',
  ]);
  assert.deepEqual(registryFlags('localhost:5000/kfc/x:t').length, 2);
  assert.deepEqual(registryFlags('ghcr.io/acme/kfc/x:t'), []);
});

test('keyArg: an option, else the environment; a path, or the PEM text as env://', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfc-cosign-'));
  const saved = process.env.KFC_TEST_KEY;
  try {
    const file = join(dir, 'cosign.pub');
    writeFileSync(file, '-----BEGIN PUBLIC KEY-----\n');
    assert.deepEqual(keyArg(file, 'KFC_TEST_KEY', 'public'), { key: file, env: {} });
    process.env.KFC_TEST_KEY = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n';
    const fromEnv = keyArg(undefined, 'KFC_TEST_KEY', 'private');
    assert.equal(fromEnv.key, 'env://KFC_TEST_KEY');
    assert.match(fromEnv.env.KFC_TEST_KEY!, /BEGIN ENCRYPTED/);
    delete process.env.KFC_TEST_KEY;
    assert.throws(
      () => keyArg(undefined, 'KFC_TEST_KEY', 'private'),
      (e: unknown) =>
        e instanceof KfcError && /no cosign private key/.test(e.message) && /KFC_TEST_KEY/.test(e.hint ?? ''),
    );
    assert.throws(() => keyArg(join(dir, 'missing.pub'), 'KFC_TEST_KEY', 'public'), /no such file/);
  } finally {
    if (saved === undefined) delete process.env.KFC_TEST_KEY;
    else process.env.KFC_TEST_KEY = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
