package io.coronet.net.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The few DER (X.690) encodings a v3 certificate and a PKCS#8 wrapper need, and a reader for
 * the one structure we look inside (SEC1 EC keys). The JDK parses certificates and keys but
 * has no public API to build one, which a throwaway self-signed certificate needs.
 */
final class Der {
    static final int SEQUENCE = 0x30, SET = 0x31, INTEGER = 0x02, BIT_STRING = 0x03, OCTET_STRING = 0x04,
            NULL = 0x05, OID = 0x06, UTF8_STRING = 0x0c, UTC_TIME = 0x17, GENERALIZED_TIME = 0x18, BOOLEAN = 0x01;

    private static final DateTimeFormatter UTC_TIME_FORMAT = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
    private static final DateTimeFormatter GENERALIZED_TIME_FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");

    private Der() {
    }

    /** tag, length, content. */
    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... items) {
        return tlv(SEQUENCE, concat(items));
    }

    static byte[] set(byte[]... items) {
        return tlv(SET, concat(items));
    }

    static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray()); // two's complement, minimal: what DER wants
    }

    static byte[] integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    static byte[] bool(boolean value) {
        return tlv(BOOLEAN, new byte[] {(byte) (value ? 0xff : 0)});
    }

    static byte[] nul() {
        return new byte[] {NULL, 0};
    }

    static byte[] octets(byte[] content) {
        return tlv(OCTET_STRING, content);
    }

    /** A BIT STRING of whole bytes (no unused bits). */
    static byte[] bits(byte[] content) {
        return tlv(BIT_STRING, concat(new byte[] {0}, content));
    }

    static byte[] utf8(String s) {
        return tlv(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
    }

    /** UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
    static byte[] time(ZonedDateTime t) {
        ZonedDateTime utc = t.withZoneSameInstant(ZoneOffset.UTC);
        return utc.getYear() < 2050
                ? tlv(UTC_TIME, utc.format(UTC_TIME_FORMAT).getBytes(StandardCharsets.US_ASCII))
                : tlv(GENERALIZED_TIME, utc.format(GENERALIZED_TIME_FORMAT).getBytes(StandardCharsets.US_ASCII));
    }

    /** An OBJECT IDENTIFIER from its dotted form ("1.2.840.10045.2.1"). */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long v) {
        int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
        for (int i = groups - 1; i >= 0; i--) {
            out.write((int) ((v >>> (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0));
        }
    }

    /** [n] EXPLICIT: a constructed context tag around a complete encoding. */
    static byte[] explicit(int n, byte[] encoding) {
        return tlv(0xa0 | n, encoding);
    }

    /** [n] IMPLICIT of a primitive type: the context tag replaces the type's own. */
    static byte[] implicit(int n, byte[] content) {
        return tlv(0x80 | n, content);
    }

    // ---- reading -----------------------------------------------------------------------------

    /** A cursor over concatenated TLVs, e.g. the contents of a SEQUENCE. */
    static final class Reader {
        private final byte[] der;
        private int at;
        private final int end;
        int tag, contentStart, contentEnd;

        Reader(byte[] der, int from, int to) {
            this.der = der;
            this.at = from;
            this.end = to;
        }

        /** Moves to the next TLV; false when there is none. Throws IllegalArgumentException if malformed. */
        boolean next() {
            if (at >= end) {
                return false;
            }
            if (end - at < 2) {
                throw new IllegalArgumentException("truncated DER");
            }
            tag = der[at] & 0xff;
            int len = der[at + 1] & 0xff;
            int p = at + 2;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 3 || p + bytes > end) {
                    throw new IllegalArgumentException("bad DER length");
                }
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (der[p++] & 0xff);
                }
            }
            if (len > end - p) {
                throw new IllegalArgumentException("DER value runs past its end");
            }
            contentStart = p;
            contentEnd = p + len;
            at = contentEnd;
            return true;
        }

        /** A reader over the current value's contents. */
        Reader inside() {
            return new Reader(der, contentStart, contentEnd);
        }

        /** The current TLV as a whole (tag and length included). */
        byte[] encoding(int tlvStart) {
            return java.util.Arrays.copyOfRange(der, tlvStart, contentEnd);
        }

        byte[] content() {
            return java.util.Arrays.copyOfRange(der, contentStart, contentEnd);
        }
    }
}
