package io.coronet.net;

import io.coronet.examples.Echo;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class EchoTest extends EchoServerFixture {

    @Override
    TcpServer.Handler handler() {
        return Echo::serve;
    }

    @Test
    void randomPayloadsFromOneByteToOneMegabyteWithRandomChunkingComeBackExactly() throws Exception {
        Random rnd = new Random(20261127);
        int[] sizes = {1, 2, 63, 64, 65, 1000, 4096, 65535, 65536, 65537, 300_000, 1 << 20};
        for (int size : sizes) {
            byte[] payload = new byte[size];
            rnd.nextBytes(payload);
            try (Socket s = connect()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                // write in random pieces from another thread while reading here, so neither side's
                // buffers have to hold the whole megabyte
                Thread writer = new Thread(() -> {
                    try {
                        Random chunks = new Random(size);
                        for (int off = 0; off < size; ) {
                            int n = Math.min(size - off, 1 + chunks.nextInt(70_000));
                            out.write(payload, off, n);
                            off += n;
                        }
                        out.flush();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                byte[] echoed = readExactly(in, size);
                writer.join(30_000);
                assertArrayEquals(payload, echoed, "payload of " + size + " bytes");
            }
        }
    }

    @Test
    void aThousandConcurrentConnectionsThroughOneLoop() throws Exception {
        int connections = 1000;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                sockets.add(connect());
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < connections; i++) {
                    write(sockets.get(i).getOutputStream(), "conn " + i + " round " + round + "\n");
                }
                for (int i = 0; i < connections; i++) {
                    String expect = "conn " + i + " round " + round + "\n";
                    byte[] got = readExactly(sockets.get(i).getInputStream(), expect.length());
                    assertEquals(expect, new String(got));
                }
            }
            assertEquals(connections, server.openConnections());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void halfCloseStillReceivesTheEchoOfEverythingSent() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "last words");
            s.shutdownOutput();
            byte[] rest = s.getInputStream().readAllBytes(); // until the server closes after EOF
            assertEquals("last words", new String(rest));
        }
    }

    @Test
    void aPeerResetMidStreamDoesNotDisturbOtherConnections() throws Exception {
        try (Socket good = connect()) {
            for (int i = 0; i < 20; i++) {
                Socket bad = connect();
                bad.getOutputStream().write(new byte[100_000]);
                bad.setSoLinger(true, 0); // close with RST
                bad.close();
            }
            write(good.getOutputStream(), "still here\n");
            assertEquals("still here\n", new String(readExactly(good.getInputStream(), 11)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.openConnections(), "reset connections are closed by the server");
    }

    @Test
    void manyClientsInParallelThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                int id = c;
                results.add(pool.submit(() -> {
                    Random rnd = new Random(id);
                    try (Socket s = connect()) {
                        for (int i = 0; i < 200; i++) {
                            byte[] msg = new byte[1 + rnd.nextInt(2000)];
                            rnd.nextBytes(msg);
                            s.getOutputStream().write(msg);
                            if (!java.util.Arrays.equals(msg, readExactly(s.getInputStream(), msg.length))) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
