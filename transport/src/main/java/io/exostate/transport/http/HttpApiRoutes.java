package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.DecodeError;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Commands;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.template.FieldError;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.agrona.ExpandableArrayBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The routes of SPEC §11 with ExoState's decisions. For each request, in Exosphere's order: route match (404, 405,
 * 307), JSON parse of the body (422 {@code json_invalid}), the API key (401), path and body validation (422), then
 * one command or query to the engine through {@link EngineCalls} and the reply rendered as JSON.
 * Shared by every connection; stateless apart from its configuration; each method runs on the calling request's
 * event loop.
 */
final class HttpApiRoutes
{
    static final String API_KEY_HEADER = "x-api-key";
    private static final String STATE_NOT_FOUND = "State not found";

    private final EngineCalls calls;
    private final SecretsCipher cipher;
    private final byte[] apiKey;
    private final long leaseMs;
    private final int maxClaimBatch;

    private final java.util.function.Function<Boolean, java.util.Map<String, Object>> status;

    HttpApiRoutes(
        final EngineCalls calls,
        final SecretsCipher cipher,
        final String apiKey,
        final long leaseMs,
        final int maxClaimBatch,
        final java.util.function.Function<Boolean, java.util.Map<String, Object>> status)
    {
        this.status = status;
        this.calls = calls;
        this.cipher = cipher;
        this.apiKey = apiKey.getBytes(StandardCharsets.UTF_8);
        this.leaseMs = leaseMs;
        this.maxClaimBatch = maxClaimBatch;
    }

    void dispatch(final Exchange ex, final FullHttpRequest request)
    {
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path = uri.path();
        final Router.Match match = Router.match(request.method().name(), path);
        if (match.redirect())
        {
            ex.redirect(redirectUrl(request, uri.rawPath(), uri.rawQuery()));
            return;
        }
        if (match.methodNotAllowed())
        {
            ex.methodNotAllowed(match.allowedMethods());
            return;
        }
        if (!match.found())
        {
            ex.detail(404, "Not Found");
            return;
        }
        ex.params(match.params());

        final Router.Route route = match.route();
        if (route.hasBody && request.content().isReadable())
        {
            try
            {
                ex.body(Json.parse(request.content()));
            }
            catch (final IOException exc)
            {
                ex.errors(List.of(jsonInvalid(exc)));
                return;
            }
        }
        if (route != Router.Route.HEALTH && route != Router.Route.STATUS && !authorized(request))
        {
            ex.detail(401, "Invalid API key");
            return;
        }

        switch (route)
        {
            case HEALTH -> health(ex);
            case STATUS -> status(ex, !"false".equals(first(uri, "digest")));
            case LIST_NAMESPACES -> listNamespaces(ex);
            case REGISTER_NODES -> registerNodes(ex);
            case LIST_NODES -> listNodes(ex);
            case UPSERT_GRAPH -> upsertGraph(ex);
            case GET_GRAPH -> getGraph(ex);
            case LIST_GRAPHS -> listGraphs(ex);
            case TRIGGER -> trigger(ex);
            case ENQUEUE -> enqueue(ex);
            case EXECUTED -> executed(ex);
            case ERRORED -> errored(ex);
            case PRUNE -> prune(ex);
            case REENQUEUE_AFTER -> reenqueueAfter(ex);
            case MANUAL_RETRY -> manualRetry(ex);
            case STATE_SECRETS -> stateSecrets(ex);
            case LIST_RUNS -> listRuns(ex);
            case RUN_GRAPH -> runGraph(ex);
            case NODE_DETAILS -> nodeDetails(ex);
            default -> ex.detail(404, "Not Found");
        }
    }

    private boolean authorized(final FullHttpRequest request)
    {
        final String key = request.headers().get(API_KEY_HEADER);
        // Header bytes arrive as ISO-8859-1 chars; compare the raw bytes in constant time.
        return key != null && MessageDigest.isEqual(key.getBytes(StandardCharsets.ISO_8859_1), apiKey);
    }

    /** The request's own (still encoded) path with its trailing slash toggled, absolute when a Host was sent. */
    private static String redirectUrl(final FullHttpRequest request, final String rawPath, final String rawQuery)
    {
        final String host = request.headers().get(HttpHeaderNames.HOST);
        final StringBuilder sb = new StringBuilder();
        if (host != null && !host.isEmpty())
        {
            sb.append("http://").append(host);
        }
        sb.append(rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath + "/");
        if (rawQuery != null && !rawQuery.isEmpty())
        {
            sb.append('?').append(rawQuery);
        }
        return sb.toString();
    }

