package io.exostate.bench.load;

import io.exostate.transport.client.Endpoint;

import java.util.List;

/**
 * The effective, checked options of one load (see {@link LoadGenerator} for their meaning). Immutable.
 *
 * @param targets      the binary endpoints: the embedded node's, or {@code --target}'s (a cluster's nodes), tried in
 *                     order; the clients follow the leader among them.
 * @param httpHost     the HTTP API's host.
 * @param httpPort     the HTTP API's port.
 * @param apiKey       the API key of both endpoints.
 * @param namespace    the namespace the load's nodes, graph and runs live in.
 * @param runtimes     R: runtime connections (binary) or HTTP workers.
 * @param runs         M: runs to complete.
 * @param shape        the graph.
 * @param batched      {@code --frames batched}.
 * @param claimMax     states one claim asks for (1 in single frames).
 * @param waitMs       the long-poll wait of a binary claim.
 * @param inFlight     most runs triggered but not complete.
 * @param triggerBatch most triggers written with one flush (batched frames).
 * @param rate         target runs per second, 0 for as fast as possible.
 * @param durationMs   stop after this long even if runs remain, 0 for no limit.
 * @param warmupMs     the figures leave out this first part of the load.
 * @param stallMs      give up (exit 1) when no run completes for this long.
 * @param http         drive the HTTP API instead of the binary protocol.
 * @param clientIoThreads I/O threads shared by the binary clients, 0 for one per connection.
 */
record LoadOptions(
    List<Endpoint> targets,
    String httpHost,
    int httpPort,
    String apiKey,
    String namespace,
    int runtimes,
    long runs,
    GraphShape shape,
    boolean batched,
    int claimMax,
    long waitMs,
    int inFlight,
    int triggerBatch,
    double rate,
    long durationMs,
    long warmupMs,
    long stallMs,
    boolean http,
    int clientIoThreads)
{
    LoadOptions withEndpoints(final List<Endpoint> targets, final String httpHost, final int httpPort,
        final String apiKey)
    {
        return new LoadOptions(targets, httpHost, httpPort, apiKey, namespace, runtimes, runs, shape, batched,
            claimMax, waitMs, inFlight, triggerBatch, rate, durationMs, warmupMs, stallMs, http, clientIoThreads);
    }
}
