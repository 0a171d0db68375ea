package io.exostate.raft;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Three (or N) {@link RaftNode}s, each with its {@link RaftGateway}, in this JVM on 127.0.0.1 with free ports and
 * storage under a temporary directory. A JUnit extension: register it with {@code @RegisterExtension}; when a test
 * fails it prints every node's role, applied index and digest, and after each test it closes everything and deletes
 * the directory.
 */
final class LocalCluster implements AfterTestExecutionCallback, AfterEachCallback
{
    private Path root;
    private String[] ids;
    private final Map<String, String> peers = new LinkedHashMap<>();
    private Consumer<RaftNode.Context> nodeTuning = c -> {};
    private Consumer<RaftGateway.Context> gatewayTuning = c -> {};
    private RaftNode[] nodes;
    private RaftGateway[] gateways;

    /** Starts {@code size} nodes and their gateways. */
    LocalCluster start(
        final int size, final Consumer<RaftNode.Context> nodeTuning, final Consumer<RaftGateway.Context> gatewayTuning)
        throws IOException
    {
        this.nodeTuning = nodeTuning;
        this.gatewayTuning = gatewayTuning;
        root = Files.createTempDirectory("exostate-raft-");
        ids = new String[size];
        nodes = new RaftNode[size];
        gateways = new RaftGateway[size];
        final int[] ports = freePorts(size);
        for (int i = 0; i < size; i++)
        {
            ids[i] = "n" + (i + 1);
            peers.put(ids[i], "127.0.0.1:" + ports[i]);
        }
        for (int i = 0; i < size; i++)
        {
            startNode(i);
        }
        return this;
    }

    int size()
    {
        return nodes.length;
    }

    RaftNode node(final int i)
    {
        return nodes[i];
    }

    RaftGateway gateway(final int i)
    {
        return gateways[i];
    }

    boolean isLive(final int i)
    {
        return nodes[i] != null && !nodes[i].isClosed();
    }

    Path storage(final int i)
    {
        return root.resolve(ids[i]);
    }

    /** Starts node {@code i} on its storage (recovering it, or formatting it when empty) with a new gateway. */
    void startNode(final int i) throws IOException
    {
        final RaftNode.Context ctx = new RaftNode.Context()
            .nodeId(ids[i])
            .peers(peers)
            .storageDir(storage(i));
        nodeTuning.accept(ctx);
        nodes[i] = RaftNode.start(ctx);
        final RaftGateway.Context gctx = new RaftGateway.Context().ringCapacity(1024 * 1024).maxMessageLength(64 * 1024);
        gatewayTuning.accept(gctx);
        gateways[i] = new RaftGateway(gctx, nodes[i]).start();
    }

    /** Kills node {@code i}: its gateway and its server stop; its storage stays. */
    void kill(final int i)
    {
        final RaftNode node = nodes[i];
        final RaftGateway gateway = gateways[i];
        try
        {
            node.close();
        }
        finally
        {
            gateway.close();
        }
    }

    /** Deletes the storage of a killed node. */
    void wipe(final int i)
    {
        if (isLive(i))
        {
            throw new IllegalStateException(ids[i] + " is running");
        }
        delete(storage(i));
    }

    /** The index of the node that leads and has committed an entry of its term, waiting for one. */
    int awaitLeader(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            for (int i = 0; i < nodes.length; i++)
            {
                if (isLive(i) && nodes[i].isLeaderReady())
                {
                    return i;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no leader within " + timeoutMs + " ms:\n" + describe());
    }

    /**
     * Waits until every live node applied the same index as the others and the leader's commit index, with equal
     * engine digests; returns that digest.
     */
    EngineStateMachine.Digest awaitConverged(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        while (System.currentTimeMillis() < deadline)
        {
            final List<EngineStateMachine.Digest> digests = new ArrayList<>();
            long commit = -1;
            for (int i = 0; i < nodes.length; i++)
            {
                if (isLive(i))
                {
                    digests.add(nodes[i].stateMachine().digest());
                    commit = Math.max(commit, nodes[i].commitIndex());
                }
            }
            final EngineStateMachine.Digest first = digests.get(0);
            boolean same = first.appliedIndex() >= commit;
            for (final EngineStateMachine.Digest d : digests)
            {
                same &= d.equals(first);
            }
            if (same)
            {
                return first;
            }
            last = digests.toString();
            Thread.sleep(20);
        }
        throw new AssertionError("replicas did not converge within " + timeoutMs + " ms; last seen " + last + "\n" +
            describe());
    }

    /** One status line per node. */
    String describe()
    {
        if (nodes == null)
        {
            return "(cluster not started)";
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nodes.length; i++)
        {
            sb.append("  ").append(nodes[i] == null ? ids[i] + " NOT STARTED" : nodes[i].status());
            if (gateways[i] != null)
            {
                sb.append(" proposedEntries=").append(gateways[i].proposedEntries())
                    .append(" proposedCommands=").append(gateways[i].proposedCommands());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public void afterTestExecution(final ExtensionContext context)
    {
        if (context.getExecutionException().isPresent())
        {
            System.err.println("LocalCluster state after " + context.getDisplayName() + " failed:\n" + describe());
        }
    }

    @Override
    public void afterEach(final ExtensionContext context) throws InterruptedException
    {
        close();
    }

    /** Closes every gateway, then every node (in parallel: each waits for RPCs to wind down), then deletes storage. */
    void close() throws InterruptedException
    {
        if (nodes == null)
        {
            return;
        }
        for (final RaftGateway g : gateways)
        {
            if (g != null)
            {
                g.close();
            }
        }
        final List<Thread> closers = new ArrayList<>();
        for (final RaftNode n : nodes)
        {
            if (n != null)
            {
                final Thread t = new Thread(n::close, "close-" + n.id());
                t.start();
                closers.add(t);
            }
        }
        for (final Thread t : closers)
        {
            t.join(30_000);
        }
        nodes = null;
        gateways = null;
        delete(root);
    }

    private static int[] freePorts(final int n) throws IOException
    {
        final int[] ports = new int[n];
        final List<ServerSocket> sockets = new ArrayList<>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                s.setReuseAddress(true);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
        }
        finally
        {
            for (final ServerSocket s : sockets)
            {
                s.close();
            }
        }
        return ports;
    }

    private static void delete(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path p : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir, ex);
        }
    }
}
