package io.coronet.net.tls;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the certificate by the name the client asked for (SNI): the key material registered
 * for that host name, else the default one. Aliases are the lower-case host names, and
 * {@link #DEFAULT} for the default; a client's own certificate is the default one too.
 *
 * <p>Only SSLEngine is used (no sockets), so the Socket variants answer nothing.
 */
final class NamedKeyManager extends X509ExtendedKeyManager {
    static final String DEFAULT = "(default)"; // cannot be a host name

    private final Map<String, KeyMaterial> byAlias;

    NamedKeyManager(Map<String, KeyMaterial> byAlias) {
        this.byAlias = Map.copyOf(byAlias);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        String requested = requestedHostName(engine == null ? null : engine.getHandshakeSession());
        if (requested != null && fits(requested, keyType)) {
            return requested;
        }
        return fits(DEFAULT, keyType) ? DEFAULT : null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        for (String t : keyTypes) {
            if (fits(DEFAULT, t)) {
                return DEFAULT;
            }
        }
        return null;
    }

    /** The host name the client sent in its SNI extension, lower-case, or null. */
    static String requestedHostName(SSLSession session) {
        if (session instanceof ExtendedSSLSession ext) {
            for (SNIServerName n : ext.getRequestedServerNames()) {
                if (n.getType() == StandardConstants.SNI_HOST_NAME && n instanceof SNIHostName host) {
                    return host.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    /** The JDK asks per signature scheme: "EC", "RSA", "RSASSA-PSS", ... (the key's algorithm). */
    private boolean fits(String alias, String keyType) {
        KeyMaterial km = byAlias.get(alias);
        return km != null && km.privateKey().getAlgorithm().equalsIgnoreCase(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial km = byAlias.get(alias);
        return km == null ? null : km.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial km = byAlias.get(alias);
        return km == null ? null : km.privateKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return byAlias.keySet().stream().filter(a -> fits(a, keyType)).toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return fits(DEFAULT, keyType) ? new String[] {DEFAULT} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
