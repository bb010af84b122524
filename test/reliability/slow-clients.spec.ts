import { slowClientSuite } from './scenarios/slow-clients.js';

slowClientSuite({ slowBodies: 50, idleConnections: 50, partialHeaders: 50, otherBatches: 20 });
