/** PyPI's simple index: what uv and pip use when no mirror is configured. */
const DEFAULT_INDEX = 'https://pypi.org/simple';

/** The configured Python index (a site's mirror): KFC_PYTHON_INDEX_URL, else PIP_INDEX_URL. */
export function configuredIndex(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.KFC_PYTHON_INDEX_URL || env.PIP_INDEX_URL || undefined;
}

export function effectiveIndex(env: NodeJS.ProcessEnv = process.env): string {
  return configuredIndex(env) ?? DEFAULT_INDEX;
}

/** A URL fit to print: user and password (a mirror's credentials) replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/** Removes every occurrence of the index URL's credentials from a text (tool output in errors). */
export function redactText(text: string, url: string | undefined): string {
  if (!url) return text;
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password)]) if (secret) out = out.split(secret).join('***');
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}

/**
 * Whether the index answers from this host: GET of its root (PEP 503), credentials sent as Basic
 * auth (fetch refuses URLs that carry them). Any status below 500 except 404 counts as answering.
 */
export async function probeIndex(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    if (u.username || u.password) {
      const user = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
      headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    const res = await fetch(u, { method: 'HEAD', headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    return res.status < 500 && res.status !== 404;
  } catch {
    return false;
  }
}
