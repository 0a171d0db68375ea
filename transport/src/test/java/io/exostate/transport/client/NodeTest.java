package io.exostate.transport.client;

import io.exostate.core.model.FieldKind;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.SchemaField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.client.TestSupport.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Nodes, signals, registrations and contexts: no network. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NodeTest
{
    @Test
    void shouldRegisterStringFieldsWithPydanticShapedSchemas()
    {
        final Node node = Node.named("Fetch").inputs("user_id", "url").outputs("body").secrets("token")
            .single((in, s) -> map("body", ""));

        final NodeRegistration r = node.registration();

        assertThat(r.name()).isEqualTo("Fetch");
        assertThat(r.inputs()).containsExactly(
            new SchemaField("user_id", FieldKind.STRING), new SchemaField("url", FieldKind.STRING));
        assertThat(r.outputs()).containsExactly(new SchemaField("body", FieldKind.STRING));
        assertThat(r.secrets()).containsExactly("token");
        // What Python's json.dumps(Inputs.model_json_schema()) gives for `user_id: str` and `url: str`.
        assertThat(r.inputsSchemaJson()).isEqualTo("{\"properties\": {\"user_id\": {\"title\": \"User Id\", " +
            "\"type\": \"string\"}, \"url\": {\"title\": \"Url\", \"type\": \"string\"}}, \"required\": " +
            "[\"user_id\", \"url\"], \"title\": \"Inputs\", \"type\": \"object\"}");
        assertThat(r.outputsSchemaJson()).isEqualTo("{\"properties\": {\"body\": {\"title\": \"Body\", " +
            "\"type\": \"string\"}}, \"required\": [\"body\"], \"title\": \"Outputs\", \"type\": \"object\"}");
    }

    @Test
    void shouldRenderAnEmptyModelWithoutRequired()
    {
        assertThat(NodeSchemas.schema("Outputs", List.of()))
            .isEqualTo("{\"properties\": {}, \"title\": \"Outputs\", \"type\": \"object\"}");
    }

    @Test
    void shouldTitleFieldNamesLikePython()
    {
        assertThat(NodeSchemas.fieldTitle("user_id")).isEqualTo("User Id");
        assertThat(NodeSchemas.fieldTitle("userID")).isEqualTo("Userid");
        assertThat(NodeSchemas.fieldTitle("a1b")).isEqualTo("A1B");
        assertThat(NodeSchemas.fieldTitle("_x")).isEqualTo(" X");
    }

    @Test
    void shouldEscapeJsonLikePython()
    {
        final StringBuilder b = new StringBuilder();
        NodeSchemas.quote(b, "a\"b\\c\né");
        assertThat(b).hasToString("\"a\\\"b\\\\c\\n\\u00e9\"");
    }

    @Test
    void shouldRefuseDuplicateOrEmptyFieldNames()
    {
        assertThatThrownBy(() -> Node.named("N").inputs("a", "a").single((in, s) -> null).registration())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' appears twice");
        assertThatThrownBy(() -> Node.named("N").outputs("").single((in, s) -> null).registration())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty output names");
    }

    @Test
    void shouldRefuseRequeueDelayUnderOneMillisecond()
    {
        assertThatThrownBy(() -> new RequeueAfterSignal(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> new RequeueAfterSignal(Duration.ofNanos(999_999)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequeueAfterSignal(Duration.ofMillis(-5)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequeueAfterSignal(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RequeueAfterSignal(Duration.ofMillis(1)).delayMs()).isEqualTo(1);
        assertThatThrownBy(() -> new Report.Requeue(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefusePruneDataThatIsNotAnObject()
    {
        assertThat(new PruneSignal().dataJson()).isEqualTo("{}");
        assertThat(new PruneSignal(" {\"a\": 1} ").dataJson()).isEqualTo("{\"a\": 1}");
        assertThatThrownBy(() -> new PruneSignal("[1]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PruneSignal(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWrapSingleOutputInAList() throws Exception
    {
        final Node.SingleOutput one = new Node.SingleOutput()
        {
            @Override
            public String name()
            {
                return "One";
            }

            @Override
            public Map<String, String> executeOne(final Map<String, String> inputs, final Map<String, String> secrets)
            {
                return inputs.isEmpty() ? null : inputs;
            }
        };

        assertThat(one.execute(map("a", "1"), Map.of())).containsExactly(map("a", "1"));
        assertThat(one.execute(Map.of(), Map.of())).isEmpty();
    }

    @Test
    void shouldCheckOutputsAgainstTheDeclaredFields()
    {
        final Node node = Node.named("N").outputs("a", "b").execute((in, s) -> null);

        assertThat(Runtime.checkOutputs(node, null)).isNull();
        assertThat(Runtime.checkOutputs(node, List.of())).isNull();
        assertThat(Runtime.checkOutputs(node, List.of(map("a", "1", "b", "2"), map("b", "3", "a", "4")))).isNull();
        assertThat(Runtime.checkOutputs(node, List.of(map("a", "1"))))
            .isEqualTo("1 validation error for Outputs\nb\n  Field required [type=missing]");
        assertThat(Runtime.checkOutputs(node, List.of(map("a", "1", "b", "2", "c", "3"))))
            .isEqualTo("Expected the outputs of node N to hold only [a, b], but output 0 has 'c'");
    }

    @Test
    void shouldSendTheExceptionMessageAsTheError()
    {
        assertThat(Runtime.errorText(new IllegalStateException("boom"))).isEqualTo("boom");
        assertThat(Runtime.errorText(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void shouldFailFastOnBadClientContext()
    {
        assertThatThrownBy(() -> new ExoClient.Context().apiKey("k").conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> new ExoClient.Context().namespace("n").apiKey("k").port(0).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> new ExoClient.Context().namespace("n").apiKey("k")
            .reconnectBackoffMin(Duration.ofSeconds(2)).reconnectBackoffMax(Duration.ofSeconds(1)).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reconnectBackoffMax");
    }

    @Test
    void shouldFailFastOnBadRuntimeContext()
    {
        final ExoClient.Context client = new ExoClient.Context().namespace("n").apiKey("k");
        final Node a = Node.named("A").single((in, s) -> null);

        assertThatThrownBy(() -> new Runtime.Context().client(client).nodes(a).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runtime name");
        assertThatThrownBy(() -> new Runtime.Context().client(client).runtimeName("r").conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one node");
        assertThatThrownBy(() -> new Runtime.Context().client(client).runtimeName("r").nodes(a, a).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'A' appears twice");
        assertThatThrownBy(() -> new Runtime.Context().client(client).runtimeName("r").nodes(a)
            .lease(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofSeconds(3)).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat interval");

        final Runtime.Context ok = new Runtime.Context().client(client).runtimeName("r").nodes(a)
            .lease(Duration.ofSeconds(30)).copy().conclude();
        assertThat(ok.effectiveHeartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(ok.workers()).isEqualTo(java.lang.Runtime.getRuntime().availableProcessors());
        assertThat(ok.client().clientName()).isEqualTo("r");
    }

    @Test
    void shouldGrowBackoffWithJitterWithinBounds()
    {
        final long min = TimeUnit.MILLISECONDS.toNanos(10);
        final long max = TimeUnit.MILLISECONDS.toNanos(80);
        final Backoff backoff = new Backoff(min, max);
        long previousCeiling = 0;
        for (int i = 0; i < 10; i++)
        {
            final long ceiling = Math.min(max, min << i);
            final long d = backoff.nextNs();
            assertThat(d).isBetween(ceiling / 2, ceiling);
            assertThat(ceiling).isGreaterThanOrEqualTo(previousCeiling);
            previousCeiling = ceiling;
        }
        backoff.reset();
        assertThat(backoff.nextNs()).isBetween(min / 2, min);
        assertThat(Backoff.attemptNs(min, max, 100)).isBetween(max / 2, max);
    }
}
