// SIGTERM during a burst, over real sockets, to the platform started as `npm start` does:
// every request that reached the process gets an answer (its normal one, or 503 with
// Connection: close), none is reset, and the process exits 0 once they are answered.
// Half the requests travel on kept-alive connections, half on new ones.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { newAccountBody } from '../support/api.ts';
import { startApiProcess } from '../support/api-process.ts';
import { freshDataDir } from '../support/stores.ts';

const REQUESTS = 50;
const SPACING_MS = 8;
/** The signal comes in the middle of the burst. */
const SIGNAL_AT = REQUESTS / 2;

type Outcome = { status: number; connection: string | undefined } | { error: string };

function send(port: number, agent: http.Agent | false, index: number): Promise<Outcome> {
  // Sign-ups (a body, a password hash and a write: some still running at the signal) among
  // health checks (every engine asked).
  const body = index % 5 === 0 ? JSON.stringify(newAccountBody()) : undefined;
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: body ? 'POST' : 'GET',
        path: body ? '/api/v1/accounts' : '/healthz',
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end(body);
  });
}

describe('SIGTERM during a burst of requests', () => {
  it('answers every request that reached the process, then exits', { timeout: 120_000 }, async () => {
    const api = await startApiProcess({ DATA_DIR: freshDataDir(), RATE_LIMIT_SIGNUP_PER_ADDRESS: '1000/1h' });
    const port = Number(new URL(api.url).port);
    const keptAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
    // The kept-alive connections are open before the burst, as a load balancer's would be.
    await Promise.all([0, 1, 2, 3].map((i) => send(port, keptAlive, 2 * i + 1)));

    const sent: Array<Promise<Outcome>> = [];
    for (let i = 0; i < REQUESTS; i++) {
      if (i === SIGNAL_AT) api.child.kill('SIGTERM');
      sent.push(send(port, i % 2 === 0 ? false : keptAlive, i));
      await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    }
    const outcomes = await Promise.all(sent);
    expect(await api.exited, api.output()).toBe(0);
    keptAlive.destroy();

    // A refused connection never reached the process (its listener had closed): a load balancer
    // retries it elsewhere. A reset one had reached it and was dropped: none may be.
    const reset = outcomes.filter((outcome) => 'error' in outcome && outcome.error !== 'ECONNREFUSED');
    expect(reset, JSON.stringify(outcomes)).toEqual([]);
    const answered = outcomes.filter((outcome) => 'status' in outcome);
    expect(answered.slice(SIGNAL_AT).length, 'requests after the signal answered').toBeGreaterThan(0);
    for (const outcome of answered) {
      expect([200, 201, 503]).toContain(outcome.status);
      if (outcome.status === 503) expect(outcome.connection).toBe('close');
    }
    // Those after the signal were told to take their next request elsewhere.
    for (const outcome of outcomes.slice(SIGNAL_AT + 1)) {
      if ('status' in outcome) expect(outcome.connection).toBe('close');
    }
    expect(await send(port, false, 1)).toEqual({ error: 'ECONNREFUSED' });
  });
});
