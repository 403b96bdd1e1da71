// npm run bench [-- NAME... [options]]: runs the named benchmarks (all when none is named);
// `npm run bench -- --help` lists them with what each measures and the options it reads, and
// starts nothing. Options are parsed here, once, and handed to each benchmark's run(options);
// each benchmark prints its figures as ratios against a baseline measured in the same run and
// writes them through bench/support/results.ts.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BenchOptions } from './support/options.ts';

interface Benchmark {
  name: string;
  /** One line: what it measures, against which baseline. */
  measures: string;
  /** The options it reads (the others are ignored by it). */
  reads: Array<keyof BenchOptions>;
  load(): Promise<{ run(options: BenchOptions): Promise<void> }>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'analytics',
    measures:
      'event ingest and trending/metrics queries per analytics adapter, and the cost of request recording',
    reads: ['scale'],
    load: () => import('./analytics.ts'),
  },
  {
    name: 'commerce',
    measures: 'orders/s and rows/s with 32 clients, against pgbench TPC-B on the same PostgreSQL',
    reads: ['seconds'],
    load: () => import('./commerce.ts'),
  },
  {
    name: 'feed',
    measures:
      'home feed page per strategy vs the six-table join, fan-out vs redis-benchmark, feed over HTTP vs a bare route',
    reads: ['scale', 'samples', 'seconds'],
    load: () => import('./feed.ts'),
  },
  {
    name: 'graph',
    measures:
      'suggestions, followers, common-following and follows per graph adapter vs in-process adjacency lists',
    reads: ['scale', 'samples', 'concurrency'],
    load: () => import('./graph.ts'),
  },
  {
    name: 'scale',
    measures: 'the mixed workload against 1, 2 and 3 API processes on one PostgreSQL and Redis',
    reads: ['seconds'],
    load: () => import('./scale.ts'),
  },
  {
    name: 'sessions',
    measures: 'bearer-token session lookups through the cache role vs the session row read from SQL',
    reads: ['samples'],
    load: () => import('./sessions.ts'),
  },
  {
    name: 'workload',
    measures:
      '60% home feed, 30% user timeline, 10% new post from 32 HTTP clients in another process, vs /healthz',
    reads: ['seconds'],
    load: () => import('./workload.ts'),
  },
];

const positive = (value: string) => {
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0)) throw new InvalidArgumentError('expected a positive number');
  return number;
};
const whole = (value: string) => {
  const number = positive(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('expected a whole number');
  return number;
};
const fraction = (value: string) => {
  const number = positive(value);
  if (number > 1) throw new InvalidArgumentError('expected a fraction above 0 and at most 1');
  return number;
};

const flag: Record<keyof BenchOptions, string> = {
  scale: '--scale',
  samples: '--samples',
  seconds: '--seconds',
  concurrency: '--concurrency',
  reference: '--reference',
};

const program = new Command('npm run bench --')
  .description(
    'Runs the named benchmarks (every one when none is named); each writes bench/results/NAME.json.',
  )
  .argument('[names...]', 'benchmarks to run')
  .addOption(
    new Option(
      '--scale <fraction>',
      'fraction of the full data set (feed 0.1, graph 1, analytics 1)',
    ).argParser(fraction),
  )
  .addOption(new Option('--samples <n>', 'timed calls per operation (default 300)').argParser(whole))
  .addOption(new Option('--seconds <n>', 'seconds per timed load (feed 10, others 15)').argParser(positive))
  .addOption(new Option('--concurrency <n>', 'calls in flight at once (graph; default 1)').argParser(whole))
  .option('--reference', 'write bench/reference/NAME.json, the committed run the UI shows, instead')
  .addHelpText(
    'after',
    `\nBenchmarks:\n${BENCHMARKS.map(
      (bench) =>
        `  ${bench.name.padEnd(10)} ${bench.measures}\n  ${''.padEnd(10)} options: ${bench.reads.map((key) => flag[key]).join(', ')}, --reference`,
    ).join('\n')}\n\nEnvironment: DATABASE_URL and REDIS_URL add the server stack where a benchmark has one.`,
  )
  .action(async (names: string[], options: BenchOptions) => {
    const unknown = names.filter((name) => !BENCHMARKS.some((bench) => bench.name === name));
    if (unknown.length) {
      program.error(
        `unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`,
      );
    }
    // In the order named, each once.
    const chosen = names.length
      ? [...new Set(names)].map((name) => BENCHMARKS.find((b) => b.name === name))
      : BENCHMARKS;
    for (const bench of chosen.filter((b) => b !== undefined)) {
      console.log(`\n=== bench: ${bench.name} ===`);
      await (await bench.load()).run(options);
    }
  });

await program.parseAsync();
