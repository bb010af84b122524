import { hostileInputSuite } from './scenarios/hostile-input.js';

hostileInputSuite({ runs: 600 });
