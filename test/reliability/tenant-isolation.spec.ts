import { tenantIsolationSuite } from './scenarios/tenant-isolation.js';

tenantIsolationSuite({ runs: 40 });
