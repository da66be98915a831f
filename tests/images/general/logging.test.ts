// The start scripts' log helper (/usr/local/bin/_docker_stacks_log.sh, used by start.sh, run-hooks.sh,
// kfc-seed-home and any script of the user's): `LEVEL[YYYY-MM-DD HH:MM:SS] message` on stderr, levels,
// JUPYTER_DOCKER_STACKS_QUIET, colour on a terminal only, FATAL ends the shell. Each test names the
// docker-stacks test it mirrors (jupyter/docker-stacks at 82093869, tests/by_image/docker-stacks-foundation/).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOG_LINE, logged, runStart } from './start-run.ts';

const SOURCE = 'source /usr/local/bin/_docker_stacks_log.sh';
const EVERY_LEVEL = `${SOURCE}; _log_info i; _log_debug d; _log_warn w; _log_error e; _log_fatal f; echo NOT-REACHED`;
const ESC = '\x1b[';

describe('general: the start log (_docker_stacks_log.sh)', { concurrency: 4 }, () => {
  // Mirrors test_user_options.py::test_log_stderr and test_logging.py::test_log_format_includes_timestamp.
  test("start.sh logs LEVEL[YYYY-MM-DD HH:MM:SS] lines on stderr; stdout is only the command's", async () => {
    for (const [user, env, last] of [
      ['root', { NB_USER: 'root', NB_UID: '0', NB_GID: '0' }, 'Running as root: echo stdout'],
      ['root', {}, 'Running as jovyan: echo stdout'],
      [undefined, {}, 'Executing the command: echo stdout'],
    ] as const) {
      const r = await runStart(['echo', 'stdout'], { user, env });
      assert.equal(r.exitCode, 0, r.logs);
      assert.equal(r.stdout, 'stdout\n', `start.sh wrote to stdout (user ${user ?? 'default'}):\n${r.logs}`);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.deepEqual(
        lines.filter((l) => !LOG_LINE.test(l)),
        [],
        'stderr lines not in the LEVEL[time] format',
      );
      const info = logged(lines, 'INFO');
      assert.equal(info[0], 'Entered start.sh with args: echo stdout', r.stderr);
      assert.equal(info.at(-1), last, r.stderr);
    }
  });

  // Mirrors test_logging.py::test_quiet_mode_suppresses_info and ::test_quiet_mode_shows_warnings.
  test('JUPYTER_DOCKER_STACKS_QUIET hides INFO and DEBUG, never WARNING, ERROR or FATAL', async () => {
    const quiet = await runStart(['bash', '-c', EVERY_LEVEL], {
      env: { JUPYTER_DOCKER_STACKS_QUIET: '1', GRANT_SUDO: '1' },
    });
    assert.equal(quiet.stdout, '', quiet.logs);
    assert.deepEqual(
      quiet.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/\[[^\]]+\]/, '')),
      ['WARNING container must be started as root to grant sudo permissions!', 'WARNING w', 'ERROR e', 'FATAL f'],
    );
    const loud = await runStart(['bash', '-c', EVERY_LEVEL]);
    assert.deepEqual(logged(loud.lines, 'DEBUG'), ['d'], loud.logs);
    assert.ok(logged(loud.lines, 'INFO').includes('i'), loud.logs);
    assert.ok(logged(loud.lines, 'INFO').length > 2, `start.sh's INFO lines are missing:\n${loud.logs}`);
  });

  // Mirrors test_logging.py::test_log_without_level_defaults_to_info.
  test('_log without a level word logs at INFO; with one, at that level', async () => {
    const r = await runStart([
      'bash',
      '-c',
      `${SOURCE}; _log "no level here"; _log DEBUG "a debug line"; _log WARNING "a warning"; _log Info "not a level"`,
    ]);
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(logged(r.lines, 'INFO').includes('no level here'), r.logs);
    assert.ok(logged(r.lines, 'INFO').includes('Info not a level'), r.logs);
    assert.deepEqual(logged(r.lines, 'DEBUG'), ['a debug line']);
    assert.deepEqual(logged(r.lines, 'WARNING'), ['a warning']);
  });

  // Mirrors test_logging.py::test_log_fatal_exits_nonzero.
  test('_log_fatal logs one FATAL line (not ERROR) and exits 1: nothing after it runs', async () => {
    const r = await runStart(['bash', '-c', `${SOURCE}; _log_fatal "test error"; echo NOT-REACHED`]);
    assert.equal(r.exitCode, 1, r.logs);
    assert.deepEqual(logged(r.lines, 'FATAL'), ['test error']);
    assert.deepEqual(logged(r.lines, 'ERROR'), []);
    assert.equal(r.stdout, '', 'the command went on after _log_fatal');
  });

  // Mirrors test_logging.py::test_log_color_on_tty, ::test_log_fatal_color_on_tty,
  // ::test_log_no_color_env_override and ::test_log_no_color_without_tty.
  test('colours on a terminal with NO_COLOR unset: FATAL bold red, ERROR red, WARNING yellow, DEBUG cyan', async () => {
    const tty = await runStart(['bash', '-c', EVERY_LEVEL], { tty: true });
    assert.equal(tty.exitCode, 1, tty.logs);
    const colourOf = (level: string) => {
      const line = tty.lines.find((l) => l.includes(`${level}[`) && !l.includes('Entered'));
      return line?.slice(0, line.indexOf(level));
    };
    assert.equal(colourOf('FATAL'), `${ESC}0;1;31m`);
    assert.equal(colourOf('ERROR'), `${ESC}0;31m`);
    assert.equal(colourOf('WARNING'), `${ESC}0;33m`);
    assert.equal(colourOf('DEBUG'), `${ESC}0;36m`);
    assert.ok(
      tty.lines.filter((l) => l.includes(ESC)).every((l) => l.endsWith(`${ESC}0m`)),
      'a coloured line is not reset',
    );
    assert.ok(
      tty.lines.some((l) => LOG_LINE.test(l) && l.startsWith('INFO[')),
      'INFO lines are plain',
    );

    const noColor = await runStart(['bash', '-c', EVERY_LEVEL], { tty: true, env: { NO_COLOR: '1' } });
    assert.ok(noColor.logs.includes('ERROR['), noColor.logs);
    assert.ok(!noColor.logs.includes(ESC), `NO_COLOR=1 on a terminal still coloured:\n${noColor.logs}`);

    const pipe = await runStart(['bash', '-c', EVERY_LEVEL]);
    assert.ok(pipe.stderr.includes('FATAL['), pipe.logs);
    assert.ok(!pipe.logs.includes(ESC), `coloured without a terminal:\n${pipe.logs}`);
  });

  test("a user's script sources the helper under set -euo pipefail and keeps its options", async () => {
    const r = await runStart([
      'bash',
      '-c',
      `set -euo pipefail; ${SOURCE}; _log_info "from my script"; ` +
        '[[ $- == *e* && $- == *u* ]] && echo "options kept: $-"',
    ]);
    assert.equal(r.exitCode, 0, r.logs);
    assert.ok(logged(r.lines, 'INFO').includes('from my script'), r.logs);
    assert.match(r.stdout, /^options kept: /m, r.logs);
  });
});
