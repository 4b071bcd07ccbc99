import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { QuizError } from '../../engine/errors.js';

/** One coalesced save and everyone waiting for it. */
interface Waiters {
  resolve: () => void;
  reject: (err: unknown) => void;
  promise: Promise<void>;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Marked handled: a caller that does not await its change must not crash the process.
  promise.catch(() => {});
  return { resolve, reject, promise };
}

/**
 * A JSON document kept in memory and saved to one file, atomically (temp file + rename),
 * so a crash mid-write leaves the previous file whole. Saves are coalesced: many changes
 * within `delayMs` become one write. Every embedded store shares one PersistedDoc.
 *
 * A save that fails (disk full, read-only folder) never throws into a timer, which would end the
 * process: every change it carried is answered with QuizError('save_failed'), the document stays
 * dirty, and the save is tried again after `retryMs` or at the next change, whichever comes first.
 * The changes stay in memory meanwhile, so the next save that succeeds writes them all.
 */
export class PersistedDoc<T extends object> {
  private timer: NodeJS.Timeout | undefined;
  /** Whether `timer` is a retry after a failed save (a new change brings it forward). */
  private retrying = false;
  private dirty = false;
  private pending: Waiters | undefined;

  /** The live document; mutate it, then call `changed()`. */
  readonly data: T;

  constructor(
    readonly file: string | null,
    empty: () => T,
    private readonly delayMs = 50,
    private readonly retryMs = 5_000,
  ) {
    this.data = file ? (PersistedDoc.read<T>(file) ?? empty()) : empty();
  }

  private static read<T>(file: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`embedded store file ${file} is not valid JSON; move it away to start fresh`, {
        cause: err,
      });
    }
  }

  /**
   * Marks the document changed; it is written soon (or at `flush`). Resolves once a save holding
   * this change is on disk; rejects with QuizError('save_failed') when that save fails.
   */
  changed(): Promise<void> {
    if (!this.file) return Promise.resolve();
    this.dirty = true;
    this.pending ??= waiters();
    this.schedule(this.delayMs);
    return this.pending.promise;
  }

  /** Resolves when nothing is waiting to be saved (at once when clean); waits through failed tries. */
  async saved(): Promise<void> {
    while (this.dirty) {
      this.pending ??= waiters();
      await this.pending.promise.catch(() => {});
    }
  }

  private schedule(ms: number, retry = false): void {
    if (this.timer && !this.retrying) return;
    // A pending retry is brought forward: the next change is the next try.
    if (this.timer) clearTimeout(this.timer);
    this.retrying = retry;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retrying = false;
      try {
        this.flush();
      } catch {
        // Reported to the waiters by flush, which schedules the retry.
      }
    }, ms);
    // A save someone awaits keeps the process alive (at most delayMs); a retry alone does not.
    if (retry) this.timer.unref();
  }

  /** Writes now if anything changed; throws QuizError('save_failed') when the write fails. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.retrying = false;
    }
    if (!this.file || !this.dirty) return;
    const w = this.pending;
    this.pending = undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.data));
      renameSync(tmp, this.file);
    } catch (err) {
      const failure = new QuizError(
        'save_failed',
        `could not save the embedded store to ${this.file}: ${(err as Error).message}`,
        { cause: err },
      );
      w?.reject(failure);
      this.schedule(this.retryMs, true);
      throw failure;
    }
    this.dirty = false;
    w?.resolve();
  }
}
