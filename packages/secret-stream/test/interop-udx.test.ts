// Interop with the real @hyperswarm/secret-stream over udx-native streams on 127.0.0.1, each side in each role.

import { interopSuite, leakCheck } from './helpers/interop-suite.js'

interopSuite('udx')
leakCheck()
