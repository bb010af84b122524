import { concurrencySuite } from './scenarios/concurrency.js';

const server = process.env['TEST_DATABASE_URL'] !== undefined;
concurrencySuite(server ? { sameBatchClients: 50, overlappingBatches: 40, races: 50, users: 400 } : { sameBatchClients: 16, overlappingBatches: 12, races: 10, users: 100 });
