import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { loadDefinition } from '../definitions.js'
import { renderError } from '../errors.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addActionsOption, addCommonOptions, type ActionsOptions, type CommonOptions } from '../options.js'
import { loadActions } from '../session.js'

interface ValidateOptions extends CommonOptions, ActionsOptions {}

/** `trellis validate FILE…`: every problem of every file, each with file:line:column; exit 0 or 2. */
export function registerValidate(program: Command, cli: Cli): void {
  const command = program
    .command('validate')
    .description('check workflow definitions; prints every problem with file:line:column')
    .argument('<files...>', 'workflow definitions (YAML or JSON)')
  addActionsOption(command)
  addCommonOptions(command)
  command.action(async (files: string[], options: ValidateOptions) => cli.exit(await validate(files, options, cli)))
}

async function validate(files: readonly string[], options: ValidateOptions, { io }: Cli): Promise<number> {
  // Actions from --actions are known; any other name that is not a built-in is reported as unknown.
  const actions = await loadActions(options.actions)
  let invalid = 0
  for (const file of files) {
    try {
      const workflow = await loadDefinition(file, actions)
      const steps = Object.keys(workflow.steps).length
      io.out(`${file}: ok (workflow ${workflow.name}, ${steps} step${steps === 1 ? '' : 's'})`)
    } catch (error) {
      invalid += 1
      io.err(renderError(error, options.verbose === true))
    }
  }
  if (files.length > 1 && invalid > 0) io.err(`${invalid} of ${files.length} files invalid`)
  return invalid === 0 ? EXIT_CODE.ok : EXIT_CODE.usage
}
