// The first-cell scenario's pure parts: decoding kernel WebSocket frames (JSON and the v1 binary
// protocol JupyterLab 4 speaks), and the hand-written labextension's package (what the server reads).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { decodeKernelFrame } from '../../src/testing/first-cell.ts';

/** A frame in the v1 kernel protocol: n, n offsets (uint64 LE), then channel, header, parent, metadata, content. */
function v1Frame(channel: string, msgType: string, content: object): Buffer {
  const parts = [channel, JSON.stringify({ msg_type: msgType }), '{}', '{}', JSON.stringify(content)].map((p) =>
    Buffer.from(p),
  );
  const head = Buffer.alloc(8 * (parts.length + 1));
  head.writeBigUInt64LE(BigInt(parts.length), 0);
  let at = head.length;
  parts.forEach((p, i) => {
    head.writeBigUInt64LE(BigInt(at), 8 * (i + 1));
    at += p.length;
  });
  return Buffer.concat([head, ...parts]);
}

describe('decodeKernelFrame', () => {
  test('reads the v1 binary protocol: channel, type, the code of an execute_request', () => {
    assert.deepEqual(decodeKernelFrame(v1Frame('shell', 'execute_request', { code: 'print(42)' })), {
      channel: 'shell',
      msgType: 'execute_request',
      detail: 'print(42)',
    });
    assert.deepEqual(decodeKernelFrame(v1Frame('iopub', 'status', { execution_state: 'idle' })), {
      channel: 'iopub',
      msgType: 'status',
      detail: 'idle',
    });
  });

  test('reads a JSON frame', () => {
    const frame = JSON.stringify({ channel: 'shell', header: { msg_type: 'kernel_info_request' }, content: {} });
    assert.deepEqual(decodeKernelFrame(frame), { channel: 'shell', msgType: 'kernel_info_request' });
  });

  test('says undecodable instead of throwing', () => {
    assert.deepEqual(decodeKernelFrame('not json'), { channel: '?', msgType: 'undecodable' });
    assert.deepEqual(decodeKernelFrame(Buffer.from([1, 2, 3])), { channel: '?', msgType: 'undecodable' });
  });
});

describe('resources/jupyterlab/first-run (the labextension the server lists)', () => {
  const dir = resolve(import.meta.dirname, '../../resources/jupyterlab/first-run');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  test('its entry exists and registers the container under the package name', () => {
    const entry = join(dir, pkg.jupyterlab._build.load);
    assert.ok(existsSync(entry), `${pkg.jupyterlab._build.load} is missing`);
    assert.equal(pkg.jupyterlab._build.extension, './extension');
    assert.ok(readFileSync(entry, 'utf8').includes(`window._JUPYTERLAB['${pkg.name}']`));
  });

  test('it replaces the core cell executor, so both never provide the same token', () => {
    assert.deepEqual(pkg.jupyterlab.disabledExtensions, ['@jupyterlab/notebook-extension:cell-executor']);
  });
});
