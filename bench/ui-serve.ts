/**
 * `trellis serve` from source (through tsx), for the UI workload (`bench/ui-pages.ts`): the CLI's own code path,
 * without a build of it (the web UI itself must be built: dist/ui).
 *
 *   node --import tsx bench/ui-serve.ts serve --port 0 --db FILE [--workflow DIR]…
 */
import { main } from '../src/cli/main.js'

process.exitCode = await main(process.argv.slice(2))
