/** The engine endpoint testcontainers uses is the docker CLI's: DOCKER_HOST, else the context's. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HOST, engineHost, publishedHost } from '../../src/engine/endpoint.ts';
import { testcontainersEnv } from '../../src/testing/engine-env.ts';

describe('engine endpoint', () => {
  it('DOCKER_HOST wins over any context', () => {
    assert.equal(engineHost({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), 'tcp://10.0.0.5:2375');
  });
  it('without DOCKER_HOST: the current context, or the default socket when there is no client', () => {
    assert.equal(engineHost({ KFC_DOCKER: '/nonexistent/docker', PATH: '' }), DEFAULT_HOST);
  });
  it('reaches published ports on the loopback of a local engine, else on the engine host', () => {
    assert.equal(publishedHost('unix:///run/user/1000/docker.sock'), '127.0.0.1');
    assert.equal(publishedHost('tcp://engine.example:2375'), 'engine.example');
    assert.throws(() => publishedHost('ssh://me@engine'), /unsupported Docker host ssh:\/\/me@engine/);
  });
  it('gives testcontainers the engine, no Ryuk and the published host, without overriding what is set', () => {
    assert.deepEqual(testcontainersEnv({}, 'unix:///var/run/docker.sock'), {
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
    });
    assert.deepEqual(
      testcontainersEnv(
        { DOCKER_HOST: 'tcp://e:2375', TESTCONTAINERS_RYUK_DISABLED: 'false', TESTCONTAINERS_HOST_OVERRIDE: 'h' },
        'tcp://e:2375',
      ),
      {},
    );
  });
});
