// npm run bench [-- NAME...]: runs the named benchmarks (all when none is named);
// `npm run bench -- --help` lists them and starts nothing. Each benchmark is bench/NAME.ts
// exporting `run()`, whose first comment line says what it measures; it prints its own
// figures, as ratios against a baseline measured in the same run.
import fs from 'node:fs';

const available = fs
  .readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'measure.ts'].includes(file))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

/** What a benchmark measures: the first sentence of its file's opening comment, read without running it. */
function summary(name: string): string {
  const text = fs.readFileSync(new URL(`./${name}.ts`, import.meta.url), 'utf8');
  const comment = /^(?:\/\/.*\n)+/.exec(text)?.[0] ?? '';
  const joined = comment
    .replace(/^\/\/\s?/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = joined.split(/(?<=\.)\s/)[0] ?? '';
  return sentence.length > 120 ? `${sentence.slice(0, 119)}…` : sentence;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: npm run bench [-- NAME... [--scale=0.1]]   (every benchmark when none is named)\n');
  for (const name of available) console.log(`  ${name.padEnd(10)} ${summary(name)}`);
  process.exit(0);
}

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
