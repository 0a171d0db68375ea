package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.exostate.transport.http.HttpApiFixture.MAPPER;
import static io.exostate.transport.http.HttpApiFixture.NS;
import static io.exostate.transport.http.HttpApiFixture.node;
import static io.exostate.transport.http.HttpApiFixture.ns;
import static io.exostate.transport.http.HttpApiFixture.schema;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Emulates, request for request, what Exosphere's Python SDK (0.0.3b1, SPEC §12) sends: {@code Runtime} registers
 * its nodes, polls {@code states/enqueue} with its batch size, fetches secrets for nodes that declare some, and
 * reports {@code executed} (a list of outputs: a fanout), {@code errored}, {@code prune} and
 * {@code re-enqueue-after}; {@code StateManager} upserts the graph (then polls GET graph while PENDING) and
 * triggers it. A fanout + unite graph runs to SUCCESS as the runs listing reports it.
 */
@Timeout(60)
class ExosphereSdkFlowTest
{
    private static final int BATCH_SIZE = 16;
    private static final int POLL_INTERVAL_MS = 1000;

    private HttpApiFixture f;

    @BeforeEach
    void start()
    {
        f = new HttpApiFixture();
    }

    @AfterEach
    void stop()
    {
        f.close();
    }

    /** {@code PruneSignal(data)} raised by a node. */
    private static final class PruneSignal extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final Map<String, Object> data;

