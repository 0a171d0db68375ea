package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Test helper: parse JSON text. */
final class HttpApiFixtureJson
{
    private HttpApiFixtureJson()
    {
    }

    static JsonNode parse(final String text)
    {
        try
        {
            return HttpApiFixture.MAPPER.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
