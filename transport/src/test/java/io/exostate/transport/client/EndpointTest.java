package io.exostate.transport.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Endpoint lists as a client context takes them, and the round robin over them. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EndpointTest
{
    private static final Endpoint A = new Endpoint("10.0.0.1", 7701);
    private static final Endpoint B = new Endpoint("10.0.0.2", 7702);
    private static final Endpoint C = new Endpoint("10.0.0.3", 7703);

    @Test
    void shouldParseHostsIpv4AndBracketedIpv6()
    {
        assertThat(Endpoint.parse("10.0.0.1:7701")).isEqualTo(A);
        assertThat(Endpoint.parse(" node-1.example.com:7700 ")).isEqualTo(new Endpoint("node-1.example.com", 7700));
        final Endpoint v6 = Endpoint.parse("[::1]:7700");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.port()).isEqualTo(7700);
        assertThat(v6).hasToString("[::1]:7700");
        assertThat(Endpoint.parse("[fe80::1%eth0]:1").host()).isEqualTo("fe80::1%eth0");
        assertThat(Endpoint.parse("NODE:65535")).isEqualTo(Endpoint.parse("node:65535"));
    }

    @Test
    void shouldParseCommaSeparatedListsInOrder()
    {
        assertThat(Endpoint.parseAll(List.of("10.0.0.1:7701,10.0.0.2:7702, 10.0.0.3:7703"))).containsExactly(A, B, C);
        assertThat(Endpoint.parseAll(List.of("10.0.0.1:7701", "10.0.0.2:7702,10.0.0.3:7703")))
            .containsExactly(A, B, C);
        assertThat(new ExoClient.Context().endpoints("10.0.0.3:7703", "[::1]:7700").endpoints())
            .containsExactly(C, new Endpoint("::1", 7700));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1                 | the port is missing",
        "10.0.0.1:                | the port is missing",
        ":7700                    | the host is missing",
        "10.0.0.1:0               | the port 0 is not in 1..65535",
        "10.0.0.1:65536           | the port 65536 is not in 1..65535",
        "10.0.0.1:77o0            | the port '77o0' is not a number in 1..65535",
        "10.0.0.1:-1              | the port '-1' is not a number in 1..65535",
        "::1:7700                 | an IPv6 address needs brackets",
        "[::1:7700                | the '[' of an IPv6 address has no ']'",
        "[::1]                    | the port is missing after ']'",
        "[]:7700                  | brackets hold an IPv6 address, but got ''",
        "[node]:7700              | brackets hold an IPv6 address, but got 'node'",
        "http://node:7700         | it has a scheme; give host:port only",
        "node:7700:7701           | the host holds ':'",
        "node/x:7700              | the host holds '/'",
        "no de:7700               | the host holds ' '"})
    void shouldRejectAMalformedEndpointSayingWhy(final String text, final String why)
    {
        assertThatThrownBy(() -> Endpoint.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("Expected an endpoint host:port (an IPv6 address in brackets, as [::1]:7700), but got '" +
                text + "': " + why);
    }

    @Test
    void shouldRejectAMalformedListNamingTheEntry()
    {
        assertThatThrownBy(() -> Endpoint.parseAll(List.of("10.0.0.1:7701,10.0.0.2,10.0.0.3:7703")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("Expected endpoints host:port (an IPv6 address in brackets, as [::1]:7700), but entry 2 of 3 " +
                "'10.0.0.2' is not one: the port is missing");
        assertThatThrownBy(() -> Endpoint.parseAll(List.of("10.0.0.1:7701,,10.0.0.3:7703")))
            .hasMessageContaining("entry 2 of 3 '' is not one: it is empty");
        assertThatThrownBy(() -> Endpoint.parseAll(List.of("10.0.0.1:7701,10.0.0.1:7701")))
            .hasMessage("Expected distinct endpoints, but entry 2 '10.0.0.1:7701' repeats an earlier one");
        assertThatThrownBy(() -> Endpoint.parseAll(List.of()))
            .hasMessageContaining("Expected at least one endpoint");
        assertThatThrownBy(() -> Endpoint.parseAll(Arrays.asList("10.0.0.1:7701", null)))
            .hasMessageContaining("but the list holds null");
        // The context refuses at once, naming the entry; an unset list leaves host and port in force.
        assertThatThrownBy(() -> new ExoClient.Context().endpoints("10.0.0.1:7701", "[::1]7700"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("entry 2 of 2 '[::1]7700' is not one: the port is missing after ']'");
        assertThat(new ExoClient.Context().host("h").port(1).endpoints()).containsExactly(new Endpoint("h", 1));
    }

    @Test
    void shouldReadTheLeaderAddressOfNotLeaderLeniently()
    {
        assertThat(Endpoint.leaderAddress("10.0.0.1:7701")).isEqualTo(A);
        assertThat(Endpoint.leaderAddress("[::1]:7700")).isEqualTo(new Endpoint("::1", 7700));
        assertThat(Endpoint.leaderAddress("::1:7700")).isEqualTo(new Endpoint("::1", 7700));
        assertThat(Endpoint.leaderAddress("")).isNull();
        assertThat(Endpoint.leaderAddress(null)).isNull();
        assertThat(Endpoint.leaderAddress("node")).isNull();
        assertThat(Endpoint.leaderAddress("node:99999")).isNull();
    }

    @Test
    void shouldGoRoundTheListAndCountAFailedRound()
    {
        final EndpointCycle cycle = new EndpointCycle(List.of(A, B, C));
        assertThat(cycle.current()).isEqualTo(A);

        assertThat(cycle.failed()).isFalse();
        assertThat(cycle.current()).isEqualTo(B);
        assertThat(cycle.failed()).isFalse();
        assertThat(cycle.current()).isEqualTo(C);
        assertThat(cycle.failed()).as("every endpoint failed once").isTrue();
        assertThat(cycle.current()).isEqualTo(A);

        // A session opened on A: counting starts again.
        assertThat(cycle.failed()).isFalse();
        cycle.connected();
        assertThat(cycle.failed()).isFalse();
        assertThat(cycle.failed()).isFalse();
        assertThat(cycle.failed()).isTrue();
    }

    @Test
    void shouldFollowLeadersListedOrNot()
    {
        final EndpointCycle cycle = new EndpointCycle(List.of(A, B, C));

        cycle.follow(C);
        assertThat(cycle.current()).isEqualTo(C);
        cycle.failed();
        assertThat(cycle.current()).as("the round robin goes on after a listed leader").isEqualTo(A);

        final Endpoint unlisted = new Endpoint("10.0.0.9", 7709);
        cycle.follow(unlisted);
        assertThat(cycle.current()).isEqualTo(unlisted);
        assertThat(cycle.isListed(unlisted)).isFalse();
        cycle.failed();
        assertThat(cycle.current()).as("on from the endpoint that named it").isEqualTo(B);

        final EndpointCycle single = new EndpointCycle(List.of(A));
        single.follow(unlisted);
        assertThat(single.failed()).isTrue();
        assertThat(single.current()).as("back to the one configured endpoint").isEqualTo(A);
    }
}
