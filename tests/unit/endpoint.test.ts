/** The engine endpoint dockerode uses is the docker CLI's: DOCKER_HOST, else the context's. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HOST, dockerodeOptions, engineHost } from '../../src/engine/endpoint.ts';

describe('engine endpoint', () => {
  it('DOCKER_HOST wins over any context', () => {
    assert.equal(engineHost({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), 'tcp://10.0.0.5:2375');
  });
  it('without DOCKER_HOST: the current context, or the default socket when there is no client', () => {
    assert.equal(engineHost({ KFC_DOCKER: '/nonexistent/docker', PATH: '' }), DEFAULT_HOST);
  });
  it('maps unix and tcp hosts to dockerode options', () => {
    assert.deepEqual(dockerodeOptions('unix:///run/user/1000/docker.sock', {}), {
      socketPath: '/run/user/1000/docker.sock',
    });
    assert.deepEqual(dockerodeOptions('tcp://engine.example:2375', {}), {
      host: 'engine.example',
      port: 2375,
      protocol: 'http',
    });
    assert.deepEqual(dockerodeOptions('tcp://engine.example', { DOCKER_TLS_VERIFY: '1' }), {
      host: 'engine.example',
      port: 2376,
      protocol: 'https',
    });
    assert.throws(() => dockerodeOptions('ssh://me@engine', {}), /unsupported Docker host ssh:\/\/me@engine/);
  });
});
