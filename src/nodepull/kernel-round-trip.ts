/**
 * One kernel through a Jupyter server's REST API, the way JupyterLab starts one: `POST <prefix>/api/kernels`
 * (with the `_xsrf` cookie any page sets: Kubeflow runs the server without a token, so unsafe methods
 * need it), its channels opened (jupyter_server nudges a new kernel only for a client: with none its REST
 * state stays "starting"), `kernel_info` answered, `GET` until idle, `DELETE`, then `GET` 404.
 */

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { poll } from '../engine/poll.ts';

export interface KernelFigures {
  /** The server's default kernel (kernelspec name) and the language it said it speaks. */
  name: string;
  language: string;
  /** POST → kernel_info answered and the REST state idle. */
  startMs: number;
  /** DELETE → 204. */
  deleteMs: number;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 200);

async function request(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string; cookies: string[] }> {
  const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000), ...init });
  return { status: r.status, text: await r.text(), cookies: r.headers.getSetCookie() };
}

/** The `_xsrf` cookie a page of the server sets (JupyterLab's page; any page of jupyter_server sets it). */
async function xsrfToken(base: string): Promise<string | undefined> {
  for (const page of ['/lab', '/']) {
    const r = await request(`${base}${page}`).catch(() => undefined);
    const token = r?.cookies.map((c) => /^_xsrf=([^;]+)/.exec(c)?.[1]).find(Boolean);
    if (token) return token;
  }
  return undefined;
}

/** Opens the kernel's channels and resolves with its kernel_info reply's content. */
function kernelInfo(url: string, timeoutMs: number): Promise<{ ws: WebSocket; language: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const msgId = randomUUID();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no kernel_info_reply within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`the kernel's channels: ${e.message}`));
    });
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          header: {
            msg_id: msgId,
            msg_type: 'kernel_info_request',
            username: 'kfc',
            session: randomUUID(),
            version: '5.3',
          },
          parent_header: {},
          metadata: {},
          content: {},
          channel: 'shell',
          buffers: [],
        }),
      ),
    );
    ws.on('message', (data, binary) => {
      if (binary) return;
      let m: { parent_header?: { msg_id?: string }; header?: { msg_type?: string }; content?: Record<string, unknown> };
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (m.parent_header?.msg_id !== msgId || m.header?.msg_type !== 'kernel_info_reply') return;
      clearTimeout(timer);
      if (m.content?.status !== 'ok') reject(new Error(`kernel_info_reply: status ${String(m.content?.status)}`));
      else resolve({ ws, language: String((m.content.language_info as { name?: string })?.name ?? '?') });
    });
  });
}

/**
 * Starts the server's default kernel at `base` (`http://host:port<NB_PREFIX>`), waits until it is alive
 * and idle, deletes it. Throws an Error with a one-line message on the first step that fails; a kernel
 * it started is deleted whatever happens.
 */
export async function kernelRoundTrip(base: string, timeoutMs: number): Promise<KernelFigures> {
  const xsrf = await xsrfToken(base);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (xsrf) Object.assign(headers, { 'X-XSRFToken': xsrf, Cookie: `_xsrf=${xsrf}` });
  const t0 = performance.now();
  const created = await request(`${base}/api/kernels`, { method: 'POST', headers, body: '{}' });
  if (created.status !== 201)
    throw new Error(`POST ${base}/api/kernels answered ${created.status}: ${oneLine(created.text)}`);
  const { id, name } = JSON.parse(created.text) as { id: string; name: string };
  const kernelUrl = `${base}/api/kernels/${id}`;
  let ws: WebSocket | undefined;
  let deleted = false;
  try {
    const info = await kernelInfo(
      `${kernelUrl.replace(/^http/, 'ws')}/channels?session_id=${randomUUID()}`,
      Math.max(1000, timeoutMs - (performance.now() - t0)),
    );
    ws = info.ws;
    let state = '';
    const idle = await poll(
      async () => {
        const r = await request(kernelUrl);
        state =
          r.status === 200 ? (JSON.parse(r.text) as { execution_state: string }).execution_state : `HTTP ${r.status}`;
        if (state === 'dead' || r.status !== 200) throw new Error(`GET ${kernelUrl}: ${state}`);
        return state === 'idle' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    if (!idle) throw new Error(`GET ${kernelUrl}: still ${state} 30 s after kernel_info answered`);
    const startMs = Math.round(performance.now() - t0);
    ws.close();
    const t1 = performance.now();
    const del = await request(kernelUrl, { method: 'DELETE', headers });
    if (del.status !== 204) throw new Error(`DELETE ${kernelUrl} answered ${del.status}: ${oneLine(del.text)}`);
    deleted = true;
    const deleteMs = Math.round(performance.now() - t1);
    const gone = await request(kernelUrl);
    if (gone.status !== 404) throw new Error(`GET ${kernelUrl} after DELETE answered ${gone.status}, not 404`);
    return { name, language: info.language, startMs, deleteMs };
  } finally {
    ws?.terminate();
    if (!deleted) await request(kernelUrl, { method: 'DELETE', headers }).catch(() => undefined);
  }
}
