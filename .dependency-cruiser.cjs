// The layers of src/ (docs/architecture.md), checked in `npm run check`: floors from the bottom; a room
// imports only its own floor's rooms or lower ones, so an arrow never points up. Type-only imports count.
// Nothing imports cli/ (the top), and there are no import circles.
const floors = [
  ['errors.ts', 'tags', 'cache', 'log'], // plain values and files: no kfc model
  ['catalog'], // images.yaml → the catalog tree (with the Python files it names)
  ['generate'], // catalog → Dockerfiles and contexts
  ['lint', 'metrics', 'python'], // pure judgements over generated text and image layers; Python locks
  ['engine'], // the effectful shell: docker, buildx, base, registry, artifacts
  ['testing', 'referees'], // suites against containers; the field's tools on saved images
  ['report'], // kfc report: measures, renders, gates
  ['publish'], // CI and platform outputs: affected, bake, Kubeflow, a node's pull
  ['cli'], // commander verbs: parse, call one function, print
];
// The core is data in, data out: it never reaches the shell.
const core = ['catalog', 'generate', 'lint', 'tags', 'metrics'];
const shell = ['engine', 'testing', 'referees', 'report', 'publish', 'cli', 'python', 'cache', 'log'];

const path = (room) => (room.endsWith('.ts') ? `^src/${room.replace('.', '\\.')}$` : `^src/${room}/`);
const any = (rooms) => rooms.map(path).join('|');

const upward = floors.flatMap((rooms, i) => {
  const above = floors.slice(i + 1).flat();
  if (!above.length) return [];
  return [
    {
      name: `no-upward-from-${rooms.join('-').replace('.ts', '')}`,
      comment: `${rooms.join(', ')} may not import a room above it (${above.join(', ')})`,
      severity: 'error',
      from: { path: any(rooms) },
      to: { path: any(above) },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import circles make the order of loading and of reading depend on each other',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'cli/ is the top: it calls features, features never call it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'core-imports-no-shell',
      comment: 'catalog, generate, lint, tags and metrics are pure: no engine, files of results, CI or CLI',
      severity: 'error',
      from: { path: any(core) },
      to: { path: any(shell) },
    },
    {
      name: 'every-room-has-a-floor',
      comment: 'a new folder under src/ gets a floor in .dependency-cruiser.cjs (and docs/architecture.md)',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: any(floors.flat()) },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
