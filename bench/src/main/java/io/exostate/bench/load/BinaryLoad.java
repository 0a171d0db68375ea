package io.exostate.bench.load;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.RejectCode;
import io.exostate.transport.client.Endpoint;
import io.exostate.transport.client.ExoClient;
import io.exostate.transport.client.ExoException;
import io.exostate.transport.client.Report;
import io.netty.channel.EventLoopGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The load over the binary protocol: R lean runtimes, each one {@link ExoClient} connection that keeps one long-poll
 * claim outstanding and reports every claimed state at once (the nodes execute instantly), and one trigger
 * connection that pipelines triggers while fewer than the in-flight bound of runs are running.
 * <ul>
 *   <li><b>single</b> frames: a claim asks for 1 state; each report and each trigger is its own frame, written and
 *       flushed alone;</li>
 *   <li><b>batched</b> frames: a claim asks for up to {@code claimMax} (≥ 16) states; the reports of one claim reply
 *       go out with one {@link ExoClient#reportsAsync} (many frames, one write and flush); triggers go out in batches
 *       with {@link ExoClient#triggersAsync}.</li>
 * </ul>
 * The runtimes run entirely on their clients' I/O threads (every callback is a future completion there): no locks,
 * no hand-offs. By default every connection shares one event-loop group of {@code --client-io-threads} threads (fewer
 * wake-ups and context switches than a thread per connection, the ExoClient default, which 0 selects). The trigger side is one thread that blocks on the
 * in-flight permits and, with a rate, parks until the next run is due.
 * <p>
 * Against a cluster ({@code --target} with several endpoints) every client follows the leader and moves on when a
 * node fails; the client writes claims and reports in flight again itself, and a trigger that failed retriably is
 * sent again here with its run id. The claims have no lease: a claim the dead leader applied but could not answer
 * holds its states until the engine can answer a repeated claim with its first answer (the Claim request id).
 */
final class BinaryLoad implements AutoCloseable
{
    private final LoadOptions options;
    private final LoadStats stats;
    private final GraphShape shape;
    private final String runPrefix;
    private final List<ExoClient> clients = new ArrayList<>();
    private final List<LeanRuntime> runtimes = new ArrayList<>();
    /** Attempts of one trigger before a retriable failure ends the load. */
    static final int TRIGGER_ATTEMPTS = 5;

    private final EventLoopGroup ioGroup;
    private ExoClient triggerClient;
    private Thread triggerThread;
    private volatile boolean stopping;

    BinaryLoad(final LoadOptions options, final LoadStats stats, final String runPrefix)
    {
        this.options = options;
        this.stats = stats;
        this.shape = stats.shape();
        this.runPrefix = runPrefix;
        this.ioGroup = options.clientIoThreads() > 0 ?
            ExoClient.Context.newEventLoopGroup(options.clientIoThreads(), "load-client-io", true) : null;
    }

    private ExoClient.Context clientContext(final String name)
    {
        final List<String> endpoints = new ArrayList<>(options.targets().size());
        for (final Endpoint e : options.targets())
        {
            endpoints.add(e.toString());
        }
        return new ExoClient.Context()
            .endpoints(endpoints)
            .namespace(options.namespace())
            .apiKey(options.apiKey())
            .clientName(name)
            .eventLoopGroup(ioGroup)
            .requestTimeout(Duration.ofSeconds(30));
    }

    /** Connects every runtime and the trigger connection; registers the nodes and upserts the graph. */
    void connect()
    {
        triggerClient = ExoClient.connect(clientContext("load-trigger"));
        clients.add(triggerClient);
        setUp(triggerClient, shape, options.namespace());
        for (int i = 0; i < options.runtimes(); i++)
        {
            final ExoClient c = ExoClient.connect(clientContext("load-" + i));
            clients.add(c);
            runtimes.add(new LeanRuntime(c));
        }
    }

    /** Registers the shape's nodes and upserts its graph; fails when the graph does not validate. */
    static void setUp(final ExoClient client, final GraphShape shape, final String namespace)
    {
        client.registerNodes("load-generator", shape.registrations());
        final var graph = client.upsertGraph(shape.spec(namespace));
        if (!graph.valid())
        {
            throw new IllegalStateException("the load graph " + shape + " does not validate: " + graph);
        }
    }

    /** Starts claiming on every runtime, then triggering. */
    void start()
    {
        for (final LeanRuntime r : runtimes)
        {
            r.claim();
        }
        triggerThread = new Thread(this::triggerLoop, "load-trigger");
        triggerThread.setDaemon(true);
        triggerThread.start();
    }

    /** Stops triggering and claiming; what is in flight is dropped when the clients close. */
    void stop()
    {
        stopping = true;
        if (triggerThread != null)
        {
            triggerThread.interrupt();
            try
            {
                triggerThread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close()
    {
        stop();
        for (final ExoClient c : clients)
        {
            c.close();
        }
        if (ioGroup != null)
        {
            ioGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Triggers, on the trigger thread.
    // ------------------------------------------------------------------------------------------------------------

    private void triggerLoop()
    {
        final Pacer pacer = new Pacer(options.rate());
        final boolean batched = options.batched();
        final int maxBatch = batched ? options.triggerBatch() : 1;
        final List<String> ids = new ArrayList<>(maxBatch);
        long next = 0;
        try
        {
            while (!stopping && next < stats.runs())
            {
                final int n = pacer.acquire(stats.inFlight(), next, (int)Math.min(maxBatch, stats.runs() - next));
                if (n == 0)
                {
                    break;
                }
                ids.clear();
                for (int i = 0; i < n; i++)
                {
                    ids.add(runPrefix + (next + i));
                }
                if (batched)
                {
                    final List<CompletableFuture<String>> futures = triggerClient.triggersAsync(
                        shape.graphName(), ids, null, null, 0);
                    for (int i = 0; i < n; i++)
                    {
                        final String runId = ids.get(i);
                        futures.get(i).whenComplete((ok, failure) -> onTriggered(runId, 1, failure));
                    }
                }
                else
                {
                    trigger(ids.get(0), 1);
                }
                stats.triggered.add(n);
                next += n;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void trigger(final String runId, final int attempt)
    {
        triggerClient.triggerAsync(shape.graphName(), runId, null, null, 0)
            .whenComplete((ok, failure) -> onTriggered(runId, attempt, failure));
    }

    /**
     * A trigger that failed retriably (its connection dropped with it in flight when a cluster leader died, or an
     * election outlasted the request timeout) is sent again with the same run id, up to
     * {@value #TRIGGER_ATTEMPTS} attempts; a {@code DUPLICATE_RUN} answer to a repeat means an earlier attempt was
     * applied (the run ids are this load's own). Any other failure ends the load.
     */
    private void onTriggered(final String runId, final int attempt, final Throwable failure)
    {
        // A run's root new -> CREATED is counted when the root is claimed (LoadStats.onClaimReply).
        if (failure == null || stopping)
        {
            return;
        }
        final ExoException ex = exoCause(failure);
        if (attempt > 1 && ex != null && ex.is(RejectCode.DUPLICATE_RUN))
        {
            return;
        }
        if (ex != null && ex.retriable() && attempt < TRIGGER_ATTEMPTS)
        {
            trigger(runId, attempt + 1);
            return;
        }
        stats.fatal("a trigger failed" + (attempt > 1 ? " " + attempt + " times" : "") + ": " +
            (ex != null ? ex.getMessage() : String.valueOf(failure)));
    }

    private static ExoException exoCause(final Throwable failure)
    {
        return failure instanceof ExoException e ? e : failure.getCause() instanceof ExoException e ? e : null;
    }

    /** The index of run {@code runId} ({@code <prefix><index>}), or -1. Allocates nothing. */
    int runIndex(final String runId)
    {
        final int from = runPrefix.length();
        if (runId.length() <= from || !runId.startsWith(runPrefix))
        {
            return -1;
        }
        long n = 0;
        for (int i = from; i < runId.length(); i++)
        {
            final char c = runId.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n < stats.runs() ? (int)n : -1;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Runtimes, each on its client's I/O thread.
    // ------------------------------------------------------------------------------------------------------------

    /** One connection that claims with long-poll and reports at once. Confined to its client's I/O thread. */
    private final class LeanRuntime
    {
        private final ExoClient client;
        private final List<String> nodeNames = shape.nodeNames();
        private final int claimMax = options.batched() ? options.claimMax() : 1;

        LeanRuntime(final ExoClient client)
        {
            this.client = client;
        }

        void claim()
        {
            if (stopping)
            {
                return;
            }
            client.claimAsync(nodeNames, claimMax, 0, options.waitMs()).whenComplete(this::onClaimed);
        }

        private void onClaimed(final List<ClaimedState> states, final Throwable failure)
        {
            final long now = System.nanoTime();
            if (failure != null)
            {
                onFailure("a claim failed", failure);
                return;
            }
            final int n = states.size();
            stats.onClaimReply(n);
            if (n > 0)
            {
                if (options.batched())
                {
                    final List<Report> reports = new ArrayList<>(n);
                    for (int i = 0; i < n; i++)
                    {
                        final ClaimedState s = states.get(i);
                        delivered(s, now);
                        reports.add(new Report.Executed(s.stateId(), s.claimToken(), shape.outputs(s.identifier())));
                    }
                    // One callback per batch, not per state: the replies to one session's reports come back in
                    // the order they were sent, so when the last is answered every one before it is too.
                    final List<CompletableFuture<Object>> futures = client.reportsAsync(reports);
                    futures.get(n - 1).whenComplete((reply, f) -> onBatchReported(states, futures, now));
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        final ClaimedState s = states.get(i);
                        delivered(s, now);
                        final Report report =
                            new Report.Executed(s.stateId(), s.claimToken(), shape.outputs(s.identifier()));
                        client.reportAsync(report).whenComplete((reply, f) -> onReported(s, now, f));
                    }
                }
            }
            claim();
        }

        private void delivered(final ClaimedState s, final long now)
        {
            if (stats.measuresReadyToDelivered())
            {
                final int run = runIndex(s.runId());
                if (run >= 0)
                {
                    stats.onChainDelivered(run, GraphShape.chainPosition(s.identifier()), now);
                }
            }
        }

        private void onBatchReported(
            final List<ClaimedState> states, final List<CompletableFuture<Object>> futures, final long claimNs)
        {
            final long now = System.nanoTime();
            for (int i = 0; i < states.size(); i++)
            {
                final ClaimedState s = states.get(i);
                final CompletableFuture<Object> f = futures.get(i);
                if (!f.isDone())
                {
                    // Answered out of order (a BUSY retry): wait for this one by itself.
                    f.whenComplete((reply, failure) -> onReported(s, claimNs, failure));
                }
                else if (f.isCompletedExceptionally())
                {
                    f.whenComplete((reply, failure) -> onReported(s, claimNs, failure));
                }
                else
                {
                    stats.onExecutedReply(runIndex(s.runId()), s.identifier(), claimNs, now);
                }
            }
        }

        private void onReported(final ClaimedState s, final long claimNs, final Throwable failure)
        {
            if (failure != null)
            {
                onFailure("an executed report for state " + s.stateId() + " failed", failure);
                return;
            }
            stats.onExecutedReply(runIndex(s.runId()), s.identifier(), claimNs, System.nanoTime());
        }

        private void onFailure(final String what, final Throwable failure)
        {
            if (stopping)
            {
                return;
            }
            final ExoException ex = exoCause(failure);
            stats.fatal(what + ": " + (ex != null ? ex.getMessage() : String.valueOf(failure)));
        }
    }

    /**
     * Paces the trigger side: at most the in-flight bound of runs running, and with a rate, run {@code i} is not
     * triggered before {@code start + i / rate}. Blocks (semaphore, park), never spins.
     */
    static final class Pacer
    {
        private final double rate;
        private final long startNs = System.nanoTime();

        Pacer(final double rate)
        {
            this.rate = rate;
        }

        /**
         * Waits for at least one permit and for run {@code next} to be due, then takes up to {@code max} permits that are
         * available and due at once; returns how many (at least 1).
         */
        int acquire(final Semaphore permits, final long next, final int max)
            throws InterruptedException
        {
            permits.acquire();
            int n = 1;
            if (rate > 0)
            {
                final long dueNs = startNs + (long)(next * 1e9 / rate);
                long waitNs = dueNs - System.nanoTime();
                while (waitNs > 0)
                {
                    TimeUnit.NANOSECONDS.sleep(waitNs);
                    waitNs = dueNs - System.nanoTime();
                }
                final long dueNow = (long)((System.nanoTime() - startNs) * rate / 1e9) + 1 - next;
                final int more = (int)Math.max(0, Math.min(max, dueNow) - 1);
                if (more > 0)
                {
                    n += takeUpTo(permits, more);
                }
            }
            else if (max > 1)
            {
                n += takeUpTo(permits, max - 1);
            }
            return n;
        }

        private static int takeUpTo(final Semaphore permits, final int max)
        {
            int taken = 0;
            while (taken < max && permits.tryAcquire())
            {
                taken++;
            }
            return taken;
        }
    }
}
