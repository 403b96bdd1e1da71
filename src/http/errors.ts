// One error shape for every failure: {"error": {"code", "message", "details?"}}.
// Domain errors carry their status; Fastify's own (validation, bad JSON, body too
// large, wrong content type) are mapped here; anything else is a 500 whose details
// stay in the log. A stack trace never reaches a client.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  AppError,
  type Details,
  RateLimitedError,
  RETRY_AFTER_UNAVAILABLE_SECONDS,
  StoreRefusedError,
  StoreUnavailableError,
} from '../errors.ts';
import { sendRateLimitHeaders } from './rate-limit-headers.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * What the shared text patterns ask, in words: a person reading "must match pattern
 * ^[^\\u200B-..." or being told about NUL characters for a name of spaces cannot tell
 * what to change.
 */
function textPatternMessage(pattern: string): string | undefined {
  if (pattern.includes('u200B')) return 'must not contain invisible or text-direction characters';
  if (pattern.includes('[^\\s')) return 'must contain a visible character, and no NUL characters';
  if (pattern.includes('uD800')) return 'must be well-formed text, without NUL characters';
  return undefined;
}

/** `{fields: {email: "must match format \"email\"", ...}}` naming every failing field. */
function fieldsOf(issues: ValidationIssue[], part: string | undefined): Details {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    let field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    let message = issue.message ?? 'is invalid';
    if (issue.keyword === 'required') field = [field, issue.params.missingProperty].filter(Boolean).join('.');
    if (issue.keyword === 'additionalProperties') {
      field = [field, issue.params.additionalProperty].filter(Boolean).join('.');
      message = 'is not a known field';
    }
    if (issue.keyword === 'pattern') message = textPatternMessage(String(issue.params.pattern)) ?? message;
    fields[field || (part ?? 'body')] ??= message;
  }
  return { in: part, fields };
}

function send(reply: FastifyReply, status: number, code: string, message: string, details?: Details) {
  return reply.status(status).send({ error: details ? { code, message, details } : { code, message } });
}

export function registerErrorHandlers(app: FastifyInstance) {
  // Every 503 (a store unreachable, here or in a service, or /healthz) tells when to retry.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) {
      reply.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RateLimitedError) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
      sendRateLimitHeaders(reply, error.state);
    }
    // A store's failure was translated where the store is spoken to (engines/unavailable.ts).
    if (error instanceof StoreUnavailableError) {
      request.log.error({ err: error.cause ?? error, role: error.role }, 'a store is unreachable');
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    if (error instanceof StoreRefusedError)
      request.log.warn({ err: error.cause }, 'input refused by the database');
    if (error instanceof AppError) return send(reply, error.status, error.code, error.message, error.details);
    if (error.validation) {
      return send(
        reply,
        400,
        'bad_request',
        'the request is not valid',
        fieldsOf(error.validation as ValidationIssue[], error.validationContext),
      );
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return send(reply, 413, 'too_large', 'the request body is too large');
    if (status === 415)
      return send(reply, 415, 'unsupported_media_type', 'send the body as application/json');
    if (status >= 400 && status < 500) {
      return send(
        reply,
        status,
        'bad_request',
        error.code?.startsWith('FST_') ? error.message : 'bad request',
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, 'internal', 'something went wrong on our side');
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
