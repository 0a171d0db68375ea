package io.exostate.core.engine;

import io.exostate.core.model.Status;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC decision 13: a finished run leaves the heap after the retention window (command time), keeps its line in the
 * runs listing and its id, and a snapshot carries both the retired runs and the ones waiting for retirement.
 */
class EngineRetentionTest
{
    private static final long RETENTION = 60_000;
    private static final EngineConfig CONFIG = EngineConfig.DEFAULT.withRunRetentionMs(RETENTION);

    private final EngineFixture f = fixture(new Engine(CONFIG));

    private static EngineFixture fixture(final Engine engine)
    {
        return new EngineFixture(engine).register("A", "x", "|", "o").register("B", "y");
    }

    private void twoNodeGraph(final EngineFixture fx)
    {
        fx.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
    }

    /** Triggers one run and runs it to SUCCESS; returns its id (finished at {@code fx.now}). */
    private static String finishedRun(final EngineFixture fx)
    {
        final String run = fx.trigger("g");
        fx.claimAndExecute("A", map("o", "v"));
        fx.claimAndExecute("B");
        assertThat(fx.runSummary(run).status()).isEqualTo("SUCCESS");
        return run;
    }

    @Test
    void shouldRetireAFinishedRunOnceTheWindowHasPassedAndKeepItsSummaryAndId()
    {
        twoNodeGraph(f);
        final String run = finishedRun(f);
        final long finishedAt = f.now;
        final long[] ids = f.engine.runStateIds(run);
        assertThat(ids).hasSize(2);
        final Views.RunSummary before = f.runSummary(run);

        f.engine.tick(finishedAt + RETENTION - 1);
        assertThat(f.engine.runStateIds(run)).as("one millisecond early").hasSize(2);
        assertThat(f.engine.retiredRuns()).isZero();

        f.engine.tick(finishedAt + RETENTION);
        f.now = finishedAt + RETENTION;
        assertThat(f.engine.retiredRuns()).isEqualTo(1);
        assertThat(f.engine.runStateIds(run)).isEmpty();
        assertThat(f.engine.stateCount()).isZero();
        assertThat(f.engine.state(ids[0])).isNull();
        assertThat(f.runSummary(run)).as("the listing line is unchanged").isEqualTo(before);

        final Engine.Read<Views.NodeDetails> details = f.engine.nodeDetails(NS, "g", run, Ids.stateId(ids[1]));
        assertThat(details.ok()).isFalse();
        assertThat(details.rejection().code()).isEqualTo(RejectCode.NODE_NOT_FOUND);
        assertThat(details.rejection().detail()).contains("left memory").contains("journal");

        final Views.RunGraph g = f.engine.runGraph(NS, run);
        assertThat(g.graphName()).isEqualTo("g");
        assertThat(g.nodes()).isEmpty();
        assertThat(g.executionSummary().get(Status.SUCCESS)).isEqualTo(2);

        final Replies.Trigger again = f.engine.trigger(f.now, NS, "g", run, Map.of(), Map.of(), 0);
        assertThat(again.ok()).isFalse();
        assertThat(again.rejection().code()).as("a retired run's id stays taken").isEqualTo(RejectCode.DUPLICATE_RUN);
    }

