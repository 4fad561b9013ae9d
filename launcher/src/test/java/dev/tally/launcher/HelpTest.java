package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Every command answers {@code --help} with its usage and examples, and exits 0. */
class HelpTest {

    @Test
    void shouldAnswerHelpWithExamplesOnEveryCommand() {
        final CommandLine tally = new CommandLine(new Tally());
        assertThat(tally.getSubcommands()).containsKeys("up", "send", "gateway", "processor", "broker", "reset", "cluster");
        for (final String command : tally.getSubcommands().keySet()) {
            final StringWriter out = new StringWriter();
            final CommandLine cli = new CommandLine(new Tally());
            cli.setOut(new PrintWriter(out, true));
            assertThat(cli.execute(command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command)
                    .contains("Usage: tally " + command)
                    .contains("-h, --help")
                    .contains("Examples:");
        }
    }

    @Test
    void shouldListSendAmongTheCommands() {
        final StringWriter out = new StringWriter();
        final CommandLine cli = new CommandLine(new Tally());
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("send").contains("Sign and post webhook deliveries").contains("Examples:");
    }
}
