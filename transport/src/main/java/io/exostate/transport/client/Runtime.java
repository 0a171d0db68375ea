package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.NodeRegistration;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@link Node}s for an ExoState node: registers them, claims their states, executes them on a pool of worker
 * threads and reports the results. The Java counterpart of Exosphere's Python {@code Runtime} (SPEC §12.2), without
 * its polling, its single-threaded workers and its lost states.
 * <p>
 * <b>What it does.</b>
 * <ul>
 * <li>At {@link #start(Context)}: connects an {@link ExoClient} and registers every node (a refusal fails the
 * start).</li>
 * <li>Claims with exactly one long-poll claim outstanding, sized to the number of free workers (never more than it
 * can run at once): the server answers as soon as work is ready, so an idle runtime costs one request per wait
 * period, not one per second.</li>
 * <li>Executes each claimed state on a worker: {@link Node#execute} results become an executed report,
 * {@link PruneSignal} a prune, {@link RequeueAfterSignal} a re-enqueue-after, and any other exception an errored
 * report with the exception's message (as Exosphere sends {@code str(exc)}).</li>
 * <li>Claims under a lease ({@link Context#lease()}) and sends heartbeats for executions that run longer than the
 * heartbeat interval (a third of the lease by default), so a slow node keeps its state while a dead runtime's states
 * are offered to others when their lease expires.</li>
 * <li>Batches reports: those finishing within {@link Context#reportWindow()} are written together and flushed once.
 * A report that is not acknowledged (connection lost, timeout) is sent again with the same claim token; the server
 * answers a repeat with its first answer. A report refused because the state is no longer this runtime's
 * ({@code STALE_TOKEN}: the lease expired and someone else may have it, or the state moved on) is logged and
 * dropped.</li>
 * <li>Survives the failure of a cluster node ({@link Context#endpoints(String...)}): its client moves to the leader
 * or to the next node and sends the pending claim and reports again there; the runtime only sees answers that come
 * later. A claim that fails anyway (request timeout) is simply made again after a backoff.</li>
 * </ul>
 * <b>Threading.</b> One agent thread ({@code exostate-runtime-<name>-agent}) owns all bookkeeping: claims, running
 * executions, heartbeats, the report batch and resends. {@link Context#workers()} worker threads
 * ({@code exostate-runtime-<name>-worker-<i>}) run node code only. Both are platform, non-daemon threads: a started
 * runtime keeps the JVM alive until it is closed (add a shutdown hook that calls {@link #close()}). The client's I/O
 * thread does the network work. Nothing spins: threads block on queues or timers.
 * <p>
 * <b>Lifecycle.</b> {@link #close()} stops claiming, waits up to {@link Context#closeTimeout()} for the running
 * executions to finish and for their reports to be acknowledged, releases what is still running (re-enqueue-after,
 * so another runtime takes it without waiting for the lease; the delay is {@value #RELEASE_DELAY_MS} ms when this
 * runtime's own long-poll claim may still be parked, so that claim cannot take the state back before the session
 * ends, else 1 ms), interrupts the workers and closes the client. States that a parked claim delivers after closing
 * began are released the same way (1 ms). Thread safe; idempotent.
 */
public final class Runtime implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Runtime.class);
    private static final long THREAD_STOP_TIMEOUT_MS = 5_000;
    /** The delay of a state released at close while a claim of ours may still be parked (see releaseRunning). */
    static final long RELEASE_DELAY_MS = 250;

    private final Context ctx;
    private final ExoClient client;
    private final Map<String, Node> nodes;
    private final List<String> nodeNames;
    private final ScheduledThreadPoolExecutor agent;
    private final Executor agentExecutor;
    private final ThreadPoolExecutor workers;
    private final long leaseMs;
    private final long waitMs;
    private final long heartbeatNs;
    private final long reportWindowNs;
    private final long backoffMinNs;
    private final long backoffMaxNs;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicLong completedExecutions = new AtomicLong();
    private final AtomicInteger runningCount = new AtomicInteger();

    // Owned by the agent thread.
    /** By claim token, unique per claim: the same state claimed again after a lost lease is another execution. */
    private final Long2ObjectHashMap<Execution> running = new Long2ObjectHashMap<>();
    private final List<PendingReport> batch = new ArrayList<>();
    private final Backoff claimBackoff;
    private int freeWorkers;
    private boolean claimOutstanding;
    private boolean stopping;
    private boolean flushScheduled;
    private int unacknowledged;

    private Runtime(final Context ctx, final ExoClient client)
    {
        this.ctx = ctx;
        this.client = client;
        final Map<String, Node> byName = new LinkedHashMap<>();
        for (final Node n : ctx.nodes())
        {
            byName.put(n.name(), n);
        }
        this.nodes = Collections.unmodifiableMap(byName);
        this.nodeNames = List.copyOf(byName.keySet());
        this.leaseMs = ctx.lease().toMillis();
        final long idle = client.idleTimeoutMs();
        final long wait = ctx.longPollWait().toMillis();
        // A parked claim must not let the server think the session idle.
        this.waitMs = idle > 0 ? Math.min(wait, idle / 2) : wait;
        this.heartbeatNs = ctx.effectiveHeartbeatInterval().toNanos();
        this.reportWindowNs = ctx.reportWindow().toNanos();
        this.backoffMinNs = client.context().reconnectBackoffMin().toNanos();
        this.backoffMaxNs = client.context().reconnectBackoffMax().toNanos();
        this.claimBackoff = new Backoff(backoffMinNs, backoffMaxNs);
        this.freeWorkers = ctx.workers();

        final String prefix = "exostate-runtime-" + ctx.runtimeName();
        this.agent = new ScheduledThreadPoolExecutor(1, threads(prefix + "-agent", false));
        this.agent.setRemoveOnCancelPolicy(true);
        this.agent.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.agent.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        // Completions arrive on the client's I/O thread: hop to the agent, and never throw back into it.
        this.agentExecutor = task ->
        {
            try
            {
                agent.execute(task);
            }
            catch (final RejectedExecutionException ex)
            {
                LOG.debug("runtime agent stopped; task dropped");
            }
        };
        this.workers = new ThreadPoolExecutor(ctx.workers(), ctx.workers(), 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), threads(prefix + "-worker-", true));
    }

    /**
     * Connects, registers the nodes and starts claiming.
     *
     * @throws IllegalArgumentException when the context is not valid.
     * @throws ExoException             when the client cannot connect or the registration is refused.
     */
    public static Runtime start(final Context context)
    {
        final Context ctx = context.copy().conclude();
        LOG.info("starting runtime: " + ctx);
        final List<NodeRegistration> registrations = new ArrayList<>();
        for (final Node n : ctx.nodes())
        {
            registrations.add(n.registration());
        }
        final ExoClient client = ExoClient.connect(ctx.client());
        final Runtime runtime;
        try
        {
            client.registerNodes(ctx.runtimeName(), registrations);
            runtime = new Runtime(ctx, client);
        }
        catch (final RuntimeException ex)
        {
            client.close();
            throw ex;
        }
        LOG.info("runtime " + ctx.runtimeName() + " registered " + runtime.nodeNames +
            " in namespace " + client.namespace() + "; claiming with " + ctx.workers() + " workers, lease " +
            runtime.leaseMs + " ms, long-poll wait " + runtime.waitMs + " ms");
        runtime.agentExecutor.execute(runtime::maybeClaim);
        return runtime;
    }

    /** The effective configuration. */
    public Context context()
    {
        return ctx;
    }

    /** The runtime's client: usable for triggers and reads from any thread; closed with the runtime. */
    public ExoClient client()
    {
        return client;
    }

    /** How many executions finished (with any outcome) so far. */
    public long completedExecutions()
    {
        return completedExecutions.get();
    }

    /** How many executions are running now. */
    public int runningExecutions()
    {
        return runningCount.get();
    }

    /**
     * Stops claiming, lets running executions finish and report (up to the close timeout), releases what still runs,
     * then stops the threads and closes the client. Blocks until done; idempotent, and a concurrent call waits for
     * the first one.
     */
    @Override
    public void close()
    {
        if (!closing.compareAndSet(false, true))
        {
            awaitTerminated();
            return;
        }
        LOG.info("closing runtime " + ctx.runtimeName() + ": " + runningCount.get() +
            " executions running, waiting up to " + ctx.closeTimeout().toMillis() + " ms");
        agentExecutor.execute(() ->
        {
            stopping = true;
            checkDrained();
        });
        if (!waitFor(drained, ctx.closeTimeout().toNanos()))
        {
            final CompletableFuture<Void> released = new CompletableFuture<>();
            agentExecutor.execute(() -> releaseRunning(released));
            if (!waitFor(released, ctx.releaseTimeout().toNanos()))
            {
                LOG.warn("runtime " + ctx.runtimeName() + ": releases not acknowledged " +
                    "within " + ctx.releaseTimeout().toMillis() + " ms; their leases will expire instead");
            }
        }
        stopThreads();
        LOG.info("runtime " + ctx.runtimeName() + " closed after " +
            completedExecutions.get() + " executions");
    }

    /**
     * Stops at once as if the process died: no report, no release, the connection just closes. The states this
     * runtime held stay claimed until their leases expire. For tests of lease expiry.
     */
    void kill()
    {
        if (!closing.compareAndSet(false, true))
        {
            awaitTerminated();
            return;
        }
        agent.shutdownNow();
        workers.shutdownNow();
        client.close();
        terminated.countDown();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Agent thread
    // ------------------------------------------------------------------------------------------------------------

    private void maybeClaim()
    {
        if (stopping || claimOutstanding || freeWorkers <= 0)
        {
            return;
        }
        claimOutstanding = true;
        final int max = Math.min(freeWorkers, ctx.maxBatch());
        client.claimAsync(nodeNames, max, leaseMs, waitMs).whenCompleteAsync(this::onClaimed, agentExecutor);
    }

    private void onClaimed(final List<ClaimedState> states, final Throwable failure)
    {
        claimOutstanding = false;
        if (failure != null)
        {
            if (stopping || client.isClosed())
            {
                checkDrained();
                return;
            }
            final ExoException ex = ExoClient.exoCause(failure);
            final long delayNs = claimBackoff.nextNs();
            final String message = "claim failed (" + (ex == null ? failure : ex.getMessage()) +
                "); claiming again in " + TimeUnit.NANOSECONDS.toMillis(delayNs) + " ms";
            if (ex != null && ex.retriable())
            {
                LOG.debug(message);
            }
            else
            {
                LOG.warn(message);
            }
            agent.schedule(this::maybeClaim, delayNs, TimeUnit.NANOSECONDS);
            return;
        }
        claimBackoff.reset();
        for (final ClaimedState state : states)
        {
            observe(o -> o.claimed(state));
            if (stopping)
            {
                // Claimed by a long-poll that was parked when closing began: hand it straight back.
                unacknowledged++;
                enqueue(new PendingReport(new Report.Requeue(state.stateId(), state.claimToken(), 1), null));
                continue;
            }
            final Execution e = new Execution(state, nodes.get(state.nodeName()));
            freeWorkers--;
            running.put(state.claimToken(), e);
            runningCount.incrementAndGet();
            if (leaseMs > 0)
            {
                e.heartbeat = agent.scheduleAtFixedRate(
                    () -> heartbeat(e), heartbeatNs, heartbeatNs, TimeUnit.NANOSECONDS);
            }
            try
            {
                workers.execute(() -> run(e));
            }
            catch (final RejectedExecutionException ex)
            {
                LOG.debug("workers stopped; state " + state.stateId() + " not run");
            }
        }
        maybeClaim();
        checkDrained();
    }

    private void onExecuted(final Execution e, final Report report)
    {
        if (running.remove(e.state.claimToken()) != e)
        {
            return;
        }
        runningCount.decrementAndGet();
        completedExecutions.incrementAndGet();
        cancel(e.heartbeat);
        freeWorkers++;
        if (report != null && !e.released)
        {
            unacknowledged++;
            enqueue(new PendingReport(report, e));
        }
        maybeClaim();
        checkDrained();
    }

    private void heartbeat(final Execution e)
    {
        if (running.get(e.state.claimToken()) == e && !e.released)
        {
            enqueue(new PendingReport(new Report.Heartbeat(e.state.stateId(), e.state.claimToken(), leaseMs), e));
        }
    }

    private void enqueue(final PendingReport report)
    {
        batch.add(report);
        if (!flushScheduled)
        {
            flushScheduled = true;
            if (reportWindowNs == 0)
            {
                agentExecutor.execute(this::flush);
            }
            else
            {
                agent.schedule(this::flush, reportWindowNs, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void flush()
    {
        flushScheduled = false;
        if (batch.isEmpty())
        {
            return;
        }
        final List<PendingReport> sending = new ArrayList<>(batch);
        batch.clear();
        final List<Report> reports = new ArrayList<>(sending.size());
        for (final PendingReport p : sending)
        {
            reports.add(p.report);
        }
        final List<CompletableFuture<Object>> answers = client.reportsAsync(reports);
        for (int i = 0; i < sending.size(); i++)
        {
            final PendingReport p = sending.get(i);
            answers.get(i).whenCompleteAsync((reply, failure) -> onAnswered(p, reply, failure), agentExecutor);
        }
    }

    private void onAnswered(final PendingReport p, final Object reply, final Throwable failure)
    {
        observe(o -> o.answered(p.report, reply, failure));
        final boolean heartbeat = p.report instanceof Report.Heartbeat;
        if (failure == null)
        {
            if (!heartbeat)
            {
                acknowledged();
            }
            if (reply instanceof Replies.Errored errored && LOG.isDebugEnabled())
            {
                LOG.debug("state " + p.report.stateId() + " errored; retry created: " +
                    errored.retryCreated());
            }
            return;
        }
        final ExoException ex = ExoClient.exoCause(failure);
        if (ex != null && ex.retriable() && !client.isClosed())
        {
            if (heartbeat)
            {
                // The next heartbeat tick sends a fresh one.
                LOG.debug("heartbeat of state " + p.report.stateId() + " not acknowledged: " +
                    ex.getMessage());
                return;
            }
            p.attempts++;
            final long delayNs = Backoff.attemptNs(backoffMinNs, backoffMaxNs, p.attempts);
            LOG.info(reportName(p.report) + " of state " + p.report.stateId() +
                " not acknowledged (" + ex.getMessage() + "); sending it again in " +
                TimeUnit.NANOSECONDS.toMillis(delayNs) + " ms");
            agent.schedule(() -> enqueue(p), delayNs, TimeUnit.NANOSECONDS);
            return;
        }
        if (ex != null && (ex.is(RejectCode.STALE_TOKEN) || ex.is(RejectCode.WRONG_STATUS) ||
            ex.is(RejectCode.STATE_NOT_FOUND)))
        {
            if (heartbeat && p.execution != null)
            {
                p.execution.leaseLost = true;
            }
            LOG.warn(reportName(p.report) + " of state " + p.report.stateId() +
                " dropped: the state is no longer this runtime's (its lease expired and someone else may have it): " +
                ex.detail());
        }
        else if (ex != null && ex.kind() == ExoException.Kind.CLOSED)
        {
            LOG.debug(reportName(p.report) + " of state " + p.report.stateId() +
                " not sent: the client is closed");
        }
        else
        {
            LOG.error(reportName(p.report) + " of state " + p.report.stateId() +
                " refused: " + (ex == null ? String.valueOf(failure) : ex.getMessage()));
        }
        if (!heartbeat)
        {
            acknowledged();
        }
    }

    private void acknowledged()
    {
        unacknowledged--;
        checkDrained();
    }

    private void checkDrained()
    {
        if (stopping && running.isEmpty() && unacknowledged == 0 && batch.isEmpty())
        {
            drained.complete(null);
        }
    }

    private void releaseRunning(final CompletableFuture<Void> released)
    {
        // Our own long-poll claim may still be parked on the server: a state released for "now" would go straight
        // back to it, and be lost with the session that closes next. A short delay lets the session end first.
        final long delayMs = claimOutstanding ? RELEASE_DELAY_MS : 1;
        final List<Report> releases = new ArrayList<>();
        for (final Execution e : running.values())
        {
            e.released = true;
            cancel(e.heartbeat);
            releases.add(new Report.Requeue(e.state.stateId(), e.state.claimToken(), delayMs));
        }
        if (releases.isEmpty())
        {
            released.complete(null);
            return;
        }
        LOG.warn("runtime " + ctx.runtimeName() + ": " + releases.size() +
            " executions still running after the close timeout; releasing their states");
        final List<CompletableFuture<Object>> answers = client.reportsAsync(releases);
        CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, failure) ->
        {
            if (failure != null)
            {
                LOG.warn("releasing states failed: " + failure);
            }
            released.complete(null);
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Worker threads
    // ------------------------------------------------------------------------------------------------------------

    private void run(final Execution e)
    {
        Report report = null;
        try
        {
            report = execute(e);
        }
        catch (final Error err)
        {
            // A JVM error (out of memory, stack overflow): report the state errored, then let the thread die.
            report = new Report.Errored(e.state.stateId(), e.state.claimToken(), errorText(err));
            throw err;
        }
        finally
        {
            final Report result = report;
            agentExecutor.execute(() -> onExecuted(e, result));
        }
    }

    /** Runs the node; returns the report to send, or null when nothing must be sent (the runtime is closing). */
    private Report execute(final Execution e)
    {
        final ClaimedState s = e.state;
        final long id = s.stateId();
        final long token = s.claimToken();
        try
        {
            final Node node = e.node;
            if (node == null)
            {
                throw new IllegalStateException("Unknown node " + s.nodeName() + ": this runtime runs " + nodeNames);
            }
            final Map<String, String> claimed = s.inputsMap();
            final Map<String, String> inputs = new LinkedHashMap<>();
            final List<String> missing = new ArrayList<>();
            for (final String name : node.inputNames())
            {
                final String value = claimed.get(name);
                if (value == null)
                {
                    missing.add(name);
                }
                else
                {
                    inputs.put(name, value);
                }
            }
            if (!missing.isEmpty())
            {
                return new Report.Errored(id, token, fieldsRequired("Inputs", missing));
            }
            Map<String, String> secrets = Map.of();
            if (!node.secretNames().isEmpty())
            {
                final Map<String, String> all = client.stateSecrets(id);
                final Map<String, String> declared = new LinkedHashMap<>();
                for (final String name : node.secretNames())
                {
                    final String value = all.get(name);
                    if (value == null)
                    {
                        missing.add(name);
                    }
                    else
                    {
                        declared.put(name, value);
                    }
                }
                if (!missing.isEmpty())
                {
                    return new Report.Errored(id, token, fieldsRequired("Secrets", missing));
                }
                secrets = Collections.unmodifiableMap(declared);
            }
            final List<Map<String, String>> outputs =
                node.execute(Collections.unmodifiableMap(inputs), secrets);
            final String invalid = checkOutputs(node, outputs);
            if (invalid != null)
            {
                return new Report.Errored(id, token, invalid);
            }
            return new Report.Executed(id, token, outputs == null ? List.of() : outputs);
        }
        catch (final PruneSignal signal)
        {
            return new Report.Prune(id, token, signal.dataJson());
        }
        catch (final RequeueAfterSignal signal)
        {
            return new Report.Requeue(id, token, signal.delayMs());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            if (closing.get())
            {
                // Interrupted by close() after the state was released: nothing to report.
                return null;
            }
            return new Report.Errored(id, token, errorText(ex));
        }
        catch (final Exception ex)
        {
            if (closing.get() && Thread.currentThread().isInterrupted())
            {
                return null;
            }
            LOG.debug("node " + s.nodeName() + " failed on state " + id, ex);
            return new Report.Errored(id, token, errorText(ex));
        }
    }

    /** What Exosphere's runtime sends for an exception: {@code str(exc)}, the message; the class name when none. */
    static String errorText(final Throwable t)
    {
        final String message = t.getMessage();
        return message != null ? message : t.getClass().getName();
    }

    /** Pydantic's text for missing required fields, shortened. */
    static String fieldsRequired(final String model, final List<String> missing)
    {
        final StringBuilder b = new StringBuilder();
        b.append(missing.size()).append(missing.size() == 1 ? " validation error for " : " validation errors for ")
            .append(model);
        for (final String name : missing)
        {
            b.append('\n').append(name).append("\n  Field required [type=missing]");
        }
        return b.toString();
    }

    /** Null when every output holds exactly the declared fields with non-null values, else why not. */
    static String checkOutputs(final Node node, final List<Map<String, String>> outputs)
    {
        if (outputs == null)
        {
            return null;
        }
        final List<String> declared = node.outputNames();
        final Set<String> names = new HashSet<>(declared);
        for (int i = 0; i < outputs.size(); i++)
        {
            final Map<String, String> out = outputs.get(i);
            if (out == null)
            {
                return "Expected output " + i + " of node " + node.name() + " to be a map, but got null";
            }
            final List<String> missing = new ArrayList<>();
            for (final String name : declared)
            {
                if (out.get(name) == null)
                {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty())
            {
                return fieldsRequired("Outputs", missing);
            }
            for (final String key : out.keySet())
            {
                if (!names.contains(key))
                {
                    return "Expected the outputs of node " + node.name() + " to hold only " + declared +
                        ", but output " + i + " has '" + key + "'";
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    /** Calls the observer, if any; what it throws is logged, never let into the runtime's bookkeeping. */
    private void observe(final java.util.function.Consumer<Observer> call)
    {
        final Observer o = ctx.observer();
        if (o == null)
        {
            return;
        }
        try
        {
            call.accept(o);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("runtime " + ctx.runtimeName() + ": the observer failed", ex);
        }
    }

    private void stopThreads()
    {
        workers.shutdownNow();
        agent.shutdown();
        client.close();
        try
        {
            if (!workers.awaitTermination(THREAD_STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
            {
                LOG.warn("runtime " + ctx.runtimeName() +
                    ": a node ignored the interrupt and still runs");
            }
            agent.awaitTermination(THREAD_STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            terminated.countDown();
        }
    }

    private void awaitTerminated()
    {
        try
        {
            terminated.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean waitFor(final CompletableFuture<Void> future, final long timeoutNs)
    {
        try
        {
            future.get(timeoutNs, TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final TimeoutException ex)
        {
            return false;
        }
        catch (final ExecutionException ex)
        {
            LOG.warn("runtime shutdown step failed", ex.getCause());
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void cancel(final ScheduledFuture<?> future)
    {
        if (future != null)
        {
            future.cancel(false);
        }
    }

    private static String reportName(final Report report)
    {
        return report.getClass().getSimpleName().toLowerCase() + " report";
    }

    private static ThreadFactory threads(final String name, final boolean numbered)
    {
        final AtomicInteger counter = new AtomicInteger();
        return r ->
        {
            final Thread t = new Thread(r, numbered ? name + counter.getAndIncrement() : name);
            t.setDaemon(false);
            return t;
        };
    }

    /** One claimed state being executed. Created and mutated on the agent thread; read by one worker. */
    private static final class Execution
    {
        final ClaimedState state;
        final Node node;
        ScheduledFuture<?> heartbeat;
        boolean released;
        boolean leaseLost;

        Execution(final ClaimedState state, final Node node)
        {
            this.state = state;
            this.node = node;
        }
    }

    /** A report waiting for its acknowledgement; owned by the agent thread. */
    private static final class PendingReport
    {
        final Report report;
        final Execution execution;
        int attempts;

        PendingReport(final Report report, final Execution execution)
        {
            this.report = report;
            this.execution = execution;
        }
    }

    /**
     * Sees what a runtime claims and what the server answers to its reports: for a test that records a client-side
     * history, or for metrics. Called on the runtime's agent thread, so keep it quick; an exception it throws is
     * logged and ignored.
     */
    public interface Observer
    {
        /** A state this runtime claimed, as the claim reply handed it over (before it runs). */
        default void claimed(final ClaimedState state)
        {
        }

        /**
         * The answer to one sending of a report (a report sent again gets another call): the reply (for example
         * {@code Replies.Executed}) and a null failure, or a null reply and the failure (an {@link ExoException}
         * for a refusal such as {@code STALE_TOKEN}, or a lost connection).
         */
        default void answered(final Report report, final Object reply, final Throwable failure)
        {
        }
    }

    /**
     * The configuration of a {@link Runtime}. {@link #conclude()} checks the values and fails fast with a precise
     * message; {@link Runtime#start} concludes a copy and logs the effective values. Not thread safe: fill it in on
     * one thread, then hand it over.
     */
    public static final class Context
    {
        public static final String RUNTIME_NAME_PROP_NAME = "exostate.runtime.name";
        public static final String WORKERS_PROP_NAME = "exostate.runtime.workers";
        public static final Duration LEASE_DEFAULT = Duration.ofSeconds(30);
        public static final int MAX_BATCH_DEFAULT = 256;
        public static final Duration LONG_POLL_WAIT_DEFAULT = Duration.ofSeconds(10);
        public static final Duration REPORT_WINDOW_DEFAULT = Duration.ofMillis(1);
        public static final Duration CLOSE_TIMEOUT_DEFAULT = Duration.ofSeconds(30);
        public static final Duration RELEASE_TIMEOUT_DEFAULT = Duration.ofSeconds(5);

        private ExoClient.Context client = new ExoClient.Context();
        private String runtimeName = System.getProperty(RUNTIME_NAME_PROP_NAME);
        private List<Node> nodes = List.of();
        private int workers =
            Integer.getInteger(WORKERS_PROP_NAME, java.lang.Runtime.getRuntime().availableProcessors());
        private Duration lease = LEASE_DEFAULT;
        private int maxBatch = MAX_BATCH_DEFAULT;
        private Duration heartbeatInterval;
        private Duration longPollWait = LONG_POLL_WAIT_DEFAULT;
        private Duration reportWindow = REPORT_WINDOW_DEFAULT;
        private Duration closeTimeout = CLOSE_TIMEOUT_DEFAULT;
        private Duration releaseTimeout = RELEASE_TIMEOUT_DEFAULT;
        private Observer observer;

        /** A copy with the same values (and a copy of the client context). */
        public Context copy()
        {
            final Context c = new Context();
            c.client = client.copy();
            c.runtimeName = runtimeName;
            c.nodes = nodes;
            c.workers = workers;
            c.lease = lease;
            c.maxBatch = maxBatch;
            c.heartbeatInterval = heartbeatInterval;
            c.longPollWait = longPollWait;
            c.reportWindow = reportWindow;
            c.closeTimeout = closeTimeout;
            c.releaseTimeout = releaseTimeout;
            c.observer = observer;
            return c;
        }

        /**
         * Checks every value (and the client context).
         *
         * @throws IllegalArgumentException naming the first bad value.
         */
        public Context conclude()
        {
            ExoClient.Context.require(client != null, "Expected a client context, but got null");
            if (ExoClient.Context.CLIENT_NAME_DEFAULT.equals(client.clientName()) && runtimeName != null)
            {
                client.clientName(runtimeName);
            }
            client.conclude();
            ExoClient.Context.require(runtimeName != null && !runtimeName.isBlank(),
                "Expected a runtime name (or -D" + RUNTIME_NAME_PROP_NAME + "), but got '" + runtimeName + "'");
            ExoClient.Context.require(nodes != null && !nodes.isEmpty(), "Expected at least one node, but got none");
            final Set<String> names = new HashSet<>();
            for (final Node n : nodes)
            {
                ExoClient.Context.require(n != null, "Expected nodes, but the list holds null");
                ExoClient.Context.require(names.add(n.name()),
                    "Expected unique node names, but '" + n.name() + "' appears twice");
            }
            ExoClient.Context.require(workers >= 1, "Expected at least 1 worker, but got " + workers);
            ExoClient.Context.require(maxBatch >= 1, "Expected maxBatch >= 1, but got " + maxBatch);
            ExoClient.Context.require(lease != null && !lease.isNegative(),
                "Expected a lease >= 0 (0: no lease), but got " + lease);
            ExoClient.Context.require(lease.isZero() || lease.toMillis() >= 3,
                "Expected a lease of at least 3 ms (or 0), but got " + lease);
            if (heartbeatInterval != null)
            {
                ExoClient.Context.requirePositive(heartbeatInterval, "heartbeatInterval");
                ExoClient.Context.require(lease.isZero() || heartbeatInterval.compareTo(lease) < 0,
                    "Expected a heartbeat interval shorter than the lease " + lease + ", but got " + heartbeatInterval);
            }
            ExoClient.Context.require(longPollWait != null && !longPollWait.isNegative(),
                "Expected longPollWait >= 0, but got " + longPollWait);
            ExoClient.Context.require(reportWindow != null && !reportWindow.isNegative(),
                "Expected reportWindow >= 0, but got " + reportWindow);
            ExoClient.Context.require(closeTimeout != null && !closeTimeout.isNegative(),
                "Expected closeTimeout >= 0, but got " + closeTimeout);
            ExoClient.Context.require(releaseTimeout != null && !releaseTimeout.isNegative(),
                "Expected releaseTimeout >= 0, but got " + releaseTimeout);
            return this;
        }

        /** The client's configuration (address, namespace, API key, timeouts, reconnect backoff). */
        public ExoClient.Context client()
        {
            return client;
        }

        public Context client(final ExoClient.Context client)
        {
            this.client = client;
            return this;
        }

        /**
         * The nodes of a cluster: shorthand for {@code client().endpoints(endpoints)} (see
         * {@link ExoClient.Context#endpoints(List)}). The runtime's client follows the leader and moves to another
         * node when the one it talks to fails.
         */
        public Context endpoints(final String... endpoints)
        {
            ExoClient.Context.require(client != null, "Expected a client context before endpoints, but got null");
            client.endpoints(endpoints);
            return this;
        }

        /** See {@link #endpoints(String...)}. */
        public Context endpoints(final List<String> endpoints)
        {
            ExoClient.Context.require(client != null, "Expected a client context before endpoints, but got null");
            client.endpoints(endpoints);
            return this;
        }

        /** The runtime name the nodes are registered under. */
        public String runtimeName()
        {
            return runtimeName;
        }

        public Context runtimeName(final String runtimeName)
        {
            this.runtimeName = runtimeName;
            return this;
        }

        public List<Node> nodes()
        {
            return nodes;
        }

        public Context nodes(final List<Node> nodes)
        {
            this.nodes = nodes == null ? null : List.copyOf(nodes);
            return this;
        }

        public Context nodes(final Node... nodes)
        {
            return nodes(List.of(nodes));
        }

        /** Worker threads, so executions at once; the default is the number of available processors. */
        public int workers()
        {
            return workers;
        }

        public Context workers(final int workers)
        {
            this.workers = workers;
            return this;
        }

        /** The lease of each claimed state (0: none, the state stays claimed until reported). */
        public Duration lease()
        {
            return lease;
        }

        public Context lease(final Duration lease)
        {
            this.lease = lease;
            return this;
        }

        /** The most states one claim asks for (a claim never asks for more than the free workers). */
        public int maxBatch()
        {
            return maxBatch;
        }

        public Context maxBatch(final int maxBatch)
        {
            this.maxBatch = maxBatch;
            return this;
        }

        /** How often a running execution's lease is extended; null means a third of the lease. */
        public Duration heartbeatInterval()
        {
            return heartbeatInterval;
        }

        public Context heartbeatInterval(final Duration heartbeatInterval)
        {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        /** The heartbeat interval in force: the one set, or a third of the lease (at least 1 ms). */
        public Duration effectiveHeartbeatInterval()
        {
            if (heartbeatInterval != null)
            {
                return heartbeatInterval;
            }
            return Duration.ofMillis(Math.max(1, lease.toMillis() / 3));
        }

        /** How long the server may park a claim that finds nothing (long-poll); capped at half the idle timeout. */
        public Duration longPollWait()
        {
            return longPollWait;
        }

        public Context longPollWait(final Duration longPollWait)
        {
            this.longPollWait = longPollWait;
            return this;
        }

        /** Reports finishing within this window are written together and flushed once; 0 batches what is queued. */
        public Duration reportWindow()
        {
            return reportWindow;
        }

        public Context reportWindow(final Duration reportWindow)
        {
            this.reportWindow = reportWindow;
            return this;
        }

        /** How long {@link Runtime#close()} waits for running executions to finish and report. */
        public Duration closeTimeout()
        {
            return closeTimeout;
        }

        public Context closeTimeout(final Duration closeTimeout)
        {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** How long {@link Runtime#close()} then waits for the release of what still runs to be acknowledged. */
        public Duration releaseTimeout()
        {
            return releaseTimeout;
        }

        public Context releaseTimeout(final Duration releaseTimeout)
        {
            this.releaseTimeout = releaseTimeout;
            return this;
        }

        /** Sees the claims and report answers (see {@link Observer}); null for none. */
        public Observer observer()
        {
            return observer;
        }

        public Context observer(final Observer observer)
        {
            this.observer = observer;
            return this;
        }

        /** The effective values. */
        @Override
        public String toString()
        {
            final List<String> names = new ArrayList<>();
            if (nodes != null)
            {
                for (final Node n : nodes)
                {
                    names.add(n == null ? "null" : n.name());
                }
            }
            return "Runtime.Context{runtimeName=" + runtimeName + ", nodes=" + names + ", workers=" + workers +
                ", lease=" + lease +
                ", heartbeatInterval=" + (heartbeatInterval == null ? "lease/3" : heartbeatInterval) +
                ", maxBatch=" + maxBatch + ", longPollWait=" + longPollWait + ", reportWindow=" + reportWindow +
                ", closeTimeout=" + closeTimeout + ", releaseTimeout=" + releaseTimeout + ", client=" + client + "}";
        }
    }
}
