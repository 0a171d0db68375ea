package io.exostate.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exostate.transport.client.Endpoint;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same load through Exosphere's HTTP API, the way Exosphere's runtimes use it: R worker threads, each in a loop
 * of {@code POST states/enqueue} (with {@code batch_size} 1 in single frames, {@code claimMax} in batched frames) then
 * one {@code POST state/{id}/executed} per claimed state; triggers are {@code POST graph/{g}/trigger}, sent by R/4
 * (at least 2) trigger threads while fewer than the in-flight bound of runs are running. One {@link HttpClient} (HTTP/1.1,
 * keep-alive: one pooled connection per thread).
 * <p>
 * The HTTP API has no long-poll: a worker whose enqueue came back empty sleeps 1 ms, doubling up to 16 ms while
 * nothing comes (Exosphere's own runtime sleeps its poll interval, 1 s by default). The answers name no run, so a
 * run counts as complete for every {@code leavesPerRun} leaf states reported (exact once every run is done), and the
 * ready→delivered latency is not measured.
 */
final class HttpLoad implements AutoCloseable
{
    private static final long IDLE_MIN_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long IDLE_MAX_NS = TimeUnit.MILLISECONDS.toNanos(16);
    /** Trigger threads per worker: R/4 (at least 2) requests in flight, one kept-alive connection each. */
    private static final int WORKERS_PER_TRIGGER_THREAD = 4;

    private final LoadOptions options;
    private final LoadStats stats;
    private final GraphShape shape;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final String base;
    private final byte[] enqueueBody;
    private final byte[] plainExecuted;
    private final byte[] splitExecuted;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong nextRun = new AtomicLong();
    private final BinaryLoad.Pacer pacer;
    private volatile boolean stopping;

    HttpLoad(final LoadOptions options, final LoadStats stats)
    {
        this.options = options;
        this.stats = stats;
        this.shape = stats.shape();
        this.pacer = new BinaryLoad.Pacer(options.rate());
        this.http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
        this.base = "http://" + new Endpoint(options.httpHost(), options.httpPort()) + "/v0/namespace/" +
            options.namespace();
        final StringBuilder nodes = new StringBuilder();
        for (final String n : shape.nodeNames())
        {
            nodes.append(nodes.length() == 0 ? "" : ",").append('"').append(n).append('"');
        }
        this.enqueueBody = ("{\"nodes\":[" + nodes + "],\"batch_size\":" +
            (options.batched() ? options.claimMax() : 1) + "}").getBytes();
        this.plainExecuted = "{\"outputs\":[]}".getBytes();
        final StringBuilder split = new StringBuilder("{\"outputs\":[");
        for (int i = 0; i < shape.size(); i++)
        {
            split.append(i == 0 ? "{}" : ",{}");
        }
        this.splitExecuted = split.append("]}").toString().getBytes();
    }

    /** Starts the workers and the trigger thread. */
    void start()
    {
        for (int i = 0; i < options.runtimes(); i++)
        {
            final Thread t = new Thread(this::workerLoop, "load-http-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        final int triggerThreads = Math.max(2, options.runtimes() / WORKERS_PER_TRIGGER_THREAD);
        for (int i = 0; i < triggerThreads; i++)
        {
            final Thread trigger = new Thread(this::triggerLoop, "load-http-trigger-" + i);
            trigger.setDaemon(true);
            threads.add(trigger);
        }
        for (final Thread t : threads)
        {
            t.start();
        }
    }

    void stop()
    {
        stopping = true;
        for (final Thread t : threads)
        {
            t.interrupt();
        }
        for (final Thread t : threads)
        {
            try
            {
                t.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close()
    {
        stop();
    }

    private HttpRequest post(final String path, final byte[] body)
    {
        return HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("x-api-key", options.apiKey())
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    }

    /**
     * One of the R/4 trigger threads: each takes the next run index, waits for an in-flight permit
     * (and, with a rate, for the run to be due), and triggers it with a blocking request on a kept-alive connection.
     */
    private void triggerLoop()
    {
        final String path = "/graph/" + shape.graphName() + "/trigger";
        final HttpRequest trigger = post(path, "{}".getBytes());
        try
        {
            while (!stopping)
            {
                final long next = nextRun.getAndIncrement();
                if (next >= stats.runs())
                {
                    return;
                }
                pacer.acquire(stats.inFlight(), next, 1);
                stats.triggered.increment();
                final HttpResponse<byte[]> response = http.send(trigger, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200 && !stopping)
                {
                    stats.fatal("a trigger was answered " + response.statusCode() + ": " + new String(response.body()));
                    return;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ex)
        {
            if (!stopping)
            {
                stats.fatal("a trigger failed: " + ex);
            }
        }
    }

    private void workerLoop()
    {
        final HttpRequest enqueue = post("/states/enqueue", enqueueBody);
        long idleNs = IDLE_MIN_NS;
        try
        {
            while (!stopping)
            {
                final HttpResponse<byte[]> r = http.send(enqueue, HttpResponse.BodyHandlers.ofByteArray());
                final long claimedAt = System.nanoTime();
                if (r.statusCode() != 200)
                {
                    stats.fatal("states/enqueue was answered " + r.statusCode() + ": " + new String(r.body()));
                    return;
                }
                final JsonNode states = json.readTree(r.body()).path("states");
                final int n = states.size();
                stats.onClaimReply(n);
                if (n == 0)
                {
                    TimeUnit.NANOSECONDS.sleep(idleNs);
                    idleNs = Math.min(IDLE_MAX_NS, idleNs * 2);
                    continue;
                }
                idleNs = IDLE_MIN_NS;
                for (int i = 0; i < n && !stopping; i++)
                {
                    final JsonNode s = states.get(i);
                    final String identifier = s.path("identifier").asText();
                    final byte[] body = shape.outputs(identifier).isEmpty() ? plainExecuted : splitExecuted;
                    final HttpResponse<byte[]> e = http.send(
                        post("/state/" + s.path("state_id").asText() + "/executed", body),
                        HttpResponse.BodyHandlers.ofByteArray());
                    if (e.statusCode() != 200)
                    {
                        stats.fatal("executed was answered " + e.statusCode() + ": " + new String(e.body()));
                        return;
                    }
                    stats.onExecutedReply(-1, identifier, claimedAt, System.nanoTime());
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ex)
        {
            if (!stopping)
            {
                stats.fatal("an HTTP request failed: " + ex);
            }
        }
    }
}
