/**
 * How a test container counts as started, as values for KfcContainer: testcontainers' own strategies
 * where they fit (HTTP, log line, healthcheck), ours for "running" (no wait) and "exited" (run to the end).
 */
import './engine-env.ts';
import { Wait, type WaitStrategy } from 'testcontainers';

export const NOTEBOOK_PORT = 8888;

/** The readiness path of the image under test (images.yaml `test.ready`, passed by kfc test). */
export function readyPath(): string {
  return process.env.KFC_TEST_READY ?? '/api/status';
}

/** 200 on `path` (already under NB_PREFIX) of the notebook port; fails as soon as the container exits. */
export function httpReady(path: string, port = NOTEBOOK_PORT): WaitStrategy {
  return Wait.forHttp(path, port, { abortOnContainerExit: true }).forStatusCode(200);
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
  abstract waitUntilReady(container: EngineContainer): Promise<void>;
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
