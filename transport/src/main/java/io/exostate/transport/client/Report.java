package io.exostate.transport.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A report about a claimed state, naming it by its state id and the claim token its claim handed out. Reports are
 * idempotent on the server: a report repeated after it was applied gets the first answer, so an
 * {@link ExoClient} sends them again after a reconnect (see {@link ExoClient#reportsAsync(List)}). A report whose
 * token is no longer the state's (its lease expired and it may be someone else's) is refused with
 * {@code STALE_TOKEN}.
 * <p>
 * Immutable records; safe to share between threads.
 */
public sealed interface Report
{
    long stateId();

    long claimToken();

    /**
     * The state ran: zero, one or N outputs (N is a fanout), each a map of output field to string value.
     * Answered with {@code Replies.Executed}.
     */
    record Executed(long stateId, long claimToken, List<Map<String, String>> outputs) implements Report
    {
        public Executed
        {
            outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
        }
    }

    /** The state failed with {@code error}; the graph's retry policy decides what follows. {@code Replies.Errored}. */
    record Errored(long stateId, long claimToken, String error) implements Report
    {
        public Errored
        {
            Objects.requireNonNull(error, "error");
        }
    }

    /** The branch ends here; {@code dataJson} is a JSON object as text. Answered with {@code Replies.Prune}. */
    record Prune(long stateId, long claimToken, String dataJson) implements Report
    {
        public Prune
        {
            Objects.requireNonNull(dataJson, "dataJson");
        }
    }

    /** Offer the state again after {@code delayMs} (at least 1). Answered with {@code Replies.Requeue}. */
    record Requeue(long stateId, long claimToken, long delayMs) implements Report
    {
        public Requeue
        {
            if (delayMs < 1)
            {
                throw new IllegalArgumentException("Expected a re-enqueue delay of at least 1 ms, but got " + delayMs);
            }
        }
    }

    /** Extend the lease to at least now + {@code leaseMs} (at least 1). Answered with {@code Replies.Heartbeat}. */
    record Heartbeat(long stateId, long claimToken, long leaseMs) implements Report
    {
        public Heartbeat
        {
            if (leaseMs < 1)
            {
                throw new IllegalArgumentException("Expected a heartbeat lease of at least 1 ms, but got " + leaseMs);
            }
        }
    }
}
