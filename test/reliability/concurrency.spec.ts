import { concurrencySuite } from './scenarios/concurrency.js';

const server = process.env['TEST_DATABASE_URL'] !== undefined;
concurrencySuite(server ? { sameBatchClients: 20, overlappingBatches: 12, races: 10, users: 100 } : { sameBatchClients: 8, overlappingBatches: 6, races: 4, users: 30 });
