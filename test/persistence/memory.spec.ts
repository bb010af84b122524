import { MemoryStore } from '../../src/adapters/persistence/memory/memory-store.js';
import { MemoryUnitOfWork } from '../../src/adapters/persistence/memory/memory-unit-of-work.js';
import { repositoryContract } from '../contracts/repositories.contract.js';

repositoryContract('memory', async () => {
  const store = new MemoryStore();
  return {
    unitOfWork: new MemoryUnitOfWork(store),
    async reset() {
      store.tables = { pageVisits: new Map(), tabAggregates: new Map() };
    },
  };
});
