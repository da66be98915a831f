// Start hooks shared by the general suites: copied into a created container before it starts
// (like `docker cp`), they record who ran them in /tmp/kfc-hooks.log and export variables.
import type { ContainerFile } from '../../../src/testing/container.ts';

export const HOOK_LOG = '/tmp/kfc-hooks.log';

export const hookFiles: ContainerFile[] = [
  {
    path: '/usr/local/bin/start-notebook.d/10-kfc-probe.sh',
    content: `echo "start-sh uid=$(id -u)" >> ${HOOK_LOG}\nexport KFC_HOOK_START=sourced\n`,
  },
  {
    path: '/usr/local/bin/start-notebook.d/20-kfc-probe-exe',
    mode: 0o755,
    content: `#!/bin/sh\necho "start-exe uid=$(id -u)" >> ${HOOK_LOG}\n`,
  },
  {
    path: '/usr/local/bin/before-notebook.d/10-kfc-probe.sh',
    content: `echo "before-sh uid=$(id -u)" >> ${HOOK_LOG}\nexport KFC_HOOK_BEFORE=sourced\n`,
  },
  {
    path: '/usr/local/bin/before-notebook.d/20-kfc-failing',
    mode: 0o755,
    content: `#!/bin/sh\necho "failing-exe uid=$(id -u)" >> ${HOOK_LOG}\nexit 3\n`,
  },
  {
    path: '/usr/local/bin/before-notebook.d/30-kfc-not-executable',
    mode: 0o644,
    content: `#!/bin/sh\necho "not-executable ran" >> ${HOOK_LOG}\n`,
  },
];

/** The log lines expected when the start-notebook.d hooks ran as `startUid` and before-notebook.d as `beforeUid`. */
export function expectedHookLog(startUid: number, beforeUid: number): string[] {
  return [
    `start-sh uid=${startUid}`,
    `start-exe uid=${startUid}`,
    `before-sh uid=${beforeUid}`,
    `failing-exe uid=${beforeUid}`,
  ];
}
