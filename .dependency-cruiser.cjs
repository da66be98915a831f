// The layers of src/, checked in `npm run check`: floors from the bottom (docs/architecture.md); a room
// imports only its own floor's rooms or lower ones, so an arrow never points up. Type-only imports count.
// Nothing imports cli/ (the top), and there are no import circles.
// The floors are read from docs/architecture.md (its "floors" block), so the page and the rules are one list.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function readFloors() {
  const doc = readFileSync(join(__dirname, 'docs/architecture.md'), 'utf8');
  const block = doc.slice(doc.indexOf('<!-- floors:'), doc.indexOf('<!-- /floors -->'));
  const floors = [...block.matchAll(/^- floor (\d+): (.+)$/gm)].map((m) =>
    [...m[2].matchAll(/`([^`]+)`/g)].map((r) => r[1]),
  );
  if (floors.length < 2)
    throw new Error('docs/architecture.md: no floors block (<!-- floors: … --> … <!-- /floors -->)');
  return floors;
}
const floors = readFloors();
// The core is data in, data out: it never reaches the shell.
const core = ['catalog', 'generate', 'lint', 'tags', 'metrics'];
const shell = floors.flat().filter((room) => !core.includes(room) && room !== 'errors.ts');

const path = (room) => (room.endsWith('.ts') ? `^src/${room.replace('.', '\\.')}$` : `^src/${room}/`);
const any = (rooms) => rooms.map(path).join('|');

const upward = floors.flatMap((rooms, i) => {
  const above = floors.slice(i + 1).flat();
  if (!above.length) return [];
  return [
    {
      name: `no-upward-from-floor-${i}`,
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
