// The Kubeflow Notebooks 2.0 contract, for every published image (src/catalog/suites.ts adds this folder): the
// image started the way the v2 controller starts a Workspace of its generated WorkspaceKind
// (deploy/kubeflow/v2/<kind>.yaml, read as generated, not a copy): the kind's extraEnv rendered with
// httpPathPrefix (/workspace/connect/<ns>/<ws>/<portId>/), its port, its securityContext user, then its probes,
// its activity method as declared (Jupyter: <prefix>api/status without a token, last_activity advancing after a
// cell; podExec: the script staged and run as the controller runs it), NB_NAMESPACE, and the redirects.
// One container per image.
// kfc-test: reads: deploy/kubeflow/v2, images.yaml

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { codeRoot } from '../../../src/cache/code-root.ts';
import { loadCatalog } from '../../../src/catalog/load.ts';
import { renderGoTemplate, workspaceConnectPath } from '../../../src/kubeflow/go-template.ts';
import { kindOf, kubeflowSection } from '../../../src/kubeflow/kubeflow-catalog.ts';
import { DEFAULT_OUT, workspaceKindPath } from '../../../src/kubeflow/kubeflow-paths.ts';
import { type HostConfig, type Notebook, startNotebook, testImage } from '../../../src/testing/container.ts';
import { runCell } from '../../../src/testing/kernel.ts';
import { NOTEBOOK_PORT } from '../../../src/testing/waits.ts';

// The generated YAML, read loosely: its shape is what kfc kubeflow --check validates against the CRDs.
// biome-ignore lint/suspicious/noExplicitAny: a parsed WorkspaceKind, checked by the CRD schema elsewhere
type Doc = Record<string, any>;

const name = process.env.KFC_TEST_NAME ?? '';
const REPO_ROOT = codeRoot();
const catalog = loadCatalog(REPO_ROOT, { readFiles: false });
const node = catalog.nodes.get(name);
if (!node) throw new Error(`KFC_TEST_NAME "${name}" is not an image of images.yaml: run through kfc test`);
const kindName = kindOf(catalog, node).name;
const kindFile = join(REPO_ROOT, DEFAULT_OUT, workspaceKindPath(kindName));
const wk = parse(readFileSync(kindFile, 'utf8')) as Doc;
const pt = wk.spec.podTemplate as Doc;
const values = pt.options.imageConfig.values as Doc[];
const stableTag = kubeflowSection(catalog).tags[0]!;
const value = values.find((v) => v.id === `${name}:${stableTag}`);
if (!value) throw new Error(`${kindFile} has no imageConfig value ${name}:${stableTag}`);

const ns = `ns-${randomBytes(3).toString('hex')}`;
const ws = `ws-${randomBytes(3).toString('hex')}`;
const ports = value.spec.ports as { id: string; port: number }[];
/** As the controller: the connect path of a port of this image, '' for a port it does not have. */
const httpPathPrefix = (id: string) => (ports.some((p) => p.id === id) ? workspaceConnectPath(ns, ws, id) : '');
const env: Record<string, string> = Object.fromEntries(
  (pt.extraEnv as { name: string; value?: string }[]).map((e) => [
    e.name,
    renderGoTemplate(e.value ?? '', httpPathPrefix),
  ]),
);
const port = ports[0]!;
const prefix = workspaceConnectPath(ns, ws, port.id);
const sc = pt.securityContext as { runAsUser: number; runAsGroup: number };

/** The kind's containerSecurityContext as the engine's HostConfig (what the kubelet asks of the runtime). */
function containerSecurity(csc: Doc): HostConfig {
  const known = ['allowPrivilegeEscalation', 'capabilities', 'runAsNonRoot', 'seccompProfile'];
  const unknown = Object.keys(csc).filter((k) => !known.includes(k));
  assert.deepEqual(unknown, [], 'the suite applies these containerSecurityContext fields only');
  assert.ok(!csc.capabilities?.add, 'no capability is added');
  if (csc.seccompProfile) assert.equal(csc.seccompProfile.type, 'RuntimeDefault', "the engine's default profile");
  return {
    ...(csc.capabilities?.drop ? { CapDrop: csc.capabilities.drop as string[] } : {}),
    ...(csc.allowPrivilegeEscalation === false ? { SecurityOpt: ['no-new-privileges'] } : {}),
  };
}

