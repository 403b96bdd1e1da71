// The one logger type every part takes: what pino (and so Fastify's app.log) gives, narrowed
// to the levels the platform writes, so that a service never depends on the HTTP framework.

export interface Log {
  info(object: unknown, message: string): void;
  warn(object: unknown, message: string): void;
  error(object: unknown, message: string): void;
}
