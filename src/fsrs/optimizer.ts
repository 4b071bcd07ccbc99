import { createRequire } from 'node:module';
import type { Logger } from '../engine/api.js';
import type { Item, ItemReview } from '../engine/fsrs/dataset.js';
import type { FitMetrics } from '../engine/ports.js';

/** What fitting needs from fsrs-rs: train weights, and measure weights on held-out items. */
export interface Optimizer {
  /** Fits FSRS weights to the items (async: fsrs-rs trains on the libuv pool, off the event loop). */
  fit(train: Item[]): Promise<number[]>;
  /** Log loss and RMSE over bins of `w` on the items. */
  evaluate(w: readonly number[], test: Item[]): Promise<FitMetrics>;
}

/**
 * The progress poll of `computeParameters`, in ms. Its default (500 ms) is added to every fit; a
 * short poll costs nothing measurable.
 */
const PROGRESS_POLL_MS = 5;

let warned = false;

/** Items converted between two yields to the event loop (a few ms of work). */
const CHUNK = 500;

/**
 * The items as binding objects. The items of one card are prefixes of the same history and share
 * its review objects, so each review becomes one native object (a quarter of the work at 100,000
 * reviews); the loop yields to the event loop every {@link CHUNK} items so clicks are served meanwhile.
 */
async function toNative(b: NativeBinding, list: Item[]): Promise<object[]> {
  const made = new Map<ItemReview, object>();
  const out: object[] = [];
  for (let i = 0; i < list.length; i++) {
    if (i % CHUNK === CHUNK - 1) await new Promise((r) => setImmediate(r));
    const reviews = (list[i] as Item).map((r) => {
      let o = made.get(r);
      if (!o) {
        o = new b.FSRSBindingReview(r.rating, r.deltaT);
        made.set(r, o);
      }
      return o;
    });
    out.push(new b.FSRSBindingItem(reviews));
  }
  return out;
}

/**
 * The native module of `@open-spaced-repetition/binding` 0.5.0 for glibc x64, required directly:
 * the `binding` package's loader lists an optional package per platform, and an npm registry
 * without all of them leaves a lock file that `npm ci` refuses. Its exports are the binding's
 * (its `index.cjs` re-exports them as they are); only what quizbot uses is typed here.
 */
const NATIVE = '@open-spaced-repetition/binding-linux-x64-gnu';

interface NativeBinding {
  FSRSBindingReview: new (rating: number, deltaT: number) => object;
  FSRSBindingItem: new (reviews: object[]) => object;
  FSRSBinding: new (w?: number[]) => { evaluate(items: object[]): { logLoss: number; rmseBins: number } };
  computeParameters(items: object[], o: { enableShortTerm: boolean; timeout?: number }): Promise<number[]>;
}

/**
 * Loads the fsrs-rs binding's native module (glibc x64: the `node:20-slim` image). When it
 * cannot load, returns null and logs one warning per process: teams keep their parameters (or
 * FSRS's defaults) and no fit runs.
 */
export async function loadOptimizer(log: Logger): Promise<Optimizer | null> {
  try {
    if (process.platform !== 'linux' || process.arch !== 'x64')
      throw new Error(`no ${NATIVE} module for ${process.platform}-${process.arch}`);
    const b = createRequire(import.meta.url)(NATIVE) as NativeBinding;
    return {
      fit: async (train) =>
        b.computeParameters(await toNative(b, train), { enableShortTerm: true, timeout: PROGRESS_POLL_MS }),
      evaluate: async (w, test) => {
        const m = new b.FSRSBinding([...w]).evaluate(await toNative(b, test));
        return { logLoss: m.logLoss, rmseBins: m.rmseBins };
      },
    };
  } catch (err) {
    if (!warned) {
      warned = true;
      log.warn(
        { err },
        'FSRS optimizer (native module) cannot load: FSRS parameters are not fitted, teams keep what they have',
      );
    }
    return null;
  }
}
