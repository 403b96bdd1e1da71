// Types for cluster-key-slot, the hash-slot function ioredis routes cluster commands with; it ships none.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0-16383) of a key: of its {hash tag} when it has one. */
  export default function calculateSlot(key: string): number;
}
