package io.exostate.server;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.Replies;
import io.exostate.core.model.Status;
import io.exostate.transport.client.ExoException;
import io.exostate.transport.client.Report;
import io.exostate.transport.client.Runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the clients of {@link ClusterKillTest} saw, recorded as it happens from any thread, and the checker that holds
 * it against what the cluster shows at the end.
 * <p>
 * Times: {@code *Nanos} are {@link System#nanoTime()} of this JVM; {@code *WallMs} are {@link System#currentTimeMillis()},
 * the clock the leader stamps its batches with (the engine's time, in which lease deadlines are given).
 */
final class ClusterHistory
{
    /** A trigger the cluster acknowledged: its run exists ({@code duplicate}: a resend answered DUPLICATE_RUN). */
    record Trigger(String runId, long sentNanos, long ackedNanos, boolean duplicate)
    {
    }

    /** A state handed to a runtime by a claim reply. {@code leaseDeadline} is in engine time (ms). */
    record Claim(String runtime, long stateId, long token, String runId, String identifier, long leaseDeadline,
        long receivedWallMs, long receivedNanos)
    {
    }

    enum Kind
    {
        EXECUTED, ERRORED, PRUNE, REQUEUE, HEARTBEAT
    }

    /**
     * One answer to one sending of a report: {@code ok} when the cluster acknowledged it, else {@code refusal} says
     * why: the reject code of a rejection (a final answer, like an acknowledgement), or the failure (the runtime sends
     * the report again after a lost connection or a timeout). {@code leaseDeadline}: the new deadline an acknowledged
     * heartbeat gave.
     */
    record Answer(String runtime, Kind kind, long stateId, long token, boolean ok, String refusal, boolean rejected,
        long leaseDeadline, long receivedNanos)
    {
        /** The cluster's own answer (acknowledged or rejected), not a failure to get one. */
        boolean isFinal()
        {
            return ok || rejected;
        }
    }

    /** A state as the cluster shows it at the end (route #17). */
    record StateView(long stateId, String identifier, Status status)
    {
    }

    /** A run as the cluster shows it at the end: the listing's status and its states. */
    record RunView(String runId, String status, List<StateView> states)
    {
    }

    final ConcurrentLinkedQueue<Trigger> triggers = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Claim> claims = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();

    void triggered(final String runId, final long sentNanos, final boolean duplicate)
    {
        triggers.add(new Trigger(runId, sentNanos, System.nanoTime(), duplicate));
    }

    /** An observer that records what runtime {@code name} claims and the answers to its reports. */
    Runtime.Observer observer(final String name)
    {
        return new Runtime.Observer()
        {
            @Override
            public void claimed(final ClaimedState s)
            {
                claims.add(new Claim(name, s.stateId(), s.claimToken(), s.runId(), s.identifier(), s.leaseDeadline(),
                    System.currentTimeMillis(), System.nanoTime()));
            }

            @Override
            public void answered(final Report report, final Object reply, final Throwable failure)
            {
                final long deadline = reply instanceof Replies.Heartbeat h ? h.leaseDeadline() : 0;
                String refusal = null;
                boolean rejected = false;
                if (failure != null)
                {
                    final ExoException ex = exoCause(failure);
                    rejected = ex != null && ex.kind() == ExoException.Kind.REJECTED;
                    refusal = ex == null ? String.valueOf(failure) : rejected ? String.valueOf(ex.rejectCode()) :
                        ex.kind() + ": " + ex.getMessage();
                }
                answers.add(new Answer(name, kind(report), report.stateId(), report.claimToken(), failure == null,
                    refusal, rejected, deadline, System.nanoTime()));
            }
        };
    }

    /** The claims whose executed (or other) report has no final answer yet: the runtime still sends it. */
    List<Claim> unanswered()
    {
        final Set<Long> answered = new java.util.HashSet<>();
        for (final Answer a : answers)
        {
            if (a.isFinal() && a.kind() != Kind.HEARTBEAT)
            {
                answered.add(a.token());
            }
        }
        final List<Claim> out = new ArrayList<>();
        for (final Claim c : claims)
        {
            if (!answered.contains(c.token()))
            {
                out.add(c);
            }
        }
        return out;
    }

    /** The {@link ExoException} a future failed with (unwrapped from the completion wrappers), or null. */
    static ExoException exoCause(final Throwable failure)
    {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException ||
            t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null)
        {
            t = t.getCause();
        }
        return t instanceof ExoException ex ? ex : null;
    }

    private static Kind kind(final Report report)
    {
        if (report instanceof Report.Executed)
        {
            return Kind.EXECUTED;
        }
        if (report instanceof Report.Errored)
        {
            return Kind.ERRORED;
        }
        if (report instanceof Report.Prune)
        {
            return Kind.PRUNE;
        }
        if (report instanceof Report.Requeue)
        {
            return Kind.REQUEUE;
        }
        return Kind.HEARTBEAT;
    }

    /**
     * Everything the history and the cluster's final view disagree on, one line each; empty when they agree.
     *
     * @param runs             every run of the namespace, by run id, as the cluster shows it at the end.
     * @param expectedStates   the number of states each node of the graph (by identifier) must have in every run.
     * @param leaseMs          the lease every runtime claims with.
     * @param wallToleranceMs  how far a claim may seem to come before an engine-time deadline on the wall clock
     *                         (the two clocks are the same, read at a millisecond's grain).
     */
    List<String> check(final Map<String, RunView> runs, final Map<String, Integer> expectedStates,
        final long leaseMs, final long wallToleranceMs)
    {
        final List<String> out = new ArrayList<>();
        final Map<Long, StateView> states = new HashMap<>();
        final Map<Long, String> runOfState = new HashMap<>();

        // 1. Every acknowledged trigger's run exists; every run ends SUCCESS.
        for (final Trigger t : triggers)
        {
            if (!runs.containsKey(t.runId()))
            {
                out.add("lost run: trigger of " + t.runId() + " was acknowledged" +
                    (t.duplicate() ? " (as a duplicate of an earlier send)" : "") + " but the run does not exist");
            }
        }
        for (final RunView r : runs.values())
        {
            if (!"SUCCESS".equals(r.status()))
            {
                out.add("run " + r.runId() + " ended " + r.status() + ": " + r.states());
            }
            // 3b. One state per graph node in every run (the fanout's branches: as many as the fanout gives).
            final Map<String, Integer> counts = new LinkedHashMap<>();
            for (final StateView s : r.states())
            {
                counts.merge(s.identifier(), 1, Integer::sum);
                states.put(s.stateId(), s);
                runOfState.put(s.stateId(), r.runId());
            }
            if (!counts.equals(expectedStates))
            {
                out.add("run " + r.runId() + " has states " + counts + ", expected " + expectedStates + ": " +
                    r.states());
            }
        }

        // 2. Every acknowledged executed report is reflected; 3a. no state executed by two claims.
        final Map<Long, Set<Long>> executedTokens = new HashMap<>();
        final Map<Long, Long> heartbeatDeadline = new HashMap<>();
        final Set<Long> released = new TreeSet<>();
        for (final Answer a : answers)
        {
            if (!a.ok())
            {
                continue;
            }
            if (a.kind() == Kind.EXECUTED)
            {
                executedTokens.computeIfAbsent(a.stateId(), k -> new TreeSet<>()).add(a.token());
                final StateView s = states.get(a.stateId());
                if (s == null || s.status() != Status.SUCCESS)
                {
                    out.add("executed report of state " + Ids.stateId(a.stateId()) + " (token " + a.token() +
                        ", " + a.runtime() + ") was acknowledged but the state is " +
                        (s == null ? "missing" : s.status().name()));
                }
            }
            else if (a.kind() == Kind.HEARTBEAT)
            {
                heartbeatDeadline.merge(a.token(), a.leaseDeadline(), Math::max);
            }
            else if (a.kind() == Kind.REQUEUE)
            {
                // A runtime that closes hands back what it still holds: that claim ends early, by its own hand.
                released.add(a.token());
            }
            else
            {
                out.add("unexpected acknowledged " + a.kind() + " report of state " + Ids.stateId(a.stateId()) +
                    " (token " + a.token() + ", " + a.runtime() + "): the workload's nodes never ask for one");
            }
        }
        executedTokens.forEach((state, tokens) ->
        {
            if (tokens.size() > 1)
            {
                out.add("applied twice: state " + Ids.stateId(state) + " has acknowledged executed reports of " +
                    "claims " + tokens);
            }
        });

        // 4. No state held by two runtimes under valid leases.
        final Map<Long, Claim> byToken = new HashMap<>();
        final Map<Long, List<Claim>> byState = new HashMap<>();
        for (final Claim c : claims)
        {
            final Claim other = byToken.put(c.token(), c);
            if (other != null)
            {
                out.add("claim token " + c.token() + " handed out twice: " + other + " and " + c);
            }
            byState.computeIfAbsent(c.stateId(), k -> new ArrayList<>()).add(c);
            final String run = runOfState.get(c.stateId());
            if (!c.runId().equals(run))
            {
                out.add("claimed state " + Ids.stateId(c.stateId()) + " of run " + c.runId() + " is " +
                    (run == null ? "not in any run" : "in run " + run));
            }
        }
        byState.forEach((state, list) ->
        {
            list.sort(Comparator.comparingLong(Claim::token));
            for (int i = 1; i < list.size(); i++)
            {
                final Claim later = list.get(i);
                for (int j = 0; j < i; j++)
                {
                    final Claim earlier = list.get(j);
                    final Set<Long> executed = executedTokens.getOrDefault(state, Set.of());
                    if (executed.contains(earlier.token()))
                    {
                        out.add("state " + Ids.stateId(state) + " claimed again (" + later + ") after the executed " +
                            "report of " + earlier + " was acknowledged");
                    }
                    final long earlierEnds = Math.max(earlier.leaseDeadline(),
                        heartbeatDeadline.getOrDefault(earlier.token(), 0L));
                    final long laterGranted = later.leaseDeadline() - leaseMs;
                    if (earlier.leaseDeadline() == 0 || later.leaseDeadline() == 0)
                    {
                        out.add("state " + Ids.stateId(state) + " claimed twice without a lease: " + earlier +
                            " and " + later);
                        continue;
                    }
                    if (released.contains(earlier.token()))
                    {
                        continue;
                    }
                    if (laterGranted < earlierEnds)
                    {
                        out.add("state " + Ids.stateId(state) + " held twice: " + later + " was granted at engine " +
                            "time " + laterGranted + ", before the lease of " + earlier + " ended at " + earlierEnds);
                    }
                    else if (later.receivedWallMs() + wallToleranceMs < earlierEnds)
                    {
                        out.add("state " + Ids.stateId(state) + " held twice in real time: " + later + " arrived " +
                            "at " + later.receivedWallMs() + " (wall clock), before the lease of " + earlier +
                            " ended at " + earlierEnds + " (as its claim reply said): a reply named a deadline the " +
                            "engine did not keep, or the engine's clock ran ahead of the wall clock");
                    }
                }
            }
        });
        return out;
    }
}
