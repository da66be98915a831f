/**
 * A user error: bad input, missing source, engine down, registry refusing. kfc prints it as one
 * line (where + what + fix) and exits non-zero, never with a stack trace.
 */
export class KfcError extends Error {
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, opts: { where?: string; hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'KfcError';
    this.where = opts.where;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 2;
  }

  /** The single line printed to the user. */
  line(): string {
    const where = this.where ? `${this.where}: ` : '';
    const hint = this.hint ? ` (fix: ${this.hint})` : '';
    return `kfc: error: ${where}${this.message}${hint}`;
  }
}

export function isKfcError(err: unknown): err is KfcError {
  return err instanceof KfcError;
}
