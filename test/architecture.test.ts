import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The dependency table of ARCHITECTURE.md, made executable: which module may import which, which packages each
 * may use, entry points only across modules, and no cycles.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  util: [],
  expressions: ['util'],
  definition: ['util', 'expressions'],
  events: ['util'],
  actions: ['util'],
  store: ['util', 'events', 'definition'],
  'store/sql': ['store', 'util', 'events', 'definition'],
  'store/sqlite': ['store', 'store/sql', 'events', 'util', 'definition'],
  'store/postgres': ['store', 'store/sql', 'events', 'util', 'definition'],
  engine: ['util', 'expressions', 'definition', 'events', 'actions', 'store'],
  worker: ['util', 'events', 'store', 'engine'],
  composition: ['store', 'store/sqlite', 'store/postgres', 'engine', 'worker', 'actions', 'util', 'definition'],
  server: ['util', 'events', 'definition', 'store', 'engine', 'actions', 'expressions'],
  testing: ['util', 'events', 'store', 'store/sqlite', 'engine', 'worker', 'actions'],
  cli: [
    'util',
    'expressions',
    'definition',
    'events',
    'actions',
    'store',
    'engine',
    'worker',
    'server',
    'composition',
    'testing',
  ],
  index: [
    'util',
    'expressions',
    'definition',
    'events',
    'actions',
    'store',
    'engine',
    'worker',
    'composition',
    'testing',
  ],
}

/** Third-party packages and the only modules that may import them (packages not listed are free to use). */
const PACKAGE_OWNERS: Record<string, readonly string[]> = {
  '@marcbachmann/cel-js': ['expressions'],
  yaml: ['definition'],
  zod: ['definition', 'server'],
  kysely: ['store/sql', 'store/sqlite', 'store/postgres'],
  'better-sqlite3': ['store/sqlite'],
  pg: ['store/postgres'],
  hono: ['server'],
  '@hono/node-server': ['server'],
  commander: ['cli'],
  listr2: ['cli'],
  pino: ['cli', 'server'],
  tsx: ['actions'],
}

const SRC = resolve(import.meta.dirname, '../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

function moduleOf(file: string): string {
  const parts = relative(SRC, file).split('/')
  if (parts.length === 1) {
    const name = parts[0]!.replace(/\.ts$/, '')
    return name === 'index' ? 'index' : 'composition'
  }
  if (parts[0] === 'store' && parts.length > 2 && ['sql', 'sqlite', 'postgres'].includes(parts[1]!))
    return `store/${parts[1]}`
  return parts[0]!
}

function isEntryPoint(file: string, module: string): boolean {
  if (module === 'composition' || module === 'index') return true
  return relative(SRC, file) === `${module}/index.ts`
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers: string[] = []
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g))
    specifiers.push(match[1]!)
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!)
  return specifiers
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
}

describe('architecture', () => {
  const files = sourceFiles(SRC)
  const edges = new Map<string, Set<string>>()
  const violations: string[] = []

  for (const file of files) {
    const from = moduleOf(file)
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('node:')) continue
      if (!specifier.startsWith('.')) {
        const owners = PACKAGE_OWNERS[packageName(specifier)]
        if (owners !== undefined && !owners.includes(from)) {
          violations.push(`${relative(SRC, file)}: package "${specifier}" belongs to ${owners.join(', ')}, not ${from}`)
        }
        continue
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
      const to = moduleOf(target)
      if (to === from) continue
      if (!MAY_IMPORT[from]?.includes(to))
        violations.push(`${relative(SRC, file)}: ${from} may not import ${to} ("${specifier}")`)
      else if (!isEntryPoint(target, to)) {
        violations.push(`${relative(SRC, file)}: imports ${to}'s internals ("${specifier}"); use ${to}/index.ts`)
      }
      let set = edges.get(from)
      if (set === undefined) edges.set(from, (set = new Set()))
      set.add(to)
    }
  }

  it('every import follows the dependency table and uses entry points', () => {
    expect(violations).toEqual([])
  })

  it('the modules form no cycle', () => {
    const cycles: string[] = []
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '))
        return
      }
      for (const next of edges.get(node) ?? []) visit(next, [...path, node])
    }
    for (const node of edges.keys()) visit(node, [])
    expect(cycles).toEqual([])
  })

  it('knows every module folder under src', () => {
    const unknown = [...new Set(files.map(moduleOf))].filter((m) => MAY_IMPORT[m] === undefined)
    expect(unknown).toEqual([])
  })
})
