package io.exostate.transport.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The binary-protocol address of one node: a host (name, IPv4 or IPv6 address) and a port. Written and parsed as
 * {@code host:port}, an IPv6 address in brackets ({@code [::1]:7700}). Two endpoints are equal when their ports are
 * and their hosts are equal ignoring case; names are not resolved. Immutable.
 *
 * @param host the host as given, without brackets.
 * @param port 1..65535.
 */
public record Endpoint(String host, int port)
{
    private static final String FORM = "host:port (an IPv6 address in brackets, as [::1]:7700)";

    public Endpoint
    {
        Objects.requireNonNull(host, "host");
        if (host.isBlank())
        {
            throw new IllegalArgumentException("Expected a host, but got '" + host + "'");
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("Expected a port in 1..65535, but got " + port);
        }
    }

    /**
     * Parses one {@code host:port}.
     *
     * @throws IllegalArgumentException naming {@code text} and what is wrong with it.
     */
    public static Endpoint parse(final String text)
    {
        Objects.requireNonNull(text, "text");
        final String problem = problem(text.trim());
        if (problem != null)
        {
            throw new IllegalArgumentException("Expected an endpoint " + FORM + ", but got '" + text + "': " + problem);
        }
        return of(text.trim());
    }

    /**
     * Parses endpoints: each element of {@code entries} is one {@code host:port} or several separated by commas
     * ({@code "10.0.0.1:7700,10.0.0.2:7700"}); blanks around entries are ignored.
     *
     * @return the endpoints in order, at least one, no two equal.
     * @throws IllegalArgumentException naming the first bad entry (its position and text), an empty entry, a
     *                                  repeated endpoint, or an empty list.
     */
    public static List<Endpoint> parseAll(final List<String> entries)
    {
        Objects.requireNonNull(entries, "entries");
        final List<String> texts = new ArrayList<>();
        for (final String e : entries)
        {
            if (e == null)
            {
                throw new IllegalArgumentException("Expected endpoints " + FORM + ", but the list holds null");
            }
            for (final String part : e.split(",", -1))
            {
                texts.add(part);
            }
        }
        final List<Endpoint> out = new ArrayList<>(texts.size());
        final Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < texts.size(); i++)
        {
            final String text = texts.get(i).trim();
            final String problem = text.isEmpty() ? "it is empty" : problem(text);
            if (problem != null)
            {
                throw new IllegalArgumentException("Expected endpoints " + FORM + ", but entry " + (i + 1) + " of " +
                    texts.size() + " '" + texts.get(i) + "' is not one: " + problem);
            }
            final Endpoint endpoint = of(text);
            if (!seen.add(endpoint))
            {
                throw new IllegalArgumentException("Expected distinct endpoints, but entry " + (i + 1) + " '" +
                    text + "' repeats an earlier one");
            }
            out.add(endpoint);
        }
        if (out.isEmpty())
        {
            throw new IllegalArgumentException("Expected at least one endpoint " + FORM + ", but got none");
        }
        return List.copyOf(out);
    }

    /**
     * The leader address of a {@code NOT_LEADER} answer, or null when it is empty or not an address. Lenient: an
     * IPv6 address without brackets is read up to the last colon.
     */
    static Endpoint leaderAddress(final String text)
    {
        if (text == null || text.isBlank())
        {
            return null;
        }
        final String t = text.trim();
        if (problem(t) == null)
        {
            return of(t);
        }
        final int colon = t.lastIndexOf(':');
        if (colon <= 0 || t.charAt(0) == '[')
        {
            return null;
        }
        final String port = t.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            return null;
        }
        final int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535 ? new Endpoint(t.substring(0, colon), p) : null;
    }

    /** {@code host:port}, an IPv6 address in brackets: the form {@link #parse} reads. */
    @Override
    public String toString()
    {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Endpoint e && port == e.port && host.equalsIgnoreCase(e.host);
    }

    @Override
    public int hashCode()
    {
        return 31 * host.toLowerCase(Locale.ROOT).hashCode() + port;
    }

    /** Why {@code text} (trimmed, not empty) is not a {@code host:port}, or null when it is one. */
    private static String problem(final String text)
    {
        if (text.isEmpty())
        {
            return "it is empty";
        }
        if (text.contains("://"))
        {
            return "it has a scheme; give host:port only";
        }
        final String host;
        final String port;
        if (text.charAt(0) == '[')
        {
            final int close = text.indexOf(']');
            if (close < 0)
            {
                return "the '[' of an IPv6 address has no ']'";
            }
            host = text.substring(1, close);
            if (host.isEmpty() || host.indexOf(':') < 0)
            {
                return "brackets hold an IPv6 address, but got '" + host + "'";
            }
            if (close + 1 >= text.length() || text.charAt(close + 1) != ':')
            {
                return "the port is missing after ']'";
            }
            port = text.substring(close + 2);
        }
        else
        {
            final int colon = text.lastIndexOf(':');
            if (colon < 0)
            {
                return "the port is missing";
            }
            host = text.substring(0, colon);
            if (host.indexOf(':') >= 0)
            {
                return host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%') ?
                    "an IPv6 address needs brackets" : "the host holds ':'";
            }
            if (host.isEmpty())
            {
                return "the host is missing";
            }
            port = text.substring(colon + 1);
        }
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            if (Character.isWhitespace(c) || c == '/' || c == '[' || c == ']' || c == '@')
            {
                return "the host holds '" + c + "'";
            }
        }
        if (port.isEmpty())
        {
            return "the port is missing";
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            return "the port '" + port + "' is not a number in 1..65535";
        }
        final int p = Integer.parseInt(port);
        if (p < 1 || p > 65535)
        {
            return "the port " + p + " is not in 1..65535";
        }
        return null;
    }

    /** The endpoint of a {@code text} that {@link #problem} accepted. */
    private static Endpoint of(final String text)
    {
        final int colon = text.lastIndexOf(':');
        final String host = text.charAt(0) == '[' ? text.substring(1, colon - 1) : text.substring(0, colon);
        return new Endpoint(host, Integer.parseInt(text.substring(colon + 1)));
    }
}
