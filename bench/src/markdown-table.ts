// Renders a benchmark JSON (from --out or stdout) as the markdown table used in bench/README.md:
//   node dist/src/markdown-table.js results.json

import { readFile } from 'node:fs/promises'
import type { Metric } from './report.js'

function cell(value: number | null): string {
  return value === null ? '–' : String(value)
}

function ratioCell(m: Metric): string {
  if (m.ratio === null) return '–'
  // mark clear differences (beyond ±10%) with the direction that is better for this metric
  const better = m.better === 'lower' ? m.ratio < 0.9 : m.ratio > 1.1
  const worse = m.better === 'lower' ? m.ratio > 1.1 : m.ratio < 0.9
  return better ? `**${m.ratio}** ✓` : worse ? `**${m.ratio}** ✗` : String(m.ratio)
}

async function main(): Promise<void> {
  const file = process.argv[2]
  if (file === undefined) throw new Error('usage: node dist/src/markdown-table.js results.json')
  const data = JSON.parse(await readFile(file, 'utf8')) as { metrics: Record<string, Metric> }
  const lines = [
    '| metric | unit | keymesh | real | ratio | samples (each) |',
    '|---|---|---:|---:|---:|---:|'
  ]
  for (const [name, m] of Object.entries(data.metrics)) {
    const samples =
      m.samples.keymesh === m.samples.real
        ? String(m.samples.keymesh)
        : `${m.samples.keymesh} / ${m.samples.real}`
    lines.push(
      `| ${name} | ${m.unit} | ${cell(m.keymesh)} | ${cell(m.real)} | ${ratioCell(m)} | ${samples} |`
    )
  }
  process.stdout.write(lines.join('\n') + '\n')
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