/** A probe's command run in the container, as the kubelet runs an exec probe. */
async function runProbe(nb: Notebook, probe: Doc): Promise<{ exitCode: number; out: string }> {
  assert.ok(probe.exec?.command, `only exec probes are generated, got ${JSON.stringify(probe)}`);
  const r = await nb.exec(probe.exec.command as string[], { timeoutMs: (probe.timeoutSeconds ?? 1) * 1000 + 5000 });
  return { exitCode: r.exitCode, out: r.stdout + r.stderr };
}

/** The podExec activity probe, staged and run the controller's way (internal/helper/probe.go:317-329). */
async function podExecActivity(nb: Notebook): Promise<Doc> {
  const script = Buffer.from(pt.activityProbe.podExec.script as string).toString('base64');
  const out = `/tmp/kfc-activity-${randomBytes(4).toString('hex')}.json`;
  const r = await nb.exec([
    '/bin/sh',
    '-c',
    `echo ${script} | base64 -d > "${out}.script" && chmod +x "${out}.script" && ` +
      `OUTPUT_JSON_PATH="${out}" "${out}.script" >/dev/null; rc=$?; rm -f "${out}.script"; ` +
      `if [ $rc -ne 0 ]; then exit $rc; fi; if [ -f "${out}" ]; then cat "${out}"; rm -f "${out}"; fi`,
  ]);
  assert.equal(r.exitCode, 0, `the activity script failed: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Doc) : {};
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe(`${name} as a Notebooks 2.0 Workspace of kind ${kindName}`, () => {
  let nb: Notebook;
  before(async () => {
    assert.equal(port.port, NOTEBOOK_PORT, `the fixture publishes ${NOTEBOOK_PORT}; ${value.id} says ${port.port}`);
    if (pt.containerSecurityContext?.runAsNonRoot) assert.notEqual(sc.runAsUser, 0, 'runAsNonRoot with runAsUser 0');
    nb = await startNotebook({
      image: testImage(),
      env,
      prefix: prefix.replace(/\/$/, ''),
      user: `${sc.runAsUser}:${sc.runAsGroup}`,
      hostConfig: containerSecurity(pt.containerSecurityContext ?? {}),
      timeoutMs: 180_000,
    });
  });
  after(async () => {
    await nb?.remove();
  });

  test('the kind renders NB_PREFIX to the v2 connect path of its port', () => {
    assert.equal(env.NB_PREFIX, prefix);
    assert.match(prefix, /^\/workspace\/connect\/ns-[0-9a-f]{6}\/ws-[0-9a-f]{6}\/[a-z0-9_-]+\/$/);
  });

  test("the kind's startup, readiness and liveness probes answer, and fail for another prefix", async () => {
    const probes = pt.probes as Record<string, Doc>;
    assert.deepEqual(Object.keys(probes).sort(), ['livenessProbe', 'readinessProbe', 'startupProbe']);
    for (const [which, probe] of Object.entries(probes)) {
      const r = await runProbe(nb, probe);
      assert.equal(r.exitCode, 0, `${which}: ${r.out}`);
    }
    // The same command where NB_PREFIX names another Workspace: the probe really looks under the prefix.
    const cmd = probes.readinessProbe!.exec.command as string[];
    const other = await nb.exec(['env', `NB_PREFIX=${workspaceConnectPath(ns, 'other', port.id)}`, ...cmd]);
    assert.notEqual(other.exitCode, 0, 'the probe passed for a prefix the server does not serve');
  });

  test('served under /workspace/connect/<ns>/<ws>/<portId>/, 404 for another Workspace', async () => {
    const page = await nb.follow('/');
    assert.equal(page.status, 200, `${prefix}: ${page.status} ${page.text.slice(0, 300)}`);
    const elsewhere = await nb.getRaw(workspaceConnectPath(ns, 'other-ws', port.id));
    assert.equal(elsewhere.status, 404, `another Workspace's path answered ${elsewhere.status}`);
  });

  test('NB_NAMESPACE is the namespace of the connect path', async () => {
    // The first processes after start.sh (it exports NB_NAMESPACE, then execs the front; /proc/<pid>/environ of
    // tini and of start.sh itself show the environment they started with).
    const procs = (await nb.processes()).filter((p) => p.uid === sc.runAsUser && !/^tini |start\.sh/.test(p.args));
    const seen: string[] = [];
    for (const p of procs) {
      if (seen.length === 3) break;
      // A short-lived process (a probe's curl, a kernel) may be gone by now: skip it.
      const penv = await nb.environ(p).catch(() => undefined);
      if (!penv) continue;
      assert.equal(penv.NB_NAMESPACE, ns, `NB_NAMESPACE of ${p.pid} ${p.args}`);
      seen.push(`${p.pid} ${p.args}`);
    }
    assert.ok(seen.length > 0, `no process of the session to read: ${procs.map((p) => p.args).join('; ')}`);
    const kfp = await nb.exec(['cat', '/home/jovyan/.config/kfp/context.json']);
    assert.equal(kfp.exitCode, 0, kfp.stderr);
    assert.equal((JSON.parse(kfp.stdout) as { namespace: string }).namespace, ns);
  });

  test('the activity method the kind declares works', async () => {
    const ap = pt.activityProbe as Doc;
    if (ap.jupyter) {
      // internal/helper/probe.go:236-255: GET http://<pod>:<port><prefix>api/status, no token, last_activity.
      assert.equal(ap.jupyter.portId, port.id);
      const status = async () => {
        const r = await nb.getRaw(`${prefix.replace(/\/$/, '')}/api/status`);
        assert.equal(r.status, 200, `api/status without a token: ${r.status} ${r.text.slice(0, 200)}`);
        return Date.parse((JSON.parse(r.text) as { last_activity: string }).last_activity);
      };
      const first = await status();
      assert.ok(Number.isFinite(first), 'last_activity is not a time');
      await new Promise((r) => setTimeout(r, 1100));
      const cell = await runCell(nb, 'python3', 'print(6 * 7)');
      assert.equal(cell.stdout.trim(), '42', JSON.stringify(cell));
      const later = await status();
      assert.ok(later > first, `last_activity did not advance after a cell: ${first} -> ${later}`);
    } else {
      assert.ok(ap.podExec?.script, `the kind declares no activity method: ${JSON.stringify(ap)}`);
      await until(
        'no activity while no browser is connected',
        async () => ((await podExecActivity(nb)).has_activity === false ? true : undefined),
        20_000,
      );
      const socket = new WebSocket(`ws://127.0.0.1:${nb.hostPort}${prefix}websockify`, ['binary']);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      try {
        assert.deepEqual(await podExecActivity(nb), { has_activity: true }, 'a connected browser is not activity');
      } finally {
        socket.terminate();
      }
      await until(
        'no activity once the browser left',
        async () => ((await podExecActivity(nb)).has_activity === false ? true : undefined),
        20_000,
      );
    }
  });

  test("each superseded tag's value redirects to a shown value of this image, the one started here", () => {
    const byId = new Map(values.map((v) => [v.id as string, v]));
    const mine = values.filter((v) => (v.id as string).startsWith(`${name}:`));
    const redirected = mine.filter((v) => v.redirect);
    const wanted = kubeflowSection(catalog).redirects.filter((r) => r.image === name);
    assert.equal(redirected.length, wanted.length, 'one redirecting value per catalog redirect of this image');
    for (const v of redirected) {
      assert.equal(v.spawner.hidden, true, `${v.id} is superseded but shown`);
      let cur: Doc = v;
      const hops = [v.id as string];
      while (cur.redirect) {
        const next = byId.get(cur.redirect.to as string);
        assert.ok(next, `${cur.id} redirects to ${cur.redirect.to}, which is not a value`);
        assert.ok(!hops.includes(next.id), `redirect cycle ${hops.join(' -> ')}`);
        hops.push(next.id as string);
        cur = next;
      }
      assert.equal(cur.id, value.id, `${hops.join(' -> ')} ends elsewhere than ${value.id}`);
      assert.notEqual(cur.spawner.hidden, true, `${hops.join(' -> ')} ends at a hidden value`);
      assert.deepEqual(cur.spec.ports, ports, 'the successor serves on the port started here');
    }
    // The value started here is the successor: this container is its image (the tag under test).
    assert.ok(nb.readyMs > 0, 'the successor image started');
  });
});
