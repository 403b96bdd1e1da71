// Latency statistics shared by the benchmarks.

export interface LatencySummary {
  count: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  per_second: number;
}

/** Runs `operation` `count` times, `concurrency` at a time, and summarises the latencies. */
export async function measure(
  count: number,
  operation: (i: number) => Promise<unknown>,
  concurrency = 1,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await operation(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    count,
    p50_ms: round(at(0.5)),
    p99_ms: round(at(0.99)),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    per_second: Math.round((count / elapsed) * 1000),
  };
}

/** Prints rows of summaries with each one's ratio to the baseline row. */
export function printTable(rows: Array<{ name: string } & LatencySummary>, baseline: string) {
  const base = rows.find((row) => row.name === baseline);
  console.table(
    rows.map(({ name, ...summary }) => ({
      name,
      ...summary,
      [`p50 vs ${baseline}`]: base && base.p50_ms > 0 ? `${(summary.p50_ms / base.p50_ms).toFixed(2)}x` : '-',
    })),
  );
}
