/**
 * worker: the claim loop that runs executions nobody holds (detached), with its wake-ups and shutdown.
 * Imports util, events, store and engine.
 */
export { runWorker, type Worker, type WorkerOptions } from './worker.js'
