// docs/human-approval.md, executed: every `npx trellis` command of its bash blocks, in order (as `node
// bin/trellis.js`, which is what npx runs), in a fresh directory with the default database; each output fact the page
// quotes must appear both on the page and in what the command printed.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadWorkflowFile } from '../../src/definition/index.js'
import { createTestEngine, FakeClock } from '../../src/testing/index.js'
import { assertBuilt, ROOT, spawnTrellis, tempDir, trellis, waitForEvent, type Result } from './trellis.js'

const DOC = readFileSync(join(ROOT, 'docs/human-approval.md'), 'utf8')
const EXAMPLE = join(ROOT, 'examples/approval.yaml')
const temp = tempDir('trellis-approval-')
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

/** Splits a shell command line into words: '…' and "…" quoting, no escapes or variables (the page uses none). */
function shellWords(line: string): string[] {
  const words: string[] = []
  for (const match of line.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)) {
    words.push(match[0].replace(/'([^']*)'|"([^"]*)"/g, (_, single?: string, double?: string) => single ?? double!))
  }
  return words
}

/** The `npx trellis …` lines of the page's bash blocks, as argument lists. */
function documentedCommands(): string[][] {
  const blocks = [...DOC.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('npx trellis '))
    .map((line) => shellWords(line).slice(2))
}

/** A fact the page quotes: it must be on the page and in the command's output. */
function expectFact(result: Pick<Result, 'stdout'>, fact: string): void {
  expect(DOC, 'the page quotes it').toContain(fact)
  expect(result.stdout, 'the command printed it').toContain(fact)
}

describe('docs/human-approval.md', () => {
  it('documents these commands, in this order', () => {
    expect(documentedCommands()).toEqual([
      ['run', 'examples/approval.yaml', '--id', 'deploy-42', '--input', 'change=v2.3 to production'],
      ['status', 'deploy-42'],
      ['signal', 'deploy-42', 'approval', '--data', '{"by":"ann"}'],
      ['status', 'deploy-42'],
    ])
  })

  it('start it, see it waiting, signal it, see it finish: as the page says', async () => {
    const [run, waiting, signal, done] = documentedCommands() as [string[], string[], string[], string[]]
    mkdirSync(join(temp.dir, 'examples'))
    copyFileSync(EXAMPLE, join(temp.dir, 'examples/approval.yaml'))
    const cwd = temp.dir
    const db = join(cwd, '.trellis/trellis.db') // the default database, in the directory the commands run in

    const attached = spawnTrellis(run, { cwd })
    await waitForEvent(db, 'deploy-42', (e) => e.type === 'execution.suspended')

    const status = await trellis(waiting, { cwd })
    expect(status.code).toBe(0)
    expectFact(status, 'deploy-42  approval  suspended')
    expectFact(status, 'approve   waiting    0         -')

    const signalled = await trellis(signal, { cwd })
    expect(signalled.stderr).toBe('')
    expect(signalled.code).toBe(0)
    expectFact(signalled, 'signal "approval" delivered to deploy-42 (event 6)')

    const finished = await attached.exited
    expect(finished.stderr).toBe('')
    expect(finished.code).toBe(0)
    expectFact(finished, 'step approve waiting for signal "approval" until')
    expectFact(finished, 'execution suspended, waiting on approve')
    expectFact(finished, 'execution resumed (was suspended)')
    expectFact(finished, 'step escalate skipped (upstream)')
    expectFact(finished, 'completed deploy-42 (approval) in')
    expectFact(finished, 'outputs: {"approved":true,"result":"v2.3 to production approved by ann"}')

    const after = await trellis(done, { cwd })
    expect(after.code).toBe(0)
    expectFact(after, 'deploy-42  approval  completed in')
    expectFact(after, 'approve   completed  0')
    expectFact(after, 'output {"by":"ann"}')
    expectFact(after, 'apply     completed  1')
    expectFact(after, 'escalate  skipped    0         -')
  })

  it('when nobody answers within two days it escalates, and still completes (fake clock)', async () => {
    expect(DOC).toContain('`on_timeout` runs `escalate` instead')
    const clock = new FakeClock()
    const t = await createTestEngine({ clock, leaseMs: 3 * 86_400_000 })
    try {
      const workflow = await loadWorkflowFile(EXAMPLE)
      const handle = await t.engine.start(workflow, { change: 'v2.3 to production' }, { id: 'deploy-43' })
      await t.until('execution.suspended')
      await clock.advance(2 * 86_400_000 - 1)
      expect((await t.engine.get(handle.id)).status).toBe('suspended')
      await clock.advance(1)
      const execution = await handle.result()
      expect(execution).toMatchObject({
        status: 'completed',
        outputs: { approved: false, result: 'nobody approved v2.3 to production within 2 days' },
      })
      expect(execution.steps.approve).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } })
      expect(execution.steps.apply?.status).toBe('skipped')
    } finally {
      await t.close()
    }
  })
})
