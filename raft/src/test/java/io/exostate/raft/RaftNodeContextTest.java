package io.exostate.raft;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftNodeContextTest
{
    private static RaftNode.Context context()
    {
        return new RaftNode.Context().nodeId("n1").peer("n1", "127.0.0.1:9701").peer("n2", "127.0.0.1:9702")
            .storageDir(Path.of("unused"));
    }

    @Test
    void shouldKeepDurabilityDefaultsAndLetOperatorsOverrideARatisProperty()
    {
        final RaftProperties ours = context().conclude().serverProperties();
        assertThat(RaftServerConfigKeys.Log.unsafeFlushEnabled(ours)).isFalse();
        assertThat(RaftServerConfigKeys.Log.asyncFlushEnabled(ours)).isFalse();
        assertThat(RaftServerConfigKeys.Rpc.timeoutMin(ours)).isEqualTo(TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));

        final String key = RaftNode.Context.OVERRIDE_PREFIX + "raft.server.rpc.timeout.min";
        System.setProperty(key, "450ms");
        try
        {
            final RaftProperties overridden = context().conclude().serverProperties();
            assertThat(RaftServerConfigKeys.Rpc.timeoutMin(overridden).toLong(TimeUnit.MILLISECONDS)).isEqualTo(450);
        }
        finally
        {
            System.clearProperty(key);
        }
    }

    @Test
    void shouldRefuseAPeersMapWithoutThisNodeOrWithABadPort()
    {
        assertThatThrownBy(() -> new RaftNode.Context().nodeId("n3").peer("n1", "127.0.0.1:9701")
            .storageDir(Path.of("x")).conclude()).hasMessageContaining("must include this node n3");
        assertThatThrownBy(() -> new RaftNode.Context().nodeId("n1").peer("n1", "127.0.0.1:x")
            .storageDir(Path.of("x")).conclude()).hasMessageContaining("port is not a number");
    }
}
