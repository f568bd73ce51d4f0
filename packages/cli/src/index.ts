// Public surface of the keymesh CLI package: run the command from code, its codes and commands.

export { runCli, mainUsage, version } from './run-cli.js'
export type { RunCliOptions } from './run-cli.js'
export { COMMANDS } from './command-table.js'
export type { Command, CommandContext } from './command.js'
export { CliError, CLI_ERROR_CODES, CLI_ERROR_MESSAGES } from './errors.js'
export type { CliErrorCode } from './errors.js'
export { EXIT } from './exit-codes.js'
export { BOOTSTRAP_ENV } from './network.js'
export { formatKeyFile, parseKeyFile, readKeyFile, writeKeyFile } from './key-file.js'
export type { KeyFileContents } from './key-file.js'
