package io.coronet.examples.redis;

/**
 * What one request may announce before the server calls it a protocol error and closes the
 * connection (Redis's proto-max-bulk-len, its multibulk bound and PROTO_INLINE_MAX_SIZE).
 *
 * @param maxBulkLength     bytes in one argument (Redis allows 512 MB; 64 MiB here by default)
 * @param maxArguments      arguments in one multibulk request
 * @param maxInlineLength   bytes in one inline request line, and in a "*N" or "$N" header line
 */
public record RespLimits(int maxBulkLength, int maxArguments, int maxInlineLength) {
    public static final RespLimits DEFAULT = new RespLimits(64 << 20, 1024 * 1024, 64 * 1024);

    public RespLimits {
        if (maxBulkLength < 0 || maxArguments < 1 || maxInlineLength < 16) {
            throw new IllegalArgumentException("limits must be maxBulkLength >= 0, maxArguments >= 1, maxInlineLength >= 16: "
                    + maxBulkLength + ", " + maxArguments + ", " + maxInlineLength);
        }
        if (maxBulkLength > Integer.MAX_VALUE - 2 * maxInlineLength - 16) {
            throw new IllegalArgumentException("maxBulkLength " + maxBulkLength + " leaves no room for its header in a Java array");
        }
    }
}
