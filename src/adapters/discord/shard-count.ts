import { REST } from 'discord.js';

/**
 * The shard count Discord recommends for this bot (`GET /gateway/bot`), through `apiUrl` when set
 * (the sharding libraries' own `auto` always asks discord.com, which a test or a REST proxy in
 * front of Discord must not bypass).
 */
export async function recommendedShards(token: string, apiUrl?: string): Promise<number> {
  // No sweepers: this client makes one request and must not keep the process alive.
  const rest = new REST({
    hashSweepInterval: 0,
    handlerSweepInterval: 0,
    ...(apiUrl ? { api: apiUrl } : {}),
  }).setToken(token);
  const body = (await rest.get('/gateway/bot')) as { shards?: unknown };
  const n = Number(body.shards);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`GET /gateway/bot answered no shard count: ${JSON.stringify(body)}`);
  return n;
}
