/** What a failed docker push or pull means for the user: the kind decides the message and whether to retry. */
export type RegistryFailure = 'auth' | 'unknown-registry' | 'missing' | 'transient' | 'other';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The registry a reference names: its first part when that looks like a host, else Docker Hub. */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  return ref.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
}

/** The names a reference is made of, as docker may quote them: the reference, its repository, its registry. */
function namesIn(ref: string): string[] {
  const repository = ref.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^:/]+$/, '');
  const registry = registryOf(ref);
  return [ref, repository, ...(registry === 'docker.io' ? [] : [registry])].sort((a, b) => b.length - a.length);
}

/**
 * Classifies docker's message about `ref`. The names the user chose (the reference, its repository, the
 * registry's host:port) are taken out first, and status codes count only as whole words: a registry on port
 * 34015 or an image named "eof-demo" must not read as "401 Unauthorized" or as a dropped connection.
 */
export function classifyRegistryError(text: string, ref = ''): RegistryFailure {
  let said = text;
  if (ref) for (const name of namesIn(ref)) said = said.replace(new RegExp(escapeRegExp(name), 'gi'), '<name>');
  // URLs docker quotes carry the host and the path made of the names: drop them whole.
  said = said.replace(/"?https?:\/\/[^\s"]+"?/g, '<url>');
  if (/unauthorized|authentication required|denied|no basic auth credentials|\b401\b/i.test(said)) return 'auth';
  if (/no such host|server misbehaving|name resolution|dial tcp: lookup/i.test(said)) return 'unknown-registry';
  if (
    /does not exist locally|not found: manifest unknown|manifest unknown|No such image/i.test(said) ||
    /repository .* not found|An image does not exist/i.test(said)
  )
    return 'missing';
  if (/connection reset|timeout|timed out|TLS handshake|\bEOF\b|\b50[234]\b|connection refused/i.test(said))
    return 'transient';
  return 'other';
}
