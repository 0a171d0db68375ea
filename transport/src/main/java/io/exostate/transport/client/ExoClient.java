package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.transport.TransportErrorCode;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of an ExoState node over the binary protocol: one TCP session in one namespace, authenticated by an API
 * key, with typed asynchronous and blocking calls for every command and read query.
 * <p>
 * <b>Connecting.</b> {@link #connect(Context)} opens the session (retrying with backoff until the connect timeout)
 * and returns once the server answered the hello; a refused hello (wrong API key, unsupported version) fails at once
 * with {@link ExoException.Kind#TRANSPORT}. The context names one node ({@link Context#host}, {@link Context#port})
 * or the nodes of a cluster ({@link Context#endpoints(List)}); the client talks to one node at a time.
 * <p>
 * <b>Failures.</b> A refused command or query fails its future with an {@link ExoException} of kind
 * {@link ExoException.Kind#REJECTED} carrying the engine's {@code RejectCode} and detail. A {@code BUSY} answer is
 * retried inside the client with a backoff until the request timeout. A {@code NOT_LEADER} answer moves the client to
 * the leader's address and sends the request again there; one without a leader address (an election) is asked again
 * after a backoff, and after a few in a row the client tries the next endpoint. When the connection fails to open or
 * drops, the client reconnects to the next endpoint (round robin; the same one when there is one) with exponential
 * backoff that grows after each round in which every endpoint failed. Requests in flight when the connection drops
 * fail with the retriable {@link ExoException.Kind#CONNECTION_LOST}, except those safe to send twice, which are
 * written again, the same bytes, on the next session until they are answered or time out: reports ({@link Report}:
 * executed, errored, prune, re-enqueue-after, heartbeat; the server answers a repeat with its first answer), claims
 * and queries. Requests made while disconnected wait for the next session. A request is answered once: its future
 * completes with the first answer to reach the client, or with its failure. Every request fails with
 * {@link ExoException.Kind#TIMEOUT} if no answer came within the request timeout (plus the wait of a long-poll claim).
 * <p>
 * <b>Threading.</b> Every method is thread safe. Calls encode on the caller's thread and hand the frame to the
 * client's single I/O thread, which writes, reads and decodes. The futures complete <em>on that I/O thread</em>:
 * chain slow or blocking work with the {@code *Async} methods of {@link CompletableFuture} and an executor of your
 * own. The blocking methods wait for the future and rethrow its {@link ExoException}; never call them from a
 * future's callback on the I/O thread.
 * <p>
 * <b>Lifecycle.</b> {@link #close()} fails everything pending with {@link ExoException.Kind#CLOSED} and stops the I/O
 * thread (a daemon thread named {@code exostate-client-<clientName>}).
 */
public final class ExoClient implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ExoClient.class);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final long CLOSE_TIMEOUT_MS = 5_000;
    /** Client side, so randomness is allowed: client ids must not collide between runtimes. */
    private static final SecureRandom CLIENT_IDS = new SecureRandom();
    /** For {@link #send}: a claim or a query, written again after a reconnect (see {@link Request#resendable}). */
    private static final boolean RESEND = true;

    private final Context ctx;
    private final ClientConductor conductor;
    private final AtomicLong correlationIds = new AtomicLong();
    private final long requestTimeoutNs;
    /** This client's id in its claims, random and non-zero: the engine deduplicates claims per client id. */
    private final long clientId = newClientId();
    /** The request id of the latest claim; taken, encoded and submitted under {@link #claimOrder}. */
    private long claimRequestId;
    private final Object claimOrder = new Object();

    private ExoClient(final Context ctx, final ClientConductor conductor)
    {
        this.ctx = ctx;
        this.conductor = conductor;
        this.requestTimeoutNs = ctx.requestTimeout().toNanos();
    }

    /**
     * Opens a session with the node of {@code context}, retrying a refused or dropped connection with backoff until
     * the connect timeout.
     *
     * @throws ExoException {@link ExoException.Kind#TRANSPORT} when the server refused the hello (for example
     *                      {@link TransportErrorCode#AUTH_FAILED}), {@link ExoException.Kind#TIMEOUT} when no session
     *                      opened in time.
     */
    public static ExoClient connect(final Context context)
    {
        final Context ctx = context.copy().conclude();
        LOG.info("connecting: " + ctx);
        final ClientConductor conductor = new ClientConductor(ctx);
        final CompletableFuture<SessionCodec.Opened> opened = conductor.start();
        try
        {
            opened.get(ctx.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
            return new ExoClient(ctx, conductor);
        }
        catch (final TimeoutException ex)
        {
            final ExoException last = conductor.lastError();
            conductor.close(CLOSE_TIMEOUT_MS);
            throw ExoException.of(ExoException.Kind.TIMEOUT, "no session with " + describe(ctx.endpoints()) +
                " within " + ctx.connectTimeout().toMillis() + " ms" +
                (last == null ? "" : " (" + last.getMessage() + ")"), last);
        }
        catch (final ExecutionException ex)
        {
            conductor.close(CLOSE_TIMEOUT_MS);
            throw unwrap(ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            conductor.close(CLOSE_TIMEOUT_MS);
            Thread.currentThread().interrupt();
            throw ExoException.of(ExoException.Kind.INTERRUPTED, "interrupted while connecting", ex);
        }
    }

    /** {@code host:port}, or {@code any of [a, b, c]} for several endpoints. */
    private static String describe(final List<Endpoint> endpoints)
    {
        return endpoints.size() == 1 ? endpoints.get(0).toString() : "any of " + endpoints;
    }

    /** The effective configuration (concluded). */
    public Context context()
    {
        return ctx;
    }

    /**
     * The random non-zero id this client sends in its claims. With each claim's request id (1, 2, 3, ... in the
     * order claims are made) it lets the engine recognise a claim sent again after an uncertain failure.
     */
    public long clientId()
    {
        return clientId;
    }

    /** The session's namespace: every command and query of this client is in it. */
    public String namespace()
    {
        return ctx.namespace();
    }

    /** The server's idle timeout of the current session in ms (0: none). */
    public long idleTimeoutMs()
    {
        final SessionCodec.Opened s = conductor.session();
        return s == null ? 0 : s.idleTimeoutMs();
    }

    /** The id the server gave the most recent session. */
    public long sessionId()
    {
        final SessionCodec.Opened s = conductor.session();
        return s == null ? 0 : s.sessionId();
    }

    public boolean isClosed()
    {
        return conductor.isClosed();
    }

    /**
     * True while a session is open. A snapshot: the connection may drop the next moment, and requests made while
     * disconnected simply wait for the next session.
     */
    public boolean isConnected()
    {
        return conductor.isConnected();
    }

    /** Fails every pending request with {@link ExoException.Kind#CLOSED} and stops the I/O thread. Idempotent. */
    @Override
    public void close()
    {
        conductor.close(CLOSE_TIMEOUT_MS);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------------------------------------------------

    /** Registers (or updates) the nodes of a runtime in the session's namespace (route #3). */
    public CompletableFuture<Replies.Register> registerNodesAsync(
        final String runtimeName, final List<NodeRegistration> nodes)
    {
        Objects.requireNonNull(runtimeName, "runtimeName");
        Objects.requireNonNull(nodes, "nodes");
        return send(encode(s -> s.commands.registerNodes(s.buffer, 0, ctx.namespace(), runtimeName, nodes)),
            false, 0, Replies.Register.class);
    }

    public Replies.Register registerNodes(final String runtimeName, final List<NodeRegistration> nodes)
    {
        return block(registerNodesAsync(runtimeName, nodes));
    }

    /**
     * Creates or replaces a graph template (route #5). The spec's namespace must be the session's (else the future
     * fails with {@link ExoException.Kind#INVALID}). The answer is the stored graph with its validation result,
     * {@code VALID} or {@code INVALID} with errors (never {@code ONGOING}). Secret values travel as given.
     */
    public CompletableFuture<Views.Graph> upsertGraphAsync(final GraphSpec spec)
    {
        Objects.requireNonNull(spec, "spec");
        if (!spec.namespace().equals(ctx.namespace()))
        {
            // The server would answer NAMESPACE_MISMATCH and close the session: refuse it here instead.
            return CompletableFuture.failedFuture(ExoException.of(ExoException.Kind.INVALID, "Expected a graph in " +
                "the session's namespace " + ctx.namespace() + ", but it is in " + spec.namespace(), null));
        }
        return this.<Replies.Upsert>send(encode(s -> s.commands.upsertGraph(s.buffer, 0, spec)), false, 0,
            Replies.Upsert.class).thenApply(Replies.Upsert::graph);
    }

    public Views.Graph upsertGraph(final GraphSpec spec)
    {
        return block(upsertGraphAsync(spec));
    }

    /**
     * Starts a run of {@code graphName} with a new random run id (route #8).
     *
     * @param inputs       root input values by template input key; null for none.
     * @param store        the run's store; null for none.
     * @param startDelayMs how long the root state waits before it can be claimed.
     * @return the run id.
     */
    public CompletableFuture<String> triggerAsync(
        final String graphName,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        return triggerAsync(graphName, UUID.randomUUID().toString(), inputs, store, startDelayMs);
    }

    /**
     * Starts a run with a run id of the caller's choice. Sending the same trigger again after an uncertain failure is
     * safe: the second answer is {@code DUPLICATE_RUN} if the first was applied. When the client itself wrote the
     * trigger more than once (it followed a NOT_LEADER answer, which may come after the old leader applied it), a
     * {@code DUPLICATE_RUN} answer is taken as the run having been started, and the run id is returned.
     */
    public CompletableFuture<String> triggerAsync(
        final String graphName,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        Objects.requireNonNull(graphName, "graphName");
        Objects.requireNonNull(runId, "runId");
        final Request r = request(encode(s -> s.commands.trigger(
            s.buffer, 0, ctx.namespace(), graphName, runId, inputs, store, startDelayMs)), false, 0,
            Replies.Trigger.class);
        conductor.submit(List.of(r));
        return triggered(r, runId);
    }

    /**
     * The run id a trigger request answers. Written more than once (the client followed NOT_LEADER, possibly after
     * the first leader applied it without answering), DUPLICATE_RUN most likely means our own first write was
     * applied, so the run exists.
     */
    private static CompletableFuture<String> triggered(final Request r, final String runId)
    {
        return r.future.handle((reply, ex) ->
        {
            if (ex == null)
            {
                return ((Replies.Trigger)reply).runId();
            }
            final Throwable cause = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ?
                ex.getCause() : ex;
            if (r.writes > 1 && cause instanceof ExoException e && e.is(RejectCode.DUPLICATE_RUN))
            {
                return runId;
            }
            throw cause instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(cause);
        });
    }

    /**
     * Starts many runs of {@code graphName} in one go, one {@code Trigger} frame per run id: all are written, then
     * flushed once (pipelined triggers, as a load generator sends them). Future {@code i} answers
     * {@code runIds.get(i)} with its run id, or fails as {@link #triggerAsync} would.
     */
    public List<CompletableFuture<String>> triggersAsync(
        final String graphName,
        final List<String> runIds,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        Objects.requireNonNull(graphName, "graphName");
        Objects.requireNonNull(runIds, "runIds");
        final List<Request> requests = new ArrayList<>(runIds.size());
        final List<CompletableFuture<String>> futures = new ArrayList<>(runIds.size());
        for (final String runId : runIds)
        {
            Objects.requireNonNull(runId, "runId");
            final Request r = request(encode(s -> s.commands.trigger(
                s.buffer, 0, ctx.namespace(), graphName, runId, inputs, store, startDelayMs)), false, 0,
                Replies.Trigger.class);
            requests.add(r);
            futures.add(triggered(r, runId));
        }
        conductor.submit(requests);
        return futures;
    }

    public String trigger(
        final String graphName,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        return block(triggerAsync(graphName, inputs, store, startDelayMs));
    }

    public String trigger(
        final String graphName,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        return block(triggerAsync(graphName, runId, inputs, store, startDelayMs));
    }

    /**
     * Claims up to {@code max} ready states of the given nodes, FIFO. With {@code waitMs} > 0 the server parks the
     * claim when nothing is ready and answers as soon as work arrives or the wait ends (long-poll); the answer may
     * then be empty. {@code leaseMs} > 0 puts each claimed state under a lease that {@link #heartbeatAsync} extends;
     * a state whose lease expires is offered again with a new claim token.
     * <p>
     * Each claim carries {@link #clientId()} and the next request id of this client, in the frame that is written
     * again after BUSY or NOT_LEADER: a claim the server applied without answering (its leader died) is answered
     * with the states it handed out, not a second batch. The server remembers only a client's latest claim, so a
     * claim resent after a newer one of the same client was applied gets no states (those it claimed come back when
     * their lease expires): keep one claim in flight per client, as {@link Runtime} does.
     */
    public CompletableFuture<List<ClaimedState>> claimAsync(
        final List<String> nodeNames, final int max, final long leaseMs, final long waitMs)
    {
        Objects.requireNonNull(nodeNames, "nodeNames");
        if (waitMs < 0)
        {
            throw new IllegalArgumentException("Expected waitMs >= 0, but got " + waitMs);
        }
        final Request r;
        // Request ids reach the I/O thread in the order they are taken, so concurrent claims are not stale on arrival.
        synchronized (claimOrder)
        {
            final long requestId = ++claimRequestId;
            r = request(encode(s ->
            {
                final String[] names = s.names(nodeNames.size());
                for (int i = 0; i < nodeNames.size(); i++)
                {
                    names[i] = nodeNames.get(i);
                }
                final int length = s.commands.claim(
                    s.buffer, 0, ctx.namespace(), names, nodeNames.size(), max, leaseMs, waitMs, clientId, requestId);
                java.util.Arrays.fill(names, 0, nodeNames.size(), null);
                return length;
            }), RESEND, TimeUnit.MILLISECONDS.toNanos(waitMs), Claimed.class);
            conductor.submit(List.of(r));
        }
        return r.future.thenApply(reply -> ((Claimed)reply).states());
    }

    public List<ClaimedState> claim(final List<String> nodeNames, final int max, final long leaseMs, final long waitMs)
    {
        return block(claimAsync(nodeNames, max, leaseMs, waitMs));
    }

    /** Reports a claimed state executed with zero, one or N outputs (route #10); resent after a reconnect. */
    public CompletableFuture<Replies.Executed> executedAsync(
        final long stateId, final long claimToken, final List<Map<String, String>> outputs)
    {
        return reportAsync(new Report.Executed(stateId, claimToken, outputs == null ? List.of() : outputs))
            .thenApply(Replies.Executed.class::cast);
    }

    public Replies.Executed executed(final long stateId, final long claimToken, final List<Map<String, String>> outputs)
    {
        return block(executedAsync(stateId, claimToken, outputs));
    }

    /** Reports a claimed state failed (route #11); the answer says whether a retry was created. */
    public CompletableFuture<Replies.Errored> erroredAsync(
        final long stateId, final long claimToken, final String error)
    {
        return reportAsync(new Report.Errored(stateId, claimToken, error)).thenApply(Replies.Errored.class::cast);
    }

    public Replies.Errored errored(final long stateId, final long claimToken, final String error)
    {
        return block(erroredAsync(stateId, claimToken, error));
    }

    /** Prunes a claimed state with a JSON object as data (route #12). */
    public CompletableFuture<Replies.Prune> pruneAsync(final long stateId, final long claimToken, final String dataJson)
    {
        return reportAsync(new Report.Prune(stateId, claimToken, dataJson)).thenApply(Replies.Prune.class::cast);
    }

    public Replies.Prune prune(final long stateId, final long claimToken, final String dataJson)
    {
        return block(pruneAsync(stateId, claimToken, dataJson));
    }

    /** Puts a claimed state back, to be offered again after {@code delayMs} (at least 1) (route #13). */
    public CompletableFuture<Replies.Requeue> reenqueueAfterAsync(
        final long stateId, final long claimToken, final long delayMs)
    {
        return reportAsync(new Report.Requeue(stateId, claimToken, delayMs)).thenApply(Replies.Requeue.class::cast);
    }

    public Replies.Requeue reenqueueAfter(final long stateId, final long claimToken, final long delayMs)
    {
        return block(reenqueueAfterAsync(stateId, claimToken, delayMs));
    }

    /** Extends the lease of a claimed state to at least now + {@code leaseMs}. */
    public CompletableFuture<Replies.Heartbeat> heartbeatAsync(
        final long stateId, final long claimToken, final long leaseMs)
    {
        return reportAsync(new Report.Heartbeat(stateId, claimToken, leaseMs)).thenApply(Replies.Heartbeat.class::cast);
    }

    public Replies.Heartbeat heartbeat(final long stateId, final long claimToken, final long leaseMs)
    {
        return block(heartbeatAsync(stateId, claimToken, leaseMs));
    }

    /** Sends one report; see {@link #reportsAsync(List)}. */
    public CompletableFuture<Object> reportAsync(final Report report)
    {
        return reportsAsync(List.of(report)).get(0);
    }

    /**
     * Sends many reports in one go: all are written, then flushed once. Future {@code i} answers report {@code i} with
     * its {@code Replies} record ({@code Executed}, {@code Errored}, {@code Prune}, {@code Requeue} or
     * {@code Heartbeat}). Reports are resent after a reconnect until answered or timed out: a repeat that the server
     * already applied gets the first answer.
     */
    public List<CompletableFuture<Object>> reportsAsync(final List<Report> reports)
    {
        final List<Request> requests = new ArrayList<>(reports.size());
        final List<CompletableFuture<Object>> futures = new ArrayList<>(reports.size());
        for (final Report report : reports)
        {
            final Request r = request(encode(s -> encodeReport(s, report)), true, 0, replyType(report));
            requests.add(r);
            futures.add(r.future);
        }
        conductor.submit(requests);
        return futures;
    }

    /** Creates a new attempt of any state with a fresh retry budget (route #14); the answer has the new state id. */
    public CompletableFuture<Replies.ManualRetry> manualRetryAsync(final long stateId, final String fanoutId)
    {
        Objects.requireNonNull(fanoutId, "fanoutId");
        return send(encode(s -> s.commands.manualRetry(s.buffer, 0, ctx.namespace(), stateId, fanoutId)), false, 0,
            Replies.ManualRetry.class);
    }

    public Replies.ManualRetry manualRetry(final long stateId, final String fanoutId)
    {
        return block(manualRetryAsync(stateId, fanoutId));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------------------------------------------------

    /** Route #2: every namespace that has registered nodes. */
    public CompletableFuture<List<String>> namespacesAsync()
    {
        return this.<ViewReplies.Namespaces>send(encode(s -> s.queries.listNamespaces(s.buffer, 0)), RESEND, 0,
            ViewReplies.Namespaces.class).thenApply(ViewReplies.Namespaces::namespaces);
    }

    public List<String> namespaces()
    {
        return block(namespacesAsync());
    }

    /** Route #4: the registered nodes of the session's namespace. */
    public CompletableFuture<List<Views.RegisteredNode>> nodesAsync()
    {
        return this.<ViewReplies.Nodes>send(encode(s -> s.queries.listNodes(s.buffer, 0, ctx.namespace())), RESEND, 0,
            ViewReplies.Nodes.class).thenApply(ViewReplies.Nodes::nodes);
    }

    public List<Views.RegisteredNode> nodes()
    {
        return block(nodesAsync());
    }

    /** Route #6: one graph template; {@code GRAPH_NOT_FOUND} when there is none. */
    public CompletableFuture<Views.Graph> graphAsync(final String graphName)
    {
        Objects.requireNonNull(graphName, "graphName");
        return send(encode(s -> s.queries.getGraph(s.buffer, 0, ctx.namespace(), graphName)), RESEND, 0,
            Views.Graph.class);
    }

    public Views.Graph graph(final String graphName)
    {
        return block(graphAsync(graphName));
    }

    /** Route #7: the graph templates of the session's namespace. */
    public CompletableFuture<List<Views.Graph>> graphsAsync()
    {
        return this.<ViewReplies.Graphs>send(encode(s -> s.queries.listGraphs(s.buffer, 0, ctx.namespace())), RESEND, 0,
            ViewReplies.Graphs.class).thenApply(ViewReplies.Graphs::graphs);
    }

    public List<Views.Graph> graphs()
    {
        return block(graphsAsync());
    }

    /** Route #16: a page (from 1) of runs, newest first, with their counts and status. */
    public CompletableFuture<Views.RunsPage> runsAsync(final int page, final int size)
    {
        return send(encode(s -> s.queries.listRuns(s.buffer, 0, ctx.namespace(), page, size)), RESEND, 0,
            Views.RunsPage.class);
    }

    public Views.RunsPage runs(final int page, final int size)
    {
        return block(runsAsync(page, size));
    }

    /** Route #17: the states of a run and the edges between them. */
    public CompletableFuture<Views.RunGraph> runGraphAsync(final String runId)
    {
        Objects.requireNonNull(runId, "runId");
        return send(encode(s -> s.queries.getRunGraph(s.buffer, 0, ctx.namespace(), runId)), RESEND, 0,
            Views.RunGraph.class);
    }

    public Views.RunGraph runGraph(final String runId)
    {
        return block(runGraphAsync(runId));
    }

    /** Route #18: one state of a run; {@code nodeId} is the state id as 24 hex characters. */
    public CompletableFuture<Views.NodeDetails> nodeDetailsAsync(
        final String graphName, final String runId, final String nodeId)
    {
        Objects.requireNonNull(graphName, "graphName");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(nodeId, "nodeId");
        return send(encode(s -> s.queries.getNodeDetails(s.buffer, 0, ctx.namespace(), graphName, runId, nodeId)),
            RESEND, 0, Views.NodeDetails.class);
    }

    public Views.NodeDetails nodeDetails(final String graphName, final String runId, final String nodeId)
    {
        return block(nodeDetailsAsync(graphName, runId, nodeId));
    }

    /** Route #15: the secrets of the graph a state belongs to, decrypted, by name. */
    public CompletableFuture<Map<String, String>> stateSecretsAsync(final long stateId)
    {
        return this.<ViewReplies.StateSecrets>send(encode(s -> s.queries.getStateSecrets(
            s.buffer, 0, ctx.namespace(), stateId)), RESEND, 0, ViewReplies.StateSecrets.class)
            .thenApply(ViewReplies.StateSecrets::secrets);
    }

    public Map<String, String> stateSecrets(final long stateId)
    {
        return block(stateSecretsAsync(stateId));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------------

    /** Waits for one of this client's futures; refuses to on the I/O thread, which would wait for itself. */
    private <T> T block(final CompletableFuture<T> future)
    {
        if (conductor.inIoThread())
        {
            throw new IllegalStateException("Expected a blocking ExoClient call off the client's I/O thread (it " +
                "would wait for itself until the request timeout), but it was made on it: use the Async variant");
        }
        return await(future);
    }

    /**
     * Waits for a future of this client and returns its value, or throws its failure as an {@link ExoException}
     * (a copy whose stack shows the caller). The wait is bounded by the request timeout.
     */
    static <T> T await(final CompletableFuture<T> future)
    {
        try
        {
            return future.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw ExoException.of(ExoException.Kind.INTERRUPTED, "interrupted while waiting for an answer", ex);
        }
        catch (final ExecutionException ex)
        {
            throw unwrap(ex.getCause());
        }
    }

    /** The {@link ExoException} inside a future's failure, copied for the calling thread. */
    static RuntimeException unwrap(final Throwable failure)
    {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null)
        {
            t = t.getCause();
        }
        if (t instanceof ExoException ex)
        {
            return ExoException.copyOf(ex);
        }
        if (t instanceof RuntimeException ex)
        {
            return ex;
        }
        return ExoException.of(ExoException.Kind.PROTOCOL, String.valueOf(t), t);
    }

    /** The {@link ExoException} a future failed with, or null when it failed otherwise. */
    static ExoException exoCause(final Throwable failure)
    {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null)
        {
            t = t.getCause();
        }
        return t instanceof ExoException ex ? ex : null;
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> send(
        final byte[] message, final boolean resendable, final long extraTimeoutNs, final Class<?> replyType)
    {
        final Request r = request(message, resendable, extraTimeoutNs, replyType);
        conductor.submit(List.of(r));
        // Safe: the conductor completes the future only with an instance of replyType (else exceptionally).
        return (CompletableFuture<T>)(CompletableFuture<?>)r.future;
    }

    private static long newClientId()
    {
        long id;
        do
        {
            id = CLIENT_IDS.nextLong();
        }
        while (id == 0);
        return id;
    }

    private Request request(
        final byte[] message, final boolean resendable, final long extraTimeoutNs, final Class<?> replyType)
    {
        return new Request(
            correlationIds.incrementAndGet(), message, resendable, requestTimeoutNs + extraTimeoutNs, replyType);
    }

    private int encodeReport(final Scratch s, final Report report)
    {
        final String ns = ctx.namespace();
        if (report instanceof Report.Executed r)
        {
            final int outputsLength = writeOutputs(s.payload, r.outputs());
            return s.commands.executed(s.buffer, 0, ns, r.stateId(), r.claimToken(), s.payload, 0, outputsLength);
        }
        if (report instanceof Report.Errored r)
        {
            return s.commands.errored(s.buffer, 0, ns, r.stateId(), r.claimToken(), r.error());
        }
        if (report instanceof Report.Prune r)
        {
            return s.commands.prune(s.buffer, 0, ns, r.stateId(), r.claimToken(), r.dataJson());
        }
        if (report instanceof Report.Requeue r)
        {
            return s.commands.reenqueueAfter(s.buffer, 0, ns, r.stateId(), r.claimToken(), r.delayMs());
        }
        final Report.Heartbeat r = (Report.Heartbeat)report;
        return s.commands.heartbeat(s.buffer, 0, ns, r.stateId(), r.claimToken(), r.leaseMs());
    }

    private static Class<?> replyType(final Report report)
    {
        if (report instanceof Report.Executed)
        {
            return Replies.Executed.class;
        }
        if (report instanceof Report.Errored)
        {
            return Replies.Errored.class;
        }
        if (report instanceof Report.Prune)
        {
            return Replies.Prune.class;
        }
        if (report instanceof Report.Requeue)
        {
            return Replies.Requeue.class;
        }
        return Replies.Heartbeat.class;
    }

    /** Writes a {@link Payloads} list of string maps at 0; returns its length. */
    private static int writeOutputs(final MutableDirectBuffer buffer, final List<Map<String, String>> outputs)
    {
        int pos = 0;
        buffer.putInt(pos, outputs.size(), ByteOrder.LITTLE_ENDIAN);
        pos += 4;
        for (final Map<String, String> m : outputs)
        {
            final int length = Payloads.writeMap(buffer, pos + 4, m, null);
            buffer.putInt(pos, length, ByteOrder.LITTLE_ENDIAN);
            pos += 4 + length;
        }
        return pos;
    }

    /** Encodes with this thread's encoders and copies the message out (kept for a resend). */
    private static byte[] encode(final Encoding encoding)
    {
        final Scratch s = SCRATCH.get();
        final int length = encoding.encode(s);
        final byte[] out = new byte[length];
        s.buffer.getBytes(0, out);
        return out;
    }

    @FunctionalInterface
    private interface Encoding
    {
        int encode(Scratch scratch);
    }

    /** One thread's encoders and buffers. */
    private static final class Scratch
    {
        final CommandEncoder commands = new CommandEncoder();
        final QueryEncoder queries = new QueryEncoder();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        final ExpandableArrayBuffer payload = new ExpandableArrayBuffer(256);
        private String[] names = new String[8];

        String[] names(final int count)
        {
            if (names.length < count)
            {
                names = new String[Math.max(count, names.length * 2)];
            }
            return names;
        }
    }

    /**
     * The configuration of an {@link ExoClient}. Each setting has a default and, for the deployment-specific ones, a
     * system property read when the context is created. {@link #conclude()} checks the values and fails fast with a
     * precise message; {@link ExoClient#connect} concludes a copy and logs the effective values. Not thread safe:
     * fill it in on one thread, then hand it over.
     */
    public static final class Context
    {
        public static final String HOST_PROP_NAME = "exostate.client.host";
        public static final String HOST_DEFAULT = "127.0.0.1";
        public static final String PORT_PROP_NAME = "exostate.client.port";
        public static final int PORT_DEFAULT = 7700;
        /** The nodes of a cluster, {@code host:port} separated by commas; when set, host and port are not used. */
        public static final String ENDPOINTS_PROP_NAME = "exostate.client.endpoints";
        public static final String NAMESPACE_PROP_NAME = "exostate.client.namespace";
        /** The API key: this property, else the environment variable {@value #API_KEY_ENV_NAME}. */
        public static final String API_KEY_PROP_NAME = "exostate.client.apiKey";
        public static final String API_KEY_ENV_NAME = "EXOSTATE_API_KEY";
        public static final String CLIENT_NAME_PROP_NAME = "exostate.client.name";
        public static final String CLIENT_NAME_DEFAULT = "exostate-java";
        public static final Duration CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
        public static final Duration REQUEST_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
        public static final Duration RECONNECT_BACKOFF_MIN_DEFAULT = Duration.ofMillis(50);
        public static final Duration RECONNECT_BACKOFF_MAX_DEFAULT = Duration.ofSeconds(5);
        public static final Duration BUSY_BACKOFF_MIN_DEFAULT = Duration.ofMillis(1);
        public static final Duration BUSY_BACKOFF_MAX_DEFAULT = Duration.ofMillis(100);
        /** The longest reply frame the client accepts: a large run graph can be big. */
        public static final int MAX_INBOUND_FRAME_LENGTH_DEFAULT = 64 * 1024 * 1024;

        private String host = System.getProperty(HOST_PROP_NAME, HOST_DEFAULT);
        private int port = Integer.getInteger(PORT_PROP_NAME, PORT_DEFAULT);
        /** The entries as given (checked by the setter and by conclude); null: the one endpoint host:port. */
        private List<String> endpoints = System.getProperty(ENDPOINTS_PROP_NAME) == null ? null :
            List.of(System.getProperty(ENDPOINTS_PROP_NAME));
        private String namespace = System.getProperty(NAMESPACE_PROP_NAME);
        private String apiKey = System.getProperty(API_KEY_PROP_NAME, System.getenv(API_KEY_ENV_NAME));
        private String clientName = System.getProperty(CLIENT_NAME_PROP_NAME, CLIENT_NAME_DEFAULT);
        private Duration connectTimeout = CONNECT_TIMEOUT_DEFAULT;
        private Duration requestTimeout = REQUEST_TIMEOUT_DEFAULT;
        private Duration reconnectBackoffMin = RECONNECT_BACKOFF_MIN_DEFAULT;
        private Duration reconnectBackoffMax = RECONNECT_BACKOFF_MAX_DEFAULT;
        private Duration busyBackoffMin = BUSY_BACKOFF_MIN_DEFAULT;
        private Duration busyBackoffMax = BUSY_BACKOFF_MAX_DEFAULT;
        private int maxInboundFrameLength = MAX_INBOUND_FRAME_LENGTH_DEFAULT;
        private boolean preferEpoll = true;
        private io.netty.channel.EventLoopGroup eventLoopGroup;

        /** A copy with the same values. */
        public Context copy()
        {
            final Context c = new Context();
            c.host = host;
            c.port = port;
            c.endpoints = endpoints;
            c.namespace = namespace;
            c.apiKey = apiKey;
            c.clientName = clientName;
            c.connectTimeout = connectTimeout;
            c.requestTimeout = requestTimeout;
            c.reconnectBackoffMin = reconnectBackoffMin;
            c.reconnectBackoffMax = reconnectBackoffMax;
            c.busyBackoffMin = busyBackoffMin;
            c.busyBackoffMax = busyBackoffMax;
            c.maxInboundFrameLength = maxInboundFrameLength;
            c.preferEpoll = preferEpoll;
            c.eventLoopGroup = eventLoopGroup;
            return c;
        }

        /**
         * Checks every value.
         *
         * @throws IllegalArgumentException naming the first bad value.
         */
        public Context conclude()
        {
            if (endpoints != null)
            {
                Endpoint.parseAll(endpoints);
            }
            else
            {
                require(host != null && !host.isBlank(), "Expected a host, but got '" + host + "'");
                require(port > 0 && port < 65536, "Expected a port in 1..65535, but got " + port);
            }
            require(namespace != null && !namespace.isEmpty(),
                "Expected a namespace (or -D" + NAMESPACE_PROP_NAME + "), but got '" + namespace + "'");
            require(apiKey != null, "Expected an API key (or -D" + API_KEY_PROP_NAME + " or $" + API_KEY_ENV_NAME +
                "), but got none");
            require(clientName != null, "Expected a client name, but got null");
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(requestTimeout, "requestTimeout");
            requirePositive(reconnectBackoffMin, "reconnectBackoffMin");
            requirePositive(reconnectBackoffMax, "reconnectBackoffMax");
            require(reconnectBackoffMax.compareTo(reconnectBackoffMin) >= 0, "Expected reconnectBackoffMax >= " +
                "reconnectBackoffMin, but got " + reconnectBackoffMax + " < " + reconnectBackoffMin);
            requirePositive(busyBackoffMin, "busyBackoffMin");
            requirePositive(busyBackoffMax, "busyBackoffMax");
            require(busyBackoffMax.compareTo(busyBackoffMin) >= 0,
                "Expected busyBackoffMax >= busyBackoffMin, but got " + busyBackoffMax + " < " + busyBackoffMin);
            require(maxInboundFrameLength >= 1024, "Expected maxInboundFrameLength >= 1024, but got " +
                maxInboundFrameLength);
            return this;
        }

        static void require(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }

        static void requirePositive(final Duration d, final String name)
        {
            require(d != null && !d.isNegative() && !d.isZero(), "Expected " + name + " > 0, but got " + d);
        }

        public String host()
        {
            return host;
        }

        public Context host(final String host)
        {
            this.host = host;
            return this;
        }

        public int port()
        {
            return port;
        }

        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * The nodes the client may connect to, in the order it tries them: the list given to
         * {@link #endpoints(List)}, else the one endpoint {@link #host()}:{@link #port()}.
         *
         * @throws IllegalArgumentException when an entry of {@code -D}{@value #ENDPOINTS_PROP_NAME} is not an
         *                                  endpoint (the setters check theirs at once).
         */
        public List<Endpoint> endpoints()
        {
            return endpoints != null ? Endpoint.parseAll(endpoints) : List.of(new Endpoint(host, port));
        }

        /**
         * The nodes of a cluster, each {@code host:port} (an IPv6 address in brackets: {@code [::1]:7700}), or
         * several in one string separated by commas. The client connects to the first, follows the leader a
         * {@code NOT_LEADER} answer names, and moves on to the next endpoint (round robin) when a connection fails,
         * drops, or the node keeps answering that it knows no leader. When set, {@link #host()} and {@link #port()}
         * are not used.
         *
         * @throws IllegalArgumentException naming the first bad entry, an empty one or a repeated one.
         */
        public Context endpoints(final List<String> endpoints)
        {
            Objects.requireNonNull(endpoints, "endpoints");
            Endpoint.parseAll(endpoints);
            this.endpoints = List.copyOf(endpoints);
            return this;
        }

        /** See {@link #endpoints(List)}: {@code endpoints("10.0.0.1:7700", "10.0.0.2:7700")}, or one string. */
        public Context endpoints(final String... endpoints)
        {
            Objects.requireNonNull(endpoints, "endpoints");
            return endpoints(java.util.Arrays.asList(endpoints));
        }

        public String namespace()
        {
            return namespace;
        }

        public Context namespace(final String namespace)
        {
            this.namespace = namespace;
            return this;
        }

        public String apiKey()
        {
            return apiKey;
        }

        public Context apiKey(final String apiKey)
        {
            this.apiKey = apiKey;
            return this;
        }

        /** Sent in the hello and used in thread names; for the server's logs. */
        public String clientName()
        {
            return clientName;
        }

        public Context clientName(final String clientName)
        {
            this.clientName = clientName;
            return this;
        }

        /**
         * How long {@link ExoClient#connect} tries to open a session. One TCP connect, and one handshake, may take
         * this divided by the number of endpoints, so that one node that does not answer leaves time for the others.
         */
        public Duration connectTimeout()
        {
            return connectTimeout;
        }

        public Context connectTimeout(final Duration connectTimeout)
        {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** How long a request waits for its answer (a long-poll claim: plus its wait), across reconnects. */
        public Duration requestTimeout()
        {
            return requestTimeout;
        }

        public Context requestTimeout(final Duration requestTimeout)
        {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * The first delay before reconnecting; it doubles up to {@link #reconnectBackoffMax()}, with jitter. With
         * several endpoints it doubles after each round in which every endpoint failed, not after each failure.
         */
        public Duration reconnectBackoffMin()
        {
            return reconnectBackoffMin;
        }

        public Context reconnectBackoffMin(final Duration reconnectBackoffMin)
        {
            this.reconnectBackoffMin = reconnectBackoffMin;
            return this;
        }

        public Duration reconnectBackoffMax()
        {
            return reconnectBackoffMax;
        }

        public Context reconnectBackoffMax(final Duration reconnectBackoffMax)
        {
            this.reconnectBackoffMax = reconnectBackoffMax;
            return this;
        }

        /** The first delay before sending a request again after a BUSY answer; doubles up to the maximum. */
        public Duration busyBackoffMin()
        {
            return busyBackoffMin;
        }

        public Context busyBackoffMin(final Duration busyBackoffMin)
        {
            this.busyBackoffMin = busyBackoffMin;
            return this;
        }

        public Duration busyBackoffMax()
        {
            return busyBackoffMax;
        }

        public Context busyBackoffMax(final Duration busyBackoffMax)
        {
            this.busyBackoffMax = busyBackoffMax;
            return this;
        }

        public int maxInboundFrameLength()
        {
            return maxInboundFrameLength;
        }

        public Context maxInboundFrameLength(final int maxInboundFrameLength)
        {
            this.maxInboundFrameLength = maxInboundFrameLength;
            return this;
        }

        /** Use Linux epoll when it is available (the default), else NIO. */
        public boolean preferEpoll()
        {
            return preferEpoll;
        }

        public Context preferEpoll(final boolean preferEpoll)
        {
            this.preferEpoll = preferEpoll;
            return this;
        }

        /**
         * An event-loop group shared by many clients (null, the default: each client has its own I/O thread). Many
         * connections on one or two threads wake less and switch less than one thread each; a load generator wants
         * that. The group must use the transport {@link #preferEpoll()} picks (see {@link #newEventLoopGroup}); the
         * client never shuts it down: its owner does, after closing the clients.
         */
        public io.netty.channel.EventLoopGroup eventLoopGroup()
        {
            return eventLoopGroup;
        }

        public Context eventLoopGroup(final io.netty.channel.EventLoopGroup eventLoopGroup)
        {
            this.eventLoopGroup = eventLoopGroup;
            return this;
        }

        /**
         * A group of {@code threads} daemon I/O threads named {@code name-<i>} for {@link #eventLoopGroup}, on epoll
         * when {@code preferEpoll} and it is available, else NIO (the transport a client with that setting uses).
         */
        public static io.netty.channel.EventLoopGroup newEventLoopGroup(
            final int threads, final String name, final boolean preferEpoll)
        {
            return new io.netty.channel.MultiThreadIoEventLoopGroup(threads,
                new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                preferEpoll && io.netty.channel.epoll.Epoll.isAvailable() ?
                    io.netty.channel.epoll.EpollIoHandler.newFactory() :
                    io.netty.channel.nio.NioIoHandler.newFactory());
        }

        /** The effective values; the API key is masked. */
        @Override
        public String toString()
        {
            return "ExoClient.Context{" + (endpoints != null ? "endpoints=" + String.join(",", endpoints) :
                "host=" + host + ", port=" + port) + ", namespace=" + namespace +
                ", apiKey=" + (apiKey == null ? "null" : "***") + ", clientName=" + clientName +
                ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout +
                ", reconnectBackoff=" + reconnectBackoffMin + ".." + reconnectBackoffMax +
                ", busyBackoff=" + busyBackoffMin + ".." + busyBackoffMax +
                ", maxInboundFrameLength=" + maxInboundFrameLength + ", preferEpoll=" + preferEpoll +
                (eventLoopGroup != null ? ", eventLoopGroup=shared" : "") + "}";
        }
    }
}
