/** What `kfc report` asks of an engine: Docker in use (docker-engine.ts), a fake in the unit tests. */

import type { ImageArchive } from '../metrics/layers.ts';
import type { Manifests } from './manifests.ts';
import type { StartReport } from './model.ts';

export interface InspectedImage {
  id: string;
  size: number;
  tags: string[];
  created: string;
  diffIds: string[];
  env: string[];
}

export interface StartOptions {
  timeoutMs?: number;
  log?: (s: string) => void;
}

export interface ReportEngine {
  inspect(ref: string): Promise<InspectedImage | undefined>;
  /** One archive of several images (shared layers once), read as it streams. */
  saveAndRead(refs: string[]): Promise<ImageArchive>;
  manifests(ref: string, condaDir: string): Promise<Manifests>;
  measureStart(ref: string, ready: string, starts: number, opts: StartOptions): Promise<StartReport>;
}
