/**
 * How a test container counts as started, as values for KfcContainer: testcontainers' own strategies
 * where they fit (HTTP, log line, healthcheck), ours for "running" (no wait) and "exited" (run to the end).
 */
import './engine-env.ts';
import { type BoundPorts, getContainerRuntimeClient, Wait, type WaitStrategy } from 'testcontainers';
import { poll } from '../engine/poll.ts';
import { ContainerHandle } from './engine-objects.ts';

export const NOTEBOOK_PORT = 8888;

/** The readiness path of the image under test (images.yaml `test.ready`, passed by kfc test). */
export function readyPath(): string {
  return process.env.KFC_TEST_READY ?? '/api/status';
}

/**
 * 200 on `path` (already under NB_PREFIX) of the notebook port; fails as soon as the container exits,
 * with its logs. Ours, not Wait.forHttp: that one polls only as often as its read timeout, and
 * start-to-ready is a figure we report (polled every 100 ms, each answer given 1.5 s).
 */
export function httpReady(path: string, port = NOTEBOOK_PORT): WaitStrategy {
  return new HttpReady(path, port);
}

/** A line of the container's log matching `line` (`times` times). */
export function logLine(line: string | RegExp, times = 1): WaitStrategy {
  return Wait.forLogMessage(line, times);
}

/** The image's HEALTHCHECK reports healthy. */
export function healthy(): WaitStrategy {
  return Wait.forHealthCheck();
}

type EngineContainer = Parameters<WaitStrategy['waitUntilReady']>[0];

/** A strategy with a startup timeout; `until` gets the container and the timeout. */
abstract class TimedWait implements WaitStrategy {
  protected timeoutMs = 60_000;
  private timeoutSet = false;
  abstract waitUntilReady(container: EngineContainer, boundPorts?: BoundPorts): Promise<void>;
  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

class Running extends TimedWait {
  async waitUntilReady(): Promise<void> {}
}

class Exited extends TimedWait {
  async waitUntilReady(container: EngineContainer): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not end within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    await Promise.race([container.wait(), timeout]).finally(() => clearTimeout(timer));
  }
}

/** No wait: started is enough (the test polls what it needs itself). */
export function running(): WaitStrategy {
  return new Running();
}

/** The container ran to its end, whatever its exit code (the caller reads it). */
export function exited(): WaitStrategy {
  return new Exited();
}

class HttpReady extends TimedWait {
  constructor(
    private readonly path: string,
    private readonly port: number,
  ) {
    super();
  }

  async waitUntilReady(container: EngineContainer, boundPorts?: BoundPorts): Promise<void> {
    if (!boundPorts) throw new Error('httpReady: the container publishes no port');
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    const url = `http://${host}:${boundPorts.getBinding(this.port)}${this.path}`;
    let last = '';
    const ready = await poll(
      async () => {
        const state = (await container.inspect()).State;
        if (!state.Running) {
          const { stdout, stderr } = await new ContainerHandle(container.id).logs();
          throw new Error(
            `container exited (${state.ExitCode}) before it was ready:\n${(stdout + stderr).slice(-3000)}`,
          );
        }
        try {
          const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1500) });
          await r.arrayBuffer();
          if (r.status === 200) return true;
          last = `HTTP ${r.status}`;
        } catch (e) {
          last = (e as Error).message;
        }
        return undefined;
      },
      { timeoutMs: this.timeoutMs, intervalMs: 100 },
    );
    if (!ready) {
      const { stdout, stderr } = await new ContainerHandle(container.id).logs();
      throw new Error(
        `${this.path} not ready after ${this.timeoutMs} ms (${last}); logs:\n${(stdout + stderr).slice(-3000)}`,
      );
    }
  }
}
