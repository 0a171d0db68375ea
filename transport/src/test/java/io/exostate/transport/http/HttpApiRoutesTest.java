package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.exostate.transport.http.HttpApiFixture.NS;
import static io.exostate.transport.http.HttpApiFixture.node;
import static io.exostate.transport.http.HttpApiFixture.ns;
import static io.exostate.transport.http.HttpApiFixture.schema;
import static org.assertj.core.api.Assertions.assertThat;

/** Every route of SPEC §11 over real HTTP: success shapes, client errors and ExoState's decisions. */
@Timeout(60)
class HttpApiRoutesTest
{
    private static final String EMPTY_SCHEMA = "{\"properties\": {}, \"title\": \"Outputs\", \"type\": \"object\"}";

    private HttpApiFixture f;
    private String lastRun;

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

    private void registerNodes()
    {
        final HttpApiFixture.Resp r = f.register("runtime-1",
            node("Start", schema("Inputs", "text"), schema("Outputs", "chunk")),
            node("Work", schema("Inputs", "chunk"), schema("Outputs", "result"), "token"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** A VALID one-node graph {@code simple}: root {@code a} (Start) with a literal input. */
    private void upsertSimple(final String graph)
    {
        final HttpApiFixture.Resp r = f.put(ns("/graph/" + graph), """
            {"secrets": {"token": "t0k3n"}, "nodes": [
              {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": "hello"},
               "next_nodes": null, "unites": null}]}
            """);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().path("validation_status").asText()).as(r.toString()).isEqualTo("VALID");
    }

    private String trigger(final String graph)
    {
        final HttpApiFixture.Resp r = f.post(ns("/graph/" + graph + "/trigger"), "{\"inputs\": {}, \"store\": {}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("run_id").asText();
    }

    private JsonNode enqueue(final int batch, final String... nodes)
    {
        final StringBuilder names = new StringBuilder();
        for (int i = 0; i < nodes.length; i++)
        {
            names.append(i == 0 ? "" : ", ").append('"').append(nodes[i]).append('"');
        }
        final HttpApiFixture.Resp r =
            f.post(ns("/states/enqueue"), "{\"nodes\": [" + names + "], \"batch_size\": " + batch + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** Registers, upserts {@code simple}, triggers it and claims the root: returns the claimed state id. */
    private String claimedRoot()
    {
        registerNodes();
        upsertSimple("simple");
        lastRun = trigger("simple");
        final JsonNode claimed = enqueue(1, "Start");
        assertThat(claimed.path("count").asInt()).isEqualTo(1);
        return claimed.path("states").get(0).path("state_id").asText();
    }

    private static List<String> locOf(final JsonNode error)
    {
        final List<String> loc = new ArrayList<>();
        error.path("loc").forEach(n -> loc.add(n.asText()));
        return loc;
    }

    // --- #1, #2 ------------------------------------------------------------------------------------------------

    @Test
    void shouldAnswerHealthWithoutApiKey()
    {
        final HttpApiFixture.Resp r = f.send("GET", "/health", null, Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo("{\"message\":\"OK\"}");
        assertThat(r.header("content-type")).isEqualTo("application/json");
    }

    @Test
    void shouldListNamespacesOfRegisteredNodesSorted()
    {
        assertThat(f.get("/v0/namespaces").json().toString()).isEqualTo("{\"namespaces\":[],\"count\":0}");
        f.put("/v0/namespace/zeta/nodes/", "{\"runtime_name\": \"r\", \"nodes\": [" +
            node("N", EMPTY_SCHEMA, EMPTY_SCHEMA) + "]}");
        f.put("/v0/namespace/alpha/nodes/", "{\"runtime_name\": \"r\", \"nodes\": [" +
            node("N", EMPTY_SCHEMA, EMPTY_SCHEMA) + "]}");
        final JsonNode body = f.get("/v0/namespaces").json();
        assertThat(body.toString()).isEqualTo("{\"namespaces\":[\"alpha\",\"zeta\"],\"count\":2}");
    }

    // --- #3, #4 ------------------------------------------------------------------------------------------------

    @Test
    void shouldRegisterNodesAndEchoThemInOrder()
    {
        final String inputs = "{\"properties\": {\"text\": {\"title\": \"Text\", \"type\": \"string\"}, " +
            "\"n\": {\"type\": \"integer\"}}, \"required\": [\"text\"], \"title\": \"Inputs\", \"type\": \"object\"}";
        final HttpApiFixture.Resp r = f.register("runtime-1",
            node("Second", inputs, EMPTY_SCHEMA, "k1", "k2"),
            node("First", EMPTY_SCHEMA, EMPTY_SCHEMA));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        final JsonNode body = r.json();
        assertThat(body.path("runtime_name").asText()).isEqualTo("runtime-1");
        final JsonNode nodes = body.path("registered_nodes");
        assertThat(nodes).hasSize(2);
        assertThat(nodes.get(0).path("name").asText()).isEqualTo("Second");
        assertThat(nodes.get(0).path("inputs_schema")).isEqualTo(HttpApiFixtureJson.parse(inputs));
        assertThat(nodes.get(0).path("secrets").toString()).isEqualTo("[\"k1\",\"k2\"]");
        assertThat(nodes.get(1).path("name").asText()).isEqualTo("First");
        assertThat(nodes.get(0).has("namespace")).isFalse();
    }

    @Test
    void shouldRefuseMalformedRegistrationsWith422InFieldOrder()
    {
        final HttpApiFixture.Resp r = f.put(ns("/nodes/"), """
            {"nodes": [{"name": 5, "inputs_schema": [], "outputs_schema": {}, "secrets": ["ok", 1]}, "x"]}
            """);
        assertThat(r.status()).isEqualTo(422);
        final JsonNode errors = r.json().path("detail");
        assertThat(errors).hasSize(5);
        assertThat(locOf(errors.get(0))).containsExactly("body", "runtime_name");
        assertThat(errors.get(0).path("type").asText()).isEqualTo("missing");
        assertThat(errors.get(0).path("msg").asText()).isEqualTo("Field required");
        assertThat(locOf(errors.get(1))).containsExactly("body", "nodes", "0", "name");
        assertThat(errors.get(1).path("type").asText()).isEqualTo("string_type");
        assertThat(errors.get(1).path("input").asInt()).isEqualTo(5);
        assertThat(locOf(errors.get(2))).containsExactly("body", "nodes", "0", "inputs_schema");
        assertThat(errors.get(2).path("type").asText()).isEqualTo("dict_type");
        assertThat(locOf(errors.get(3))).containsExactly("body", "nodes", "0", "secrets", "1");
        assertThat(errors.get(3).path("loc").get(4).isInt()).isTrue();
        assertThat(locOf(errors.get(4))).containsExactly("body", "nodes", "1");
        assertThat(errors.get(4).path("type").asText()).isEqualTo("model_type");
    }

    @Test
    void shouldListRegisteredNodesOfTheNamespace()
    {
        registerNodes();
        f.register("runtime-2", node("Start", schema("Inputs", "text"), schema("Outputs", "chunk", "extra")));
        final JsonNode body = f.get(ns("/nodes/")).json();
        assertThat(body.path("namespace").asText()).isEqualTo(NS);
        assertThat(body.path("count").asInt()).isEqualTo(2);
        final JsonNode start = body.path("nodes").get(0);
        assertThat(start.path("_id").asText()).matches("[0-9a-f]{24}");
        assertThat(start.path("name").asText()).isEqualTo("Start");
        assertThat(start.path("namespace").asText()).isEqualTo(NS);
        assertThat(start.path("runtime_name").asText()).isEqualTo("runtime-2");
        assertThat(start.path("runtime_namespace").asText()).isEqualTo(NS);
        assertThat(start.path("outputs_schema").path("properties").has("extra")).isTrue();
        assertThat(start.path("created_at").asText()).isEqualTo("2026-01-01T00:00:00.000");
        assertThat(body.path("nodes").get(1).path("secrets").toString()).isEqualTo("[\"token\"]");
        assertThat(f.get("/v0/namespace/other/nodes/").json().path("count").asInt()).isZero();
    }

    // --- #5, #6, #7 --------------------------------------------------------------------------------------------

    @Test
    void shouldUpsertSynchronouslyValidWith201AndStoredSettings()
    {
        registerNodes();
        final HttpApiFixture.Resp r = f.put(ns("/graph/g1"), """
            {"secrets": {"token": "t0k3n"},
             "nodes": [
               {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": "${{ store.k }}"},
                "next_nodes": ["b"]},
               {"node_name": "Work", "namespace": "testns", "identifier": "b",
                "inputs": {"chunk": "${{ a.outputs.chunk }}"}, "next_nodes": null}],
             "retry_policy": {"max_retries": 5, "strategy": "LINEAR", "backoff_factor": "1000", "exponent": 3.0,
                              "max_delay": 9000},
             "store_config": {"required_keys": ["k"], "default_values": {"d": "v"}},
             "triggers": [{"type": "CRON", "value": {"expression": "*/5 * * * *"}}]}
            """);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        final JsonNode g = r.json();
        assertThat(g.path("validation_status").asText()).isEqualTo("VALID");
        assertThat(g.path("validation_errors").toString()).isEqualTo("[]");
        assertThat(g.path("secrets").toString()).isEqualTo("{\"token\":true}");
        assertThat(g.path("retry_policy").toString()).isEqualTo(
            "{\"max_retries\":5,\"strategy\":\"LINEAR\",\"backoff_factor\":1000,\"exponent\":3,\"max_delay\":9000}");
        assertThat(g.path("store_config").toString())
            .isEqualTo("{\"required_keys\":[\"k\"],\"default_values\":{\"d\":\"v\"}}");
        assertThat(g.path("triggers").toString())
            .isEqualTo("[{\"type\":\"CRON\",\"value\":{\"expression\":\"*/5 * * * *\"}}]");
        assertThat(g.path("nodes").get(0).path("next_nodes").toString()).isEqualTo("[\"b\"]");
        // QUIRK kept: an explicit null next_nodes comes back as [], an omitted one stays null.
        assertThat(g.path("nodes").get(1).path("next_nodes").toString()).isEqualTo("[]");
        assertThat(g.path("nodes").get(1).path("unites").isNull()).isTrue();
        assertThat(g.path("created_at").asText()).isEqualTo("2026-01-01T00:00:00.000");

        // Decision 1: GET graph returns the stored retry_policy, store_config and triggers.
        final HttpApiFixture.Resp got = f.get(ns("/graph/g1"));
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(g);
    }

    @Test
    void shouldKeepOmittedNextNodesNullAndDefaultTheSettings()
    {
        registerNodes();
        final JsonNode g = f.put(ns("/graph/g2"), """
            {"secrets": {}, "nodes": [{"node_name": "Start", "namespace": "testns", "identifier": "a",
                                       "inputs": {"text": "x"}}]}
            """).json();
        assertThat(g.path("nodes").get(0).path("next_nodes").isNull()).isTrue();
        assertThat(g.path("retry_policy").toString()).isEqualTo(
            "{\"max_retries\":3,\"strategy\":\"EXPONENTIAL\",\"backoff_factor\":2000,\"exponent\":2,\"max_delay\":null}");
        assertThat(g.path("store_config").toString()).isEqualTo("{\"required_keys\":[],\"default_values\":{}}");
        assertThat(g.path("triggers").toString()).isEqualTo("[]");
    }

    @Test
    void shouldAnswerInvalidWithErrorsWhenNodesAreNotRegistered()
    {
        final HttpApiFixture.Resp r = f.put(ns("/graph/g3"), """
            {"secrets": {}, "nodes": [{"node_name": "Ghost", "namespace": "testns", "identifier": "a", "inputs": {}}]}
            """);
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("validation_status").asText()).isEqualTo("INVALID");
        assertThat(r.json().path("validation_errors").get(0).asText())
            .isEqualTo("Node Ghost in namespace testns does not exist.");
    }

    @Test
    void shouldRefuseGraphModelErrorsWith400()
    {
        registerNodes();
        final HttpApiFixture.Resp dup = f.put(ns("/graph/g4"), """
            {"secrets": {}, "nodes": [
              {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": "x"}},
              {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": "x"}}]}
            """);
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.detail()).startsWith("Error validating graph template: ")
            .contains("Node identifier a is not unique");

        final HttpApiFixture.Resp notString = f.put(ns("/graph/g4"), """
            {"secrets": {}, "nodes": [
              {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": 5}}]}
            """);
        assertThat(notString.status()).isEqualTo(400);
        assertThat(notString.detail()).contains("Input 5 is not a string");
        assertThat(f.get(ns("/graph/g4")).status()).isEqualTo(404);
    }

    @Test
    void shouldAnswerTheEnginesFieldErrorsAs422WithTheirInputs()
    {
        final HttpApiFixture.Resp r = f.put(ns("/graph/g5"), """
            {"secrets": {}, "nodes": [
              {"node_name": "Start", "namespace": "testns", "identifier": "", "inputs": {}, "next_nodes": ["x", "x"]}],
             "retry_policy": {"max_retries": -1},
             "triggers": [{"type": "CRON", "value": {"expression": "not a cron"}}]}
            """);
        assertThat(r.status()).isEqualTo(422);
        final JsonNode errors = r.json().path("detail");
        assertThat(locOf(errors.get(0))).containsExactly("body", "nodes", "0", "identifier");
        assertThat(errors.get(0).path("type").asText()).isEqualTo("value_error");
        assertThat(errors.get(0).path("msg").asText()).isEqualTo("Value error, Node identifier cannot be empty");
        assertThat(errors.get(0).path("input").asText()).isEmpty();
        assertThat(errors.get(1).path("msg").asText()).isEqualTo("Value error, Next node identifier x is not unique");
        assertThat(errors.get(1).path("input").toString()).isEqualTo("[\"x\",\"x\"]");
        assertThat(locOf(errors.get(2))).containsExactly("body", "retry_policy", "max_retries");
        assertThat(errors.get(2).path("type").asText()).isEqualTo("greater_than_equal");
        assertThat(errors.get(2).path("ctx").path("ge").asInt()).isZero();
        assertThat(errors.get(2).path("input").asInt()).isEqualTo(-1);
        assertThat(errors.get(3).path("msg").asText()).isEqualTo("Value error, Invalid cron expression");
    }

    @Test
    void shouldAnswerEdgeTypeErrorsAs422()
    {
        final HttpApiFixture.Resp r = f.put(ns("/graph/g6"), """
            {"nodes": [{"node_name": "Start", "namespace": "testns", "identifier": "a",
                        "unites": {"identifier": "b", "strategy": "SOME"}}],
             "retry_policy": {"strategy": "NEVER", "backoff_factor": 1.5},
             "store_config": {"default_values": {"k": 1}}}
            """);
        assertThat(r.status()).isEqualTo(422);
        final JsonNode errors = r.json().path("detail");
        assertThat(errors).hasSize(6);
        assertThat(locOf(errors.get(0))).containsExactly("body", "secrets");
        assertThat(locOf(errors.get(1))).containsExactly("body", "nodes", "0", "inputs");
        assertThat(errors.get(1).path("type").asText()).isEqualTo("missing");
        assertThat(locOf(errors.get(2))).containsExactly("body", "nodes", "0", "unites", "strategy");
        assertThat(errors.get(2).path("msg").asText()).isEqualTo("Input should be 'ALL_SUCCESS' or 'ALL_DONE'");
        assertThat(errors.get(3).path("type").asText()).isEqualTo("enum");
        assertThat(errors.get(3).path("ctx").path("expected").asText()).contains("'EXPONENTIAL', ");
        assertThat(errors.get(4).path("type").asText()).isEqualTo("int_from_float");
        assertThat(locOf(errors.get(5))).containsExactly("body", "store_config", "default_values", "k");
        assertThat(errors.get(5).path("type").asText()).isEqualTo("string_type");
    }

    @Test
    void shouldAnswer404ForAnUnknownGraph()
    {
        final HttpApiFixture.Resp r = f.get(ns("/graph/nope"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.detail()).isEqualTo("Graph template nope not found in namespace testns");
    }

    @Test
    void shouldListGraphsWithoutSecretValues()
    {
        registerNodes();
        upsertSimple("simple");
        final HttpApiFixture.Resp r = f.get(ns("/graphs/"));
        assertThat(r.status()).isEqualTo(200);
        final JsonNode body = r.json();
        assertThat(body.path("namespace").asText()).isEqualTo(NS);
        assertThat(body.path("count").asInt()).isEqualTo(1);
        final JsonNode t = body.path("templates").get(0);
        assertThat(t.path("_id").asText()).matches("[0-9a-f]{24}");
        assertThat(t.path("name").asText()).isEqualTo("simple");
        assertThat(t.path("namespace").asText()).isEqualTo(NS);
        assertThat(t.path("validation_status").asText()).isEqualTo("VALID");
        // Decision 1: the list shows {name: true}, never the encrypted (or plain) value.
        assertThat(t.path("secrets").toString()).isEqualTo("{\"token\":true}");
        assertThat(r.body()).doesNotContain("t0k3n");
        final String sealed = ((ViewReplies.Graphs)f.query(new Query.ListGraphs(NS))).graphs().get(0)
            .encryptedSecrets().get("token");
        assertThat(sealed).isNotEqualTo("t0k3n");
        assertThat(r.body()).doesNotContain(sealed);
    }

    // --- #8 ----------------------------------------------------------------------------------------------------

    @Test
    void shouldTriggerWithAFreshUuidRunId()
    {
        registerNodes();
        upsertSimple("simple");
        final HttpApiFixture.Resp r = f.post(ns("/graph/simple/trigger"), "{\"start_delay\": 0}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("CREATED");
        final String runId = r.json().path("run_id").asText();
        assertThat(UUID.fromString(runId).version()).isEqualTo(4);
        assertThat(trigger("simple")).isNotEqualTo(runId);
    }

    @Test
    void shouldRefuseTriggersAsExosphereDoes()
    {
        final HttpApiFixture.Resp missing = f.post(ns("/graph/nope/trigger"), "{}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.detail()).isEqualTo("Graph template not found for namespace testns and graph nope");

        f.put(ns("/graph/bad"), "{\"secrets\": {}, \"nodes\": [{\"node_name\": \"Ghost\", \"namespace\": \"testns\"," +
            " \"identifier\": \"a\", \"inputs\": {}}]}");
        final HttpApiFixture.Resp invalid = f.post(ns("/graph/bad/trigger"), "{}");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.detail()).isEqualTo("Graph template is not valid");

        registerNodes();
        f.put(ns("/graph/store"), """
            {"secrets": {}, "nodes": [{"node_name": "Start", "namespace": "testns", "identifier": "a",
                                       "inputs": {"text": "${{ store.k }}"}}],
             "store_config": {"required_keys": ["k", "other"]}}
            """);
        final HttpApiFixture.Resp noStore = f.post(ns("/graph/store/trigger"), "{\"store\": {\"k\": \"v\"}}");
        assertThat(noStore.status()).isEqualTo(400);
        assertThat(noStore.detail()).isEqualTo("Missing store keys: {'other'}");
        final HttpApiFixture.Resp noInput = f.post(ns("/graph/store/trigger"), "{\"store\": {\"other\": \"v\"}}");
        assertThat(noInput.status()).isEqualTo(400);
        assertThat(noInput.detail()).startsWith("Invalid input: ");

        final HttpApiFixture.Resp bad = f.post(ns("/graph/store/trigger"),
            "{\"store\": {\"k\": 1}, \"start_delay\": -1}");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(locOf(bad.json().path("detail").get(0))).containsExactly("body", "store", "k");
        assertThat(bad.json().path("detail").get(1).path("type").asText()).isEqualTo("greater_than_equal");
    }

    // --- #9 ----------------------------------------------------------------------------------------------------

    @Test
    void shouldClaimReadyStatesAsOneBatch()
    {
        registerNodes();
        upsertSimple("simple");
        final String run1 = trigger("simple");
        trigger("simple");
        trigger("simple");
        final JsonNode body = enqueue(2, "Start", "Work");
        assertThat(body.path("count").asInt()).isEqualTo(2);
        assertThat(body.path("namespace").asText()).isEqualTo(NS);
        assertThat(body.path("status").asText()).isEqualTo("QUEUED");
        final JsonNode s = body.path("states").get(0);
        assertThat(s.path("state_id").asText()).matches("[0-9a-f]{24}");
        assertThat(s.path("node_name").asText()).isEqualTo("Start");
        assertThat(s.path("identifier").asText()).isEqualTo("a");
        assertThat(s.path("inputs").toString()).isEqualTo("{\"text\":\"hello\"}");
        assertThat(s.path("created_at").asText()).isEqualTo("2026-01-01T00:00:00.000");
        assertThat(f.state("simple", run1, s.path("state_id").asText()).runId()).isEqualTo(run1);
        assertThat(enqueue(16, "Start").path("count").asInt()).isEqualTo(1);
        assertThat(enqueue(16, "Start").path("count").asInt()).isZero();
    }

    @Test
    void shouldAnswerCountZeroWithoutClaimingForAnEmptyRequest()
    {
        registerNodes();
        upsertSimple("simple");
        trigger("simple");
        final long offered = f.gateway.offered();
        assertThat(enqueue(0, "Start").toString())
            .isEqualTo("{\"count\":0,\"namespace\":\"testns\",\"status\":\"QUEUED\",\"states\":[]}");
        assertThat(enqueue(-3, "Start").path("count").asInt()).isZero();
        assertThat(enqueue(5).path("count").asInt()).isZero();
        assertThat(f.gateway.offered()).isEqualTo(offered);
        assertThat(enqueue(5, "Start").path("count").asInt()).isEqualTo(1);
    }

    @Test
    void shouldRefuseMalformedEnqueueBodies()
    {
        final HttpApiFixture.Resp r = f.post(ns("/states/enqueue"), "{\"nodes\": \"Start\", \"batch_size\": \"x\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("detail").get(0).path("type").asText()).isEqualTo("list_type");
        assertThat(r.json().path("detail").get(1).path("type").asText()).isEqualTo("int_parsing");
        final HttpApiFixture.Resp missing = f.post(ns("/states/enqueue"), "{\"nodes\": []}");
        assertThat(locOf(missing.json().path("detail").get(0))).containsExactly("body", "batch_size");
        assertThat(missing.json().path("detail").get(0).path("input").toString()).isEqualTo("{\"nodes\":[]}");
    }

    // --- #10 ---------------------------------------------------------------------------------------------------

    @Test
    void shouldReportExecutedAndCreateTheNextStatesAtOnce()
    {
        final String id = claimedRoot();
        final HttpApiFixture.Resp r = f.post(ns("/state/" + id + "/executed"),
            "{\"outputs\": [{\"chunk\": \"c1\"}, {\"chunk\": \"c2\", \"n\": 5}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo("{\"status\":\"EXECUTED\"}");
        assertThat(f.state("simple", lastRun, id).status()).isEqualTo(Status.SUCCESS);

        final HttpApiFixture.Resp again = f.post(ns("/state/" + id + "/executed"), "{\"outputs\": []}");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldAnswer404ForMalformedUnknownOrForeignStates()
    {
        final String id = claimedRoot();
        for (final String route : List.of("executed", "errored", "prune", "re-enqueue-after", "manual-retry"))
        {
            final String body = switch (route)
            {
                case "executed" -> "{\"outputs\": []}";
                case "errored" -> "{\"error\": \"boom\"}";
                case "prune" -> "{\"data\": {}}";
                case "re-enqueue-after" -> "{\"enqueue_after\": 10}";
                default -> "{\"fanout_id\": \"f\"}";
            };
            final HttpApiFixture.Resp malformed = f.post(ns("/state/not-an-id/" + route), body);
            assertThat(malformed.status()).as(route).isEqualTo(404);
            assertThat(malformed.detail()).isEqualTo("State not found");
            final HttpApiFixture.Resp unknown = f.post(ns("/state/" + Ids.stateId(999_999) + "/" + route), body);
            assertThat(unknown.status()).as(route).isEqualTo(404);
            final HttpApiFixture.Resp foreign = f.post("/v0/namespace/other/state/" + id + "/" + route, body);
            assertThat(foreign.status()).as(route).isEqualTo(404);
            assertThat(foreign.detail()).isEqualTo("State not found");
        }
        assertThat(f.state("simple", lastRun, id).status()).isEqualTo(Status.QUEUED);
    }

    @Test
    void shouldValidateTheBodyBeforeTheStateId()
    {
        final HttpApiFixture.Resp r = f.post(ns("/state/not-an-id/executed"), "{\"outputs\": [1]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(locOf(r.json().path("detail").get(0))).containsExactly("body", "outputs", "0");
        assertThat(r.json().path("detail").get(0).path("type").asText()).isEqualTo("dict_type");
    }

    @Test
    void shouldFailTheParentWhenATemplateUsesANonStringOutput()
    {
        registerNodes();
        f.put(ns("/graph/two"), """
            {"secrets": {"token": "x"}, "nodes": [
              {"node_name": "Start", "namespace": "testns", "identifier": "a", "inputs": {"text": "t"},
               "next_nodes": ["b"]},
              {"node_name": "Work", "namespace": "testns", "identifier": "b",
               "inputs": {"chunk": "${{ a.outputs.chunk }}"}}]}
            """);
        final String run = trigger("two");
        final String id = enqueue(1, "Start").path("states").get(0).path("state_id").asText();
        assertThat(f.post(ns("/state/" + id + "/executed"), "{\"outputs\": [{\"chunk\": 42}]}").status())
            .isEqualTo(200);
        final Views.NodeDetails d = f.state("two", run, id);
        assertThat(d.status()).isEqualTo(Status.NEXT_CREATED_ERROR);
        assertThat(d.error()).contains("is not a string");
    }

    // --- #11, #12, #13, #14 ------------------------------------------------------------------------------------

    @Test
    void shouldCreateARetryWhenErroredWithBudgetLeft()
    {
        final String id = claimedRoot();
        final HttpApiFixture.Resp r = f.post(ns("/state/" + id + "/errored"), "{\"error\": \"boom\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo("{\"status\":\"ERRORED\",\"retry_created\":true}");
        final HttpApiFixture.Resp again = f.post(ns("/state/" + id + "/errored"), "{\"error\": \"boom\"}");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.detail()).isEqualTo("State is not queued or executed");
        final HttpApiFixture.Resp missing = f.post(ns("/state/" + id + "/errored"), "{}");
        assertThat(missing.status()).isEqualTo(422);
    }

    @Test
    void shouldPruneWithAnyJsonData()
    {
        final String id = claimedRoot();
        final HttpApiFixture.Resp nullData = f.post(ns("/state/" + id + "/prune"), "{\"data\": null}");
        assertThat(nullData.status()).isEqualTo(422);
        final HttpApiFixture.Resp r = f.post(ns("/state/" + id + "/prune"), "{\"data\": {\"why\": [1, {\"x\": null}]}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("PRUNED");
        assertThat(r.json().path("enqueue_after").asLong()).isEqualTo(f.now());
        final Views.NodeDetails d = f.state("simple", lastRun, id);
        assertThat(d.status()).isEqualTo(Status.PRUNED);
        assertThat(d.data()).isEqualTo("{\"why\":[1,{\"x\":null}]}");
        assertThat(f.post(ns("/state/" + id + "/prune"), "{\"data\": {}}").detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldReenqueueOnlyLiveStates()
    {
        final String id = claimedRoot();
        final HttpApiFixture.Resp zero = f.post(ns("/state/" + id + "/re-enqueue-after"), "{\"enqueue_after\": 0}");
        assertThat(zero.status()).isEqualTo(422);
        assertThat(zero.json().path("detail").get(0).path("type").asText()).isEqualTo("greater_than");
        final HttpApiFixture.Resp r = f.post(ns("/state/" + id + "/re-enqueue-after"), "{\"enqueue_after\": \"5000\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("CREATED");
        assertThat(r.json().path("enqueue_after").asLong()).isEqualTo(f.now() + 5000);
        assertThat(enqueue(1, "Start").path("count").asInt()).isZero();
        f.advance(5000);
        final JsonNode claimed = enqueue(1, "Start");
        assertThat(claimed.path("states").get(0).path("state_id").asText()).isEqualTo(id);
        f.post(ns("/state/" + id + "/executed"), "{\"outputs\": [{\"chunk\": \"c\"}]}");
        // Decision 14: a finished state is not reopened.
        final HttpApiFixture.Resp done = f.post(ns("/state/" + id + "/re-enqueue-after"), "{\"enqueue_after\": 10}");
        assertThat(done.status()).isEqualTo(400);
        assertThat(done.detail()).isEqualTo("State is not queued");
    }

    @Test
    void shouldManuallyRetryOncePerFanoutId()
    {
        final String id = claimedRoot();
        f.post(ns("/state/" + id + "/errored"), "{\"error\": \"boom\"}");
        final HttpApiFixture.Resp r = f.post(ns("/state/" + id + "/manual-retry"), "{\"fanout_id\": \"fan-1\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("CREATED");
        final String newId = r.json().path("id").asText();
        assertThat(newId).matches("[0-9a-f]{24}").isNotEqualTo(id);
        final HttpApiFixture.Resp dup = f.post(ns("/state/" + id + "/manual-retry"), "{\"fanout_id\": \"fan-1\"}");
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.detail()).isEqualTo("Duplicate retry state detected");
        assertThat(f.post(ns("/state/" + id + "/manual-retry"), "{\"fanout_id\": 7}").status()).isEqualTo(422);
    }

    // --- #15 ---------------------------------------------------------------------------------------------------

    @Test
    void shouldDecryptSecretsForAStateOfTheNamespace()
    {
        final String id = claimedRoot();
        final HttpApiFixture.Resp r = f.get(ns("/state/" + id + "/secrets"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo("{\"secrets\":{\"token\":\"t0k3n\"}}");
        assertThat(f.get("/v0/namespace/other/state/" + id + "/secrets").detail()).isEqualTo("State not found");
        assertThat(f.get(ns("/state/xyz/secrets")).status()).isEqualTo(404);
        assertThat(f.get(ns("/state/" + Ids.stateId(424242) + "/secrets")).status()).isEqualTo(404);
    }

    // --- #16, #17, #18 -----------------------------------------------------------------------------------------

    @Test
    void shouldPageRunsNewestFirstAndRefusePagesBelowOne()
    {
        registerNodes();
        upsertSimple("simple");
        final String run1 = trigger("simple");
        f.advance(10);
        final String run2 = trigger("simple");
        final JsonNode page = f.get(ns("/runs/1/1")).json();
        assertThat(page.path("namespace").asText()).isEqualTo(NS);
        assertThat(page.path("total").asInt()).isEqualTo(2);
        assertThat(page.path("page").asInt()).isEqualTo(1);
        assertThat(page.path("size").asInt()).isEqualTo(1);
        final JsonNode run = page.path("runs").get(0);
        assertThat(run.path("run_id").asText()).isEqualTo(run2);
        assertThat(run.path("graph_name").asText()).isEqualTo("simple");
        assertThat(run.path("pending_count").asInt()).isEqualTo(1);
        assertThat(run.path("total_count").asInt()).isEqualTo(1);
        assertThat(run.path("status").asText()).isEqualTo("PENDING");
        assertThat(run.path("created_at").asText()).isEqualTo("2026-01-01T00:00:00.010");
        assertThat(f.get(ns("/runs/2/1")).json().path("runs").get(0).path("run_id").asText()).isEqualTo(run1);

        final HttpApiFixture.Resp zero = f.get(ns("/runs/0/0"));
        assertThat(zero.status()).isEqualTo(422);
        assertThat(locOf(zero.json().path("detail").get(0))).containsExactly("path", "page");
        assertThat(zero.json().path("detail").get(0).path("type").asText()).isEqualTo("greater_than_equal");
        assertThat(locOf(zero.json().path("detail").get(1))).containsExactly("path", "size");
        final HttpApiFixture.Resp text = f.get(ns("/runs/abc/10"));
        assertThat(text.status()).isEqualTo(422);
        assertThat(text.json().path("detail").get(0).path("type").asText()).isEqualTo("int_parsing");
        assertThat(text.json().path("detail").get(0).path("input").asText()).isEqualTo("abc");
    }

    @Test
    void shouldShowTheGraphStructureOfARun()
    {
        final String id = claimedRoot();
        final String runId = lastRun;
        f.post(ns("/state/" + id + "/executed"), "{\"outputs\": [{\"chunk\": \"c\"}]}");
        final JsonNode g = f.get(ns("/states/run/" + runId + "/graph")).json();
        assertThat(g.path("graph_name").asText()).isEqualTo("simple");
        assertThat(g.path("node_count").asInt()).isEqualTo(1);
        assertThat(g.path("edge_count").asInt()).isZero();
        assertThat(g.path("root_states").get(0).toString()).isEqualTo("{\"id\":\"" + id +
            "\",\"node_name\":\"Start\",\"identifier\":\"a\",\"status\":\"SUCCESS\",\"error\":null}");
        assertThat(g.path("execution_summary").size()).isEqualTo(8);
        assertThat(g.path("execution_summary").path("SUCCESS").asInt()).isEqualTo(1);

        final JsonNode empty = f.get(ns("/states/run/no-such-run/graph")).json();
        assertThat(empty.path("graph_name").asText()).isEmpty();
        assertThat(empty.path("nodes").size()).isZero();
        assertThat(empty.path("execution_summary").path("CREATED").asInt()).isZero();
    }

    @Test
    void shouldShowNodeDetails()
    {
        final String id = claimedRoot();
        final String runId = lastRun;
        f.post(ns("/state/" + id + "/executed"), "{\"outputs\": [{\"chunk\": \"c\", \"n\": 5}]}");
        final HttpApiFixture.Resp r = f.get(ns("/graph/simple/run/" + runId + "/node/" + id));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        final JsonNode d = r.json();
        assertThat(d.path("id").asText()).isEqualTo(id);
        assertThat(d.path("node_name").asText()).isEqualTo("Start");
        assertThat(d.path("identifier").asText()).isEqualTo("a");
        assertThat(d.path("graph_name").asText()).isEqualTo("simple");
        assertThat(d.path("run_id").asText()).isEqualTo(runId);
        assertThat(d.path("status").asText()).isEqualTo("SUCCESS");
        assertThat(d.path("inputs").toString()).isEqualTo("{\"text\":\"hello\"}");
        assertThat(d.path("outputs").toString()).isEqualTo("{\"chunk\":\"c\",\"n\":5}");
        assertThat(d.path("error").isNull()).isTrue();
        assertThat(d.path("parents").toString()).isEqualTo("{}");
        assertThat(d.path("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}");

        final HttpApiFixture.Resp bad = f.get(ns("/graph/simple/run/" + runId + "/node/xyz"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.detail()).isEqualTo("Invalid node ID format: xyz");
        final String other = Ids.stateId(777);
        final HttpApiFixture.Resp missing = f.get(ns("/graph/simple/run/" + runId + "/node/" + other));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.detail()).isEqualTo("Node " + other + " not found in run " + runId + " for graph simple");
    }
}
