// Enforces keymesh's layering (house-style §6.1, §7): allowed edges, declared deps, no cycles.
//
// Usage: node scripts/check-layers.mjs [--package <dir>] [--root <path>]
// Exit codes: 0 clean, 1 violations found, 2 bad usage.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

// The allowed edges: the single source of truth, copied from the house-style §7 table.
// Keys and values are directory names under packages/. '*' means any workspace package.
// Anything not listed here is forbidden, including a package depending on itself.
export const ALLOWED_EDGES = {
  wire: [],
  crypto: [],
  'dht-rpc': ['wire', 'crypto'],
  'secret-stream': ['crypto', 'wire'],
  holepunch: ['wire', 'crypto'],
  hyperdht: ['wire', 'crypto', 'dht-rpc', 'secret-stream', 'holepunch'],
  bootstrapper: ['hyperdht'],
  gateway: ['hyperdht'],
  cli: ['hyperdht', 'gateway', 'bootstrapper'], // published as `keymesh`
  interop: '*' // private compliance suite: proves compatibility of everything
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies']
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs'] // '.ts' covers '.d.ts' too

// How TypeScript's NodeNext resolution maps an emitted-extension specifier back to a source
// file, so `./x.js` in a .ts file finds `x.ts` (or a hand-written `x.d.ts` declaration).
const SPECIFIER_EXTENSION_TARGETS = {
  '.js': ['.ts', '.tsx', '.d.ts', '.js'],
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs']
}
const INDEX_FILES = ['index.ts', 'index.tsx', 'index.mts', 'index.d.ts', 'index.js', 'index.mjs']

// ---------------------------------------------------------------------------------------------
// The table itself

// A typo in the table would silently allow or forbid the wrong edge, so refuse to run with one.
function assertTableIsWellFormed() {
  for (const [from, targets] of Object.entries(ALLOWED_EDGES)) {
    if (targets === '*') continue
    for (const to of targets) {
      if (!(to in ALLOWED_EDGES)) throw new Error(`ALLOWED_EDGES.${from} names unknown "${to}"`)
      if (to === from) throw new Error(`ALLOWED_EDGES.${from} lists itself`)
    }
  }
}

function isAllowedEdge(from, to) {
  const targets = ALLOWED_EDGES[from]
  if (from === to || targets === undefined) return false
  return targets === '*' || targets.includes(to)
}

function describeAllowed(from) {
  const targets = ALLOWED_EDGES[from]
  if (targets === '*') return 'any keymesh package'
  return targets.length === 0 ? 'no keymesh package' : targets.join(', ')
}

// ---------------------------------------------------------------------------------------------
// Workspace discovery

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

function isDirectory(p) {
  return existsSync(p) && statSync(p).isDirectory()
}

// Reads packages/*/package.json; returns the packages found plus any directory it cannot map.
function loadWorkspace(root) {
  const packagesDir = path.join(root, 'packages')
  if (!isDirectory(packagesDir)) throw new UsageError(`no packages/ directory under ${root}`)
  const dirs = readdirSync(packagesDir)
    .filter((d) => !d.startsWith('.') && isDirectory(path.join(packagesDir, d)))
    .sort()
  const packages = []
  const problems = []
  for (const dir of dirs) {
    const manifestPath = path.join(packagesDir, dir, 'package.json')
    const where = `packages/${dir}/package.json`
    if (!existsSync(manifestPath)) {
      problems.push({ dir, where: `packages/${dir}`, message: 'has no package.json' })
      continue
    }
    let manifest
    try {
      manifest = readJson(manifestPath)
    } catch (err) {
      problems.push({ dir, where, message: `cannot be parsed: ${err.message}` })
      continue
    }
    if (typeof manifest.name !== 'string' || manifest.name === '') {
      problems.push({ dir, where, message: 'has no "name"' })
      continue
    }
    packages.push({ dir, name: manifest.name, manifest, root: path.join(packagesDir, dir) })
  }
  return { root, packages, problems, dirByName: mapNamesToDirs(packages, problems) }
}

function mapNamesToDirs(packages, problems) {
  const dirByName = new Map()
  for (const pkg of packages) {
    const other = dirByName.get(pkg.name)
    if (other !== undefined) {
      problems.push({
        dir: pkg.dir,
        where: `packages/${pkg.dir}/package.json`,
        message: `name "${pkg.name}" is also used by packages/${other}`
      })
    } else {
      dirByName.set(pkg.name, pkg.dir)
    }
  }
  return dirByName
}

// Maps `@keymesh/wire` or `@keymesh/wire/sub/path` to `wire`; anything else to undefined.
function workspaceDirOf(specifier, dirByName) {
  for (const [name, dir] of dirByName) {
    if (specifier === name || specifier.startsWith(name + '/')) return dir
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Source scanning

// Blanks out comments (keeping newlines, so line numbers survive) so that a commented-out
// import is not mistaken for a real one. Strings, template literals and regex literals are
// skipped over so that `'http://x'` or `/\/*/` are not taken for comment starts.
export function stripComments(source) {
  const out = source.split('')
  let i = 0
  let lastSignificant = '' // last non-space code character, to tell a regex from a division
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' '
  }
  while (i < source.length) {
    const c = source[i]
    const next = source[i + 1]
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      const stop = end === -1 ? source.length : end
      blank(i, stop)
      i = stop
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end === -1 ? source.length : end + 2
      blank(i, stop)
      i = stop
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(source, i)
      lastSignificant = c
    } else if (c === '/' && startsRegex(source, i, lastSignificant)) {
      i = skipRegex(source, i)
      lastSignificant = '/'
    } else {
      if (!/\s/.test(c)) lastSignificant = c
      i++
    }
  }
  return out.join('')
}

// Returns the index just past the closing quote. Plain strings stop at a newline (they cannot
// span lines), so one stray quote cannot swallow the rest of the file.
function skipQuoted(source, start) {
  const quote = source[start]
  let i = start + 1
  while (i < source.length) {
    const c = source[i]
    if (c === '\\') i += 2
    else if (c === quote) return i + 1
    else if (c === '\n' && quote !== '`') return i
    else i++
  }
  return i
}

const REGEX_PRECEDERS = new Set('(,=:[!&|?{};+-*%<>~^'.split(''))
const REGEX_KEYWORDS =
  /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)\s*$/

