// Health probes straight on the opened engines, with no adapter built: what `polyglot doctor`
// asks when no server answers. Building the platform would migrate the databases, start job
// workers and the outbox relay and delete expired analytics; a health check does none of that.
import type { Config, Engine, Role } from '../config.ts';
import type { RoleProbes } from '../health.ts';
import type { Engines } from './open.ts';

export async function engineProbes(config: Config, engines: Engines): Promise<RoleProbes> {
  const probes: RoleProbes = {};
  for (const [role, engine] of Object.entries(config.stores) as [Role, Engine][]) {
    let ping: () => Promise<void>;
    switch (engine) {
      case 'pglite':
      case 'postgres':
        ping = () => engines.sql(engine).ping();
        break;
      case 'redis':
        ping = async () => {
          await engines.redis().ping();
        };
        break;
      case 'neo4j':
        ping = async () => {
          const { driver, database } = engines.neo4j();
          await driver.verifyConnectivity({ database });
        };
        break;
      case 'mongo': {
        const { pingMongo } = await import('./mongo.ts');
        ping = () => pingMongo(engines.mongo());
        break;
      }
      case 'influx': {
        const { openInflux } = await import('./influx.ts');
        const influx = openInflux(config.urls.INFLUX_URL as string);
        ping = () => influx.ping();
        break;
      }
      case 'memory':
        // In-process memory answers whenever this process does.
        ping = async () => {};
    }
    probes[role] = { engine, ping };
  }
  return probes;
}
