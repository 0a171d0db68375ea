package io.exostate.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterSpecTest
{
    @Test
    void shouldDeriveBinaryAndHttpPortsFromTheRaftPortUnlessGiven()
    {
        final ClusterSpec spec = ClusterSpec.parse("n1=127.0.0.1:9701, n2=127.0.0.1:9702:17702:18002");
        assertThat(spec.members().keySet()).containsExactly("n1", "n2");
        assertThat(spec.member("n1")).isEqualTo(new ClusterSpec.Member("n1", "127.0.0.1", 9701, 7701, 8001));
        assertThat(spec.binaryAddress("n2")).isEqualTo("127.0.0.1:17702");
        assertThat(spec.httpUrl("n2")).isEqualTo("http://127.0.0.1:18002");
        assertThat(spec.binaryAddress("n9")).isNull();
        assertThat(spec.raftAddresses()).containsExactly(
            java.util.Map.entry("n1", "127.0.0.1:9701"), java.util.Map.entry("n2", "127.0.0.1:9702"));
    }

    @Test
    void shouldRejectMalformedListsNamingTheEntry()
    {
        assertThatThrownBy(() -> ClusterSpec.parse(" ")).hasMessageContaining("--cluster must list the members");
        assertThatThrownBy(() -> ClusterSpec.parse("n1:9701")).hasMessage(
            "--cluster entry 'n1:9701' must be id=host:raftPort[:binaryPort:httpPort]");
        assertThatThrownBy(() -> ClusterSpec.parse("n 1=h:9701")).hasMessageContaining("the id must be");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:x")).hasMessage(
            "--cluster entry 'n1=h:x': the raft port must be a number, but is 'x'");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:70000")).hasMessageContaining("in [1, 65535]");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:1500")).hasMessageContaining("needs explicit binary");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:1:1:2")).hasMessageContaining("uses one port twice");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:9701:1:2:3")).hasMessageContaining("must be id=");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:9701,n1=h:9702")).hasMessage(
            "--cluster names member 'n1' twice");
        assertThatThrownBy(() -> ClusterSpec.parse("n1=h:9701").member("n4")).hasMessage(
            "--id n4 is not one of the --cluster members [n1]");
    }
}
