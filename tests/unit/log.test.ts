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

describe('redaction of logged text', () => {
  it('scrubs secrets inside message strings, as third-party libraries log them', () => {
    const { lines, stream } = sink();
    const log = createLogger({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, stream);
    const envelope = JSON.stringify({
      payload: {
        token: 'verif-secret',
        response_url: 'https://hooks.slack.com/commands/T1/123/abc-secret',
        text: 'review',
      },
    });
    log.debug({ component: 'slack' }, `Received a message on the WebSocket: ${envelope}`);
    log.info({ payload: { response_url: 'https://hooks.slack.com/actions/x/y/z-secret' } }, 'obj');
    log.warn({}, 'posting with xoxb-12-34-secret and xapp-1-A-secret; token=form-secret&x=1');
    log.info({ nested: JSON.stringify({ body: envelope }) }, `again ${JSON.stringify({ body: envelope })}`);
    const out = lines.join('');
    expect(out).not.toMatch(/secret/);
    expect(out).toContain('"text\\":\\"review\\"');
    expect(out).toContain('x=1');
  });
});
