import { slowClientSuite } from './scenarios/slow-clients.js';

slowClientSuite({ slowBodies: 300, idleConnections: 300, partialHeaders: 300, otherBatches: 100 });
