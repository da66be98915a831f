#!/usr/bin/env node
// House style: no line over 120 characters in any git-tracked text file we write by hand.
// One line per offence (`file:line: N chars (fix: ...)`), exit 1 when there is any.
// Characters are code points (a `─` or `é` counts once), not bytes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
const root = new URL('..', import.meta.url).pathname;

// Excluded because they are not written by hand, so wrapping them here would be undone:
// - output/ and tests/fixtures/*/output/: rendered by `kfc generate` from docker-bits + resources
//   (their sources are checked, so a long line is caught where it is written);
// - lockfiles: written by npm, `kfc lock` / pip-compile, go mod (hashes, resolver comments);
// - deploy/kubeflow/: rendered by `kfc kubeflow` from images.yaml.
const GENERATED = [
  /^output\//,
  /^tests\/fixtures\/[^/]+\/output\//,
  /(^|\/)package-lock\.json$/,
  /\.lock$/,
  /(^|\/)go\.sum$/,
  /^tools\/(referees-)?requirements\.txt$/,
  /^deploy\/kubeflow\//,
];

// Lines waiting for an image rebuild (docker-bits/, resources/ change images): `path:line-prefix`.
const pendingFile = 'scripts/line-length-pending.txt';
const pending = readFileSync(`${root}${pendingFile}`, 'utf8')
  .split('\n')
  .map((l, i) => ({ l, line: i + 1 }))
  .filter(({ l }) => l.trim() && !l.startsWith('#'))
  .map(({ l, line }) => {
    const at = l.indexOf(':');
    return { path: l.slice(0, at), prefix: l.slice(at + 1), line, used: false };
  });

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && !GENERATED.some((re) => re.test(f)));

let offences = 0;
for (const file of files) {
  let bytes;
  try {
    bytes = readFileSync(`${root}${file}`);
  } catch {
    continue; // deleted in the working tree, not yet in the index
  }
  if (bytes.includes(0)) continue; // binary
  const lines = bytes.toString('utf8').split('\n');
  lines.forEach((line, i) => {
    const length = [...line.replace(/\r$/, '')].length;
    if (length <= LIMIT) return;
    const waiting = pending.find((p) => p.path === file && line.startsWith(p.prefix));
    if (waiting) {
      waiting.used = true;
      return;
    }
    offences++;
    const fix = file.endsWith('.md') ? 'wrap the sentence or re-flow the table' : 'wrap the string or comment';
    process.stdout.write(`${file}:${i + 1}: ${length} chars (fix: ${fix} to <= ${LIMIT})\n`);
  });
}
// An entry that lets nothing through any more is stale: the list only shrinks.
for (const p of pending.filter((x) => !x.used)) {
  offences++;
  const why = `stale, no line over ${LIMIT} in ${p.path} starts so`;
  process.stdout.write(`${pendingFile}:${p.line}: ${why} (fix: delete the entry)\n`);
}
if (offences) {
  process.stdout.write(`${offences} line(s) over ${LIMIT} characters\n`);
  process.exit(1);
}
