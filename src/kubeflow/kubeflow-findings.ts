/**
 * A problem found in a generated Kubeflow file: one line each,
 * `kfc: error: <file>: <json path>: <problem> (fix: ...)`.
 */
export interface KubeflowFinding {
  /** The file, as shown to the user (e.g. deploy/kubeflow/spawner_ui_config.yaml). */
  file: string;
  /** Where in the document: `spawnerFormDefaults.image.options[0]`, `Notebook.spec.template.spec…`. */
  path: string;
  problem: string;
  fix: string;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b[0]["nvidia.com/gpu"]` from path segments: keys with dots or slashes stay readable as one key. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '(document)';
}

/** Segments of an Ajv instancePath (`/spec/containers/0`, JSON Pointer escapes ~0 ~1). */
export function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function findingLine(f: KubeflowFinding): string {
  return `kfc: error: ${f.file}: ${f.path}: ${f.problem} (fix: ${f.fix})`;
}
