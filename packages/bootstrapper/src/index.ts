// Public surface of @keymesh/bootstrapper: the bootstrapper, the local network and their errors.

export { Bootstrapper, startBootstrapper } from './bootstrapper.js'
export type { BootstrapperOptions, HostPort } from './bootstrapper.js'
export { startLocalNetwork } from './local-network.js'
export type { LocalNetwork, LocalNetworkOptions } from './local-network.js'
export { BOOTSTRAPPER_DEFAULTS, LOCAL_NETWORK_DEFAULTS, MAX_LOCAL_NODES } from './constants.js'
export {
  BootstrapperError,
  BOOTSTRAPPER_ERROR_CODES,
  BOOTSTRAPPER_ERROR_MESSAGES
} from './errors.js'
export type { BootstrapperErrorCode } from './errors.js'