    private static ApiError jsonInvalid(final IOException ex)
    {
        long position = 0;
        String message = ex.getMessage();
        if (ex instanceof JsonProcessingException jpe)
        {
            final JsonLocation where = jpe.getLocation();
            if (where != null)
            {
                position = Math.max(0, where.getCharOffset() >= 0 ? where.getCharOffset() : where.getByteOffset());
            }
            message = jpe.getOriginalMessage();
        }
        final Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("error", message == null ? "Expecting value" : message.lines().findFirst().orElse(message));
        return new ApiError(List.of("body", (int)Math.min(Integer.MAX_VALUE, position)), "json_invalid",
            "JSON decode error", JsonNodeFactory.instance.objectNode(), ctx);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Routes
    // ------------------------------------------------------------------------------------------------------------

    private static void health(final Exchange ex)
    {
        ex.json(200, g ->
        {
            g.writeStartObject();
            g.writeStringField("message", "OK");
            g.writeEndObject();
        });
    }

    /**
     * The node's role and progress (no key: it reveals no workflow data), for operators and scripts/cluster;
     * {@code ?digest=false} leaves out the engine digest, which serializes the engine.
     */
    private void status(final Exchange ex, final boolean digest)
    {
        final java.util.Map<String, Object> fields = status.apply(digest);
        ex.json(200, g ->
        {
            g.writeStartObject();
            for (final java.util.Map.Entry<String, Object> e : fields.entrySet())
            {
                final Object v = e.getValue();
                if (v instanceof Number n)
                {
                    g.writeNumberField(e.getKey(), n.longValue());
                }
                else if (v == null)
                {
                    g.writeNullField(e.getKey());
                }
                else
                {
                    g.writeStringField(e.getKey(), v.toString());
                }
            }
            g.writeEndObject();
        });
    }

    private static String first(final QueryStringDecoder uri, final String name)
    {
        final List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private void listNamespaces(final Exchange ex)
    {
        query(ex, (e, buf) -> e.queries.listNamespaces(buf, 0), reply ->
        {
            if (reply instanceof ViewReplies.Namespaces ns)
            {
                ex.json(200, g -> JsonViews.namespaces(g, ns.namespaces()));
            }
            else
            {
                unexpected(ex, reply);
            }
        });
    }

    private void registerNodes(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final Requests.Register req = Requests.register(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        calls.call(ex, (e, buf) -> e.commands.registerNodes(buf, 0, namespace, req.runtimeName(), req.nodes()),
            reply ->
            {
                if (reply instanceof Replies.Register reg)
                {
                    ex.json(200, g ->
                    {
                        g.writeStartObject();
                        g.writeStringField("runtime_name", reg.runtimeName());
                        g.writeArrayFieldStart("registered_nodes");
                        for (final NodeRegistration n : reg.nodes())
                        {
                            g.writeStartObject();
                            JsonViews.registrationFields(g, n);
                            g.writeEndObject();
                        }
                        g.writeEndArray();
                        g.writeEndObject();
                    });
                }
                else
                {
                    otherwise(ex, reply);
                }
            });
    }

    private void listNodes(final Exchange ex)
    {
        final String namespace = ex.param(0);
        query(ex, (e, buf) -> e.queries.listNodes(buf, 0, namespace), reply ->
        {
            if (reply instanceof ViewReplies.Nodes nodes)
            {
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeStringField("namespace", namespace);
                    g.writeNumberField("count", nodes.nodes().size());
                    g.writeArrayFieldStart("nodes");
                    for (final Views.RegisteredNode n : nodes.nodes())
                    {
                        JsonViews.registeredNode(g, n);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                });
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void upsertGraph(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final String name = ex.param(1);
        final BodyReader r = new BodyReader();
        final GraphSpec plain = Requests.graph(r, ex.body(), namespace, name);
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final GraphSpec sealed = Requests.encryptSecrets(plain, cipher);
        calls.call(ex, (e, buf) -> e.commands.upsertGraph(buf, 0, sealed), reply ->
        {
            if (reply instanceof Replies.Upsert up)
            {
                ex.json(201, g -> JsonViews.graph(g, up.graph()));
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void getGraph(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final String name = ex.param(1);
        query(ex, (e, buf) -> e.queries.getGraph(buf, 0, namespace, name), reply ->
        {
            if (reply instanceof Views.Graph graph)
            {
                ex.json(200, g -> JsonViews.graph(g, graph));
            }
            else if (reply instanceof Rejection rej && rej.code() == RejectCode.GRAPH_NOT_FOUND)
            {
                ex.detail(404, "Graph template " + name + " not found in namespace " + namespace);
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void listGraphs(final Exchange ex)
    {
        final String namespace = ex.param(0);
        query(ex, (e, buf) -> e.queries.listGraphs(buf, 0, namespace), reply ->
        {
            if (reply instanceof ViewReplies.Graphs graphs)
            {
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeStringField("namespace", namespace);
                    g.writeNumberField("count", graphs.graphs().size());
                    g.writeArrayFieldStart("templates");
                    for (final Views.Graph graph : graphs.graphs())
                    {
                        JsonViews.graphDocument(g, graph);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                });
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void trigger(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final String graphName = ex.param(1);
        final BodyReader r = new BodyReader();
        final Requests.Trigger req = Requests.trigger(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        // The run id is chosen here, before the command is replicated, so every replica agrees on it (decision 9).
        final String runId = UUID.randomUUID().toString();
        calls.call(ex, (e, buf) -> e.commands.trigger(buf, 0, namespace, graphName, runId, req.inputs(), req.store(),
            req.startDelay()), reply ->
            {
                if (reply instanceof Replies.Trigger t)
                {
                    ex.json(200, g ->
                    {
                        g.writeStartObject();
                        g.writeStringField("status", "CREATED");
                        g.writeStringField("run_id", t.runId() == null ? runId : t.runId());
                        g.writeEndObject();
                    });
                }
                else
                {
                    otherwise(ex, reply);
                }
            });
    }

    private void enqueue(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final Requests.Enqueue req = Requests.enqueue(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        if (req.batchSize() <= 0 || req.nodes().isEmpty())
        {
            ex.json(200, g -> enqueued(g, namespace, List.of()));
            return;
        }
        // One claim however large the batch (decision 6); a batch beyond the engine's limit is served up to it.
        final int max = (int)Math.min(req.batchSize(), maxClaimBatch);
        final String[] names = req.nodes().toArray(new String[0]);
        calls.call(ex, (e, buf) -> e.commands.claim(buf, 0, namespace, names, names.length, max, leaseMs, 0), reply ->
        {
            if (reply instanceof Claimed claimed)
            {
                ex.json(200, g -> enqueued(g, namespace, claimed.states()));
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private static void enqueued(
        final com.fasterxml.jackson.core.JsonGenerator g, final String namespace, final List<ClaimedState> states)
        throws IOException
    {
        g.writeStartObject();
        g.writeNumberField("count", states.size());
        g.writeStringField("namespace", namespace);
        g.writeStringField("status", "QUEUED");
        g.writeArrayFieldStart("states");
        for (final ClaimedState s : states)
        {
            JsonViews.claimedState(g, s);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void executed(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final List<ObjectNode> outputs = Requests.executed(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        final EngineCalls.Encoders encoders = EngineCalls.encoders();
        final int outputsLength = encodeOutputs(encoders.scratch, outputs);
        calls.call(ex, (e, buf) -> e.commands.executed(buf, 0, namespace, stateId, Commands.NO_TOKEN,
            encoders.scratch, 0, outputsLength), reply ->
            {
                if (reply instanceof Replies.Executed)
                {
                    ex.json(200, g ->
                    {
                        g.writeStartObject();
                        g.writeStringField("status", "EXECUTED");
                        g.writeEndObject();
                    });
                }
                else
                {
                    otherwise(ex, reply);
                }
            });
    }

    /**
     * Writes the outputs as a {@link Payloads} list of maps: string values as strings, any other JSON value as raw
     * JSON (kind 1), so the engine can refuse to place a non-string in a template (SPEC §3.2).
     */
    static int encodeOutputs(final ExpandableArrayBuffer buf, final List<ObjectNode> outputs)
    {
        int pos = 0;
        buf.putInt(pos, outputs.size(), ByteOrder.LITTLE_ENDIAN);
        pos += 4;
        for (final ObjectNode o : outputs)
        {
            final Map<String, String> map = new LinkedHashMap<>();
            final Set<String> jsonKeys = new HashSet<>();
            for (final Map.Entry<String, JsonNode> e : o.properties())
            {
                final JsonNode v = e.getValue();
                if (v.isTextual())
                {
                    map.put(e.getKey(), v.textValue());
                }
                else
                {
                    map.put(e.getKey(), Json.text(v));
                    jsonKeys.add(e.getKey());
                }
            }
            final int len = Payloads.writeMap(buf, pos + 4, map, jsonKeys);
            buf.putInt(pos, len, ByteOrder.LITTLE_ENDIAN);
            pos += 4 + len;
        }
        return pos;
    }

    private void errored(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final String error = Requests.errored(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        calls.call(ex, (e, buf) -> e.commands.errored(buf, 0, namespace, stateId, Commands.NO_TOKEN, error), reply ->
        {
            if (reply instanceof Replies.Errored er)
            {
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeStringField("status", "ERRORED");
                    g.writeBooleanField("retry_created", er.retryCreated());
                    g.writeEndObject();
                });
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void prune(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final String data = Requests.prune(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        calls.call(ex, (e, buf) -> e.commands.prune(buf, 0, namespace, stateId, Commands.NO_TOKEN, data), reply ->
        {
            if (reply instanceof Replies.Prune p)
            {
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeNumberField("enqueue_after", p.enqueueAfter());
                    g.writeStringField("status", "PRUNED");
                    g.writeEndObject();
                });
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void reenqueueAfter(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final Long delay = Requests.reenqueueAfter(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        calls.call(ex, (e, buf) -> e.commands.reenqueueAfter(buf, 0, namespace, stateId, Commands.NO_TOKEN, delay),
            reply ->
            {
                if (reply instanceof Replies.Requeue q)
                {
                    ex.json(200, g ->
                    {
                        g.writeStartObject();
                        g.writeNumberField("enqueue_after", q.enqueueAfter());
                        g.writeStringField("status", "CREATED");
                        g.writeEndObject();
                    });
                }
                else
                {
                    otherwise(ex, reply);
                }
            });
    }

    private void manualRetry(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final String fanoutId = Requests.manualRetry(r, ex.body());
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        calls.call(ex, (e, buf) -> e.commands.manualRetry(buf, 0, namespace, stateId, fanoutId), reply ->
        {
            if (reply instanceof Replies.ManualRetry m)
            {
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeStringField("id", Ids.stateId(m.newStateId()));
                    g.writeStringField("status", "CREATED");
                    g.writeEndObject();
                });
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void stateSecrets(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final long stateId = stateId(ex);
        if (stateId < 0)
        {
            return;
        }
        query(ex, (e, buf) -> e.queries.getStateSecrets(buf, 0, namespace, stateId), reply ->
        {
            if (reply instanceof ViewReplies.StateSecrets s)
            {
                final Map<String, String> plain = new LinkedHashMap<>();
                for (final Map.Entry<String, String> e : s.secrets().entrySet())
                {
                    try
                    {
                        plain.put(e.getKey(), cipher.decrypt(e.getValue()));
                    }
                    catch (final GeneralSecurityException exc)
                    {
                        ex.internalError(new IllegalStateException(
                            "secret " + e.getKey() + " cannot be decrypted with the configured key", exc));
                        return;
                    }
                }
                ex.json(200, g ->
                {
                    g.writeStartObject();
                    g.writeFieldName("secrets");
                    Json.stringMap(g, plain);
                    g.writeEndObject();
                });
            }
            else if (reply instanceof Rejection rej && rej.code() == RejectCode.STATE_NOT_FOUND)
            {
                ex.detail(404, STATE_NOT_FOUND);
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void listRuns(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final BodyReader r = new BodyReader();
        final Integer page = pathInt(r, "page", ex.param(1));
        final Integer size = pathInt(r, "size", ex.param(2));
        if (!r.ok())
        {
            ex.errors(r.errors());
            return;
        }
        query(ex, (e, buf) -> e.queries.listRuns(buf, 0, namespace, page, size), reply ->
        {
            if (reply instanceof Views.RunsPage p)
            {
                ex.json(200, g -> JsonViews.runsPage(g, p));
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    /** A path integer ≥ 1 (decision 1: page or size < 1 is a 422, not Exosphere's 500 or unbounded page). */
    private static Integer pathInt(final BodyReader r, final String name, final String text)
    {
        final List<Object> loc = List.of("path", name);
        final TextNode input = TextNode.valueOf(text);
        final Long v = r.integer(input, loc);
        if (v == null || !r.atLeast(v, 1, false, loc, input))
        {
            return null;
        }
        if (v > Integer.MAX_VALUE)
        {
            final Map<String, Object> ctx = new LinkedHashMap<>();
            ctx.put("le", Integer.MAX_VALUE);
            r.error(loc, "less_than_equal", "Input should be less than or equal to " + Integer.MAX_VALUE, input, ctx);
            return null;
        }
        return v.intValue();
    }

    private void runGraph(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final String runId = ex.param(1);
        query(ex, (e, buf) -> e.queries.getRunGraph(buf, 0, namespace, runId), reply ->
        {
            if (reply instanceof Views.RunGraph v)
            {
                ex.json(200, g -> JsonViews.runGraph(g, v));
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    private void nodeDetails(final Exchange ex)
    {
        final String namespace = ex.param(0);
        final String graphName = ex.param(1);
        final String runId = ex.param(2);
        final String nodeId = ex.param(3);
        query(ex, (e, buf) -> e.queries.getNodeDetails(buf, 0, namespace, graphName, runId, nodeId), reply ->
        {
            if (reply instanceof Views.NodeDetails d)
            {
                ex.json(200, g -> JsonViews.nodeDetails(g, d));
            }
            else
            {
                otherwise(ex, reply);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    private void query(final Exchange ex, final EngineCalls.Encoding encoding, final Consumer<Object> onReply)
    {
        calls.call(ex, encoding, onReply);
    }

    /** The path's state id, or -1 after answering 404 {@code State not found} for a malformed one (decision 1). */
    private static long stateId(final Exchange ex)
    {
        final long id = Ids.parseStateId(ex.param(1));
        if (id < 0)
        {
            ex.detail(404, STATE_NOT_FOUND);
        }
        return id;
    }

    /** A rejection or a reply this route did not expect. */
    private static void otherwise(final Exchange ex, final Object reply)
    {
        if (reply instanceof Rejection rej)
        {
            reject(ex, rej);
        }
        else
        {
            unexpected(ex, reply);
        }
    }

    /**
     * A rejection as Exosphere answers it: 422 with FastAPI's error list for body validation (the engine's field
     * errors, with the offending input looked up in the body), else the code's status with {@code {"detail"}}.
     */
    static void reject(final Exchange ex, final Rejection rej)
    {
        if (rej.code() == RejectCode.INVALID_REQUEST)
        {
            final JsonNode body = ex.body();
            if (rej.fieldErrors().isEmpty())
            {
                ex.errors(List.of(new ApiError(List.of("body"), "value_error", rej.detail(), body, null)));
                return;
            }
            final List<ApiError> errors = new java.util.ArrayList<>(rej.fieldErrors().size());
            for (final FieldError fe : rej.fieldErrors())
            {
                errors.add(new ApiError(fe.loc(), fe.type(), fe.msg(), BodyReader.at(body, fe.loc()), ctxOf(fe)));
            }
            ex.errors(errors);
            return;
        }
        ex.detail(rej.code().httpStatus(), rej.detail());
    }

    /** pydantic's ctx for the bound errors the engine reports ({@code gt} / {@code ge} with the bound). */
    private static Map<String, Object> ctxOf(final FieldError fe)
    {
        final String key = switch (fe.type())
        {
            case "greater_than" -> "gt";
            case "greater_than_equal" -> "ge";
            default -> null;
        };
        if (key == null)
        {
            return null;
        }
        final String msg = fe.msg();
        final int space = msg.lastIndexOf(' ');
        try
        {
            final Map<String, Object> ctx = new LinkedHashMap<>();
            ctx.put(key, Long.parseLong(msg.substring(space + 1)));
            return ctx;
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private static void unexpected(final Exchange ex, final Object reply)
    {
        final String what = reply instanceof DecodeError de ? "undecodable reply: " + de : "unexpected reply: " + reply;
        ex.internalError(new IllegalStateException(what));
    }
}
