package io.exostate.transport.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Matches a decoded request path against the routes of SPEC §11 the way Starlette does: path parameters match one
 * non-empty segment; a path that matches no route but matches one with the trailing slash toggled is redirected
 * (307); a path that matches only with other methods is a 405. Immutable; thread safe.
 */
final class Router
{
    /** Every route: method, template, whether it reads a JSON body. */
    enum Route
    {
        HEALTH("GET", "/health", false),
        STATUS("GET", "/status", false),
        LIST_NAMESPACES("GET", "/v0/namespaces", false),
        REGISTER_NODES("PUT", "/v0/namespace/{namespace_name}/nodes/", true),
        LIST_NODES("GET", "/v0/namespace/{namespace_name}/nodes/", false),
        UPSERT_GRAPH("PUT", "/v0/namespace/{namespace_name}/graph/{graph_name}", true),
        GET_GRAPH("GET", "/v0/namespace/{namespace_name}/graph/{graph_name}", false),
        LIST_GRAPHS("GET", "/v0/namespace/{namespace_name}/graphs/", false),
        TRIGGER("POST", "/v0/namespace/{namespace_name}/graph/{graph_name}/trigger", true),
        ENQUEUE("POST", "/v0/namespace/{namespace_name}/states/enqueue", true),
        EXECUTED("POST", "/v0/namespace/{namespace_name}/state/{state_id}/executed", true),
        ERRORED("POST", "/v0/namespace/{namespace_name}/state/{state_id}/errored", true),
        PRUNE("POST", "/v0/namespace/{namespace_name}/state/{state_id}/prune", true),
        REENQUEUE_AFTER("POST", "/v0/namespace/{namespace_name}/state/{state_id}/re-enqueue-after", true),
        MANUAL_RETRY("POST", "/v0/namespace/{namespace_name}/state/{state_id}/manual-retry", true),
        STATE_SECRETS("GET", "/v0/namespace/{namespace_name}/state/{state_id}/secrets", false),
        LIST_RUNS("GET", "/v0/namespace/{namespace_name}/runs/{page}/{size}", false),
        RUN_GRAPH("GET", "/v0/namespace/{namespace_name}/states/run/{run_id}/graph", false),
        NODE_DETAILS("GET", "/v0/namespace/{namespace_name}/graph/{graph_name}/run/{run_id}/node/{node_id}", false);

        final String method;
        final String template;
        final boolean hasBody;
        final String[] segments;

        Route(final String method, final String template, final boolean hasBody)
        {
            this.method = method;
            this.template = template;
            this.hasBody = hasBody;
            this.segments = template.split("/", -1);
        }

        /** The parameter values in template order, or null when the path does not match. */
        String[] match(final String[] pathSegments)
        {
            if (pathSegments.length != segments.length)
            {
                return null;
            }
            final List<String> params = new ArrayList<>(4);
            for (int i = 0; i < segments.length; i++)
            {
                final String t = segments[i];
                final String p = pathSegments[i];
                if (t.startsWith("{"))
                {
                    if (p.isEmpty())
                    {
                        return null;
                    }
                    params.add(p);
                }
                else if (!t.equals(p))
                {
                    return null;
                }
            }
            return params.toArray(new String[0]);
        }
    }

    /** The outcome of {@link #match}. */
    record Match(Route route, String[] params, List<String> allowedMethods, String redirectPath)
    {
        boolean found()
        {
            return route != null;
        }

        boolean methodNotAllowed()
        {
            return route == null && !allowedMethods.isEmpty();
        }

        boolean redirect()
        {
            return redirectPath != null;
        }
    }

    private static final Route[] ROUTES = Route.values();

    private Router()
    {
    }

    static Match match(final String method, final String path)
    {
        final Match direct = matchExact(method, path);
        if (direct.found() || direct.methodNotAllowed() || "/".equals(path))
        {
            return direct;
        }
        final String toggled = path.endsWith("/") ? path.substring(0, path.length() - 1) : path + "/";
        final Match other = matchExact(method, toggled);
        if (other.found() || other.methodNotAllowed())
        {
            return new Match(null, null, List.of(), toggled);
        }
        return direct;
    }

    private static Match matchExact(final String method, final String path)
    {
        final String[] pathSegments = path.split("/", -1);
        final List<String> allowed = new ArrayList<>(2);
        for (final Route r : ROUTES)
        {
            final String[] params = r.match(pathSegments);
            if (params != null)
            {
                if (r.method.equals(method))
                {
                    return new Match(r, params, List.of(), null);
                }
                allowed.add(r.method);
            }
        }
        return new Match(null, null, allowed, null);
    }
}
