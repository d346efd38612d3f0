package io.coronet.coro;

import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class ChannelTest extends LoopFixture {

    @Test
    void aRendezvousSendCompletesOnlyWhenAReceiverTakesTheElement() throws Exception {
        Channel<String> ch = new Channel<>(0);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        Task<Void> sender = Coroutine.launch(loop, () -> {
            assertFalse(ch.trySend("early"), "a rendezvous has no room without a receiver");
            events.add("sending");
            ch.send("x");
            events.add("sent");
        });
        String got = run(() -> {
            Coroutine.sleep(Duration.ofMillis(20)); // the sender is suspended in send meanwhile
            events.add("receiving");
            String v = ch.receive();
            events.add("received " + v);
            return v;
        });
        sender.join(WAIT);
        assertEquals("x", got);
        assertEquals(List.of("sending", "receiving", "received x", "sent"), events);
        assertEquals(0, ch.size());
    }

    @Test
    void aFullChannelSuspendsTheSenderUntilAReceiveMakesRoom() throws Exception {
        Channel<Integer> ch = new Channel<>(2);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        Task<Void> sender = Coroutine.launch(loop, () -> {
            for (int i = 1; i <= 3; i++) {
                ch.send(i);
                events.add("sent " + i);
            }
        });
        List<Integer> got = run(() -> {
            Coroutine.sleep(Duration.ofMillis(20));
            events.add("full: " + ch.size());
            List<Integer> r = new ArrayList<>();
            r.add(ch.receive());
            Coroutine.sleep(Duration.ofMillis(5));
            r.add(ch.receive());
            r.add(ch.receive());
            return r;
        });
        sender.join(WAIT);
        assertEquals(List.of(1, 2, 3), got);
        assertEquals(List.of("sent 1", "sent 2", "full: 2", "sent 3"), events);
    }

    @Test
    void closeLetsReceiversDrainThenTheyEnd() throws Exception {
        Channel<String> ch = new Channel<>(4);
        Object[] r = run(() -> {
            ch.send("a");
            ch.send("b");
            ch.close();
            ChannelClosedException sendAfter = assertThrows(ChannelClosedException.class, () -> ch.send("c"));
            String a = ch.receive();
            String b = ch.receiveOrNull();
            String end = ch.receiveOrNull();
            ChannelClosedException recvAfter = assertThrows(ChannelClosedException.class, ch::receive);
            return new Object[] {a, b, end, sendAfter.getMessage(), recvAfter.getMessage()};
        });
        assertEquals("a", r[0]);
        assertEquals("b", r[1]);
        assertNull(r[2]);
        assertTrue(((String) r[3]).contains("closed"));
    }

    @Test
    void closeWakesAWaitingReceiverWithTheEndAndAWaitingSenderWithAFailure() throws Exception {
        Channel<String> empty = new Channel<>(1);
        Channel<String> rendezvous = new Channel<>(0);
        Task<String> receiver = Coroutine.spawn(loop, empty::receiveOrNull);
        Task<Object> sender = Coroutine.spawn(loop, () -> {
            try {
                rendezvous.send("never taken");
                return "sent";
            } catch (ChannelClosedException e) {
                return e;
            }
        });
        run(() -> {
            Coroutine.sleep(Duration.ofMillis(20));
            empty.close();
            rendezvous.close();
            return null;
        });
        assertNull(receiver.join(WAIT));
        assertInstanceOf(ChannelClosedException.class, sender.join(WAIT));
    }

    @Test
    void sendersOnOtherLoopsAndPlatformThreadsDeliverEveryElementInOrder() throws Exception {
        final int perSender = 20_000;
        Channel<long[]> ch = new Channel<>(16);
        EventLoop a = EventLoop.start("sender-a");
        EventLoop b = EventLoop.start("sender-b");
        try {
            List<Task<Void>> senders = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                EventLoop l = s == 0 ? a : b;
                long id = s;
                senders.add(Coroutine.launch(l, () -> {
                    for (int i = 0; i < perSender; i++) {
                        ch.send(new long[] {id, i});
                    }
                }));
            }
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> threadFailure = new AtomicReference<>();
            for (int s = 2; s < 4; s++) {
                long id = s;
                Thread t = new Thread(() -> {
                    try {
                        for (int i = 0; i < perSender; i++) {
                            ch.send(new long[] {id, i}, Duration.ofSeconds(30));
                        }
                    } catch (Throwable e) {
                        threadFailure.set(e);
                    }
                }, "platform-sender-" + s);
                t.start();
                threads.add(t);
            }
            long[] counts = run(() -> {
                long[] next = new long[4];
                for (int n = 0; n < 4 * perSender; n++) {
                    long[] e = ch.receive();
                    assertEquals(next[(int) e[0]], e[1], "sender " + e[0] + " out of order");
                    next[(int) e[0]]++;
                }
                return next;
            });
            for (Task<Void> t : senders) {
                t.join(WAIT);
            }
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
            assertNull(threadFailure.get());
            assertArrayEquals(new long[] {perSender, perSender, perSender, perSender}, counts);
            assertNull(ch.tryReceive(), "more elements than were sent");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aPlatformThreadReceivesFromACoroutineAndItsTimeoutLosesNothing() throws Exception {
        Channel<Integer> ch = new Channel<>(0);
        assertThrows(TimeoutException.class, () -> ch.receiveOrNull(Duration.ofMillis(20)));
        Task<Void> sender = Coroutine.launch(loop, () -> {
            for (int i = 0; i < 1000; i++) {
                ch.send(i);
            }
            ch.close();
        });
        int expected = 0;
        Integer v;
        while ((v = ch.receiveOrNull(Duration.ofSeconds(20))) != null) {
            assertEquals(expected++, v);
        }
        assertEquals(1000, expected);
        sender.join(WAIT);
    }

    @Test
    void aCancelledReceiveNeverLosesAnElementHandedToItAtTheSameMoment() throws Exception {
        // A platform thread sends while the test cancels the waiting receiver: the element
        // must end up either returned by that receive or still in the channel, never nowhere.
        Channel<Integer> ch = new Channel<>(1);
        int rounds = 300;
        int returned = 0, leftInChannel = 0;
        for (int i = 0; i < rounds; i++) {
            CountDownLatch waiting = new CountDownLatch(1);
            Task<Integer> receiver = Coroutine.spawn(loop, () -> {
                waiting.countDown();
                return ch.receive();
            });
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            int value = i;
            Thread sender = new Thread(() -> {
                try {
                    ch.send(value);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            sender.start();
            if ((i & 1) == 0) {
                Thread.onSpinWait();
            }
            receiver.cancel();
            sender.join(10_000);
            Integer got = null;
            try {
                got = receiver.join(WAIT);
            } catch (CancelledException expected) {
                // gave up: then the element must still be queued
            }
            Integer queued = ch.tryReceive();
            if (got != null) {
                assertEquals(value, got);
                assertNull(queued, "the element was both returned and left in the channel");
                returned++;
            } else {
                assertEquals(Integer.valueOf(value), queued, "round " + i + ": a cancelled receive lost the element");
                leftInChannel++;
            }
        }
        assertEquals(rounds, returned + leftInChannel);
    }

    @Test
    void aSendTimeoutSendsNothingAndAnOpenChannelStaysUsable() throws Exception {
        Channel<String> ch = new Channel<>(1);
        Object r = run(() -> {
            ch.send("first");
            try {
                ch.send("second", Duration.ofMillis(20));
                return "sent";
            } catch (TimeoutException e) {
                return ch.receive() + "," + ch.tryReceive();
            }
        });
        assertEquals("first,null", r);
    }

    @Test
    void misuseFailsAtOnceWithWhatToDo() throws Exception {
        Channel<String> ch = new Channel<>(1);
        assertThrows(IllegalArgumentException.class, () -> new Channel<>(-1));
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
        AtomicReference<Throwable> onLoop = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                ch.receive();
            } catch (Throwable t) {
                onLoop.set(t);
            }
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, onLoop.get());
        assertTrue(onLoop.get().getMessage().contains("call it from a coroutine"), onLoop.get().getMessage());
    }

    @Test
    void aSenderThatNeverWaitsStillLetsTheLoopsOtherCoroutinesRun() throws Exception {
        Channel<Integer> ch = new Channel<>(100_000);
        boolean[] otherRan = {false};
        int sentBeforeTheOtherRan = run(() -> {
            Coroutine.launch(loop, () -> otherRan[0] = true); // queued behind us on our own loop
            for (int i = 0; i < 10_000; i++) {
                if (otherRan[0]) {
                    return i;
                }
                ch.send(i); // never full: never suspends, but the budget makes it yield now and then
            }
            return -1;
        });
        assertTrue(sentBeforeTheOtherRan >= 0, "10,000 sends without a wait starved the loop's other coroutine");
    }

    @Test
    void aCancelledSenderNeverHasSentTheElementOfTheSendThatThrew() throws Exception {
        for (int round = 0; round < 20; round++) {
            Channel<Integer> ch = new Channel<>(1_000_000);
            int[] returned = {0};
            Task<Void> sender = Coroutine.launch(loop, () -> {
                for (int i = 0; ; i++) {
                    ch.send(i);
                    returned[0]++;
                }
            });
            Thread.sleep(2);
            sender.cancel();
            assertThrows(CancelledException.class, () -> sender.join(WAIT));
            int queued = run(ch::size); // on the loop: returned[0] is loop-confined
            assertEquals(run(() -> returned[0]), queued, "a send that threw had sent its element");
        }
    }
}
