package io.coronet.net.tls;

/**
 * Wraps the older key formats openssl still writes (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE
 * KEY") into PKCS#8, the one the JDK's KeyFactory reads (RFC 5208, RFC 5915 section 3).
 */
final class Pkcs8 {
    static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";

    private Pkcs8() {
    }

    static byte[] fromPkcs1(byte[] rsaPrivateKey) {
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(RSA_ENCRYPTION), Der.nul()), Der.octets(rsaPrivateKey));
    }

    /** SEC1 carries its curve in [0]; PKCS#8 wants it in the algorithm identifier. */
    static byte[] fromSec1(byte[] ecPrivateKey) {
        Der.Reader outer = new Der.Reader(ecPrivateKey, 0, ecPrivateKey.length);
        if (!outer.next() || outer.tag != Der.SEQUENCE) {
            throw new IllegalArgumentException("not a DER SEQUENCE");
        }
        Der.Reader fields = outer.inside();
        byte[] curve = null;
        while (fields.next()) {
            if (fields.tag == 0xa0) {
                curve = fields.content(); // the curve's OBJECT IDENTIFIER, tag and length included
            }
        }
        if (curve == null || curve.length == 0 || curve[0] != Der.OID) {
            throw new IllegalArgumentException("it names no curve (no [0] parameters with a named curve)");
        }
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(EC_PUBLIC_KEY), curve), Der.octets(ecPrivateKey));
    }
}
