// A server's schema objects (MongoDB indexes, a Neo4j constraint) made before the first write
// that relies on them, rather than at start: a server that is down at start is then an outage
// of its role (503 until it answers), not a platform that cannot start.

/**
 * `create` runs once, on the first call (and straight away in the background); a failed run
 * is forgotten, so the next call tries again. Every call resolves once it has succeeded.
 */
export function schemaOnFirstUse(create: () => Promise<void>): () => Promise<void> {
  let made: Promise<void> | undefined;
  const ensure = () => {
    made ??= create().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  ensure().catch(() => {});
  return ensure;
}
