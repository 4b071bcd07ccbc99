// cluster-key-slot (the CRC16 key-slot function ioredis itself routes with) ships no types.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0-16383) of a key, honouring its `{hash tag}`. */
  export default function calculateSlot(key: string | Buffer): number;
  /** The one slot of several keys, or -1 when they span more than one. */
  export function generateMulti(keys: (string | Buffer)[]): number;
}
