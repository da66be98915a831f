/**
 * A test container started the Kubeflow way: NB_PREFIX set, port 8888 published on a port the
 * engine picks, the home as a volume, files copied in before it starts, our run labels on it.
 */
import './engine-env.ts';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { armCleanup, runLabels } from './cleanup.ts';
import { ENGINE_HOST } from './engine-env.ts';
import { NOTEBOOK_PORT } from './waits.ts';

/** The engine API's HostConfig fields the suites set (merged over what KfcContainer sets). */
export interface HostConfig {
  Binds?: string[];
  Mounts?: Array<{
    Type: 'bind' | 'volume' | 'tmpfs';
    Source?: string;
    Target: string;
    ReadOnly?: boolean;
    VolumeOptions?: { NoCopy?: boolean };
  }>;
  Tmpfs?: Record<string, string>;
  GroupAdd?: string[];
  /** Capabilities dropped (`--cap-drop`), e.g. ['ALL'] as a Kubernetes securityContext drops them. */
  CapDrop?: string[];
  /** e.g. ['no-new-privileges'] (`allowPrivilegeEscalation: false`). */
  SecurityOpt?: string[];
  ReadonlyRootfs?: boolean;
  DeviceRequests?: Array<{
    Driver?: string;
    Count?: number;
    DeviceIDs?: string[];
    Capabilities?: string[][];
    Options?: Record<string, string>;
  }>;
}

export interface ContainerFile {
  /** Absolute path in the container; its parent folder must exist in the image. */
  path: string;
  content: string | Buffer;
  /** Permission bits, 0o644 by default. */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A tar of files at their absolute paths (like `docker cp`, with owners and modes). */
async function tarOf(files: ContainerFile[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) {
    if (!f.path.startsWith('/')) throw new Error(`files: ${f.path} is not absolute`);
    const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
    pack.entry(
      { name: f.path.slice(1), mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, mtime: new Date() },
      content,
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The loopback for a local engine (nothing else can reach the notebook), every interface for a remote one. */
function publishIp(): string {
  return ENGINE_HOST.startsWith('unix:') ? '127.0.0.1' : '';
}

export class KfcContainer extends GenericContainer {
  private files: ContainerFile[] = [];
  private extraHostConfig: HostConfig = {};
  private published = false;
  private imageHealthcheck = false;
  /** Set once the engine has made the container (also when start() then fails). */
  id: string | undefined;
  /** When the engine was asked to start it (Date.now()). */
  startedAt = 0;

  constructor(image: string) {
    super(image);
    this.withLabels(runLabels());
  }

  /** NB_PREFIX and the notebook port, as Kubeflow's notebook controller sets them. */
  withNotebook(prefix: string): this {
    this.published = true;
    return this.withEnvironment({ NB_PREFIX: prefix }).withExposedPorts(NOTEBOOK_PORT);
  }

  /** A named volume as the home (no copy of the image's home into it: Kubeflow mounts a PVC). */
  withHomeVolume(volume: string): this {
    const mounts = this.extraHostConfig.Mounts ?? [];
    mounts.push({ Type: 'volume', Source: volume, Target: '/home/jovyan', VolumeOptions: { NoCopy: true } });
    this.extraHostConfig.Mounts = mounts;
    return this;
  }

  /**
   * Keeps the image's HEALTHCHECK running. Off by default, as under Kubernetes, which never runs it: each check
   * is a process started in the container every 5 s (0.13 CPU-s for kfc-healthcheck alone, plus the engine's
   * exec), load that only the suites checking the healthcheck need.
   */
  withImageHealthcheck(): this {
    this.imageHealthcheck = true;
    return this;
  }

  /** A terminal on the container's stdin/stdout/stderr (`docker run -t`): its logs are one stream. */
  withTty(): this {
    this.createOpts.Tty = true;
    return this;
  }

  withFiles(files: ContainerFile[]): this {
    this.files.push(...files);
    return this;
  }

  /** Engine HostConfig fields, set over the ones above (e.g. `Mounts: []` drops the home volume). */
  withHostConfig(hostConfig: HostConfig): this {
    this.extraHostConfig = { ...this.extraHostConfig, ...hostConfig };
    return this;
  }

  protected override async containerCreated(id: string): Promise<void> {
    this.id = id;
    this.startedAt = Date.now();
  }

  override async start(): Promise<StartedTestContainer> {
    await armCleanup();
    if (this.files.length > 0) {
      this.withCopyArchivesToContainer([{ tar: Readable.from([await tarOf(this.files)]), target: '/' }]);
    }
    if (this.published) {
      this.hostConfig.PortBindings = { [`${NOTEBOOK_PORT}/tcp`]: [{ HostIp: publishIp(), HostPort: '0' }] };
    }
    Object.assign(this.hostConfig, this.extraHostConfig);
    // The engine API's way to say `docker run --no-healthcheck`.
    if (!this.imageHealthcheck) this.createOpts.Healthcheck = { Test: ['NONE'] };
    return super.start();
  }
}
