// Test hygiene: the images a test file built under its run's tags, including those a later build under the same
// tag replaced (untagged, found by the version label kfc build sets to the tag).
import { execa } from 'execa';
import { DOCKER } from '../../src/testing/engine-check.ts';

export async function removeImagesBuiltUnder(tags: string[]): Promise<void> {
  const ids = new Set<string>();
  for (const tag of tags) {
    const label = `label=org.opencontainers.image.version=${tag}`;
    const r = await execa(DOCKER, ['images', '-a', '-q', '--filter', label], { reject: false });
    for (const id of r.stdout.split('\n').filter(Boolean)) ids.add(id);
  }
  if (ids.size) await execa(DOCKER, ['rmi', '-f', ...ids], { reject: false });
}
