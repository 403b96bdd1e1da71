// The web UI's types for API replies (web/api/schema.d.ts) are generated from the server's own
// OpenAPI document: this test fails when they are not current, so a change to a route's schema
// reaches the UI's type check. `npm run web:types` writes them anew.
import fs from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/app.ts';

const SCHEMA_FILE = new URL('../../web/api/schema.d.ts', import.meta.url);
const HEADER = `// Generated from the server's /openapi.json by openapi-typescript: do not edit.
// \`npm run web:types\` writes it anew; test/web/api-types.test.ts checks that it is current.
`;

describe('the web UI’s API types', () => {
  it('are generated from the current OpenAPI document', async () => {
    const { app } = await buildTestApp();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const generated = HEADER + astToString(await openapiTS(document));
    if (process.env.UPDATE_API_TYPES === '1') fs.writeFileSync(SCHEMA_FILE, generated);
    expect(
      fs.readFileSync(SCHEMA_FILE, 'utf8') === generated,
      'web/api/schema.d.ts is stale: npm run web:types',
    ).toBe(true);
  });
});
