import type { Command } from 'commander'
import type { ExecutionStatus, ExecutionSummary } from '../../store/index.js'
import { formatDuration } from '../../util/index.js'
import type { Cli } from '../cli.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addDbOption, addJsonOption, intArg, statusArg, type DbOptions } from '../options.js'
import { withStore } from '../session.js'
import { table } from '../status-view.js'

interface ListOptions extends DbOptions {
  readonly json?: boolean
  readonly status?: ExecutionStatus
  readonly workflow?: string
  readonly limit?: number
}

/** `trellis list`: executions, newest first. Never creates a database. */
export function registerList(program: Command, cli: Cli): void {
  const command = program
    .command('list')
    .description('list executions, newest first')
    .option('--status <status>', 'only executions with this status', statusArg)
    .option('--workflow <name>', 'only executions of this workflow')
    .option('--limit <n>', 'at most this many (default 50)', intArg(1))
  addJsonOption(command, 'a JSON array of execution summaries')
  addDbOption(command)
  command.action(async (options: ListOptions) => {
    const summaries = await withStore(
      options,
      () => [],
      (store) =>
        store.listExecutions({
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
          limit: options.limit ?? 50,
        }),
    )
    if (options.json === true) {
      // Loaded here: read commands start without the engine's modules unless they print wire JSON.
      const { toWireSummary } = await import('../../engine/index.js')
      cli.io.json(summaries.map(toWireSummary))
    } else if (summaries.length > 0) cli.io.out(listTable(summaries))
    cli.exit(EXIT_CODE.ok)
  })
}

function listTable(summaries: readonly ExecutionSummary[]): string {
  const rows = [['ID', 'WORKFLOW', 'STATUS', 'CREATED', 'DURATION']]
  for (const s of summaries) {
    const took = s.startedAt !== null && s.completedAt !== null ? formatDuration(s.completedAt - s.startedAt) : '-'
    rows.push([s.id, s.workflow, s.status, new Date(s.createdAt).toISOString(), took])
  }
  return table(rows).join('\n')
}
