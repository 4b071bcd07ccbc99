import type { ChartSpec } from './charts.js';
import { codeOf, errorText, isFailure, type QuizErrorCode } from './errors.js';

/** Button colour intent; adapters map it to their platform's styles. */
export type ButtonStyle = 'primary' | 'secondary' | 'success' | 'danger';

/** A button: a label and the compact action id that comes back when it is pressed. */
export interface ViewButton {
  /** Encoded action id (see actions.ts); at most 100 characters. */
  actionId: string;
  /** Visible label. */
  label: string;
  /** Colour intent; default secondary. */
  style?: ButtonStyle;
}

/** A labelled value shown beside the text (embed field, Block Kit field, terminal line). */
export interface ViewField {
  /** Field name. */
  name: string;
  /** Field value. */
  value: string;
  /** Hint that the field may sit beside others. */
  inline?: boolean;
}

/** A platform-neutral message. */
export interface View {
  /** Optional heading. */
  title?: string;
  /** Main body, plain text with light markdown (`**bold**`, bullet lines). */
  text: string;
  /** Extra labelled values. */
  fields?: ViewField[];
  /** Button rows, at most 5 rows of 5. */
  buttons?: ViewButton[][];
  /** Shown only to the user who acted. */
  private: boolean;
  /** Small print under the message. */
  footer?: string;
  /** Tone for colouring. */
  tone?: 'info' | 'success' | 'warning' | 'error';
  /** Set on refusals and notices: the stable outcome code. */
  code?: QuizErrorCode;
  /** A chart of the same data, as data: adapters that can show pictures render it (src/charts); the text stays complete without it. */
  chart?: ChartSpec;
}

/**
 * A refusal whose whole text is `text` (the code stays for adapters and tests): for places where
 * the code's shared wording would name the wrong thing.
 */
export function refusalView(code: QuizErrorCode, text: string): View {
  return { ...noticeView(code), text };
}

/** A private notice for an expected refusal, text from its code. */
export function noticeView(code: QuizErrorCode, detail?: string): View {
  const text = detail ? `${errorText(code)}\n${detail}` : errorText(code);
  return {
    text,
    private: true,
    tone: isFailure(code) ? 'error' : 'warning',
    code,
  };
}

/** The private view an adapter shows for a thrown error. */
export function errorView(err: unknown): View {
  return noticeView(codeOf(err));
}

/** Truncates text to `max` characters, ending with a visible marker when cut. */
export function truncate(text: string, max: number, marker = '… (cut)'): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - marker.length)).trimEnd() + marker;
}

/**
 * `body` followed by a `Source: <url>` line when the card names its source. The body is cut to
 * leave room, so the source line is never the part that a length limit removes.
 */
export function withSource(body: string, source: string | undefined, max: number): string {
  if (!source) return truncate(body, max);
  const line = `\n\nSource: ${source}`;
  return `${truncate(body, Math.max(0, max - line.length))}${line}`;
}
