package io.coronet.net.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How TLS connections are made: the JDK's SSLEngine (TLS 1.3 and 1.2 only), our key material,
 * whom we trust, ALPN, client authentication and the handshake deadline. Built once, shared
 * by every connection and loop (immutable; the SSLContext inside is thread-safe).
 *
 * <pre>{@code
 * TlsConfig server = TlsConfig.server(KeyMaterial.fromPem(cert, key))
 *         .serverName("api.example.com", apiKeys)        // SNI: another certificate for that name
 *         .applicationProtocols("h2", "http/1.1")         // ALPN, in our order of preference
 *         .build();
 * TlsConfig client = TlsConfig.client().trust(Path.of("ca.pem")).build();
 * }</pre>
 *
 * Defaults: the handshake must finish within 10 s; a client verifies the server's host name
 * (HTTPS rules, RFC 2818) against the name it connects to, and trusts the JDK's CA
 * certificates unless given its own; a server asks for no client certificate.
 */
public final class TlsConfig {
    /** What a server asks of a client's certificate. */
    public enum ClientAuth {
        /** Not asked for. */
        NONE,
        /** Asked for; a client without one is let in (a wrong one is not). */
        OPTIONAL,
        /** A client without a trusted certificate fails the handshake. */
        REQUIRED
    }

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final boolean server;
    private final SSLContext context;
    private final String[] protocols;
    private final String[] applicationProtocols;
    private final ClientAuth clientAuth;
    private final boolean verifyHostname;
    private final Duration handshakeTimeout;

    private TlsConfig(Builder b, SSLContext context) {
        this.server = b.server;
        this.context = context;
        this.protocols = b.protocols.toArray(new String[0]);
        this.applicationProtocols = b.applicationProtocols.toArray(new String[0]);
        this.clientAuth = b.clientAuth;
        this.verifyHostname = b.verifyHostname;
        this.handshakeTimeout = b.handshakeTimeout;
    }

    /** A server that presents {@code keys} (to every client, unless {@link Builder#serverName} says otherwise). */
    public static Builder server(KeyMaterial keys) {
        Builder b = new Builder(true);
        b.keys.put(NamedKeyManager.DEFAULT, java.util.Objects.requireNonNull(keys, "keys"));
        return b;
    }

    /** A client; {@link Builder#trust} and {@link Builder#keyMaterial} as needed. */
    public static Builder client() {
        return new Builder(false);
    }

