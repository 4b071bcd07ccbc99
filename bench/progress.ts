/**
 * The progress line on stderr: rewritten in place on a terminal, one line per step otherwise
 * (so CI logs and pipes stay readable). stdout is kept for the results table.
 */
export class Progress {
  private readonly started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private last = '';
  private shown = false;

  /** Shows `text` as the current step. */
  step(text: string): void {
    if (text === this.last) return;
    this.last = text;
    const line = `[bench ${((performance.now() - this.started) / 1000).toFixed(1).padStart(5)}s] ${text}`;
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`);
      this.shown = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  /** Prints a line that stays (a warning), then the progress line again. */
  note(text: string): void {
    this.clear();
    process.stderr.write(`${text}\n`);
  }

  /** Removes the progress line (before printing the table). */
  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
    this.last = '';
  }

  /** Seconds since the bench started. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
}
