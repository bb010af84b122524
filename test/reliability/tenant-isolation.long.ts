import { tenantIsolationSuite } from './scenarios/tenant-isolation.js';

tenantIsolationSuite({ runs: 500 });
