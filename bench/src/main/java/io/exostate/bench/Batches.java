package io.exostate.bench;

import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Single-shot benchmarks with a batch: JMH reports the time of the whole batch divided by the operations per
 * invocation, so each such benchmark declares {@code @OperationsPerInvocation} equal to its batch size and checks
 * here that the command line did not change one without the other.
 */
final class Batches
{
    private Batches()
    {
    }

    static void check(final BenchmarkParams params, final int batch)
    {
        if (params.getWarmup().getBatchSize() != batch || params.getMeasurement().getBatchSize() != batch ||
            params.getOpsPerInvocation() != batch)
        {
            throw new IllegalArgumentException("Expected warmup and measurement batch sizes of " + batch +
                " (the op's @OperationsPerInvocation), but got -wbs " + params.getWarmup().getBatchSize() + " -bs " +
                params.getMeasurement().getBatchSize() + ": the scores would not be per op");
        }
    }
}
