import { PostgresUnitOfWork } from '../../src/adapters/persistence/postgres/postgres-unit-of-work.js';
import { repositoryContract } from '../contracts/repositories.contract.js';
import { testDatabase } from '../support/test-database.js';

repositoryContract(`postgres (${process.env['TEST_DATABASE_URL'] ? 'server' : 'embedded PGlite'})`, async () => {
  const db = await testDatabase();
  return { unitOfWork: new PostgresUnitOfWork(db.database.sql), reset: () => db.reset() };
});
