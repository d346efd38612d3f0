package io.coronet.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The command-line parser ({@link Args}) and {@link Main}'s exit codes and output. */
class ArgsTest {

    /** What one {@link Main#run} printed and returned. */
    record Result(int code, String out, String err) {
    }

    static Result main(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static Args serve(String... args) {
        return Args.parse(ServeCommand.SPEC, List.of(args));
    }

    static Args.UsageException usageError(String... args) {
        Args.UsageException e = assertThrows(Args.UsageException.class, () -> {
            Args a = serve(args);
            a.integer("--port", 0);
            a.integer("--loops", 0);
            a.integer("--backlog", 0);
            a.duration("--grace", Duration.ZERO);
            a.duration("--greeting-timeout", Duration.ZERO);
            a.choice("--protocol", ServeCommand.Protocol.values(), ServeCommand.Protocol.echo);
        });
        assertFalse(e.isHelp());
        return e;
    }

    /** A usage error through Main: exit 2, one error line and the usage on stderr, nothing on stdout. */
    static String assertUsageError(String expectedInError, String... args) {
        Result r = main(args);
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        String firstLine = r.err().lines().findFirst().orElseThrow();
        assertTrue(firstLine.contains(expectedInError), r.err());
        assertTrue(r.err().contains("Usage: coronet"), r.err());
        return r.err();
    }

    @Test
    void defaults() {
        Args a = serve();
        assertEquals("127.0.0.1", a.string("--host", ServeCommand.DEFAULT_HOST));
        assertEquals(5566, a.integer("--port", ServeCommand.DEFAULT_PORT));
        assertEquals(Duration.ofSeconds(2), a.duration("--grace", ServeCommand.DEFAULT_GRACE));
        assertEquals(ServeCommand.Protocol.handshake,
                a.choice("--protocol", ServeCommand.Protocol.values(), ServeCommand.Protocol.handshake));
    }

    @Test
    void optionValueAsNextArgumentOrAfterEquals() {
        Args a = serve("--port", "7000", "--host=::1", "--grace=500ms", "--greeting-timeout", "PT3S",
                "--protocol=echo", "--loops", "-1");
        assertEquals(7000, a.integer("--port", 1));
        assertEquals("::1", a.string("--host", "x"));
        assertEquals(Duration.ofMillis(500), a.duration("--grace", Duration.ZERO));
        assertEquals(Duration.ofSeconds(3), a.duration("--greeting-timeout", Duration.ZERO));
        assertEquals(ServeCommand.Protocol.echo,
                a.choice("--protocol", ServeCommand.Protocol.values(), ServeCommand.Protocol.handshake));
        assertEquals(-1, a.integer("--loops", 1), "a negative number is a value, not an option");
        assertEquals(7, serve("--backlog=7").integer("--backlog", 1));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(10), DurationConverter.parse("10s"));
        assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(Duration.ofMinutes(2), DurationConverter.parse("2m"));
        assertEquals(Duration.ofHours(1), DurationConverter.parse(" 1h "));
        assertEquals(Duration.ofSeconds(10), DurationConverter.parse("PT10S"));
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.parse("soon"));
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.parse("10d"));
        assertEquals("10s", DurationConverter.format(Duration.ofSeconds(10)));
        assertEquals("500ms", DurationConverter.format(Duration.ofMillis(500)));
        assertEquals("2m", DurationConverter.format(Duration.ofMinutes(2)));
        assertEquals("0s", DurationConverter.format(Duration.ZERO));
    }

    @Test
    void badValues() {
        assertTrue(usageError("--port", "http").getMessage().contains("'http' is not an integer"));
        assertTrue(usageError("--grace", "soon").getMessage().contains("'soon' is not a duration"));
        assertTrue(usageError("--protocol", "smtp").getMessage().contains("'smtp' is not one of echo, handshake"));
        assertUsageError("--port: 'http' is not an integer", "serve", "--port=http");
        assertUsageError("'soon' is not a duration", "serve", "--greeting-timeout", "soon");
        assertUsageError("--port 0..65535", "serve", "--port", "70000");
        assertUsageError("--loops must be >= 1", "serve", "--loops", "0");
    }

    @Test
    void unknownOptionsAndArguments() {
        assertTrue(usageError("--no-such-option").getMessage().contains("unknown option '--no-such-option'"));
        assertTrue(usageError("--nope=1").getMessage().contains("unknown option '--nope'"));
        assertTrue(usageError("extra").getMessage().contains("unexpected argument 'extra'"));
        String err = assertUsageError("coronet serve: unknown option '--no-such-option'", "serve", "--no-such-option");
        assertTrue(err.contains("--greeting-timeout=D"), "the command's own usage follows: " + err);
        assertUsageError("coronet: unknown option '--nope'", "--nope");
        assertUsageError("coronet seed: PROGRAM: 'S9' is not one of", "seed", "S9");
        assertUsageError("coronet seed: unexpected argument 'S2'", "seed", "S1", "S2");
        assertUsageError("coronet info: unexpected argument 'x'", "info", "x");
    }

    @Test
    void missingValues() {
        assertTrue(usageError("--port").getMessage().contains("missing value for --port"));
        assertTrue(usageError("--port", "--loops", "2").getMessage().contains("missing value for --port"),
                "an option name is not taken as the value of the option before it");
        assertTrue(usageError("--port", "1", "--port", "2").getMessage().contains("--port given more than once"));
        assertUsageError("coronet serve: missing value for --grace", "serve", "--grace");
        assertUsageError("coronet seed: missing PROGRAM", "seed");
    }

    @Test
    void helpPrintsUsageOnStdoutAndExitsZero() {
        for (String[] args : new String[][] {{"-h"}, {"--help"}, {"help"}}) {
            Result r = main(args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertEquals("", r.err());
            assertTrue(r.out().startsWith("Usage: coronet [-hV] COMMAND"), r.out());
            assertTrue(r.out().contains("serve  Run the coronet daemon"), r.out());
        }
        for (String[] args : new String[][] {{"serve", "-h"}, {"serve", "--port", "1", "--help"}, {"help", "serve"}}) {
            Result r = main(args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().startsWith("Usage: coronet serve"), r.out());
            assertTrue(r.out().contains("--backlog=N           listen backlog (default: 4096)"), r.out());
            assertTrue(r.out().contains("(default: 10s)"), r.out());
            assertTrue(r.out().contains("how long open connections may finish (default: 2s)"), r.out());
        }
        Result seed = main("seed", "--help");
        assertEquals(0, seed.code());
        assertTrue(seed.out().contains("port to bind, 0 for a free one (default: 5566)"), seed.out());
        Result info = main("help", "info");
        assertEquals(0, info.code());
        assertTrue(info.out().startsWith("Usage: coronet info"), info.out());
    }

    @Test
    void unknownOrMissingCommandExitsTwo() {
        assertUsageError("coronet: unknown command 'launch'", "launch");
        assertUsageError("coronet: missing command");
        assertUsageError("coronet help: unknown command 'launch'", "help", "launch");
    }

    @Test
    void version() {
        for (String flag : new String[] {"-V", "--version"}) {
            Result r = main(flag);
            assertEquals(0, r.code());
            assertEquals("coronet " + Main.version(), r.out().strip());
            assertEquals("", r.err());
        }
    }
}
