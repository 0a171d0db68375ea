package io.exostate.server;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The members of a cluster, as {@code exostate node --cluster} takes them:
 * {@code n1=127.0.0.1:9701,n2=127.0.0.1:9702,n3=127.0.0.1:9703}. Each entry is
 * {@code id=host:raftPort[:binaryPort:httpPort]}; without the last two, the binary protocol listens on
 * {@code raftPort - 2000} and the HTTP API on {@code raftPort - 1700} (9701 gives 7701 and 8001). Every member must
 * be started with the same list: followers use it to send clients to the leader's binary and HTTP addresses.
 */
public record ClusterSpec(Map<String, Member> members)
{
    /** Binary port = raft port minus this, when the entry does not say. */
    public static final int BINARY_PORT_OFFSET = 2000;
    /** HTTP port = raft port minus this, when the entry does not say. */
    public static final int HTTP_PORT_OFFSET = 1700;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    /** One member: its id, host, and the ports of Raft, the binary protocol and the HTTP API. */
    public record Member(String id, String host, int raftPort, int binaryPort, int httpPort)
    {
        public String raftAddress()
        {
            return host + ":" + raftPort;
        }

        public String binaryAddress()
        {
            return host + ":" + binaryPort;
        }

        public String httpUrl()
        {
            return "http://" + host + ":" + httpPort;
        }
    }

    /** Parses the {@code --cluster} text; a precise {@link IllegalArgumentException} names the entry at fault. */
    public static ClusterSpec parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("--cluster must list the members, e.g. " +
                "n1=127.0.0.1:9701,n2=127.0.0.1:9702,n3=127.0.0.1:9703");
        }
        final LinkedHashMap<String, Member> members = new LinkedHashMap<>();
        for (final String raw : text.split(","))
        {
            final String entry = raw.trim();
            final int eq = entry.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("--cluster entry '" + entry + "' must be id=host:raftPort" +
                    "[:binaryPort:httpPort]");
            }
            final String id = entry.substring(0, eq);
            if (!ID.matcher(id).matches())
            {
                throw new IllegalArgumentException("--cluster entry '" + entry + "': the id must be 1-32 letters, " +
                    "digits, '_' or '-'");
            }
            final String[] parts = entry.substring(eq + 1).split(":", -1);
            if (parts.length != 2 && parts.length != 4 || parts[0].isEmpty())
            {
                throw new IllegalArgumentException("--cluster entry '" + entry + "' must be id=host:raftPort" +
                    "[:binaryPort:httpPort] (IPv6 hosts are not supported here)");
            }
            final int raft = port(entry, "raft", parts[1]);
            final int binary = parts.length == 4 ? port(entry, "binary", parts[2]) :
                derived(entry, "binary", raft - BINARY_PORT_OFFSET);
            final int http = parts.length == 4 ? port(entry, "http", parts[3]) :
                derived(entry, "http", raft - HTTP_PORT_OFFSET);
            if (raft == binary || raft == http || binary == http)
            {
                throw new IllegalArgumentException("--cluster entry '" + entry + "' uses one port twice");
            }
            if (members.put(id, new Member(id, parts[0], raft, binary, http)) != null)
            {
                throw new IllegalArgumentException("--cluster names member '" + id + "' twice");
            }
        }
        return new ClusterSpec(Collections.unmodifiableMap(members));
    }

    private static int port(final String entry, final String which, final String text)
    {
        final int port;
        try
        {
            port = Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--cluster entry '" + entry + "': the " + which +
                " port must be a number, but is '" + text + "'", ex);
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("--cluster entry '" + entry + "': the " + which +
                " port must be in [1, 65535], but is " + port);
        }
        return port;
    }

    private static int derived(final String entry, final String which, final int port)
    {
        if (port < 1)
        {
            throw new IllegalArgumentException("--cluster entry '" + entry + "': a raft port below " +
                (which.equals("binary") ? BINARY_PORT_OFFSET : HTTP_PORT_OFFSET) + " needs explicit binary and http " +
                "ports (id=host:raftPort:binaryPort:httpPort)");
        }
        return port;
    }

    /** The member {@code id}, or a precise error when the list does not name it. */
    public Member member(final String id)
    {
        final Member m = members.get(id);
        if (m == null)
        {
            throw new IllegalArgumentException("--id " + id + " is not one of the --cluster members " +
                members.keySet());
        }
        return m;
    }

    /** The Raft address of each member, in the order given. */
    public Map<String, String> raftAddresses()
    {
        final LinkedHashMap<String, String> m = new LinkedHashMap<>();
        members.values().forEach(v -> m.put(v.id(), v.raftAddress()));
        return m;
    }

    /** Member id to binary address, or null for an unknown id. */
    public String binaryAddress(final String id)
    {
        final Member m = members.get(id);
        return m == null ? null : m.binaryAddress();
    }

    /** Member id to HTTP base URL, or null for an unknown id. */
    public String httpUrl(final String id)
    {
        final Member m = members.get(id);
        return m == null ? null : m.httpUrl();
    }
}
