package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.template.RetryPolicySpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotent reports (DESIGN.md): a report repeated with the token it was applied with gets the first answer and
 * changes nothing; unknown tokens are refused; reports without a token have only the status checks.
 */
class EngineIdempotencyTest
{
    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y");

    private String chain(final RetryPolicySpec retry)
    {
        f.upsertValid(graph("g", retry,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        return f.trigger("g");
    }

    @Test
    void shouldAnswerARepeatedExecutedWithTheFirstAnswerAndChangeNothing()
    {
        final String run = chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        assertThat(f.executed(a, map("o", "first"), map("o", "second")).ok()).isTrue();

        final Replies.Executed again = f.withoutChange(() -> f.executed(a, map("o", "different")));

        assertThat(again.ok()).isTrue();
        assertThat(f.states(run, "b")).hasSize(2);
        assertThat(f.state(a.id()).outputsMap()).isEqualTo(map("o", "first"));
    }

    @Test
    void shouldAnswerARepeatedExecutedThatEndedInErrorWithTheFirstAnswer()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        f.executed(a, map("not-o", "v"));
        assertThat(f.status(a.id())).isEqualTo(Status.NEXT_CREATED_ERROR);

        assertThat(f.withoutChange(() -> f.executed(a, map("o", "v"))).ok()).isTrue();
    }

    @Test
    void shouldAnswerARepeatedErroredWithTheFirstAnswerAndCreateNoSecondRetry()
    {
        final String run = chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        assertThat(f.errored(a, "boom").retryCreated()).isTrue();

        final Replies.Errored again = f.withoutChange(() -> f.errored(a, "other"));

        assertThat(again.ok()).isTrue();
        assertThat(again.retryCreated()).isTrue();
        assertThat(f.states(run, "a")).hasSize(2);
        assertThat(f.state(a.id()).error()).isEqualTo("boom");
    }

    @Test
    void shouldAnswerARepeatedErroredWithoutRetryWithTheFirstAnswer()
    {
        chain(new RetryPolicySpec(0, RetryStrategy.EXPONENTIAL, 2000, 2, null));
        final EngineFixture.Claimed a = f.claimOne("A");
        assertThat(f.errored(a, "boom").retryCreated()).isFalse();

        final Replies.Errored again = f.withoutChange(() -> f.errored(a, "boom"));

        assertThat(again.ok()).isTrue();
        assertThat(again.retryCreated()).isFalse();
    }

    @Test
    void shouldAnswerARepeatedPruneWithTheFirstAnswer()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        final long first = f.prune(a, "{\"n\":1}").enqueueAfter();

        final Replies.Prune again = f.withoutChange(() -> f.prune(a, "{\"n\":2}"));

        assertThat(again.ok()).isTrue();
        assertThat(again.enqueueAfter()).isEqualTo(first);
        assertThat(f.state(a.id()).data()).isEqualTo("{\"n\":1}");
    }

    @Test
    void shouldAnswerARepeatedReenqueueWithTheFirstAnswer()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        final long first = f.requeue(a, 5000).enqueueAfter();

        final Replies.Requeue again = f.withoutChange(() -> f.requeue(a, 99));

        assertThat(again.ok()).isTrue();
        assertThat(again.enqueueAfter()).isEqualTo(first);
    }

    @Test
    void shouldAnswerARepeatAfterRestoreFromASnapshot()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        f.errored(a, "boom");
        final Engine restored = Engine.restore(f.engine.snapshot(), EngineConfig.DEFAULT);
        final byte[] before = restored.snapshot();

        final Replies.Errored again = restored.errored(f.now, NS, a.id(), a.token(), "boom");

        assertThat(again.retryCreated()).isTrue();
        assertThat(restored.snapshot()).isEqualTo(before);
    }

    @Test
    void shouldRefuseAnUnknownToken()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");

        final Rejection r = f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, a.id(), a.token() + 1000, List.of(map("o", "v"))));

        assertThat(r.code()).isEqualTo(RejectCode.STALE_TOKEN);
        assertThat(f.status(a.id())).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldRefuseARepeatWithoutToken()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        assertThat(f.engine.executed(f.now, NS, a.id(), Commands.NO_TOKEN, List.of(map("o", "v"))).ok()).isTrue();

        final Rejection r = f.rejectedWithoutChange(
            () -> f.engine.executed(f.now, NS, a.id(), Commands.NO_TOKEN, List.of(map("o", "v"))));

        assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(r.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldRefuseAnotherKindOfReportWithAnAppliedToken()
    {
        chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed a = f.claimOne("A");
        f.executed(a, map("o", "v"));

        final Rejection errored = f.rejectedWithoutChange(() -> f.errored(a, "late"));
        final Rejection pruned = f.rejectedWithoutChange(() -> f.prune(a, "{}"));

        assertThat(errored.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(errored.detail()).isEqualTo("State is not queued or executed");
        assertThat(pruned.code()).isEqualTo(RejectCode.WRONG_STATUS);
        assertThat(pruned.detail()).isEqualTo("State is not queued");
    }
}
