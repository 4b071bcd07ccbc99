import { describe, expect, it } from 'vitest';
import { isNotRun } from '../../src/store/redis/batch.js';
import { noWait, waitFor } from '../../src/store/redis/wait.js';

describe('REDIS_WAIT_REPLICAS policy', () => {
  it('is off at 0 replicas', () => {
    expect(waitFor(0)).toBe(noWait);
    expect(noWait.target('n1:6379', 3, 'answer')).toBeNull();
  });

  it('pauses a node after a short WAIT (its connection would block), then waits on it again', () => {
    let t = 1_000;
    const short: [string, number, string][] = [];
    const w = waitFor(1, {
      pauseMs: 5_000,
      now: () => t,
      onShort: (what, n, node) => short.push([what, n, node]),
    });
    expect(w.target('a', 2, 'answer')).toBe('a');
    w.check('answer', 1, 'a');
    expect(w.target('a', 2, 'answer')).toBe('a');
    w.check('grade', 0, 'a');
    expect(short).toEqual([['grade', 0, 'a']]);
    expect(w.target('a', 2, 'answer')).toBeNull();
    t += 4_999;
    expect(w.target('a', 2, 'answer')).toBeNull();
    t += 1;
    expect(w.target('a', 2, 'answer')).toBe('a');
    w.check('answer', 'garbage', 'a');
    expect(short.at(-1)).toEqual(['answer', 0, 'a']);
  });

  it('pauses only the node that fell short: writes to the other masters keep waiting', () => {
    const t = 1_000;
    const w = waitFor(1, { pauseMs: 5_000, now: () => t });
    w.check('answer', 0, 'a');
    expect(w.target('a', 2, 'answer')).toBeNull();
    expect(w.target('b', 2, 'answer')).toBe('b');
  });

  it('does not WAIT on a node the cluster lists without enough replicas (just after a failover); says so once per pause', () => {
    let t = 1_000;
    const short: [string, number, string][] = [];
    const w = waitFor(1, {
      pauseMs: 5_000,
      now: () => t,
      onShort: (what, n, node) => short.push([what, n, node]),
    });
    // The slot table lists the node alone: a WAIT would block its connection for the whole timeout.
    expect(w.target('a', 1, 'answer')).toBeNull();
    expect(w.target('a', 1, 'grade')).toBeNull();
    expect(short).toEqual([['answer', 0, 'a']]);
    t += 5_000;
    expect(w.target('a', 2, 'answer')).toBe('a');
  });
});

describe('replies that mean a cluster node did not run the command', () => {
  it('are MOVED, ASK, TRYAGAIN and CLUSTERDOWN, nothing else', () => {
    expect(isNotRun(new Error('MOVED 13001 127.0.0.1:7001'))).toBe(true);
    expect(isNotRun(new Error('ASK 13001 127.0.0.1:7001'))).toBe(true);
    expect(isNotRun(new Error('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(true);
    expect(isNotRun(new Error('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isNotRun(new Error('ERR Error running script'))).toBe(false);
    expect(isNotRun(new Error('Connection is closed.'))).toBe(false);
    expect(isNotRun(null)).toBe(false);
  });
});
