import type { Decision, Repositories, UnitOfWork } from '../../application/ports.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Counts transactions in flight around any unit of work, for the pool gauges. */
export class InstrumentedUnitOfWork implements UnitOfWork {
  constructor(
    private readonly inner: UnitOfWork,
    private readonly metrics: ServiceMetrics,
  ) {}

  async run<T>(work: (repositories: Repositories) => Promise<Decision<T>>): Promise<T> {
    this.metrics.transactionStarted();
    try {
      return await this.inner.run(work);
    } finally {
      this.metrics.transactionFinished();
    }
  }
}
