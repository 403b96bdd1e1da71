// GET /api/v1/benchmarks: the measured trade-offs the architecture page charts. Each
// benchmark's latest run on this machine (bench/results/NAME.json, written by `npm run bench`)
// when there is one, else the committed reference run (bench/reference/NAME.json). Files are
// read per request (a handful of small files), so a run finished while serving shows at once.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const BenchmarksReply = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        name: Type.String({ description: 'the benchmark: `npm run bench -- NAME` runs it again' }),
        source: Type.Union([Type.Literal('results'), Type.Literal('reference')], {
          description: 'measured on this machine (results) or the committed reference run',
        }),
        report: Type.Record(Type.String(), Type.Unknown(), {
          description: 'the JSON the benchmark wrote: date, machine, figures, ratios, targets',
        }),
      }),
    ),
  },
  { title: 'Benchmarks' },
);

type Item = { name: string; source: 'results' | 'reference'; report: Record<string, unknown> };

function readFolder(folder: string, source: Item['source']): Item[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((file) => {
    try {
      const report = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
      if (typeof report !== 'object' || report === null || Array.isArray(report)) return [];
      return [{ name: file.replace(/\.json$/, ''), source, report }];
    } catch {
      // A file being written, or not JSON: left out rather than failing the page.
      return [];
    }
  });
}

/** Each benchmark once: this machine's run before the reference, by name. */
export function readBenchmarks(benchDir: string): Item[] {
  const byName = new Map<string, Item>();
  for (const item of [
    ...readFolder(path.join(benchDir, 'results'), 'results'),
    ...readFolder(path.join(benchDir, 'reference'), 'reference'),
  ]) {
    if (!byName.has(item.name)) byName.set(item.name, item);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export const benchmarksRoutes: FastifyPluginAsyncTypebox<{ benchDir: string }> = async (
  app,
  { benchDir },
) => {
  app.get(
    '/api/v1/benchmarks',
    {
      schema: {
        tags: ['system'],
        summary: 'The benchmark results: this machine’s latest run of each, else the committed reference run',
        response: { 200: BenchmarksReply },
      },
    },
    async () => ({ items: readBenchmarks(benchDir) }),
  );
};