        PruneSignal(final Map<String, Object> data)
        {
            super("prune", null, false, false);
            this.data = data;
        }
    }

    /** {@code ReQueueAfterSignal(delay)} raised by a node. */
    private static final class ReQueueAfterSignal extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final long delayMs;

        ReQueueAfterSignal(final long delayMs)
        {
            super("requeue", null, false, false);
            this.delayMs = delayMs;
        }
    }

    @FunctionalInterface
    private interface NodeCode
    {
        /** Returns the outputs (a list: fanout) or throws a signal or any other exception. */
        List<Map<String, String>> execute(Map<String, String> inputs, Map<String, String> secrets);
    }

    private record PyNode(String name, List<String> inputs, List<String> outputs, List<String> secrets, NodeCode code)
    {
    }

    /** The Python {@code Runtime}: one poller and workers sharing a queue of at most 2·batch_size states. */
    private final class PyRuntime
    {
        final String name;
        final Map<String, PyNode> nodes = new LinkedHashMap<>();
        final ArrayDeque<JsonNode> queue = new ArrayDeque<>();
        int enqueueCalls;
        int secretsCalls;

        PyRuntime(final String name, final PyNode... nodes)
        {
            this.name = name;
            for (final PyNode n : nodes)
            {
                this.nodes.put(n.name(), n);
            }
        }

        void register()
        {
            final List<String> bodies = new ArrayList<>();
            for (final PyNode n : nodes.values())
            {
                bodies.add(node(n.name(), schema("Inputs", n.inputs().toArray(new String[0])),
                    schema("Outputs", n.outputs().toArray(new String[0])), n.secrets().toArray(new String[0])));
            }
            final HttpApiFixture.Resp r = f.register(name, bodies.toArray(new String[0]));
            // A non-200 answer raises RuntimeError: the runtime would not start.
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }

        /** One poller iteration: enqueue when the queue is below batch_size. Returns the states received. */
        int poll()
        {
            if (queue.size() >= BATCH_SIZE)
            {
                return 0;
            }
            final HttpApiFixture.Resp r = f.post(ns("/states/enqueue"),
                json(Map.of("nodes", new ArrayList<>(nodes.keySet()), "batch_size", BATCH_SIZE)));
            enqueueCalls++;
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            final JsonNode states = r.json().path("states");
            assertThat(r.json().path("count").asInt()).isEqualTo(states.size());
            states.forEach(queue::add);
            return states.size();
        }

        /** One worker step: take a state, run its node, report the outcome. */
        boolean work()
        {
            final JsonNode state = queue.poll();
            if (state == null)
            {
                return false;
            }
            final String stateId = state.path("state_id").asText();
            final PyNode n = nodes.get(state.path("node_name").asText());
            try
            {
                Map<String, String> secrets = Map.of();
                if (!n.secrets().isEmpty())
                {
                    final HttpApiFixture.Resp s = f.get(ns("/state/" + stateId + "/secrets"));
                    secretsCalls++;
                    secrets = s.status() == 200 ? strings(s.json().path("secrets")) : Map.of();
                }
                final Map<String, String> inputs = strings(state.path("inputs"));
                for (final String field : n.inputs())
                {
                    if (!inputs.containsKey(field))
                    {
                        throw new IllegalArgumentException("Inputs validation: " + field + " missing");
                    }
                }
                final List<Map<String, String>> outputs = n.code().execute(inputs, secrets);
                report(ns("/state/" + stateId + "/executed"), Map.of("outputs", outputs));
            }
            catch (final PruneSignal p)
            {
                report(ns("/state/" + stateId + "/prune"), Map.of("data", p.data));
            }
            catch (final ReQueueAfterSignal q)
            {
                report(ns("/state/" + stateId + "/re-enqueue-after"), Map.of("enqueue_after", q.delayMs));
            }
            catch (final RuntimeException ex)
            {
                report(ns("/state/" + stateId + "/errored"), Map.of("error", String.valueOf(ex.getMessage())));
            }
            return true;
        }

        private void report(final String path, final Map<String, Object> body)
        {
            final HttpApiFixture.Resp r = f.post(path, json(body));
            assertThat(r.status()).as(path + " " + r).isEqualTo(200);
        }
    }

    private static String json(final Object value)
    {
        try
        {
            return MAPPER.writeValueAsString(value);
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static Map<String, String> strings(final JsonNode obj)
    {
        final Map<String, String> out = new HashMap<>();
        obj.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** {@code StateManager.upsert_graph}: PUT, accept 200/201, poll GET graph while PENDING, require VALID. */
    private JsonNode upsertGraph(final String graph, final Map<String, Object> body)
    {
        final HttpApiFixture.Resp put = f.put(ns("/graph/" + graph), json(body));
        assertThat(put.status()).as(put.toString()).isIn(200, 201);
        JsonNode g = put.json();
        int polls = 0;
        while ("PENDING".equals(g.path("validation_status").asText()))
        {
            polls++;
            final HttpApiFixture.Resp got = f.get(ns("/graph/" + graph));
            assertThat(got.status()).isEqualTo(200);
            g = got.json();
        }
        assertThat(polls).as("decision 2: validation is synchronous, no poll needed").isZero();
        assertThat(g.path("validation_status").asText()).as(g.toString()).isEqualTo("VALID");
        return g;
    }

    private static Map<String, Object> templateNode(
        final String nodeName, final String identifier, final Map<String, String> inputs, final List<String> next,
        final Map<String, String> unites)
    {
        // GraphNodeModel.model_dump(): every field, None included.
        final Map<String, Object> n = new LinkedHashMap<>();
        n.put("node_name", nodeName);
        n.put("namespace", NS);
        n.put("identifier", identifier);
        n.put("inputs", inputs);
        n.put("next_nodes", next);
        n.put("unites", unites);
        return n;
    }

    @Test
    void shouldRunAFanoutAndUniteGraphToSuccessAsThePythonSdkDrivesIt()
    {
        final Map<String, Integer> attempts = new HashMap<>();
        final List<String> mergeInputs = new ArrayList<>();
        final List<String> tokensSeen = new ArrayList<>();
        final PyRuntime runtime = new PyRuntime("py-runtime",
            new PyNode("StartNode", List.of("text"), List.of("text"), List.of(),
                (in, sec) -> List.of(Map.of("text", in.get("text").toUpperCase()))),
            new PyNode("SplitNode", List.of("text"), List.of("chunk"), List.of(), (in, sec) ->
            {
                final List<Map<String, String>> outs = new ArrayList<>();
                for (final String word : in.get("text").split(" "))
                {
                    outs.add(Map.of("chunk", word));
                }
                return outs;
            }),
            new PyNode("WorkNode", List.of("chunk"), List.of("result"), List.of("api_token"), (in, sec) ->
            {
                tokensSeen.add(sec.get("api_token"));
                final String chunk = in.get("chunk");
                final int attempt = attempts.merge(chunk, 1, Integer::sum);
                if ("BETA".equals(chunk) && attempt == 1)
                {
                    throw new IllegalStateException("transient failure on " + chunk);
                }
                if ("GAMMA".equals(chunk))
                {
                    if (attempt == 1)
                    {
                        throw new ReQueueAfterSignal(1500);
                    }
                    throw new PruneSignal(Map.of("reason", "gamma is not needed", "attempt", attempt));
                }
                return List.of(Map.of("result", chunk.toLowerCase()));
            }),
            new PyNode("MergeNode", List.of("text"), List.of(), List.of(), (in, sec) ->
            {
                mergeInputs.add(in.get("text"));
                return List.of();
            }));
        runtime.register();

        final Map<String, Object> graph = new LinkedHashMap<>();
        graph.put("secrets", Map.of("api_token", "s3cr3t"));
        graph.put("nodes", List.of(
            templateNode("StartNode", "start", Map.of("text", "${{ store.text }}"), List.of("split"), null),
            templateNode("SplitNode", "split", Map.of("text", "${{ start.outputs.text }}"), List.of("work"), null),
            templateNode("WorkNode", "work", Map.of("chunk", "${{ split.outputs.chunk }}"), List.of("merge"), null),
            templateNode("MergeNode", "merge", Map.of("text", "${{ start.outputs.text }}"), null,
                Map.of("identifier", "start", "strategy", "ALL_DONE"))));
        graph.put("retry_policy", Map.of("max_retries", 2, "strategy", "FIXED", "backoff_factor", 1000,
            "exponent", 2, "max_delay", 5000));
        graph.put("store_config", Map.of("required_keys", List.of("text"), "default_values", Map.of()));
        final JsonNode upserted = upsertGraph("fanout-unite", graph);
        assertThat(upserted.path("secrets").toString()).isEqualTo("{\"api_token\":true}");
        assertThat(upserted.path("retry_policy").path("strategy").asText()).isEqualTo("FIXED");

        // StateManager.trigger: {"start_delay", "inputs", "store"}.
        final HttpApiFixture.Resp trig = f.post(ns("/graph/fanout-unite/trigger"),
            json(Map.of("start_delay", 0, "inputs", Map.of(), "store", Map.of("text", "alpha beta gamma"))));
        assertThat(trig.status()).as(trig.toString()).isEqualTo(200);
        final String runId = trig.json().path("run_id").asText();

        // The runtime's loop: poll, work everything received, sleep poll_interval; until the run is done.
        String status = "PENDING";
        for (int round = 0; round < 30 && "PENDING".equals(status); round++)
        {
            runtime.poll();
            while (runtime.work())
            {
                // each worker drains the shared queue
            }
            f.advance(POLL_INTERVAL_MS);
            status = runOf(runId).path("status").asText();
        }

        final JsonNode run = runOf(runId);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCESS");
        assertThat(run.path("graph_name").asText()).isEqualTo("fanout-unite");
        // start, 3 splits, alpha, beta's retry, gamma pruned, merge: SUCCESS/PRUNED; beta's first try RETRY_CREATED.
        assertThat(run.path("success_count").asInt()).isEqualTo(8);
        assertThat(run.path("retried_count").asInt()).isEqualTo(1);
        assertThat(run.path("errored_count").asInt()).isZero();
        assertThat(run.path("pending_count").asInt()).isZero();
        assertThat(run.path("total_count").asInt()).isEqualTo(9);

        assertThat(attempts).containsEntry("ALPHA", 1).containsEntry("BETA", 2).containsEntry("GAMMA", 2);
        assertThat(tokensSeen).hasSize(5).containsOnly("s3cr3t");
        assertThat(runtime.secretsCalls).isEqualTo(5);
        // Decision 4: the unite under ALL_DONE is created exactly once, although its last branch was pruned.
        assertThat(mergeInputs).containsExactly("ALPHA BETA GAMMA");

        final JsonNode structure = f.get(ns("/states/run/" + runId + "/graph")).json();
        assertThat(structure.path("node_count").asInt()).isEqualTo(9);
        assertThat(structure.path("root_states")).hasSize(1);
        assertThat(structure.path("execution_summary").path("PRUNED").asInt()).isEqualTo(1);
        assertThat(structure.path("execution_summary").path("RETRY_CREATED").asInt()).isEqualTo(1);
        assertThat(structure.path("execution_summary").path("SUCCESS").asInt()).isEqualTo(7);
        String mergeId = null;
        String startId = null;
        for (final JsonNode n : structure.path("nodes"))
        {
            if ("merge".equals(n.path("identifier").asText()))
            {
                mergeId = n.path("id").asText();
            }
            if ("start".equals(n.path("identifier").asText()))
            {
                startId = n.path("id").asText();
            }
        }
        final JsonNode merge = f.get(ns("/graph/fanout-unite/run/" + runId + "/node/" + mergeId)).json();
        assertThat(merge.path("status").asText()).isEqualTo("SUCCESS");
        assertThat(merge.path("parents").toString()).isEqualTo("{\"start\":\"" + startId + "\"}");
        assertThat(merge.path("inputs").toString()).isEqualTo("{\"text\":\"ALPHA BETA GAMMA\"}");

        // An idle runtime keeps polling: nothing is left to hand out.
        assertThat(runtime.poll()).isZero();
    }

    @Test
    void shouldStopTheRuntimeWhenRegistrationFailsAndRaiseOnATriggerError()
    {
        final HttpApiFixture.Resp r = f.send("PUT", ns("/nodes/"), "{\"runtime_name\": \"x\", \"nodes\": []}",
            Map.of("x-api-key", "wrong"));
        assertThat(r.status()).isEqualTo(401);
        final HttpApiFixture.Resp t = f.post(ns("/graph/missing/trigger"),
            json(Map.of("start_delay", 0, "inputs", Map.of(), "store", Map.of())));
        // StateManager raises "Failed to trigger state: 404 <text>": the text is our JSON detail.
        assertThat(t.status()).isEqualTo(404);
        assertThat(t.body()).isEqualTo("{\"detail\":\"Graph template not found for namespace testns and graph missing\"}");
    }

    @Test
    void shouldFailUpsertGraphTheWaySdkReportsInvalidGraphs()
    {
        final Map<String, Object> graph = new LinkedHashMap<>();
        graph.put("secrets", Map.of());
        graph.put("nodes", List.of(templateNode("NotRegistered", "a", Map.of(), null, null)));
        final HttpApiFixture.Resp put = f.put(ns("/graph/g"), json(graph));
        assertThat(put.status()).isEqualTo(201);
        // Never ONGOING, never PENDING: the SDK's poll loop ends at once and raises with these errors.
        assertThat(put.json().path("validation_status").asText()).isEqualTo("INVALID");
        final ArrayNode errors = (ArrayNode)put.json().path("validation_errors");
        assertThat(errors.get(0).asText()).isEqualTo("Node NotRegistered in namespace testns does not exist.");
        final ObjectNode got = (ObjectNode)f.get(ns("/graph/g")).json();
        assertThat(got.path("validation_status").asText()).isEqualTo("INVALID");
    }

    private JsonNode runOf(final String runId)
    {
        final JsonNode page = f.get(ns("/runs/1/50")).json();
        for (final JsonNode run : page.path("runs"))
        {
            if (runId.equals(run.path("run_id").asText()))
            {
                return run;
            }
        }
        throw new AssertionError("run " + runId + " not listed: " + page);
    }
}
