// The graph role: FOLLOWS, BLOCKS and MUTES on the accounts' SQL database (edge tables, the
// counters moved in the same transaction) or on Neo4j (Cypher; the counters moved by the
// service). Its blocks and mutes are rules of the viewer seam, which the posts role owns.
import { sqlProfileCounters } from '../accounts/accounts.postgres.ts';
import { eraseOnAccountDeleted } from '../accounts/erasure.ts';
import type { PlatformModule } from '../modules.ts';
import type { GraphPort } from './graph.port.ts';
import { createPostgresGraph } from './graph.postgres.ts';
import { graphRoutes } from './graph.routes.ts';
import { GraphService } from './graph.service.ts';
import { graphViewerRules } from './graph.viewer-rules.ts';

declare module '../modules.ts' {
  interface Provided {
    graph: GraphPort;
    graphService: GraphService;
  }
}

export const graphModule: PlatformModule = {
  name: 'graph',
  async open(ctx) {
    const { config } = ctx;
    let port: GraphPort;
    if (config.stores.graph === 'neo4j') {
      const { driver, database } = ctx.engines.neo4j();
      const { createNeo4jGraph } = await import('./graph.neo4j.ts');
      // The key prefix keeps deployments (and test runs) sharing one Neo4j database apart.
      port = await createNeo4jGraph(driver, { database, namespace: config.keyPrefix });
    } else {
      // On the accounts' database (config.ts): the edges move the profile counters in their transaction.
      port = createPostgresGraph(ctx.sql('graph'), sqlProfileCounters);
    }
    const graph = ctx.guard('graph', port);
    const views = ctx.use('views');
    for (const rule of graphViewerRules(graph, ctx.use('cache'), ctx.use('events'))) views.addRule(rule);
    const service = new GraphService({
      graph,
      accounts: ctx.use('accounts'),
      cursors: ctx.use('cursors'),
      events: ctx.use('events'),
    });
    eraseOnAccountDeleted(ctx.use('events'), ctx.log, 'graph', ({ user_id }) => service.eraseUser(user_id));
    const auth = ctx.use('auth');
    return {
      provides: { graph, graphService: service },
      routes: (app) => app.register(graphRoutes, { graph: service, auth }),
      probes: { graph: { engine: config.stores.graph, ping: () => graph.ping() } },
    };
  },
};
