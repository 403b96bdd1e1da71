// The benchmark CLI and its results: `npm run bench -- --help` lists every benchmark and
// starts none, and the one results writer writes the shape the architecture page reads.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { writeResults } from '../../bench/support/results.ts';
import { readBenchmarks } from '../../src/http/benchmarks.ts';

const execFile$ = promisify(execFile);
const BENCHMARKS = ['analytics', 'commerce', 'feed', 'graph', 'scale', 'sessions', 'workload'];

describe('npm run bench -- --help', () => {
  it('lists every benchmark with what it measures and its options, and runs none', async () => {
    const { stdout } = await execFile$(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--help']);
    for (const name of BENCHMARKS)
      expect(stdout).toMatch(new RegExp(`^  ${name} +\\S.*\\n +options: --`, 'm'));
    for (const option of ['--scale', '--samples', '--seconds', '--concurrency', '--reference']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).not.toContain('=== bench:');
  });

  it('refuses an unknown benchmark and an option that is not a number, running nothing', async () => {
    const refused = (args: string[]) =>
      execFile$(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args]).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const unknown = await refused(['no-such-bench']);
    expect(unknown?.code).not.toBe(0);
    expect(unknown?.stderr).toContain('unknown benchmark no-such-bench');
    const notNumber = await refused(['feed', '--scale', 'lots']);
    expect(notNumber?.code).not.toBe(0);
    expect(notNumber?.stdout).not.toContain('=== bench:');
  });
});

describe('the results writer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes date, machine, engines, scale, figures, ratios and targets where the API reads them', () => {
    const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-results-'));
    dirs.push(benchDir);
    const report = {
      engines: { postgresql: '15.14' },
      scale: 0.01,
      figures: { fanout: { p50_ms: 1.5 } },
      ratios: { 'sqljoin / fanout': 12.5 },
      targets: { 'fanout vs sqljoin': { goal: '≥ 20×', value: 12.5, met: false } },
    };
    const file = writeResults('feed', report, {}, benchDir);
    expect(file).toBe(path.join(benchDir, 'results', 'feed.json'));
    writeResults('graph', report, { reference: true }, benchDir);

    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(written)).toEqual([
      'date',
      'machine',
      'engines',
      'scale',
      'figures',
      'ratios',
      'targets',
    ]);
    expect(new Date(written.date).toISOString()).toBe(written.date);
    expect(written.machine).toEqual({
      cpu: expect.any(String),
      cores: expect.any(Number),
      memory_gib: expect.any(Number),
      node: process.version,
      load_average: [expect.any(Number), expect.any(Number), expect.any(Number)],
    });
    expect(written).toMatchObject(report);

    expect(readBenchmarks(benchDir).map(({ name, source }) => ({ name, source }))).toEqual([
      { name: 'feed', source: 'results' },
      { name: 'graph', source: 'reference' },
    ]);
  });
});
