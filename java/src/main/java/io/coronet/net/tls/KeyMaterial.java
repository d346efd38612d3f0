package io.coronet.net.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * A private key and the certificate chain that goes with it (leaf first): what a server
 * presents, or a client that authenticates with a certificate.
 *
 * <pre>{@code
 * KeyMaterial km = KeyMaterial.fromPem(Path.of("cert.pem"), Path.of("key.pem"));
 * KeyMaterial km = KeyMaterial.fromPkcs12(Path.of("server.p12"), password);
 * KeyMaterial km = KeyMaterial.selfSigned("localhost");     // throwaway, for trying things out
 * }</pre>
 *
 * Loading checks that the key belongs to the certificate (it signs a challenge the
 * certificate's public key verifies), so a mismatched pair fails here, naming the files,
 * rather than as a handshake failure on every connection later.
 */
public final class KeyMaterial {
    private final PrivateKey key;
    private final List<X509Certificate> chain;

    private KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /** A key and chain already in hand (the chain leaf first); checked to match. */
    public static KeyMaterial of(PrivateKey key, List<X509Certificate> chain) throws GeneralSecurityException {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the certificate chain is empty: it needs at least the key's own certificate");
        }
        if (!matches(key, chain.get(0))) {
            throw new GeneralSecurityException("the private key does not match the certificate " + chain.get(0).getSubjectX500Principal());
        }
        return new KeyMaterial(key, chain);
    }

    /**
     * A PEM certificate chain (leaf first, as servers send it) and a PEM private key: PKCS#8
     * ("PRIVATE KEY"), PKCS#1 RSA ("RSA PRIVATE KEY") or SEC1 EC ("EC PRIVATE KEY"), unencrypted.
     * Both may be the same file.
     */
    public static KeyMaterial fromPem(Path certificateFile, Path keyFile) throws KeyFileException {
        List<X509Certificate> chain = certificates(certificateFile);
        PrivateKey key = privateKey(keyFile);
        if (!matches(key, chain.get(0))) {
            throw new KeyFileException(keyFile, "the private key does not match the certificate in " + certificateFile
                    + " (" + chain.get(0).getSubjectX500Principal() + ")");
        }
        return new KeyMaterial(key, chain);
    }

    /** The first key entry of a PKCS#12 keystore (openssl pkcs12 -export, keytool), with its chain. */
    public static KeyMaterial fromPkcs12(Path file, char[] password) throws KeyFileException {
        KeyStore ks;
        try (InputStream in = Files.newInputStream(file)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "no such file");
        } catch (IOException e) {
            String why = e.getCause() instanceof javax.crypto.BadPaddingException || String.valueOf(e.getMessage()).contains("password")
                    ? "wrong password, or not a PKCS#12 file" : "not a readable PKCS#12 file (" + e.getMessage() + ")";
            throw new KeyFileException(file, why, e);
        } catch (GeneralSecurityException e) {
            throw new KeyFileException(file, "not a readable PKCS#12 file (" + e.getMessage() + ")", e);
        }
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                Key k = ks.getKey(alias, password);
                Certificate[] certs = ks.getCertificateChain(alias);
                if (!(k instanceof PrivateKey pk) || certs == null || certs.length == 0) {
                    continue;
                }
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate c : certs) {
                    chain.add((X509Certificate) c);
                }
                if (!matches(pk, chain.get(0))) {
                    throw new KeyFileException(file, "the key of entry '" + alias + "' does not match its certificate");
                }
                return new KeyMaterial(pk, chain);
            }
        } catch (GeneralSecurityException e) {
            throw new KeyFileException(file, "cannot read its key entry (" + e.getMessage() + ")", e);
        }
        throw new KeyFileException(file, "the PKCS#12 file holds no private key with a certificate");
    }

    /**
     * A throwaway self-signed certificate for {@code names} (DNS names; "localhost" also gets
     * 127.0.0.1 and ::1) on a fresh EC P-256 key, valid from an hour ago for 30 days. For
     * trying TLS out, never for production: clients must be told to trust it explicitly.
     */
    public static KeyMaterial selfSigned(String... names) throws GeneralSecurityException {
        return SelfSignedCertificate.generate(List.of(names.length == 0 ? new String[] {"localhost"} : names));
    }

    static KeyMaterial trusted(PrivateKey key, X509Certificate cert) {
        return new KeyMaterial(key, List.of(cert));
    }

    public PrivateKey privateKey() {
        return key;
    }

    /** The chain, leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The leaf certificate's SHA-256 fingerprint, colon-separated hex (what openssl x509 -fingerprint -sha256 prints). */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    // ---- loading -----------------------------------------------------------------------------

    /** Every certificate of a PEM file, in order. */
    static List<X509Certificate> certificates(Path file) throws KeyFileException {
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("X.509 is missing from this JDK", e);
        }
        boolean sawKey = false;
        for (Pem.Block b : Pem.read(file)) {
            if (b.label().equals("CERTIFICATE") || b.label().equals("TRUSTED CERTIFICATE")) {
                try {
                    chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                } catch (CertificateException e) {
                    throw new KeyFileException(file, "certificate " + (chain.size() + 1) + " cannot be parsed: " + e.getMessage(), e);
                }
            } else if (b.label().endsWith("PRIVATE KEY")) {
                sawKey = true;
            }
        }
        if (chain.isEmpty()) {
            throw new KeyFileException(file, "no certificate in it (no '-----BEGIN CERTIFICATE-----' block"
                    + (sawKey ? "; it holds a private key: is this the key file?)" : ")"));
        }
        return chain;
    }

    /** The one private key of a PEM file. */
    static PrivateKey privateKey(Path file) throws KeyFileException {
        PrivateKey found = null;
        boolean sawCert = false;
        for (Pem.Block b : Pem.read(file)) {
            byte[] pkcs8;
            switch (b.label()) {
                case "PRIVATE KEY" -> pkcs8 = b.der();
                case "RSA PRIVATE KEY" -> pkcs8 = Pkcs8.fromPkcs1(b.der());
                case "EC PRIVATE KEY" -> {
                    try {
                        pkcs8 = Pkcs8.fromSec1(b.der());
                    } catch (IllegalArgumentException e) {
                        throw new KeyFileException(file, "the EC PRIVATE KEY cannot be parsed: " + e.getMessage());
                    }
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new KeyFileException(file, "the private key is encrypted, which is not supported;"
                        + " decrypt it with: openssl pkcs8 -in " + file + " -out key.pem (and keep that file private)");
                case "CERTIFICATE" -> {
                    sawCert = true;
                    continue;
                }
                default -> {
                    continue; // "EC PARAMETERS" (openssl ecparam -genkey writes it first) and the like
                }
            }
            if (found != null) {
                throw new KeyFileException(file, "more than one private key in it");
            }
            found = decode(file, pkcs8);
        }
        if (found == null) {
            throw new KeyFileException(file, "no private key in it (no '-----BEGIN PRIVATE KEY-----' block"
                    + (sawCert ? "; it holds a certificate: is this the certificate file?)" : ")"));
        }
        return found;
    }

    private static PrivateKey decode(Path file, byte[] pkcs8) throws KeyFileException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        String lastProblem = null;
        for (String algorithm : new String[] {"EC", "RSA", "RSASSA-PSS", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                lastProblem = e.getMessage();
            } catch (GeneralSecurityException e) {
                // this JDK lacks the algorithm: try the next
            }
        }
        throw new KeyFileException(file, "the PRIVATE KEY is not an RSA or EC key the JDK can read (" + lastProblem + ")");
    }

    /** Does {@code key} belong to {@code cert}? It signs a random challenge that the certificate's key must verify. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null || !cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(challenge);
            byte[] signature = s.sign();
            s.initVerify(cert.getPublicKey());
            s.update(challenge);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key against an EC certificate
        }
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + key.getAlgorithm() + " key, " + certificate().getSubjectX500Principal() + ", " + chain.size()
                + " certificate(s)]";
    }
}
