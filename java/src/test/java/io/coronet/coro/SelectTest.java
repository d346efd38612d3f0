package io.coronet.coro;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class SelectTest extends LoopFixture {

    @Test
    void theLosingReceiveTakesNothing() throws Exception {
        Channel<String> a = new Channel<>(4);
        Channel<String> b = new Channel<>(4);
        int[] wins = run(() -> {
            int[] w = new int[2];
            for (int i = 0; i < 400; i++) {
                a.send("a" + i);
                b.send("b" + i);
                String got = Select.<String>first()
                        .onReceive(a, v -> v)
                        .onReceive(b, v -> v)
                        .await();
                // whichever lost still holds its element: take it now, in order
                if (got.startsWith("a")) {
                    assertEquals("a" + i, got);
                    assertEquals("b" + i, b.tryReceive(), "the losing receive dropped an element");
                    w[0]++;
                } else {
                    assertEquals("b" + i, got);
                    assertEquals("a" + i, a.tryReceive(), "the losing receive dropped an element");
                    w[1]++;
                }
                assertNull(a.tryReceive());
                assertNull(b.tryReceive());
            }
            return w;
        });
        // fair: a random start each time, so both win often (a fixed order would give 400:0)
        assertTrue(wins[0] > 100 && wins[1] > 100, "unfair: " + wins[0] + ":" + wins[1]);
    }

    @Test
    void aLosingSendEnqueuesNothing() throws Exception {
        Channel<String> out = new Channel<>(1);
        Channel<String> in = new Channel<>(1);
        int[] wins = run(() -> {
            int[] w = new int[2];
            for (int i = 0; i < 200; i++) {
                in.send("in" + i);
                String won = Select.<String>first()
                        .onSend(out, "out" + i, () -> "send")
                        .onReceive(in, v -> "receive")
                        .await();
                if (won.equals("send")) {
                    assertEquals("out" + i, out.tryReceive());
                    assertEquals("in" + i, in.tryReceive(), "the losing receive took the element");
                    w[0]++;
                } else {
                    assertNull(out.tryReceive(), "the losing send enqueued its element");
                    w[1]++;
                }
            }
            return w;
        });
        assertTrue(wins[0] > 30 && wins[1] > 30, "unfair: " + wins[0] + ":" + wins[1]);
    }

    @Test
    void aWaitingSelectGetsElementsFromOtherThreadsAndLosesNoneOfThem() throws Exception {
        final int perSender = 10_000;
        Channel<Integer> a = new Channel<>(0); // rendezvous: every element is a hand-off to the waiting select
        Channel<Integer> b = new Channel<>(8);
        Thread[] senders = new Thread[2];
        for (int s = 0; s < 2; s++) {
            Channel<Integer> ch = s == 0 ? a : b;
            senders[s] = new Thread(() -> {
                try {
                    for (int i = 0; i < perSender; i++) {
                        ch.send(i, Duration.ofSeconds(30));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            senders[s].start();
        }
        int[] next = run(() -> {
            int[] n = new int[3];
            while (n[0] < perSender || n[1] < perSender) {
                int[] which = Select.<int[]>first()
                        .onReceive(a, v -> new int[] {0, v})
                        .onReceive(b, v -> new int[] {1, v})
                        .onTimeout(Duration.ofMillis(1), () -> new int[] {2, 0})
                        .await();
                if (which[0] < 2) {
                    assertEquals(n[which[0]], which[1], "out of order or lost on channel " + which[0]);
                }
                n[which[0]]++;
            }
            return n;
        });
        for (Thread t : senders) {
            t.join(WAIT.toMillis());
        }
        assertEquals(perSender, next[0]);
        assertEquals(perSender, next[1]);
        assertNull(a.tryReceive());
        assertNull(b.tryReceive());
    }

    @Test
    void aCancelledSelectNeverLosesAnElementHandedToItAtTheSameMoment() throws Exception {
        Channel<Integer> ch = new Channel<>(1);
        Channel<Integer> never = new Channel<>(1);
        for (int i = 0; i < 300; i++) {
            CountDownLatch waiting = new CountDownLatch(1);
            Task<Integer> selector = Coroutine.spawn(loop, () -> {
                waiting.countDown();
                return Select.<Integer>first().onReceive(never, v -> -1).onReceive(ch, v -> v).await();
            });
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            int value = i;
            Thread sender = new Thread(() -> ch.trySend(value));
            sender.start();
            selector.cancel();
            sender.join(10_000);
            Integer got = null;
            try {
                got = selector.join(WAIT);
            } catch (CancelledException gaveUp) {
                // then the element must still be in the channel
            }
            Integer queued = ch.tryReceive();
            assertTrue(got != null ^ queued != null, "round " + i + ": returned " + got + ", queued " + queued);
            assertEquals(value, got != null ? got : queued);
        }
    }

    @Test
    void aSelectSendOnARendezvousCompletesWhenAReceiverTakesIt() throws Exception {
        Channel<String> ch = new Channel<>(0);
        Task<String> selector = Coroutine.spawn(loop, () -> Select.<String>first()
                .onSend(ch, "hello", () -> "sent")
                .onTimeout(Duration.ofSeconds(30), () -> "timeout")
                .await());
        String got = run(() -> {
            Coroutine.sleep(Duration.ofMillis(20));
            return ch.receive();
        });
        assertEquals("hello", got);
        assertEquals("sent", selector.join(WAIT));
    }

    @Test
    void taskCompletionAndTimeoutClauses() throws Exception {
        String r = run(() -> {
            Task<Integer> slow = Coroutine.spawn(loop, () -> {
                Coroutine.sleep(Duration.ofSeconds(30));
                return 1;
            });
            Task<Integer> quick = Coroutine.spawn(loop, () -> {
                Coroutine.sleep(Duration.ofMillis(10));
                return 2;
            });
            String first = Select.<String>first()
                    .onComplete(slow, v -> "slow " + v)
                    .onComplete(quick, v -> "quick " + v)
                    .await();
            String second = Select.<String>first()
                    .onComplete(slow, v -> "slow " + v)
                    .onTimeout(Duration.ofMillis(20), () -> "timeout")
                    .await();
            slow.cancel();
            return first + ", " + second;
        });
        assertEquals("quick 2, timeout", r);
    }

    @Test
    void aReadableClauseWinsOnBytesAndTheLoserReadsNothing() throws Exception {
        int[] pair = NativeSockets.socketpair();
        try (NativeBuffer buf = NativeBuffer.allocate(64)) {
            String r = run(() -> {
                try (AsyncFd fd = AsyncFd.register(loop, pair[0])) {
                    Channel<String> ch = new Channel<>(1);
                    // nothing readable yet: the timeout wins and nothing is read
                    String first = Select.<String>first()
                            .onReadable(fd, () -> "readable")
                            .onTimeout(Duration.ofMillis(10), () -> "timeout")
                            .await();
                    Coroutine.launch(loop, () -> {
                        Coroutine.sleep(Duration.ofMillis(10));
                        buf.putBytes(0, "ping".getBytes(StandardCharsets.US_ASCII));
                        NativeSockets.write(pair[1], buf, 0, 4);
                    });
                    String second = Select.<String>first()
                            .onReadable(fd, () -> {
                                int n = NativeSockets.read(fd.fd(), buf, 8, 16);
                                byte[] got = new byte[n];
                                buf.getBytes(8, got, 0, n);
                                return new String(got, StandardCharsets.US_ASCII);
                            })
                            .onReceive(ch, v -> v)
                            .await();
                    // more bytes come while the channel has an element: whichever wins, the loser is untouched
                    buf.putBytes(0, "pong".getBytes(StandardCharsets.US_ASCII));
                    NativeSockets.write(pair[1], buf, 0, 4);
                    ch.send("from channel");
                    Coroutine.sleep(Duration.ofMillis(10)); // let the poller report the bytes
                    StringBuilder rest = new StringBuilder();
                    for (int i = 0; i < 2; i++) {
                        String got = Select.<String>first()
                                .onReadable(fd, () -> {
                                    int n = NativeSockets.read(fd.fd(), buf, 8, 16);
                                    fd.readDrained();
                                    byte[] b = new byte[n];
                                    buf.getBytes(8, b, 0, n);
                                    return new String(b, StandardCharsets.US_ASCII);
                                })
                                .onReceive(ch, v -> v)
                                .await();
                        rest.append(i == 0 ? "" : "+").append(got);
                    }
                    String third = rest.toString();
                    assertTrue(third.equals("pong+from channel") || third.equals("from channel+pong"), third);
                    return first + ", " + second + ", both";
                }
            });
            assertEquals("timeout, ping, both", r);
        } finally {
            NativeSockets.close(pair[1]);
        }
    }

    @Test
    void aSelectWaitsUnderTheCoroutinesDeadline() throws Exception {
        Channel<String> ch = new Channel<>(1);
        Object r = run(() -> {
            try {
                return Coroutine.withTimeout(Duration.ofMillis(20), () -> Select.<String>first().onReceive(ch, v -> v).await());
            } catch (CoroutineTimeoutException e) {
                return e;
            }
        });
        assertInstanceOf(CoroutineTimeoutException.class, r);
        assertTrue(ch.trySend("still usable"));
        assertEquals("still usable", ch.tryReceive());
    }

    @Test
    void aCustomClauseThroughTheSpi() throws Exception {
        AtomicInteger flag = new AtomicInteger();
        String r = run(() -> {
            SelectClause<String> whenSet = new SelectClause<>() {
                SelectWaker w;

                @Override
                protected boolean isReady() {
                    return flag.get() != 0;
                }

                @Override
                protected String complete() {
                    return "flag " + flag.get();
                }

                @Override
                protected void register(SelectWaker waker) {
                    w = waker;
                    new Thread(() -> {
                        flag.set(7);
                        waker.wake();
                    }).start();
                }

                @Override
                protected void unregister() {
                    w = null;
                }
            };
            return Select.<String>first().on(whenSet).onTimeout(Duration.ofSeconds(30), () -> "timeout").await();
        });
        assertEquals("flag 7", r);
    }

    @Test
    void misuse() throws Exception {
        assertThrows(IllegalStateException.class, () -> Select.first().await()); // not in a coroutine
        Object r = run(() -> {
            try {
                Select.first().await();
                return "no error";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        });
        assertEquals("a select needs at least one clause", r);
    }

    @Test
    void aHintFromAnotherThreadIsNeverLost() throws Exception {
        // The clause turns ready on another thread, then wakes the select: however the two race,
        // the select must see it (a select that armed its wake-up after testing lost such hints).
        java.util.concurrent.ExecutorService helper = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            int rounds = 200;
            int hinted = run(() -> {
                int n = 0;
                for (int i = 0; i < rounds; i++) {
                    AtomicInteger flag = new AtomicInteger();
                    SelectClause<String> setElsewhere = new SelectClause<>() {
                        boolean registered;

                        @Override
                        protected boolean isReady() {
                            boolean ready = flag.get() != 0;
                            if (!ready && registered) {
                                // widen the window between "not ready" and suspending, where the
                                // helper's set-then-wake races with the select
                                java.util.concurrent.locks.LockSupport.parkNanos(300_000);
                            }
                            return ready;
                        }

                        @Override
                        protected String complete() {
                            return "hint";
                        }

                        @Override
                        protected void register(SelectWaker waker) {
                            registered = true;
                            helper.execute(() -> {
                                flag.set(1);
                                waker.wake();
                            });
                        }

                        @Override
                        protected void unregister() {
                        }
                    };
                    String r = Select.<String>first().on(setElsewhere).onTimeout(Duration.ofSeconds(2), () -> "lost").await();
                    if (!r.equals("hint")) {
                        return -i - 1;
                    }
                    n++;
                }
                return n;
            });
            assertEquals(rounds, hinted, "a hint was lost in round " + (-hinted - 1));
        } finally {
            helper.shutdownNow();
        }
    }
}
