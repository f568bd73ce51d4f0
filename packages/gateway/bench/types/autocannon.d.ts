// Narrow ambient types for autocannon 9 (untyped): the programmatic call the bench makes.

declare module 'autocannon' {
  interface Options {
    url: string
    method?: string
    body?: string | Buffer
    headers?: Record<string, string>
    connections?: number
    duration?: number
    pipelining?: number
  }
  interface Histogram {
    average: number
    p50: number
    p99: number
    max: number
  }
  interface Result {
    requests: Histogram & { total: number }
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
  }
  function autocannon(opts: Options): Promise<Result>
  export default autocannon
}
