import { KfcError } from '../errors.ts';

/**
 * `kfc build --docker-arg` (the seed's DARGS, one word each) read as `docker build` options and given
 * to every bake target. buildx 0.13's bake file has a field for these; it has none for --network or
 * --add-host (it drops them), so those and anything else are refused instead of silently ignored. Pure.
 */
export interface DockerArgs {
  noCache: boolean;
  pull: boolean;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  secrets: string[];
  cacheFrom: string[];
  cacheTo: string[];
  platforms: string[];
  shmSize?: string;
  ulimits: string[];
  noCacheFilter: string[];
}

const FLAGS = ['--no-cache', '--pull'];
const VALUED = [
  '--build-arg',
  '--label',
  '--secret',
  '--cache-from',
  '--cache-to',
  '--platform',
  '--shm-size',
  '--ulimit',
  '--no-cache-filter',
];

function keyValue(option: string, value: string): [string, string] {
  const i = value.indexOf('=');
  if (i <= 0)
    throw new KfcError(`--docker-arg ${option} ${value}: expected KEY=VALUE`, { hint: `e.g. ${option} NAME=value` });
  return [value.slice(0, i), value.slice(i + 1)];
}

export function readDockerArgs(words: string[] = []): DockerArgs {
  const out: DockerArgs = {
    noCache: false,
    pull: false,
    buildArgs: {},
    labels: {},
    secrets: [],
    cacheFrom: [],
    cacheTo: [],
    platforms: [],
    ulimits: [],
    noCacheFilter: [],
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    const option = eq > 0 && word.startsWith('--') ? word.slice(0, eq) : word;
    if (FLAGS.includes(option)) {
      const on = eq > 0 ? word.slice(eq + 1) !== 'false' : true;
      if (option === '--no-cache') out.noCache = on;
      else out.pull = on;
      continue;
    }
    if (!VALUED.includes(option))
      throw new KfcError(`--docker-arg ${word}: kfc build has no buildx bake equivalent for it`, {
        hint: `kfc build runs docker buildx bake; it takes ${[...FLAGS, ...VALUED].join(', ')}`,
      });
    const value = eq > 0 ? word.slice(eq + 1) : words[++i];
    if (value === undefined)
      throw new KfcError(`--docker-arg ${option} needs a value`, { hint: `pass it as --docker-arg ${option}=VALUE` });
    if (option === '--build-arg') {
      const [k, v] = keyValue(option, value);
      out.buildArgs[k] = v;
    } else if (option === '--label') {
      const [k, v] = keyValue(option, value);
      out.labels[k] = v;
    } else if (option === '--secret') out.secrets.push(value);
    else if (option === '--cache-from') out.cacheFrom.push(value);
    else if (option === '--cache-to') out.cacheTo.push(value);
    else if (option === '--platform') out.platforms.push(...value.split(','));
    else if (option === '--shm-size') out.shmSize = value;
    else if (option === '--ulimit') out.ulimits.push(value);
    else out.noCacheFilter.push(value);
  }
  return out;
}
