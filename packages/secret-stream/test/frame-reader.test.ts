// Tests for FrameReader: frames split at every possible chunk boundary, refusal before buffering.

import test from 'brittle'
import { FrameReader } from '../src/frame-reader.js'
import type { FrameSink } from '../src/frame-reader.js'

function frame(body: Buffer): Buffer {
  const prefix = Buffer.from([
    body.byteLength & 0xff,
    (body.byteLength >> 8) & 0xff,
    body.byteLength >> 16
  ])
  return Buffer.concat([prefix, body])
}

class Collector implements FrameSink {
  frames: string[] = []
  lengths: number[] = []
  refuseAbove = Infinity
  onframelength(bodyLength: number): boolean {
    this.lengths.push(bodyLength)
    return bodyLength <= this.refuseAbove
  }
  onframe(f: Buffer): boolean {
    this.frames.push(f.toString('hex'))
    return true
  }
}

const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(300, 7), Buffer.from('tail')]
const stream = Buffer.concat(bodies.map(frame))
const expected = bodies.map((b) => frame(b).toString('hex'))

test('one chunk, then every two-chunk split, then byte by byte', (t) => {
  const whole = new Collector()
  new FrameReader(whole).push(stream)
  t.alike(whole.frames, expected)
  for (let cut = 0; cut <= stream.byteLength; cut++) {
    const c = new Collector()
    const r = new FrameReader(c)
    r.push(stream.subarray(0, cut))
    r.push(stream.subarray(cut))
    if (JSON.stringify(c.frames) !== JSON.stringify(expected)) t.fail(`split at ${cut}`)
    if (r.partial) t.fail(`partial after split at ${cut}`)
  }
  const c = new Collector()
  const r = new FrameReader(c)
  for (let i = 0; i < stream.byteLength; i++) r.push(stream.subarray(i, i + 1))
  t.alike(c.frames, expected)
  t.absent(r.partial)
})

test('partial reports an unfinished frame or prefix', (t) => {
  const c = new Collector()
  const r = new FrameReader(c)
  r.push(stream.subarray(0, 2))
  t.ok(r.partial, 'inside the prefix')
  r.push(stream.subarray(2, 3))
  t.absent(r.partial, 'an empty frame is complete')
  r.push(stream.subarray(3, 6))
  t.ok(r.partial, 'inside a body')
})

test('a refused length stops the reader before the body is buffered', (t) => {
  const c = new Collector()
  c.refuseAbove = 10
  const r = new FrameReader(c)
  r.push(frame(Buffer.alloc(11)).subarray(0, 3))
  t.alike(c.lengths, [11])
  t.absent(r.partial, 'nothing kept')
  r.push(frame(Buffer.from('x')))
  t.alike(c.frames, [], 'stopped for good')
})

test('frames inside one chunk are views, frames across chunks are copies', (t) => {
  const seen: Buffer[] = []
  const sink: FrameSink = {
    onframelength: () => true,
    onframe: (f) => seen.push(f) > 0
  }
  const input = frame(Buffer.from('view'))
  new FrameReader(sink).push(input)
  const r = new FrameReader(sink)
  r.push(input.subarray(0, 4))
  r.push(input.subarray(4))
  const copy = Buffer.from(input)
  input.fill(0)
  t.alike(seen[0], input, 'the view follows the input')
  t.alike(seen[1], copy, 'the copy does not')
})
