/** The API's JSON types: the server's contract, imported as types only (the UI ships no code from src/). */
export type * from '../../../src/server/api-types.js'
