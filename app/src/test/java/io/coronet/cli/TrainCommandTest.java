package io.coronet.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code coronet train}: real loopback clients through both protocols, every byte checked. */
class TrainCommandTest {

    @Test
    void trainsBothProtocolsAndReportsWhatItChecked() {
        ArgsTest.Result r = ArgsTest.main("train", "--connections", "30", "--messages", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("coronet train: 60 connections, 240 messages echoed and checked"), r.err());
    }

    @Test
    void badCountsAreAUsageError() {
        assertEquals(2, ArgsTest.main("train", "--connections", "0").code());
        assertEquals(2, ArgsTest.main("train", "--messages", "-1").code());
    }
}
