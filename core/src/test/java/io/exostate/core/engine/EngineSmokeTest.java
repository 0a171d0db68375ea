package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.unite;
import static org.assertj.core.api.Assertions.assertThat;

class EngineSmokeTest
{
    @Test
    void shouldRunFanoutThenUniteOnce()
    {
        final EngineFixture f = new EngineFixture()
            .register("Split", "x", "|", "chunk")
            .register("Work", "chunk", "|", "result")
            .register("Merge", "x", "|");
        f.upsertValid(graph("g", RetryPolicySpec.DEFAULT, new StoreConfigSpec(List.of("x"), Map.of()), List.of(),
            node("split", "Split", map("x", "${{ store.x }}"), "work"),
            node("work", "Work", map("chunk", "${{ split.outputs.chunk }}"), "merge"),
            unite("merge", "Merge", map("x", "${{ split.outputs.chunk }}"), "split", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g", Map.of(), Map.of("x", "1"), 0);

        final EngineFixture.Claimed split = f.claimOne("Split");
        assertThat(split.inputs()).isEqualTo(map("x", "1"));
        assertThat(f.executed(split, map("chunk", "a"), map("chunk", "b"), map("chunk", "c")).ok()).isTrue();

        final List<EngineFixture.Claimed> works = f.claim(10, 0, "Work");
        assertThat(works).extracting(EngineFixture.Claimed::inputs)
            .containsExactly(map("chunk", "a"), map("chunk", "b"), map("chunk", "c"));
        for (int i = 0; i < works.size(); i++)
        {
            assertThat(f.states(run, "merge")).hasSize(i);
            assertThat(f.executed(works.get(i), map("result", "r")).ok()).isTrue();
        }
        // One merge per split instance: three split states (the original and two fanout siblings).
        final List<EngineFixture.Claimed> merges = f.claim(10, 0, "Merge");
        assertThat(merges).extracting(EngineFixture.Claimed::inputs)
            .containsExactly(map("x", "a"), map("x", "b"), map("x", "c"));
        for (final EngineFixture.Claimed m : merges)
        {
            assertThat(f.executed(m).ok()).isTrue();
        }
        assertThat(f.engine.runs(EngineFixture.NS, 1, 10).value().runs().get(0).status()).isEqualTo("SUCCESS");
        assertThat(f.statuses(run, "merge")).containsOnly(Status.SUCCESS).hasSize(3);

        final byte[] snap = f.engine.snapshot();
        assertThat(Engine.restore(snap, EngineConfig.DEFAULT).snapshot()).isEqualTo(snap);
    }
}
