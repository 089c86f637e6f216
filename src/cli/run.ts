// The `exhaust` program's entry: bin/exhaust.js runs its compiled form (dist/run.js), `npm run dev`
// this source through tsx.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
