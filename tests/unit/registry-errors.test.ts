/** Docker's own push/pull messages (captured from docker 20.10 against docker-registry) and what kfc reads in them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyRegistryError } from '../../src/engine/registry-errors.ts';

const daemon = 'Error response from daemon: ';

describe('registry errors', () => {
  test('a missing tag on a registry whose port holds "401" is missing, not refused credentials', () => {
    for (const port of [34015, 40123, 45020, 50399, 55041]) {
      const ref = `127.0.0.1:${port}/kfc-it/fixture:no-such-tag`;
      const text = `${daemon}manifest for ${ref} not found: manifest unknown: manifest unknown`;
      assert.equal(classifyRegistryError(text, ref), 'missing', `port ${port}`);
    }
  });

  test('no credentials: auth, whatever the URL quoted holds', () => {
    const text = `${daemon}Head "http://127.0.0.1:50412/v2/kfc-it/fixture/manifests/x": no basic auth credentials`;
    assert.equal(classifyRegistryError(text, '127.0.0.1:50412/kfc-it/fixture:x'), 'auth');
    assert.equal(classifyRegistryError(`${daemon}unauthorized: authentication required`), 'auth');
  });

  test('an unknown host, a refused connection, a 503 and a dropped connection', () => {
    const lookup =
      `${daemon}Get "https://registry.invalid/v2/": ` +
      'dial tcp: lookup registry.invalid on 10.0.0.53:53: no such host';
    assert.equal(classifyRegistryError(lookup, 'registry.invalid/kfc/fixture:x'), 'unknown-registry');
    const refused = `${daemon}Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused`;
    assert.equal(classifyRegistryError(refused, '127.0.0.1:1/kfc/fixture:x'), 'transient');
    assert.equal(classifyRegistryError('received unexpected HTTP status: 503 Service Unavailable'), 'transient');
    assert.equal(classifyRegistryError('Get "https://r.example/v2/": EOF'), 'transient');
  });

  test('names that look like codes or words stay names', () => {
    const ref = 'r.example:5003/eof-timeout-denied/fixture:503';
    const text = `${daemon}manifest for ${ref} not found: manifest unknown: manifest unknown`;
    assert.equal(classifyRegistryError(text, ref), 'missing');
    const repository = ref.split(':503')[0];
    const push = `The push refers to repository [${repository}]\nAn image does not exist locally with the tag: ${ref}`;
    assert.equal(classifyRegistryError(push, ref), 'missing');
  });

  test('anything else is other', () => {
    assert.equal(classifyRegistryError('write /var/lib/docker/tmp: no space left on device'), 'other');
  });
});
