package io.exostate.transport.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TriggerSpec;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Writes the engine's replies and views as the JSON of SPEC §11: Exosphere's field names and types, times as
 * ISO-8601 UTC without zone, state ids as 24 hex characters. Stateless; thread safe.
 */
final class JsonViews
{
    private JsonViews()
    {
    }

    /** Routes #5 and #6: the graph as Exosphere's upsert response shows it; secrets as {@code {name: true}}. */
    static void graph(final JsonGenerator g, final Views.Graph graph) throws IOException
    {
        g.writeStartObject();
        graphFields(g, graph);
        g.writeEndObject();
    }

    /** Route #7: one template document of the list (decision 1: secrets never leave as values). */
    static void graphDocument(final JsonGenerator g, final Views.Graph graph) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("_id", graph.id());
        g.writeStringField("name", graph.name());
        g.writeStringField("namespace", graph.namespace());
        graphFields(g, graph);
        g.writeEndObject();
    }

    private static void graphFields(final JsonGenerator g, final Views.Graph graph) throws IOException
    {
        g.writeArrayFieldStart("nodes");
        for (final NodeTemplateSpec n : graph.nodes())
        {
            nodeTemplate(g, n);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("secrets");
        for (final String name : graph.encryptedSecrets().keySet())
        {
            g.writeBooleanField(name, true);
        }
        g.writeEndObject();
        g.writeFieldName("retry_policy");
        retryPolicy(g, graph.retryPolicy());
        g.writeFieldName("store_config");
        storeConfig(g, graph.storeConfig());
        g.writeArrayFieldStart("triggers");
        for (final TriggerSpec t : graph.triggers())
        {
            g.writeStartObject();
            g.writeStringField("type", t.type());
            g.writeObjectFieldStart("value");
            g.writeStringField("expression", t.expression());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("created_at", IsoTime.format(graph.createdAt()));
        g.writeStringField("updated_at", IsoTime.format(graph.updatedAt()));
        g.writeStringField("validation_status", graph.validationStatus());
        g.writeFieldName("validation_errors");
        Json.stringList(g, graph.validationErrors());
    }

    private static void nodeTemplate(final JsonGenerator g, final NodeTemplateSpec n) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("node_name", n.nodeName());
        g.writeStringField("namespace", n.namespace());
        g.writeStringField("identifier", n.identifier());
        g.writeObjectFieldStart("inputs");
        for (final TemplateInput in : n.inputs())
        {
            g.writeStringField(in.key(), in.value());
        }
        g.writeEndObject();
        g.writeFieldName("next_nodes");
        if (n.nextNodes() == null)
        {
            g.writeNull();
        }
        else
        {
            Json.stringList(g, n.nextNodes());
        }
        g.writeFieldName("unites");
        if (n.unites() == null)
        {
            g.writeNull();
        }
        else
        {
            g.writeStartObject();
            g.writeStringField("identifier", n.unites().identifier());
            g.writeStringField("strategy", n.unites().strategy().name());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void retryPolicy(final JsonGenerator g, final RetryPolicySpec p) throws IOException
    {
        g.writeStartObject();
        g.writeNumberField("max_retries", p.maxRetries());
        g.writeStringField("strategy", p.strategy().name());
        g.writeNumberField("backoff_factor", p.backoffFactor());
        g.writeNumberField("exponent", p.exponent());
        g.writeFieldName("max_delay");
        if (p.maxDelay() == null)
        {
            g.writeNull();
        }
        else
        {
            g.writeNumber(p.maxDelay());
        }
        g.writeEndObject();
    }

    private static void storeConfig(final JsonGenerator g, final StoreConfigSpec s) throws IOException
    {
        g.writeStartObject();
        g.writeFieldName("required_keys");
        Json.stringList(g, s.requiredKeys());
        g.writeFieldName("default_values");
        Json.stringMap(g, s.defaultValues());
        g.writeEndObject();
    }

    /** Route #3's echo of one registration, and the schema part of route #4. */
    static void registrationFields(final JsonGenerator g, final NodeRegistration reg) throws IOException
    {
        g.writeStringField("name", reg.name());
        g.writeFieldName("inputs_schema");
        g.writeRawValue(reg.inputsSchemaJson());
        g.writeFieldName("outputs_schema");
        g.writeRawValue(reg.outputsSchemaJson());
        g.writeFieldName("secrets");
        Json.stringList(g, reg.secrets());
    }

    /** Route #4: one registered node document. */
    static void registeredNode(final JsonGenerator g, final Views.RegisteredNode node) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("_id", node.id());
        g.writeStringField("created_at", IsoTime.format(node.createdAt()));
        g.writeStringField("updated_at", IsoTime.format(node.updatedAt()));
        registrationFieldsWithNamespace(g, node);
        g.writeEndObject();
    }

    private static void registrationFieldsWithNamespace(final JsonGenerator g, final Views.RegisteredNode node)
        throws IOException
    {
        final NodeRegistration reg = node.registration();
        g.writeStringField("name", reg.name());
        g.writeStringField("namespace", node.namespace());
        g.writeStringField("runtime_name", node.runtimeName());
        g.writeStringField("runtime_namespace", node.namespace());
        g.writeFieldName("inputs_schema");
        g.writeRawValue(reg.inputsSchemaJson());
        g.writeFieldName("outputs_schema");
        g.writeRawValue(reg.outputsSchemaJson());
        g.writeFieldName("secrets");
        Json.stringList(g, reg.secrets());
    }

    /** Route #9: one claimed state. */
    static void claimedState(final JsonGenerator g, final ClaimedState s) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("state_id", Ids.stateId(s.stateId()));
        g.writeStringField("node_name", s.nodeName());
        g.writeStringField("identifier", s.identifier());
        g.writeFieldName("inputs");
        Json.payloadMap(g, s.inputs());
        g.writeStringField("created_at", IsoTime.format(s.createdAt()));
        g.writeEndObject();
    }

    /** Route #16. */
    static void runsPage(final JsonGenerator g, final Views.RunsPage page) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("namespace", page.namespace());
        g.writeNumberField("total", page.total());
        g.writeNumberField("page", page.page());
        g.writeNumberField("size", page.size());
        g.writeArrayFieldStart("runs");
        for (final Views.RunSummary r : page.runs())
        {
            g.writeStartObject();
            g.writeStringField("run_id", r.runId());
            g.writeStringField("graph_name", r.graphName());
            g.writeNumberField("success_count", r.successCount());
            g.writeNumberField("pending_count", r.pendingCount());
            g.writeNumberField("errored_count", r.erroredCount());
            g.writeNumberField("retried_count", r.retriedCount());
            g.writeNumberField("total_count", r.totalCount());
            g.writeStringField("status", r.status());
            g.writeStringField("created_at", IsoTime.format(r.createdAt()));
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** Route #17. */
    static void runGraph(final JsonGenerator g, final Views.RunGraph view) throws IOException
    {
        g.writeStartObject();
        g.writeArrayFieldStart("root_states");
        for (final Views.GraphNode n : view.rootStates())
        {
            graphNode(g, n);
        }
        g.writeEndArray();
        g.writeStringField("graph_name", view.graphName());
        g.writeArrayFieldStart("nodes");
        for (final Views.GraphNode n : view.nodes())
        {
            graphNode(g, n);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("edges");
        for (final Views.Edge e : view.edges())
        {
            g.writeStartObject();
            g.writeStringField("source", e.source());
            g.writeStringField("target", e.target());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("node_count", view.nodes().size());
        g.writeNumberField("edge_count", view.edges().size());
        g.writeObjectFieldStart("execution_summary");
        for (final Status s : Status.values())
        {
            final Integer count = view.executionSummary().get(s);
            g.writeNumberField(s.name(), count == null ? 0 : count);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void graphNode(final JsonGenerator g, final Views.GraphNode n) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("id", n.id());
        g.writeStringField("node_name", n.nodeName());
        g.writeStringField("identifier", n.identifier());
        g.writeStringField("status", n.status().name());
        g.writeStringField("error", n.error());
        g.writeEndObject();
    }

    /** Route #18. */
    static void nodeDetails(final JsonGenerator g, final Views.NodeDetails d) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("id", d.id());
        g.writeStringField("node_name", d.nodeName());
        g.writeStringField("identifier", d.identifier());
        g.writeStringField("graph_name", d.graphName());
        g.writeStringField("run_id", d.runId());
        g.writeStringField("status", d.status().name());
        g.writeFieldName("inputs");
        Json.payloadMap(g, d.inputs());
        g.writeFieldName("outputs");
        Json.payloadMap(g, d.outputs());
        g.writeStringField("error", d.error());
        g.writeObjectFieldStart("parents");
        for (final Map.Entry<String, String> e : d.parents().entrySet())
        {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("created_at", IsoTime.format(d.createdAt()));
        g.writeStringField("updated_at", IsoTime.format(d.updatedAt()));
        g.writeEndObject();
    }

    /** Route #2. */
    static void namespaces(final JsonGenerator g, final List<String> namespaces) throws IOException
    {
        g.writeStartObject();
        g.writeFieldName("namespaces");
        Json.stringList(g, namespaces);
        g.writeNumberField("count", namespaces.size());
        g.writeEndObject();
    }
}
