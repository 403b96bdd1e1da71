// The Fastify instance: validation, the error shape, OpenAPI, logging.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import type { Config } from '../config.ts';
import { registerErrorHandlers } from './errors.ts';
import { ErrorReply } from './schemas.ts';

// Bodies are JSON: their types must be right as sent (no "123" for 123), and unknown
// fields are refused, never silently stripped (Fastify's default strips them).
// Params and query strings arrive as text, so there numbers are coerced.
function validators() {
  const base: AjvOptions = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };
  const strictJson = addFormats.default(new Ajv({ ...base, coerceTypes: false }));
  const fromText = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
  for (const ajv of [strictJson, fromText]) ajv.addSchema(ErrorReply);
  return { strictJson, fromText };
}

export async function createHttpServer(config: Config) {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Credentials never reach the log.
      redact: [
        'req.headers.authorization',
        'req.body.password',
        'req.body.current_password',
        'req.body.new_password',
      ],
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Answer 503 to requests arriving while shutting down; those in flight finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  const { strictJson, fromText } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictJson : fromText).compile(schema as object),
  );
  // The API speaks JSON only: any other body gets 415 (Fastify would parse text/plain as a string).
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('session', null);
  app.addSchema(ErrorReply);
  registerErrorHandlers(app);

  // Swagger before the routes, or they are missing from the document.
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Polyglot Social API',
        version: '1',
        description: 'Every list is {items, next_cursor}; every error is {error: {code, message, details?}}.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}

export type HttpServer = Awaited<ReturnType<typeof createHttpServer>>;
