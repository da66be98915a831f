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
  // - tools/workspace-crds/api/: Kubeflow's v1beta1 types transcribed; a kubebuilder marker (CEL rules
  //   of 190+ characters) must stay on one line for controller-gen to read it.
  /^tools\/workspace-crds\/api\/v1beta1\/workspace(kind)?_types\.go$/,
];
// Excluded because they are assets, not text: an SVG is vector data (resources/jupyterlab/vscode.svg is one
// line of path data), and breaking it would only change the image's bytes for nothing.
const ASSETS = [/\.svg$/];

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && ![...GENERATED, ...ASSETS].some((re) => re.test(f)));

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
    offences++;
    const fix = file.endsWith('.md') ? 'wrap the sentence or re-flow the table' : 'wrap the string or comment';
    process.stdout.write(`${file}:${i + 1}: ${length} chars (fix: ${fix} to <= ${LIMIT})\n`);
  });
}
if (offences) {
  process.stdout.write(`${offences} line(s) over ${LIMIT} characters\n`);
  process.exit(1);
}
