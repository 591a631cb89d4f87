import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadWorkflowFile } from './load.js'
import { DefinitionError, formatProblems } from './problems.js'

// workflow-format.md, "Steps": `workflow:` may name a file (`./x.yaml`, `../x.yaml`) relative to the file naming
// it; loadWorkflowFile loads such files with the parent into `children`, keyed by the reference as written.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const fixture = (name: string): string => relative(process.cwd(), join(fixtures, name))

async function rejection(path: string): Promise<DefinitionError> {
  try {
    await loadWorkflowFile(path)
  } catch (error) {
    if (error instanceof DefinitionError) return error
    throw error
  }
  throw new Error(`expected ${path} to be refused`)
}

describe('loadWorkflowFile', () => {
  it('loads child workflow files recursively, keyed by the reference as written', async () => {
    const parent = await loadWorkflowFile(fixture('parent.yaml'))
    expect(parent.file).toBe(fixture('parent.yaml'))
    expect(Object.keys(parent.children)).toEqual(['./child.yaml', './sub/grandchild.yaml'])
    const child = parent.children['./child.yaml']!
    expect(child).toMatchObject({ name: 'child', file: fixture('child.yaml') })
    expect(Object.keys(child.children)).toEqual(['./sub/grandchild.yaml'])
    expect(child.children['./sub/grandchild.yaml']).toEqual(parent.children['./sub/grandchild.yaml'])
    expect(parent.children['./sub/grandchild.yaml']).toMatchObject({ name: 'grandchild', children: {} })
    expect(JSON.parse(JSON.stringify(parent))).toEqual(parent)
  })

  it('loads JSON files, with locations in their problems', async () => {
    const hello = await loadWorkflowFile(fixture('hello.json'))
    expect(hello.steps.later).toMatchObject({ kind: 'sleep', sleep: 5, needs: ['greet'] })
    const dir = mkdtempSync(join(tmpdir(), 'trellis-json-'))
    writeFileSync(
      join(dir, 'bad.json'),
      '{\n  "trellis": 1,\n  "name": "bad",\n  "steps": { "a": { "action": "x", "retry": { "max_attempts": 0 } } }\n}\n',
    )
    const error = await rejection(join(dir, 'bad.json'))
    expect(error.problems.map((p) => [p.path, p.loc?.line, p.loc?.column])).toEqual([
      ['steps.a.retry.max_attempts', 4, 63],
    ])
  })

  it('reports JSON syntax errors in .json files as JSON, with their position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-json-'))
    writeFileSync(join(dir, 'broken.json'), '{\n  "trellis": 1,\n  "name": "x",\n}\n')
    const error = await rejection(join(dir, 'broken.json'))
    expect(error.problems).toEqual([
      {
        path: '',
        message: 'JSON: Expected double-quoted property name',
        loc: { file: join(dir, 'broken.json'), line: 4, column: 1 },
      },
    ])
  })

  it('reports a missing child file at the step that names it', async () => {
    const error = await rejection(fixture('missing-child.yaml'))
    expect(error.problems).toEqual([
      {
        path: 'steps.call.workflow',
        message: 'cannot read workflow file ./does-not-exist.yaml: no such file',
        loc: { file: fixture('missing-child.yaml'), line: 5, column: 15 },
      },
    ])
  })

  it('reports child files that include each other at the step that closes the loop', async () => {
    const error = await rejection(fixture('loop-a.yaml'))
    expect(error.problems).toEqual([
      {
        path: 'steps.call-back.workflow',
        message: `workflow files include each other: ${fixture('loop-a.yaml')} -> ${fixture('loop-b.yaml')} -> ${fixture('loop-a.yaml')}`,
        loc: { file: fixture('loop-b.yaml'), line: 8, column: 15 },
      },
    ])
  })

  it('reports the problems of a child file in that file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-children-'))
    writeFileSync(
      join(dir, 'main.yaml'),
      'trellis: 1\nname: main\nsteps:\n  a: { workflow: ./kid.yaml }\n  b: { workflow: ./kid.yaml }\n',
    )
    writeFileSync(join(dir, 'kid.yaml'), 'trellis: 1\nname: kid\nsteps:\n  x: { action: x, needs: [y] }\n')
    const error = await rejection(join(dir, 'main.yaml'))
    expect(formatProblems(error.problems)).toBe(
      [
        `${join(dir, 'kid.yaml')}: 1 problem`,
        `  ${join(dir, 'kid.yaml')}:4:27  steps.x.needs[0]: unknown step "y" (did you mean "x"?)`,
      ].join('\n'),
    )
    expect(error.message.split('\n')[0]).toBe(`${join(dir, 'main.yaml')}: 1 problem`)
  })

  it('refuses a file that cannot be read', async () => {
    const error = await rejection(fixture('nope.yaml'))
    expect(error.problems).toEqual([
      { path: '', message: `cannot read ${fixture('nope.yaml')}: no such file`, loc: null },
    ])
  })

  it('passes isKnownAction and isKnownWorkflow on to child files', async () => {
    await expect(
      loadWorkflowFile(fixture('parent.yaml'), { isKnownAction: (name) => name === 'core.echo' }),
    ).rejects.toThrow('steps.done.action: unknown action "core.noop"')
  })
})
