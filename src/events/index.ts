/**
 * events: the event types of execution-model.md in wire shape, and the in-process EventBus.
 * Imports only `util`.
 */
export * from './types.js'
export { EventBus, type EventBusErrorSink } from './event-bus.js'
