package io.exostate.core.engine;

import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One engine command as a replayable value: the same record applied to two engines in the same state must give
 * the same reply text. Records are immutable once built (the byte arrays are never written after construction),
 * so one command log can be replayed any number of times.
 */
sealed interface ReplayCommand
{
    /** The command time (epoch ms). */
    long now();

    /** Applies the command and returns the engine's reply object (a {@link ClaimReply} flyweight for claims). */
    Object invoke(Engine engine);

    /** Applies the command and returns its reply as text. */
    default String apply(final Engine engine)
    {
        return render(invoke(engine));
    }

    /**
     * The text of a reply: its {@code toString()}. A claim reply's own text leaves out the run, graph, node name,
     * retry count and creation time of each state, so they are appended: two engines must agree on them too.
     */
    static String render(final Object reply)
    {
        if (reply instanceof ClaimReply r)
        {
            final StringBuilder sb = new StringBuilder(r.toString());
            for (int i = 0; i < r.count(); i++)
            {
                sb.append(" {").append(r.runId(i)).append(' ').append(r.graphName(i)).append(' ').append(r.nodeName(i))
                    .append(" retry=").append(r.retryCount(i)).append(" created=").append(r.createdAt(i)).append('}');
            }
            return sb.toString();
        }
        return String.valueOf(reply);
    }

    record Register(long now, String namespace, String runtimeName, List<NodeRegistration> nodes) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.registerNodes(now, namespace, runtimeName, nodes);
        }
    }

    record Upsert(long now, GraphSpec spec) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.upsertGraph(now, spec);
        }
    }

    record Trigger(
        long now,
        String namespace,
        String graphName,
        String runId,
        Map<String, String> inputs,
        Map<String, String> store,
        long startDelayMs) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.trigger(now, namespace, graphName, runId, inputs, store, startDelayMs);
        }
    }

    /**
     * {@code nodeNames} may be null or hold nulls; {@code nodeCount} may disagree with it on purpose, and so may
     * {@code clientId} and {@code requestId} with each other.
     */
    record Claim(
        long now, String namespace, List<String> nodeNames, int nodeCount, int max, long leaseMs, long clientId,
        long requestId) implements ReplayCommand
    {
        /** A claim without a request id. */
        Claim(final long now, final String namespace, final List<String> nodeNames, final int nodeCount, final int max,
            final long leaseMs)
        {
            this(now, namespace, nodeNames, nodeCount, max, leaseMs, Commands.NO_CLIENT, 0);
        }

        @Override
        public Object invoke(final Engine engine)
        {
            final String[] names = nodeNames == null ? null : nodeNames.toArray(new String[0]);
            return engine.claim(now, namespace, names, nodeCount, max, leaseMs, clientId, requestId);
        }
    }

    /**
     * {@code outputs} is the encoded output list (possibly malformed on purpose). It is applied from the middle of a
     * larger buffer, {@code padding} filler bytes on each side, so the engine must honour offset and length.
     */
    record Executed(long now, String namespace, long stateId, long claimToken, byte[] outputs, int padding)
        implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            final byte[] framed = new byte[outputs.length + 2 * padding];
            Arrays.fill(framed, (byte)0x7F);
            System.arraycopy(outputs, 0, framed, padding, outputs.length);
            return engine.executed(now, namespace, stateId, claimToken, new UnsafeBuffer(framed), padding, outputs.length);
        }

        @Override
        public String toString()
        {
            final String shown = outputs.length <= 256 ?
                Arrays.toString(outputs) : outputs.length + " bytes";
            return "Executed[now=" + now + ", namespace=" + namespace + ", stateId=" + stateId + ", claimToken=" +
                claimToken + ", padding=" + padding + ", outputs=" + shown + "]";
        }
    }

    record Errored(long now, String namespace, long stateId, long claimToken, String error) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.errored(now, namespace, stateId, claimToken, error);
        }
    }

    record Prune(long now, String namespace, long stateId, long claimToken, String dataJson) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.prune(now, namespace, stateId, claimToken, dataJson);
        }
    }

    record Requeue(long now, String namespace, long stateId, long claimToken, long delayMs) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.reenqueueAfter(now, namespace, stateId, claimToken, delayMs);
        }
    }

    record ManualRetry(long now, String namespace, long stateId, String fanoutId) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.manualRetry(now, namespace, stateId, fanoutId);
        }
    }

    record Heartbeat(long now, String namespace, long stateId, long claimToken, long leaseMs) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.heartbeat(now, namespace, stateId, claimToken, leaseMs);
        }
    }

    record Tick(long now) implements ReplayCommand
    {
        @Override
        public Object invoke(final Engine engine)
        {
            return engine.tick(now);
        }
    }
}
