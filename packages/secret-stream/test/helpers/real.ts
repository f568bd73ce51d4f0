// Test helper: the reference @hyperswarm/secret-stream, loaded as the CommonJS module it is.

import { createRequire } from 'node:module'
import type RealNoiseSecretStream from '@hyperswarm/secret-stream'

const require = createRequire(import.meta.url)

/** The real NoiseSecretStream class (test peer only). */
export const RealSecretStream = require('@hyperswarm/secret-stream') as typeof RealNoiseSecretStream

/** An instance of the real NoiseSecretStream. */
export type RealSecretStream = RealNoiseSecretStream
