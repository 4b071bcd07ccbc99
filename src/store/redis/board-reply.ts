import type { BoardEntry, BoardPage } from '../../engine/ports.js';
import type { ScriptReply } from './scripts.js';

/**
 * The page of a board from `lua/lbRead-2.lua`'s reply: `[total, my points, my rank, my name,`
 * then `user, points, rank, name` for each of the top entries`]` (see the script's header).
 */
export function boardPage(r: ScriptReply<'lbRead'>, userId: string): BoardPage {
  const top: BoardEntry[] = [];
  for (let i = 4; i + 3 < r.length; i += 4) {
    top.push({
      userId: String(r[i]),
      points: Number(r[i + 1]),
      rank: Number(r[i + 2]),
      name: r[i + 3] === null ? null : String(r[i + 3]),
    });
  }
  const me: BoardEntry | null =
    r[1] === null
      ? null
      : { userId, points: Number(r[1]), rank: Number(r[2]), name: r[3] === null ? null : String(r[3]) };
  return { top, me, total: Number(r[0]) };
}
