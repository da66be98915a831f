/**
 * buildx's rawjson progress read as kfc build's steps: the stream splitter, step ownership between a
 * parent and a child, the messages BuildKit sends (single and multi target, padded numbers, a base
 * from a named context, merged steps, failures). Pure; the samples follow what buildx 0.13.1 printed
 * here against the Docker 20.10 engine's BuildKit and a BuildKit 0.34 remote builder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { BakeProgress, type ImagePlan, imagePlans } from '../../src/engine/bake-progress.ts';
import { buildkitAtLeast, parseInspect } from '../../src/engine/buildx.ts';
import { readDockerArgs } from '../../src/engine/docker-args.ts';
import { type SolveStatus, StatusStream, type Vertex } from '../../src/engine/solve-status.ts';
import { buildSteps } from '../../src/engine/steps.ts';
import { generateImage } from '../../src/generate/generate.ts';
import { MINI_FIXTURE } from './helpers.ts';

const catalog = loadCatalog(MINI_FIXTURE);
const same = () => true;
function plansOf(names: string[], sameArgs = same): ImagePlan[] {
  const nodes = names.map((n) => {
    const node = catalog.nodes.get(n)!;
    const gen = generateImage(catalog, node);
    return { node, target: n, steps: buildSteps(gen.dockerfile, gen.origins) };
  });
  return imagePlans(nodes, sameArgs);
}

const at = (s: number) => new Date(Date.parse('2026-12-06T12:00:00Z') + s * 1000).toISOString();
const v = (digest: string, name: string, more: Partial<Vertex> = {}): SolveStatus => ({
  vertexes: [{ digest: `sha256:${digest}`, name, ...more }],
});

describe('StatusStream', () => {
  it('splits pretty-printed objects, across chunks, from the plain lines around them', () => {
    const objects = [
      { vertexes: [{ digest: 'sha256:a', name: '[1/2] RUN echo "}{" \\"x\\"' }] },
      { logs: [{ vertex: 'sha256:a', data: Buffer.from('hi\n').toString('base64') }] },
    ];
    const text = `${objects.map((o) => JSON.stringify(o, null, 2)).join('\n')}\nERROR: failed to solve: x {y\n`;
    const s = new StatusStream();
    const got: SolveStatus[] = [];
    const lines: string[] = [];
    for (let i = 0; i < text.length; i += 7) {
      const r = s.feed(text.slice(i, i + 7));
      got.push(...r.statuses);
      lines.push(...r.lines);
    }
    lines.push(...s.end());
    assert.equal(got.length, 2);
    assert.equal(got[0]!.vertexes![0]!.name, '[1/2] RUN echo "}{" \\"x\\"', 'braces in strings stay');
    assert.deepEqual(lines, ['ERROR: failed to solve: x {y'], 'a brace inside a plain line is text');
  });

  it('gives a line without its newline at the end', () => {
    const s = new StatusStream();
    assert.deepEqual(s.feed('ERROR: no builder "x" found').lines, []);
    assert.deepEqual(s.end(), ['ERROR: no builder "x" found']);
  });
});

describe('imagePlans: who owns a step', () => {
  it('a child owns only the steps after its parent’s; a grandchild the same through two levels', () => {
    const [root, child, grand] = plansOf(['mini-root', 'mini-child', 'mini-grand']);
    const n = root!.steps.length;
    assert.ok(root!.owners.every((o) => o === 'mini-root'));
    assert.deepEqual(child!.owners.slice(0, n), Array(n).fill('mini-root'));
    assert.deepEqual(child!.owners.slice(n), Array(child!.steps.length - n).fill('mini-child'));
    assert.deepEqual(grand!.owners, child!.owners, 'the grandchild only adds LABEL and ENV: no step of its own');
  });

  it('without the parent in the build, or with other build args, the child owns every step', () => {
    const [child] = plansOf(['mini-child']);
    assert.ok(child!.owners.every((o) => o === 'mini-child'));
    const [, alone] = plansOf(['mini-root', 'mini-child'], () => false);
    assert.ok(alone!.owners.every((o) => o === 'mini-child'));
  });
});

describe('BakeProgress', () => {
  it('one target: no target name in the vertex names; padded numbers; CACHED and DONE; the export', () => {
    const [child] = plansOf(['mini-child']);
    const p = new BakeProgress([child!]);
    const events = [
      v('1', '[internal] load build definition from Dockerfile', { started: at(0), completed: at(0) }),
      v('2', '[ 1/7] FROM docker.io/library/debian:trixie', { started: at(1), completed: at(1) }),
      v('3', '[stage-0  2/7] COPY common/x /x', { started: at(1), completed: at(1), cached: true }),
      v('4', '[ 3/7] RUN make', { started: at(1) }),
      v('4', '[ 3/7] RUN make', { started: at(1), completed: at(13.5) }),
      v('5', 'exporting to image', { started: at(14), completed: at(15) }),
    ].map((s) => p.feed(s));
    assert.deepEqual(
      events.flatMap((e) => e.events.map((x) => x.ev)),
      [
        { started: 1 },
        { done: 1, seconds: 0 },
        { started: 2 },
        { cached: 2 },
        { started: 3 },
        { done: 3, seconds: 12.5 },
      ],
    );
    assert.deepEqual(events.at(-1)!.exported, ['mini-child']);
    assert.deepEqual(events[3]!.lines, ['#4 [ 3/7] RUN make'], 'the plain log, as buildx --progress plain');
    assert.deepEqual(events[4]!.lines, ['#4 DONE 12.5s']);
  });

  it("a step's output cut into chunks mid-line is one line in the plain log; the rest comes out at its end", () => {
    const [child] = plansOf(['mini-child']);
    const p = new BakeProgress([child!]);
    const log = (text: string): SolveStatus => ({
      logs: [{ vertex: 'sha256:4', data: Buffer.from(text).toString('base64') }],
    });
    p.feed(v('4', '[ 3/7] RUN pip install', { started: at(1) }));
    const lines = [
      p.feed(log(' + idna\nInstalled ')),
      p.feed(log('1 package in 6ms\nBytecode')),
      p.feed(v('4', '[ 3/7] RUN pip install', { started: at(1), completed: at(2) })),
    ].flatMap((e) => e.lines);
    assert.deepEqual(lines, ['#1  + idna', '#1 Installed 1 package in 6ms', '#1 Bytecode', '#1 DONE 1.0s']);
  });

  it('a shared step counts once for its owner, whichever target reports it, and for every sharer', () => {
    const plans = plansOf(['mini-root', 'mini-child']);
    const p = new BakeProgress(plans);
    assert.deepEqual(p.sharers('mini-root', 2), ['mini-root', 'mini-child']);
    const n = plans[0]!.steps.length;
    // The child reports the shared step 2 first (BuildKit merged the parent's into it), then the parent.
    const a = p.feed(v('c2', `[mini-child stage-0 2/${n + 2}] COPY x`, { started: at(0), completed: at(1) }));
    const b = p.feed(v('p2', `[mini-root stage-0 2/${n}] COPY x`, { started: at(0), completed: at(1) }));
    assert.deepEqual(a.events, [
      { owner: 'mini-root', ev: { started: 2 } },
      { owner: 'mini-root', ev: { done: 2, seconds: 1 } },
    ]);
    assert.deepEqual(b.events, [], 'once');
    const own = p.feed(v('c9', `[mini-child ${n + 1}/${n + 2}] COPY tool`, { started: at(2) }));
    assert.deepEqual(own.events, [{ owner: 'mini-child', ev: { started: n + 1 } }]);
  });

  it('a base from a named context: BuildKit numbers the steps after it from 1', () => {
    const [child] = plansOf(['mini-child']);
    const p = new BakeProgress([{ ...child!, baseFromContext: true }]);
    p.feed(
      v('0', '[context debian:trixie-20250520-slim] r.example/debian:trixie', { started: at(0), completed: at(0) }),
    );
    const e = p.feed(v('1', '[stage-0 1/7] COPY common/x /x', { started: at(0), completed: at(0), cached: true }));
    assert.deepEqual(
      e.events.map((x) => x.ev),
      [{ started: 2 }, { cached: 2 }],
    );
  });

  it("the failure is the step's error, before cancellations and other vertices' errors", () => {
    const plans = plansOf(['mini-root', 'mini-child']);
    const n = plans[1]!.steps.length;
    const p = new BakeProgress(plans);
    const miss = 'failed to configure registry cache importer: r/x:buildcache: not found';
    p.feed(
      v('i', '[mini-child] importing cache manifest from r/x:buildcache', {
        started: at(0),
        completed: at(0),
        error: miss,
      }),
    );
    p.feed(v('m', '[mini-root internal] load metadata for x', { started: at(0), completed: at(1), error: 'boom' }));
    p.feed(v('r', `[mini-root 3/5] RUN apt-get`, { started: at(0), completed: at(2), error: 'context canceled' }));
    p.feed(v('k', `[mini-child ${n}/${n}] RUN helper`, { started: at(0) }));
    p.feed({
      logs: [{ vertex: 'sha256:k', data: Buffer.from('step one\nhelper: no such file\n').toString('base64') }],
    });
    p.feed(v('k', `[mini-child ${n}/${n}] RUN helper`, { started: at(0), completed: at(3), error: 'exit code: 2' }));
    assert.deepEqual(p.failure(), {
      image: 'mini-child',
      step: n,
      error: 'exit code: 2',
      tail: ['step one', 'helper: no such file'],
    });
  });
});

describe('buildx builders and --docker-arg', () => {
  it('reads buildx inspect: driver, BuildKit version, an unreachable node', () => {
    const text =
      'Name:          default\nDriver:        docker\n\nNodes:\nName: default\nBuildKit version: v0.8+unknown\n';
    assert.deepEqual(parseInspect(text), { driver: 'docker', buildkit: 'v0.8+unknown', error: undefined });
    assert.equal(parseInspect('Driver:        \nError:         Cannot connect').error, 'Cannot connect');
    assert.equal(parseInspect('Driver:        \nError:         Cannot connect').driver, undefined);
    assert.equal(buildkitAtLeast({ name: 'd', driver: 'docker', buildkit: 'v0.8+unknown' }, 0, 10), false);
    assert.equal(buildkitAtLeast({ name: 'r', driver: 'remote', buildkit: 'v0.34.2' }, 0, 10), true);
  });

  it('maps docker build options to bake fields and refuses those bake has none for', () => {
    const d = readDockerArgs([
      '--no-cache',
      '--pull=true',
      '--build-arg',
      'A=1',
      '--label=k=v',
      '--platform',
      'linux/amd64',
    ]);
    assert.equal(d.noCache, true);
    assert.equal(d.pull, true);
    assert.deepEqual(d.buildArgs, { A: '1' });
    assert.deepEqual(d.labels, { k: 'v' });
    assert.deepEqual(d.platforms, ['linux/amd64']);
    assert.throws(() => readDockerArgs(['--network=host']), /--network=host: kfc build has no buildx bake equivalent/);
    assert.throws(() => readDockerArgs(['--build-arg']), /--build-arg needs a value/);
    assert.throws(() => readDockerArgs(['--label', 'novalue']), /expected KEY=VALUE/);
  });
});
