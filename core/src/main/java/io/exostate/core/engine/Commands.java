package io.exostate.core.engine;

import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;

import java.util.List;
import java.util.Map;

/**
 * The engine's command vocabulary: one method per command, each returning a typed reply or a typed rejection and
 * changing nothing when it rejects. Decoders at the edge (binary protocol, journal, Raft log) turn bytes into these
 * calls; the {@link Engine} implements them.
 * <p>
 * {@code now} is the batch time in epoch milliseconds, stamped by the single-node loop or the Raft leader: the
 * engine never reads a clock. Before a command applies, timers due at {@code now} fire.
 * <p>
 * A {@code claimToken} of {@link #NO_TOKEN} marks a report without a token: Exosphere's HTTP runtimes do not know
 * tokens, so the HTTP edge sends none and only the status checks apply.
 */
public interface Commands
{
    long NO_TOKEN = 0;

    /** The {@code clientId} of a claim that asks for no deduplication. */
    long NO_CLIENT = 0;

    Replies.Register registerNodes(long now, String namespace, String runtimeName, List<NodeRegistration> nodes);

    Replies.Upsert upsertGraph(long now, GraphSpec spec);

    /**
     * Creates a run and its root state. {@code runId} is chosen at the edge (a UUID string) before the command is
     * replicated, so every replica agrees on it.
     */
    Replies.Trigger trigger(
        long now,
        String namespace,
        String graphName,
        String runId,
        Map<String, String> inputs,
        Map<String, String> store,
        long startDelayMs);

    /**
     * Claims up to {@code max} ready states of the given node names in {@code namespace}, FIFO by (enqueue_after,
     * creation order) across those names. {@code leaseMs} > 0 puts each claimed state under a lease.
     * The reply is a flyweight owned by the engine (see {@link ClaimReply}).
     * <p>
     * {@code clientId} and {@code requestId} make the claim idempotent, so a client may send it again when it does
     * not know whether it was applied (a leader died before answering): the engine remembers, per client, its latest
     * request that handed out states and those states. The same request again hands out nothing new and answers those
     * of its states that are still claimed under its tokens (in its namespace); an older request answers no states; a
     * newer one claims normally and, when it hands out states, replaces the memory. A claim that hands out nothing
     * is not remembered. A client's memory is dropped once {@link EngineConfig#claimRequestWindowMs()} of command
     * time passed since its latest remembered claim. {@code clientId} 0 with {@code requestId} 0 claims without
     * deduplication (HTTP runtimes, old callers); a non-zero {@code clientId} needs a {@code requestId} > 0.
     */
    ClaimReply claim(
        long now, String namespace, String[] nodeNames, int nodeCount, int max, long leaseMs, long clientId,
        long requestId);

    /** A claim without a request id: never deduplicated. */
    default ClaimReply claim(
        final long now, final String namespace, final String[] nodeNames, final int nodeCount, final int max,
        final long leaseMs)
    {
        return claim(now, namespace, nodeNames, nodeCount, max, leaseMs, NO_CLIENT, 0);
    }

    /**
     * Reports a claimed state executed. {@code outputs} holds a {@link Payloads} list of maps at
     * [offset, offset + length): zero, one or N outputs (N is a fanout).
     */
    Replies.Executed executed(
        long now, String namespace, long stateId, long claimToken, DirectBuffer outputs, int offset, int length);

    Replies.Errored errored(long now, String namespace, long stateId, long claimToken, String error);

    /** {@code dataJson} is the prune payload, a JSON object as text (the engine stores it, never parses it). */
    Replies.Prune prune(long now, String namespace, long stateId, long claimToken, String dataJson);

    Replies.Requeue reenqueueAfter(long now, String namespace, long stateId, long claimToken, long delayMs);

    Replies.ManualRetry manualRetry(long now, String namespace, long stateId, String fanoutId);

    Replies.Heartbeat heartbeat(long now, String namespace, long stateId, long claimToken, long leaseMs);

    /** Fires due timers; sent when a deadline passes with no other traffic. */
    Replies.Tick tick(long now);
}
