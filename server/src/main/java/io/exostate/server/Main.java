package io.exostate.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code exostate} command line. {@code scripts/exostate} runs it with the JVM flags of the root pom.
 */
@Command(
    name = "exostate",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "ExoState: a replicated, in-memory workflow state engine compatible with Exosphere.",
    subcommands = {NodeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"exostate " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
