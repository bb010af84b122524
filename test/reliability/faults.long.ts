import { faultSuite } from './scenarios/faults.js';

faultSuite({ users: 20, batchesPerUser: 15, recordsPerBatch: 10, terminations: 100, outages: 6, outageMs: 1500, processes: true, sigkills: 3 });
