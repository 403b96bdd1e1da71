// The contract of a role module (src/<role>/<role>.module.ts). A module opens its ports on the
// engine the configuration chose, builds its services and routes, registers its jobs and
// subscribes to events, and gives its health probe. app.ts opens the modules in order; what a
// module provides (a port, a service, the viewer seam) later modules take with ctx.use().
//
// A module adds what it provides to the `Provided` map from its own file, by declaration
// merging, so this file never lists any role's insides:
//
//   declare module '../modules.ts' {
//     interface Provided { blocks: BlocksPort }
//   }
import type { FastifyInstance } from 'fastify';
import type { Config, Role } from './config.ts';
import type { Engines } from './engines/open.ts';
import type { SqlDatabase } from './engines/sql.ts';
import { guardPort } from './engines/unavailable.ts';
import type { RoleProbe } from './health.ts';
import type { Log } from './log.ts';

/** What modules give each other, by name; each module's file adds its own entries. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each module's file
export interface Provided {}

export interface ModuleContext {
  readonly config: Config;
  readonly engines: Engines;
  readonly log: Log;
  /** The HTTP server, for hooks on every request (routes go in OpenedModule.routes). */
  readonly http: FastifyInstance;
  /** What an earlier module provides; throws naming it when no module opened before provides it. */
  use<Name extends keyof Provided>(name: Name): Provided[Name];
  /** The role's SQL database, or a clear error when the configuration put the role elsewhere. */
  sql(role: Role): SqlDatabase;
  /** `port` with its store failures translated into StoreUnavailableError naming `role` (a 503). */
  guard<Port extends object>(role: Role, port: Port): Port;
}

export interface OpenedModule {
  /** Given to the modules opened after this one (ctx.use). */
  provides?: Partial<Provided>;
  /** Mounted under /api/v1 once every module is open. */
  routes?: (app: FastifyInstance) => PromiseLike<unknown>;
  /** The role's health in /healthz, by the role it serves. */
  probes?: Partial<Record<Role, RoleProbe>>;
  /** Starts background work once every module is open and its routes mounted (job workers, timers). */
  start?(): Promise<void> | void;
  /** Stops it; modules close in the reverse order of opening, then the engines close. */
  close?(): Promise<void>;
}

export interface PlatformModule {
  readonly name: string;
  open(ctx: ModuleContext): Promise<OpenedModule>;
}

/** The context modules open in, with the one engine guard every SQL role shares. */
export function moduleContext(
  config: Config,
  engines: Engines,
  http: FastifyInstance,
  provided: Partial<Provided>,
): ModuleContext {
  return {
    config,
    engines,
    log: http.log,
    http,
    use(name) {
      const value = provided[name];
      if (value === undefined) throw new Error(`no module opened so far provides ${String(name)}`);
      return value as Provided[typeof name];
    },
    sql(role) {
      const engine = config.stores[role];
      if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`${role} cannot run on ${engine}`);
      return engines.sql(engine);
    },
    guard: (role, port) => guardPort(port, { role, engine: config.stores[role] }),
  };
}
