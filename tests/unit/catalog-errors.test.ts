/**
 * The error table: every malformed input gives exactly one readable line on stderr
 * (`kfc: error: <file>[:<line>] <field>: <what> (fix: <hint>)`), exit code 2, no stack trace,
 * nothing on stdout, and output/ byte-identical to what the last good `kfc generate` wrote.
 *
 * Each case runs the real CLI (bin/kfc.js) in a subprocess against a fresh temp repository:
 * a copy of tests/fixtures/mini with its output/ generated, then the case's edits applied.
 */

import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { writeOutput } from '../../src/generate/write.ts';
import { cleanup, copyFixture, hashTree, lineOf, runKfc, tempDir, writeFiles } from './helpers.ts';

const BASES = `bases:
  trixie:
    image: debian:trixie-20250520-slim
    suite: trixie
    mirror: http://deb.debian.org/debian
`;
const ROOT = `images:
  mini-root:
    description: internal root stage
    from: trixie
    publish: false
    bits: [mini-os, mini-user]
    context: [common]
`;
const GOOD = BASES + ROOT;
const SHA = 'a'.repeat(64);

/** `images.yaml:<line of needle> <field>: ` — the start of a located message. */
function at(yaml: string, needle: string, field: string, from = 1): string {
  return `images.yaml:${lineOf(yaml, needle, from)} ${field}: `;
}

interface Case {
  name: string;
  /** images.yaml text; the fixture's own when absent. */
  yaml?: string;
  /** Further edits to the repository (bits, resources, output/). */
  setup?: (root: string) => void;
  /** CLI arguments after --root; `generate` when absent. */
  args?: string[];
  code?: number;
  /** The line must start with `kfc: error: ` + this (string) or match this (RegExp, after the prefix). */
  where: string | RegExp;
  /** A fragment the message must contain. */
  fragment: string | RegExp;
}

