import { appendFileSync } from 'node:fs';

/**
 * Progress and log helpers for long family builds, in a form CI logs render well.
 *
 * On GitHub Actions (GITHUB_ACTIONS=true) a group becomes a collapsible `::group::`/`::endgroup::`
 * section and problems become `::error`/`::warning` annotations; elsewhere a group is a plain
 * `==> title` line, and its end line carries the elapsed time. Everything goes to one stream
 * (stderr by default) so that a command's stdout stays machine-readable (JSON, tag lists).
 *
 * Usage from a verb that builds a chain of images:
 *
 *   const log = ciLog();
 *   for (const node of chain) {
 *     await log.group(`build ${node.name}`, () => buildOne(node));
 *   }
 *
 * `progressMode()` gives the value for `docker buildx build --progress`: `plain` on CI (no TTY
 * redraws in a log file), `auto` on a terminal, unless the user chose one.
 */

interface LogSink {
  write(text: string): unknown;
}

export interface CiLogOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to process.stderr. */
  out?: LogSink;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export interface CiLog {
  /** True when running under GitHub Actions (annotations and groups are emitted). */
  readonly github: boolean;
  /** Opens a group; returns a function that closes it (idempotent). Groups do not nest on GitHub. */
  start(title: string): () => void;
  /** Runs fn inside a group, closing it even when fn throws; returns fn's result. */
  group<T>(title: string, fn: () => T | Promise<T>): Promise<T>;
  info(message: string): void;
  /** A warning; on GitHub an annotation that can point at a file and line. */
  warning(message: string, where?: AnnotationWhere): void;
  /** An error; on GitHub an annotation that can point at a file and line. */
  error(message: string, where?: AnnotationWhere): void;
  /** Masks a value in GitHub logs (`::add-mask::`); no-op elsewhere. */
  mask(value: string): void;
}

interface AnnotationWhere {
  file?: string;
  line?: number;
  title?: string;
}

function isGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** True on any CI (GitHub sets CI=true as well). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return isGithubActions(env) || (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0');
}

/**
 * The `--progress` value for BuildKit: an explicit choice wins; CI logs get `plain`; a terminal
 * gets `auto` (BuildKit draws its live view only on a TTY anyway).
 */
export function progressMode(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): 'plain' | 'tty' | 'auto' | 'quiet' | 'rawjson' {
  if (explicit) {
    if (
      explicit === 'plain' ||
      explicit === 'tty' ||
      explicit === 'auto' ||
      explicit === 'quiet' ||
      explicit === 'rawjson'
    )
      return explicit;
    throw new Error(`unknown progress mode "${explicit}" (use auto, plain, tty, quiet or rawjson)`);
  }
  return isCi(env) ? 'plain' : 'auto';
}

// GitHub workflow-command escaping: data escapes %, \r, \n; properties also : and ,.
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(kind: 'error' | 'warning', message: string, where?: AnnotationWhere): string {
  const props: string[] = [];
  if (where?.file) props.push(`file=${escapeProperty(where.file)}`);
  if (where?.line) props.push(`line=${where.line}`);
  if (where?.title) props.push(`title=${escapeProperty(where.title)}`);
  return `::${kind}${props.length ? ' ' + props.join(',') : ''}::${escapeData(message)}\n`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function ciLog(opts: CiLogOptions = {}): CiLog {
  const env = opts.env ?? process.env;
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? (() => Date.now());
  const github = isGithubActions(env);
  let open: string | undefined;

  const start = (title: string): (() => void) => {
    const t0 = now();
    const line = title.replace(/[\r\n]+/g, ' ');
    if (github) {
      // GitHub groups cannot nest: close the open one first so the log stays well formed.
      if (open !== undefined) out.write('::endgroup::\n');
      out.write(`::group::${line}\n`);
    } else {
      out.write(`==> ${line}\n`);
    }
    open = line;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const elapsed = seconds(now() - t0);
      if (github) {
        if (open === line) {
          out.write('::endgroup::\n');
          open = undefined;
        }
        out.write(`${line}: ${elapsed}\n`);
      } else {
        if (open === line) open = undefined;
        out.write(`<== ${line} (${elapsed})\n`);
      }
    };
  };

  return {
    github,
    start,
    async group<T>(title: string, fn: () => T | Promise<T>): Promise<T> {
      const end = start(title);
      try {
        return await fn();
      } finally {
        end();
      }
    },
    info(message: string) {
      out.write(message.endsWith('\n') ? message : message + '\n');
    },
    warning(message: string, where?: AnnotationWhere) {
      out.write(
        github
          ? annotation('warning', message, where)
          : `warning: ${where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : ''}${message}\n`,
      );
    },
    error(message: string, where?: AnnotationWhere) {
      out.write(
        github
          ? annotation('error', message, where)
          : `error: ${where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : ''}${message}\n`,
      );
    },
    mask(value: string) {
      if (github && value) out.write(`::add-mask::${escapeData(value)}\n`);
    },
  };
}

/**
 * Appends `name=value` to the file named by $GITHUB_OUTPUT (a step output). Values with newlines
 * use the heredoc form with a delimiter that cannot occur in the value. Returns false (and writes
 * nothing) outside GitHub Actions.
 */
export function setStepOutput(
  name: string,
  value: string,
  opts: { env?: NodeJS.ProcessEnv; append?: (file: string, text: string) => void } = {},
): boolean {
  const env = opts.env ?? process.env;
  const file = env.GITHUB_OUTPUT;
  if (!file) return false;
  const append = opts.append ?? defaultAppend;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`invalid step output name "${name}"`);
  if (!value.includes('\n')) {
    append(file, `${name}=${value}\n`);
  } else {
    let delim = 'KFC_EOF';
    while (value.includes(delim)) delim += '_';
    append(file, `${name}<<${delim}\n${value}\n${delim}\n`);
  }
  return true;
}

function defaultAppend(file: string, text: string): void {
  appendFileSync(file, text);
}
