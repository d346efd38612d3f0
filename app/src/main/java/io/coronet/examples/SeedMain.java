package io.coronet.examples;

/** The seed programs' {@code main}: start on host:port (default 127.0.0.1:5566), serve until killed. */
final class SeedMain {
    /** A seed class's {@code start(host, port)}. */
    @FunctionalInterface
    interface Starter {
        SeedServer start(String host, int port) throws Exception;
    }

    private SeedMain() {
    }

    /** args: [host [port]]. */
    static void run(String[] args, Starter starter) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5566;
        SeedServer s = starter.start(host, port);
        System.out.println("listening on " + s.host() + ":" + s.port());
        Thread.currentThread().join(); // serve until killed
    }
}
