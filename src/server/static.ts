import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Context } from 'hono'

/** Where `trellis serve` looks for the built web UI: `dist/ui` of the package (Vite builds it there). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/**
 * Serves the built UI: a file under `dir` when the path names one, else `index.html` (the UI routes in the
 * browser). Vite's hashed `assets/` are cached for a year; everything else is revalidated. When the UI is not
 * built, a short page says how to build it.
 */
export function uiHandler(dir: string | null): (c: Context) => Promise<Response> {
  const root = dir === null ? null : resolve(dir)
  return async (c) => {
    if (root === null || !existsSync(join(root, 'index.html'))) return c.html(NOT_BUILT, 200)
    const file = await findFile(root, c.req.path)
    if (file !== null) {
      const body = await readFile(file)
      const immutable = file.startsWith(join(root, 'assets') + sep)
      return c.body(body, 200, {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      })
    }
    // A path with an extension that is not there is a missing file, not a page of the UI; but the UI's own routes
    // end in ids and names, which may contain a dot (`/executions/order.42`).
    const uiRoute = /^\/(executions|workflows)\//.test(c.req.path)
    if (!uiRoute && extname(c.req.path) !== '') return c.text('Not found', 404)
    return c.body(await readFile(join(root, 'index.html')), 200, {
      'Content-Type': TYPES['.html']!,
      'Cache-Control': 'no-cache',
    })
  }
}

/** The file a URL path names under `root`, or null (never outside `root`). */
async function findFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const path = resolve(root, '.' + sep + normalize(decoded))
  if (path !== root && !path.startsWith(root + sep)) return null
  try {
    const info = await stat(path)
    return info.isFile() ? path : null
  } catch {
    return null
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Trellis</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}</style></head>
<body>
<h1>Trellis is running</h1>
<p>The HTTP API is up, but the web UI has not been built, so there is nothing to show here yet.</p>
<p>Build it from a clone of Trellis with <code>npm run build:ui</code> (Vite writes it to <code>dist/ui</code>),
then reload this page. The API works without it: see <a href="/api/openapi.json">/api/openapi.json</a>
and <code>docs/http-api.md</code>.</p>
</body>
</html>
`
