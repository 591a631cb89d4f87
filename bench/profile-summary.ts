/**
 * Summarises `.cpuprofile` files (from `npm run bench -- --profile DIR`, or `node --cpu-prof`): self time by
 * function, by file and by package, largest first.
 *
 *   npx tsx bench/profile-summary.ts prof/*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const REPO = fileURLToPath(new URL('..', import.meta.url))

function where(url: string): string {
  if (url === '') return '(native)'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  return path.startsWith('/') ? relative(REPO, path) : path
}

/** `node_modules/<package>`, `src/<module>`, `bench`, or what the url is. */
function packageOf(file: string): string {
  const nm = file.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (file.startsWith('src/')) {
    const parts = file.split('/')
    return parts.length > 2 ? `src/${parts[1]}` : 'src'
  }
  if (file.startsWith('node:')) return 'node (internal)'
  return file.split('/')[0]!
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us)
}

function top(title: string, map: Map<string, number>, total: number, n: number): string {
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  const lines = rows.map(
    ([key, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`,
  )
  return [`${title}`, ...lines].join('\n')
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
})
const n = Number(values.top)
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  // Samples of the profiler itself (child.ts's startProfile: stopping it serialises the profile) are left out.
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const ownFrames = new Set<number>()
  for (const node of profile.nodes) {
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      if (byId.get(id)!.callFrame.functionName === 'startProfile') {
        ownFrames.add(node.id)
        break
      }
    }
  }
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    if (ownFrames.has(id)) continue
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame
    total += us
    if (frame.functionName === '(idle)') idle += us
    const at = where(frame.url)
    add(
      byFunction,
      // Functions of modules loaded through tsx come with line 0: a line is shown only where the profile has one.
      `${frame.functionName || '(anonymous)'}  ${at}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`,
      us,
    )
    add(byFile, at, us)
    add(byPackage, frame.url === '' ? frame.functionName : packageOf(at), us)
  }
  const busy = total - idle
  process.stdout.write(
    [
      `== ${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (percentages of all samples)`,
      top('-- self time by function', byFunction, total, n),
      top('-- self time by file', byFile, total, n),
      top('-- self time by package / module', byPackage, total, n),
      '',
    ].join('\n\n'),
  )
}
