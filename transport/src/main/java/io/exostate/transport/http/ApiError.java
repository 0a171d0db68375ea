package io.exostate.transport.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One entry of a 422 body, shaped like FastAPI's rendering of a pydantic error:
 * {@code {"type", "loc", "msg", "input", "ctx"?}}. {@code input} is the value found at {@code loc} (for a missing
 * field: the object that lacks it; null renders as JSON null); {@code ctx} is omitted when null.
 */
record ApiError(List<Object> loc, String type, String msg, JsonNode input, Map<String, Object> ctx)
{
    ApiError
    {
        loc = List.copyOf(loc);
    }

    void write(final JsonGenerator g) throws IOException
    {
        g.writeStartObject();
        g.writeStringField("type", type);
        g.writeArrayFieldStart("loc");
        for (final Object o : loc)
        {
            if (o instanceof Integer i)
            {
                g.writeNumber(i);
            }
            else
            {
                g.writeString(String.valueOf(o));
            }
        }
        g.writeEndArray();
        g.writeStringField("msg", msg);
        g.writeFieldName("input");
        if (input == null)
        {
            g.writeNull();
        }
        else
        {
            g.writeTree(input);
        }
        if (ctx != null)
        {
            g.writeObjectFieldStart("ctx");
            for (final Map.Entry<String, Object> e : ctx.entrySet())
            {
                g.writeFieldName(e.getKey());
                final Object v = e.getValue();
                if (v instanceof Number n)
                {
                    g.writeNumber(n.longValue());
                }
                else
                {
                    g.writeString(String.valueOf(v));
                }
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** The {@code {"detail": [...]}} body of a 422. */
    static Json.Writer body(final List<ApiError> errors)
    {
        return g ->
        {
            g.writeStartObject();
            g.writeArrayFieldStart("detail");
            for (final ApiError e : errors)
            {
                e.write(g);
            }
            g.writeEndArray();
            g.writeEndObject();
        };
    }
}
