package io.exostate.core.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * Everything of one namespace. Registered nodes and graphs keep their first-insertion order (what the listings
 * show); runs are in creation order. The claim-queue map is for lookup only and is never iterated.
 */
final class NamespaceRec
{
    final String name;
    final LinkedHashMap<String, RegisteredNodeRec> nodes = new LinkedHashMap<>();
    final LinkedHashMap<String, GraphRec> graphs = new LinkedHashMap<>();
    final HashMap<String, ClaimQueue> queues = new HashMap<>();
    final ArrayList<RunRec> runs = new ArrayList<>();

    NamespaceRec(final String name)
    {
        this.name = name;
    }

    ClaimQueue queue(final String nodeName)
    {
        ClaimQueue q = queues.get(nodeName);
        if (q == null)
        {
            q = new ClaimQueue(name, nodeName);
            queues.put(nodeName, q);
        }
        return q;
    }
}
