// compose.yaml needs a Docker engine, which the test suite does not use, so this checks
// what can be checked without one: the app's environment is one loadConfig
// accepts and puts every role on the server meant for it, each URL names a service
// the app waits for, and the credentials on both sides agree.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_VARIABLES, loadConfig } from '../src/config.ts';

const COMPOSE_FILE = fileURLToPath(new URL('../compose.yaml', import.meta.url));

interface Service {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  ports?: (string | number)[];
}

const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
const compose = parse(text) as { services: Record<string, Service> };
const services = compose.services;
const app = services.app as Service;

/** A service's environment as name -> string, from either of the forms Compose allows. */
function environmentOf(service: Service | undefined): Record<string, string> {
  const environment = service?.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value === null ? '' : String(value)]),
  );
}

const dependsOn = (service: Service): string[] =>
  Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});

const appEnv = environmentOf(app);

describe('compose.yaml', () => {
  it('says at the top that the test suite does not run it (no Docker engine)', () => {
    const header = text.split('\n').filter((line) => line.startsWith('#'));
    expect(header.join('\n')).toMatch(/needs no Docker engine/i);
    expect(text.startsWith('#')).toBe(true);
  });

  it('defines the real servers at the versions the project targets', () => {
    expect(services.postgres?.image).toBe('postgres:15');
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.mongodb?.image).toMatch(/^mongo:7/);
    expect(services.neo4j?.image).toMatch(/^neo4j:5/);
    expect(services.influxdb?.image).toBe('influxdb:1.8');
    expect(app.image).toMatch(/^node:(22|24)$/);
    expect(app.ports?.map(String)).toContain('3000:3000');
  });

  it('sets only variables the platform knows', () => {
    const known: readonly string[] = KNOWN_VARIABLES;
    expect(Object.keys(appEnv).length).toBeGreaterThan(0);
    expect(Object.keys(appEnv).filter((name) => !known.includes(name))).toEqual([]);
  });

  it('gives the app an environment loadConfig accepts, with each role on its server', () => {
    const config = loadConfig(appEnv);
    expect(config.stores).toEqual({
      accounts: 'postgres',
      commerce: 'postgres',
      posts: 'mongo',
      graph: 'neo4j',
      cache: 'redis',
      jobs: 'redis',
      analytics: 'influx',
    });
    // Reachable from outside the container, on the port Compose publishes.
    expect(config.host).toBe('0.0.0.0');
    const published = (app.ports ?? []).map((port) => String(port).split(':').at(-1));
    expect(published).toContain(String(config.port));
  });

  it('points every URL at a service the app waits for', () => {
    const urls = Object.entries(appEnv).filter(([name]) => name.endsWith('_URL'));
    expect(urls.map(([name]) => name).sort()).toEqual(
      ['DATABASE_URL', 'INFLUX_URL', 'MONGODB_URL', 'NEO4J_URL', 'REDIS_URL'].sort(),
    );
    for (const [name, value] of urls) {
      const host = new URL(value).hostname;
      expect(Object.keys(services), `${name} names ${host}`).toContain(host);
      expect(dependsOn(app), `the app should wait for ${host}`).toContain(host);
    }
  });

  it('depends only on defined services, each with a healthcheck it waits for', () => {
    const dependencies = dependsOn(app);
    expect(dependencies.sort()).toEqual(['influxdb', 'mongodb', 'neo4j', 'postgres', 'redis']);
    for (const name of dependencies) {
      expect(services[name], `service ${name}`).toBeDefined();
      expect(services[name]?.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      if (!Array.isArray(app.depends_on)) {
        expect(app.depends_on?.[name]?.condition, name).toBe('service_healthy');
      }
    }
  });

  it('uses the same credentials, database and replica set on both sides', () => {
    const postgres = environmentOf(services.postgres);
    const databaseUrl = new URL(appEnv.DATABASE_URL ?? '');
    expect(decodeURIComponent(databaseUrl.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(databaseUrl.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(databaseUrl.pathname).toBe(`/${postgres.POSTGRES_DB}`);

    const neo4jUrl = new URL(appEnv.NEO4J_URL ?? '');
    expect(`${neo4jUrl.username}/${decodeURIComponent(neo4jUrl.password)}`).toBe(
      environmentOf(services.neo4j).NEO4J_AUTH,
    );

    const influx = environmentOf(services.influxdb);
    expect(new URL(appEnv.INFLUX_URL ?? '').pathname).toBe(`/${influx.INFLUXDB_DB}`);

    const mongoUrl = new URL(appEnv.MONGODB_URL ?? '');
    const replicaSet = mongoUrl.searchParams.get('replicaSet');
    expect(replicaSet).toBe('rs0');
    const mongoCommand = [services.mongodb?.command ?? []].flat().join(' ');
    expect(mongoCommand).toContain(`--replSet ${replicaSet}`);
    expect([services.mongodb?.healthcheck?.test ?? []].flat().join(' ')).toContain('rs.initiate(');
  });

  it('lifts the InfluxDB series limits that would make writes fail with "partial write"', () => {
    const influx = environmentOf(services.influxdb);
    expect(influx.INFLUXDB_DATA_MAX_VALUES_PER_TAG).toBe('0');
    expect(influx.INFLUXDB_DATA_MAX_SERIES_PER_DATABASE).toBe('0');
  });
});
