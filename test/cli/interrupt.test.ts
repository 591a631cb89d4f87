// Ctrl-C during `run` (exit 130, resumable) and live progress under a pseudo-terminal.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, BIN, fixture, json, ROOT, spawnTrellis, tempDir, trellis, waitForEvent } from './trellis.js'

const temp = tempDir()
const db = temp.db
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

describe('Ctrl-C', () => {
  it('stops run with exit 130, leaves the execution resumable, and resume completes it', async () => {
    const run = spawnTrellis(['run', fixture('slow.yaml'), '--id', 'ctrl-c', '--input', 'duration=3s', '--db', db])
    await waitForEvent(db, 'ctrl-c', (e) => e.type === 'step.started' && e.step === 'nap')
    run.child.kill('SIGINT')
    const result = await run.exited
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('trellis resume ctrl-c')
    expect(result.stderr).not.toMatch(/^\s+at /m)

    const status = json(await trellis(['status', 'ctrl-c', '--json', '--db', db]))
    expect(['running', 'pending']).toContain(status.status)
    expect(status.steps.before.status).toBe('completed')
    expect(status.steps.nap.status).not.toBe('failed')

    const resume = await trellis(['resume', 'ctrl-c', '--json', '--db', db])
    expect(resume.stderr).toBe('')
    expect(resume.code).toBe(0)
    const execution = json(resume)
    expect(execution).toMatchObject({ status: 'completed', outputs: { result: 'done' } })
    expect(execution.steps.before.attempts).toBe(1)
    expect(execution.steps.nap.attempts).toBe(2)
  })
})

describe('live progress on a terminal', () => {
  it('renders each step and its completed state under a pseudo-terminal', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run ${JSON.stringify(fixture('hello.yaml'))} --db ${JSON.stringify(db)}`
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', TERM: 'xterm-256color', COLUMNS: '100', LINES: '40' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, text }))
    })
    expect(output.code).toBe(0)
    // listr2's task list, not the plain lines written when stdout is not a terminal
    expect(output.text).toMatch(/greet completed \(1 attempt/)
    expect(output.text).toMatch(/shout completed \(1 attempt/)
    expect(output.text).not.toMatch(/step greet started/)
    expect(output.text).toMatch(/completed exec_\w+ \(hello\)/)
  })
})
