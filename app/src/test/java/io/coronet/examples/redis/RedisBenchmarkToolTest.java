package io.coronet.examples.redis;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * redis-benchmark, the field's standard load tool, against the in-process server on two loops:
 * every test completes, with and without pipelining, and the store holds what it wrote.
 * (A smaller -n than the 100,000 to keep the unit tests short on 2 cores; RedisIT runs
 * the full count against bin/coronet redis.)
 */
class RedisBenchmarkToolTest extends RedisFixture {
    static final int REQUESTS = 20_000;

    static void runBenchmark(int port, int requests, int pipeline) throws Exception {
        String tool = RedisTools.require("redis-benchmark", "redis-tools").toString();
        List<String> cmd = new ArrayList<>(List.of(tool, "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "ping,set,get,incr,mset", "-n", Integer.toString(requests), "-c", "50", "-P", Integer.toString(pipeline), "--csv"));
        RedisTools.Result r = RedisTools.run(cmd, null, 300);
        String out = r.out();
        assertEquals(0, r.exitCode(), out + r.stderr());
        assertFalse((out + r.stderr()).toLowerCase().contains("error"), out + r.stderr());
        // one CSV row per test, e.g. "SET","120481.93","0.231",...
        for (String test : new String[] {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}) {
            assertTrue(out.contains("\"" + test + "\",\""), "no result for " + test + " in:\n" + out);
        }
    }

    @Test
    void redisBenchmarkCompletesWithoutPipelining() throws Exception {
        runBenchmark(port(), REQUESTS, 1);
        assertTrue(redis.size() >= 2, "redis-benchmark's keys are in the store");
    }

    @Test
    void redisBenchmarkCompletesWithPipeline16() throws Exception {
        runBenchmark(port(), REQUESTS, 16);
        // redis-benchmark's INCR hits one key (no -r): one increment per request, across both loops
        try (var s = connect()) {
            String n = Integer.toString(REQUESTS);
            String bulk = "$" + n.length() + "\r\n" + n + "\r\n";
            assertEquals(bulk, roundTrip(s, resp("GET", "counter:__rand_int__"), bulk.length()));
        }
    }
}
