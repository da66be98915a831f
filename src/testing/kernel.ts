/**
 * A Jupyter client for image tests: the REST API (with Jupyter's XSRF cookie for unsafe methods,
 * since the images run without a token) and a kernel over the websocket channels, speaking the
 * Jupyter messaging protocol (v5) the way JupyterLab does.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { type HttpResult, holdingLoop, type Notebook } from './container.ts';

export class JupyterApi {
  private xsrf: string | undefined;

  constructor(readonly nb: Notebook) {}

  /**
   * Jupyter refuses unsafe methods without a token unless the request carries the `_xsrf` cookie
   * and the matching X-XSRFToken header (what the browser UI sends). A page load sets the cookie.
   */
  private async xsrfToken(): Promise<string | undefined> {
    if (this.xsrf !== undefined) return this.xsrf || undefined;
    for (const page of ['/lab', '/tree', '/']) {
      const r = await holdingLoop(async () => {
        const res = await fetch(this.nb.url(page), { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
        await res.arrayBuffer();
        return res;
      }).catch(() => undefined);
      if (!r) continue;
      for (const c of r.headers.getSetCookie()) {
        const m = /^_xsrf=([^;]+)/.exec(c);
        if (m) {
          this.xsrf = m[1]!;
          return this.xsrf;
        }
      }
    }
    this.xsrf = '';
    return undefined;
  }

  async request(method: string, path: string, body?: unknown): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (!['GET', 'HEAD'].includes(method)) {
      const token = await this.xsrfToken();
      if (token) {
        headers['X-XSRFToken'] = token;
        headers.Cookie = `_xsrf=${token}`;
      }
    }
    return holdingLoop(async () => {
      const res = await fetch(this.nb.url(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      return { status: res.status, text: await res.text(), headers: res.headers };
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status < 200 || r.status >= 300)
      throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
    return JSON.parse(r.text) as T;
  }
}

/** Outputs of one execute_request, gathered from iopub until the kernel is idle again. */
export interface CellResult {
  status: 'ok' | 'error' | 'aborted';
  stdout: string;
  stderr: string;
  /** text/plain of execute_result messages, in order. */
  results: string[];
  /** Mime bundles of display_data and execute_result messages, in order. */
  displays: Array<Record<string, unknown>>;
  error?: { ename: string; evalue: string; traceback: string[] };
}

interface Message {
  header: { msg_id: string; msg_type: string; session?: string };
  parent_header: { msg_id?: string };
  content: Record<string, unknown>;
  channel?: string;
}

type Pending = { onMessage: (m: Message) => void };

export class Kernel {
  private readonly session = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  private constructor(
    readonly api: JupyterApi,
    readonly id: string,
    readonly name: string,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return; // messages with binary buffers (widgets) are not used by the tests
      let msg: Message;
      try {
        msg = JSON.parse(data.toString()) as Message;
      } catch {
        return;
      }
      const parent = msg.parent_header?.msg_id;
      if (parent) this.pending.get(parent)?.onMessage(msg);
    });
  }

  /** Starts a kernel through the REST API and connects to its channels; resolves once it answers kernel_info. */
  static async start(nb: Notebook, name: string, timeoutMs = 90_000): Promise<Kernel> {
    const api = new JupyterApi(nb);
    const { id } = await api.json<{ id: string }>('POST', '/api/kernels', { name });
    return Kernel.connect(api, id, name, timeoutMs);
  }

  /**
   * Connects to a running kernel's channels (e.g. the one a notebook session started); resolves once
   * it answers kernel_info. On failure the kernel is shut down.
   */
  static async connect(api: JupyterApi, id: string, name: string, timeoutMs = 90_000): Promise<Kernel> {
    const nb = api.nb;
    const url = nb.url(`/api/kernels/${id}/channels`).replace(/^http/, 'ws') + `?session_id=${randomUUID()}`;
    let ws: WebSocket;
    try {
      ws = await new Promise<WebSocket>((resolve, reject) => {
        const sock = new WebSocket(url, { handshakeTimeout: 15_000 });
        sock.once('open', () => resolve(sock));
        sock.once('error', reject);
        sock.once('unexpected-response', (_req, res) => reject(new Error(`websocket ${url}: HTTP ${res.statusCode}`)));
      });
    } catch (e) {
      await api.request('DELETE', `/api/kernels/${id}`).catch(() => {});
      throw e;
    }
    const kernel = new Kernel(api, id, name, ws);
    try {
      await kernel.waitInfo(timeoutMs);
    } catch (e) {
      await kernel.shutdown();
      throw e;
    }
    return kernel;
  }

  private send(msgType: string, content: Record<string, unknown>, channel = 'shell'): string {
    const msgId = randomUUID();
    const msg = {
      header: {
        msg_id: msgId,
        msg_type: msgType,
        username: 'kfc-test',
        session: this.session,
        date: new Date().toISOString(),
        version: '5.3',
      },
      parent_header: {},
      metadata: {},
      content,
      buffers: [],
      channel,
    };
    this.ws.send(JSON.stringify(msg));
    return msgId;
  }

  /** A kernel may miss requests sent while it starts: ask kernel_info every second until it answers. */
  private async waitInfo(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const id = this.send('kernel_info_request', {});
      const ok = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 1000);
        this.pending.set(id, {
          onMessage: (m) => {
            if (m.header.msg_type === 'kernel_info_reply') {
              clearTimeout(t);
              resolve(true);
            }
          },
        });
      });
      this.pending.delete(id);
      if (ok) return;
    }
    throw new Error(`kernel ${this.name} did not answer kernel_info_request within ${timeoutMs} ms`);
  }

  /** Runs code like a notebook cell and gathers its outputs. */
  async execute(code: string, timeoutMs = 120_000): Promise<CellResult> {
    const result: CellResult = { status: 'ok', stdout: '', stderr: '', results: [], displays: [] };
    let idle = false;
    let replied = false;
    const id = this.send('execute_request', {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    let onClose = (): void => {};
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `execution did not finish within ${timeoutMs} ms: ${code.slice(0, 200)}\n` +
                  `partial: ${JSON.stringify(result).slice(0, 1000)}`,
              ),
            ),
          timeoutMs,
        );
        const done = () => {
          if (idle && replied) {
            clearTimeout(t);
            resolve();
          }
        };
        onClose = () => reject(new Error('kernel websocket closed during execution'));
        this.ws.once('close', onClose);
        this.pending.set(id, {
          onMessage: (m) => {
            const c = m.content;
            switch (m.header.msg_type) {
              case 'stream':
                if (c.name === 'stderr') result.stderr += String(c.text);
                else result.stdout += String(c.text);
                break;
              case 'execute_result': {
                const data = c.data as Record<string, unknown>;
                result.results.push(String(data['text/plain'] ?? ''));
                result.displays.push(data);
                break;
              }
              case 'display_data':
                result.displays.push(c.data as Record<string, unknown>);
                break;
              case 'error':
                result.error = {
                  ename: String(c.ename),
                  evalue: String(c.evalue),
                  traceback: (c.traceback as string[]) ?? [],
                };
                break;
              case 'execute_reply':
                result.status = c.status as CellResult['status'];
                replied = true;
                done();
                break;
              case 'status':
                if (c.execution_state === 'idle') {
                  idle = true;
                  done();
                }
                break;
            }
          },
        });
      });
    } finally {
      this.pending.delete(id);
      this.ws.off('close', onClose);
    }
    return result;
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
    await this.api.request('DELETE', `/api/kernels/${this.id}`).catch(() => {});
  }
}

/** Strips ANSI colour codes (IPython tracebacks) for readable assertion messages. */
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Describes a failed cell for an assertion message. */
export function describeCell(r: CellResult): string {
  const tb = r.error ? `${r.error.ename}: ${r.error.evalue}\n${plain(r.error.traceback.join('\n'))}` : '';
  return `status=${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\n${tb}`;
}

/** Starts a kernel, runs one cell, shuts the kernel down. */
export async function runCell(
  nb: Notebook,
  kernelName: string,
  code: string,
  timeoutMs = 120_000,
): Promise<CellResult> {
  const k = await Kernel.start(nb, kernelName);
  try {
    return await k.execute(code, timeoutMs);
  } finally {
    await k.shutdown();
  }
}