    @Test
    void shouldAskForATickWhenAFinishedRunIsDueRoundedUpToASecond()
    {
        twoNodeGraph(f);
        assertThat(f.engine.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        f.now = 1_000_123; // not on a whole second: the deadline rounds up
        final String run = finishedRun(f);
        final long due = f.now + RETENTION;
        final long deadline = f.engine.nextDeadline();
        assertThat(deadline).isGreaterThanOrEqualTo(due).isLessThan(due + 1_000).matches(d -> d % 1_000 == 0);

        f.engine.tick(deadline);
        assertThat(f.engine.runStateIds(run)).isEmpty();
        assertThat(f.engine.nextDeadline()).as("nothing left to do").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldNeverRetireARunWithPendingWork()
    {
        twoNodeGraph(f);
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v")); // b is CREATED now
        f.engine.tick(f.now + 100 * RETENTION);
        assertThat(f.engine.retiredRuns()).isZero();
        assertThat(f.engine.runStateIds(run)).hasSize(2);
        assertThat(f.runSummary(run).status()).isEqualTo("PENDING");
    }

    @Test
    void shouldCountTheWindowFromTheLastFinishWhenAManualRetryReopenedTheRun()
    {
        twoNodeGraph(f);
        final String run = finishedRun(f);
        final long firstFinish = f.now;
        final long b = f.engine.runStateIds(run)[1];

        f.now = firstFinish + RETENTION / 2;
        assertThat(f.manualRetry(b, "retry-1").ok()).isTrue();
        f.now += 1_000;
        f.claimAndExecute("B");
        final long secondFinish = f.now;
        assertThat(f.runSummary(run).status()).isEqualTo("SUCCESS");

        f.engine.tick(firstFinish + RETENTION);
        assertThat(f.engine.retiredRuns()).as("the first finish no longer counts").isZero();
        f.engine.tick(secondFinish + RETENTION - 1);
        assertThat(f.engine.retiredRuns()).isZero();
        f.engine.tick(secondFinish + RETENTION);
        assertThat(f.engine.retiredRuns()).isEqualTo(1);
        assertThat(f.runSummary(run).totalCount()).isEqualTo(3);
    }

    @Test
    void shouldRetireTheSameRunsAfterASnapshotRestoreAsWithoutIt()
    {
        twoNodeGraph(f);
        final String early = finishedRun(f);
        f.now += RETENTION / 3;
        final String late = finishedRun(f);
        f.now += 1;
        final String open = f.trigger("g");

        final byte[] snapshot = f.engine.snapshot();
        final Engine restored = Engine.restore(snapshot, CONFIG);
        assertThat(restored.snapshot()).isEqualTo(snapshot);

        // The same commands on both: first the early run goes, then the late one; the open run stays.
        for (final long t : new long[] {f.now + RETENTION / 2, f.now + RETENTION})
        {
            f.engine.tick(t);
            restored.tick(t);
            assertThat(restored.snapshot()).isEqualTo(f.engine.snapshot());
        }
        assertThat(f.engine.retiredRuns()).isEqualTo(2);
        assertThat(restored.runStateIds(early)).isEmpty();
        assertThat(restored.runStateIds(late)).isEmpty();
        assertThat(restored.runStateIds(open)).hasSize(1);

        // Retired runs survive a snapshot too: counts, totals and status.
        final byte[] after = f.engine.snapshot();
        final Engine again = Engine.restore(after, CONFIG);
        assertThat(again.snapshot()).isEqualTo(after);
        assertThat(again.runs(NS, 1, 10).value().runs()).isEqualTo(f.engine.runs(NS, 1, 10).value().runs());
    }

    @Test
    void shouldRetireAtMostTheTimerLimitPerCommandAndTheRestWithTheNextOnes()
    {
        final EngineFixture small = fixture(new Engine(new EngineConfig(4096, 100_000, 4 * 1024 * 1024, 2,
            EngineConfig.CLAIM_REQUEST_WINDOW_MS_DEFAULT, RETENTION)));
        twoNodeGraph(small);
        for (int i = 0; i < 5; i++)
        {
            finishedRun(small);
        }
        final long due = small.now + RETENTION;
        assertThat(small.engine.nextDeadline()).isLessThanOrEqualTo(due + 1_000);
        small.engine.tick(due);
        assertThat(small.engine.retiredRuns()).isEqualTo(2);
        assertThat(small.engine.nextDeadline()).as("the rest are still due").isLessThanOrEqualTo(due + 1_000);
        small.engine.tick(due);
        assertThat(small.engine.retiredRuns()).isEqualTo(4);
        small.engine.tick(due);
        assertThat(small.engine.retiredRuns()).isEqualTo(5);
        assertThat(small.engine.stateCount()).isZero();
    }

    @Test
    void shouldKeepEveryRunWithAnUnlimitedWindow()
    {
        final EngineFixture keep = fixture(new Engine(EngineConfig.DEFAULT.withRunRetentionMs(Long.MAX_VALUE)));
        twoNodeGraph(keep);
        final String run = finishedRun(keep);
        keep.engine.tick(Long.MAX_VALUE / 2);
        assertThat(keep.engine.runStateIds(run)).hasSize(2);
        assertThat(keep.engine.retiredRuns()).isZero();
    }

    @Test
    void shouldHoldLessHeapPerRetiredRun()
    {
        twoNodeGraph(f);
        for (int i = 0; i < 50; i++)
        {
            finishedRun(f);
        }
        final int[] live = {f.engine.stateCount()};
        f.engine.tick(f.now + RETENTION);
        assertThat(live[0]).isEqualTo(100);
        assertThat(f.engine.stateCount()).isZero();
        assertThat(f.engine.retiredRuns()).isEqualTo(50);
        assertThat(Arrays.stream(f.engine.runs(NS, 1, 100).value().runs().stream()
            .mapToLong(Views.RunSummary::totalCount).toArray()).sum()).isEqualTo(100);
    }
}
