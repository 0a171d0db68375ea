package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.RetryPolicySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.unite;
import static org.assertj.core.api.Assertions.assertThat;

/** Automatic retries of SPEC §7: the retry state, its delay, the budget and the errored texts. */
class EngineRetryTest
{
    /** More attempts than any policy here allows: a bound for the loops that fail a state until it errors. */
    private static final int MAX_ATTEMPTS = 20;

    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p");

    private String chain(final RetryPolicySpec retry)
    {
        f.upsertValid(graph("g", retry,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        return run;
    }

    private static RetryPolicySpec policy(final long maxRetries, final RetryStrategy strategy, final long backoff,
        final long exponent, final Long maxDelay)
    {
        return new RetryPolicySpec(maxRetries, strategy, backoff, exponent, maxDelay);
    }

    /**
     * Fails b on every attempt, claiming each retry as soon as it is due; returns the delays between the failure and
     * the retry's enqueue_after, one per retry created.
     */
    private List<Long> delaysUntilErrored(final String run)
    {
        final List<Long> delays = new ArrayList<>();
        EngineFixture.Claimed b = f.claimOne("B");
        while (f.errored(b, "boom").retryCreated())
        {
            assertThat(delays).as("retries keep coming").hasSizeLessThan(MAX_ATTEMPTS);
            final List<Views.NodeDetails> bs = f.states(run, "b");
            final Views.NodeDetails retry = bs.get(bs.size() - 1);
            delays.add(retry.enqueueAfter() - f.now);
            f.now = retry.enqueueAfter();
            b = f.claimOne("B");
        }
        return delays;
    }

    @Test
    void shouldCreateARetryStateWhenRetriesRemain()
    {
        final String run = chain(RetryPolicySpec.DEFAULT);
        final EngineFixture.Claimed b = f.claimOne("B");
        final Views.NodeDetails original = f.state(b.id());

        final Replies.Errored reply = f.errored(b, "boom");

        assertThat(reply.ok()).isTrue();
        assertThat(reply.retryCreated()).isTrue();
        final List<Views.NodeDetails> bs = f.states(run, "b");
        assertThat(bs).hasSize(2);
        assertThat(bs.get(0).status()).isEqualTo(Status.RETRY_CREATED);
        assertThat(bs.get(0).error()).isEqualTo("boom");
        final Views.NodeDetails retry = bs.get(1);
        assertThat(retry.id()).isNotEqualTo(original.id());
        assertThat(retry.status()).isEqualTo(Status.CREATED);
        assertThat(retry.nodeName()).isEqualTo("B");
        assertThat(retry.inputsMap()).isEqualTo(original.inputsMap());
        assertThat(retry.parents()).isEqualTo(original.parents());
        assertThat(retry.fanoutId()).isEqualTo(original.fanoutId());
        assertThat(retry.retryCount()).isEqualTo(1);
        assertThat(retry.outputsMap()).isEmpty();
        assertThat(retry.error()).isNull();
        assertThat(retry.enqueueAfter()).isEqualTo(f.now + 2000);
    }

    @Test
    void shouldNotOfferTheRetryBeforeItsDelay()
    {
        chain(RetryPolicySpec.DEFAULT);
        f.errored(f.claimOne("B"), "boom");

        f.advance(1999);
        assertThat(f.claimAll("B")).isEmpty();
        f.advance(1);
        final EngineFixture.Claimed retry = f.claimOne("B");

        assertThat(f.state(retry.id()).retryCount()).isEqualTo(1);
    }

    @Test
    void shouldGrowTheDefaultDelayExponentially()
    {
        final String run = chain(RetryPolicySpec.DEFAULT);

        assertThat(delaysUntilErrored(run)).containsExactly(2000L, 4000L, 8000L);
    }

    @Test
    void shouldCapTheDelayAtMaxDelay()
    {
        final String run = chain(policy(4, RetryStrategy.EXPONENTIAL, 1000, 2, 3000L));

        assertThat(delaysUntilErrored(run)).containsExactly(1000L, 2000L, 3000L, 3000L);
    }

    @ParameterizedTest
    @CsvSource({
        // strategy, max retries, exponent: retries stay where the base formulas of §7.2 are defined for the test
        "EXPONENTIAL_FULL_JITTER, 3, 2",
        "EXPONENTIAL_EQUAL_JITTER, 3, 2",
        "LINEAR_FULL_JITTER, 2, 2",
        "LINEAR_EQUAL_JITTER, 2, 2",
        "FIXED_FULL_JITTER, 3, 1",
        "FIXED_EQUAL_JITTER, 3, 1",
    })
    void shouldKeepJitteredDelaysWithinTheirBounds(
        final RetryStrategy strategy, final int maxRetries, final int exponent)
    {
        final long b = 1000;
        final String run = chain(policy(maxRetries, strategy, b, exponent, null));

        final List<Long> delays = delaysUntilErrored(run);

        assertThat(delays).hasSize(maxRetries);
        for (int i = 0; i < delays.size(); i++)
        {
            final int n = i + 1;
            final long base = strategy.name().startsWith("EXPONENTIAL") ? b * (1L << (n - 1)) :
                strategy.name().startsWith("LINEAR") ? b * n : b;
            final long low = strategy.name().endsWith("EQUAL_JITTER") ? base / 2 : 0;
            assertThat(delays.get(i)).as("delay of retry %d", n).isBetween(low, base);
        }
    }

    @Test
    void shouldComputeTheSameJitteredDelayOnEveryEngineThatAppliesTheSameCommands()
    {
        final List<List<Long>> perEngine = new ArrayList<>();
        final List<byte[]> snapshots = new ArrayList<>();
        for (int e = 0; e < 2; e++)
        {
            final EngineFixture g = new EngineFixture().register("A", "x", "|", "o");
            g.upsertValid(graph("g", policy(3, RetryStrategy.EXPONENTIAL_FULL_JITTER, 1000, 2, null),
                node("a", "A", map("x", "1"))));
            final String run = g.trigger("g");
            final List<Long> delays = new ArrayList<>();
            EngineFixture.Claimed a = g.claimOne("A");
            while (g.errored(a, "boom").retryCreated())
            {
                assertThat(delays).as("retries keep coming").hasSizeLessThan(MAX_ATTEMPTS);
                final List<Views.NodeDetails> as = g.states(run, "a");
                g.now = as.get(as.size() - 1).enqueueAfter();
                delays.add(g.now);
                a = g.claimOne("A");
            }
            perEngine.add(delays);
            snapshots.add(g.engine.snapshot());
        }

        assertThat(perEngine.get(0)).hasSize(3).isEqualTo(perEngine.get(1));
        assertThat(snapshots.get(0)).isEqualTo(snapshots.get(1));
    }

    @Test
    void shouldMarkErroredWithoutRetryWhenMaxRetriesIsZero()
    {
        final String run = chain(policy(0, RetryStrategy.EXPONENTIAL, 2000, 2, null));
        final EngineFixture.Claimed b = f.claimOne("B");

        final Replies.Errored reply = f.errored(b, "boom");

        assertThat(reply.ok()).isTrue();
        assertThat(reply.retryCreated()).isFalse();
        assertThat(f.status(b.id())).isEqualTo(Status.ERRORED);
        assertThat(f.state(b.id()).error()).isEqualTo("boom");
        assertThat(f.states(run, "b")).hasSize(1);
    }

    @Test
    void shouldAttemptANodeAtMostMaxRetriesPlusOneTimes()
    {
        final String run = chain(policy(2, RetryStrategy.EXPONENTIAL, 10, 2, null));
        final List<Boolean> retryCreated = new ArrayList<>();

        for (int attempt = 0; attempt < 3; attempt++)
        {
            f.advance(1000);
            retryCreated.add(f.errored(f.claimOne("B"), "boom " + attempt).retryCreated());
        }

        assertThat(retryCreated).containsExactly(true, true, false);
        assertThat(f.statuses(run, "b")).containsExactly(Status.RETRY_CREATED, Status.RETRY_CREATED, Status.ERRORED);
        assertThat(f.states(run, "b")).extracting(Views.NodeDetails::retryCount).containsExactly(0, 1, 2);
        assertThat(f.states(run, "b")).extracting(Views.NodeDetails::fanoutId).containsOnly(
            f.states(run, "b").get(0).fanoutId());
        f.advance(1000);
        assertThat(f.claimAll("B")).isEmpty();
    }

    @Test
    void shouldKeepEachFanoutSiblingsOwnFanoutIdOnRetry()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "1"), map("o", "2"));
        final List<EngineFixture.Claimed> bs = f.claimAll("B");
        final List<String> fanouts = new ArrayList<>();
        for (final EngineFixture.Claimed b : bs)
        {
            fanouts.add(f.state(b.id()).fanoutId());
            f.errored(b, "boom");
        }

