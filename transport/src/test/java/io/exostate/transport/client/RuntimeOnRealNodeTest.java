package io.exostate.transport.client;

import java.nio.file.Path;

/** The runtime tests against the real node: engine loop, Chronicle journal, binary server. */
class RuntimeOnRealNodeTest extends RuntimeTest
{
    @Override
    TestNode startNode(final Path dir)
    {
        return RealNode.start(dir.resolve("journal"));
    }
}
