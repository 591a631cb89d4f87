/**
 * util: leaf helpers with no knowledge of workflows. Imports nothing from other modules.
 */
export * from './errors.js'
export * from './clock.js'
export * from './duration.js'
export * from './ids.js'
export * from './assert-never.js'
export * from './json.js'
export * from './logger.js'
