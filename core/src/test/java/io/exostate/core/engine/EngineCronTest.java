package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TriggerSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.nodeIn;
import static org.assertj.core.api.Assertions.assertThat;

/** Cron triggers (SPEC §9): scheduled at upsert, fired by time carried on commands, coalesced (decision 12). */
class EngineCronTest
{
    private static final String OTHER = "other";
    private static final long MINUTE = 60_000;
    private static final TriggerSpec EVERY_MINUTE = TriggerSpec.cron("* * * * *");

    /** The fixture starts at 1 000 000 ms, so the first whole minute after it is 1 020 000 ms. */
    private static final long FIRST = 1_020_000;

    private final EngineFixture f = new EngineFixture().register("A", "x");

    private GraphSpec cronGraph(final String namespace, final StoreConfigSpec store, final List<TriggerSpec> triggers)
    {
        return new GraphSpec(namespace, "g", List.of(nodeIn(NS, "a", "A", map("x", "1"))), Map.of(),
            RetryPolicySpec.DEFAULT, store, triggers);
    }

    private long runCount(final String namespace)
    {
        return f.engine.runs(namespace, 1, 100).value().total();
    }

    private Replies.Tick tick(final long at)
    {
        f.now = at;
        return f.engine.tick(at);
    }

    @Test
    void shouldStartARunAtTheNextOccurrenceAfterTheUpsert()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
        assertThat(f.engine.nextDeadline()).isEqualTo(FIRST);

        assertThat(tick(FIRST - 1).timersFired()).isZero();
        assertThat(runCount(NS)).isZero();
        assertThat(tick(FIRST).timersFired()).isEqualTo(1);

        final Views.RunSummary run = f.engine.runs(NS, 1, 10).value().runs().get(0);
        assertThat(run.graphName()).isEqualTo("g");
        assertThat(run.createdAt()).isEqualTo(FIRST);
        assertThat(f.states(run.runId())).extracting(Views.NodeDetails::status).containsExactly(Status.CREATED);
        assertThat(f.engine.nextDeadline()).isEqualTo(FIRST + MINUTE);
    }

    @Test
    void shouldStartOneRunHoweverManyOccurrencesWereMissed()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));

        assertThat(tick(FIRST + 10 * MINUTE + 5).timersFired()).isEqualTo(1);

        assertThat(runCount(NS)).isEqualTo(1);
        assertThat(f.engine.nextDeadline()).isEqualTo(FIRST + 11 * MINUTE);
        tick(FIRST + 11 * MINUTE);
        assertThat(runCount(NS)).isEqualTo(2);
    }

    @Test
    void shouldStopTheScheduleWhenTheGraphIsUpsertedWithoutTriggers()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
        tick(FIRST);

        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of()));

        assertThat(f.engine.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(tick(FIRST + 5 * MINUTE).timersFired()).isZero();
        assertThat(runCount(NS)).isEqualTo(1);
    }

    @Test
    void shouldFireDuplicateExpressionsOnce()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE, EVERY_MINUTE)));

        tick(FIRST);

        assertThat(runCount(NS)).isEqualTo(1);
    }

    @Test
    void shouldCancelOnlyTheScheduleOfTheUpsertedGraphsNamespace()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
        f.upsertValid(cronGraph(OTHER, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));

        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of()));
        tick(FIRST);

        assertThat(runCount(NS)).isZero();
        assertThat(runCount(OTHER)).isEqualTo(1);
    }

    @Test
    void shouldKeepTheScheduleWhenAnOccurrenceCannotStartARun()
    {
        f.upsertValid(cronGraph(NS, new StoreConfigSpec(List.of("needed"), Map.of()), List.of(EVERY_MINUTE)));

        assertThat(tick(FIRST).timersFired()).isEqualTo(1);

        assertThat(runCount(NS)).isZero();
        assertThat(f.engine.nextDeadline()).isEqualTo(FIRST + MINUTE);
        assertThat(tick(FIRST + MINUTE).timersFired()).isEqualTo(1);
    }

    @Test
    void shouldFireADueOccurrenceBeforeAnyCommandAppliesSoItsRootCanBeClaimedAtOnce()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
        f.now = FIRST;

        final EngineFixture.Claimed root = f.claimOne("A");

        assertThat(f.state(root.id()).graphName()).isEqualTo("g");
        assertThat(runCount(NS)).isEqualTo(1);
    }

    @Test
    void shouldGiveCronRunsTheSameIdsOnEveryEngineThatAppliesTheSameCommands()
    {
        final EngineFixture twin = new EngineFixture().register("A", "x");
        for (final EngineFixture e : List.of(f, twin))
        {
            e.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
            e.now = FIRST;
            e.engine.tick(FIRST);
            e.now = FIRST + MINUTE;
            e.engine.tick(FIRST + MINUTE);
        }

        final List<String> ids = f.engine.runs(NS, 1, 10).value().runs().stream().map(Views.RunSummary::runId).toList();
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        assertThat(twin.engine.runs(NS, 1, 10).value().runs()).extracting(Views.RunSummary::runId)
            .containsExactlyElementsOf(ids);
        assertThat(twin.engine.snapshot()).isEqualTo(f.engine.snapshot());
    }

    @Test
    void shouldKeepTheScheduleAcrossSnapshotAndRestore()
    {
        f.upsertValid(cronGraph(NS, StoreConfigSpec.DEFAULT, List.of(EVERY_MINUTE)));
        final Engine restored = Engine.restore(f.engine.snapshot(), EngineConfig.DEFAULT);

        assertThat(restored.nextDeadline()).isEqualTo(FIRST);
        assertThat(restored.tick(FIRST).timersFired()).isEqualTo(1);
        assertThat(restored.runs(NS, 1, 10).value().total()).isEqualTo(1);
    }
}
