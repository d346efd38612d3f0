package io.coronet.net;

import java.io.IOException;

/** A line-oriented read saw more than the allowed bytes without a line end. */
public final class LineTooLongException extends IOException {
    public LineTooLongException(int maxLength) {
        super("line longer than " + maxLength + " bytes");
    }
}
