// @keymesh/interop: the harness shared by the interop tests, the fuzz test and the benchmark.

export * from './api.js'
export * from './ids.js'
export * from './impls.js'
export * from './network.js'
export * from './util.js'
