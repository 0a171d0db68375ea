package io.exostate.core.engine;

import io.exostate.core.template.CronExpression;

import java.util.ArrayList;
import java.util.List;

/** A graph template by (namespace, name) with its current version and its cron schedule. */
final class GraphRec
{
    final long id;
    final String namespace;
    final String name;
    final long createdAt;
    long updatedAt;
    GraphVersion current;
    int versionCount;
    final List<CronEntry> cronEntries = new ArrayList<>();

    GraphRec(final long id, final String namespace, final String name, final long createdAt)
    {
        this.id = id;
        this.namespace = namespace;
        this.name = name;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
    }

    /** One distinct cron expression of the current version and its next occurrence. */
    static final class CronEntry extends Timed
    {
        final long id;
        final GraphRec graph;
                final CronExpression expression;
        long nextFire;
        long fired;
        long failed;

        CronEntry(final long id, final GraphRec graph, final CronExpression expression, final long nextFire)
        {
            this.id = id;
            this.graph = graph;
                        this.expression = expression;
            this.nextFire = nextFire;
        }
    }
}
