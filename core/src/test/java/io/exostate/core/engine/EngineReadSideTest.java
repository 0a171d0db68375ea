package io.exostate.core.engine;

import io.exostate.core.model.FieldKind;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TriggerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.exostate.core.engine.EngineFixture.NS;
import static io.exostate.core.engine.EngineFixture.encrypted;
import static io.exostate.core.engine.EngineFixture.graph;
import static io.exostate.core.engine.EngineFixture.graphIn;
import static io.exostate.core.engine.EngineFixture.map;
import static io.exostate.core.engine.EngineFixture.node;
import static io.exostate.core.engine.EngineFixture.nodeIn;
import static io.exostate.core.engine.EngineFixture.unite;
import static org.assertj.core.api.Assertions.assertThat;

/** The read side: namespaces, registered nodes, graphs, runs, run graph, node details and state secrets. */
class EngineReadSideTest
{
    private final EngineFixture f = new EngineFixture()
        .register("A", "x", "|", "o")
        .register("B", "y", "|", "p");

    @Test
    void shouldListOnlyNonEmptyNamespacesWithRegisteredNodesSorted()
    {
        f.registerIn("zeta", "Z").registerIn("alpha", "Z").registerIn("", "Z");
        f.upsertValid(graphIn("graphs-only", "g", nodeIn(NS, "a", "A", map("x", "1"))));
        f.engine.trigger(f.now, "graphs-only", "g", "r1", Map.of(), Map.of(), 0);

        assertThat(f.engine.namespaces()).containsExactly("alpha", NS, "zeta");
    }

    @Test
    void shouldOverwriteARegistrationInPlace()
    {
        final long registeredAt = f.now;
        final String firstId = f.engine.registeredNodes(NS).get(0).id();
        f.advance(100);
        final NodeRegistration changed = new NodeRegistration("A", List.of(new SchemaField("z", FieldKind.STRING)),
            List.of(), List.of("key"), "{\"properties\":{\"z\":{\"type\":\"string\"}}}", "{}");

        final Replies.Register reply = f.engine.registerNodes(f.now, NS, "rt2", List.of(changed));

        assertThat(reply.ok()).isTrue();
        assertThat(reply.runtimeName()).isEqualTo("rt2");
        assertThat(reply.nodes()).containsExactly(changed);
        final List<Views.RegisteredNode> nodes = f.engine.registeredNodes(NS);
        assertThat(nodes).extracting(n -> n.registration().name()).containsExactly("A", "B");
        final Views.RegisteredNode a = nodes.get(0);
        assertThat(a.id()).isEqualTo(firstId);
        assertThat(a.registration()).isEqualTo(changed);
        assertThat(a.runtimeName()).isEqualTo("rt2");
        assertThat(a.namespace()).isEqualTo(NS);
        assertThat(a.createdAt()).isEqualTo(registeredAt);
        assertThat(a.updatedAt()).isEqualTo(f.now);
        assertThat(f.engine.registeredNodes("unknown")).isEmpty();
    }

    @Test
    void shouldReturnTheStoredGraphWithItsPoliciesAndTriggers()
    {
        final RetryPolicySpec retry = new RetryPolicySpec(5, RetryStrategy.LINEAR, 100, 3, 900L);
        final StoreConfigSpec store = new StoreConfigSpec(List.of("k"), Map.of("d", "v"));
        final GraphSpec spec = new GraphSpec(NS, "g", List.of(node("a", "A", map("x", "1"))),
            Map.of("s", encrypted("one")), retry, store, List.of(TriggerSpec.cron("* * * * *")));
        final long createdAt = f.now;
        f.upsertValid(spec);
        f.upsertValid(graph("h", node("a", "A", map("x", "1"))));
        f.advance(10);
        f.upsertValid(spec);

        final Views.Graph g = f.engine.graph(NS, "g");

        assertThat(g.name()).isEqualTo("g");
        assertThat(g.namespace()).isEqualTo(NS);
        assertThat(g.retryPolicy()).isEqualTo(retry);
        assertThat(g.storeConfig()).isEqualTo(store);
        assertThat(g.triggers()).containsExactly(TriggerSpec.cron("* * * * *"));
        assertThat(g.encryptedSecrets()).isEqualTo(Map.of("s", encrypted("one")));
        assertThat(g.nodes()).isEqualTo(spec.nodes());
        assertThat(g.validationStatus()).isEqualTo("VALID");
        assertThat(g.validationErrors()).isEmpty();
        assertThat(g.version()).isEqualTo(2);
        assertThat(g.createdAt()).isEqualTo(createdAt);
        assertThat(g.updatedAt()).isEqualTo(f.now);
        assertThat(f.engine.graphs(NS)).extracting(Views.Graph::name).containsExactly("g", "h");
        assertThat(f.engine.graph(NS, "nope")).isNull();
        assertThat(f.engine.graph("unknown", "g")).isNull();
        assertThat(f.engine.graphs("unknown")).isEmpty();
    }

