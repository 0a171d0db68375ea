package io.exostate.core.engine;

import io.exostate.core.template.StoreConfigSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static org.assertj.core.api.Assertions.assertThat;

/** The per-run store of SPEC §8: written at trigger, read through {@code ${{ store.k }}}, defaults, required keys. */
class EngineStoreTest
{
    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y");

    private void storeGraph(final StoreConfigSpec store)
    {
        f.upsertValid(graph("g", store,
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ store.k }}"))));
    }

    private Map<String, String> childInputs(final String run)
    {
        return f.states(run, "b").get(0).inputsMap();
    }

    @Test
    void shouldResolveAStorePlaceholderFromTheRunsOwnStore()
    {
        storeGraph(new StoreConfigSpec(List.of("k"), Map.of()));
        final String first = f.trigger("g", Map.of(), Map.of("k", "one"), 0);
        final String second = f.trigger("g", Map.of(), Map.of("k", "two"), 0);

        f.claimAndExecute("A", map("o", "v"));
        f.claimAndExecute("A", map("o", "v"));

        assertThat(childInputs(first)).isEqualTo(map("y", "one"));
        assertThat(childInputs(second)).isEqualTo(map("y", "two"));
    }

    @Test
    void shouldFallBackToTheDefaultValueWhenTheTriggerStoreLacksTheKey()
    {
        storeGraph(new StoreConfigSpec(List.of(), Map.of("k", "default")));
        final String run = f.trigger("g", Map.of(), Map.of("unrelated", "1"), 0);

        f.claimAndExecute("A", map("o", "v"));

        assertThat(childInputs(run)).isEqualTo(map("y", "default"));
    }

    @Test
    void shouldPreferTheTriggerStoreOverTheDefaultValue()
    {
        storeGraph(new StoreConfigSpec(List.of(), Map.of("k", "default")));
        final String run = f.trigger("g", Map.of(), Map.of("k", "given"), 0);

        f.claimAndExecute("A", map("o", "v"));

        assertThat(childInputs(run)).isEqualTo(map("y", "given"));
    }

    @Test
    void shouldReadDefaultsOfTheGraphVersionTheRunWasTriggeredWith()
    {
        storeGraph(new StoreConfigSpec(List.of(), Map.of("k", "old")));
        final String run = f.trigger("g");
        storeGraph(new StoreConfigSpec(List.of(), Map.of("k", "new")));

        f.claimAndExecute("A", map("o", "v"));

        assertThat(childInputs(run)).isEqualTo(map("y", "old"));
    }

    @Test
    void shouldRefuseATriggerThatLacksRequiredStoreKeys()
    {
        f.upsertValid(graph("g", new StoreConfigSpec(List.of("a", "b"), Map.of()), node("a", "A", map("x", "1"))));

        final Rejection none = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "r1", Map.of(), Map.of("c", "1"), 0));
        final Rejection one = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "r1", Map.of(), Map.of("a", "1"), 0));

        assertThat(none.code()).isEqualTo(RejectCode.MISSING_STORE_KEYS);
        assertThat(none.code().httpStatus()).isEqualTo(400);
        assertThat(none.detail()).isEqualTo("Missing store keys: {'a', 'b'}");
        assertThat(one.detail()).isEqualTo("Missing store keys: {'b'}");
        assertThat(f.engine.runs(NS, 1, 10).value().total()).isZero();
    }

    @Test
    void shouldReportARootInputWithoutStoreValueBeforeMissingStoreKeys()
    {
        f.upsertValid(graph("g", new StoreConfigSpec(List.of("k", "other"), Map.of()),
            node("a", "A", map("x", "${{ store.k }}"))));

        final Rejection r = f.rejectedWithoutChange(
            () -> f.engine.trigger(f.now, NS, "g", "r1", Map.of(), Map.of(), 0));

        assertThat(r.code()).isEqualTo(RejectCode.INVALID_INPUT);
        assertThat(r.detail()).isEqualTo("Invalid input: 400: Dependent k not found in store for root node a");
    }

    @Test
    void shouldAcceptATriggerThatGivesEveryRequiredKey()
    {
        f.upsertValid(graph("g", new StoreConfigSpec(List.of("a", "b"), Map.of()), node("a", "A", map("x", "1"))));

        final Replies.Trigger r = f.engine.trigger(f.now, NS, "g", "r1", Map.of(), Map.of("a", "1", "b", "2"), 0);

        assertThat(r.ok()).isTrue();
        assertThat(r.runId()).isEqualTo("r1");
        assertThat(f.engine.runStateIds("r1")).containsExactly(r.rootStateId());
    }
}
