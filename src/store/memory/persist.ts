import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A JSON document kept in memory and saved to one file, atomically (temp file + rename),
 * so a crash mid-write leaves the previous file whole. Saves are coalesced: many changes
 * within `delayMs` become one write. Every embedded store shares one PersistedDoc.
 */
export class PersistedDoc<T extends object> {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  /** The live document; mutate it, then call `changed()`. */
  readonly data: T;

  constructor(
    readonly file: string | null,
    empty: () => T,
    private readonly delayMs = 50,
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

  /** Marks the document changed; it is written soon (or at `flush`). */
  changed(): void {
    if (!this.file) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes now if anything changed. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.file || !this.dirty) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
