/**
 * W5's second process: opens the database the first process uses, through the public API (`openStore`,
 * `createEngine`), and sends one `go` signal to each execution, `gapMs` apart. Each signal's data carries its index
 * `n` and `sent_at`, the machine-wide time (`performance.timeOrigin + performance.now()`) right before the send.
 *
 *   node --import tsx bench/w5-sender.ts <db> <gapMs> <id>[,<id>…]
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createEngine } from '../src/create-engine.js'
import { openStore } from '../src/open-store.js'
import { sharedNow } from './common.js'

const [db, gap, ids] = process.argv.slice(2)
if (db === undefined || gap === undefined || ids === undefined) {
  throw new Error('usage: w5-sender.ts <db> <gapMs> <id>[,<id>…]')
}
const store = await openStore(db, { createIfMissing: false })
if (store === null) throw new Error(`w5-sender: no database at ${db}`)
const engine = await createEngine({ db: store })
try {
  const list = ids.split(',')
  for (let n = 0; n < list.length; n++) {
    if (n > 0) await sleep(Number(gap))
    await engine.signal(list[n]!, 'go', { n, sent_at: sharedNow() })
  }
} finally {
  await engine.close()
  await store.close()
}
