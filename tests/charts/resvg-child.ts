// Child of resvg-allocator.test.ts: loads resvg through the charts' loader, or only imports the
// loader when told "import-only", then exits. mimalloc prints its options to stderr at load.
import { resvg } from '../../src/charts/resvg.js';

if (process.argv[2] !== 'import-only') resvg();
