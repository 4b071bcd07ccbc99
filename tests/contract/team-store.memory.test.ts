import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedDoc } from '../../src/store/memory/persist.js';
import { MemoryTeamStore } from '../../src/store/memory/team-store.js';
import { teamStoreContract } from './team-store.contract.js';

teamStoreContract(
  'MemoryTeamStore',
  async () => new MemoryTeamStore(new PersistedDoc<object>(null, () => ({}))),
);

describe('MemoryTeamStore specifics', () => {
  it('keeps its data in its own slice of the shared document and survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-team-'));
    try {
      const file = join(dir, 'store.json');
      const doc = new PersistedDoc<Record<string, unknown>>(file, () => ({ review: { users: {} } }));
      const store = new MemoryTeamStore(doc);
      const team = { platform: 'terminal', teamId: 'local' } as const;
      await store.putSchedule(team, {
        channelId: 'C1',
        deckId: 'k8s',
        time: '09:00',
        timezone: 'UTC',
        weekdays: [1, 2, 3, 4, 5],
        close: { kind: 'at', time: '17:00' },
        paused: false,
        updatedBy: 'me',
        updatedAt: 1,
      });
      await store.setDue({ kind: 'open', team, channelId: 'C1' }, 42);
      doc.flush();
      const again = new MemoryTeamStore(new PersistedDoc<object>(file, () => ({})));
      expect((await again.getSchedule(team, 'C1'))?.close).toEqual({ kind: 'at', time: '17:00' });
      expect(await again.dueEntries(100, 10)).toEqual([
        { item: { kind: 'open', team, channelId: 'C1' }, at: 42 },
      ]);
      expect(Object.keys(doc.data).sort()).toEqual(['review', 'team']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
