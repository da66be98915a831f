/** The engine the integration suites drive, and the one check of whether it answers. */

import { execa } from 'execa';
import { dockerBin } from '../engine/docker.ts';

/** The docker CLI every test drives: the one kfc uses (KFC_DOCKER, else Debian's /usr/bin/docker). */
export const DOCKER = dockerBin();

/** Does an engine answer at DOCKER_HOST (the one check integration suites share)? */
export async function engineAnswers(): Promise<boolean> {
  return (await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], { reject: false })).exitCode === 0;
}
