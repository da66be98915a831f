import type { Command } from 'commander';
import { KfcError } from '../../errors.ts';

/** Engine verbs; filled in by the engine layer. */
export function registerEngineCommands(program: Command): void {
  for (const verb of ['build', 'tag', 'push', 'pull', 'dev', 'test', 'base', 'doctor']) {
    program
      .command(verb)
      .description(`${verb} (engine verb)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => {
        throw new KfcError(`kfc ${verb} is not available yet`, { hint: 'see the engine issue' });
      });
  }
}
