import { faultSuite } from './scenarios/faults.js';

// The quick part: terminated backends and outages, in process. Child processes (start while
// down, SIGKILL) run in `npm run test:reliability`.
faultSuite({ users: 6, batchesPerUser: 6, recordsPerBatch: 5, terminations: 15, outages: 1, outageMs: 500, processes: false, sigkills: 0 });
