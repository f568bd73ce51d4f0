// Interop with the real @hyperswarm/secret-stream over TCP sockets on 127.0.0.1, each side in each role.

import { interopSuite, leakCheck } from './helpers/interop-suite.js'

interopSuite('tcp')
leakCheck()
