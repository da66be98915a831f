/**
 * Runs a notebook file the way a user does in JupyterLab: the .ipynb is saved to the home through
 * the contents API, opened as a notebook session (which starts its kernel), its code cells run in
 * order over the kernel channels ("Run All"), and the notebook is saved back with its outputs.
 */
import assert from 'node:assert/strict';
import type { Notebook } from './container.ts';
import { type CellResult, describeCell, JupyterApi, Kernel } from './kernel.ts';

interface NbCell {
  cell_type: 'code' | 'markdown';
  source: string;
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: Array<Record<string, unknown>>;
}

export interface NotebookRun {
  /** One result per code cell, in order. */
  cells: CellResult[];
  /** The notebook as saved afterwards (nbformat 4), read back through the contents API. */
  saved: { cells: NbCell[] };
}

/** A minimal nbformat 4 notebook: strings starting with "# %% [markdown]\n" become markdown cells. */
function notebookJson(cells: string[], kernelName = 'python3'): object {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernelName, display_name: kernelName, language: 'python' } },
    cells: cells.map((c, i) => {
      const md = /^# %% \[markdown\]\n/.exec(c);
      return md
        ? { id: `c${i}`, cell_type: 'markdown', source: c.slice(md[0].length), metadata: {} }
        : { id: `c${i}`, cell_type: 'code', source: c, metadata: {}, execution_count: null, outputs: [] };
    }),
  };
}

function outputsOf(r: CellResult, count: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (r.stdout) out.push({ output_type: 'stream', name: 'stdout', text: r.stdout });
  if (r.stderr) out.push({ output_type: 'stream', name: 'stderr', text: r.stderr });
  for (const data of r.displays) out.push({ output_type: 'display_data', data, metadata: {} });
  for (const text of r.results)
    out.push({ output_type: 'execute_result', execution_count: count, data: { 'text/plain': text }, metadata: {} });
  if (r.error) out.push({ output_type: 'error', ...r.error });
  return out;
}

/**
 * Saves `cells` as `path` in the home, runs it in a notebook session and saves the outputs. Stops at
 * the first failing cell (as "Run All" does) with an assertion naming it. The session is deleted.
 */
export async function runNotebook(
  nb: Notebook,
  path: string,
  cells: string[],
  opts: { kernel?: string; cellTimeoutMs?: number } = {},
): Promise<NotebookRun> {
  const api = new JupyterApi(nb);
  const kernelName = opts.kernel ?? 'python3';
  const content = notebookJson(cells, kernelName) as { cells: NbCell[] };
  await api.json('PUT', `/api/contents/${path}`, { type: 'notebook', format: 'json', content });
  const session = await api.json<{ id: string; kernel: { id: string; name: string } }>('POST', '/api/sessions', {
    path,
    name: path,
    type: 'notebook',
    kernel: { name: kernelName },
  });
  const kernel = await Kernel.connect(api, session.kernel.id, session.kernel.name);
  const results: CellResult[] = [];
  try {
    let count = 0;
    for (const [i, cell] of content.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      const r = await kernel.execute(cell.source, opts.cellTimeoutMs);
      count++;
      cell.execution_count = count;
      cell.outputs = outputsOf(r, count);
      results.push(r);
      assert.equal(r.status, 'ok', `${path} cell ${i + 1} failed:\n${describeCell(r)}`);
    }
    await api.json('PUT', `/api/contents/${path}`, { type: 'notebook', format: 'json', content });
  } finally {
    await kernel.shutdown();
    await api.request('DELETE', `/api/sessions/${session.id}`).catch(() => {});
  }
  const saved = await api.json<{ content: { cells: NbCell[] } }>(
    'GET',
    `/api/contents/${path}?type=notebook&content=1`,
  );
  return { cells: results, saved: saved.content };
}
