import { PostgresUnitOfWork } from '../../src/adapters/persistence/postgres/postgres-unit-of-work.js';
import { repositoryContract } from '../contracts/repositories.contract.js';
import { testDatabase } from '../support/test-database.js';

repositoryContract(`postgres (${process.env['TEST_DATABASE_URL'] ? 'server' : 'embedded PGlite'})`, async () => {
  const db = await testDatabase();
  return { unitOfWork: new PostgresUnitOfWork(db.database.sql), reset: () => db.reset() };
});

// Retries insert with ON CONFLICT DO NOTHING (InsertConflicts); the same contract holds for them.
repositoryContract(`postgres (${process.env['TEST_DATABASE_URL'] ? 'server' : 'embedded PGlite'}), as retried`, async () => {
  const db = await testDatabase();
  return { unitOfWork: new PostgresUnitOfWork(db.database.sql, { firstAttemptConflicts: 'skip' }), reset: () => db.reset() };
});
