// npm run bench [-- NAME...]: runs the named benchmarks (all when none is named).
// Each benchmark is bench/NAME.ts exporting `run()`; it prints its own figures,
// as ratios against a baseline measured in the same run.
import fs from 'node:fs';

const available = fs
  .readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'measure.ts'].includes(file))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

// Options (`--scale=0.1`) are for the benchmarks themselves, which read process.argv.
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${available.join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : available) {
  console.log(`\n=== bench: ${name} ===`);
  const { run } = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  await run();
}
