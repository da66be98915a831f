// Security figures of the image: world-writable paths, setuid/setgid binaries (each justified),
// sudo only through GRANT_SUDO, and no way from the group-writable /etc/passwd (kept for arbitrary
// uids in group 0, as docker-stacks does) to root.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runOnce, testImage } from '../../../src/testing/container.ts';
import { runStart } from './start-run.ts';

const image = testImage();

/** Every setuid/setgid file an image may hold, and why. Anything else fails the test. */
const SPECIAL_FILES: Record<string, string> = {
  '/usr/bin/sudo': 'GRANT_SUDO=yes (docker-stacks); no sudoers rule exists without it',
  '/usr/bin/su': 'Debian base (login); cannot be used without a password (nullok removed)',
  '/usr/bin/passwd': 'Debian base (login)',
  '/usr/bin/chfn': 'Debian base (login)',
  '/usr/bin/chsh': 'Debian base (login)',
  '/usr/bin/gpasswd': 'Debian base (passwd)',
  '/usr/bin/newgrp': 'Debian base (login)',
  '/usr/bin/mount': 'Debian base (mount); mounting needs CAP_SYS_ADMIN, which containers lack',
  '/usr/bin/umount': 'Debian base (mount)',
  '/usr/bin/chage': 'Debian base (passwd), setgid shadow: reads password ageing',
  '/usr/bin/expiry': 'Debian base (passwd), setgid shadow',
  '/usr/sbin/unix_chkpwd': "Debian base (PAM), setgid shadow: checks the user's own password",
  '/usr/bin/ssh-agent': 'openssh-client, setgid _ssh: keeps other users from ptracing the agent',
  '/usr/lib/openssh/ssh-keysign': 'openssh-client: host-based authentication (off unless configured)',
  '/usr/bin/crontab': 'cron (if installed), setgid crontab',
  '/usr/lib/dbus-1.0/dbus-daemon-launch-helper': 'dbus system bus activation (desktop images)',
  '/usr/lib/polkit-1/polkit-agent-helper-1': 'polkit authentication agent (desktop images)',
  '/usr/lib/xorg/Xorg.wrap': 'X server wrapper (desktop images)',
  '/usr/bin/dotlockfile': 'liblockfile (mail spool locking), setgid mail',
  '/usr/sbin/pam_extrausers_chkpwd': 'PAM extrausers, setgid shadow',
};

/** World-writable places (all sticky, like /tmp). */
const WORLD_WRITABLE = new Set(['/tmp', '/var/tmp', '/run/lock', '/var/lock']);

describe('general: security figures', () => {
  // One walk of the image for both figures: "W <mode> <path>" world-writable, "S <mode> <owner> <path>" setuid/setgid.
  let walk: Promise<string[]> | undefined;
  const special = () =>
    (walk ??= runOnce(
      image,
      [
        'find',
        '/',
        '-xdev',
        '(',
        '-path',
        '/proc',
        '-o',
        '-path',
        '/sys',
        '-o',
        '-path',
        '/dev',
        ')',
        '-prune',
        '-o',
        '(',
        '-perm',
        '-0002',
        '!',
        '-type',
        'l',
        '-printf',
        'W %m %p\n',
        ')',
        '-o',
        '(',
        '-type',
        'f',
        '(',
        '-perm',
        '-4000',
        '-o',
        '-perm',
        '-2000',
        ')',
        '-printf',
        'S %m %u:%g %p\n',
        ')',
      ],
      {},
      '0',
    ).then((r) => {
      assert.equal(r.exitCode, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    }));

  test('no world-writable paths except the sticky temporary folders', async () => {
    const found = (await special()).filter((l) => l.startsWith('W ')).map((l) => l.slice(2));
    console.log(`# world-writable: ${found.join(', ')}`);
    const bad = found.filter((l) => {
      const [mode, path] = l.split(' ');
      return !(WORLD_WRITABLE.has(path!) && mode!.startsWith('1'));
    });
    assert.deepEqual(bad, []);
  });

  test('setuid/setgid files: each one listed and justified', async () => {
    const found = (await special())
      .filter((l) => l.startsWith('S '))
      .map((l) => l.slice(2))
      .sort((a, b) => a.split(' ')[2]!.localeCompare(b.split(' ')[2]!));
    console.log(
      `# setuid/setgid (${found.length}):\n` +
        found.map((l) => `#   ${l}  — ${SPECIAL_FILES[l.split(' ')[2]!] ?? 'UNJUSTIFIED'}`).join('\n'),
    );
    const unjustified = found.filter((l) => !(l.split(' ')[2]! in SPECIAL_FILES));
    assert.deepEqual(unjustified, [], 'setuid/setgid files nobody justified: remove them or add the reason here');
  });

  test('sudoers grant nothing to the user unless GRANT_SUDO adds it at start', async () => {
    const r = await runOnce(
      image,
      ['bash', '-c', 'cat /etc/sudoers /etc/sudoers.d/* 2>/dev/null | grep -vE "^\\s*(#|$|Defaults)"'],
      {},
      '0',
    );
    const rules = r.stdout.split('\n').filter(Boolean);
    // Debian's own rules: root, and members of group sudo WITH their password (the group is empty).
    const allowed = [
      /^root\s+ALL=\(ALL(:ALL)?\)\s+ALL$/,
      /^%sudo\s+ALL=\(ALL(:ALL)?\)\s+ALL$/,
      /^@includedir \/etc\/sudoers\.d$/,
    ];
    assert.deepEqual(
      rules.filter((l) => !allowed.some((a) => a.test(l.trim()))),
      [],
      `sudoers rules: ${rules.join(' | ')}`,
    );
    const sudoGroup = await runOnce(image, ['getent', 'group', 'sudo'], {}, '0');
    assert.match(sudoGroup.stdout.trim(), /^sudo:x:\d+:$/, 'group sudo has members');
    const user = await runStart(['bash', '-c', 'sudo -n true && echo ESCALATED || echo REFUSED']);
    assert.ok(user.lines.includes('REFUSED'), user.logs);
  });

  test('an arbitrary uid in group 0 cannot turn the writable /etc/passwd into root', async () => {
    // The user writes a password-less uid-0 entry and asks su for it (no tty: no password to give).
    const r = await runStart(
      [
        'bash',
        '-c',
        'echo "kfcevil::0:0::/root:/bin/bash" >> /etc/passwd && su kfcevil -c "id -u" < /dev/null 2>&1; ' +
          'echo "su status $?"',
      ],
      { user: '123456:0' },
    );
    assert.match(r.logs, /su status [1-9]/, `su let a group-0 user become root:\n${r.logs}`);
    assert.ok(!r.lines.includes('0'), r.logs);
  });
});
