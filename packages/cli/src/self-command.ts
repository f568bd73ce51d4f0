// How to spell this CLI in printed examples: `keymesh` when installed, else `node <path>`.

import path from 'node:path'

/**
 * `keymesh` when running as the installed bin (on PATH through npm's link), otherwise
 * `node <script>` with the script relative to the working directory, so a copied example
 * works from the same shell (e.g. after `npm start` in the monorepo).
 */
export function selfCommand(argv1: string | undefined = process.argv[1]): string {
  if (argv1 === undefined || path.basename(argv1) === 'keymesh') return 'keymesh'
  const relative = path.relative(process.cwd(), argv1)
  const script = relative.startsWith('..') || path.isAbsolute(relative) ? argv1 : relative
  return /^[\w./@-]+$/.test(script) ? `node ${script}` : `node '${script.replace(/'/g, `'\\''`)}'`
}
