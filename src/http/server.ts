// The Fastify instance: validation, the error shape, OpenAPI, logging.

import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Config } from '../config.ts';
import { BadRequestError } from '../errors.ts';
import { registerErrorHandlers } from './errors.ts';
import { PACING_HEADERS } from './rate-limit-headers.ts';
import { ErrorReply } from './schemas.ts';
import { registerSecurityHeaders } from './security.ts';
import { lowerCaseRequestUuids } from './uuids.ts';

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

const RAW_ERRORS: Record<string, { status: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: '431 Request Header Fields Too Large',
    code: 'too_large',
    message: 'the request headers are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: '408 Request Timeout',
    code: 'request_timeout',
    message: 'the request did not arrive in time',
  },
};

/**
 * Requests Node's HTTP parser refuses (bad bytes in headers, oversized headers) or that did
 * not arrive within the request timeout: answered on the raw socket, which is then closed.
 */
function rawClientError(error: NodeJS.ErrnoException, socket: Duplex) {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const known = RAW_ERRORS[String(error.code)];
  const status = known?.status ?? '400 Bad Request';
  const body = JSON.stringify({
    error: known
      ? { code: known.code, message: known.message }
      : { code: 'bad_request', message: 'malformed HTTP request' },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

/**
 * Ajv coerces whatever Number() takes ("0x2", "2e0", " 2") into an integer. Path and
 * query integers must be written in plain decimal: anything else is a malformed id or
 * limit, refused before validation coerces it.
 */
function refuseNonDecimalIntegers(request: FastifyRequest) {
  const schema = request.routeOptions.schema;
  const parts = [
    ['params', schema?.params, request.params],
    ['querystring', schema?.querystring, request.query],
  ] as const;
  const fields: Record<string, string> = {};
  for (const [, partSchema, values] of parts) {
    const properties = (partSchema as { properties?: Record<string, { type?: string }> } | undefined)
      ?.properties;
    if (!properties || !values) continue;
    for (const [name, property] of Object.entries(properties)) {
      const raw = (values as Record<string, unknown>)[name];
      if (property.type === 'integer' && typeof raw === 'string' && !DECIMAL_INTEGER.test(raw)) {
        fields[name] = 'must be a whole number in plain decimal digits';
      }
    }
  }
  if (Object.keys(fields).length) throw new BadRequestError('the request is not valid', { fields });
}

/**
 * Fastify's and Node's timeouts from the configuration, so that a client trickling its headers
 * or body cannot hold a connection (and its memory) for long. Node checks the request and
 * headers timeouts only every connectionsCheckingInterval (30 s by default): checked more often
 * here, so a short timeout really is short.
 */
function timeoutOptions({ timeouts }: Config) {
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.connectionMs,
    http: {
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.headersMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(timeouts.headersMs / 2)),
    },
  };
}

/** The fields of the one request line, left out of pretty output because its message says them. */
const REQUEST_FIELDS = ['method', 'route', 'status', 'response_ms'];

/** Readable lines on a terminal (pino-pretty, in a worker thread), one JSON object a line otherwise. */
function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    // Credentials never reach the log.
    redact: [
      'req.headers.authorization',
      'req.body.password',
      'req.body.current_password',
      'req.body.new_password',
    ],
    ...(config.logFormat === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              translateTime: 'HH:MM:ss',
              ignore: ['pid', 'hostname', 'reqId', 'stores', ...REQUEST_FIELDS].join(','),
            },
          },
        }
      : {}),
  };
}

/**
 * One line per request, after its reply: method, route (the pattern, so ids and query
 * strings stay out of the log), status and time. Fastify's own two lines are turned off.
 */
function logEachRequest(app: FastifyInstance) {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? request.url.split('?')[0];
    const fields = {
      method: request.method,
      route,
      status: reply.statusCode,
      response_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    request.log.info(fields, `${fields.method} ${route} ${fields.status} ${fields.response_ms} ms`);
  });
}

/** Servers shutting down: each of their replies says Connection: close. */
const draining = new WeakSet<FastifyInstance>();

/**
 * A connection without a request in progress is closed at shutdown only once it has stayed so
 * through QUIET_SWEEPS sweeps, each after a turn of the event loop that read the sockets: Node
 * counts a connection whose request is still unread in its socket buffer (just accepted, or a
 * kept-alive one the client has just written to) as idle, and closing it would reset a request
 * that reached the process. Counting turns rather than milliseconds keeps this true while a long
 * synchronous task (the embedded database) holds the event loop.
 */
const SWEEP_MS = 100;
const QUIET_SWEEPS = 5;

/**
 * A reply sent before its request's body has arrived (413 body too large, a refusal before
 * parsing) closes the connection. Closing a socket that still has unread data makes the kernel
 * send a reset, and a client still writing its body may then lose the reply it was sent. So the
 * connection is half-closed (our side is done) and what the client still sends is read and
 * discarded, up to these bounds, before it is closed: the "lingering close" of nginx and Apache.
 */
const LINGER_MAX_BYTES = 64 * 1_048_576;
const LINGER_MAX_MS = 5000;

