// polyglot start | doctor
import { Command } from 'commander';
import { buildApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './engines/pglite.ts';
import { checkHealth, formatHealth, type HealthReport } from './health.ts';

/** Problems a user can fix get one clear line, not a stack trace. */
function exitWithReason(error: unknown): never {
  if (error instanceof ConfigError) console.error(`polyglot: configuration error: ${error.message}`);
  else if (error instanceof DataDirInUseError) console.error(`polyglot: ${error.message}`);
  else console.error(`polyglot: could not start: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    exitWithReason(error);
  }
}

async function start() {
  const config = configOrExit();
  const { app } = await buildApp(config).catch(exitWithReason);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight, then closing every engine');
    try {
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.host, port: config.port }).catch(exitWithReason);
  app.log.info(
    { stores: config.stores, ready_ms: Math.round(process.uptime() * 1000) },
    `Polyglot Social is ready at http://${config.host}:${config.port}`,
  );
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
    source = 'engines opened by this command (no server answered)';
    const { app, probes } = await buildApp({ ...config, logLevel: 'silent' }).catch(exitWithReason);
    report = await checkHealth(probes);
    await app.close();
  }
  console.log(`Polyglot Social health, from ${source}\n`);
  console.log(formatHealth(report));
  // Exit now: a client still reconnecting to an unreachable server would keep the process alive.
  process.exit(report.status === 'ok' ? 0 : 1);
}

const program = new Command('polyglot').description(
  'Polyglot Social: a social platform on polyglot persistence',
);
program.command('start').description('serve the platform (PORT, default 3000)').action(start);
program.command('doctor').description('which engine serves each role, and whether it answers').action(doctor);
await program.parseAsync();
