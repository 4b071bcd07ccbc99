import { createRequire } from 'node:module';

type ResvgModule = typeof import('@resvg/resvg-js');

/**
 * The environment variable, read by the mimalloc allocator compiled into resvg's native module,
 * that sets how long (ms) freed memory stays committed before it goes back to the OS.
 */
export const PURGE_DELAY_ENV = 'MIMALLOC_PURGE_DELAY';

let loaded: ResvgModule | undefined;

/**
 * resvg's native module, loaded on first call with its allocator told to give freed memory back
 * after 1 ms (`MIMALLOC_PURGE_DELAY=1`) unless the operator set that variable already.
 *
 * Why: resvg rasterises on the libuv pool, and its mimalloc keeps a heap per pool thread. With
 * mimalloc's default delay (10 ms), a page freed at the end of a render is only returned when that
 * thread next allocates, so idle pool threads keep their last renders' memory resident. With 1 ms,
 * most pages freed during a render go back while it still runs. Measured (bench section 9's child,
 * 40 renders of each chart and 16 at once): 1 ms keeps about 20 MB less resident at the same render
 * time; 0 keeps about 25 MB less but makes every render about twice as slow (each free returns its
 * pages at once).
 *
 * mimalloc reads its options once, when the module is loaded, so the variable is set just before,
 * and the module is loaded through `require` rather than a static import so that no bundler or
 * import order can load it first. The variable is process-wide: another native module loaded later
 * with its own mimalloc reads it too, and so do child processes started after it.
 */
export function resvg(): ResvgModule {
  if (!loaded) {
    process.env[PURGE_DELAY_ENV] ??= '1';
    loaded = createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
  }
  return loaded;
}