    public boolean isServer() {
        return server;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public SSLContext context() {
        return context;
    }

    /** A configured engine: for a client, {@code peerHost} is the name verified and sent as SNI. */
    SSLEngine newEngine(String peerHost, int peerPort) {
        SSLEngine engine = server ? context.createSSLEngine() : context.createSSLEngine(peerHost, peerPort);
        engine.setUseClientMode(!server);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(protocols);
        if (applicationProtocols.length > 0) {
            p.setApplicationProtocols(applicationProtocols); // a server picks by its own order, RFC 7301 no_application_protocol if none fits
        }
        if (server) {
            p.setNeedClientAuth(clientAuth == ClientAuth.REQUIRED);
            if (clientAuth == ClientAuth.OPTIONAL) {
                p.setWantClientAuth(true);
            }
        } else {
            if (verifyHostname) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (peerHost != null && isHostName(peerHost)) {
                p.setServerNames(List.of(new SNIHostName(peerHost))); // RFC 6066: names only, never addresses
            }
        }
        engine.setSSLParameters(p);
        return engine;
    }

    private static boolean isHostName(String host) {
        return host.indexOf(':') < 0 && !host.chars().allMatch(c -> Character.isDigit(c) || c == '.') && !host.endsWith(".");
    }

    /** Collects the settings; {@link #build()} checks them and makes the SSLContext. */
    public static final class Builder {
        private final boolean server;
        private final Map<String, KeyMaterial> keys = new LinkedHashMap<>();
        private final List<X509Certificate> trusted = new ArrayList<>();
        private List<String> protocols = SUPPORTED_PROTOCOLS;
        private List<String> applicationProtocols = List.of();
        private ClientAuth clientAuth = ClientAuth.NONE;
        private boolean verifyHostname = true;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

        private Builder(boolean server) {
            this.server = server;
        }

        /** Server: present {@code keys} to clients that ask for {@code hostName} by SNI. */
        public Builder serverName(String hostName, KeyMaterial keys) {
            requireServer("serverName");
            String name = hostName.toLowerCase(Locale.ROOT);
            if (!isHostName(name)) {
                throw new IllegalArgumentException("'" + hostName + "' is not a host name (SNI carries host names, not addresses)");
            }
            this.keys.put(name, java.util.Objects.requireNonNull(keys, "keys"));
            return this;
        }

        /** Client: authenticate with this certificate when the server asks for one. */
        public Builder keyMaterial(KeyMaterial keys) {
            if (server) {
                throw new IllegalStateException("a server's key material is given to TlsConfig.server(keys); use serverName(name, keys) for more");
            }
            this.keys.put(NamedKeyManager.DEFAULT, java.util.Objects.requireNonNull(keys, "keys"));
            return this;
        }

        /**
         * Trust these certificates (CAs, or a self-signed peer's own) instead of the JDK's
         * default CAs: a client verifies servers with them, a server verifies client certificates.
         */
        public Builder trust(List<X509Certificate> certificates) {
            trusted.addAll(certificates);
            return this;
        }

        /** {@link #trust(List)} the certificates of a PEM file. */
        public Builder trust(Path pemFile) throws KeyFileException {
            return trust(KeyMaterial.certificates(pemFile));
        }

        /** TLS versions to offer: a subset of TLSv1.3 and TLSv1.2 (the default: both). */
        public Builder protocols(String... versions) {
            if (versions.length == 0) {
                throw new IllegalArgumentException("no TLS version given; supported: " + SUPPORTED_PROTOCOLS);
            }
            for (String v : versions) {
                if (!SUPPORTED_PROTOCOLS.contains(v)) {
                    throw new IllegalArgumentException("'" + v + "' is not supported; coronet speaks " + SUPPORTED_PROTOCOLS);
                }
            }
            this.protocols = List.of(versions);
            return this;
        }

        /** ALPN protocol names ("h2", "http/1.1", ...), most preferred first. */
        public Builder applicationProtocols(String... names) {
            for (String n : names) {
                if (n.isEmpty() || n.length() > 255) {
                    throw new IllegalArgumentException("an ALPN protocol name is 1..255 bytes: '" + n + "'");
                }
            }
            this.applicationProtocols = List.of(names);
            return this;
        }

        /** Server: ask for client certificates (verified against {@link #trust}). */
        public Builder clientAuth(ClientAuth mode) {
            requireServer("clientAuth");
            this.clientAuth = java.util.Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Client: check that the server's certificate is for the host connected to (default true). */
        public Builder verifyHostname(boolean on) {
            if (server) {
                throw new IllegalStateException("verifyHostname is for clients; a server verifies client certificates with clientAuth");
            }
            this.verifyHostname = on;
            return this;
        }

        /** The time the whole handshake may take (default 10 s); a peer slower than that is closed. */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the handshake timeout must be > 0 (it is what protects a server from silent clients): " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        private void requireServer(String what) {
            if (!server) {
                throw new IllegalStateException(what + " is a server setting; this is TlsConfig.client()");
            }
        }

        public TlsConfig build() throws GeneralSecurityException {
            if (server && clientAuth != ClientAuth.NONE && trusted.isEmpty()) {
                throw new IllegalStateException("clientAuth " + clientAuth + " needs the CA certificates client certificates are checked against: trust(...)");
            }
            KeyManager[] km = keys.isEmpty() ? null : new KeyManager[] {new NamedKeyManager(new HashMap<>(keys))};
            TrustManager[] tm = null; // the JDK's default CAs
            if (!trusted.isEmpty()) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                try {
                    ks.load(null, null);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("an empty keystore cannot be made", e);
                }
                int i = 0;
                for (X509Certificate c : trusted) {
                    ks.setCertificateEntry("trusted-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                tm = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, tm, null);
            return new TlsConfig(this, ctx);
        }
    }
}
