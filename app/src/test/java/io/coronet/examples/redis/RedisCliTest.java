package io.coronet.examples.redis;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command through the real redis-cli, with its exact output, plus binary values and
 * expiry. The expected outputs are a session recorded from redis-server 7.0.15
 * (redis-cli-session.txt); {@link #theRecordedSessionIsWhatRedisServerItselfAnswers} replays it
 * against the distribution's redis-server, so the file cannot drift from what Redis does.
 */
class RedisCliTest extends RedisFixture {

    record Step(String line, List<String> args, String expected) {
    }

    static List<Step> session() throws IOException {
        List<Step> steps = new ArrayList<>();
        String text;
        try (InputStream in = RedisCliTest.class.getResourceAsStream("redis-cli-session.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String line = null;
        StringBuilder expected = new StringBuilder();
        for (String l : text.split("\n", -1)) {
            if (l.startsWith("#")) {
                continue;
            }
            if (l.startsWith(">>> ")) {
                if (line != null) {
                    steps.add(new Step(line, shellSplit(line), expected.toString()));
                }
                line = l.substring(4);
                expected.setLength(0);
            } else if (line != null && !(l.isEmpty() && text.endsWith(l))) {
                expected.append(l).append('\n');
            }
        }
        if (line != null) {
            steps.add(new Step(line, shellSplit(line), expected.toString()));
        }
        return steps;
    }

    /** Splits like a shell for this file's needs: blanks separate, "double quotes" group. */
    static List<String> shellSplit(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(cur.toString());
                }
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }

    static void replay(int port) throws Exception {
        List<Step> steps = session();
        assertTrue(steps.size() > 80, "the session has " + steps.size() + " steps");
        for (Step step : steps) {
            List<String> args = new ArrayList<>(List.of("--no-raw"));
            args.addAll(step.args());
            RedisTools.Result r = RedisTools.cli(port, null, args.toArray(String[]::new));
            assertEquals(step.expected(), r.out(), ">>> " + step.line() + " (stderr: " + r.stderr() + ")");
        }
    }

    @Test
    void everyCommandThroughRedisCliGivesRedisExactOutput() throws Exception {
        RedisTools.require("redis-cli", "redis-tools");
        replay(port());
    }

    @Test
    void theRecordedSessionIsWhatRedisServerItselfAnswers() throws Exception {
        RedisTools.require("redis-cli", "redis-tools");
        try (RedisTools.ReferenceServer reference = new RedisTools.ReferenceServer()) {
            replay(reference.port);
        }
    }

    @Test
    void binaryValuesRoundTripThroughRedisCliX() throws Exception {
        RedisTools.require("redis-cli", "redis-tools");
        byte[] value = new byte[100_000];
        new Random(13).nextBytes(value);
        value[0] = 0;
        value[1] = '\r';
        value[2] = '\n';
        RedisTools.Result set = RedisTools.cli(port(), value, "-x", "SET", "bin");
        assertEquals("OK\n", set.out(), set.stderr());
        RedisTools.Result get = RedisTools.cli(port(), null, "--raw", "GET", "bin");
        byte[] expected = Arrays.copyOf(value, value.length + 1);
        expected[value.length] = '\n'; // redis-cli ends the reply with a newline
        assertArrayEquals(expected, get.stdout());
    }

    @Test
    void binaryKeysAndValuesOverARawSocket() throws Exception {
        byte[] key = {0, (byte) 0xff, '\r', '\n', ' ', '*'};
        byte[] value = new byte[256];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        try (Socket s = connect()) {
            send(s, frame("SET".getBytes(StandardCharsets.US_ASCII), key, value));
            assertEquals("+OK\r\n", receive(s, 5));
            send(s, frame("GET".getBytes(StandardCharsets.US_ASCII), key));
            assertEquals("$256\r\n", receive(s, 6));
            assertArrayEquals(value, s.getInputStream().readNBytes(256));
            assertEquals("\r\n", receive(s, 2));
            byte[] other = key.clone();
            other[1] = (byte) 0xfe; // a different key: not found
            send(s, frame("EXISTS".getBytes(StandardCharsets.US_ASCII), key, other));
            assertEquals(":1\r\n", receive(s, 4));
        }
    }

    static byte[] frame(byte[]... args) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    @Test
    void aKeyWithAnExpiryIsGoneOnceItPasses() throws Exception {
        RedisTools.require("redis-cli", "redis-tools");
        assertEquals("OK\n", RedisTools.cli(port(), null, "SET", "soon", "v", "PX", "200").out());
        assertEquals("v\n", RedisTools.cli(port(), null, "GET", "soon").out());
        long pttl = Long.parseLong(RedisTools.cli(port(), null, "PTTL", "soon").out().strip());
        assertTrue(pttl > 0 && pttl <= 200, "PTTL " + pttl);
        await("the key to expire", () -> {
            try {
                return RedisTools.cli(port(), null, "--no-raw", "GET", "soon").out().equals("(nil)\n");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertEquals("-2\n", RedisTools.cli(port(), null, "TTL", "soon").out());
    }

    @Test
    void theSweepRemovesExpiredKeysNobodyReadsAgain() throws Exception {
        try (Socket s = connect()) {
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                pipeline.append(resp("SET", "gone:" + i, "v", "PX", "50"));
            }
            pipeline.append(resp("SET", "stays", "v"));
            send(s, pipeline.toString());
            assertEquals("+OK\r\n".repeat(2001), receive(s, 5 * 2001));
            // nobody reads the keys: only the periodic sweep can remove them
            await("the sweep to remove 2000 expired keys", () -> redis.size() == 1);
            assertEquals(0, redis.store().expiringCount());
            assertEquals(":1\r\n", roundTrip(s, resp("DBSIZE"), 4));
        }
    }

    @Test
    void inlineCommandsAsTypedIntoNc() throws Exception {
        try (Socket s = connect()) {
            assertEquals("+PONG\r\n", roundTrip(s, "PING\r\n", 7));
            assertEquals("+OK\r\n", roundTrip(s, "set greeting \"hello world\"\n", 5));
            assertEquals("$11\r\nhello world\r\n", roundTrip(s, "GET greeting\r\n", 18));
            assertEquals("$3\r\na\nb\r\n", roundTrip(s, "ECHO \"a\\nb\"\r\n", 9));
            assertEquals("$2\r\nAB\r\n", roundTrip(s, "ECHO \"\\x41\\x42\"\r\n", 8));
            assertEquals("$3\r\nit'\r\n", roundTrip(s, "ECHO 'it\\''\r\n", 9));
            // blank lines are skipped, as in Redis; the connection answers the next command
            assertEquals(":7\r\n", roundTrip(s, "\r\n\r\n   \r\nINCRBY n 7\r\n", 4));
            String err = "-ERR Protocol error: unbalanced quotes in request\r\n";
            assertEquals(err, roundTrip(s, "ECHO \"open\r\n", err.length()));
            assertEquals("", readToEnd(s), "closed after the protocol error");
        }
    }

    @Test
    void aPipelineIsAnsweredInOrderAndQuitClosesAfterItsReply() throws Exception {
        try (Socket s = connect()) {
            StringBuilder p = new StringBuilder();
            StringBuilder expect = new StringBuilder();
            for (int i = 1; i <= 16; i++) {
                p.append(resp("INCR", "counter"));
                expect.append(':').append(i).append("\r\n");
            }
            p.append(resp("QUIT")).append(resp("PING"));
            expect.append("+OK\r\n");
            send(s, p.toString());
            assertEquals(expect.toString(), readToEnd(s), "16 replies, QUIT's OK, nothing for the PING after it");
        }
    }

    @Test
    void redisCliIsHappyWithCommandInfoAndClient() throws Exception {
        RedisTools.require("redis-cli", "redis-tools");
        String info = RedisTools.cli(port(), null, "INFO").out();
        assertTrue(info.contains("redis_version:") && info.contains("connected_clients:1"), info);
        String command = RedisTools.cli(port(), null, "--no-raw", "COMMAND", "INFO", "get").out();
        assertEquals("""
                1) 1) "get"
                   2) (integer) 2
                   3) 1) readonly
                      2) fast
                   4) (integer) 1
                   5) (integer) 1
                   6) (integer) 1
                """, command);
        assertEquals("24\n", RedisTools.cli(port(), null, "COMMAND", "COUNT").out());
        // the name sticks to its connection: set and read in one redis-cli session (stdin lines)
        RedisTools.Result r = RedisTools.cli(port(), "CLIENT SETNAME worker-1\nCLIENT GETNAME\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("OK\nworker-1\n", r.out(), r.stderr());
    }
}
