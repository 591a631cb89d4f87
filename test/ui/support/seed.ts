import Database from 'better-sqlite3'
import { createEngine } from '../../../src/create-engine.js'
import { loadWorkflow, type Workflow } from '../../../src/definition/index.js'

/** The seeded test's data: a few hundred steps in one workflow, thousands of executions in the list. */

export const BIG_WORKFLOW = 'big-300'
export const BIG_EXECUTION = 'big-300-run'
export const SMALL_WORKFLOWS = ['seed-alpha', 'seed-beta', 'seed-gamma'] as const

/**
 * A workflow of `layers` × `width` steps: each step needs the step above it and the one above-right, so the
 * graph is a dense lattice. One step in layer 20 waits for the signal `go`, which holds back everything
 * downstream of it; a few steps fail their first attempt and are retried.
 */
export function bigWorkflowSource(layers = 30, width = 10): string {
  const lines = [
    'trellis: 1',
    `name: ${BIG_WORKFLOW}`,
    'description: A lattice of 300 steps, for the seeded UI test.',
    'steps:',
  ]
  for (let layer = 0; layer < layers; layer++) {
    for (let col = 0; col < width; col++) {
      const name = `s${String(layer).padStart(2, '0')}_${col}`
      lines.push(`  ${name}:`)
      if (layer > 0) {
        const above = (c: number) => `s${String(layer - 1).padStart(2, '0')}_${c % width}`
        lines.push(`    needs: [${above(col)}, ${above(col + 1)}]`)
      }
      if (layer === 20 && col === 4) {
        lines.push('    wait: { signal: go }')
      } else if (layer % 7 === 3 && col === 2) {
        lines.push('    action: core.fail', '    with: { attempts: 1 }', '    retry: { max_attempts: 2, delay: 10ms }')
      } else {
        lines.push('    action: core.echo', `    with: { value: "${name}" }`)
      }
    }
  }
  return `${lines.join('\n')}\n`
}

export function smallWorkflowSource(name: string): string {
  return [
    'trellis: 1',
    `name: ${name}`,
    'steps:',
    '  fetch: { action: core.echo, with: { value: 1 } }',
    '  transform: { needs: [fetch], action: core.echo, with: { value: 2 } }',
    '  store: { needs: [transform], action: core.echo, with: { value: 3 } }',
    '',
  ].join('\n')
}

/**
 * Writes the seeded test's data into the SQLite file `db` before any server opens it: runs the big workflow
 * until it waits for its signal (real events, a real partly-done graph), then creates `count` executions of
 * the small workflows through the store and marks them ended in one statement (so no worker picks them up).
 */
export async function seedDatabase(db: string, count: number): Promise<void> {
  const engine = await createEngine({ db })
  try {
    const big = loadWorkflow({ text: bigWorkflowSource(), file: null })
    await engine.start(big, {}, { id: BIG_EXECUTION })
    const deadline = Date.now() + 30_000
    while ((await engine.get(BIG_EXECUTION)).status !== 'suspended') {
      if (Date.now() > deadline) throw new Error('the big execution did not reach its wait step in 30 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    const small: Workflow[] = SMALL_WORKFLOWS.map((name) =>
      loadWorkflow({ text: smallWorkflowSource(name), file: null }),
    )
    const base = Date.now() - count * 1_000 - 60_000
    for (let i = 0; i < count; i++) {
      await engine.store.createExecution({
        id: `seed-${String(i).padStart(5, '0')}`,
        workflow: small[i % small.length]!,
        inputs: {},
        createdAt: base + i * 1_000,
      })
    }
  } finally {
    await engine.close()
  }
  const sqlite = new Database(db)
  try {
    sqlite
      .prepare(
        `UPDATE executions SET
           status = CASE WHEN rowid % 10 < 7 THEN 'completed' WHEN rowid % 10 < 9 THEN 'failed' ELSE 'cancelled' END,
           started_at = created_at + 50,
           completed_at = created_at + 50 + (rowid % 37) * 250,
           updated_at = created_at + 50 + (rowid % 37) * 250
         WHERE id LIKE 'seed-%'`,
      )
      .run()
  } finally {
    sqlite.close()
  }
}
