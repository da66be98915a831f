/**
 * The rules a Kubernetes API server with Kubeflow Notebooks 2.0 applies to a WorkspaceKind or Workspace beyond its
 * openAPIV3Schema, ported from kubeflow/notebooks at tag v2.0.0-beta.0 (commit 3ebd2e4f):
 * - the CEL rules (x-kubernetes-validations) of the v1beta1 types, which Ajv does not evaluate
 *   (workspaces/controller/api/v1beta1/workspacekind_types.go, cited per rule; `self == oldSelf` rules only
 *   apply to an update and are left out);
 * - the validating webhooks' create checks (workspaces/controller/internal/webhook/workspacekind_webhook.go and
 *   workspace_webhook.go, cited per rule). Not ported: label/annotation syntax of podMetadata and label selector
 *   syntax of filter and activity rules (apimachinery's validators), and the checks that need the cluster
 *   (options in use by Workspaces).
 * Each finding names its JSON path; ids are shown beside the index (`values[2] (id "x")`).
 */
import { renderGoTemplate } from './go-template.ts';
import { jsonPath, type KubeflowFinding } from './kubeflow-findings.ts';

type Doc = Record<string, unknown>;
type Seg = string | number;

const FIX = 'change the generator (src/kubeflow/workspacekinds.ts) or images.yaml kubeflow:';
const TYPES = 'workspacekind_types.go';
const HOOK = 'workspacekind_webhook.go';
/** workspacekind_types.go:31-34: the defaults the API server applies to an unset probe interval. */
const DEFAULT_MIN_PROBE_S = 300;
const DEFAULT_PROBE_S = 3600;
/** workspacekind_webhook.go:57. */
const SHEBANG = /^#![ \t]*([^ \t]+)(?:[ \t]+.+)?$/;

function obj(v: unknown): Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {};
}
function arr(v: unknown): Doc[] {
  return Array.isArray(v) ? v.map(obj) : [];
}
const has = (o: Doc, k: string) => o[k] !== undefined && o[k] !== null;

class Findings {
  readonly list: KubeflowFinding[] = [];
  constructor(
    private readonly file: string,
    private readonly root: string,
  ) {}
  add(path: Seg[], problem: string, source: string, fix = FIX): void {
    this.list.push({ file: this.file, path: jsonPath([this.root, ...path]), problem: `${problem} (${source})`, fix });
  }
}

function celRules(wk: Doc, f: Findings): void {
  const spec = obj(wk.spec);
  const pt = obj(spec.podTemplate);
  for (const which of ['icon', 'logo']) {
    const a = obj(obj(spec.spawner)[which]);
    if (has(a, 'url') === has(a, 'configMap'))
      f.add(['spec', 'spawner', which], "must specify exactly one of 'url' or 'configMap'", `${TYPES}:190`);
  }
  arr(spec.activityRules).forEach((r, i) => {
    if (!has(obj(r.effect), 'pauseWorkspace'))
      f.add(['spec', 'activityRules', i, 'effect'], 'must specify at least one effect', `${TYPES}:142`);
  });
  if (has(pt, 'activityProbe')) {
    const ap = obj(pt.activityProbe);
    const at = ['spec', 'podTemplate', 'activityProbe'];
    if (has(ap, 'podExec') === has(ap, 'jupyter'))
      f.add(at, "must specify exactly one of 'podExec' or 'jupyter'", `${TYPES}:369`);
    const min = typeof ap.minProbeIntervalSeconds === 'number' ? ap.minProbeIntervalSeconds : DEFAULT_MIN_PROBE_S;
    const every = typeof ap.probeIntervalSeconds === 'number' ? ap.probeIntervalSeconds : DEFAULT_PROBE_S;
    if (min > every)
      f.add(at, 'minProbeIntervalSeconds must be less than or equal to probeIntervalSeconds', `${TYPES}:370`);
    if (has(ap, 'jupyter') && obj(ap.jupyter).lastActivity !== true)
      f.add([...at, 'jupyter', 'lastActivity'], "'lastActivity' must be true", `${TYPES}:440`);
  }
  arr(spec.filterRules).forEach((r, i) => {
    const eff = obj(r.effect);
    if (!has(eff, 'ui') && !has(eff, 'api'))
      f.add(['spec', 'filterRules', i, 'effect'], "must specify at least one of 'ui' or 'api'", `${TYPES}:762`);
    const api = obj(eff.api);
    if (has(api, 'denyMessage') && api.deny !== true)
      f.add(
        ['spec', 'filterRules', i, 'effect', 'api'],
        "'denyMessage' may only be set when 'deny' is true",
        `${TYPES}:781`,
      );
    arr(r.match).forEach((m, j) => {
      const n = ['matchNamespace', 'matchImageConfig', 'matchPodConfig'].filter((k) => has(m, k)).length;
      if (n !== 1)
        f.add(
          ['spec', 'filterRules', i, 'match', j],
          "must specify exactly one of 'matchNamespace', 'matchImageConfig', or 'matchPodConfig'",
          `${TYPES}:806`,
        );
    });
  });
}

