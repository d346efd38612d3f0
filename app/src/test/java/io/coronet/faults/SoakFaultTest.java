package io.coronet.faults;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 3 of the fault matrix: data integrity under load. Short mode (CI): 1,000 connections for
 * 5 s. Long mode ({@code -Dcoronet.faults.long=true}): 10,000 connections for 60 s. Connections
 * and seconds can also be set with {@code -Dcoronet.faults.soak.connections} and
 * {@code -Dcoronet.faults.soak.seconds}.
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class SoakFaultTest {
    static boolean longMode() {
        return Boolean.getBoolean("coronet.faults.long");
    }

    @Test
    @Fault(area = "3 integrity", name = "soak: 1,000 connections x 5 s (long mode: 10,000 x 60 s), 2 loops",
            expect = "every byte verified: 0 mismatches, 0 unexpected closes, 0 connect failures; clean EOF after half-close")
    void soak() throws Exception {
        int connections = Integer.getInteger("coronet.faults.soak.connections", longMode() ? 10_000 : 1_000);
        int seconds = Integer.getInteger("coronet.faults.soak.seconds", longMode() ? 60 : 5);
        try (Daemon d = Daemon.builder().loops(2).start()) {
            long t0 = System.nanoTime();
            SoakClient.Result r = SoakClient.run(d.host(), d.port(), connections, Duration.ofSeconds(seconds), 0, 7);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            FaultMatrix.note(connections + " connections, " + seconds + " s: " + (r.bytesVerified() >> 20)
                    + " MiB verified, " + r.mismatches() + " mismatches, " + r.unexpectedCloses()
                    + " unexpected closes, " + r.connectFailures() + " connect failures (" + ms + " ms)");
            assertEquals(0, r.mismatches(), r.toString());
            assertEquals(0, r.unexpectedCloses(), r.toString());
            assertEquals(0, r.connectFailures(), r.toString());
            assertTrue(r.bytesVerified() > 0, r.toString());
            assertTrue(d.isAlive(), "daemon died; stderr:\n" + d.stderr());
            Peer.control(d);
            d.terminate();
            assertEquals(0, d.awaitExit(Duration.ofSeconds(30)), d.stderr());
        }
    }
}
