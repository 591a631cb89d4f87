import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { actionNameOf } from './define-action.js'
import { ActionModuleError } from './errors.js'
import type { ActionRegistration, ActionRegistry } from './registry.js'
import type { Action } from './types.js'

const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts']
const JAVASCRIPT_EXTENSIONS = ['.js', '.mjs']

/**
 * Loads an actions module (`--actions MODULE`) and registers what it exports, all or nothing:
 * - every export made with `defineAction`, under its own `actionName` (wherever it appears, also in a default
 *   object or as the default export);
 * - every other exported function, under its export name (classes are skipped);
 * - a default-exported object mapping names to functions, each plain function under its key (for a CommonJS
 *   `.js` file, that object is `module.exports`).
 *
 * Values that are not functions, and classes, are skipped wherever they appear. *
 * A default export that is a plain function (not made with `defineAction`) is refused: it has no name to go by.
 * The same function under the same name twice (`export { a, a as default }`) counts once. Origins, shown in
 * duplicate-name errors, are `PATH#exportName` (`PATH#default.key` for a default object).
 *
 * `path` is resolved against the current directory. `.ts`/`.mts` are loaded through tsx, `.js`/`.mjs` with a plain
 * dynamic import (so a `.js` file is ESM or CommonJS as its package.json says).
 *
 * @returns the names the module provides: named exports in the order the module namespace lists them
 *   (alphabetical), then the default export's.
 * @throws ActionModuleError (code `INVALID_OPTION`) for a missing file, an unsupported extension, a module that does
 *   not load (syntax error, a throw at top level, a missing import) or exports no action.
 * @throws ActionRegistrationError for an invalid, reserved or already taken name.
 */
export async function loadActionModule(path: string, registry: ActionRegistry): Promise<string[]> {
  const file = resolve(path)
  const extension = extname(file)
  const isTypeScript = TYPESCRIPT_EXTENSIONS.includes(extension)
  if (!isTypeScript && !JAVASCRIPT_EXTENSIONS.includes(extension)) {
    throw new ActionModuleError(
      path,
      `Cannot load actions from ${path}: unsupported file type "${extension}". ` +
        `Give a .ts, .mts, .js or .mjs module.`,
    )
  }
  const info = await stat(file).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    const what = info === undefined ? 'there is no such file' : 'it is not a file'
    throw new ActionModuleError(
      path,
      `Cannot load actions from ${path}: ${what} (looked at ${file}; relative paths start from ${process.cwd()}).`,
    )
  }

  const namespace = await importModule(path, file, isTypeScript)
  const registrations = collectActions(path, namespace)
  if (registrations.length === 0) {
    throw new ActionModuleError(
      path,
      `${path} exports no actions. Export functions, actions made with defineAction(name, fn), ` +
        `or a default object mapping names to functions.`,
    )
  }
  registry.registerAll(registrations)
  return [...new Set(registrations.map((r) => r.name))]
}

async function importModule(path: string, file: string, isTypeScript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href
  try {
    if (isTypeScript) {
      // loaded only when needed: tsx registers loader hooks, which plain JavaScript does not need
      const { tsImport } = await import('tsx/esm/api')
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>
    }
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    throw new ActionModuleError(path, `Cannot load actions from ${path}: ${loadFailure(error, file, isTypeScript)}`, {
      cause: error,
    })
  }
}

/** One line (or a few) on why a module did not load, and what to do; never a stack. */
function loadFailure(error: unknown, file: string, isTypeScript: boolean): string {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return `${firstLine(message)}. Install the missing package or fix the import.`
  }
  if (isTypeScript && message.startsWith('Transform failed')) {
    // esbuild: "Transform failed with 1 error:\n/abs/file.ts:3:7: ERROR: Expected ..."
    return `syntax error: ${message.split('\n').slice(1).join(' ').trim()}. Fix the file and try again.`
  }
  if (!isTypeScript) {
    const syntax = javaScriptSyntaxError(file)
    if (syntax !== undefined) return `syntax error at ${syntax}. Fix the file and try again.`
  }
  const name = error instanceof Error ? error.name : 'Error'
  return `it threw while loading: ${name}: ${firstLine(message)}. Fix the module's top-level code.`
}

/**
 * Node's own account of a syntax error in `file` (`/abs/file.mjs:3: Unexpected token '='`), from `node --check`:
 * the SyntaxError of a dynamic import carries no location. Undefined when the file itself parses (the error is
 * elsewhere, for example in a module it imports).
 */
function javaScriptSyntaxError(file: string): string | undefined {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 })
  if (check.status === 0 || typeof check.stderr !== 'string') return undefined
  // stderr: "file:///abs/file.mjs:3\n<source line>\n<caret>\n\nSyntaxError: Unexpected token '='\n    at ..."
  const lines = check.stderr.split('\n')
  const location = /^(?:file:\/\/)?(.+):(\d+)$/.exec(lines[0]?.trim() ?? '')
  const reason = lines.find((line) => line.startsWith('SyntaxError: '))
  if (location === null || reason === undefined) return undefined
  return `${decodeURIComponent(location[1] ?? file)}:${location[2]}: ${reason.slice('SyntaxError: '.length)}`
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/\.$/, '')
}

function collectActions(path: string, namespace: Record<string, unknown>): ActionRegistration[] {
  const registrations: ActionRegistration[] = []
  const add = (name: string, fn: Action, origin: string): void => {
    // the same function under the same name twice is one action (`export { a, a as default }`)
    if (registrations.some((r) => r.name === name && r.fn === fn)) return
    registrations.push({ name, fn, origin })
  }

  for (const [exportName, value] of Object.entries(namespace)) {
    if (exportName === 'default') continue
    if (typeof value !== 'function' || isClass(value)) continue
    add(actionNameOf(value) ?? exportName, value as Action, `${path}#${exportName}`)
  }

  const fallback = namespace['default']
  if (typeof fallback === 'function' && !isClass(fallback)) {
    const name = actionNameOf(fallback)
    if (name === undefined) {
      throw new ActionModuleError(
        path,
        `${path}: the default export is a function without a name. Wrap it in defineAction(name, fn), ` +
          `export it by name, or default-export an object mapping names to functions.`,
      )
    }
    add(name, fallback as Action, `${path}#default`)
  } else if (isPlainObject(fallback)) {
    // also a CommonJS module's `module.exports`; its constants are skipped like named ones
    for (const [key, value] of Object.entries(fallback)) {
      if (typeof value !== 'function' || isClass(value)) continue
      add(actionNameOf(value) ?? key, value as Action, `${path}#default.${key}`)
    }
  }
  return registrations
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value))
}
