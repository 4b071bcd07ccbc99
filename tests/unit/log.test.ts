import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines and redacts tokens and signing secrets', () => {
    const { lines, stream } = sink();
    const log = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stream);
    log.info(
      {
        config: { DISCORD_TOKEN: 'discord-secret', SLACK_SIGNING_SECRET: 'slack-secret', HTTP_PORT: 8080 },
        token: 'xoxb-secret',
        req: { headers: { authorization: 'Bearer xoxb-secret' } },
      },
      'hello',
    );
    const out = lines.join('');
    const rec = JSON.parse(out);
    expect(rec).toMatchObject({ msg: 'hello', app: 'quizbot', level: 30 });
    expect(rec.config.HTTP_PORT).toBe(8080);
    expect(out).not.toMatch(/discord-secret|slack-secret|xoxb-secret/);
    expect(rec.config.DISCORD_TOKEN).toBe('[redacted]');
  });

  it('has a readable mode for terminals', () => {
    const { lines, stream } = sink();
    const log = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, stream);
    log.info({ token: 'abc-secret' }, 'hello there');
    const out = lines.join('');
    expect(out).toContain('hello there');
    expect(out).not.toContain('abc-secret');
    expect(() => JSON.parse(out)).toThrow();
  });
});
