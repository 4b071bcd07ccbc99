// Child of resvg-allocator.test.ts: imports the chart renderer (which loads resvg) or, told
// "bot-only", only what the bot loads before its first chart; then exits. mimalloc prints its
// options to stderr when resvg loads.
const mode = process.argv[2] as 'renderer' | 'bot-only';
if (mode === 'renderer') await import('../../src/charts/render.js');
else if (mode === 'bot-only') await import('../../src/charts/picture.js');
else throw new Error(`unknown mode ${mode}`);
