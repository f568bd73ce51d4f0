// The brittle test-instance type (its typings do not export it by name).

import type test from 'brittle'

/** What a brittle test callback receives. */
export type T = ReturnType<typeof test>
