package io.coronet.ffi;

import java.io.IOException;

/**
 * A host name could not be resolved to an address: the resolver's (getaddrinfo's) own reason,
 * never an errno that means something else. The message reads like
 * {@code resolve(no-such-host.invalid): EAI_NONAME (Name or service not known)}.
 * {@link #isTemporary()} tells a name server that did not answer (EAI_AGAIN: retrying may
 * help) from a name that does not exist. Made only by {@link Errors}.
 */
public final class UnresolvedHostException extends IOException {
    private final String call;
    private final String host;
    private final String reason;
    private final String description;

    UnresolvedHostException(String call, String host, String resolverText) {
        super((String) null);
        this.call = call;
        this.host = host;
        int colon = resolverText.indexOf(": ");
        this.reason = colon > 0 ? resolverText.substring(0, colon) : resolverText;
        this.description = colon > 0 ? resolverText.substring(colon + 2) : "";
    }

    @Override
    public String getMessage() {
        return call + "(" + host + "): " + reason + (description.isEmpty() ? "" : " (" + description + ")");
    }

    /** The name that did not resolve. */
    public String host() {
        return host;
    }

    /** The resolver's code as the platform names it, e.g. "EAI_NONAME", "EAI_AGAIN". */
    public String reason() {
        return reason;
    }

    /** The resolver's text for it (gai_strerror). */
    public String description() {
        return description;
    }

    /** True for EAI_AGAIN: the name server did not answer (in time); the name may well exist. */
    public boolean isTemporary() {
        return "EAI_AGAIN".equals(reason);
    }
}
