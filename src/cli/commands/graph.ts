import { Option, type Command } from 'commander'
import type { Cli } from '../cli.js'
import { loadDefinition, renderGraph } from '../definitions.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addCommonOptions, type CommonOptions } from '../options.js'

interface GraphOptions extends CommonOptions {
  readonly format: 'mermaid' | 'dot'
}

/** `trellis graph FILE`: print the step graph (mermaid by default, or Graphviz dot). */
export function registerGraph(program: Command, cli: Cli): void {
  const command = program
    .command('graph')
    .description('print the step graph of a workflow')
    .argument('<file>', 'the workflow definition (YAML or JSON)')
    .addOption(new Option('--format <format>', 'graph language').choices(['mermaid', 'dot']).default('mermaid'))
  addCommonOptions(command)
  command.action(async (file: string, options: GraphOptions) => {
    // Actions are not checked: drawing needs no --actions modules.
    const workflow = await loadDefinition(file, null)
    cli.io.out((await renderGraph(workflow, options.format)).trimEnd())
    cli.exit(EXIT_CODE.ok)
  })
}
