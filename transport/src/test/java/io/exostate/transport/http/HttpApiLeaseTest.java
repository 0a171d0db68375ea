package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.exostate.transport.http.HttpApiFixture.node;
import static io.exostate.transport.http.HttpApiFixture.ns;
import static io.exostate.transport.http.HttpApiFixture.schema;
import static org.assertj.core.api.Assertions.assertThat;

/** Decision 7 over HTTP: claims carry no lease unless the server is configured with one. */
@Timeout(60)
class HttpApiLeaseTest
{
    private HttpApiFixture f;

    @AfterEach
    void stop()
    {
        if (f != null)
        {
            f.close();
        }
    }

    private String triggerAndClaim()
    {
        assertThat(f.register("r", node("Start", schema("Inputs", "text"), schema("Outputs"))).status())
            .isEqualTo(200);
        assertThat(f.put(ns("/graph/g"), """
            {"secrets": {}, "nodes": [{"node_name": "Start", "namespace": "testns", "identifier": "a",
                                       "inputs": {"text": "x"}}]}
            """).status()).isEqualTo(201);
        assertThat(f.post(ns("/graph/g/trigger"), "{}").status()).isEqualTo(200);
        final JsonNode claimed = enqueue();
        assertThat(claimed.path("count").asInt()).isEqualTo(1);
        return claimed.path("states").get(0).path("state_id").asText();
    }

    private JsonNode enqueue()
    {
        return f.post(ns("/states/enqueue"), "{\"nodes\": [\"Start\"], \"batch_size\": 4}").json();
    }

    @Test
    void shouldOfferAClaimAgainWhenItsConfiguredLeaseExpires()
    {
        f = new HttpApiFixture(c -> c.leaseMs(5_000));
        final String id = triggerAndClaim();
        f.advance(4_000);
        assertThat(enqueue().path("count").asInt()).isZero();
        f.advance(2_000);
        final JsonNode again = enqueue();
        assertThat(again.path("count").asInt()).isEqualTo(1);
        assertThat(again.path("states").get(0).path("state_id").asText()).isEqualTo(id);
        // Reports carry no token over HTTP: the runtime that holds the state now can still report it.
        assertThat(f.post(ns("/state/" + id + "/executed"), "{\"outputs\": []}").status()).isEqualTo(200);
    }

    @Test
    void shouldKeepAnHttpClaimQueuedForeverWithoutALease()
    {
        f = new HttpApiFixture();
        triggerAndClaim();
        f.advance(24L * 3600 * 1000);
        assertThat(enqueue().path("count").asInt()).isZero();
    }
}
