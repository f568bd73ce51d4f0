// The brittle test-instance type (the package's typings do not export it by name).

import type test from 'brittle'

/** What a brittle test callback receives as `t`. */
export type TestInstance = ReturnType<typeof test>
