package io.coronet.net.tls;

import java.io.IOException;
import java.nio.file.Path;

/** A certificate or key file that cannot be used: the message names the file and what is wrong with it. */
public final class KeyFileException extends IOException {
    private final Path file;

    KeyFileException(Path file, String problem) {
        this(file, problem, null);
    }

    KeyFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