const CASES: Case[] = [
  // ---- YAML syntax ----
  (() => {
    const yaml = GOOD.replace('    description: internal root stage\n', '    description: a: b\n');
    return {
      name: 'bad YAML (nested mapping in a compact value)',
      yaml,
      where: new RegExp(`^images\\.yaml:${lineOf(yaml, 'description: a: b')}:\\d+: `),
      fragment: 'invalid YAML',
    };
  })(),
  (() => {
    const yaml = GOOD + '\t  stray: 1\n';
    return {
      name: 'bad YAML (tab indentation)',
      yaml,
      where: new RegExp(`^images\\.yaml:${lineOf(yaml, '\t')}:\\d+: `),
      fragment: /invalid YAML: .*[Tt]ab/,
    };
  })(),
  (() => {
    const yaml = GOOD + '  mini-root:\n    description: again\n    from: trixie\n';
    return {
      name: 'duplicate image name (duplicate YAML key)',
      yaml,
      where: new RegExp(`^images\\.yaml:${lineOf(yaml, '  mini-root:', 10)}:3: `),
      fragment: 'duplicate key "mini-root"',
    };
  })(),
  (() => {
    const yaml = GOOD + '    description: twice\n';
    return {
      name: 'duplicate field key',
      yaml,
      where: new RegExp(`^images\\.yaml:${lineOf(yaml, 'twice')}:5: `),
      fragment: 'duplicate key "description"',
    };
  })(),
  {
    name: 'top level is a sequence',
    yaml: '- mini-root\n- mini-child\n',
    where: 'images.yaml:1 (top level): ',
    fragment: 'must be a mapping with an "images" key',
  },
  {
    name: 'top level is a scalar',
    yaml: 'just some text\n',
    where: 'images.yaml:1 (top level): ',
    fragment: 'must be a mapping',
  },
  { name: 'empty catalog file', yaml: '', where: 'images.yaml:1 (top level): ', fragment: 'must be a mapping' },
  {
    name: 'no images.yaml at all',
    setup: (r) => rmSync(join(r, 'images.yaml')),
    where: /^\/.+: /,
    fragment: 'no images.yaml here',
  },

  // ---- types ----
  {
    name: 'images is a list',
    yaml: BASES + 'images:\n  - mini-root\n',
    where: at(BASES + 'images:\n', 'images:', 'images'),
    fragment: 'expected object, got array',
  },
  {
    name: 'images is empty',
    yaml: BASES + 'images: {}\n',
    where: at(BASES + 'images: {}\n', 'images:', 'images'),
    fragment: 'at least one image is needed',
  },
  (() => {
    const yaml = GOOD.replace('publish: false', "publish: 'no'");
    return {
      name: 'wrong type: publish is a string',
      yaml,
      where: at(yaml, 'publish:', 'images.mini-root.publish'),
      fragment: 'expected boolean, got string',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('bits: [mini-os, mini-user]', 'bits: mini-os');
    return {
      name: 'wrong type: bits is not a list',
      yaml,
      where: at(yaml, 'bits:', 'images.mini-root.bits'),
      fragment: 'expected array, got string',
    };
  })(),
  (() => {
    const yaml = GOOD + '    args:\n      PY_VERSION: 3.13\n';
    return {
      name: 'wrong type: build arg value is a number',
      yaml,
      where: at(yaml, 'PY_VERSION', 'images.mini-root.args.PY_VERSION'),
      fragment: 'expected string, got number',
    };
  })(),
  (() => {
    const yaml = GOOD + '    spawner: {group: emacs}\n';
    return {
      name: 'spawner group not in the enum',
      yaml,
      where: at(yaml, 'spawner:', 'images.mini-root.spawner.group'),
      fragment: 'must be one of jupyter, vscode',
    };
  })(),

  // ---- unknown keys ----
  (() => {
    const yaml = GOOD + 'colour: blue\n';
    return {
      name: 'unknown top-level key',
      yaml,
      where: at(yaml, 'colour:', '(top level)'),
      fragment: 'unknown key "colour"',
    };
  })(),
  (() => {
    const yaml = GOOD + '    bitz: [mini-os]\n';
    return {
      name: 'unknown image-level key',
      yaml,
      where: at(yaml, 'bitz:', 'images.mini-root'),
      fragment: 'unknown key "bitz"',
    };
  })(),
  (() => {
    const yaml =
      GOOD +
      `    requires:\n      - debian\n      - vendor:\n          name: tool\n` +
      `          url: https://example.com/tool.tgz\n          sha256: ${SHA}\n          sha512: nope\n`;
    return {
      name: 'unknown requirement-level key',
      yaml,
      where: at(yaml, 'sha512:', 'images.mini-root.requires[1].vendor'),
      fragment: 'unknown key "sha512"',
    };
  })(),

  // ---- names and the tree ----
  (() => {
    const yaml = GOOD + '  Mini-Upper:\n    description: d\n    extends: mini-root\n';
    return {
      name: 'image name with uppercase',
      yaml,
      where: at(yaml, 'Mini-Upper:', 'images.Mini-Upper'),
      fragment: '"Mini-Upper" is not a valid image name',
    };
  })(),
  (() => {
    const yaml = GOOD + '  -leading:\n    description: d\n    extends: mini-root\n';
    return {
      name: 'image name with a leading dash',
      yaml,
      where: at(yaml, '-leading:', 'images.-leading'),
      fragment: '"-leading" is not a valid image name',
    };
  })(),
  (() => {
    const yaml = GOOD + '  has space:\n    description: d\n    extends: mini-root\n';
    return {
      name: 'image name with a space',
      yaml,
      where: at(yaml, 'has space:', 'images.has space'),
      fragment: '"has space" is not a valid image name',
    };
  })(),
  (() => {
    const yaml = GOOD + '  loop:\n    description: d\n    extends: loop\n';
    return {
      name: 'cycle: an image extends itself',
      yaml,
      where: at(yaml, 'extends: loop', 'images.loop.extends'),
      fragment: 'cycle in "extends": loop -> loop',
    };
  })(),
  (() => {
    const yaml =
      GOOD +
      '  aa:\n    description: d\n    extends: bb\n' +
      '  bb:\n    description: d\n    extends: cc\n' +
      '  cc:\n    description: d\n    extends: aa\n';
    return {
      name: 'cycle of three',
      yaml,
      where: at(yaml, 'extends: bb', 'images.aa.extends'),
      fragment: 'cycle in "extends": aa -> bb -> cc -> aa',
    };
  })(),
  (() => {
    const yaml = GOOD + '  orphan:\n    description: d\n    extends: mini-nope\n';
    return {
      name: 'unknown parent',
      yaml,
      where: at(yaml, 'extends: mini-nope', 'images.orphan.extends'),
      fragment: 'unknown parent image "mini-nope"',
    };
  })(),
  (() => {
    const yaml = GOOD + '  floating:\n    description: d\n    bits: [mini-os]\n';
    return {
      name: 'neither from nor extends',
      yaml,
      where: at(yaml, 'floating:', 'images.floating'),
      fragment: 'needs "from" (a base) or "extends"',
    };
  })(),
  (() => {
    const yaml = GOOD + '  greedy:\n    description: d\n    from: trixie\n    extends: mini-root\n';
    return {
      name: 'both from and extends',
      yaml,
      where: at(yaml, 'greedy:', 'images.greedy'),
      fragment: 'either "from" or "extends", not both',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('debian:trixie-20250520-slim', 'debian:latest');
    return {
      name: 'base under "bases" uses :latest',
      yaml,
      where: at(yaml, 'debian:latest', 'bases.trixie.image'),
      fragment: 'must not use :latest',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('    from: trixie\n', '    from: debian:latest\n');
    return {
      name: 'root "from" reference uses :latest',
      yaml,
      where: at(yaml, 'from: debian:latest', 'images.mini-root.from'),
      fragment: 'uses :latest',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('    from: trixie\n', '    from: bookworm\n');
    return {
      name: 'unknown base key',
      yaml,
      where: at(yaml, 'from: bookworm', 'images.mini-root.from'),
      fragment: /"from: bookworm" is neither a base.*use one of: trixie/,
    };
  })(),

  // ---- files ----
  (() => {
    const yaml = GOOD.replace('[mini-os, mini-user]', '[mini-os, mini-missing]');
    return {
      name: 'missing bit file',
      yaml,
      where: at(yaml, 'bits:', 'images.mini-root.bits'),
      fragment: 'docker-bits/mini-missing.Dockerfile does not exist',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('context: [common]', 'context: [common, nowhere]');
    return {
      name: 'missing context folder',
      yaml,
      where: at(yaml, 'context:', 'images.mini-root.context'),
      fragment: 'resources/nowhere/ is not a folder',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('context: [common]', 'context: [Dockerfile]');
    return {
      name: 'context set named Dockerfile',
      yaml,
      setup: (r) => writeFiles(r, { 'resources/Dockerfile/x': 'x\n' }),
      where: at(yaml, 'context:', 'images.mini-root.context'),
      fragment: 'collides with the generated Dockerfile',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('[mini-os, mini-user]', '[mini-os, mini-user, mini-os]');
    return {
      name: 'duplicate bit in one list',
      yaml,
      where: at(yaml, 'bits:', 'images.mini-root.bits'),
      fragment: 'bit "mini-os" is listed twice',
    };
  })(),
  (() => {
    const yaml = GOOD + '  kid:\n    description: d\n    extends: mini-root\n    bits: [mini-tool, mini-user]\n';
    return {
      name: 'bit repeated from an ancestor',
      yaml,
      where: at(yaml, 'bits: [mini-tool', 'images.kid.bits'),
      fragment: 'bit "mini-user" is already in ancestor "mini-root"',
    };
  })(),
  {
    name: 'a bit that contains FROM',
    setup: (r) =>
      writeFiles(r, { 'docker-bits/mini-tool.Dockerfile': '# a tool\nUSER root\nFROM debian:trixie\nRUN true\n' }),
    where: 'docker-bits/mini-tool.Dockerfile:3: ',
    fragment: 'must not contain FROM',
  },
  {
    name: 'a bit with a non-instruction line',
    setup: (r) => writeFiles(r, { 'docker-bits/mini-grand.Dockerfile': 'ENV A=1\n\necho hello world\nENV B=2\n' }),
    where: 'docker-bits/mini-grand.Dockerfile:3: ',
    fragment: /"echo" is not a Dockerfile instruction/i,
  },
  {
    name: 'an empty bit',
    setup: (r) => writeFiles(r, { 'docker-bits/mini-user.Dockerfile': '\n  \n' }),
    where: 'docker-bits/mini-user.Dockerfile: ',
    fragment: 'bit is empty',
  },
  (() => {
    const yaml = GOOD.replace('[mini-os, mini-user]', '[mini-os, ../mini-user]');
    return {
      name: 'bit path escaping docker-bits/',
      yaml,
      where: at(yaml, 'bits:', 'images.mini-root.bits[1]'),
      fragment: 'must be a relative name',
    };
  })(),

  // ---- requirements ----
  (() => {
    const yaml =
      GOOD + `    requires:\n      - vendor: {name: tool, url: 'https://example.com/t.tgz', sha256: ABC123}\n`;
    return {
      name: 'vendor sha256 is not 64 hex digits',
      yaml,
      where: at(yaml, 'vendor:', 'images.mini-root.requires[0].vendor.sha256'),
      fragment: 'sha256 must be 64 lowercase hex digits',
    };
  })(),
  (() => {
    const yaml = GOOD + `    requires:\n      - vendor: {name: tool, url: 'ftp://example.com/t.tgz', sha256: ${SHA}}\n`;
    return {
      name: 'vendor URL is not http(s)',
      yaml,
      where: at(yaml, 'vendor:', 'images.mini-root.requires[0].vendor.url'),
      fragment: 'must be an http(s) URL',
    };
  })(),
  (() => {
    const yaml = GOOD + `    requires:\n      - vendor: {name: tool, url: 'not a url', sha256: ${SHA}}\n`;
    return {
      name: 'vendor URL is not a URL',
      yaml,
      where: at(yaml, 'vendor:', 'images.mini-root.requires[0].vendor.url'),
      fragment: 'must be a URL',
    };
  })(),
  (() => {
    const yaml = GOOD + '    requires:\n      - debian\n      - homebrew\n';
    return {
      name: 'unknown requirement kind',
      yaml,
      where: at(yaml, '- homebrew', 'images.mini-root.requires[1]'),
      fragment: 'not a known requirement',
    };
  })(),

  // ---- descriptions ----
  (() => {
    const yaml = GOOD.replace('description: internal root stage', "description: ''");
    return {
      name: 'empty description',
      yaml,
      where: at(yaml, "description: ''", 'images.mini-root.description'),
      fragment: 'description must not be empty',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('    description: internal root stage\n', '');
    return {
      name: 'missing description',
      yaml,
      where: at(yaml, 'mini-root:', 'images.mini-root.description'),
      fragment: 'missing required field "description"',
    };
  })(),

  // ---- output and the command line ----
  {
    name: 'unwritable output/ (a regular file where the folder should be)',
    setup: (r) => {
      rmSync(join(r, 'output'), { recursive: true });
      writeFileSync(join(r, 'output'), 'not a folder\n');
    },
    where: /^\/\S*output: /,
    fragment: /cannot write output\/: ENOTDIR/,
  },
  {
    name: 'unknown option (usage error from the argument parser)',
    args: ['generate', '--bogus'],
    where: /^unknown option '--bogus' /,
    fragment: '(fix: run kfc --help for usage)',
  },
  {
    name: 'unknown verb',
    args: ['generat'],
    where: /^unknown command 'generat' /,
    fragment: '(Did you mean generate?) (fix: run kfc --help for usage)',
  },
  {
    name: 'unknown image name on the generate command line',
    args: ['generate', 'mini-child', 'mini-typo'],
    where: 'images.yaml: ',
    fragment: /unknown image "mini-typo".*known images: mini-root, mini-child, mini-grand/,
  },
  {
    name: 'unknown image name on the lint command line',
    args: ['lint', 'mini-typo'],
    where: 'images.yaml: ',
    fragment: 'unknown image "mini-typo"',
  },
  (() => {
    const yaml = GOOD + 'lint:\n  severity:\n    pipefail: warning\n    no-such-rule: off\n';
    return {
      name: 'unknown lint rule in lint.severity',
      yaml,
      args: ['lint'],
      where: at(yaml, 'no-such-rule', 'lint.severity.no-such-rule'),
      fragment: /unknown lint rule "no-such-rule".*rules: fix-permissions/,
    };
  })(),
  (() => {
    const yaml = GOOD + 'lint:\n  severity:\n    pipefail: fatal\n';
    return {
      name: 'lint severity that is not error/warning/off',
      yaml,
      where: at(yaml, 'pipefail: fatal', 'lint.severity.pipefail'),
      fragment: 'must be one of error, warning, off',
    };
  })(),
  (() => {
    const yaml = GOOD.replace('publish: false', 'publish: maybe');
    return {
      name: 'generate --check on a broken catalog',
      yaml,
      args: ['generate', '--check'],
      where: at(yaml, 'publish:', 'images.mini-root.publish'),
      fragment: 'expected boolean, got string',
    };
  })(),
];

let template: string;
const dirs: string[] = [];

before(() => {
  // A repository as committed: the fixture catalog with output/ from a good generate.
  template = copyFixture();
  writeOutput(loadCatalog(template));
});

after(() => {
  cleanup(template);
  for (const d of dirs) cleanup(d);
});

function prepare(c: Case): { root: string; before: string } {
  const root = tempDir('kfc-err-');
  dirs.push(root);
  cpSync(template, root, { recursive: true });
  if (c.yaml !== undefined) writeFileSync(join(root, 'images.yaml'), c.yaml);
  c.setup?.(root);
  return { root, before: hashTree(join(root, 'output')) };
}

function assertOneLine(c: Case, code: number, stderr: string, stdout: string): void {
  const ctx = `\nstderr: ${JSON.stringify(stderr)}\nstdout: ${JSON.stringify(stdout)}`;
  assert.equal(code, c.code ?? 2, `exit code${ctx}`);
  assert.equal(stdout, '', `nothing on stdout${ctx}`);
  assert.ok(stderr.endsWith('\n'), `stderr ends with a newline${ctx}`);
  const lines = stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `exactly one line${ctx}`);
  const line = lines[0]!;
  assert.ok(line.startsWith('kfc: error: '), `prefix${ctx}`);
  const rest = line.slice('kfc: error: '.length);
  if (typeof c.where === 'string') assert.ok(rest.startsWith(c.where), `location: expected "${c.where}"${ctx}`);
  else assert.match(rest, c.where, `location${ctx}`);
  if (typeof c.fragment === 'string') assert.ok(rest.includes(c.fragment), `message: expected "${c.fragment}"${ctx}`);
  else assert.match(rest, c.fragment, `message${ctx}`);
  assert.match(line, /\(fix: [^)]/, `hint${ctx}`);
  assert.ok(!stderr.includes('    at '), `no stack trace${ctx}`);
  assert.ok(!/internal error/.test(stderr), `not an internal error${ctx}`);
}

describe('catalog errors through the real CLI (subprocess): one line, exit 2, output/ untouched', {
  concurrency: 4,
}, () => {
  it('has at least 28 cases', () => assert.ok(CASES.length >= 28, `only ${CASES.length} cases`));

  for (const c of CASES) {
    it(c.name, async () => {
      const { root, before } = prepare(c);
      const res = await runKfc(root, c.args ?? ['generate']);
      assertOneLine(c, res.code, res.stderr, res.stdout);
      assert.equal(hashTree(join(root, 'output')), before, 'output/ is byte-identical to before');
    });
  }
});
