import { Command, CommanderError } from 'commander';
import { isKfcError } from '../errors.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerEngineCommands } from './commands/engine.ts';
import { registerPublishCommands } from './commands/publish.ts';
import { registerReportCommands } from './commands/report.ts';

export function buildProgram(): Command {
  const program = new Command('kfc')
    .description('Compose, build, test and publish the kubeflow-containers image family')
    .option('--root <dir>', 'repository root (default: the nearest folder with images.yaml)')
    .showHelpAfterError('(run kfc --help for usage)')
    .exitOverride();
  registerCatalogCommands(program);
  registerEngineCommands(program);
  registerPublishCommands(program);
  registerReportCommands(program);
  return program;
}

/** Runs kfc; returns the exit code. User errors print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or help/version, exit 0).
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isKfcError(err)) {
      process.stderr.write(err.line() + '\n');
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`kfc: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.KFC_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    else process.stderr.write('kfc: set KFC_DEBUG=1 for the stack trace, and please report it\n');
    return 70;
  }
}
