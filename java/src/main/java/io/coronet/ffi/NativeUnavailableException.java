package io.coronet.ffi;

/**
 * libcoronet could not be loaded. The message says what is wrong and what to do; the cause is
 * the original failure (kept once, see {@link NativeLibrary#unavailabilityCause()}).
 */
public final class NativeUnavailableException extends RuntimeException {

    NativeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
