// The CLI's surface that needs no database: version, help, usage errors (exit 2), validate, graph, serve,
// and how errors are printed (one sentence; a stack trace only with --verbose).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, fixture, ROOT, tempDir, trellis } from './trellis.js'

const temp = tempDir()
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

describe.concurrent('trellis: version, help and usage errors', () => {
  it('prints the version and exits 0', async () => {
    const result = await trellis(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('lists every command in --help', async () => {
    const result = await trellis(['--help'])
    expect(result.code).toBe(0)
    for (const command of [
      'run',
      'start',
      'worker',
      'resume',
      'retry',
      'pause',
      'cancel',
      'signal',
      'status',
      'events',
      'list',
      'validate',
      'graph',
      'serve',
      'gc',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
    }
  })

  it.each([
    ['an unknown command', ['frobnicate']],
    ['a missing argument', ['run']],
    ['an unknown option', ['list', '--colour']],
    ['--input without =', ['run', fixture('hello.yaml'), '--input', 'name']],
    ['--inputs that is not an object', ['run', fixture('hello.yaml'), '--inputs', '[1,2]']],
    ['--inputs that is not JSON', ['run', fixture('hello.yaml'), '--inputs', '{name:']],
    ['a bad --timeout', ['run', fixture('hello.yaml'), '--timeout', 'soon']],
    ['a bad --id', ['run', fixture('hello.yaml'), '--id', 'has space']],
    ['--limit 0', ['list', '--limit', '0']],
    ['an unknown --status', ['list', '--status', 'sleeping']],
    ['--data that is not JSON', ['signal', 'x', 'topic', '--data', '{oops']],
    ['a bad --older-than', ['gc', '--older-than', 'ages']],
    ['an unknown graph format', ['graph', fixture('hello.yaml'), '--format', 'svg']],
    ['--concurrency 0', ['worker', '--concurrency', '0']],
  ])('exits 2 for %s, creating nothing', async (_what, args) => {
    const db = join(temp.dir, 'usage.db')
    const result = await trellis([...args, '--db', db], { cwd: temp.dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/error/i)
    expect(result.stdout).toBe('')
    expect(existsSync(db)).toBe(false)
    expect(existsSync(join(temp.dir, '.trellis'))).toBe(false)
  })

  it('refuses serve on a host other than loopback without a token (exit 2), creating nothing', async () => {
    const db = join(temp.dir, 'serve.db')
    const result = await trellis(['serve', '--host', '0.0.0.0', '--port', '0', '--db', db], { cwd: temp.dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/without a token/)
    expect(existsSync(db)).toBe(false)
  })
})

describe.concurrent('trellis validate', () => {
  it('exits 0 for a valid definition', async () => {
    const scale = join(ROOT, 'test/fixtures/scale')
    const result = await trellis([
      'validate',
      '--actions',
      join(scale, 'actions.mjs'),
      fixture('hello.yaml'),
      join(scale, 'slow.yaml'),
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('hello.yaml: ok (workflow hello, 2 steps)')
    expect(result.stdout).toContain('slow.yaml: ok (workflow slow, 1 step)')
  })

  it('reports every problem of every file with file:line:column and exits 2', async () => {
    const result = await trellis([
      'validate',
      fixture('invalid.yaml'),
      fixture('hello.yaml'),
      fixture('also-invalid.yaml'),
    ])
    expect(result.code).toBe(2)
    // invalid.yaml: the misspelt need (line 8), the unknown action and the bad timeout (lines 11 and 12)
    expect(result.stderr).toMatch(/invalid\.yaml:8:\d+ .*frist/)
    expect(result.stderr).toMatch(/invalid\.yaml:11:\d+ .*no\.such\.action/)
    expect(result.stderr).toMatch(/invalid\.yaml:12:\d+ .*timeout/)
    expect(result.stderr).toMatch(/also-invalid\.yaml:6:\d+ .*colour/)
    expect(result.stdout).toContain('hello.yaml: ok')
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('reports actions it does not know, and knows those of --actions modules', async () => {
    const without = await trellis(['validate', fixture('custom.yaml')])
    expect(without.code).toBe(2)
    expect(without.stderr).toMatch(/custom\.yaml:\d+:\d+ .*shout/)
    expect(without.stderr).toMatch(/test\.tag/)

    const withActions = await trellis(['validate', fixture('custom.yaml'), '--actions', fixture('actions.ts')])
    expect(withActions.stderr).toBe('')
    expect(withActions.code).toBe(0)
  })

  it('prints no stack trace without --verbose, and one with it', async () => {
    const plain = await trellis(['run', fixture('no-such-file.yaml'), '--db', join(temp.dir, 'x.db')])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain('no-such-file.yaml')
    expect(plain.stderr).not.toMatch(/^\s+at /m)

    const verbose = await trellis(['run', fixture('no-such-file.yaml'), '--db', join(temp.dir, 'x.db'), '--verbose'])
    expect(verbose.code).toBe(2)
    expect(verbose.stderr).toMatch(/^\s+at /m)
  })

  it('says why an --actions module cannot be loaded, in one sentence (exit 2)', async () => {
    const result = await trellis(['validate', fixture('hello.yaml'), '--actions', fixture('missing-actions.ts')])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/missing-actions\.ts/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })
})

describe.concurrent('trellis graph', () => {
  it('prints mermaid by default', async () => {
    const result = await trellis(['graph', fixture('hello.yaml')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^(flowchart|graph) /)
    expect(result.stdout).toMatch(/greet/)
    expect(result.stdout).toMatch(/shout/)
    expect(result.stdout).toMatch(/-->/)
  })

  it('prints dot with --format dot', async () => {
    const result = await trellis(['graph', fixture('hello.yaml'), '--format', 'dot'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/digraph/)
    expect(result.stdout).toMatch(/"?greet"?\s*->\s*"?shout"?/)
  })

  it('exits 2 with the problems of an invalid definition', async () => {
    const result = await trellis(['graph', fixture('invalid.yaml')])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/invalid\.yaml:8:\d+/)
  })
})
