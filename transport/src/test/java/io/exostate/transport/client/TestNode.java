package io.exostate.transport.client;

/**
 * A server the client tests run against: the real node ({@link RealNode}: engine loop, journal, binary server) or the
 * {@link FakeServer} that can inject faults. Loopback only.
 */
interface TestNode extends AutoCloseable
{
    /** The binary protocol port on 127.0.0.1. */
    int port();

    /** Serves again on the same port with the state it had (the real node replays its journal). */
    TestNode restart();

    /** Stops serving: every connection closes and the port is free. Idempotent. */
    @Override
    void close();
}
