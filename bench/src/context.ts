// What every phase gets: the configuration, the report to fill and a list of problems met.

import type { Config } from './config.js'
import type { Report } from './report.js'

/** Shared state of one benchmark run. */
export interface RunContext {
  config: Config
  report: Report
  /** Failures worth a reader's attention (a child that died, ops that failed); in the JSON. */
  problems: string[]
}