/** Redirect targets exist and form no cycle (workspacekind_webhook.go:785-831). */
function redirectRules(values: Doc[], option: 'imageConfig' | 'podConfig', f: Findings): void {
  const ids = new Map(values.map((v, i) => [String(v.id), i]));
  const at = (i: number) => ['spec', 'podTemplate', 'options', option, 'values', i, 'redirect', 'to'];
  const src = `${HOOK}:${option === 'imageConfig' ? '785-807' : '809-831'}`;
  values.forEach((v, i) => {
    if (!has(v, 'redirect')) return;
    const to = String(obj(v.redirect).to);
    if (!ids.has(to)) f.add(at(i), `target ${option} "${to}" does not exist (value "${String(v.id)}")`, src);
    const seen = [String(v.id)];
    let cur: string | undefined = to;
    while (cur !== undefined && ids.has(cur)) {
      if (seen.includes(cur)) {
        f.add(at(i), `${option} redirect cycle detected: ${[...seen, cur].join(' -> ')}`, src);
        break;
      }
      seen.push(cur);
      const next: Doc = values[ids.get(cur)!]!;
      cur = has(next, 'redirect') ? String(obj(next.redirect).to) : undefined;
    }
  });
}

function webhookRules(wk: Doc, f: Findings): void {
  const spec = obj(wk.spec);
  const pt = obj(spec.podTemplate);
  const portIds = new Set(arr(pt.ports).map((p) => String(p.id)));
  const dummy = () => 'DUMMY_HTTP_PATH_PREFIX';
  arr(pt.extraEnv).forEach((e, i) => {
    if (typeof e.value !== 'string' || e.value === '') return;
    try {
      renderGoTemplate(e.value, dummy);
    } catch (err) {
      f.add(['spec', 'podTemplate', 'extraEnv', i, 'value'], (err as Error).message, `${HOOK}:613-635`);
    }
  });
  arr(pt.ports).forEach((p, i) => {
    const headers = obj(obj(p.httpProxy).requestHeaders);
    for (const op of ['set', 'add'])
      for (const [k, v] of Object.entries(obj(headers[op]))) {
        try {
          renderGoTemplate(String(v), dummy);
        } catch (err) {
          const at = ['spec', 'podTemplate', 'ports', i, 'httpProxy', 'requestHeaders', op, k];
          f.add(at, (err as Error).message, `${HOOK}:637-680`);
        }
      }
  });
  const options = obj(pt.options);
  for (const [option, src] of [
    ['imageConfig', `${HOOK}:724-736`],
    ['podConfig', `${HOOK}:738-750`],
  ] as const) {
    const o = obj(options[option]);
    const values = arr(o.values);
    const def = String(obj(o.spawner).default);
    if (!values.some((v) => v.id === def))
      f.add(
        ['spec', 'podTemplate', 'options', option, 'spawner', 'default'],
        `default ${option} "${def}" not found`,
        src,
      );
    redirectRules(values, option, f);
  }
  arr(obj(options.imageConfig).values).forEach((v, i) => {
    const seen = new Set<unknown>();
    arr(obj(v.spec).ports).forEach((p, j) => {
      const at = ['spec', 'podTemplate', 'options', 'imageConfig', 'values', i, 'spec', 'ports', j];
      if (seen.has(p.port))
        f.add([...at, 'port'], `port ${String(p.port)} is defined more than once`, `${HOOK}:758-763`);
      seen.add(p.port);
      if (!portIds.has(String(p.id)))
        f.add([...at, 'id'], `"${String(p.id)}" is missing from spec.podTemplate.ports`, `${HOOK}:765-770`);
    });
  });
  const ap = obj(pt.activityProbe);
  if (has(ap, 'podExec')) {
    const script = String(obj(ap.podExec).script ?? '');
    const line = script.split(/\r|\n/)[0] ?? '';
    const at = ['spec', 'podTemplate', 'activityProbe', 'podExec', 'script'];
    if (!SHEBANG.test(line)) f.add(at, "script shebang is invalid (e.g., '#!/bin/bash')", `${HOOK}:845-850`);
    else if (line.length > 255) f.add(at, 'shebang line exceeds the 255 character limit', `${HOOK}:851-857`);
  }
  if (has(ap, 'jupyter') && !portIds.has(String(obj(ap.jupyter).portId)))
    f.add(
      ['spec', 'podTemplate', 'activityProbe', 'jupyter', 'portId'],
      'must reference a valid port defined in spec.podTemplate.ports',
      `${HOOK}:862-866`,
    );
  activityRules(spec, pt, f);
}

