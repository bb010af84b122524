import { reportFigures } from './figures.js';

/** The long run ends with its figures (copied into docs/reliability.md). */
export const mochaHooks = {
  afterAll(): void {
    reportFigures('figures of this run');
  },
};
