// polyglot start | seed | doctor. Reads ./.env first when there is one (the environment wins).
import fs from 'node:fs';
import net from 'node:net';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { buildWeb } from '../scripts/build-web.ts';
import { buildApp, type Platform } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openEngines } from './engines/open.ts';
import { DataDirInUseError } from './engines/pglite.ts';
import { engineProbes } from './engines/probes.ts';
import { checkHealth, formatHealth, type HealthReport } from './health.ts';
import { closeGracefully } from './http/server.ts';
import { DEFAULT_WORLD, type SeedReport, seedDemo } from './seed/seed.ts';

if (fs.existsSync('.env')) process.loadEnvFile('.env');

/** A start-up problem the user fixes by changing a setting: one line, no stack trace. */
class PortTakenError extends Error {}

/** Problems a user can fix get one clear line, not a stack trace. */
function exitWithReason(error: unknown): never {
  if (error instanceof ConfigError) console.error(`polyglot: configuration error: ${error.message}`);
  else if (error instanceof DataDirInUseError || error instanceof PortTakenError) {
    console.error(`polyglot: ${error.message}`);
  } else console.error(`polyglot: could not start: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    exitWithReason(error);
  }
}

/** Whether the port is free, asked before any engine opens, so a taken port leaves nothing behind. */
function checkPortFree({ host, port }: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortTakenError(
              `PORT ${port} is already in use on ${host}; stop what holds it or set PORT to another`,
            )
          : error,
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The embedded default on a data folder that does not exist yet, or is empty. */
function firstEmbeddedStart(config: Config): boolean {
  if (config.urls.DATABASE_URL || config.stores.accounts !== 'pglite') return false;
  return !fs.existsSync(config.dataDir) || fs.readdirSync(config.dataDir).length === 0;
}

/** Seeds with a progress bar on a terminal, then prints what was made and the log-ins to try. */
async function seedWithProgress(platform: Platform, seed: number, people: number): Promise<SeedReport> {
  const bar = new cliProgress.SingleBar(
    { format: 'seeding {bar} {percentage}% | {stage}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const report = await seedDemo(platform, {
    seed,
    people,
    onProgress: (done, total, stage) => {
      if (!started) bar.start(total, 0, { stage });
      started = true;
      bar.update(done, { stage });
    },
  });
  if (started) bar.stop();
  const made = Object.entries(report.created)
    .map(([what, count]) => `${count} ${what}`)
    .join(', ');
  console.log(
    report.alreadySeeded ? 'Demo content is there already: nothing added.' : `Demo content: ${made}.`,
  );
  for (const reason of report.skipped) console.log(`  not seeded: ${reason}`);
  console.log('Log in as:');
  for (const { role, email, password } of report.logIns)
    console.log(`  ${role.padEnd(8)} ${email}  ${password}`);
  return report;
}

/** See closeGracefully: how long new connections are served after SIGTERM, and the bound on requests in flight. */
const SHUTDOWN = { acceptMs: 1000, boundMs: 10_000 };
/** Time on top of SHUTDOWN.boundMs for draining due jobs and closing the engines. */
const SHUTDOWN_ENGINES_MS = 10_000;

const { seed: DEFAULT_SEED, people: DEFAULT_PEOPLE } = DEFAULT_WORLD;

async function start() {
  const config = configOrExit();
  await checkPortFree(config).catch(exitWithReason);
  // The web UI is built on the first start and after each change of its sources; otherwise a hash.
  await buildWeb().catch(exitWithReason);
  const seedNow = config.seedOnFirstStart && firstEmbeddedStart(config);
  const platform = await buildApp(config).catch(exitWithReason);
  const { app } = platform;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight, then closing every engine');
    // Past the bound the process exits anyway (an engine that hangs on close must not keep it up).
    setTimeout(() => process.exit(1), SHUTDOWN.boundMs + SHUTDOWN_ENGINES_MS).unref();
    try {
      // A supervisor's SIGTERM (a rolling restart) gets the accept window; Ctrl-C on a terminal does not wait.
      await closeGracefully(app, { ...SHUTDOWN, acceptMs: signal === 'SIGTERM' ? SHUTDOWN.acceptMs : 0 });
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (seedNow) {
    console.log(
      `First start on an empty data folder (${config.dataDir}): adding demo content (SEED=false skips it).`,
    );
    await seedWithProgress(platform, DEFAULT_SEED, DEFAULT_PEOPLE).catch(exitWithReason);
  }
  await app.listen({ host: config.host, port: config.port }).catch(exitWithReason);
  // The port really bound (PORT=0 picks a free one).
  const { port } = app.server.address() as net.AddressInfo;
  const ready = `Polyglot Social is ready at http://${config.host}:${port}`;
  // The address is printed whatever the log level: it is what the user waits for.
  if (['trace', 'debug', 'info'].includes(app.log.level)) {
    app.log.info({ stores: config.stores, ready_ms: Math.round(process.uptime() * 1000) }, ready);
  } else console.log(ready);
}

async function seed(options: { seed: number; people: number }) {
  const config = configOrExit();
  const platform = await buildApp({ ...config, logLevel: 'warn' }).catch(exitWithReason);
  const started = performance.now();
  try {
    await seedWithProgress(platform, options.seed, options.people);
  } finally {
    // Closing drains the fan-out jobs the posts enqueued.
    await platform.app.close();
  }
  console.log(`Seeded in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  process.exit(0);
}

/** Every role on the embedded database, whose data folder is missing: nothing to ask, and nothing is made. */
function noDataFolderYet(config: Config): boolean {
  return Object.values(config.stores).includes('pglite') && !fs.existsSync(config.dataDir);
}

/** Asks a running server first (it holds the embedded data folder); otherwise opens the engines itself. */
async function doctor() {
  const config = configOrExit();
  let report: HealthReport | undefined;
  let source = `the server at http://localhost:${config.port}`;
  try {
    const response = await fetch(`http://localhost:${config.port}/healthz`, {
      signal: AbortSignal.timeout(3000),
    });
    report = (await response.json()) as HealthReport;
  } catch {
    if (noDataFolderYet(config)) {
      console.log(`no data folder yet at ${config.dataDir}; \`npm start\` creates it`);
      process.exit(0);
    }
    source = 'engines opened by this command (no server answered); nothing was migrated or changed';
    const engines = await openEngines(config, { migrate: false }).catch(exitWithReason);
    try {
      report = await checkHealth(await engineProbes(config, engines));
    } finally {
      await engines.close();
    }
  }
  console.log(`Polyglot Social health, from ${source}\n`);
  console.log(formatHealth(report));
  // Exit now: a client still reconnecting to an unreachable server would keep the process alive.
  process.exit(report.status === 'ok' ? 0 : 1);
}

function wholeNumber(min: number, max: number) {
  return (raw: string) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  };
}

const program = new Command('polyglot').description(
  'Polyglot Social: a social platform on polyglot persistence',
);
program.command('start').description('serve the platform (PORT, default 3000)').action(start);
program
  .command('seed')
  .description('fill the platform with demo content: people, follows, posts, products, orders (idempotent)')
  .option(
    '--seed <number>',
    'the seed number: the same number gives the same world',
    wholeNumber(0, 2 ** 31),
    DEFAULT_SEED,
  )
  .option('--people <count>', 'how many people', wholeNumber(10, 100_000), DEFAULT_PEOPLE)
  .action(seed);
program.command('doctor').description('which engine serves each role, and whether it answers').action(doctor);
await program.parseAsync();
