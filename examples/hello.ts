/**
 * The README's TypeScript example, executed by test/examples.test.ts: a builder workflow run by an engine.
 * Run it yourself with `npx tsx examples/hello.ts`.
 */
import { createEngine, defineWorkflow } from '../src/index.js'

export const hello = defineWorkflow('hello-ts', { inputs: { name: { type: 'string', default: 'world' } } }, (w) => {
  w.action('greet', 'core.echo', { with: { value: 'Hello, {{ inputs.name }}!' } })
})

export async function main(db = ':memory:'): Promise<unknown> {
  const engine = await createEngine({ db })
  try {
    const execution = await engine.run(hello, { name: 'Ada' })
    return execution.steps.greet?.output
  } finally {
    await engine.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await main())