/** workspacekind_webhook.go:873-947 (the warnings are not findings). */
function activityRules(spec: Doc, pt: Doc, f: Findings): void {
  const rules = arr(spec.activityRules);
  let pauses = false;
  let catchAll = false;
  rules.forEach((r, i) => {
    const m = obj(r.match);
    const empty = !has(m, 'matchNamespace') && !has(m, 'matchPodConfig');
    const p = obj(r.effect).pauseWorkspace;
    if (p === undefined || p === null) return;
    if (p === true) pauses = true;
    if (!empty) return;
    if (catchAll)
      f.add(
        ['spec', 'activityRules', i, 'match'],
        'at most one catch-all (empty match) rule is allowed',
        `${HOOK}:916-919`,
      );
    catchAll = true;
    if (rules.slice(i + 1).some((later) => has(obj(later.effect), 'pauseWorkspace')))
      f.add(
        ['spec', 'activityRules', i, 'match'],
        'catch-all (empty match) rule must be the last rule configuring the pauseWorkspace effect',
        `${HOOK}:921-930`,
      );
  });
  if (pauses && !has(pt, 'activityProbe'))
    f.add(
      ['spec', 'podTemplate', 'activityProbe'],
      'activityProbe must be configured when activityRules with pauseWorkspace effect exist',
      `${HOOK}:941-944`,
    );
}

export function workspaceKindRuleFindings(wk: unknown, file: string): KubeflowFinding[] {
  const f = new Findings(file, 'WorkspaceKind');
  celRules(obj(wk), f);
  webhookRules(obj(wk), f);
  return f.list;
}

/** The Workspace webhook's create checks against the kinds at hand (workspace_webhook.go:187-280). */
export function workspaceRuleFindings(
  ws: unknown,
  kinds: ReadonlyMap<string, unknown>,
  file: string,
): KubeflowFinding[] {
  const f = new Findings(file, 'Workspace');
  const spec = obj(obj(ws).spec);
  const kindName = String(spec.kind);
  const wk = kinds.get(kindName);
  if (wk === undefined) {
    f.add(['spec', 'kind'], `workspace kind "${kindName}" not found`, 'workspace_webhook.go:187-200');
    return f.list;
  }
  const options = obj(obj(obj(obj(wk).spec).podTemplate).options);
  const chosen = obj(obj(spec.podTemplate).options);
  for (const [option, src] of [
    ['imageConfig', 'workspace_webhook.go:234-256'],
    ['podConfig', 'workspace_webhook.go:260-280'],
  ] as const) {
    const id = String(chosen[option]);
    if (!arr(obj(options[option]).values).some((v) => v.id === id))
      f.add(
        ['spec', 'podTemplate', 'options', option],
        `${option} with id "${id}" not found in workspace kind "${kindName}"`,
        src,
      );
  }
  return f.list;
}