        final List<Views.NodeDetails> all = f.states(run, "b");

        assertThat(fanouts).doesNotHaveDuplicates();
        assertThat(all).hasSize(4);
        assertThat(all.subList(2, 4)).extracting(Views.NodeDetails::fanoutId).containsExactlyElementsOf(fanouts);
        assertThat(all.subList(2, 4)).extracting(Views.NodeDetails::inputsMap)
            .containsExactly(map("y", "1"), map("y", "2"));
    }

    @Test
    void shouldKeepDoesUnitesOnTheRetryOfAUniteState()
    {
        f.register("U", "u");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "1"), "u"),
            unite("u", "U", map("u", "${{ a.outputs.o }}"), "a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("B", map("p", "x"));

        assertThat(f.errored(f.claimOne("U"), "boom").retryCreated()).isTrue();

        assertThat(f.states(run, "u")).extracting(Views.NodeDetails::doesUnites).containsExactly(true, true);
    }

    @Test
    void shouldRefuseErroredForAStateThatIsNotQueued()
    {
        final String run = chain(policy(0, RetryStrategy.EXPONENTIAL, 2000, 2, null));
        final long success = Ids.parseStateId(f.states(run, "a").get(0).id());
        final long created = Ids.parseStateId(f.states(run, "b").get(0).id());

        // ExoState finishes next-state creation inside the executed command (decision 5), so a state is never seen
        // EXECUTED and "State is already executed" cannot be answered: a SUCCESS state is "not queued or executed".
        for (final long id : new long[]{created, success})
        {
            final Rejection r = f.rejectedWithoutChange(
                () -> f.engine.errored(f.now, NS, id, Commands.NO_TOKEN, "late"));
            assertThat(r.code()).isEqualTo(RejectCode.WRONG_STATUS);
            assertThat(r.code().httpStatus()).isEqualTo(400);
            assertThat(r.detail()).isEqualTo("State is not queued or executed");
        }
        final EngineFixture.Claimed b = f.claimOne("B");
        f.errored(b, "boom");
        final Rejection again = f.rejectedWithoutChange(
            () -> f.engine.errored(f.now, NS, b.id(), Commands.NO_TOKEN, "again"));
        assertThat(again.detail()).isEqualTo("State is not queued or executed");
        assertThat(f.state(b.id()).error()).isEqualTo("boom");
    }
}
