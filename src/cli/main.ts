import { Command, CommanderError } from 'commander';
import { isKfcError } from '../errors.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerRefereeCommands } from './commands/referees.ts';

/** Verbs that need only the catalog: the engine, report and publish modules are not loaded for them. */
const CATALOG_VERBS = new Set(['generate', 'check', 'lint', 'list', 'tree', 'hadolint']);

/** The verb of an argv (skipping global options), to load only the command modules it needs. */
export function verbOf(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--root') i++;
    else if (!args[i]!.startsWith('-')) return args[i];
  }
  return undefined;
}

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('kfc')
    .description('Compose, build, test and publish the kubeflow-containers image family')
    .option('--root <dir>', 'repository root (default: the nearest folder with images.yaml)')
    // Usage errors (unknown verb or option, missing argument) in kfc's one-line form too.
    .configureOutput({
      outputError: (str, write) =>
        write(
          `kfc: error: ${str
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')} (fix: run kfc --help for usage)\n`,
        ),
    })
    .exitOverride();
  registerCatalogCommands(program);
  registerRefereeCommands(program);
  if (!CATALOG_VERBS.has(verbOf(argv) ?? '')) {
    const [engine, publish, report, nodePull] = await Promise.all([
      import('./commands/engine.ts'),
      import('./commands/publish.ts'),
      import('./commands/report.ts'),
      import('./commands/node-pull.ts'),
    ]);
    engine.registerEngineCommands(program);
    publish.registerPublishCommands(program);
    nodePull.registerNodePullCommand(program);
    report.registerReportCommands(program);
    (await import('./commands/python.ts')).registerPythonCommands(program);
  }
  return program;
}

/** Runs kfc; returns the exit code. User errors print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
