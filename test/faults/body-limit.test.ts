// A body over the limit, over real sockets: the client is still writing megabytes when the 413
// is sent, and must read that 413 every time, never a reset connection in its place.
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/app.ts';

const BODY_BYTES = 5 * 1_048_576;
const ATTEMPTS = 60;
const CONCURRENT = 3;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

/**
 * Sends a 5 MB JSON body as fast as the socket takes it, as an ordinary client does (Node's own
 * HTTP client); resolves with the status, or the error that came instead.
 */
function sendLargeBody(port: number): Promise<string> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/accounts',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': BODY_BYTES },
      },
      (response) => {
        response.resume();
        resolve(String(response.statusCode));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
    let sent = 0;
    const pump = () => {
      while (sent < BODY_BYTES && !request.destroyed) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, BODY_BYTES - sent));
        sent += piece.length;
        if (!request.write(piece)) {
          request.once('drain', pump);
          return;
        }
      }
      if (sent >= BODY_BYTES) request.end();
    };
    pump();
  });
}

describe('a request body over the limit', () => {
  it(`gets its 413 every time (${ATTEMPTS} bodies of 5 MB, ${CONCURRENT} at a time)`, {
    timeout: 120_000,
  }, async () => {
    const { app } = await buildTestApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const outcomes: string[] = [];
    for (let done = 0; done < ATTEMPTS; done += CONCURRENT) {
      outcomes.push(...(await Promise.all(Array.from({ length: CONCURRENT }, () => sendLargeBody(port)))));
    }
    expect(outcomes.filter((outcome) => outcome !== '413')).toEqual([]);
  });
});
