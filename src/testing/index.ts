/**
 * testing: the public test kit (`trellis/testing`): a fake clock and an engine on SQLite `:memory:` (a real store,
 * not a fake). Imported only by tests and users' tests.
 */
export { FakeClock } from './fake-clock.js'
export { createTestEngine, type TestEngine } from './test-engine.js'
