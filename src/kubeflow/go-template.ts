/**
 * The Go templates a WorkspaceKind may carry in extraEnv values and request headers, rendered the way the
 * Notebooks 2.0 controller renders them (kubeflow/notebooks workspaces/controller/internal/helper/template.go:28-48
 * at v2.0.0-beta.0: text/template with one function, `httpPathPrefix portId`, executed with no data). Only that
 * subset is accepted: text, and actions `{{ httpPathPrefix "<id>" }}` (a "..." or `...` string), with the `{{-`
 * and `-}}` trims. Any other action is refused here, though Go would accept some of them (stricter, not looser).
 */

const ACTION = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
const CALL = /^httpPathPrefix\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)$/;

/** The rendered value; throws an Error naming the first action it cannot render. */
export function renderGoTemplate(raw: string, httpPathPrefix: (portId: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of raw.matchAll(ACTION)) {
    let text = raw.slice(last, m.index);
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    if (text.includes('{{') || text.includes('}}'))
      throw new Error(`unbalanced braces in template ${JSON.stringify(raw)}`);
    out += text;
    const call = CALL.exec(m[2] ?? '');
    if (!call) throw new Error(`unsupported template action {{ ${m[2]} }} (only httpPathPrefix "<portId>")`);
    out += httpPathPrefix(call[1] !== undefined ? JSON.parse(`"${call[1]}"`) : (call[2] ?? ''));
    last = (m.index ?? 0) + m[0].length;
    if (m[3] === '-') {
      const rest = raw.slice(last);
      last += rest.length - rest.replace(/^\s+/, '').length;
    }
  }
  const tail = raw.slice(last);
  if (tail.includes('{{') || tail.includes('}}'))
    throw new Error(`unbalanced braces in template ${JSON.stringify(raw)}`);
  return out + tail;
}

/** The path the controller serves a port under (workspace_controller.go:76, :804-806). */
export function workspaceConnectPath(namespace: string, workspace: string, portId: string): string {
  return `/workspace/connect/${namespace}/${workspace}/${portId}/`;
}