function closeAfterDiscardingBody(socket: Socket) {
  socket.end();
  let discarded = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER_MAX_MS);
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) close();
  });
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/**
 * Tracks each connection: how many requests it has in progress, for how many shutdown sweeps it
 * has had none, and its latest request, so that closing it first discards a body still arriving.
 */
function trackConnections(server: http.Server) {
  const connections = new Map<Socket, { inProgress: number; quietSweeps: number }>();
  const latestRequest = new WeakMap<Socket, http.IncomingMessage>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    connections.set(socket, { inProgress: 0, quietSweeps: 0 });
    socket.once('close', () => connections.delete(socket));
    // Node closes a connection after a Connection: close reply with destroySoon().
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const request = latestRequest.get(socket);
      if (request && !request.complete && !socket.destroyed) closeAfterDiscardingBody(socket);
      else destroySoon();
    };
  });
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    latestRequest.set(request.socket as Socket, request);
    const state = connections.get(request.socket as Socket);
    if (!state) return;
    state.inProgress++;
    state.quietSweeps = 0;
    response.once('close', () => {
      state.inProgress--;
      state.quietSweeps = 0;
    });
  });
  return {
    /** Connections accepted so far. */
    accepted: () => accepted,
    /** One sweep; setImmediate runs it after the poll phase, so data waiting on a socket is read first. */
    sweep() {
      setImmediate(() => {
        for (const [socket, state] of connections) {
          if (state.inProgress > 0) continue;
          state.quietSweeps++;
          if (state.quietSweeps >= QUIET_SWEEPS) socket.destroy();
        }
      });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const connectionTrackers = new WeakMap<FastifyInstance, ReturnType<typeof trackConnections>>();

export interface ShutdownOptions {
  /**
   * How long new connections are still accepted (and served) after the signal. Closing the
   * listening socket at once would reset the connections the kernel had already accepted into
   * its backlog, whose requests reached the host yet would never be answered.
   */
  acceptMs: number;
  /** Requests still running after this are cut off, so that the process exits within a bound. */
  boundMs: number;
}

/**
 * Stops the server without dropping a request that reached it: every reply from now on carries
 * Connection: close (a client or load balancer sends its next request elsewhere); new connections
 * are served for `acceptMs`; then the listener closes, requests in flight (and one that still
 * arrives on a kept-alive connection) finish, connections left quiet are closed, and only then do
 * the onClose hooks close the engines.
 */
export async function closeGracefully(app: FastifyInstance, { acceptMs, boundMs }: ShutdownOptions) {
  draining.add(app);
  const tracker = connectionTrackers.get(app);
  const deadline = Date.now() + boundMs;
  const cutOff = setTimeout(() => app.server.closeAllConnections(), boundMs);
  let sweep: NodeJS.Timeout | undefined;
  try {
    await sleep(Math.min(acceptMs, boundMs));
    // Closing the listener resets the connections still in its backlog, so it closes only after a
    // turn of the event loop that accepted none (libuv accepts until the backlog is empty): a busy
    // process may be seconds behind its backlog.
    for (let seen = -1; tracker && tracker.accepted() !== seen && Date.now() < deadline; ) {
      seen = tracker.accepted();
      await sleep(SWEEP_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (tracker) {
      // Instead of Node's closing of every connection without a request in progress (see QUIET_SWEEPS).
      app.server.closeIdleConnections = () => {};
      sweep = setInterval(() => tracker.sweep(), SWEEP_MS);
    }
    await app.close();
  } finally {
    clearTimeout(cutOff);
    clearInterval(sweep);
  }
}

export async function createHttpServer(config: Config) {
  const app = Fastify({
    logger: loggerOptions(config),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ...timeoutOptions(config),
    trustProxy: config.trustProxy,
    // A request arriving on a kept-alive connection while shutting down is served (the engines
    // close only once every connection has), its reply saying Connection: close: see closeGracefully.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Errors the router and the HTTP parser raise before any route runs get the one error shape too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.status(tooLong ? 414 : 400).send({
        error: {
          code: tooLong ? 'too_long' : 'bad_request',
          message: tooLong ? 'a path segment is too long' : 'malformed URL',
        },
      });
    },
    clientErrorHandler: rawClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const { strictJson, fromText } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictJson : fromText).compile(schema as object),
  );
  // The API speaks JSON only: any other body gets 415 (Fastify would parse text/plain as a string).
  app.removeContentTypeParser('text/plain');
  if (config.logRequests) logEachRequest(app);
  connectionTrackers.set(app, trackConnections(app.server));
  app.addHook('onSend', async (_request, reply) => {
    if (draining.has(app)) reply.header('connection', 'close');
  });
  app.decorateRequest('session', null);
  app.addHook('preValidation', async (request) => refuseNonDecimalIntegers(request));
  app.addHook('preValidation', async (request) => lowerCaseRequestUuids(request));
  app.addSchema(ErrorReply);
  registerErrorHandlers(app);
  await registerSecurityHeaders(app);

  // Browsers on the origins CORS_ORIGINS names may call the API (preflights answered);
  // by default none: the same origin only. Their scripts may read the rate-limit headers too.
  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins.length ? config.corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: PACING_HEADERS,
  });

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
