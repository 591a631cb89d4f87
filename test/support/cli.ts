import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

/** The real `trellis` binary (built into dist/ by `npm run build`). */
export const TRELLIS_BIN = resolve(import.meta.dirname, '../../bin/trellis.js')
export const REPO = resolve(import.meta.dirname, '../..')

/** A spawned `trellis` process with its output collected. */
export interface TrellisProcess {
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

/** Spawns `node bin/trellis.js ...args` in the repo, with extra environment variables. */
export function spawnTrellis(args: readonly string[], env: Record<string, string> = {}): TrellisProcess {
  const child = spawn(process.execPath, [TRELLIS_BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })),
  )
  return { child, exited }
}

/** Runs `trellis ...args` to its end. */
export function runTrellis(args: readonly string[], env: Record<string, string> = {}) {
  return spawnTrellis(args, env).exited
}
