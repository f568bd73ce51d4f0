// Public surface of @keymesh/gateway: createGateway, the Gateway class, its options and errors.

export { Gateway, createGateway } from './gateway.js'
export { GATEWAY_DEFAULTS } from './options.js'
export type { GatewayOptions, GatewayLimits } from './options.js'
export { GatewayError, GATEWAY_ERRORS, GATEWAY_ERROR_CODES } from './errors.js'
export type { GatewayErrorCode } from './errors.js'
export type { GatewayStats } from './stats.js'
export { OPENDHT_TYPES } from './routes/opendht.js'
export type { OpenDhtValue } from './routes/opendht.js'