// A '/' starts a regex literal where an expression may begin, otherwise it is a division.
function startsRegex(source, index, lastSignificant) {
  if (lastSignificant === '' || REGEX_PRECEDERS.has(lastSignificant)) return true
  return REGEX_KEYWORDS.test(source.slice(Math.max(0, index - 12), index))
}

function skipRegex(source, start) {
  let i = start + 1
  let inClass = false
  while (i < source.length && source[i] !== '\n') {
    const c = source[i]
    if (c === '\\') i++
    else if (c === '[') inClass = true
    else if (c === ']') inClass = false
    else if (c === '/' && !inClass) return i + 1
    i++
  }
  return i
}

// Static forms: `import x from`, `import {\n a,\n b\n} from`, `import type`, `import 'side-effect'`,
// `export { a } from`, `export * as ns from`, `export type { T } from`. The clause before `from`
// may only contain identifier, brace, comma, star and whitespace characters, which keeps the
// match inside one statement. Text that merely looks like an import inside a string literal can
// still match; that is rare, and a false alarm is safer than a missed edge.
const STATIC_IMPORT =
  /(?:^|[\s;}])(?:import|export)\s+(?:[\w$*{}\s,]+?\s*\bfrom\s*)?(['"])([^'"\n]+)\1/dg
// `import('x')`, also as a TypeScript type query `import('x').T`.
const DYNAMIC_IMPORT = /(?:^|[^\w$.])import\s*\(\s*(['"`])([^'"`\n$]+)\1/dg
// `require('x')`, also TypeScript's `import x = require('x')`.
const REQUIRE_CALL = /(?:^|[^\w$.])require\s*\(\s*(['"`])([^'"`\n$]+)\1\s*\)/dg

// Returns every module specifier in `source` with the 1-based line it appears on.
export function findSpecifiers(source) {
  const code = stripComments(source)
  const found = new Map() // offset of the specifier → specifier, so overlapping forms count once
  for (const pattern of [STATIC_IMPORT, DYNAMIC_IMPORT, REQUIRE_CALL]) {
    for (const match of code.matchAll(pattern)) found.set(match.indices[2][0], match[2])
  }
  return [...found]
    .sort(([a], [b]) => a - b)
    .map(([index, specifier]) => ({ specifier, line: lineAt(code, index) }))
}

function lineAt(text, index) {
  let line = 1
  for (let i = 0; i < index; i++) if (text[i] === '\n') line++
  return line
}

function listSourceFiles(dir) {
  if (!isDirectory(dir)) return []
  const files = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...listSourceFiles(full))
    else if (SOURCE_EXTENSIONS.includes(path.extname(entry.name))) files.push(full)
  }
  return files.sort()
}

// Resolves a relative specifier to an existing file the way tsc (NodeNext) would, or undefined.
function resolveRelative(fromFile, specifier) {
  const target = path.resolve(path.dirname(fromFile), specifier)
  const ext = path.extname(target)
  const base = target.slice(0, target.length - ext.length)
  const candidates = [
    target,
    ...(SPECIFIER_EXTENSION_TARGETS[ext] ?? []).map((e) => base + e),
    ...SOURCE_EXTENSIONS.map((e) => target + e), // extensionless (not NodeNext, but seen)
    ...INDEX_FILES.map((f) => path.join(target, f))
  ]
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

function isRelative(specifier) {
  return specifier === '.' || specifier === '..' || /^\.\.?\//.test(specifier)
}

function isInside(parent, child) {
  const rel = path.relative(parent, child)
  return rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel)
}

// ---------------------------------------------------------------------------------------------
// Checks. Each returns a list of { where, message } violations.

function checkKnownDirectories(workspace, selected) {
  const violations = workspace.problems.filter((p) => selected.has(p.dir))
  for (const pkg of workspace.packages) {
    if (!selected.has(pkg.dir) || pkg.dir in ALLOWED_EDGES) continue
    violations.push({
      where: `packages/${pkg.dir}`,
      message:
        `"${pkg.name}" is not in the allowed-edges table; add "${pkg.dir}" to ALLOWED_EDGES ` +
        'in scripts/check-layers.mjs (and to the house-style §7 table)'
    })
  }
  return violations
}

// The interop package is private and exists to run everything against everything, so its
// devDependencies are not layering edges.
function isExemptDependencyField(pkg, field) {
  return pkg.dir === 'interop' && field === 'devDependencies'
}

function checkManifestDependencies(pkg, workspace) {
  const violations = []
  const where = `packages/${pkg.dir}/package.json`
  for (const field of DEPENDENCY_FIELDS) {
    for (const name of Object.keys(pkg.manifest[field] ?? {})) {
      const to = workspace.dirByName.get(name)
      if (to === undefined || isExemptDependencyField(pkg, field)) continue
      if (to === pkg.dir) {
        violations.push({ where, message: `${field} lists the package itself ("${name}")` })
      } else if (pkg.dir in ALLOWED_EDGES && !isAllowedEdge(pkg.dir, to)) {
        violations.push({ where, message: `${field} has "${name}": ${edgeRefusal(pkg.dir, to)}` })
      }
    }
  }
  return violations
}

function edgeRefusal(from, to) {
  return `${from} → ${to} is not an allowed edge (${from} may depend on ${describeAllowed(from)})`
}

// Names a src file may import: runtime deps only, because consumers of a published package
// never install its devDependencies. A private package is never installed by anyone, so its
// devDependencies count as well.
function declaredForSource(pkg) {
  const fields = ['dependencies', 'peerDependencies']
  if (pkg.manifest.private === true) fields.push('devDependencies')
  return new Set(fields.flatMap((f) => Object.keys(pkg.manifest[f] ?? {})))
}

// Scans src/ once; returns violations, the file count, and the relative-import graph.
function checkSources(pkg, workspace) {
  const srcDir = path.join(pkg.root, 'src')
  const files = listSourceFiles(srcDir)
  const declared = declaredForSource(pkg)
  const graph = new Map(files.map((f) => [f, []]))
  const violations = []
  for (const file of files) {
    for (const { specifier, line } of findSpecifiers(readFileSync(file, 'utf8'))) {
      const where = `${toPosix(path.relative(workspace.root, file))}:${line}`
      const problem = isRelative(specifier)
        ? checkRelativeImport(pkg, file, specifier, graph)
        : checkBareImport(pkg, specifier, workspace, declared)
      if (problem) violations.push({ where, message: problem })
    }
  }
  return { violations, fileCount: files.length, graph }
}

function checkRelativeImport(pkg, file, specifier, graph) {
  const target = path.resolve(path.dirname(file), specifier)
  if (!isInside(pkg.root, target)) {
    return `relative import "${specifier}" leaves packages/${pkg.dir}/; import the other package by name`
  }
  const resolved = resolveRelative(file, specifier)
  if (resolved !== undefined && graph.has(resolved)) graph.get(file).push(resolved)
  return undefined
}

function checkBareImport(pkg, specifier, workspace, declared) {
  const to = workspaceDirOf(specifier, workspace.dirByName)
  if (to === undefined) return undefined
  // A self-reference by name would also hide intra-package edges from the cycle check.
  if (to === pkg.dir)
    return `imports its own package by name ("${specifier}"); use a relative import`
  if (!(pkg.dir in ALLOWED_EDGES)) return undefined // already reported as an unknown directory
  if (!isAllowedEdge(pkg.dir, to)) return `imports "${specifier}": ${edgeRefusal(pkg.dir, to)}`
  const name = workspace.packages.find((p) => p.dir === to).name
  if (!declared.has(name)) {
    return `imports "${specifier}" but package.json does not declare it; add "${name}": "workspace:^" to dependencies`
  }
  return undefined
}

// Depth-first search that reports one cycle per back edge, each once (by its set of nodes in
// order, whichever node it was entered from). Every strongly connected tangle yields at least
// one cycle; fixing those and re-running surfaces any that were hidden behind them.
export function findCycles(graph) {
  const ON_STACK = 1
  const DONE = 2
  const state = new Map()
  const stack = []
  const cycles = []
  const seen = new Set()
  const visit = (node) => {
    state.set(node, ON_STACK)
    stack.push(node)
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (state.get(next) === ON_STACK) {
        const cycle = stack.slice(stack.indexOf(next))
        const key = canonicalCycleKey(cycle)
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push([...cycle, next])
        }
      } else if (!state.has(next)) {
        visit(next)
      }
    }
    stack.pop()
    state.set(node, DONE)
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node)
  return cycles
}

function canonicalCycleKey(cycle) {
  const start = cycle.indexOf([...cycle].sort()[0])
  return [...cycle.slice(start), ...cycle.slice(0, start)].join('\0')
}

// Type-only imports (`import type`, `export type`) are edges too. tsc erases them, so they could
// not deadlock module loading, but counting them is simpler and keeps the file graph a clean
// hierarchy for readers.
function checkFileCycles(pkg, graph) {
  const srcDir = path.join(pkg.root, 'src')
  return findCycles(graph).map((cycle) => ({
    where: `packages/${pkg.dir}/src`,
    message: `import cycle: ${cycle.map((f) => toPosix(path.relative(srcDir, f))).join(' → ')}`
  }))
}

// Derived from declared workspace dependencies (all fields: turbo's ^build follows them all).
// Self-dependencies are reported by checkManifestDependencies, so they are left out here.
function checkPackageCycles(workspace, selected) {
  const graph = new Map()
  for (const pkg of workspace.packages) {
    const deps = DEPENDENCY_FIELDS.flatMap((f) => Object.keys(pkg.manifest[f] ?? {}))
      .map((name) => workspace.dirByName.get(name))
      .filter((dir) => dir !== undefined && dir !== pkg.dir)
    graph.set(pkg.dir, [...new Set(deps)])
  }
  return findCycles(graph)
    .filter((cycle) => cycle.some((dir) => selected.has(dir)))
    .map((cycle) => ({
      where: 'packages',
      message: `package dependency cycle: ${cycle.join(' → ')}`
    }))
}

function toPosix(p) {
  return p.split(path.sep).join('/')
}

// ---------------------------------------------------------------------------------------------
// Entry points

class UsageError extends Error {}

// Runs every check; `only` restricts them to one package directory (used by per-package lint).
export function checkLayers(root, only) {
  assertTableIsWellFormed()
  const workspace = loadWorkspace(root)
  const allDirs = [...workspace.packages.map((p) => p.dir), ...workspace.problems.map((p) => p.dir)]
  if (only !== undefined && !allDirs.includes(only)) {
    throw new UsageError(
      `--package ${only}: no such directory under ${path.join(root, 'packages')}`
    )
  }
  const selected = new Set(only === undefined ? allDirs : [only])
  const violations = checkKnownDirectories(workspace, selected)
  let fileCount = 0
  const checked = workspace.packages.filter((p) => selected.has(p.dir))
  for (const pkg of checked) {
    violations.push(...checkManifestDependencies(pkg, workspace))
    const sources = checkSources(pkg, workspace)
    fileCount += sources.fileCount
    violations.push(...sources.violations, ...checkFileCycles(pkg, sources.graph))
  }
  violations.push(...checkPackageCycles(workspace, selected))
  return { violations, packageCount: checked.length, fileCount }
}

const USAGE = 'usage: node scripts/check-layers.mjs [--package <dir>] [--root <path>]'

function parseCommandLine(argv) {
  const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    const { values } = parseArgs({
      args: argv,
      options: { package: { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean' } }
    })
    return {
      help: values.help,
      only: values.package,
      root: path.resolve(values.root ?? defaultRoot)
    }
  } catch (err) {
    throw new UsageError(err.message)
  }
}

function main(argv) {
  try {
    const options = parseCommandLine(argv)
    if (options.help) {
      console.log(USAGE)
      return 0
    }
    const { violations, packageCount, fileCount } = checkLayers(options.root, options.only)
    if (violations.length === 0) {
      const packages = packageCount === 1 ? 'package' : 'packages'
      console.log(`check-layers: ${packageCount} ${packages}, ${fileCount} files, no violations`)
      return 0
    }
    console.error(`check-layers: ${violations.length} violation(s)`)
    for (const v of violations) console.error(`  ${v.where}: ${v.message}`)
    return 1
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`check-layers: ${err.message}\n${USAGE}`)
    return 2
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
if (invokedDirectly) process.exitCode = main(process.argv.slice(2))