    @Test
    void shouldPageRunsNewestFirst()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        final List<String> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            runs.add(f.trigger("g"));
            f.advance(10);
        }
        f.registerIn("other", "A", "x");
        f.upsertValid(graphIn("other", "g", nodeIn("other", "a", "A", map("x", "1"))));
        f.engine.trigger(f.now, "other", "g", "elsewhere", Map.of(), Map.of(), 0);

        final Views.RunsPage first = f.engine.runs(NS, 1, 2).value();
        final Views.RunsPage second = f.engine.runs(NS, 2, 2).value();
        final Views.RunsPage third = f.engine.runs(NS, 3, 2).value();
        final Views.RunsPage beyond = f.engine.runs(NS, 4, 2).value();

        assertThat(first.runs()).extracting(Views.RunSummary::runId).containsExactly(runs.get(4), runs.get(3));
        assertThat(second.runs()).extracting(Views.RunSummary::runId).containsExactly(runs.get(2), runs.get(1));
        assertThat(third.runs()).extracting(Views.RunSummary::runId).containsExactly(runs.get(0));
        assertThat(beyond.runs()).isEmpty();
        assertThat(first.total()).isEqualTo(5);
        assertThat(beyond.total()).isEqualTo(5);
        assertThat(second.namespace()).isEqualTo(NS);
        assertThat(second.page()).isEqualTo(2);
        assertThat(second.size()).isEqualTo(2);
        assertThat(f.engine.runs("unknown", 1, 10).value().runs()).isEmpty();
    }

    @Test
    void shouldRefuseAPageOrSizeBelowOne()
    {
        final Engine.Read<Views.RunsPage> page = f.engine.runs(NS, 0, 10);
        final Engine.Read<Views.RunsPage> size = f.engine.runs(NS, 1, 0);
        final Engine.Read<Views.RunsPage> negative = f.engine.runs(NS, -1, -1);

        assertThat(page.ok()).isFalse();
        assertThat(page.rejection().code()).isEqualTo(RejectCode.INVALID_REQUEST);
        assertThat(page.rejection().code().httpStatus()).isEqualTo(422);
        assertThat(page.rejection().detail()).isEqualTo("page: Input should be greater than or equal to 1");
        assertThat(size.rejection().detail()).isEqualTo("size: Input should be greater than or equal to 1");
        assertThat(negative.ok()).isFalse();
    }

    @Test
    void shouldDescribeARunAsRootsNodesEdgesFromTheDirectParentAndASummary()
    {
        f.register("U", "u");
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"), "u"),
            unite("u", "U", map("u", "${{ a.outputs.o }}"), "a", UniteStrategy.ALL_SUCCESS)));
        final String run = f.trigger("g");
        f.claimAndExecute("A", map("o", "1"), map("o", "2"));
        final List<EngineFixture.Claimed> bs = f.claimAll("B");
        f.executed(bs.get(0), map("p", "x"));
        f.executed(bs.get(1));

        final Views.RunGraph g = f.engine.runGraph(NS, run);

        final List<Views.NodeDetails> as = f.states(run, "a");
        final List<Views.NodeDetails> b = f.states(run, "b");
        final List<Views.NodeDetails> u = f.states(run, "u");
        assertThat(g.graphName()).isEqualTo("g");
        assertThat(g.rootStates()).extracting(Views.GraphNode::id).containsExactly(as.get(0).id(), as.get(1).id());
        assertThat(g.nodes()).hasSize(6);
        assertThat(g.nodes().get(0)).isEqualTo(new Views.GraphNode(as.get(0).id(), "A", "a", Status.SUCCESS, null));
        assertThat(g.edges()).containsExactly(
            new Views.Edge(as.get(0).id(), b.get(0).id()),
            new Views.Edge(as.get(1).id(), b.get(1).id()),
            new Views.Edge(as.get(0).id(), u.get(0).id()),
            new Views.Edge(as.get(1).id(), u.get(1).id()));
        assertThat(g.executionSummary()).containsOnlyKeys(Status.values());
        assertThat(g.executionSummary()).containsEntry(Status.SUCCESS, 4).containsEntry(Status.CREATED, 2)
            .containsEntry(Status.QUEUED, 0).containsEntry(Status.EXECUTED, 0).containsEntry(Status.PRUNED, 0)
            .containsEntry(Status.ERRORED, 0).containsEntry(Status.NEXT_CREATED_ERROR, 0)
            .containsEntry(Status.RETRY_CREATED, 0);
    }

    @Test
    void shouldDescribeAnUnknownRunOrARunOfAnotherNamespaceAsEmpty()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        final String run = f.trigger("g");

        for (final Views.RunGraph g : List.of(f.engine.runGraph(NS, "nope"), f.engine.runGraph("other", run)))
        {
            assertThat(g.graphName()).isEmpty();
            assertThat(g.rootStates()).isEmpty();
            assertThat(g.nodes()).isEmpty();
            assertThat(g.edges()).isEmpty();
            assertThat(g.executionSummary()).hasSize(8).containsOnlyKeys(Status.values()).doesNotContainValue(1)
                .allSatisfy((status, count) -> assertThat(count).isZero());
        }
    }

    @Test
    void shouldShowTheDetailsOfANode()
    {
        f.upsertValid(graph("g",
            node("a", "A", map("x", "1"), "b"),
            node("b", "B", map("y", "${{ a.outputs.o }}"))));
        final String run = f.trigger("g");
        final long createdAt = f.now;
        final EngineFixture.Claimed a = f.claimOne("A");
        f.advance(5);
        f.executed(a, map("o", "v"));
        final String b = f.states(run, "b").get(0).id();

        final Engine.Read<Views.NodeDetails> root = f.engine.nodeDetails(NS, "g", run, Ids.stateId(a.id()));
        final Engine.Read<Views.NodeDetails> child = f.engine.nodeDetails(NS, "g", run, b);

        assertThat(root.ok()).isTrue();
        final Views.NodeDetails d = root.value();
        assertThat(d.id()).isEqualTo(Ids.stateId(a.id())).matches("[0-9a-f]{24}");
        assertThat(d.nodeName()).isEqualTo("A");
        assertThat(d.identifier()).isEqualTo("a");
        assertThat(d.graphName()).isEqualTo("g");
        assertThat(d.runId()).isEqualTo(run);
        assertThat(d.status()).isEqualTo(Status.SUCCESS);
        assertThat(d.inputsMap()).isEqualTo(map("x", "1"));
        assertThat(d.outputsMap()).isEqualTo(map("o", "v"));
        assertThat(d.error()).isNull();
        assertThat(d.parents()).isEmpty();
        assertThat(d.createdAt()).isEqualTo(createdAt);
        assertThat(d.updatedAt()).isEqualTo(f.now);
        assertThat(child.value().parents()).containsExactly(Map.entry("a", Ids.stateId(a.id())));
    }

    @Test
    void shouldRefuseAMalformedNodeIdAs400()
    {
        for (final String bad : List.of("x", "123", "", "00000000000000000000000g", "0000000000000000000000001"))
        {
            final Rejection r = f.engine.nodeDetails(NS, "g", "run", bad).rejection();
            assertThat(r.code()).isEqualTo(RejectCode.INVALID_NODE_ID);
            assertThat(r.code().httpStatus()).isEqualTo(400);
            assertThat(r.detail()).isEqualTo("Invalid node ID format: " + bad);
        }
    }

    @Test
    void shouldAnswerNodeNotFoundForAnotherRunGraphOrNamespace()
    {
        f.upsertValid(graph("g", node("a", "A", map("x", "1"))));
        final String run = f.trigger("g");
        final String id = Ids.stateId(f.engine.runStateIds(run)[0]);
        final String unknown = Ids.stateId(f.engine.runStateIds(run)[0] + 100);

        for (final String[] q : List.of(
            new String[]{NS, "g", run, unknown},
            new String[]{NS, "g", "other-run", id},
            new String[]{NS, "h", run, id},
            new String[]{"other", "g", run, id},
            new String[]{NS, "g", run, "ff0000000000000000000001"}))
        {
            final Rejection r = f.engine.nodeDetails(q[0], q[1], q[2], q[3]).rejection();
            assertThat(r).as("%s", (Object)q).isNotNull();
            assertThat(r.code()).isEqualTo(RejectCode.NODE_NOT_FOUND);
            assertThat(r.code().httpStatus()).isEqualTo(404);
            assertThat(r.detail()).isEqualTo("Node " + q[3] + " not found in run " + q[2] + " for graph " + q[1]);
        }
    }

    @Test
    void shouldReturnTheGraphsCurrentSecretsSoARotationReachesRunsInFlight()
    {
        f.registerWithSecrets(NS, "S", List.of("api"), "x");
        final GraphSpec v1 = new GraphSpec(NS, "g", List.of(node("a", "S", map("x", "1"))),
            Map.of("api", encrypted("first")), RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of());
        f.upsertValid(v1);
        final String run = f.trigger("g");
        f.upsertValid(new GraphSpec(NS, "g", v1.nodes(), Map.of("api", encrypted("second")), RetryPolicySpec.DEFAULT,
            StoreConfigSpec.DEFAULT, List.of()));
        final String later = f.trigger("g");

        final Engine.Read<Map<String, String>> secrets = f.engine.stateSecrets(NS, f.engine.runStateIds(run)[0]);

        assertThat(secrets.ok()).isTrue();
        assertThat(secrets.value()).isEqualTo(Map.of("api", encrypted("second")));
        assertThat(f.engine.stateSecrets(NS, f.engine.runStateIds(later)[0]).value())
            .isEqualTo(Map.of("api", encrypted("second")));
    }
}
