/**
 * Python and npm advisories: pip-audit (over python/*.lock) and npm audit (over the VS Code install)
 * run in the GitHub workflow, where their services answer. Here kfc referee only asks whether the
 * services pip-audit and npm audit use answer, and says plainly that they were not run.
 */

/** The PyPI per-release JSON (pip-audit's default source) and npm's bulk advisory endpoint. */
const PYPI = 'https://pypi.org/pypi/pip/24.0/json';
const NPM = 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk';

async function answers(url: string, init: RequestInit, key?: string): Promise<boolean> {
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
    if (!r.ok) return false;
    const body = (await r.json()) as Record<string, unknown>;
    return key ? key in body : typeof body === 'object';
  } catch {
    return false;
  }
}

/** The line kfc referee prints about Python and npm advisories. */
export async function advisoriesNote(): Promise<string> {
  const [pypi, npm] = await Promise.all([
    answers(PYPI, {}, 'vulnerabilities'),
    answers(NPM, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pip":["0.0.1"]}' }),
  ]);
  const unreachable = [!pypi && 'PyPI', !npm && 'npm'].filter(Boolean).join(' and ');
  return unreachable
    ? `Python and npm advisories: not run: advisory service unreachable (${unreachable}); ` +
        'the GitHub workflow runs pip-audit over python/*.lock and npm audit over the VS Code install'
    : 'Python and npm advisories: not run here; the GitHub workflow runs pip-audit and npm audit';
}
