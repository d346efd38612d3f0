package io.coronet.net.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway X.509 v3 certificate (RFC 5280) on a fresh EC P-256 key, signed by that key, for
 * {@code coronet serve --tls-self-signed}. The JDK has no public API to build a certificate,
 * so the DER is ours: subject = issuer = CN "coronet self-signed", subjectAltName with the
 * given DNS names (and 127.0.0.1 and ::1 for "localhost"), extendedKeyUsage serverAuth and
 * clientAuth, signed with ecdsa-with-SHA256. Parsed back with the JDK's CertificateFactory
 * before use, so a malformed encoding fails here and not in a client.
 */
final class SelfSignedCertificate {
    static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    static final String COMMON_NAME = "2.5.4.3";
    static final String SUBJECT_ALT_NAME = "2.5.29.17";
    static final String BASIC_CONSTRAINTS = "2.5.29.19";
    static final String EXT_KEY_USAGE = "2.5.29.37";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final Duration VALIDITY = Duration.ofDays(30);

    private SelfSignedCertificate() {
    }

    static KeyMaterial generate(List<String> names) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();

        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256)); // no parameters for ECDSA (RFC 5758)
        byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8("coronet self-signed"))));
        ZonedDateTime now = ZonedDateTime.now();
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)), // version v3
                Der.integer(new BigInteger(127, new SecureRandom()).setBit(120)), // positive, <= 20 octets
                algorithm,
                name,
                Der.sequence(Der.time(now.minusHours(1)), Der.time(now.plus(VALIDITY))),
                name,
                pair.getPublic().getEncoded(), // X.509 SubjectPublicKeyInfo already
                Der.explicit(3, Der.sequence(
                        extension(SUBJECT_ALT_NAME, false, Der.sequence(altNames(names))),
                        extension(BASIC_CONSTRAINTS, true, Der.sequence()), // cA FALSE: a leaf
                        extension(EXT_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH), Der.oid(CLIENT_AUTH))))));

        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(tbs);
        byte[] certificate = Der.sequence(tbs, algorithm, Der.bits(signer.sign()));

        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate));
        cert.verify(pair.getPublic());
        return KeyMaterial.trusted(pair.getPrivate(), cert);
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octets(value))
                : Der.sequence(Der.oid(oid), Der.octets(value));
    }

    /** GeneralNames: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (RFC 5280 4.2.1.6). */
    private static byte[] altNames(List<String> names) {
        List<byte[]> out = new ArrayList<>();
        for (String n : names) {
            if (n.isEmpty() || !n.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("'" + n + "' is not a DNS name");
            }
            if (n.indexOf(':') >= 0 || n.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                out.add(Der.implicit(7, address(n)));
            } else {
                out.add(Der.implicit(2, n.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                if (n.equals("localhost")) {
                    out.add(Der.implicit(7, address("127.0.0.1")));
                    out.add(Der.implicit(7, address("::1")));
                }
            }
        }
        return Der.concat(out.toArray(new byte[0][]));
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address", e);
        }
    }
}
