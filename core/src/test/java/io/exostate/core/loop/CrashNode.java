package io.exostate.core.loop;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.journal.ChronicleJournal;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import net.openhft.chronicle.core.Jvm;
import net.openhft.chronicle.core.onoes.ExceptionHandler;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node for {@link CrashRecoveryTest}, run in a child JVM: {@code run <dir> <tag>} drives load through a real
 * {@link EngineLoop} + {@link ChronicleJournal} and prints one {@code ACK ...} line per acknowledged command until it is
 * killed; {@code verify <dir>} recovers (snapshot + journal) and prints what it finds; {@code fresh <dir>} replays the
 * journal alone and prints the digest.
 */
public final class CrashNode
{
    static final String NS = "crash";
    private static final long CALL_TIMEOUT_S = 60;

    private final EngineLoop loop;
    private final CommandEncoder commands = new CommandEncoder();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private final AtomicLong correlations = new AtomicLong();
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();

    private CrashNode(final EngineLoop loop)
    {
        this.loop = loop;
        final ReplyDecoder decoder = new ReplyDecoder();
        loop.openSession(1, new ReplySink()
        {
            @Override
            public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
            {
                final CompletableFuture<Object> f = pending.remove(correlationId);
                if (f != null)
                {
                    f.complete(decoder.decode(buffer, offset, length));
                }
            }

            @Override
            public void onFlush()
            {
            }
        });
    }

    static EngineLoop open(final Path dir, final boolean withSnapshots, final long snapshotIntervalMs)
    {
        return new EngineLoop(new EngineLoop.Context()
            .journal(new ChronicleJournal(dir.resolve("journal"), false, Long.MAX_VALUE / 4))
            .snapshots(withSnapshots ? new SnapshotStore(dir.resolve("snapshots"), 3) : null)
            .snapshotIntervalMs(snapshotIntervalMs));
    }

    private Object call(final int length) throws Exception
    {
        final long corr = correlations.incrementAndGet();
        final CompletableFuture<Object> f = new CompletableFuture<>();
        pending.put(corr, f);
        while (loop.offer(1, corr, out, 0, length) != CommandGateway.Offer.ACCEPTED)
        {
            Thread.onSpinWait();
        }
        try
        {
            // Generous: after a SIGKILL mid-append Chronicle may wait out its 10 s timeoutMS before it recovers the
            // header the dead writer left incomplete, and a loaded build machine stretches that.
            return f.get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            // Say where every thread is, then die: a child left running would hold the test's pipes open.
            System.err.println("crash node: command " + corr + " got no reply in " + CALL_TIMEOUT_S +
                " s; thread dump follows");
            dumpThreads();
            System.err.flush();
            Runtime.getRuntime().halt(2);
            throw ex;
        }
    }

