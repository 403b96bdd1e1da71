// Typed domain errors. Services throw them; the HTTP layer maps each to its status
// and the one error shape. Anything else is a 500 whose details stay in the log.

export type Details = Record<string, unknown>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Details,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: Details) {
    super(400, 'bad_request', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'a valid session is required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'you may not do this') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: Details) {
    super(409, code, message, details);
  }
}

/** 402: the wallet holds less than the payment needs; nothing was changed. */
export class InsufficientFundsError extends AppError {
  constructor(balanceCents: number, requiredCents: number) {
    super(402, 'insufficient_funds', 'your wallet holds less than this needs; nothing was changed', {
      balance_cents: balanceCents,
      required_cents: requiredCents,
    });
  }
}

/** A rate limit's current window, as the RateLimit-* response headers tell it. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(readonly state: RateLimitState) {
    super(429, 'rate_limited', `too many requests; retry in ${state.resetSeconds} s`, {
      retry_after_seconds: state.resetSeconds,
    });
    this.retryAfterSeconds = state.resetSeconds;
  }
}

/** How long a client should wait before retrying while a store is unreachable. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/**
 * 503: the store serving `role` did not answer (refused, timed out, lost its connection, or
 * is restarting). Raised at the engine edge (engines/unavailable.ts) from each driver's own
 * errors, so nothing above it knows SQLSTATEs or driver error names.
 */
export class StoreUnavailableError extends AppError {
  readonly retryAfterSeconds = RETRY_AFTER_UNAVAILABLE_SECONDS;
  constructor(
    readonly role: string,
    readonly engine: string,
    options?: { cause?: unknown },
  ) {
    super(503, 'unavailable', `the ${role} store is unreachable; try again shortly`, { role });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** 400: a store's own rule refused the data (a rule the edge should have caught; still the input's fault). */
export class StoreRefusedError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(400, 'bad_request', 'the data was refused by a store rule');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
