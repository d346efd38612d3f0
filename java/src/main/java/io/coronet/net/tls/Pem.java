package io.coronet.net.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The PEM text format (RFC 7468): "-----BEGIN LABEL-----", Base64, "-----END LABEL-----",
 * any number of blocks, with text between them ignored (what openssl writes before a
 * certificate). The JDK parses the DER inside; this class only finds the blocks.
 */
final class Pem {
    /** One block: its label ("CERTIFICATE", "PRIVATE KEY", ...) and decoded bytes. */
    record Block(String label, byte[] der) {
    }

    private Pem() {
    }

    /** Every block of {@code file}, in order; a {@link KeyFileException} naming the file for anything malformed. */
    static List<Block> read(Path file) throws KeyFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "no such file");
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read: " + e, e);
        }
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                break;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new KeyFileException(file, "a BEGIN line without its closing dashes");
            }
            String label = text.substring(begin + 11, labelEnd).trim();
            String endMarker = "-----END " + label + "-----";
            int end = text.indexOf(endMarker, labelEnd);
            if (end < 0) {
                throw new KeyFileException(file, "'-----BEGIN " + label + "-----' has no matching END line");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains("Proc-Type:") || body.contains("DEK-Info:")) {
                throw new KeyFileException(file, "the " + label + " is encrypted (traditional OpenSSL format), which is not supported;"
                        + " decrypt it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new KeyFileException(file, "the " + label + " block is not valid Base64: " + e.getMessage());
            }
            at = end + endMarker.length();
        }
        if (blocks.isEmpty()) {
            throw new KeyFileException(file, "not a PEM file (no '-----BEGIN ...-----' line)");
        }
        return blocks;
    }
}
