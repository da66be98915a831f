/**
 * report/start-time.ts against a stand-in docker CLI whose "container" publishes a port served by
 * this process: the samples, the failures, when it gives up, and that every container is removed.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { httpStatus } from '../../src/report/http-status.ts';
import { measureStart } from '../../src/report/start-time.ts';
import { useFakeDocker, withFakeEnv } from './fake-docker.ts';

const fake = useFakeDocker();
const { calls } = fake;

/** Answers each request with the next status of `plan` (its last one from then on); records the paths. */
let plan: number[] = [200];
let paths: string[] = [];
let server: Server;

before(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = plan.length > 1 ? plan.shift()! : plan[0]!;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.FAKE_DOCKER_PORT = String((server.address() as AddressInfo).port);
});
after(() => server.close());
beforeEach(() => {
  fake.clear();
  paths = [];
});

describe('httpStatus', () => {
  test('the status of a GET, or the error text when nothing listens', async () => {
    plan = [404];
    const port = process.env.FAKE_DOCKER_PORT;
    assert.equal(await httpStatus(`http://127.0.0.1:${port}/x`, 2000), 404);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    assert.match(String(await httpStatus(`http://127.0.0.1:${free}/x`, 2000)), /ECONNREFUSED/);
  });
});

describe('measureStart', () => {
  test('N starts: N samples under NB_PREFIX, the port masked in the URL, N containers removed', async () => {
    plan = [503, 200];
    const r = await measureStart('img:t', '/api/status', 3, { timeoutMs: 5000 });
    assert.equal(r.starts, 3);
    assert.equal(r.samplesMs.length, 3);
    assert.deepEqual(r.failures, []);
    assert.match(r.url, /^http:\/\/127\.0\.0\.1:<port>\/notebook\/kfc-report\/start-[0-9a-f]{6}\/api\/status$/);
    assert.equal(r.medianMs, [...r.samplesMs].sort((a, b) => a - b)[1]);
    assert.ok(
      paths.every((p) => r.url.endsWith(p)),
      paths.join(' '),
    );
    const runs = calls().filter((c) => c.startsWith('run '));
    assert.equal(runs.length, 3);
    assert.match(
      runs[0]!,
      /--label org\.kfc\.report=1 -p 127\.0\.0\.1::8888 -e NB_PREFIX=\/notebook\/kfc-report\/\S+ img:t$/,
    );
    assert.equal(calls().filter((c) => c.startsWith('rm -f kfc-report-start-')).length, 3);
  });

  test('never 200 on the first start: one failure with the last answer and the logs, no retries', async () => {
    plan = [503];
    const r = await measureStart('img:t', '/api/status', 5, { timeoutMs: 300 });
    assert.equal(r.starts, 0);
    assert.ok(Number.isNaN(r.medianMs));
    assert.equal(r.failures.length, 1);
    assert.match(
      r.failures[0]!,
      /^start 1: no 200 from .* within 300 ms \(last: HTTP 503\); logs: starting \| listening nowhere$/,
    );
    assert.equal(calls().filter((c) => c.startsWith('run ')).length, 1);
    assert.equal(calls().filter((c) => c.startsWith('rm -f')).length, 1);
  });

  test('a later start that fails is counted and the next ones still run', async () => {
    plan = [200, 503];
    const lines: string[] = [];
    const r = await measureStart('img:t', '/api/status', 3, { timeoutMs: 300, log: (s) => lines.push(s) });
    assert.equal(r.starts, 1);
    assert.deepEqual(
      r.failures.map((f) => f.slice(0, 8)),
      ['start 2:', 'start 3:'],
    );
    assert.equal(lines.length, 2);
    assert.equal(calls().filter((c) => c.startsWith('run ')).length, 3);
  });

  test('docker run failing: a failure per start, nothing to wait for', async () => {
    const r = await withFakeEnv('FAKE_DOCKER_RUN_FAIL', 'Unable to find image', () =>
      measureStart('img:t', '/api/status', 2, { timeoutMs: 5000 }),
    );
    assert.deepEqual(r.failures, [
      'start 1: docker run failed: Unable to find image',
      'start 2: docker run failed: Unable to find image',
    ]);
    assert.equal(r.url, '');
    assert.equal(calls().filter((c) => c.startsWith('rm -f')).length, 2);
  });
});
