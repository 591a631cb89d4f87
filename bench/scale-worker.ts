/**
 * One worker process of `bench/scale-out.ts`: opens the database, says `ready`, waits for `go` on stdin, then runs a
 * worker (the bench actions registered, `--concurrency` from argv) until SIGTERM.
 *
 *   tsx bench/scale-worker.ts <db> <concurrency>
 */
import { once } from 'node:events'
import { createEngine } from '../src/create-engine.js'
import { runWorker } from '../src/worker/index.js'
import { benchActions } from './common.js'

const [db, concurrency] = process.argv.slice(2)
if (db === undefined || concurrency === undefined) throw new Error('usage: scale-worker.ts <db> <concurrency>')
const engine = await createEngine({ db, actions: benchActions().actions })
process.stdout.write('ready\n')
await once(process.stdin, 'data')
const worker = runWorker(engine, { concurrency: Number(concurrency) })
process.once('SIGTERM', () => {
  void worker.stop().then(() => process.exit(0))
})
