import { closeTestDatabase } from './test-database.js';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await closeTestDatabase();
  },
};
