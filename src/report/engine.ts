/** What `kfc report` asks of an engine: Docker in use (docker-engine.ts), a fake in the unit tests. */

import type { ImageArchive } from '../metrics/archive/image-archive.ts';
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
  /** One image's archive, read as it streams (nothing on disk); `bytes`: the archive's length. */
  saveAndRead(ref: string): Promise<{ archive: ImageArchive; bytes: number }>;
  /** One image's archive written to `file`, for the readers that need it on disk (dive, Trivy). */
  saveTo(ref: string, file: string): Promise<void>;
  manifests(ref: string, condaDir: string): Promise<Manifests>;
  measureStart(ref: string, ready: string, starts: number, opts: StartOptions): Promise<StartReport>;
}
