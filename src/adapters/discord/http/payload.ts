import type { APIInteraction } from 'discord.js';
import { z } from 'zod';
import { err, ok, type Result } from '../../../engine/result.js';

/*
 * What a verified request body must be before anything runs: JSON, an interaction of a type quizbot
 * answers, with the fields discord.js reads when it builds the interaction.
 */

/** Interaction types (Discord's numbers). */
export const INTERACTION = { ping: 1, command: 2, component: 3, autocomplete: 4 } as const;

const snowflake = z.string().regex(/^\d{1,20}$/);
const user = z.looseObject({ id: snowflake });

const Base = z.looseObject({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(1000),
  data: z.looseObject({}).optional(),
  member: z.looseObject({ user }).optional(),
  user: user.optional(),
  entitlements: z.array(z.unknown()).optional(),
  authorizing_integration_owners: z.looseObject({}).optional(),
});

const Command = z.looseObject({ type: z.literal(1), name: z.string().min(1) });
const Button = z.looseObject({ component_type: z.literal(2), custom_id: z.string().min(1).max(100) });
const Message = z.looseObject({ id: snowflake });

/** A PING, or an interaction to hand to discord.js. */
export type Parsed = { kind: 'ping' } | { kind: 'interaction'; payload: APIInteraction };

/**
 * Parses a verified body: JSON, a known interaction type (PING, slash command, button, autocomplete),
 * with a user. The error is the 400's message; it names no more than the caller sent.
 */
export function parseInteraction(raw: Buffer): Result<Parsed> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return err('the body is not JSON');
  }
  const base = Base.safeParse(json);
  if (!base.success) return err(`not an interaction: ${base.error.issues[0]?.path.join('.') || 'body'}`);
  const i = base.data;
  if (i.type === INTERACTION.ping) return ok({ kind: 'ping' });
  const known: number[] = [INTERACTION.command, INTERACTION.component, INTERACTION.autocomplete];
  if (!known.includes(i.type)) return err(`interaction type ${i.type} is not handled by quizbot`);
  if (!i.member && !i.user) return err('the interaction has neither member.user nor user');
  const shape =
    i.type === INTERACTION.component
      ? Button.safeParse(i.data).success && Message.safeParse(i.message).success
      : Command.safeParse(i.data).success;
  if (!shape) return err(`interaction type ${i.type}: data is not a slash command or a button`);
  // discord.js reads both; Discord always sends them, a proxy in between might not.
  const payload = { entitlements: [], authorizing_integration_owners: {}, ...i } as unknown as APIInteraction;
  return ok({ kind: 'interaction', payload });
}
