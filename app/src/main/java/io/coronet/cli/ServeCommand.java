package io.coronet.cli;

import io.coronet.examples.Echo;
import io.coronet.examples.S5CoroutineHandshake;
import io.coronet.net.TcpServer;
import io.coronet.net.tls.KeyFileException;
import io.coronet.net.tls.KeyMaterial;
import io.coronet.net.tls.TlsConfig;
import io.coronet.net.tls.TlsServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code coronet serve}: the daemon. One event loop per core, each with its own SO_REUSEPORT
 * listener (the port stays ours alone unless {@code --reuse-port=on}); the handshake protocol
 * (or plain echo) on every connection.
 *
 * <p>Lifecycle: prints {@code listening on HOST:PORT} on stdout once every listener is bound;
 * on SIGINT/SIGTERM drains the server ({@link TcpServer#drain}: stops accepting, gives open
 * connections {@code --grace} to finish, cuts the rest), logs how many finished and how many
 * were cut, and exits 0. A second signal while draining stops at once.
 */
final class ServeCommand {
    enum Protocol { echo, handshake }

    enum Switch { off, on }

    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 5566;
    static final int DEFAULT_BACKLOG = 4096;
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);
    static final int WARMUP_MESSAGES = 50;

    static final Args.Spec SPEC = new Args.Spec("serve", 0,
            List.of("--protocol", "--host", "--port", "--loops", "--greeting-timeout", "--grace", "--backlog", "--warmup",
                    "--reuse-port", "--tls-cert", "--tls-key", "--tls-handshake-timeout"),
            List.of("--tls-self-signed"),
            """
            Usage: coronet serve [-h] [--protocol=echo|handshake] [--host=H] [--port=P] [--loops=N]
                                 [--greeting-timeout=D] [--grace=D] [--backlog=N] [--warmup=N]
                                 [--reuse-port=off|on]
                                 [--tls-cert=FILE --tls-key=FILE | --tls-cert=FILE.p12 | --tls-self-signed]
                                 [--tls-handshake-timeout=D]
            Run the coronet daemon: handshake + echo (default) or plain echo, over TCP or TLS.
                  --protocol=P          echo or handshake (default: handshake)
                  --host=H              address to bind (default: %s)
                  --port=P              port to bind, 0 for a free one (default: %d)
                  --loops=N             event loops, one thread each (default: number of cores)
                  --greeting-timeout=D  time a client has to send its greeting line, e.g. 10s or 500ms
                                        (default: %s)
                  --grace=D             on SIGTERM/SIGINT, how long open connections may finish (default: %s)
                  --backlog=N           listen backlog (default: %d)
                  --warmup=N            before announcing itself, serve N loopback connections of its own
                                        (50 messages each) so the JIT has compiled the per-connection path
                                        when real clients come, e.g. a reconnect storm after a restart
                                        (default: 0, off; not with TLS)
                  --reuse-port=on       share the port with other processes of this user that set
                                        SO_REUSEPORT too (the kernel splits the clients); off: starting
                                        on a port that is already served fails (default: off)
                  --tls-cert=FILE       serve over TLS (1.3 and 1.2) with this PEM certificate chain (leaf first),
                                        or a PKCS#12 keystore (.p12/.pfx; password in CORONET_TLS_PASSWORD)
                  --tls-key=FILE        the PEM private key of --tls-cert (PKCS#8, or RSA/EC as openssl writes them)
                  --tls-self-signed     serve over TLS with a throwaway self-signed certificate for localhost
                                        (EC P-256, 30 days); prints its SHA-256 fingerprint
                  --tls-handshake-timeout=D  time a client has for the TLS handshake (default: %s)
              -h, --help                Show this help message and exit.
            """.formatted(DEFAULT_HOST, DEFAULT_PORT,
                    DurationConverter.format(S5CoroutineHandshake.DEFAULT_GREETING_TIMEOUT),
                    DurationConverter.format(DEFAULT_GRACE), DEFAULT_BACKLOG,
                    DurationConverter.format(TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT)));

    private ServeCommand() {
    }

    static int run(Args args) throws Exception {
        Protocol protocol = args.choice("--protocol", Protocol.values(), Protocol.handshake);
        String host = args.string("--host", DEFAULT_HOST);
        int port = args.integer("--port", DEFAULT_PORT);
        int loops = args.integer("--loops", Runtime.getRuntime().availableProcessors());
        Duration greetingTimeout = args.duration("--greeting-timeout", S5CoroutineHandshake.DEFAULT_GREETING_TIMEOUT);
        Duration grace = args.duration("--grace", DEFAULT_GRACE);
        int backlog = args.integer("--backlog", DEFAULT_BACKLOG);
        int warmup = args.integer("--warmup", 0);
        TcpServer.PortSharing sharing = args.choice("--reuse-port", Switch.values(), Switch.off) == Switch.on
                ? TcpServer.PortSharing.REUSE_PORT : TcpServer.PortSharing.EXCLUSIVE;
        if (loops < 1 || port < 0 || port > 65535 || backlog < 1 || warmup < 0
                || greetingTimeout.isNegative() || grace.isNegative()) {
            throw args.error("--loops must be >= 1, --port 0..65535, --backlog >= 1, --warmup >= 0, durations >= 0");
        }

        TlsConfig tls = tlsConfig(args);
        if (tls != null && warmup > 0) {
            throw args.error("--warmup talks plain TCP to the server: it cannot warm up a TLS server");
        }

        Cli.configureLogging();
        Cli.log(FdLimit.raiseToHardLimit());
        TcpServer.Handler handler = protocol == Protocol.echo
                ? Echo::serve
                : new S5CoroutineHandshake(greetingTimeout);
        // the same handler over TLS: only how the connection is made changes
        TcpServer.Handler served = tls != null ? TlsServer.handler(tls, handler) : handler;
        ServerLifecycle life = ServerLifecycle.start("coronet-loop", loops, grace,
                group -> TcpServer.start(group, host, port, backlog, sharing, served));
        TcpServer server = life.server();
        Cli.log(protocol + (tls != null ? " over TLS" : "") + " server, " + loops + " event loop(s), backend "
                + life.group().get(0).backend());
        if (warmup > 0) {
            warmUp(server, protocol == Protocol.handshake, warmup);
        }
        return life.announceAndServe(warmup > 0 ? server.acceptedConnections() : 0);
    }

    /** The TLS settings the options ask for, or null for plain TCP. Bad files are usage errors naming the file. */
    static TlsConfig tlsConfig(Args args) throws Exception {
        boolean selfSigned = args.flag("--tls-self-signed");
        String cert = args.string("--tls-cert", null);
        String key = args.string("--tls-key", null);
        if (selfSigned && (cert != null || key != null)) {
            throw args.error("--tls-self-signed makes its own certificate: not with --tls-cert/--tls-key");
        }
        if (key != null && cert == null) {
            throw args.error("--tls-key needs --tls-cert (the certificate of that key)");
        }
        if (!selfSigned && cert == null) {
            if (args.has("--tls-handshake-timeout")) {
                throw args.error("--tls-handshake-timeout needs --tls-cert or --tls-self-signed");
            }
            return null;
        }
        Duration handshake = args.duration("--tls-handshake-timeout", TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        if (handshake.isZero() || handshake.isNegative()) {
            throw args.error("--tls-handshake-timeout must be > 0");
        }
        KeyMaterial keys;
        try {
            if (selfSigned) {
                keys = KeyMaterial.selfSigned("localhost");
                Cli.log("self-signed certificate for localhost, 127.0.0.1, ::1 (for trying TLS out only), SHA-256 fingerprint "
                        + keys.fingerprint());
            } else if (key == null) {
                String lower = cert.toLowerCase(java.util.Locale.ROOT);
                if (!lower.endsWith(".p12") && !lower.endsWith(".pfx")) {
                    throw args.error("--tls-cert " + cert + " needs --tls-key (or is a PKCS#12 file named .p12 or .pfx)");
                }
                String password = System.getenv().getOrDefault("CORONET_TLS_PASSWORD", "");
                keys = KeyMaterial.fromPkcs12(Path.of(cert), password.toCharArray());
            } else {
                keys = KeyMaterial.fromPem(Path.of(cert), Path.of(key));
            }
        } catch (KeyFileException e) {
            throw args.error(e.getMessage());
        }
        return TlsConfig.server(keys).handshakeTimeout(handshake).build();
    }

    /**
     * A connection's bottom frames (the coroutine entry, the handler and its loop) live as long as
     * the connection. Entered before the JIT has compiled them, they stay interpreted: every message
     * then takes the JDK's slow thaw path, and the frozen stack is ~1.4 KiB instead of ~0.5
     * (benchmarks/RESULTS.md). Serving a few hundred connections of our own first avoids that for
     * the clients of a fresh daemon. A failed warm-up is logged and the daemon serves anyway.
     */
    private static void warmUp(TcpServer server, boolean handshake, int connections) {
        String host = switch (server.host()) {
            case "0.0.0.0" -> "127.0.0.1";
            case "::", "[::]" -> "::1";
            default -> server.host();
        };
        long start = System.nanoTime();
        try {
            LoopbackClients.run(host, server.port(), handshake, connections, WARMUP_MESSAGES, Duration.ofSeconds(5));
            Cli.log("warmed up: " + connections + " connections of " + WARMUP_MESSAGES + " messages in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (Exception e) {
            Cli.log("warm-up failed, serving anyway: " + e);
        }
    }
}