    static void dumpThreads()
    {
        for (final ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true))
        {
            System.err.print(info.getThreadName() + " " + info.getThreadState()
                + (info.getLockName() != null ? " on " + info.getLockName() : "") + "\n");
            for (final StackTraceElement e : info.getStackTrace())
            {
                System.err.print("    at " + e + "\n");
            }
        }
    }

    /**
     * The child ends when its parent does: the test holds our stdin open, so end-of-file means it is gone (or done),
     * and a node nobody reads would otherwise run on after a failed or timed-out test.
     */
    private static void exitWhenParentGoes()
    {
        final Thread t = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // nothing is sent; read until end-of-file
                }
            }
            catch (final IOException ex)
            {
                System.err.println("crash node: stdin failed: " + ex);
            }
            Runtime.getRuntime().halt(3);
        }, "crash-node-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final Path dir = Path.of(args[1]);
        exitWhenParentGoes();
        // Chronicle reports recoveries (a dead writer's lock or header) as warnings through SLF4J, which has no
        // provider in this child: print them, so a slow recovery says what it waited for.
        final ExceptionHandler print = (logger, message, thrown) ->
        {
            System.err.println("chronicle: " + (logger == null ? "" : logger.getName() + ": ") + message);
            if (thrown != null)
            {
                thrown.printStackTrace();
            }
        };
        Jvm.setExceptionHandlers(print, print, ExceptionHandler.ignoresEverything());
        try
        {
            switch (mode)
            {
                case "run" -> run(dir, args[2]);
                case "verify" -> verify(dir);
                case "fresh" -> fresh(dir);
                default -> throw new IllegalArgumentException(mode);
            }
        }
        catch (final Throwable t)
        {
            // The engine loop's thread is not a daemon: without this a failed child would run on, unread.
            t.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(final Path dir, final String tag) throws Exception
    {
        final CrashNode node = new CrashNode(open(dir, true, 150).start());
        final NodeRegistration a = new NodeRegistration("A", List.of(new SchemaField("x", FieldKind.STRING)),
            List.of(new SchemaField("y", FieldKind.STRING)), List.of(), "{}", "{}");
        final NodeRegistration b = new NodeRegistration("B", List.of(new SchemaField("y", FieldKind.STRING)),
            List.of(), List.of(), "{}", "{}");
        node.call(node.commands.registerNodes(node.out, 0, NS, "crash", List.of(a, b)));
        final GraphSpec g = new GraphSpec(NS, "g", List.of(
            new NodeTemplateSpec("A", NS, "a", List.of(TemplateInput.of("x", "${{ store.x }}")), List.of("b"), null),
            new NodeTemplateSpec("B", NS, "b", List.of(TemplateInput.of("y", "${{ a.outputs.y }}")), null, null)),
            Map.of(), RetryPolicySpec.DEFAULT, new StoreConfigSpec(List.of("x"), Map.of()), List.of());
        node.call(node.commands.upsertGraph(node.out, 0, g));
        System.out.println("READY");
        final String[] names = {"A", "B"};
        final byte[] outputs = Payloads.encodeList(List.of(Map.of("y", "out")));
        final UnsafeBuffer outputsBuffer = new UnsafeBuffer(outputs);
        for (long i = 0; ; i++)
        {
            final String runId = tag + "-" + i;
            final Replies.Trigger t = (Replies.Trigger)node.call(node.commands.trigger(node.out, 0, NS, "g", runId,
                Map.of(), Map.of("x", runId), 0));
            if (t.ok())
            {
                System.out.println("ACK TRIGGER " + runId);
            }
            final Object reply = node.call(node.commands.claim(node.out, 0, NS, names, 2, 8, 0));
            if (reply instanceof Claimed claimed)
            {
                for (final ClaimedState s : claimed.states())
                {
                    final Object r = node.call(node.commands.executed(node.out, 0, NS, s.stateId(), s.claimToken(),
                        outputsBuffer, 0, outputs.length));
                    if (r == Replies.Executed.OK || (r instanceof Replies.Executed e && e.ok()))
                    {
                        System.out.println("ACK EXECUTED " + s.stateId() + " " + s.nodeName());
                    }
                }
            }
        }
    }

    private static void verify(final Path dir) throws Exception
    {
        final EngineLoop loop = open(dir, true, 0);
        loop.close();
        final Engine engine = loop.engine();
        System.out.println("DIGEST " + digest(engine.snapshot()));
        System.out.println("APPLIED " + loop.appliedLogIndex());
        final Engine.Read<Views.RunsPage> page = engine.runs(NS, 1, Integer.MAX_VALUE);
        for (final Views.RunSummary r : page.value().runs())
        {
            System.out.println("RUN " + r.runId() + " " + r.totalCount());
            for (final long id : engine.runStateIds(r.runId()))
            {
                final Views.NodeDetails d = engine.state(id);
                System.out.println("STATE " + id + " " + d.identifier() + " " + d.status() + " " + r.runId());
            }
        }
        System.out.println("END");
    }

    private static void fresh(final Path dir) throws Exception
    {
        final EngineLoop loop = open(dir, false, 0);
        loop.close();
        System.out.println("DIGEST " + digest(loop.engine().snapshot()));
        System.out.println("END");
    }

    static String digest(final byte[] bytes) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
