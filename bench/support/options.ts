// The options every benchmark's run() receives, parsed once by the CLI (bench/run.ts). A
// benchmark reads the ones it uses; an option left out falls back to the benchmark's documented
// environment variable, then to its default.

export interface BenchOptions {
  /** Fraction of the full data set (feed: 100k users; graph: 100k users; analytics: 10M events). */
  scale?: number;
  /** Timed calls per measured operation. */
  samples?: number;
  /** How long each timed load runs. */
  seconds?: number;
  /** Calls in flight at once, where a benchmark measures latency without queueing by default. */
  concurrency?: number;
  /** Write bench/reference/NAME.json (the committed run the UI falls back to) instead of bench/results/. */
  reference?: boolean;
}

/** The option when given, else the environment variable when set, else the default. */
export function pick(option: number | undefined, envName: string, fallback: number): number {
  if (option !== undefined) return option;
  const raw = process.env[envName]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${envName} must be a positive number, got "${raw}"`);
  return value;
}
