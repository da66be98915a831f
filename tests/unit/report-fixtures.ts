// A small synthetic family report for the renderer tests (no engine needed).
import { effectiveGates } from '../../src/metrics/gates.ts';

/** The repository catalog's global gates (images.yaml `gates:`). */
const CATALOG_GATES = { minEfficiency: 0.99, maxStartMedianMs: 2000, minParentShare: 1 };

import { emptyManifests } from '../../src/report/manifests.ts';
import type { FamilyReport, ImageReport, LayerReport } from '../../src/report/model.ts';

const layer = (index: number, size: number, over: Partial<LayerReport> = {}): LayerReport => ({
  index,
  diffId: `sha256:${String(index).repeat(64).slice(0, 64)}`,
  size,
  tarBytes: size + 2048,
  files: 10 + index,
  regularFiles: 8,
  hardlinks: 1,
  symlinks: 1,
  whiteouts: 0,
  instruction: index === 0 ? 'Imported from -' : `RUN step ${index}`,
  base: index === 0,
  inParent: false,
  ...over,
});

export function sampleReport(): FamilyReport {
  const foundationLayers = [
    layer(0, 120_000_000),
    layer(1, 30_000_000, { bit: 'foundation-os', owner: 'foundation', bitLine: 3 }),
    layer(2, 1_000, { bit: 'foundation-start', owner: 'foundation', bitLine: 1 }),
  ];
  const foundation: ImageReport = {
    name: 'foundation',
    root: 'foundation',
    publish: false,
    ref: 'kfc-dev/foundation:main',
    id: 'sha256:' + 'f'.repeat(64),
    created: '2026-11-24T00:00:00Z',
    tags: ['kfc-dev/foundation:main'],
    size: 150_001_000,
    layers: foundationLayers,
    metrics: {
      efficiency: 1,
      minBytes: 150_001_000,
      cumulativeBytes: 150_001_000,
      wastedBytes: 0,
      wastedPaths: 0,
      totalBytes: 150_001_000,
      userBytes: 30_001_000,
      userWastedRatio: 0,
      topWasted: [],
    },
    sharing: { name: 'foundation', bytes: 150_001_000, layers: 3, ownBytes: 150_001_000 },
    manifests: {
      ...emptyManifests(),
      debian: [
        { name: 'bash', version: '5.2.37-2' },
        { name: 'tini', version: '0.19.0-1' },
      ],
      python: [{ name: 'pip', version: '25.1', where: 'system' }],
      absent: ['r: Rscript not found'],
    },
    gates: effectiveGates('foundation', CATALOG_GATES, undefined),
    breaches: [],
    measuredAt: '2026-11-24T00:00:00Z',
    notes: [],
  };
  const cpuLayers = [
    ...foundationLayers.map((l) => ({ ...l, inParent: true })),
    layer(3, 900_000_000, { bit: 'jupyterlab', owner: 'jupyterlab-cpu', bitLine: 2 }),
    layer(4, 5_000_000, { bit: 'jupyterlab-late', owner: 'jupyterlab-cpu', bitLine: 7 }),
  ];
  const cpu: ImageReport = {
    ...foundation,
    name: 'jupyterlab-cpu',
    parent: 'foundation',
    publish: true,
    ref: 'kfc-dev/jupyterlab-cpu:main',
    id: 'sha256:' + 'c'.repeat(64),
    tags: ['kfc-dev/jupyterlab-cpu:main', 'kfc-dev/jupyterlab-cpu:python-3.13'],
    size: 1_055_001_000,
    layers: cpuLayers,
    metrics: {
      efficiency: 0.9952,
      minBytes: 1_050_001_000,
      cumulativeBytes: 1_055_001_000,
      wastedBytes: 10_000_000,
      wastedPaths: 1,
      totalBytes: 1_055_001_000,
      userBytes: 935_001_000,
      userWastedRatio: 10_000_000 / 935_001_000,
      topWasted: [
        {
          path: '/opt/conda/lib/big.so',
          cumulativeBytes: 10_000_000,
          minBytes: 5_000_000,
          removed: false,
          layers: [
            { index: 3, instruction: 'RUN step 3', bit: 'jupyterlab' },
            { index: 4, instruction: 'RUN step 4', bit: 'jupyterlab-late' },
          ],
        },
      ],
    },
    sharing: {
      name: 'jupyterlab-cpu',
      bytes: 1_055_001_000,
      layers: 5,
      ownBytes: 905_000_000,
      parent: {
        with: 'foundation',
        layers: 3,
        ofLayers: 3,
        bytes: 150_001_000,
        ofBytes: 150_001_000,
        ratio: 1,
        prefix: true,
      },
      root: {
        with: 'foundation',
        layers: 3,
        ofLayers: 3,
        bytes: 150_001_000,
        ofBytes: 150_001_000,
        ratio: 1,
        prefix: true,
      },
    },
    manifests: {
      ...emptyManifests(),
      debian: [
        { name: 'bash', version: '5.2.37-2' },
        { name: 'r-base-core', version: '4.5.0-3' },
      ],
      python: [
        { name: 'numpy', version: '2.2.4', where: 'system' },
        { name: 'jupyterlab', version: '4.4.1', where: 'system' },
        { name: 'my-tool', version: '1.0', where: 'conda' },
      ],
      r: [{ name: 'IRkernel', version: '1.3.2' }],
      npm: [{ name: 'code-server', version: '4.99.0' }],
      kernels: [
        { name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' },
        { name: 'ir', displayName: 'R', language: 'R' },
      ],
      labextensions: [{ name: '@jupyterlab/git', version: '0.51.0', enabled: true }],
    },
    start: {
      starts: 10,
      samplesMs: [1200, 1250, 1300, 1210, 1190, 1400, 1220, 1260, 1230, 1240],
      medianMs: 1235,
      minMs: 1190,
      maxMs: 1400,
      iqrMs: 42.5,
      url: 'http://127.0.0.1:<port>/notebook/x/y/api/status',
      failures: [],
    },
    gates: effectiveGates('jupyterlab-cpu', CATALOG_GATES, { maxSize: '3.5GB' }),
    breaches: [],
  };
  return {
    version: 1,
    generatedAt: '2026-11-24T12:00:00.000Z',
    images: [foundation, cpu],
    family: {
      images: 2,
      sumBytes: 1_205_002_000,
      uniqueBytes: 1_055_001_000,
      uniqueLayers: 5,
      sumLayers: 8,
      ratio: 1_055_001_000 / 1_205_002_000,
    },
    missing: ['jupyterlab-pytorch-cpu'],
    breaches: [],
    notes: [],
  };
}

export const sampleCatalog = [
  { name: 'foundation', description: 'jovyan, tini, start scripts', publish: false },
  {
    name: 'jupyterlab-cpu',
    parent: 'foundation',
    description: 'JupyterLab 4 with the scientific Python stack, R and VS Code',
    publish: true,
  },
  { name: 'jupyterlab-pytorch-cpu', parent: 'jupyterlab-cpu', description: 'cpu + PyTorch (CPU build)', publish: true },
];
